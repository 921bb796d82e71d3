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
