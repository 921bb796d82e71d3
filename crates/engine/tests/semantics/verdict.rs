//! How hop decisions combine into a verdict: a certain block beats unknown.

use super::*;

#[test]
fn definite_block_beats_unknown() {
    let mut s = load("stopped-db");
    s.route_tables = None; // routing now unknown, but the stopped DB still blocks for certain
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert!(e.hops.iter().any(|h| h.decision == Decision::Unknown));
    assert_eq!(
        e.fixes[0].command.as_deref(),
        Some("aws rds start-db-instance --db-instance-identifier prod-db")
    );
}
