//! Hub-and-spoke worlds: every world with two or three VPCs and no peering
//! (about one in five) joins them with one transit gateway, drawn from a generator
//! of its own (so the rest of the world is the same without it). Subnets
//! get Availability Zones (`us-east-1a`/`b` alternately); each VPC an
//! attachment with some of its subnets (the AZ rule: a zone without one
//! cannot reach the gateway), usually associated with the one gateway
//! route table; the VPC route tables routes to the other VPCs through the
//! gateway (some missing, some to one subnet only); the gateway table the
//! VPC propagations (some not enabled), sometimes a static route or a
//! blackhole for one subnet; group referencing on or off.
//! <https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html>
//!
//! About two hubs in five are two peered gateways instead (from a generator
//! of their own): odd VPCs on the second gateway, each gateway's table
//! routing the other's VPCs to the peering attachment by static routes
//! (some missing, some for one subnet), each side usually associated with
//! its own gateway's table, and the peering sometimes not yet accepted.
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>
//!
//! In a dual-stack world (from a generator of its own again) the hub
//! carries IPv6 too: each attachment's IPv6 support on or off, the VPC
//! route tables routing the other VPCs' IPv6 /56 (or one /64 of it)
//! through the gateway (some missing), and sometimes a static IPv6 route
//! for a VPC whose attachment does not propagate its IPv6 CIDR (the option
//! stops the propagation, not the traffic).
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html>

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const TGW: &str = "tgw-0000000000000001";
const RTB: &str = "tgw-rtb-000000000000001";
const TGW2: &str = "tgw-0000000000000002";
const RTB2: &str = "tgw-rtb-000000000000002";
const PEERING: &str = "tgw-attach-00000000000000f0";

/// The transit gateway collections of a hub world, as snapshot JSON.
pub(super) struct Hub {
    pub transit_gateways: Vec<Value>,
    pub attachments: Vec<Value>,
    pub vpc_attachments: Vec<Value>,
    pub route_tables: Vec<Value>,
    pub routes: Vec<Value>,
    pub propagations: Vec<Value>,
    /// `transit_gateway_peering_attachments` (empty without a peering).
    pub peering_attachments: Vec<Value>,
}

fn attachment_id(v: usize) -> String {
    format!("tgw-attach-00000000000000{v:02}")
}

/// Joins the `nv` VPCs of world `seed` with a transit gateway, or leaves
/// the world as it is (`None`). `subnets` gain zones, `rtbs` routes.
pub(super) fn hub(
    seed: u64,
    nv: usize,
    peered: bool,
    subnets: &mut [Value],
    rtbs: &mut [Value],
) -> Option<Hub> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7467_7700);
    if nv < 2 || peered {
        return None;
    }
    for s in subnets.iter_mut() {
        let n: usize = s["subnet_id"]
            .as_str()
            .and_then(|id| id.chars().last())
            .and_then(|c| c.to_digit(10))
            .unwrap_or(0) as usize;
        s["availability_zone"] = json!(if n % 2 == 0 {
            "us-east-1a"
        } else {
            "us-east-1b"
        });
    }
    let refs = rng.gen_bool(0.5);
    let on = |b: bool| if b { "enable" } else { "disable" };
    let mut prng = ChaCha8Rng::seed_from_u64(seed ^ 0x7065_6572);
    let split = prng.gen_bool(0.4);
    let gateways: &[(&str, &str)] = if split {
        &[(TGW, RTB), (TGW2, RTB2)]
    } else {
        &[(TGW, RTB)]
    };
    // VPC v's gateway and its table.
    let gw = |v: usize| gateways[v % gateways.len()];
    let mut hub = Hub {
        transit_gateways: gateways
            .iter()
            .map(|(g, t)| {
                json!({ "transit_gateway_id": g, "state": "available",
                "options": { "association_default_route_table_id": t,
                             "propagation_default_route_table_id": t,
                             "security_group_referencing_support": on(refs) } })
            })
            .collect(),
        attachments: Vec::new(),
        vpc_attachments: Vec::new(),
        route_tables: gateways
            .iter()
            .map(|(g, t)| {
                json!({ "transit_gateway_route_table_id": t, "transit_gateway_id": g,
                "state": "available", "default_association_route_table": true,
                "default_propagation_route_table": true })
            })
            .collect(),
        routes: Vec::new(),
        propagations: Vec::new(),
        peering_attachments: Vec::new(),
    };
    let mut props: Vec<Vec<Value>> = vec![Vec::new(); gateways.len()];
    let mut statics: Vec<Vec<Value>> = vec![Vec::new(); gateways.len()];
    for v in 0..nv {
        let att = attachment_id(v);
        let (tgw, table) = gw(v);
        let k = v % gateways.len();
        let vid = format!("vpc-{v}");
        let mine: Vec<String> = subnets
            .iter()
            .filter(|s| s["vpc_id"] == vid.as_str())
            .filter_map(|s| s["subnet_id"].as_str().map(str::to_string))
            .collect();
        // Some of its subnets, at least one, and at most one per zone (AWS
        // takes one subnet per Availability Zone).
        let zone_of = |id: &str| id.chars().last().and_then(|c| c.to_digit(10)).unwrap_or(0) % 2;
        let mut chosen: Vec<String> = Vec::new();
        for sid in &mine {
            if rng.gen_bool(0.6) && !chosen.iter().any(|c| zone_of(c) == zone_of(sid)) {
                chosen.push(sid.clone());
            }
        }
        if chosen.is_empty() {
            chosen.push(mine[rng.gen_range(0..mine.len())].clone());
        }
        let mut a = json!({ "transit_gateway_attachment_id": att, "transit_gateway_id": tgw,
            "resource_type": "vpc", "resource_id": vid, "state": "available" });
        if rng.gen_bool(0.9) {
            a["association"] =
                json!({ "transit_gateway_route_table_id": table, "state": "associated" });
        }
        hub.attachments.push(a);
        hub.vpc_attachments.push(
            json!({ "transit_gateway_attachment_id": att, "transit_gateway_id": tgw,
            "vpc_id": vid, "state": "available", "subnet_ids": chosen,
            "security_group_referencing_support": on(refs && rng.gen_bool(0.8)) }),
        );
        if rng.gen_bool(0.85) {
            props[k].push(
                json!({ "transit_gateway_attachment_id": att, "resource_id": vid,
                "resource_type": "vpc", "state": "enabled" }),
            );
        } else if rng.gen_bool(0.5) {
            // No propagation, but a static route to the VPC.
            statics[k].push(json!({ "destination_cidr_block": format!("10.{v}.0.0/16"),
                "type": "static", "state": "active",
                "transit_gateway_attachments": [{ "transit_gateway_attachment_id": att }] }));
        }
        if rng.gen_bool(0.15) {
            statics[k].push(
                json!({ "destination_cidr_block": format!("10.{v}.{}.0/24", rng.gen_range(0..4)),
                "type": "static", "state": "blackhole", "transit_gateway_attachments": [] }),
            );
        }
    }
    if split {
        // The peering: listed on both gateways under one id, each side
        // associated with its own gateway's table (usually), and the
        // other gateway's VPCs routed to it by static routes.
        let accepted = prng.gen_bool(0.9);
        let state = if accepted {
            "available"
        } else {
            "pendingAcceptance"
        };
        for (k, (g, t)) in gateways.iter().enumerate() {
            let peer = gateways[1 - k].0;
            let mut a = json!({ "transit_gateway_attachment_id": PEERING, "transit_gateway_id": g,
                "resource_type": "peering", "resource_id": peer, "state": state });
            if prng.gen_bool(0.9) {
                a["association"] =
                    json!({ "transit_gateway_route_table_id": t, "state": "associated" });
            }
            hub.attachments.push(a);
            for o in (0..nv).filter(|o| o % 2 != k) {
                let dest = match prng.gen_range(0..6) {
                    0 => continue,
                    1 => format!("10.{o}.{}.0/24", prng.gen_range(0..4)),
                    _ => format!("10.{o}.0.0/16"),
                };
                statics[k].push(json!({ "destination_cidr_block": dest, "type": "static",
                    "state": "active",
                    "transit_gateway_attachments": [{ "transit_gateway_attachment_id": PEERING }] }));
            }
        }
        hub.peering_attachments
            .push(json!({ "transit_gateway_attachment_id": PEERING,
            "requester_tgw_info": { "transit_gateway_id": TGW },
            "accepter_tgw_info": { "transit_gateway_id": TGW2 }, "state": state }));
    }
    let dual_stack = subnets.iter().any(|s| {
        s["ipv6_cidr_blocks"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    let mut rng6 = ChaCha8Rng::seed_from_u64(seed ^ 0x7467_7736);
    if dual_stack {
        for (v, a) in hub.vpc_attachments.iter_mut().enumerate() {
            let on6 = rng6.gen_bool(0.7);
            a["ipv6_support"] = json!(on(on6));
            if !on6 && rng6.gen_bool(0.5) {
                statics[v % gateways.len()].push(json!({
                    "destination_cidr_block": super::ipv6::vpc6(v), "type": "static",
                    "state": "active",
                    "transit_gateway_attachments": [{ "transit_gateway_attachment_id": attachment_id(v) }] }));
            }
        }
    }
    for (k, (_, t)) in gateways.iter().enumerate() {
        hub.routes.push(json!({ "transit_gateway_route_table_id": t,
            "routes": statics[k], "additional_routes_available": false }));
        hub.propagations
            .push(json!({ "transit_gateway_route_table_id": t, "propagations": props[k] }));
    }
    // The VPCs' route tables: the other VPCs through the gateway.
    for t in rtbs.iter_mut() {
        let Some(v) = t["vpc_id"]
            .as_str()
            .and_then(|id| id.trim_start_matches("vpc-").parse::<usize>().ok())
        else {
            continue;
        };
        for other in (0..nv).filter(|o| *o != v) {
            let dest = match rng.gen_range(0..6) {
                0 => continue, // missing route
                1 => format!("10.{other}.{}.0/24", rng.gen_range(0..4)),
                _ => format!("10.{other}.0.0/16"),
            };
            if let Some(routes) = t["routes"].as_array_mut() {
                routes.push(json!({ "destination_cidr_block": dest, "transit_gateway_id": gw(v).0, "state": "active" }));
            }
        }
        if !dual_stack {
            continue;
        }
        for other in (0..nv).filter(|o| *o != v) {
            let dest = match rng6.gen_range(0..6) {
                0 => continue,
                1 => super::ipv6::subnet6(other, rng6.gen_range(0..2)),
                _ => super::ipv6::vpc6(other),
            };
            if let Some(routes) = t["routes"].as_array_mut() {
                routes.push(json!({ "destination_ipv6_cidr_block": dest, "transit_gateway_id": gw(v).0, "state": "active" }));
            }
        }
    }
    Some(hub)
}
