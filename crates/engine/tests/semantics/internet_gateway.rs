//! Internet gateways: a public IP, an attached gateway, and a route both ways.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>

use super::*;

#[test]
fn internet_needs_public_ip_and_igw_route() {
    let mut s = load("public-web-ssh-only");
    assert_eq!(
        ask(&s, "internet", "web-1", Some(22)).verdict,
        Verdict::Reachable
    );
    // Drop the default route: the reply has no way out.
    s.route_tables.as_mut().unwrap()[0]
        .routes
        .retain(|r| r.gateway_id.as_deref() == Some("local"));
    let e = ask(&s, "internet", "web-1", Some(22));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.blocking.unwrap().kind, HopKind::RouteTable);
}
