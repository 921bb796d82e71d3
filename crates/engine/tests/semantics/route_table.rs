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

#[test]
fn a_missing_route_names_the_table_that_has_it_as_the_near_miss() {
    // app-server's subnet uses the main table, which has only `local`; a
    // table of another subnet routes 0.0.0.0/0 to the internet gateway.
    let mut s = load("war-story-sg-drift");
    let mut other = s.route_tables.as_ref().unwrap()[0].clone();
    other.route_table_id = "rtb-0other".into();
    other.associations = vec![RouteTableAssociation {
        main: false,
        subnet_id: Some("subnet-0a00000000000d002".into()),
        gateway_id: None,
        state: None,
    }];
    let mut default = other.routes[0].clone();
    default.destination_cidr_block = Some("0.0.0.0/0".parse().unwrap());
    default.gateway_id = Some("igw-0a0000000000000001".into());
    other.routes.push(default);
    s.route_tables.as_mut().unwrap().push(other);
    let e = ask(&s, "app-server", "8.8.8.8", Some(443));
    let b = e.blocking.as_ref().expect("blocked");
    assert_eq!(b.kind, HopKind::RouteTable);
    assert_eq!(b.component, "rtb-0a0000000000000001");
    let near = e.near_misses.first().expect("a near miss");
    assert!(
        near.contains("rtb-0other") && near.contains("subnet-0a00000000000d002"),
        "{near}"
    );
    // Without the other table there is nothing close to name.
    let plain = ask(
        &load("war-story-sg-drift"),
        "app-server",
        "8.8.8.8",
        Some(443),
    );
    assert!(
        plain.near_misses.iter().all(|n| !n.contains("rtb-")),
        "{:?}",
        plain.near_misses
    );
}

#[test]
fn a_route_for_the_neighbouring_prefix_is_the_near_miss() {
    // The main table routes 10.20.0.0/24 to a peering; 10.20.1.5 is next to
    // it but outside: no route, and the near miss names the prefix that
    // would cover both.
    let mut s = load("war-story-sg-drift");
    let rt = &mut s.route_tables.as_mut().unwrap()[0];
    let mut r = rt.routes[0].clone();
    r.destination_cidr_block = Some("10.20.0.0/24".parse().unwrap());
    r.gateway_id = None;
    r.vpc_peering_connection_id = Some("pcx-0neighbour".into());
    rt.routes.push(r);
    let e = ask(&s, "app-server", "10.20.1.5", Some(443));
    assert_eq!(
        e.blocking.as_ref().map(|b| b.kind),
        Some(HopKind::RouteTable)
    );
    let near = e.near_misses.first().expect("a near miss");
    assert!(
        near.contains("10.20.0.0/24") && near.contains("10.20.0.0/23 would cover both"),
        "{near}"
    );
}
