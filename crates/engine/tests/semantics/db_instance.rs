//! RDS DB instances: placement by ENI, endpoint port, and the endpoint's DNS answer at collection time.
//! <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>

use super::*;

#[test]
fn a_stale_db_endpoint_address_is_warned_about() {
    let mut s = load("nacl-windows-range-linux-client");
    let ep = s.db_instances.as_mut().unwrap()[0]
        .endpoint
        .as_mut()
        .unwrap();
    // The DNS answer at collection time matches the DB's ENI: no warning.
    ep.resolved_addresses = vec![Ipv4Addr::new(10, 0, 2, 20)];
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(
        !e.warnings.iter().any(|w| w.contains("stale")),
        "{:?}",
        e.warnings
    );
    // After a failover the name points elsewhere than the ENI in the snapshot.
    let ep = s.db_instances.as_mut().unwrap()[0]
        .endpoint
        .as_mut()
        .unwrap();
    ep.resolved_addresses = vec![Ipv4Addr::new(10, 0, 3, 99)];
    let e = ask(&s, "app-server", "prod-db", None);
    let w = e
        .warnings
        .iter()
        .find(|w| w.contains("stale"))
        .expect("a warning");
    assert!(w.contains("10.0.3.99") && w.contains("10.0.2.20"), "{w}");
}

#[test]
fn a_db_asked_on_another_port_names_its_endpoint_port_as_the_near_miss() {
    let mut s = load("war-story-sg-drift");
    // Let the groups admit 3306, so that only the DB's port decides.
    let mut open = s
        .security_groups
        .as_ref()
        .unwrap()
        .iter()
        .find(|g| g.group_id == "sg-0a00000000000d001")
        .unwrap()
        .ip_permissions[0]
        .clone();
    open.ip_protocol = IpProtocol::Tcp;
    open.from_port = Some(3306);
    open.to_port = Some(3306);
    open.ip_ranges = vec!["10.0.0.0/16".parse().unwrap()];
    open.user_id_group_pairs.clear();
    open.prefix_list_ids.clear();
    for g in s.security_groups.as_mut().unwrap() {
        if g.group_id == "sg-0a00000000000d001" {
            g.ip_permissions.push(open.clone());
        }
    }
    let e = ask(&s, "app-server", "prod-db", Some(3306));
    assert_eq!(
        e.blocking.as_ref().map(|b| b.kind),
        Some(HopKind::DbInstance)
    );
    assert_eq!(
        e.near_misses,
        vec!["prod-db listens on port 5432 (its endpoint port), not 3306".to_string()]
    );
}
