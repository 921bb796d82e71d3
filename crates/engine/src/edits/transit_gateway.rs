//! Edits of transit gateways, their attachments, route tables, routes and
//! propagations: each a whole-resource edit that touches the id a walk
//! through it names (the gateway, the attachment, the route table), with
//! the far ends it can act on, so that `diff` walks again only the flows
//! with an end whose routing changed:
//! - a propagation turned on or off: the propagated VPC's CIDRs;
//! - a route added, removed or changed: the route's CIDR;
//! - an attachment's association or subnets: its VPC's CIDRs (the
//!   attachment carries traffic from that VPC, and replies to it).
//!
//! Anything else (a gateway or route table as a whole, a non-VPC
//! propagation) can act on any flow through the gateway.

use std::collections::BTreeSet;

use ipnet::IpNet;
use netpath_model::Snapshot;

use super::{whole, Edit, EditPeer};

/// Every transit gateway edit from `before` to `after`, appended to `out`.
pub(super) fn transit_gateways(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let (b, a) = (before, after);
    let start = out.len();
    whole(
        out,
        "transit-gateway",
        &b.transit_gateways,
        &a.transit_gateways,
        |t| &t.transit_gateway_id,
        |_| None,
    );
    // Attachments are compared per gateway: a peering attachment is
    // listed on both of its gateways under one id.
    let mut gateways: Vec<&String> = [b, a]
        .iter()
        .flat_map(|s| s.transit_gateway_attachments.iter().flatten())
        .map(|x| &x.transit_gateway_id)
        .collect();
    gateways.sort();
    gateways.dedup();
    for g in gateways {
        let on = |s: &Snapshot| {
            s.transit_gateway_attachments.as_ref().map(|v| {
                v.iter()
                    .filter(|x| &x.transit_gateway_id == g)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        };
        whole(
            out,
            "transit-gateway-attachment",
            &on(b),
            &on(a),
            |t| &t.transit_gateway_attachment_id,
            |_| None,
        );
    }
    whole(
        out,
        "transit-gateway-peering-attachment",
        &b.transit_gateway_peering_attachments,
        &a.transit_gateway_peering_attachments,
        |t| &t.transit_gateway_attachment_id,
        |_| None,
    );
    whole(
        out,
        "transit-gateway-vpc-attachment",
        &b.transit_gateway_vpc_attachments,
        &a.transit_gateway_vpc_attachments,
        |t| &t.transit_gateway_attachment_id,
        |_| None,
    );
    whole(
        out,
        "transit-gateway-route-table",
        &b.transit_gateway_route_tables,
        &a.transit_gateway_route_tables,
        |t| &t.transit_gateway_route_table_id,
        |_| None,
    );
    whole(
        out,
        "transit-gateway-routes",
        &b.transit_gateway_routes,
        &a.transit_gateway_routes,
        |t| &t.transit_gateway_route_table_id,
        |_| None,
    );
    whole(
        out,
        "transit-gateway-propagations",
        &b.transit_gateway_propagations,
        &a.transit_gateway_propagations,
        |t| &t.transit_gateway_route_table_id,
        |_| None,
    );
    for e in &mut out[start..] {
        if let Some(cidrs) = far_ends(before, after, e) {
            e.peers = cidrs.into_iter().map(EditPeer::Cidr).collect();
        }
    }
}

/// The CIDRs edit `e` changes the routing of, or `None` when it may act on
/// any flow through the gateway.
fn far_ends(before: &Snapshot, after: &Snapshot, e: &Edit) -> Option<BTreeSet<IpNet>> {
    let id = e.resource_id.as_str();
    let vpc_cidrs = |vpc: &str| -> Option<BTreeSet<IpNet>> {
        let mut out = BTreeSet::new();
        for s in [before, after] {
            let v = s.vpcs.iter().flatten().find(|v| v.vpc_id == vpc)?;
            out.extend(v.cidr_blocks.iter().map(|&c| IpNet::V4(c)));
            out.extend(v.ipv6_cidr_blocks.iter().map(|&c| IpNet::V6(c)));
        }
        Some(out)
    };
    let cidrs = match e.resource_type {
        "transit-gateway-attachment" | "transit-gateway-vpc-attachment" => {
            let vpc = [before, after].iter().find_map(|s| {
                s.transit_gateway_vpc_attachments
                    .iter()
                    .flatten()
                    .find(|x| x.transit_gateway_attachment_id == id)
                    .map(|x| x.vpc_id.clone())
            })?;
            vpc_cidrs(&vpc)?
        }
        "transit-gateway-propagations" => {
            let props =
                |s: &Snapshot| -> BTreeSet<(String, Option<String>, Option<String>, String)> {
                    s.transit_gateway_propagations
                        .iter()
                        .flatten()
                        .filter(|p| p.transit_gateway_route_table_id == id)
                        .flat_map(|p| &p.propagations)
                        .map(|p| {
                            (
                                p.transit_gateway_attachment_id.clone(),
                                p.resource_type.clone(),
                                p.resource_id.clone(),
                                p.state.clone(),
                            )
                        })
                        .collect()
                };
            let (x, y) = (props(before), props(after));
            let mut out = BTreeSet::new();
            for (_, kind, resource, _) in x.symmetric_difference(&y) {
                match (kind.as_deref(), resource) {
                    (Some("vpc"), Some(vpc)) => out.extend(vpc_cidrs(vpc)?),
                    _ => return None,
                }
            }
            out
        }
        "transit-gateway-routes" => {
            let routes = |s: &Snapshot| -> Vec<String> {
                s.transit_gateway_routes
                    .iter()
                    .flatten()
                    .filter(|t| t.transit_gateway_route_table_id == id)
                    .flat_map(|t| &t.routes)
                    .map(|r| serde_json::to_string(r).unwrap_or_default())
                    .collect()
            };
            let (x, y) = (routes(before), routes(after));
            let changed: Vec<&String> = x
                .iter()
                .filter(|r| !y.contains(r))
                .chain(y.iter().filter(|r| !x.contains(r)))
                .collect();
            let mut out = BTreeSet::new();
            for r in changed {
                let r: netpath_model::TransitGatewayRoute = serde_json::from_str(r).ok()?;
                out.insert(r.destination_cidr_block?);
            }
            out
        }
        _ => return None,
    };
    (!cidrs.is_empty()).then_some(cidrs)
}
