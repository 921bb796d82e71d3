//! At the edge of the data or the model, `reach`, `exposure` and `diff` stay
//! honest like `explain`: ENIs owned by AWS services are never sources, and a
//! missing collection never reads as "nothing is exposed".

use std::path::Path;

use netpath_engine::{diff, reach, DiffOptions, ReachOptions, ReachQuery, Topology, Verdict};
use netpath_model::Snapshot;

fn load(name: &str) -> Snapshot {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
        .join("aws");
    netpath_model::load(&p).unwrap().snapshot
}

const MANAGED: [&str; 3] = [
    "eni-0a000000000000e01",
    "eni-0a000000000000e02",
    "eni-0a000000000000e03",
];

#[test]
fn managed_interfaces_are_never_sources_in_reach() {
    let s = load("managed-and-detached-interfaces");
    let topo = Topology::new(&s);
    let r = reach(
        &topo,
        &ReachQuery::To("prod-db".into()),
        &ReachOptions::default(),
    )
    .unwrap();
    let members: Vec<&String> = r.entries.iter().flat_map(|e| &e.members).collect();
    assert!(
        members.iter().any(|m| m.as_str() == "i-0a00000000000a001"),
        "the app server still reaches the DB: {members:?}"
    );
    for eni in MANAGED {
        assert!(
            !members.iter().any(|m| m.as_str() == eni),
            "{eni} belongs to an AWS service and must not be a source: {members:?}"
        );
    }
}

#[test]
fn managed_interfaces_are_never_sources_in_diff() {
    let before = load("managed-and-detached-interfaces");
    let mut after = before.clone();
    // Close the DB's group: every source that reached it is broken.
    for g in after.security_groups.iter_mut().flatten() {
        if g.group_id == "sg-0a00000000000d001" {
            g.ip_permissions.clear();
        }
    }
    let d = diff(
        &Topology::new(&before),
        &Topology::new(&after),
        &DiffOptions::default(),
    )
    .unwrap();
    let sources: Vec<&String> = d.changes.iter().flat_map(|c| &c.from).collect();
    assert!(!sources.is_empty(), "closing the group breaks flows");
    for eni in MANAGED {
        assert!(
            !sources.iter().any(|m| m.as_str() == eni),
            "{eni} must not be a source: {sources:?}"
        );
    }
}

#[test]
fn exposure_without_internet_gateway_data_is_unknown_not_empty() {
    let s = load("internet-gateways-not-collected");
    let topo = Topology::new(&s);
    let r = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).unwrap();
    let web = r
        .entries
        .iter()
        .find(|e| e.members.iter().any(|m| m == "i-0c0000000000000001"))
        .expect("web-1 is listed as possibly exposed");
    assert!(
        web.access.iter().all(|a| a.verdict == Verdict::Unknown),
        "{:?}",
        web.access
    );
    assert!(web.access.iter().any(|a| a
        .missing
        .iter()
        .any(|m| m.contains("DescribeInternetGateways"))));
}

#[test]
fn a_publicly_accessible_db_without_its_eni_is_possibly_exposed() {
    let s = load("public-db-without-eni");
    let topo = Topology::new(&s);
    let r = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).unwrap();
    let db = r
        .entries
        .iter()
        .find(|e| e.members.iter().any(|m| m == "prod-db"))
        .expect("prod-db is listed");
    assert!(db.access.iter().any(|a| a.verdict == Verdict::Unknown));
}

/// `exposure` of a dual-stack VPC lists the web server over IPv6 too, on
/// the port its `::/0` rule opens, through the internet gateway; `explain`
/// agrees, and the IPv6 catch-all entry (32768) denies the rest.
#[test]
fn ipv6_exposure_lists_the_global_address_and_explain_agrees() {
    let s = load("dual-stack-ipv6-catch-all");
    let topo = Topology::new(&s);
    let r = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).unwrap();
    let v6 = r
        .entries
        .iter()
        .find(|e| e.ip_version == netpath_engine::IpVersion::Ipv6)
        .unwrap_or_else(|| panic!("no IPv6 entry: {:#?}", r.entries));
    assert_eq!(v6.members, ["i-0c0000000000000001"]);
    assert!(
        v6.access.iter().any(|a| a.verdict == Verdict::Reachable
            && a.ports.contains(443)
            && a.internet_gateway.as_deref() == Some("igw-0c0000000000000001")),
        "{:?}",
        v6.access
    );
    assert!(!r.warnings.iter().any(|w| w.contains("IPv4 only")));
    let e = netpath_engine::explain(
        &topo,
        "internet",
        "2600:1f18:1234:5601::10",
        &netpath_engine::ExplainOptions {
            port: Some(443),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.verdict, Verdict::Reachable, "{:#?}", e.hops);
    // The IPv6 catch-all (32768) denies what no IPv6 entry allows.
    let e = netpath_engine::explain(
        &topo,
        "internet",
        "2600:1f18:1234:5601::10",
        &netpath_engine::ExplainOptions {
            port: Some(22),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.verdict, Verdict::Blocked);
}
