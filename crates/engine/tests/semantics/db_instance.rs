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
