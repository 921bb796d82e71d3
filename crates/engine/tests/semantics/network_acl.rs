//! Network ACLs: at subnet boundaries only, stateless, first match in rule-number order.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>

use super::*;

#[test]
fn no_nacl_data_is_unknown() {
    let mut s = load("nacl-ephemeral-return");
    s.network_acls = None;
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(e.missing.iter().any(|m| m.contains("network ACLs")));
}

#[test]
fn nacl_partition_names_the_blocked_ephemeral_subrange() {
    let s = load("nacl-windows-range-linux-client");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Partial);
    assert_eq!(
        e.blocking.unwrap().blocked_ports,
        vec![PortRange::new(32768, 49151)]
    );
}

#[test]
fn same_subnet_never_consults_a_nacl() {
    let s = load("same-subnet-deny-all-nacl");
    let e = ask(&s, "batch-worker", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Reachable);
    assert!(e
        .hops
        .iter()
        .filter(|h| h.kind == HopKind::NetworkAcl)
        .all(|h| h.decision == Decision::NotApplicable));
}

#[test]
fn a_shadowed_allow_entry_is_the_near_miss_of_a_numbered_deny() {
    let e = ask(&load("nacl-out-of-order"), "app-server", "prod-db", None);
    let b = e.blocking.as_ref().expect("blocked");
    assert_eq!(b.kind, HopKind::NetworkAcl);
    assert_eq!(b.rule_number, Some(100));
    assert_eq!(
        e.near_misses,
        vec!["acl-0a00000000000000d1 rule 200 allows all traffic from 0.0.0.0/0, but rule 100 denies it first: the lowest-numbered matching entry wins".to_string()]
    );
}
