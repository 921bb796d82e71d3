//! A synthetic AWS Organization (`netpath_synth::organization`, issue 18):
//! accounts generated apart and merged, one partition each, joined by
//! cross-account peerings whose groups admit each other by `UserId/GroupId`.
//! The walk between two accounts crosses the peering, and the referenced
//! group of the other account matches.

use netpath_engine::{explain, Decision, ExplainOptions, HopKind, Topology};
use netpath_model::Snapshot;
use netpath_synth::{account_id, organization, SynthParams};

fn org() -> Snapshot {
    organization(
        &SynthParams {
            enis: 1500,
            vpcs: 3,
            seed: 7,
        },
        3,
    )
}

/// The first running instance's ENI carrying `group`.
fn eni_with(s: &Snapshot, group: &str) -> Option<String> {
    let running = |iid: &str| {
        s.instances
            .iter()
            .flatten()
            .any(|i| i.instance_id == iid && i.state == "running")
    };
    s.network_interfaces.iter().flatten().find_map(|e| {
        let iid = e.attachment.as_ref()?.instance_id.as_deref()?;
        (e.groups.iter().any(|g| g == group) && running(iid))
            .then(|| e.network_interface_id.to_string())
    })
}

#[test]
fn accounts_are_partitions_and_peered_across() {
    let s = org();
    let md = &s.metadata;
    let accounts: Vec<&str> = md
        .partitions
        .iter()
        .map(|p| p.account_id.as_str())
        .collect();
    assert_eq!(accounts, [account_id(0), account_id(1), account_id(2)]);
    assert_eq!(md.account_ids.len(), 3);
    // Every resource of an account is in its partition, and ids never
    // collide across accounts (the merge found nothing listed twice but the
    // shared VPC, which the participant lists too).
    let total: usize = md.partitions.iter().map(|p| p.resources.len()).sum();
    assert!(total >= s.resource_ids().len(), "{total}");
    assert!(md.gaps.is_empty(), "{:?}", md.gaps);
    let cross: Vec<_> = s
        .vpc_peering_connections
        .iter()
        .flatten()
        .filter(|p| p.requester_vpc_info.owner_id != p.accepter_vpc_info.owner_id)
        .collect();
    assert_eq!(cross.len(), 2, "k <-> k+1 for 3 accounts");
    // The participant of the shared VPC (account 1) lists the owner's VPC.
    let shared_vpc = format!("vpc-{:017x}", 1u64 << 40 | 3);
    assert!(md.partitions[1].resources.iter().any(|r| *r == shared_vpc));
    assert!(md.partitions[0].resources.iter().any(|r| *r == shared_vpc));
}

#[test]
fn a_cross_account_reference_matches_across_the_peering() {
    let s = org();
    let topo = Topology::new(&s);
    let pcx = s
        .vpc_peering_connections
        .iter()
        .flatten()
        .find(|p| p.requester_vpc_info.owner_id != p.accepter_vpc_info.owner_id)
        .unwrap();
    // The groups that admit each other, one per side.
    let refs: Vec<(String, String)> = s
        .security_groups
        .iter()
        .flatten()
        .flat_map(|g| {
            g.ip_permissions.iter().flat_map(move |p| {
                p.user_id_group_pairs
                    .iter()
                    .filter(|u| {
                        u.vpc_peering_connection_id.as_deref()
                            == Some(pcx.vpc_peering_connection_id.as_str())
                    })
                    .map(move |u| (g.group_id.clone(), u.group_id.clone()))
            })
        })
        .collect();
    assert_eq!(refs.len(), 2, "{refs:?}");
    let mut checked = 0;
    for (admitting, admitted) in &refs {
        let (Some(to), Some(from)) = (eni_with(&s, admitting), eni_with(&s, admitted)) else {
            continue;
        };
        let e = explain(
            &topo,
            &from,
            &to,
            &ExplainOptions {
                port: Some(5432),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            e.hops
                .iter()
                .any(|h| h.component == pcx.vpc_peering_connection_id),
            "the path crosses the cross-account peering: {:#?}",
            e.hops
        );
        let sg = e
            .hops
            .iter()
            .find(|h| {
                h.kind == HopKind::SecurityGroup
                    && h.security_groups.iter().any(|g| g == admitting)
                    && h.direction == Some(netpath_engine::Direction::Ingress)
            })
            .unwrap_or_else(|| panic!("the destination's groups are checked: {:#?}", e.hops));
        assert_eq!(
            sg.decision,
            Decision::Allow,
            "{admitting} admits {admitted} of the other account: {sg:#?}"
        );
        checked += 1;
    }
    assert!(checked >= 1, "no running instance carries the groups");
}

/// Accounts reuse VPC CIDRs: a client in another account's 10.0.0.0/16
/// reaching a DB in this account's 10.0.0.0/16 is blocked (its own VPC
/// routes the address locally), and the advice never proposes a peering
/// between overlapping VPCs, which AWS refuses; it names the overlap.
#[test]
fn overlapping_vpcs_are_never_advised_a_peering() {
    let s = org();
    let topo = Topology::new(&s);
    let vpc = |k: u64, v: u64| format!("vpc-{:017x}", (k + 1) << 40 | (v + 1));
    let db = s
        .db_instances
        .iter()
        .flatten()
        .find(|d| {
            d.db_subnet_group
                .as_ref()
                .is_some_and(|g| g.vpc_id.as_deref() == Some(vpc(1, 0).as_str()))
        })
        .expect("a DB in account 1's first VPC")
        .db_instance_identifier
        .clone();
    let running = |iid: &str| {
        s.instances
            .iter()
            .flatten()
            .any(|i| i.instance_id == iid && i.state == "running")
    };
    let client = s
        .network_interfaces
        .iter()
        .flatten()
        .find(|e| {
            e.vpc_id == vpc(2, 0)
                && e.attachment
                    .as_ref()
                    .and_then(|a| a.instance_id.as_deref())
                    .is_some_and(running)
        })
        .expect("a running client in account 2's first VPC")
        .network_interface_id
        .clone();
    let e = netpath_engine::explain_verified(
        &topo,
        &client,
        &db,
        &ExplainOptions {
            port: Some(5432),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.verdict, netpath_engine::Verdict::Blocked);
    for f in &e.fixes {
        let cmd = f.command.as_deref().unwrap_or("");
        assert!(
            !cmd.contains("create-vpc-peering-connection"),
            "a peering between overlapping VPCs: {f:#?}"
        );
    }
    assert!(
        e.fixes
            .iter()
            .any(|f| f.summary.contains("overlapping CIDRs") && f.command.is_none()),
        "{:#?}",
        e.fixes
    );
}
