//! The last hop (`walk/host.rs`): host facts beside `fixtures/host-last-hop`
//! take the walk past the ENI, to the host's firewall and its listener.

use super::*;
use netpath_model::host::HostFacts;

fn facts() -> Vec<HostFacts> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/host-last-hop/host-facts");
    ["pg-server.json", "web-server.json"]
        .iter()
        .map(|f| {
            let p = dir.join(f);
            HostFacts::from_json(f, &std::fs::read_to_string(p).unwrap()).unwrap()
        })
        .collect()
}

fn ask_host(from: &str, to: &str, port: u16, with_facts: bool) -> Explanation {
    let s = load("host-last-hop");
    let topo = Topology::new(&s);
    explain(
        &topo,
        from,
        to,
        &ExplainOptions {
            port: Some(port),
            host_facts: if with_facts { facts() } else { Vec::new() },
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn a_listener_on_loopback_only_is_refused_at_the_listener_hop() {
    let e = ask_host("app-server", "pg-server", 5432, true);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.symptom, Symptom::Refused);
    let b = e.blocking.unwrap();
    assert_eq!(b.kind, HopKind::Listener);
    assert_eq!(b.code, ExplanationCode::NetpathNoListener);
    assert!(b.detail.contains("127.0.0.1:5432"), "{}", b.detail);
    assert!(b.detail.contains("listen_addresses"), "{}", b.detail);
}

#[test]
fn without_host_facts_the_host_is_not_walked_and_the_answer_says_so() {
    let e = ask_host("app-server", "pg-server", 5432, false);
    assert_eq!(e.verdict, Verdict::Reachable);
    assert!(e
        .hops
        .iter()
        .all(|h| !matches!(h.kind, HopKind::Listener | HopKind::HostFirewall)));
    assert!(
        e.warnings.iter().any(|w| w.contains("netpath host-facts")),
        "{:?}",
        e.warnings
    );
}

#[test]
fn firewall_accept_reject_and_drop_give_connects_refused_and_timeout() {
    let ok = ask_host("app-server", "web-server", 80, true);
    assert_eq!(ok.verdict, Verdict::Reachable);
    assert!(ok
        .hops
        .iter()
        .any(|h| h.kind == HopKind::Listener && h.decision == Decision::Allow));
    // The reply leaves through the host's output hook, on the way back.
    assert!(ok
        .hops
        .iter()
        .any(|h| h.kind == HopKind::HostFirewall && h.path == PathLeg::Return));

    let reset = ask_host("app-server", "web-server", 8080, true);
    assert_eq!(reset.symptom, Symptom::Refused);
    let b = reset.blocking.unwrap();
    assert_eq!(b.kind, HopKind::HostFirewall);
    assert_eq!(b.code, ExplanationCode::NetpathHostFirewallReject);
    assert!(
        b.rule.as_deref().unwrap().contains("line 11"),
        "{:?}",
        b.rule
    );

    let drop = ask_host("app-server", "web-server", 9000, true);
    assert_eq!(drop.symptom, Symptom::Timeout);
    let b = drop.blocking.unwrap();
    assert_eq!(b.code, ExplanationCode::NetpathHostFirewallDrop);
    assert!(b.detail.contains("policy drop"), "{}", b.detail);
}

#[test]
fn an_icmp_reject_is_no_route_to_host_unless_a_nacl_drops_the_error() {
    let open = ask_host("ops-box", "web-server", 5000, true);
    assert_eq!(open.symptom, Symptom::Unreachable);
    // app-server's subnet lets in TCP replies only: the ICMP error is lost.
    let strict = ask_host("app-server", "web-server", 5000, true);
    assert_eq!(strict.verdict, Verdict::Blocked);
    assert_eq!(strict.symptom, Symptom::Timeout);
}

#[test]
fn observed_refused_with_every_aws_layer_open_points_at_the_host() {
    let e = ask_host("app-server", "pg-server", 5432, false);
    let r = reconcile(
        &e,
        &"Connection refused".parse().unwrap(),
        &ReconcileContext::default(),
    );
    assert!(!r.agrees);
    assert!(r.finding.contains("comes from the host"), "{}", r.finding);
    assert!(
        r.checks.iter().any(|c| c.contains("127.0.0.1")),
        "{:?}",
        r.checks
    );
    let checked = ask_host("app-server", "pg-server", 5432, true);
    let r = reconcile(&checked, &Observed::Refused, &ReconcileContext::default());
    assert!(r.agrees, "{r:?}");
}
