//! VPC peering: a veth between the two VPC routers, only when the peering is
//! `active`. Traffic arriving over it is delivered by the receiving VPC's
//! own subnet routes only (peering is not transitive; see `route_table`).
//! <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use anyhow::Result;
use netpath_model::{Snapshot, VpcPeeringConnection};

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// One side of a built peering, in one VPC's router.
#[derive(Debug, Clone)]
pub(super) struct PeerLink {
    /// The link is `p<k>` in both routers.
    pub k: usize,
    /// `VpcPeeringConnectionId`.
    pub id: String,
    /// The other router's address on the link (the next hop).
    pub via: Ipv4Addr,
    /// The other router's IPv6 address on the link (`fd01:<k>::1` or `::2`).
    pub via6: std::net::Ipv6Addr,
}

/// The IPv6 address of side `side` (1 or 2) of peering link `k`.
fn link6(k: usize, side: u16) -> std::net::Ipv6Addr {
    std::net::Ipv6Addr::new(0xfd01, k as u16, 0, 0, 0, 0, 0, side)
}

/// True when the peering carries traffic: `Status.Code` is `active`.
/// <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle>
fn active(p: &VpcPeeringConnection) -> bool {
    p.status_code == "active"
}

/// Links the routers of every active peering between two distinct VPCs of
/// the snapshot: peering `k` becomes veth `p<k>` (169.254.0.4k+1/30 on the
/// requester's side, +2 on the accepter's). Output: per VPC id, its links.
///
/// Errors: a failing `ip` command.
pub(super) fn build(
    ns: &Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
) -> Result<HashMap<String, Vec<PeerLink>>> {
    let mut links: HashMap<String, Vec<PeerLink>> = HashMap::new();
    for (k, p) in snap.vpc_peering_connections.iter().flatten().enumerate() {
        let (Some(&a), Some(&b)) = (
            idx.vpc_index.get(p.requester_vpc_info.vpc_id.as_str()),
            idx.vpc_index.get(p.accepter_vpc_info.vpc_id.as_str()),
        ) else {
            continue;
        };
        if !active(p) || a == b {
            continue;
        }
        let base = u32::from(Ipv4Addr::new(169, 254, 0, 0)) + 4 * k as u32;
        let (ia, ib) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        crate::netns::run(
            "ip",
            &[
                "link",
                "add",
                "name",
                &format!("p{k}"),
                "netns",
                &routers[a],
                "type",
                "veth",
                "peer",
                "name",
                &format!("p{k}"),
                "netns",
                &routers[b],
            ],
            None,
        )?;
        for (v, mine, side) in [(a, ia, 1), (b, ib, 2)] {
            ns.ip_batch(
                &routers[v],
                &[
                    format!("addr add {mine}/30 dev p{k}"),
                    format!("addr add {}/64 dev p{k} nodad", link6(k, side)),
                    format!("link set p{k} up"),
                ],
            )?;
        }
        let id = p.vpc_peering_connection_id.clone();
        for (v, via, side) in [(a, ib, 2), (b, ia, 1)] {
            links
                .entry(idx.vpcs[v].to_string())
                .or_default()
                .push(PeerLink {
                    k,
                    id: id.clone(),
                    via,
                    via6: link6(k, side),
                });
        }
    }
    Ok(links)
}

/// The VPCs whose security groups a rule in `vpc` can reference: `vpc`
/// itself, every VPC joined to it by an active peering in the same
/// region (when either side's region is not in the snapshot, the peering
/// is taken to be in one region), and every VPC joined to it by a transit
/// gateway with referencing support on it and both attachments.
/// <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html>
pub(super) fn group_reference_vpcs(snap: &Snapshot, vpc: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::from([vpc.to_string()]);
    for p in snap.vpc_peering_connections.iter().flatten() {
        let (r, a) = (&p.requester_vpc_info, &p.accepter_vpc_info);
        let same_region = match (&r.region, &a.region) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        };
        if !active(p) || !same_region {
            continue;
        }
        if r.vpc_id == vpc {
            out.insert(a.vpc_id.clone());
        }
        if a.vpc_id == vpc {
            out.insert(r.vpc_id.clone());
        }
    }
    // Across a transit gateway: only with security group referencing
    // support on the gateway and on both VPC attachments
    // (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>).
    let on = |v: &Option<String>| v.as_deref() == Some("enable");
    for t in snap
        .transit_gateways
        .iter()
        .flatten()
        .filter(|t| on(&t.options.security_group_referencing_support))
    {
        let atts: Vec<_> = snap
            .transit_gateway_vpc_attachments
            .iter()
            .flatten()
            .filter(|a| {
                a.transit_gateway_id == t.transit_gateway_id
                    && a.state == "available"
                    && on(&a.security_group_referencing_support)
            })
            .collect();
        if atts.iter().any(|a| a.vpc_id == vpc) {
            out.extend(atts.iter().map(|a| a.vpc_id.clone()));
        }
    }
    out
}
