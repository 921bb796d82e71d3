//! Snapshot format version 2 (issue 18): partitions, the migration of
//! version 1 files on read, and `merge`.

use std::path::Path;

use netpath_model::{merge, Snapshot};

fn v1(account: &str, regions: &[&str], vpc: &str, extra: &str) -> String {
    format!(
        r#"{{"format": "netpath-snapshot", "version": 1,
  "metadata": {{"source": "aws-sdk", "regions": {regions:?}, "account_ids": ["{account}"],
                "collected_at": "2026-12-01T10:00:00Z", "operations": [], "gaps": []}},
  "vpcs": [{{"vpc_id": "{vpc}", "owner_id": "{account}", "cidr_blocks": ["10.0.0.0/16"]}}],
  "subnets": [{{"subnet_id": "subnet-{account}", "vpc_id": "{vpc}", "cidr_block": "10.0.1.0/24"}}]
  {extra}}}"#
    )
}

fn read(text: &str) -> Snapshot {
    Snapshot::from_json_bytes(Path::new("s.json"), text.as_bytes()).unwrap()
}

#[test]
fn a_version_1_file_is_migrated_to_one_partition() {
    let s = read(&v1("111122223333", &["us-east-1"], "vpc-1", ""));
    let p = &s.metadata.partitions;
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].account_id, "111122223333");
    assert_eq!(p[0].region.as_deref(), Some("us-east-1"));
    assert_eq!(p[0].collected_at.as_deref(), Some("2026-12-01T10:00:00Z"));
    assert_eq!(p[0].resources, ["subnet-111122223333", "vpc-1"]);
    // Written back, it is version 2 and reads the same.
    let json = s.to_json();
    assert!(json.contains("\"version\": 2"), "{json}");
    assert_eq!(read(&json), s);
    // Several regions: one partition per region, resources untagged.
    let s = read(&v1(
        "111122223333",
        &["us-east-1", "eu-west-1"],
        "vpc-1",
        "",
    ));
    assert_eq!(s.metadata.partitions.len(), 2);
    assert!(s.metadata.partitions.iter().all(|p| p.resources.is_empty()));
}

#[test]
fn an_unknown_version_is_refused_saying_what_is_read() {
    let text =
        v1("111122223333", &["us-east-1"], "vpc-1", "").replace("\"version\": 1", "\"version\": 3");
    let err = Snapshot::from_json_bytes(Path::new("s.json"), text.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("version 3") && err.contains("versions 1 and 2"),
        "{err}"
    );
}

#[test]
fn merge_keeps_each_account_and_its_time_and_flags_what_differs() {
    let a = read(&v1("111111111111", &["us-east-1"], "vpc-a", ""));
    let b = read(&v1(
        "222222222222",
        &["us-east-1"],
        "vpc-b",
        r#", "network_acls": []"#,
    ));
    let m = merge(vec![("a.json".into(), a.clone()), ("b.json".into(), b)]);
    let s = &m.snapshot;
    assert_eq!(s.metadata.account_ids, ["111111111111", "222222222222"]);
    assert_eq!(s.metadata.partitions.len(), 2);
    assert_eq!(s.vpcs.as_ref().unwrap().len(), 2);
    assert_eq!((m.shared, m.conflicts), (0, 0));
    // a.json has no network_acls where b.json has: a's account's ACLs are
    // missing (a gap naming the account and the operation), not empty.
    let g = &s.metadata.gaps;
    assert_eq!(g.len(), 1, "{g:?}");
    assert_eq!(g[0].operation, "ec2:DescribeNetworkAcls");
    assert_eq!(g[0].account_id.as_deref(), Some("111111111111"));

    // The same file twice: everything listed twice is kept once.
    let m = merge(vec![
        ("a.json".into(), a.clone()),
        ("a2.json".into(), a.clone()),
    ]);
    assert_eq!((m.shared, m.conflicts), (2, 0));
    assert_eq!(m.snapshot.vpcs.as_ref().unwrap().len(), 1);
    assert_eq!(m.snapshot.metadata.partitions.len(), 1);

    // A copy that differs (another CIDR): a conflict naming the resource.
    let mut stale = a.clone();
    stale.vpcs.as_mut().unwrap()[0].cidr_blocks = vec!["10.9.0.0/16".parse().unwrap()];
    let m = merge(vec![
        ("a.json".into(), a.clone()),
        ("old.json".into(), stale),
    ]);
    assert_eq!(m.conflicts, 1);
    let g = &m.snapshot.metadata.gaps[0];
    assert_eq!(g.resource.as_deref(), Some("vpc-a"));
    assert!(g.error.starts_with("conflict: old.json"), "{}", g.error);

    // A copy that differs only in its tags (a participant's view): one
    // resource, the tagged copy kept.
    let mut tagged = a.clone();
    tagged.vpcs.as_mut().unwrap()[0]
        .tags
        .insert("Name".into(), "shared".into());
    let m = merge(vec![("a.json".into(), a), ("owner.json".into(), tagged)]);
    assert_eq!((m.shared, m.conflicts), (2, 0));
    assert_eq!(
        m.snapshot.vpcs.as_ref().unwrap()[0].tags.get("Name"),
        Some("shared")
    );
}

/// A describe-* folder read in an account that a transit gateway is shared
/// with lists the gateway under its owner's id: the folder is still the
/// participant's, one partition of its own account, and the owner counts
/// as not read (`fixtures/org/shared-transit-gateway`).
#[test]
fn a_folder_listing_a_shared_gateway_is_its_readers_account() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/org/shared-transit-gateway/accounts");
    let app = netpath_model::load(&root.join("555555555555"))
        .unwrap()
        .snapshot;
    assert_eq!(app.metadata.account_ids, ["555555555555"]);
    let tgw = app.transit_gateways.as_ref().unwrap();
    assert_eq!(tgw[0].owner_id.as_deref(), Some("444444444444"));
    let m = merge(vec![
        ("app".into(), app),
        (
            "data".into(),
            netpath_model::load(&root.join("666666666666"))
                .unwrap()
                .snapshot,
        ),
    ]);
    let read: Vec<&str> = m
        .snapshot
        .metadata
        .partitions
        .iter()
        .map(|p| p.account_id.as_str())
        .collect();
    assert_eq!(read, ["555555555555", "666666666666"]);
    assert!(m.snapshot.account_read("555555555555"));
    assert!(!m.snapshot.account_read("444444444444"));
}
