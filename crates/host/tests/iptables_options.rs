//! `parse_iptables_save` on hand-written option forms and errors.

mod common;

use common::{chain, fixture, net, ports, proto};

use netpath_host::parse_iptables_save;
use netpath_model::host::{Action, AddrType, CtState, Family, FirewallRule, Match, RejectWith, L4};

/// Parses one rule in a minimal filter table.
fn rule(line: &str) -> FirewallRule {
    let text = format!("*filter\n:INPUT ACCEPT [0:0]\n:other - [0:0]\n{line}\nCOMMIT\n");
    let chains = parse_iptables_save(&text, Family::Ip, "test").unwrap();
    chain(&chains, "INPUT").rules[0].clone()
}

fn error(text: &str) -> String {
    parse_iptables_save(text, Family::Ip, "saved.txt")
        .unwrap_err()
        .to_string()
}

#[test]
fn hand_written_option_forms() {
    let chains = parse_iptables_save(
        &fixture("parse/iptables-save.options.txt"),
        Family::Ip,
        "options",
    )
    .unwrap();
    // *raw is skipped.
    assert_eq!(chains.len(), 5);
    let input = chain(&chains, "INPUT");
    let by_line = |n: usize| {
        input
            .rules
            .iter()
            .find(|r| r.origin == format!("line {n}"))
            .unwrap_or_else(|| panic!("no rule on line {n}"))
    };
    let ssh = by_line(15);
    assert_eq!(
        ssh.matches,
        [
            Match::Source {
                negate: false,
                nets: vec![net("10.0.0.0/8"), net("192.168.1.7/32")]
            },
            proto(L4::Tcp),
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(22, 22)]
            },
        ],
        "the comment is ignored"
    );
    let negated = by_line(16);
    assert_eq!(
        negated.matches,
        [
            Match::Source {
                negate: true,
                nets: vec![net("172.16.0.0/12")]
            },
            proto(L4::Tcp),
            Match::DestinationPort {
                negate: true,
                ports: vec![ports(1024, 65535)]
            },
        ]
    );
    assert_eq!(
        negated.action,
        Action::Reject {
            with: RejectWith::TcpReset
        }
    );
    let multi = by_line(17);
    assert_eq!(
        multi.matches[1],
        Match::DestinationPort {
            negate: false,
            ports: vec![ports(80, 80), ports(443, 443), ports(8000, 8080)]
        }
    );
    assert_eq!(
        multi.action,
        Action::Jump {
            chain: "web".into()
        }
    );
    let open_ends = by_line(18);
    assert_eq!(
        open_ends.matches[1..],
        [
            Match::SourcePort {
                negate: false,
                ports: vec![ports(0, 1023)]
            },
            Match::DestinationPort {
                negate: false,
                ports: vec![ports(5000, 65535)]
            },
        ]
    );
    assert_eq!(
        by_line(20).matches[1],
        Match::IcmpType {
            negate: false,
            icmp_type: 8,
            code: None
        }
    );
    assert_eq!(
        by_line(20).matches[2],
        Match::Unsupported {
            text: "-m limit --limit 1/sec".into()
        }
    );
    assert_eq!(
        by_line(21).matches[1],
        Match::IcmpType {
            negate: false,
            icmp_type: 3,
            code: Some(4)
        }
    );
    assert_eq!(
        by_line(22).matches,
        [proto(L4::Icmp)],
        "--icmp-type any is no condition"
    );
    assert_eq!(
        by_line(23).matches[1..],
        [
            Match::TcpSyn { negate: false },
            Match::CtState {
                negate: false,
                states: vec![CtState::New]
            }
        ]
    );
    assert_eq!(by_line(24).matches[1], Match::TcpSyn { negate: true });
    assert_eq!(
        by_line(25).matches,
        [Match::AddrType {
            negate: false,
            destination: true,
            types: vec![AddrType::Broadcast, AddrType::Multicast]
        }]
    );
    let log = by_line(26);
    assert_eq!(
        log.matches,
        [
            Match::AddrType {
                negate: true,
                destination: false,
                types: vec![AddrType::Local]
            },
            Match::InInterface {
                negate: false,
                name: "eth+".into()
            },
        ]
    );
    assert_eq!(log.action, Action::Continue);
    assert_eq!(
        by_line(27).matches,
        [Match::Unsupported {
            text: "-m recent --rcheck --seconds 60 --hitcount 4 --name SSH --mask 255.255.255.255 --rsource"
                .into()
        }]
    );
    assert_eq!(
        by_line(28).matches,
        [Match::Unsupported {
            text: "-m set --match-set blocklist src".into()
        }]
    );
    let queue = by_line(29);
    assert_eq!(
        queue.matches,
        [
            proto(L4::Tcp),
            Match::Destination {
                negate: false,
                nets: vec![net("10.1.2.0/24")]
            }
        ]
    );
    assert_eq!(
        queue.action,
        Action::Unsupported {
            text: "-j NFQUEUE --queue-num 0".into()
        }
    );
    assert_eq!(
        by_line(30).matches,
        [Match::Unsupported {
            text: "-p gre".into()
        }]
    );
    assert_eq!(
        by_line(31).action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );

    let output = chain(&chains, "OUTPUT");
    assert_eq!(
        output.rules[0].matches[1],
        Match::Unsupported {
            text: "-m owner --uid-owner 0".into()
        }
    );
    assert_eq!(
        output.rules[1].matches,
        [
            proto(L4::Tcp),
            Match::SourcePort {
                negate: false,
                ports: vec![ports(22, 22)]
            }
        ],
        "--sport after -p tcp without -m tcp"
    );
    assert_eq!(
        output.rules[2].action,
        Action::Goto {
            chain: "web".into()
        }
    );
    let web = chain(&chains, "web");
    assert_eq!(web.rules[0].action, Action::Return);
    assert_eq!(
        web.rules[1].action,
        Action::Reject {
            with: RejectWith::IcmpPortUnreachable
        }
    );
    let limits = chain(&chains, "limits");
    assert!(matches!(
        limits.rules[0].matches[0],
        Match::Unsupported { .. }
    ));
    assert_eq!(limits.rules[1].action, Action::Continue);
    assert!(limits.rules[1].matches.is_empty());
}

#[test]
fn hand_written_ip6tables() {
    let chains = parse_iptables_save(
        &fixture("parse/ip6tables-save.options.txt"),
        Family::Ip6,
        "v6",
    )
    .unwrap();
    let input = chain(&chains, "INPUT");
    assert_eq!(input.family, Family::Ip6);
    assert_eq!(
        input.rules[0].matches[..2],
        [
            Match::Source {
                negate: false,
                nets: vec![net("::1/128")]
            },
            Match::Destination {
                negate: false,
                nets: vec![net("::1/128")]
            },
        ]
    );
    assert_eq!(
        input.rules[1].matches,
        [
            proto(L4::Icmpv6),
            Match::IcmpType {
                negate: false,
                icmp_type: 128,
                code: None
            }
        ]
    );
    assert_eq!(
        input.rules[2].matches[1],
        Match::IcmpType {
            negate: false,
            icmp_type: 135,
            code: None
        }
    );
    assert_eq!(
        input.rules[3].matches[0],
        Match::Source {
            negate: false,
            nets: vec![net("2001:db8::/32")]
        }
    );
    assert_eq!(
        input.rules[4].matches[0],
        Match::Destination {
            negate: false,
            nets: vec![net("fe80::1/128")]
        }
    );
    assert_eq!(
        input.rules[5].action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );
    assert_eq!(
        input.rules[6].action,
        Action::Reject {
            with: RejectWith::IcmpPortUnreachable
        }
    );
}

#[test]
fn protocols_by_number_and_all() {
    assert_eq!(rule("-A INPUT -p 17 -j ACCEPT").matches, [proto(L4::Udp)]);
    assert_eq!(rule("-A INPUT -p 1 -j ACCEPT").matches, [proto(L4::Icmp)]);
    assert_eq!(
        rule("-A INPUT -p 58 -j ACCEPT").matches,
        [proto(L4::Icmpv6)]
    );
    assert_eq!(
        rule("-A INPUT -p icmpv6 -j ACCEPT").matches,
        [proto(L4::Icmpv6)]
    );
    assert!(rule("-A INPUT -p all -j ACCEPT").matches.is_empty());
    assert_eq!(
        rule("-A INPUT ! -p udp -j DROP").matches,
        [Match::Protocol {
            negate: true,
            protocols: vec![L4::Udp]
        }]
    );
    assert_eq!(
        rule("-A INPUT --protocol tcp --dport 22 -j ACCEPT").matches[1],
        Match::DestinationPort {
            negate: false,
            ports: vec![ports(22, 22)]
        }
    );
}

#[test]
fn interfaces_and_targets() {
    assert_eq!(
        rule("-A INPUT ! -o wg+ -j ACCEPT").matches,
        [Match::OutInterface {
            negate: true,
            name: "wg+".into()
        }]
    );
    assert_eq!(
        rule("-A INPUT -j other").action,
        Action::Jump {
            chain: "other".into()
        }
    );
    assert_eq!(
        rule("-A INPUT -g other").action,
        Action::Goto {
            chain: "other".into()
        }
    );
    assert_eq!(
        rule("-A INPUT -j NFLOG --nflog-group 2").action,
        Action::Continue
    );
    assert_eq!(
        rule("-A INPUT -j MARK --set-xmark 0x1/0xffffffff").action,
        Action::Continue
    );
    assert_eq!(
        rule("-A INPUT -j QUEUE").action,
        Action::Unsupported {
            text: "-j QUEUE".into()
        }
    );
    assert_eq!(
        rule("-A INPUT -j REJECT --reject-with icmp-net-unreachable").action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );
    assert_eq!(
        rule("-A INPUT -j REJECT --reject-with icmp6-no-route").action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );
    assert_eq!(
        rule("-A INPUT -j REJECT --reject-with icmp-proto-unreachable").action,
        Action::Unsupported {
            text: "-j REJECT --reject-with icmp-proto-unreachable".into()
        }
    );
    assert_eq!(
        rule("-A INPUT -m conntrack ! --ctstate NEW,UNTRACKED -j DROP").matches,
        [Match::CtState {
            negate: true,
            states: vec![CtState::New, CtState::Untracked]
        }]
    );
    assert_eq!(
        rule("-A INPUT -m conntrack --ctstate DNAT -j ACCEPT").matches,
        [Match::Unsupported {
            text: "-m conntrack --ctstate DNAT".into()
        }]
    );
    assert_eq!(
        rule("-A INPUT -p tcp -m tcp --tcp-flags SYN,RST SYN -j ACCEPT").matches[1],
        Match::Unsupported {
            text: "-m tcp --tcp-flags SYN,RST SYN".into()
        }
    );
    // iptables-save -c puts counters first.
    assert_eq!(
        rule("[5:300] -A INPUT -i lo -j ACCEPT").action,
        Action::Accept
    );
}

#[test]
fn errors_name_origin_and_line() {
    let head = "*filter\n:INPUT ACCEPT [0:0]\n";
    assert_eq!(
        error(&format!("{head}-A INPUT -s 10.0.0.300/8 -j DROP\nCOMMIT\n")),
        "saved.txt: line 3: bad address \"10.0.0.300/8\": not an IP address"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT -s 10.0.0.0/33 -j DROP\nCOMMIT\n")),
        "saved.txt: line 3: bad address \"10.0.0.0/33\": prefix length too long"
    );
    assert_eq!(
        error(&format!(
            "{head}-A INPUT -p tcp -m tcp --dport 70000 -j DROP\nCOMMIT\n"
        )),
        "saved.txt: line 3: bad port \"70000\""
    );
    assert_eq!(
        error(&format!(
            "{head}-A INPUT -p tcp -m tcp --dport 90:80 -j DROP\nCOMMIT\n"
        )),
        "saved.txt: line 3: bad port range \"90:80\": 90 is above 80"
    );
    assert_eq!(
        error(&format!("{head}\n-A FORWARD -j DROP\nCOMMIT\n")),
        "saved.txt: line 4: rule for undeclared chain FORWARD"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT -j DROP\n")),
        "saved.txt: line 1: table *filter has no COMMIT"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT --frobnicate -j DROP\nCOMMIT\n")),
        "saved.txt: line 3: unknown option --frobnicate"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT -x -j DROP\nCOMMIT\n")),
        "saved.txt: line 3: unknown option -x"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT -s\nCOMMIT\n")),
        "saved.txt: line 3: -s needs a value"
    );
    assert_eq!(
        error(&format!(
            "{head}-A INPUT -m comment --comment \"open\nCOMMIT\n"
        )),
        "saved.txt: line 3: unbalanced quotes"
    );
    assert_eq!(
        error(&format!("{head}-A INPUT -g nowhere\nCOMMIT\n")),
        "saved.txt: line 3: goto to undeclared chain nowhere"
    );
    assert_eq!(
        error(&format!(
            "{head}-A INPUT -p icmp -m icmp --icmp-type bogus -j DROP\nCOMMIT\n"
        )),
        "saved.txt: line 3: unknown ICMP type bogus"
    );
    assert_eq!(
        error("-A INPUT -j DROP\n"),
        "saved.txt: line 1: `-A INPUT -j DROP` is outside a table (expected `*filter` first)"
    );
    assert_eq!(
        error("*filter\n:INPUT REJECT [0:0]\nCOMMIT\n"),
        "saved.txt: line 2: chain INPUT has unknown policy REJECT"
    );
    assert_eq!(
        error("*nat\n*filter\nCOMMIT\n"),
        "saved.txt: line 2: table *filter starts before the COMMIT of *nat (line 1)"
    );
}

#[test]
fn empty_output_has_no_chains() {
    assert!(parse_iptables_save("", Family::Ip, "x").unwrap().is_empty());
    assert!(parse_iptables_save(
        "# Warning: iptables-legacy tables present\n",
        Family::Ip,
        "x"
    )
    .unwrap()
    .is_empty());
}

#[test]
fn dotted_netmask_and_host_bits() {
    assert_eq!(
        rule("-A INPUT -s 10.1.2.3/255.255.0.0 -j DROP").matches,
        [Match::Source {
            negate: false,
            nets: vec![net("10.1.0.0/16")]
        }]
    );
    let text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/255.0.255.0 -j DROP\nCOMMIT\n";
    assert_eq!(
        error(text),
        "saved.txt: line 3: bad address \"10.0.0.0/255.0.255.0\": the netmask is not contiguous"
    );
}
