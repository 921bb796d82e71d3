//! Unit tests of the host firewall evaluator: chain order, jumps and gotos,
//! undecidable rules, unreadable firewalls.
use super::*;
use netpath_model::host::FirewallRule;

fn rule(matches: Vec<Match>, action: Action) -> FirewallRule {
    FirewallRule {
        text: "r".into(),
        origin: "line 1".into(),
        matches,
        action,
    }
}

fn base(rules: Vec<FirewallRule>, policy: Action) -> FirewallChain {
    FirewallChain {
        family: Family::Ip,
        table: "filter".into(),
        name: "INPUT".into(),
        hook: Some(Hook::Input),
        priority: 0,
        policy: Some(policy),
        rules,
    }
}

fn fw(chains: Vec<FirewallChain>) -> HostFirewall {
    HostFirewall {
        source: FirewallSource::Iptables,
        error: None,
        chains,
    }
}

fn packet<'p>(s: &'p AddrSet, d: &'p AddrSet, port: u16) -> HostPacket<'p> {
    HostPacket {
        protocol: L4::Tcp,
        saddr: s,
        daddr: d,
        sport: PortRange::new(32768, 60999),
        dport: PortRange::new(port, port),
        icmp: None,
        ct: CtState::New,
        syn: true,
        iif: Some("eth0"),
        oif: None,
        hook: Hook::Input,
    }
}

fn dport(p: u16) -> Match {
    Match::DestinationPort {
        negate: false,
        ports: vec![Ports { from: p, to: p }],
    }
}

#[test]
fn first_match_wins_and_policy_decides_the_rest() {
    let f = fw(vec![base(
        vec![
            rule(vec![dport(22)], Action::Accept),
            rule(
                vec![dport(5432)],
                Action::Reject {
                    with: RejectWith::TcpReset,
                },
            ),
        ],
        Action::Drop,
    )]);
    let (s, d) = (
        AddrSet::single("10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap()),
        AddrSet::single("10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap()),
    );
    assert_eq!(evaluate(&f, &packet(&s, &d, 22)).verdict, Verdict::Accept);
    assert!(matches!(
        evaluate(&f, &packet(&s, &d, 5432)).verdict,
        Verdict::Reject {
            with: RejectWith::TcpReset,
            ..
        }
    ));
    assert!(matches!(
        evaluate(&f, &packet(&s, &d, 80)).verdict,
        Verdict::Drop { ref by } if by.contains("policy drop")
    ));
}

#[test]
fn jump_returns_and_goto_does_not() {
    let user = FirewallChain {
        hook: None,
        policy: None,
        name: "user".into(),
        ..base(vec![rule(vec![dport(80)], Action::Accept)], Action::Drop)
    };
    let jump = fw(vec![
        base(
            vec![
                rule(
                    vec![],
                    Action::Jump {
                        chain: "user".into(),
                    },
                ),
                rule(vec![dport(443)], Action::Accept),
            ],
            Action::Drop,
        ),
        user.clone(),
    ]);
    let (s, d) = (
        AddrSet::single("10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap()),
        AddrSet::single("10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap()),
    );
    assert_eq!(
        evaluate(&jump, &packet(&s, &d, 80)).verdict,
        Verdict::Accept
    );
    assert_eq!(
        evaluate(&jump, &packet(&s, &d, 443)).verdict,
        Verdict::Accept
    );
    let goto = fw(vec![
        base(
            vec![
                rule(
                    vec![],
                    Action::Goto {
                        chain: "user".into(),
                    },
                ),
                rule(vec![dport(443)], Action::Accept),
            ],
            Action::Drop,
        ),
        user,
    ]);
    assert!(matches!(
        evaluate(&goto, &packet(&s, &d, 443)).verdict,
        Verdict::Drop { .. }
    ));
}

#[test]
fn an_undecidable_rule_is_unknown_only_when_it_changes_the_outcome() {
    let limit = Match::Unsupported {
        text: "-m limit --limit 3/min".into(),
    };
    let harmless = fw(vec![base(
        vec![
            rule(vec![limit.clone()], Action::Continue),
            rule(vec![limit.clone(), dport(22)], Action::Accept),
            rule(vec![], Action::Accept),
        ],
        Action::Drop,
    )]);
    let (s, d) = (
        AddrSet::single("10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap()),
        AddrSet::single("10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap()),
    );
    assert_eq!(
        evaluate(&harmless, &packet(&s, &d, 22)).verdict,
        Verdict::Accept
    );
    let deciding = fw(vec![base(
        vec![rule(vec![limit, dport(22)], Action::Accept)],
        Action::Drop,
    )]);
    assert!(matches!(
        evaluate(&deciding, &packet(&s, &d, 22)).verdict,
        Verdict::Unknown { .. }
    ));
    assert!(matches!(
        evaluate(&deciding, &packet(&s, &d, 80)).verdict,
        Verdict::Drop { .. }
    ));
}

#[test]
fn a_drop_in_any_base_chain_is_final_and_accept_ends_one_chain() {
    let mut first = base(vec![rule(vec![], Action::Accept)], Action::Accept);
    first.priority = -10;
    let second = base(vec![rule(vec![dport(22)], Action::Drop)], Action::Accept);
    let f = fw(vec![second, first]);
    let (s, d) = (
        AddrSet::single("10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap()),
        AddrSet::single("10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap()),
    );
    assert!(matches!(
        evaluate(&f, &packet(&s, &d, 22)).verdict,
        Verdict::Drop { .. }
    ));
}

#[test]
fn an_unreadable_firewall_is_unknown_never_accept() {
    let f = HostFirewall {
        source: FirewallSource::Unreadable,
        error: Some("permission denied".into()),
        chains: vec![],
    };
    let (s, d) = (
        AddrSet::single("10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap()),
        AddrSet::single("10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap()),
    );
    assert!(matches!(
        evaluate(&f, &packet(&s, &d, 22)).verdict,
        Verdict::Unknown { .. }
    ));
}
