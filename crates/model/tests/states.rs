//! The typed API states: every string round-trips byte for byte, the
//! predicates read the documented values, and a bad value fails with the
//! same words as when the fields were plain strings.

use netpath_model::{
    DbInstanceStatus, Direction, Gap, InstanceStateName, NatGatewayState, NetworkInterfaceStatus,
    VpcPeeringConnectionStateReasonCode as Pcx,
};

#[test]
fn known_and_unknown_values_round_trip() {
    for s in [
        "active",
        "pending-acceptance",
        "deleting",
        "Active",
        "",
        "brand-new",
    ] {
        let v: Pcx = serde_json::from_str(&serde_json::to_string(s).unwrap()).unwrap();
        assert_eq!(v.as_str(), s);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string(s).unwrap()
        );
        assert_eq!(v, s);
        assert_eq!(v.to_string(), s);
        assert_eq!(String::from(v), s);
    }
    assert_eq!(Pcx::from("active"), Pcx::Active);
    assert_eq!(Pcx::from("Active".to_string()), Pcx::Other("Active".into()));
    // Equality and order are the string's, whatever the spelling.
    assert_eq!(Pcx::Other("active".into()), Pcx::Active);
    assert_eq!(Pcx::Deleted < Pcx::Active, "deleted" < "active");
    assert_eq!(
        InstanceStateName::from("shutting-down"),
        InstanceStateName::ShuttingDown
    );
    assert_eq!(
        NatGatewayState::from("available"),
        NatGatewayState::Available
    );
    assert_eq!(
        NetworkInterfaceStatus::from("in-use"),
        NetworkInterfaceStatus::InUse
    );
    assert_eq!(
        DbInstanceStatus::from("storage-full"),
        DbInstanceStatus::StorageFull
    );
    assert_eq!(DbInstanceStatus::default().as_str(), "");
}

#[test]
fn a_bad_value_reads_as_it_did_for_a_string() {
    for bad in ["5", "null", "[1]", "{}", "true"] {
        let want = serde_json::from_str::<String>(bad).unwrap_err().to_string();
        let got = serde_json::from_str::<InstanceStateName>(bad)
            .unwrap_err()
            .to_string();
        assert_eq!(got, want, "{bad}");
    }
}

#[test]
fn direction_and_gap_text() {
    assert_eq!(Direction::Ingress.to_string(), "ingress");
    assert_eq!(
        serde_json::to_string(&Direction::Egress).unwrap(),
        "\"egress\""
    );
    let mut g = Gap {
        account_id: None,
        operation: "DescribeNetworkAcls".into(),
        region: Some("us-east-1".into()),
        error: "AccessDenied".into(),
        resource: None,
    };
    assert_eq!(
        g.to_string(),
        "DescribeNetworkAcls failed in us-east-1 (AccessDenied)"
    );
    g.region = None;
    assert_eq!(
        g.to_string(),
        "DescribeNetworkAcls failed in an unknown region (AccessDenied)"
    );
}
