//! `parse_iptables_save` on real captures (fixtures/host-facts/real).

mod common;

use common::{chain, fixture, net, ports, proto};

use netpath_host::parse_iptables_save;
use netpath_model::host::{Action, AddrType, CtState, Family, Hook, Match, RejectWith, L4};

#[test]
fn rhel6_system_config_firewall() {
    let chains = parse_iptables_save(
        &fixture("real/iptables-save.rhel6.txt"),
        Family::Ip,
        "iptables-save.rhel6.txt",
    )
    .unwrap();
    // Only *filter: the *nat REDIRECT rules are skipped.
    let names: Vec<&str> = chains.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["INPUT", "FORWARD", "OUTPUT"]);
    let input = chain(&chains, "INPUT");
    assert_eq!(input.hook, Some(Hook::Input));
    assert_eq!(input.policy, Some(Action::Accept));
    assert_eq!(input.family, Family::Ip);
    assert_eq!(input.table, "filter");
    assert_eq!(chain(&chains, "FORWARD").hook, None);
    assert_eq!(chain(&chains, "OUTPUT").hook, Some(Hook::Output));
    assert_eq!(input.rules.len(), 7);

    let first = &input.rules[0];
    assert_eq!(first.origin, "line 15");
    assert_eq!(
        first.text,
        "-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT"
    );
    assert_eq!(
        first.matches,
        [Match::CtState {
            negate: false,
            states: vec![CtState::Related, CtState::Established]
        }]
    );
    assert_eq!(
        input.rules[2].matches,
        [Match::InInterface {
            negate: false,
            name: "lo".into()
        }]
    );
    let ssh = &input.rules[3];
    assert_eq!(
        ssh.matches,
        [
            proto(L4::Tcp),
            Match::CtState {
                negate: false,
                states: vec![CtState::New]
            },
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(22, 22)]
            },
        ]
    );
    assert_eq!(ssh.action, Action::Accept);
    let last = &input.rules[6];
    assert!(last.matches.is_empty());
    assert_eq!(
        last.action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );
}

#[test]
fn amazon_linux2_docker() {
    let chains = parse_iptables_save(
        &fixture("real/iptables-save.amazonlinux2-docker.txt"),
        Family::Ip,
        "al2",
    )
    .unwrap();
    assert_eq!(chains.len(), 7);
    assert_eq!(
        chain(&chains, "FORWARD").policy,
        None,
        "FORWARD is not a hook netpath uses"
    );
    let input = chain(&chains, "INPUT");
    assert_eq!(input.policy, Some(Action::Accept));
    let r = &input.rules[0];
    assert_eq!(r.action, Action::Accept);
    assert_eq!(
        r.matches[..3],
        [
            Match::Source {
                negate: false,
                nets: vec![net("192.168.0.0/16")]
            },
            proto(L4::Tcp),
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(9998, 9998)]
            },
        ]
    );
    // `-m time` is kept, whole, as unsupported.
    assert_eq!(
        r.matches[3],
        Match::Unsupported {
            text: "-m time --timestart 07:00:00 --timestop 19:00:00 --datestop 2038-01-19T03:14:07"
                .into()
        }
    );
    let docker = chain(&chains, "DOCKER");
    assert_eq!(docker.hook, None);
    assert_eq!(
        docker.rules[0].matches,
        [
            Match::Destination {
                negate: false,
                nets: vec![net("172.17.0.2/32")]
            },
            Match::InInterface {
                negate: true,
                name: "docker0".into()
            },
            Match::OutInterface {
                negate: false,
                name: "docker0".into()
            },
            proto(L4::Tcp),
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(9998, 9998)]
            },
        ]
    );
    assert_eq!(
        chain(&chains, "FORWARD").rules[0].action,
        Action::Jump {
            chain: "DOCKER-USER".into()
        }
    );
    assert_eq!(
        chain(&chains, "DOCKER-USER").rules[0].action,
        Action::Return
    );
}

#[test]
fn debian12_ufw_with_user_rules() {
    // Captured on this project's Debian 12 build machine (ufw 0.36.2,
    // iptables 1.8.9 nf_tables) in a fresh network namespace: default deny
    // incoming, `allow 22/tcp`, `allow from 10.0.0.0/8 to any port 5432
    // proto tcp`, `reject 8080/tcp`, `limit 2222/tcp`.
    let chains = parse_iptables_save(
        &fixture("real/iptables-save.debian12-ufw.txt"),
        Family::Ip,
        "ufw",
    )
    .unwrap();
    let input = chain(&chains, "INPUT");
    assert_eq!(input.policy, Some(Action::Drop));
    assert_eq!(chain(&chains, "OUTPUT").policy, Some(Action::Accept));
    assert_eq!(input.rules.len(), 6);
    assert_eq!(
        input.rules[1].action,
        Action::Jump {
            chain: "ufw-before-input".into()
        }
    );
    let before = chain(&chains, "ufw-before-input");
    let icmp8 = before
        .rules
        .iter()
        .find(|r| r.text.ends_with("--icmp-type 8 -j ACCEPT"))
        .unwrap();
    assert_eq!(
        icmp8.matches,
        [
            proto(L4::Icmp),
            Match::IcmpType {
                negate: false,
                icmp_type: 8,
                code: None
            }
        ]
    );
    let dhcp = before
        .rules
        .iter()
        .find(|r| r.text.contains("--sport 67"))
        .unwrap();
    assert_eq!(
        dhcp.matches,
        [
            proto(L4::Udp),
            Match::SourcePort {
                negate: false,
                ports: vec![ports(67, 67)]
            },
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(68, 68)]
            },
        ]
    );
    // `-m limit … -j LOG`: the limit is a condition netpath does not
    // evaluate, and LOG goes on with the next rule.
    let log = &chain(&chains, "ufw-after-logging-input").rules[0];
    assert_eq!(
        log.matches,
        [Match::Unsupported {
            text: "-m limit --limit 3/min --limit-burst 10".into()
        }]
    );
    assert_eq!(log.action, Action::Continue);
    let broadcast = chain(&chains, "ufw-after-input")
        .rules
        .iter()
        .find(|r| r.text.contains("BROADCAST"))
        .unwrap();
    assert_eq!(
        broadcast.matches,
        [Match::AddrType {
            negate: false,
            destination: true,
            types: vec![AddrType::Broadcast]
        }]
    );
    assert_eq!(
        chain(&chains, "ufw-skip-to-policy-input").rules[0].action,
        Action::Drop
    );
    // The user's rules.
    let user = chain(&chains, "ufw-user-input");
    assert_eq!(
        user.rules[1].matches,
        [
            Match::Source {
                negate: false,
                nets: vec![net("10.0.0.0/8")]
            },
            proto(L4::Tcp),
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(5432, 5432)]
            },
        ]
    );
    assert_eq!(user.rules[1].origin, "line 101");
    assert_eq!(
        user.rules[2].action,
        Action::Reject {
            with: RejectWith::TcpReset
        }
    );
    // `ufw limit`: a `recent` list netpath cannot know, kept as such.
    assert!(user.rules[3..5].iter().all(|r| r
        .matches
        .iter()
        .any(|m| matches!(m, Match::Unsupported { text } if text.contains("recent")))));
}

#[test]
fn debian_ip6tables_policies_only() {
    let chains = parse_iptables_save(
        &fixture("real/ip6tables-save.debian-browseraudit.txt"),
        Family::Ip6,
        "rules.v6",
    )
    .unwrap();
    assert_eq!(chains.len(), 3);
    let input = chain(&chains, "INPUT");
    assert_eq!(input.family, Family::Ip6);
    assert_eq!(input.policy, Some(Action::Drop));
    assert!(input.rules.is_empty());
    assert_eq!(chain(&chains, "OUTPUT").policy, Some(Action::Accept));
}
