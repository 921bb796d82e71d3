//! Collection gaps: a failed describe call makes the layers it concerns unknown, in its region only.

use super::*;

#[test]
fn a_collection_gap_makes_the_layer_unknown_in_its_region_only() {
    let mut s = load("war-story-sg-drift");
    // Only the DB's route table matters to this flow; its VPC is in us-east-1.
    for v in s.vpcs.as_mut().unwrap() {
        v.region = Some("us-east-1".into());
    }
    // A gap in another region changes nothing.
    s.metadata.gaps = vec![Gap {
        account_id: None,
        operation: "ec2:DescribeRouteTables".into(),
        region: Some("eu-west-1".into()),
        error: "UnauthorizedOperation: denied".into(),
        resource: None,
    }];
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(e.missing.is_empty(), "{:?}", e.missing);
    // The same gap in the VPC's region makes the route hops unknown, names
    // the gap, and still lets the certain block at the DB's group win.
    s.metadata.gaps[0].region = Some("us-east-1".into());
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(
        e.missing
            .iter()
            .any(|m| m.contains("ec2:DescribeRouteTables failed in us-east-1")),
        "{:?}",
        e.missing
    );
    assert_eq!(e.verdict, Verdict::Blocked);
    assert!(e
        .warnings
        .iter()
        .any(|w| w.contains("the snapshot is partial")));
}
