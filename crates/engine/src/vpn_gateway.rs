//! Site-to-Site VPN facts the walk and the fixes share: which virtual
//! private gateway of a VPC leads to a customer-network address.
//!
//! Source: <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html>
//! (a connection's static routes name the customer network).

use ipnet::IpNet;

use crate::addr::AddrSet;
use crate::topology::Topology;

/// The virtual private gateway attached to `vpc_id` (state `attached`)
/// whose VPN connection (not deleted) has an `available` static route
/// covering `remote`, with that route's CIDR: a client at `remote` is in
/// that customer network, whatever the VPC's route tables say about the way
/// back. The lowest gateway id wins when several match.
pub(crate) fn vgw_for_remote(
    topo: &Topology,
    vpc_id: &str,
    remote: &AddrSet,
) -> Option<(String, IpNet)> {
    let snap = topo.snapshot;
    let mut out: Vec<(String, IpNet)> = Vec::new();
    for g in snap.vpn_gateways.iter().flatten() {
        if !g
            .vpc_attachments
            .iter()
            .any(|a| a.vpc_id == vpc_id && a.state == "attached")
        {
            continue;
        }
        for c in snap.vpn_connections.iter().flatten() {
            if c.vpn_gateway_id.as_deref() != Some(g.vpn_gateway_id.as_str())
                || matches!(c.state.as_str(), "deleted" | "deleting")
            {
                continue;
            }
            for r in &c.routes {
                if r.state == "available" && remote.within(&r.destination_cidr_block) {
                    out.push((g.vpn_gateway_id.clone(), r.destination_cidr_block));
                }
            }
        }
    }
    out.sort();
    out.into_iter().next()
}

/// The ids of the virtual private gateways attached to `vpc_id`, of their
/// VPN connections and of their Direct Connect gateway associations: what
/// a flow to or from the VPC's customer networks can consult (`diff` walks
/// such flows again when one changes).
pub(crate) fn footprint(topo: &Topology, vpc_id: &str) -> Vec<String> {
    let snap = topo.snapshot;
    let mut out = Vec::new();
    for g in snap.vpn_gateways.iter().flatten() {
        if g.vpc_attachments.iter().any(|a| a.vpc_id == vpc_id) {
            out.push(g.vpn_gateway_id.clone());
            out.extend(
                snap.vpn_connections
                    .iter()
                    .flatten()
                    .filter(|c| c.vpn_gateway_id.as_deref() == Some(g.vpn_gateway_id.as_str()))
                    .map(|c| c.vpn_connection_id.clone()),
            );
            out.extend(dx_associations(topo, &g.vpn_gateway_id));
        }
    }
    out
}

/// The ids of the Direct Connect gateway associations of `gateway` (a
/// `vgw-…` or `tgw-…`).
pub(crate) fn dx_associations(topo: &Topology, gateway: &str) -> Vec<String> {
    topo.snapshot
        .direct_connect_gateway_associations
        .iter()
        .flatten()
        .filter(|a| a.associated_gateway_id == gateway)
        .map(|a| a.association_id.clone())
        .collect()
}
