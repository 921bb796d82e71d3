//! Route targets netpath does not follow yet (transit gateways, virtual
//! private gateways, endpoints, ENIs) make the hop unknown, naming them.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>

use super::*;

#[test]
fn a_route_to_a_gateway_netpath_does_not_follow_is_unknown() {
    let mut s = load("public-web-ssh-only");
    for rt in s.route_tables.as_mut().unwrap() {
        for r in &mut rt.routes {
            if r.gateway_id
                .as_deref()
                .is_some_and(|g| g.starts_with("igw-"))
            {
                r.gateway_id = None;
                r.transit_gateway_id = Some("tgw-0hub".into());
            }
        }
    }
    let e = ask(&s, "web-1", "8.8.8.8", Some(443));
    assert_eq!(e.verdict, Verdict::Unknown, "{:?}", e.blocking);
    assert!(
        e.missing.iter().any(|m| m.contains("tgw-0hub")),
        "{:?}",
        e.missing
    );
}
