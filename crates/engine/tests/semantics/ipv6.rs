//! IPv6 end to end, on the `dual-stack-ipv6-flows` fixture edited in memory:
//! each family matches only its own rules, entries and routes; an internet
//! gateway carries IPv6 without translation; an egress-only internet gateway
//! carries IPv6 out and the replies back, and nothing in.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>

use super::*;

fn ask6(s: &Snapshot, from: &str, to: &str, port: Option<u16>) -> Explanation {
    ask_with(
        s,
        from,
        to,
        ExplainOptions {
            port,
            ipv6: true,
            ..Default::default()
        },
    )
}

#[test]
fn an_ipv4_rule_never_admits_an_ipv6_client_and_the_near_miss_says_so() {
    let s = load("dual-stack-ipv6-flows");
    // Over IPv4 ssh from 198.51.100.0/24 is open; over IPv6 no rule covers it.
    assert_eq!(
        ask(&s, "198.51.100.9", "web-v6", Some(22)).verdict,
        Verdict::Reachable
    );
    let e = ask6(&s, "internet", "web-v6", Some(22));
    assert_eq!(e.verdict, Verdict::Blocked);
    let b = e.blocking.as_ref().unwrap();
    assert_eq!(b.kind, HopKind::SecurityGroup);
    assert!(
        e.near_misses.iter().any(|n| n.contains("IPv4 ranges only")),
        "{:?}",
        e.near_misses
    );
}

#[test]
fn an_ipv6_nacl_entry_never_matches_ipv4_and_the_ipv6_catch_all_is_32768() {
    let mut s = load("dual-stack-ipv6-flows");
    // The private subnet's IPv4 inbound allow goes: IPv4 from web is then
    // denied by 32767 while IPv6 passes rule 110.
    let acl = s
        .network_acls
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a.network_acl_id == "acl-0e6000000000000b1")
        .unwrap();
    acl.entries
        .retain(|e| !(e.rule_number == 100 && !e.egress && e.cidr_block.is_some()));
    let e = ask(&s, "web-v6", "app-v6", Some(8080));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.blocking.as_ref().unwrap().rule_number, Some(32767));
    assert_eq!(
        ask6(&s, "web-v6", "app-v6", Some(8080)).verdict,
        Verdict::Reachable
    );
    // From the internet over IPv6 the `*` that denies is the IPv6 one.
    let e = ask6(&s, "internet", "app-v6", Some(8080));
    assert_eq!(e.blocking.as_ref().unwrap().rule_number, Some(32768));
}

#[test]
fn a_group_reference_matches_the_ipv6_addresses_of_its_members() {
    let s = load("dual-stack-ipv6-flows");
    let e = ask6(&s, "web-v6", "app-v6", Some(8080));
    assert_eq!(e.verdict, Verdict::Reachable, "{:#?}", e.hops);
    // Another address in the same subnet does not carry the group.
    let mut s = s;
    s.network_interfaces.as_mut().unwrap()[0].groups = vec!["sg-0e6000000000000b1".into()];
    let e = ask6(&s, "web-v6", "app-v6", Some(8080));
    assert_eq!(e.verdict, Verdict::Blocked);
}

#[test]
fn the_egress_only_gateway_carries_ipv6_out_and_the_replies_back() {
    let s = load("dual-stack-ipv6-flows");
    let e = ask(&s, "app-v6", "2606:4700:4700::1111", Some(443));
    assert_eq!(e.verdict, Verdict::Reachable);
    assert!(e
        .hops
        .iter()
        .any(|h| h.kind == HopKind::EgressOnlyInternetGateway && h.decision == Decision::Allow));
    // A unique-local destination is not routed on the internet.
    let e = ask(&s, "app-v6", "fd00:1234::1", Some(443));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(
        e.blocking.as_ref().unwrap().kind,
        HopKind::EgressOnlyInternetGateway
    );
}

#[test]
fn a_detached_egress_only_gateway_blocks_and_missing_data_is_unknown() {
    let mut s = load("dual-stack-ipv6-flows");
    s.egress_only_internet_gateways.as_mut().unwrap()[0]
        .attachments
        .clear();
    let e = ask(&s, "app-v6", "2606:4700:4700::1111", Some(443));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(
        e.blocking.as_ref().unwrap().code,
        ExplanationCode::BadStateAttachment
    );
    s.egress_only_internet_gateways = None;
    let e = ask(&s, "app-v6", "2606:4700:4700::1111", Some(443));
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(
        e.missing
            .iter()
            .any(|m| m.contains("DescribeEgressOnlyInternetGateways")),
        "{:?}",
        e.missing
    );
}

#[test]
fn an_internet_gateway_carries_ipv6_without_translation() {
    let s = load("dual-stack-ipv6-flows");
    let e = ask(&s, "web-v6", "2606:4700:4700::1111", Some(443));
    assert_eq!(e.verdict, Verdict::Reachable);
    let igw = e
        .hops
        .iter()
        .find(|h| h.kind == HopKind::InternetGateway)
        .unwrap();
    assert!(igw.detail.contains("no translation"), "{}", igw.detail);
}

#[test]
fn ping_over_ipv6_needs_the_echo_reply_129_through_the_stateless_acl() {
    let mut s = load("dual-stack-ipv6-flows");
    let topo_ask = |s: &Snapshot| {
        ask_with(
            s,
            "internet",
            "web-v6",
            ExplainOptions {
                protocol: Some(IpProtocol::Icmpv6),
                ..Default::default()
            },
        )
    };
    assert_eq!(topo_ask(&s).verdict, Verdict::Reachable);
    // Outbound IPv6 limited to TCP: the echo reply dies on the way back.
    let acl = s
        .network_acls
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a.network_acl_id == "acl-0e6000000000000a1")
        .unwrap();
    for e in acl.entries.iter_mut() {
        if e.egress && e.rule_number == 101 {
            e.protocol = IpProtocol::Tcp;
        }
    }
    let e = topo_ask(&s);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.blocking.as_ref().unwrap().path, PathLeg::Return);
}

#[test]
fn the_two_ends_of_a_question_are_one_family() {
    let s = load("dual-stack-ipv6-flows");
    let topo = Topology::new(&s);
    let err = explain(
        &topo,
        "2600:1f18:7000:ff01::10",
        "10.70.2.20",
        &ExplainOptions {
            port: Some(80),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("one address family"), "{err}");
    let s = load("wrong-port-rule");
    let err = explain(
        &Topology::new(&s),
        "app-server",
        "prod-db",
        &ExplainOptions {
            ipv6: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("no IPv6 address"), "{err}");
}

/// The blast radius of an IPv6 fix is measured over IPv6 flows: a group
/// rule that admits app-v6 on ssh would admit the other ENI of its group
/// too, so the fix shown is the client's `/128`, which opens nothing else,
/// and says why.
#[test]
fn the_blast_radius_of_an_ipv6_fix_is_measured_over_ipv6() {
    let mut s = load("dual-stack-ipv6-flows");
    let enis = s.network_interfaces.as_mut().unwrap();
    let mut twin = enis
        .iter()
        .find(|e| e.network_interface_id == "eni-0e6000000000000b1")
        .unwrap()
        .clone();
    twin.network_interface_id = "eni-0e6000000000000b2".into();
    // Attached, but to no instance of the snapshot: an end of its own.
    if let Some(a) = twin.attachment.as_mut() {
        a.instance_id = None;
    }
    twin.private_ip_addresses[0].private_ip_address = "10.70.2.21".parse().unwrap();
    twin.ipv6_addresses = vec!["2600:1f18:7000:ff02::21".parse().unwrap()];
    enis.push(twin);
    let opts = ExplainOptions {
        port: Some(22),
        ipv6: true,
        ..Default::default()
    };
    let e = explain_verified(&Topology::new(&s), "app-v6", "web-v6", &opts).unwrap();
    assert_eq!(e.verdict, Verdict::Blocked);
    let a = e.after_fixes.as_ref().expect("a verified fix");
    assert!(a.also_opens_measured, "{a:?}");
    assert_eq!(a.verdict, Verdict::Reachable, "{a:?}");
    assert_eq!(a.also_opens, 0, "{a:?}");
    let f = &e.fixes[0];
    assert!(f.verified);
    assert!(
        f.summary.contains("2600:1f18:7000:ff02::20/128")
            && f.summary.contains("would also open 1 other flow"),
        "{}",
        f.summary
    );
}
