//! VPC peering: active, routed both ways, not transitive.
//! <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>

use super::*;

#[test]
fn peering_must_be_active_and_routed_both_ways() {
    let s = load("peering-missing-return-route");
    let e = ask(&s, "app-server", "cache", Some(6379));
    let b = e.blocking.unwrap();
    assert_eq!((b.path, b.kind), (PathLeg::Return, HopKind::RouteTable));
    let cmd = e.fixes[0].command.as_deref().unwrap();
    assert!(
        cmd.contains("--route-table-id rtb-0b0000000000000b01")
            && cmd.contains("10.10.0.0/16")
            && cmd.contains("pcx-0b00000000000000ab"),
        "{cmd}"
    );
}

#[test]
fn a_deleted_peering_gets_one_new_peering_accepted_and_routed_both_ways() {
    let s = load("peering-deleted-blackhole");
    let topo = Topology::new(&s);
    let opts = ExplainOptions {
        port: Some(6379),
        ..Default::default()
    };
    let e = explain_verified(&topo, "app-server", "cache", &opts).unwrap();
    assert_eq!(e.blockers.len(), 2, "both sides' blackhole routes block");
    assert_eq!(e.fixes.len(), 1, "one change removes both: {:#?}", e.fixes);
    let f = &e.fixes[0];
    assert!(f.verified, "{f:?}");
    let cmd = f.command.as_deref().unwrap();
    assert!(cmd.starts_with("PCX=$(aws ec2 create-vpc-peering-connection --vpc-id vpc-0b00000000000000a --peer-vpc-id vpc-0b00000000000000b"), "{cmd}");
    assert!(
        cmd.contains("accept-vpc-peering-connection --vpc-peering-connection-id \"$PCX\""),
        "{cmd}"
    );
    // The blackhole routes are replaced, not duplicated, on both sides.
    assert_eq!(cmd.matches("replace-route").count(), 2, "{cmd}");
    assert!(!cmd.contains("create-route"), "{cmd}");
    assert!(
        !cmd.contains("--peer-owner-id") && !cmd.contains("--peer-region"),
        "{cmd}"
    );
    assert_eq!(
        e.after_fixes.as_ref().map(|a| a.verdict),
        Some(Verdict::Reachable)
    );

    // Across accounts and regions the request names the peer's owner and region.
    let mut far = s.clone();
    for v in far.vpcs.as_mut().unwrap() {
        if v.vpc_id == "vpc-0b00000000000000b" {
            v.owner_id = Some("222233334444".into());
            v.region = Some("eu-west-1".into());
        } else {
            v.owner_id = Some("111122223333".into());
            v.region = Some("us-east-1".into());
        }
    }
    let e = explain_verified(&Topology::new(&far), "app-server", "cache", &opts).unwrap();
    let f = &e.fixes[0];
    let cmd = f.command.as_deref().unwrap_or_default();
    assert!(
        cmd.contains("--peer-owner-id 222233334444") && cmd.contains("--peer-region eu-west-1"),
        "{f:?}"
    );
    assert!(
        f.summary.contains("in the accepter's account"),
        "{}",
        f.summary
    );
}
