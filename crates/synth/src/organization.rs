//! [`organization`]: a synthetic AWS Organization, for the multi-account
//! scale figures (issue 18): `accounts` accounts generated apart (each a
//! [`generate_account`] world of its share of the ENIs, its own ids, and the
//! same VPC CIDRs, as real accounts often reuse them), merged with
//! [`netpath_model::merge`], then joined:
//!
//! - **cross-account peerings**: account k's first VPC with account k+1's
//!   second (their CIDRs, 10.0.0.0/16 and 10.1.0.0/16, do not overlap),
//!   routed both ways from their main route tables, and a group of each
//!   side admitting a group of the other by `UserId/GroupId` on 5432;
//! - **shared VPCs**: every fifth account shares its last VPC with the next
//!   account, whose partition lists the VPC, its subnets and the ENIs of the
//!   first half of the subnets (the participant's instances, under the
//!   owner's network ACLs and route tables).
//!
//! Each account is one [`Partition`] in us-east-1. The same arguments give
//! the same snapshot.

use netpath_model::{
    merge, IpPermission, IpProtocol, Partition, PeeringVpcInfo, Route, Snapshot, UserIdGroupPair,
    VpcPeeringConnection, VpcPeeringConnectionStateReasonCode,
};

use crate::generate::{generate_account, id, SynthParams};

/// The 12-digit id of the organization's account `k`.
pub fn account_id(k: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + k as u64)
}

/// A synthetic organization of `accounts` accounts (at least 1) holding
/// `p.enis` ENIs in all, `p.vpcs` VPCs per account (at least 2 for the
/// cross-account peerings). See the module docs.
pub fn organization(p: &SynthParams, accounts: usize) -> Snapshot {
    let n = accounts.max(1);
    let mut inputs = Vec::with_capacity(n);
    for k in 0..n {
        let share = p.enis / n + usize::from(k < p.enis % n);
        let acct = account_id(k);
        let mut snap = generate_account(
            &SynthParams {
                enis: share.max(1),
                vpcs: p.vpcs.max(2),
                seed: p.seed.wrapping_add(k as u64),
            },
            &acct,
            k as u64 + 1,
        );
        snap.tag_partition(Partition {
            account_id: acct.clone(),
            region: Some("us-east-1".into()),
            collected_at: Some("2026-12-05T00:00:00Z".into()),
            source: "netpath-synth".into(),
            role_arn: Some(format!("arn:aws:iam::{acct}:role/NetpathReadOnly")),
            resources: Vec::new(),
        });
        inputs.push((acct, snap));
    }
    let mut snap = merge(inputs).snapshot;
    snap.metadata.source = "netpath-synth".into();
    for k in 0..n.saturating_sub(1) {
        peer_accounts(&mut snap, k, k + 1);
    }
    for k in (0..n.saturating_sub(1)).step_by(5) {
        share_vpc(&mut snap, k, k + 1, p.vpcs.max(2));
    }
    snap.sort();
    snap
}

/// The id `generate_account` gives VPC `v` of account `k`.
fn vpc_of(k: usize, v: usize) -> String {
    id(k as u64 + 1, "vpc", v as u64 + 1)
}

/// Peers account `a`'s VPC 0 (10.0.0.0/16) with account `b`'s VPC 1
/// (10.1.0.0/16), routes both ways, and a cross-account reference each way.
fn peer_accounts(snap: &mut Snapshot, a: usize, b: usize) {
    let (va, vb) = (vpc_of(a, 0), vpc_of(b, 1));
    let (acct_a, acct_b) = (account_id(a), account_id(b));
    // Beyond the ids `generate_account` gives its own peerings.
    let pcx = id(a as u64 + 1, "pcx", 0xfff);
    let side = |vpc: &str, owner: &str, cidr: &str| PeeringVpcInfo {
        vpc_id: vpc.to_string(),
        owner_id: Some(owner.to_string()),
        region: Some("us-east-1".into()),
        cidr_blocks: vec![cidr.parse().expect("a CIDR")],
        ipv6_cidr_blocks: Vec::new(),
    };
    snap.vpc_peering_connections
        .get_or_insert_with(Vec::new)
        .push(VpcPeeringConnection {
            vpc_peering_connection_id: pcx.clone(),
            status_code: VpcPeeringConnectionStateReasonCode::Active,
            requester_vpc_info: side(&va, &acct_a, "10.0.0.0/16"),
            accepter_vpc_info: side(&vb, &acct_b, "10.1.0.0/16"),
            tags: Default::default(),
        });
    for (vpc, to) in [(&va, "10.1.0.0/16"), (&vb, "10.0.0.0/16")] {
        if let Some(rt) = snap
            .route_tables
            .iter_mut()
            .flatten()
            .find(|t| &t.vpc_id == vpc && t.associations.iter().any(|x| x.main))
        {
            let to: ipnet::Ipv4Net = to.parse().expect("a CIDR");
            rt.routes.push(Route::to_target(to, &pcx, "CreateRoute"));
        }
    }
    // A group of each side admits the other side's first group.
    let first_group = |snap: &Snapshot, vpc: &str| {
        snap.security_groups
            .iter()
            .flatten()
            .find(|g| g.vpc_id.as_deref() == Some(vpc) && g.group_name.starts_with("role-"))
            .map(|g| g.group_id.clone())
    };
    let (Some(ga), Some(gb)) = (first_group(snap, &va), first_group(snap, &vb)) else {
        return;
    };
    for (own, peer, peer_acct) in [(&ga, &gb, &acct_b), (&gb, &ga, &acct_a)] {
        if let Some(g) = snap
            .security_groups
            .iter_mut()
            .flatten()
            .find(|g| &g.group_id == own)
        {
            g.ip_permissions.push(IpPermission {
                ip_protocol: IpProtocol::Tcp,
                from_port: Some(5432),
                to_port: Some(5432),
                ip_ranges: Vec::new(),
                ipv6_ranges: Vec::new(),
                prefix_list_ids: Vec::new(),
                user_id_group_pairs: vec![UserIdGroupPair {
                    group_id: peer.clone(),
                    user_id: Some(peer_acct.clone()),
                    vpc_id: None,
                    vpc_peering_connection_id: Some(pcx.clone()),
                    peering_status: None,
                }],
            });
        }
    }
}

/// Account `owner` shares its last VPC with account `participant`: the
/// participant's partition lists the VPC, its subnets, and the ENIs (and
/// their instances) in the first half of the subnets.
fn share_vpc(snap: &mut Snapshot, owner: usize, participant: usize, vpcs: usize) {
    let vpc = vpc_of(owner, vpcs.clamp(1, 250) - 1);
    let subnets: Vec<String> = snap
        .subnets
        .iter()
        .flatten()
        .filter(|s| s.vpc_id == vpc)
        .map(|s| s.subnet_id.clone())
        .collect();
    let theirs: Vec<&String> = subnets.iter().take(subnets.len() / 2).collect();
    let mut listed: Vec<String> = vec![vpc.clone()];
    listed.extend(subnets.iter().cloned());
    for e in snap.network_interfaces.iter().flatten() {
        if theirs.iter().any(|s| **s == e.subnet_id) {
            listed.push(e.network_interface_id.to_string());
            if let Some(i) = e.attachment.as_ref().and_then(|a| a.instance_id.clone()) {
                listed.push(i.to_string());
            }
        }
    }
    let pid = account_id(participant);
    if let Some(part) = snap
        .metadata
        .partitions
        .iter_mut()
        .find(|p| p.account_id == pid)
    {
        part.resources.extend(listed.into_iter().map(Into::into));
        part.resources.sort();
        part.resources.dedup();
    }
}
