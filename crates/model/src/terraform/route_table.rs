//! Routing in a plan: `aws_route_table` (inline `route`),
//! `aws_default_route_table`, `aws_route`, `aws_route_table_association`
//! and `aws_main_route_table_association`.
//!
//! AWS: every table holds a `local` route per VPC CIDR; a subnet without
//! an explicit association uses the main table
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>).
//! Provider: configured inline routes are the table's whole set (besides
//! `local` and propagated ones), and `aws_default_route_table` replaces
//! every route with those configured.

use serde_json::Value;

use super::ctx::{get, is_placeholder, local_route, placeholder, text, unknown, Ctx};
use super::plan::ResourceChange;
use crate::resources::*;

/// Applies one change; returns the ids it edits.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_route_table" | "aws_default_route_table" => table(cx, rc),
        "aws_route" => route(cx, rc),
        "aws_route_table_association" => association(cx, rc),
        "aws_main_route_table_association" => main_association(cx, rc),
        _ => None,
    }
}

fn tables<'a>(cx: &'a mut Ctx) -> &'a mut Vec<RouteTable> {
    cx.snap.route_tables.get_or_insert_with(Vec::new)
}

/// Target attributes of a route, and the resource types that fill them.
const TARGETS: &[(&str, &[&str])] = &[
    (
        "gateway_id",
        &[
            "aws_internet_gateway",
            "aws_vpn_gateway",
            "aws_vpc_endpoint",
        ],
    ),
    ("nat_gateway_id", &["aws_nat_gateway"]),
    ("vpc_peering_connection_id", &["aws_vpc_peering_connection"]),
    ("transit_gateway_id", &["aws_ec2_transit_gateway"]),
    ("network_interface_id", &["aws_network_interface"]),
    ("instance_id", &["aws_instance"]),
    (
        "egress_only_gateway_id",
        &["aws_egress_only_internet_gateway"],
    ),
    ("local_gateway_id", &["aws_ec2_local_gateway"]),
    ("carrier_gateway_id", &["aws_ec2_carrier_gateway"]),
    ("core_network_arn", &[]),
    ("vpc_endpoint_id", &["aws_vpc_endpoint"]),
];

fn set_target(r: &mut Route, attr: &str, id: String) {
    match attr {
        "gateway_id" | "vpc_endpoint_id" => r.gateway_id = Some(id),
        "nat_gateway_id" => r.nat_gateway_id = Some(id),
        "vpc_peering_connection_id" => r.vpc_peering_connection_id = Some(id),
        "transit_gateway_id" => r.transit_gateway_id = Some(id),
        "network_interface_id" => r.network_interface_id = Some(id),
        "instance_id" => r.instance_id = Some(id),
        "egress_only_gateway_id" => r.egress_only_internet_gateway_id = Some(id),
        "local_gateway_id" => r.local_gateway_id = Some(id),
        "carrier_gateway_id" => r.carrier_gateway_id = Some(id),
        _ => r.core_network_arn = Some(id),
    }
}

/// A route from an inline block (`cidr_block`, ...) or an `aws_route`
/// (`destination_cidr_block`, ...). `unknown_target` resolves a target
/// known only after apply; `Err` names the attribute and why.
fn route_of(
    v: &Value,
    unknown_v: &Value,
    mut unknown_target: impl FnMut(&str) -> Result<Option<String>, String>,
) -> Result<Route, (String, String)> {
    let dest = |a: &str, b: &str| text(v, a).or_else(|| text(v, b));
    for a in [
        "cidr_block",
        "destination_cidr_block",
        "ipv6_cidr_block",
        "destination_ipv6_cidr_block",
    ] {
        if unknown(unknown_v, a) {
            return Err((a.into(), "is known only after apply".into()));
        }
    }
    let mut r = Route {
        destination_cidr_block: dest("cidr_block", "destination_cidr_block")
            .map(|x| x.parse::<ipnet::Ipv4Net>().map(|n| n.trunc()))
            .transpose()
            .map_err(|e| ("destination_cidr_block".to_string(), e.to_string()))?,
        destination_ipv6_cidr_block: dest("ipv6_cidr_block", "destination_ipv6_cidr_block")
            .map(|x| x.parse::<ipnet::Ipv6Net>().map(|n| n.trunc()))
            .transpose()
            .map_err(|e| ("destination_ipv6_cidr_block".to_string(), e.to_string()))?,
        destination_prefix_list_id: text(v, "destination_prefix_list_id"),
        gateway_id: None,
        nat_gateway_id: None,
        vpc_peering_connection_id: None,
        transit_gateway_id: None,
        network_interface_id: None,
        instance_id: None,
        egress_only_internet_gateway_id: None,
        local_gateway_id: None,
        carrier_gateway_id: None,
        core_network_arn: None,
        state: RouteState::Active,
        origin: Some("CreateRoute".into()),
    };
    let mut any = false;
    for (attr, _) in TARGETS {
        if unknown(unknown_v, attr) {
            if let Some(id) = unknown_target(attr).map_err(|e| (attr.to_string(), e))? {
                set_target(&mut r, attr, id);
                any = true;
            }
        } else if let Some(id) = text(v, attr) {
            set_target(&mut r, attr, id);
            any = true;
        }
    }
    if !any {
        return Err(("gateway_id".into(), "names no target".into()));
    }
    Ok(r)
}

fn same_destination(a: &Route, b: &Route) -> bool {
    a.destination_cidr_block == b.destination_cidr_block
        && a.destination_ipv6_cidr_block == b.destination_ipv6_cidr_block
        && a.destination_prefix_list_id == b.destination_prefix_list_id
}

fn is_managed(r: &Route) -> bool {
    r.gateway_id.as_deref() != Some("local")
        && r.origin.as_deref() != Some("EnableVgwRoutePropagation")
        && r.origin.as_deref() != Some("CreateRouteTable")
}

fn table(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let default = rc.resource_type == "aws_default_route_table";
    let id_attr = if default {
        "default_route_table_id"
    } else {
        "id"
    };
    let old = text(&c.before, id_attr);
    if (c.is_delete() || c.is_replace()) && !default {
        if let Some(id) = &old {
            tables(cx).retain(|t| &t.route_table_id != id);
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    let fresh = (c.is_create() || c.is_replace()) && !default;
    let id = if fresh {
        text(&c.after, "id").unwrap_or_else(|| placeholder("aws_route_table", &rc.address))
    } else {
        match cx.string(rc, id_attr) {
            Ok(Some(i)) => i,
            _ => old.clone()?,
        }
    };
    if !tables(cx).iter().any(|t| t.route_table_id == id) {
        if !fresh {
            cx.drift(rc, &id, "the snapshot has no such route table");
            return None;
        }
        let vpc_id = cx.need(rc, "vpc_id", &id).unwrap_or_default();
        let local: Vec<Route> = cx
            .snap
            .vpcs
            .iter()
            .flatten()
            .filter(|v| v.vpc_id == vpc_id)
            .flat_map(|v| v.cidr_blocks.clone())
            .map(local_route)
            .collect();
        tables(cx).push(RouteTable {
            route_table_id: id.clone(),
            vpc_id,
            routes: local,
            associations: Vec::new(),
            tags: Tags::default(),
        });
    }
    if get(&c.before, "route") != get(&c.after, "route") || fresh || default {
        let blocks: Vec<Value> = get(&c.after, "route")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let unknowns: Vec<Value> = c
            .after_unknown
            .get("route")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if unknown(&c.after_unknown, "route") && cx.plan.configures(&rc.address, "route") {
            cx.unresolved(rc, "route", &id, "is known only after apply");
            return Some(vec![id]);
        }
        let (refs, _) = cx.plan.references(&rc.address, "route");
        let mut routes = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let u = unknowns.get(i).cloned().unwrap_or(Value::Null);
            let r = route_of(b, &u, |attr| {
                let types = TARGETS
                    .iter()
                    .find(|(a, _)| *a == attr)
                    .map(|x| x.1)
                    .unwrap_or(&[]);
                let candidates: Vec<String> = refs
                    .iter()
                    .filter(|r| {
                        types.iter().any(|t| {
                            super::plan::config_address(r).split('.').rev().nth(1) == Some(t)
                        })
                    })
                    .filter_map(|r| cx.id_of_address(r, "id").ok())
                    .filter(|id| is_placeholder(id))
                    .collect();
                match candidates.as_slice() {
                    [one] => Ok(Some(one.clone())),
                    _ => Err(
                        "is known only after apply and the block's references do not single it out"
                            .into(),
                    ),
                }
            });
            match r {
                Ok(r) => routes.push(r),
                Err((attr, e)) => {
                    cx.unresolved(rc, &format!("route.{attr}"), &id, &e);
                    return Some(vec![id]);
                }
            }
        }
        if !fresh && !default {
            let before: Vec<Route> = get(&c.before, "route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|b| route_of(b, &Value::Null, |_| Err(String::new())).ok())
                .collect();
            let snap: Vec<Route> = tables(cx)
                .iter()
                .find(|t| t.route_table_id == id)
                .map(|t| t.routes.iter().filter(|r| is_managed(r)).cloned().collect())
                .unwrap_or_default();
            let key = |l: &[Route]| {
                let mut v: Vec<String> = l
                    .iter()
                    .map(|r| {
                        format!(
                            "{:?} {:?} {:?} {:?}",
                            r.destination_cidr_block,
                            r.destination_ipv6_cidr_block,
                            r.destination_prefix_list_id,
                            r.target_id()
                        )
                    })
                    .collect();
                v.sort();
                v
            };
            if key(&before) != key(&snap) {
                cx.drift(
                    rc,
                    &id,
                    "its routes in the plan's prior state differ from the snapshot's",
                );
            }
        }
        let t = tables(cx).iter_mut().find(|t| t.route_table_id == id)?;
        t.routes.retain(|r| !is_managed(r));
        t.routes.extend(routes);
    }
    Some(vec![id])
}

fn route(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    if !c.is_create() {
        if let (Some(id), Ok(r)) = (
            text(&c.before, "route_table_id"),
            route_of(&c.before, &Value::Null, |_| Err(String::new())),
        ) {
            match tables(cx).iter_mut().find(|t| t.route_table_id == id) {
                Some(t) => {
                    let n = t.routes.len();
                    t.routes.retain(|x| !same_destination(x, &r));
                    if n == t.routes.len() {
                        cx.drift(rc, &id, "the route it deletes is not in the snapshot");
                    }
                }
                None => cx.drift(rc, &id, "the snapshot has no such route table"),
            }
            ids.push(id);
        }
    }
    if c.is_delete() {
        return Some(ids);
    }
    let Some(id) = cx.need(rc, "route_table_id", &rc.address) else {
        return Some(ids);
    };
    // Targets the configuration does not set are computed by the
    // provider (empty): only the configured one is resolved.
    let r = route_of(&c.after, &c.after_unknown, |attr| cx.optional(rc, attr));
    match r {
        Ok(r) => match tables(cx).iter_mut().find(|t| t.route_table_id == id) {
            Some(t) => {
                t.routes.retain(|x| !same_destination(x, &r));
                t.routes.push(r);
            }
            None => cx.unresolved(
                rc,
                "route_table_id",
                &id,
                "names a table the snapshot and the plan lack",
            ),
        },
        Err((attr, e)) => cx.unresolved(rc, &attr, &id, &e),
    }
    if !ids.contains(&id) {
        ids.push(id);
    }
    Some(ids)
}

/// Removes `subnet`'s (or the gateway's) explicit association everywhere,
/// then, with `table`, associates it there.
fn associate(cx: &mut Ctx, subnet: Option<&str>, gateway: Option<&str>, table: Option<&str>) {
    for t in tables(cx).iter_mut() {
        t.associations.retain(|a| {
            a.main
                || !((subnet.is_some() && a.subnet_id.as_deref() == subnet)
                    || (gateway.is_some() && a.gateway_id.as_deref() == gateway))
        });
    }
    if let Some(id) = table {
        if let Some(t) = tables(cx).iter_mut().find(|t| t.route_table_id == id) {
            t.associations.push(RouteTableAssociation {
                main: false,
                subnet_id: subnet.map(String::from),
                gateway_id: gateway.map(String::from),
                state: Some("associated".into()),
            });
        }
    }
}

fn association(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    if !c.is_create() {
        let (sn, gw) = (text(&c.before, "subnet_id"), text(&c.before, "gateway_id"));
        associate(cx, sn.as_deref(), gw.as_deref(), None);
        ids.extend(sn.or(gw));
    }
    if c.is_delete() {
        return Some(ids);
    }
    let sn = cx.string(rc, "subnet_id");
    let gw = cx.string(rc, "gateway_id");
    let table = cx.string(rc, "route_table_id");
    match (sn, gw, table) {
        (Ok(sn), Ok(gw), Ok(Some(t))) if sn.is_some() || gw.is_some() => {
            associate(cx, sn.as_deref(), gw.as_deref(), Some(&t));
            ids.extend(sn.or(gw).filter(|x| !ids.contains(x)));
        }
        (Ok(Some(sn)), _, other) => {
            let e = other.err().unwrap_or_else(|| "is not set".into());
            // The subnet's routing is in doubt: mark the table it had.
            cx.unresolved(rc, "route_table_id", &sn, &e);
        }
        (Err(e), _, _) => cx.unresolved(rc, "subnet_id", &rc.address, &e),
        _ => cx.unresolved(rc, "subnet_id", &rc.address, "is not set"),
    }
    Some(ids)
}

fn main_association(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let (vpc, table) = if c.is_delete() {
        (
            text(&c.before, "vpc_id"),
            text(&c.before, "original_route_table_id"),
        )
    } else {
        (
            cx.string(rc, "vpc_id").ok().flatten(),
            cx.string(rc, "route_table_id").ok().flatten(),
        )
    };
    let (Some(vpc), Some(table)) = (vpc, table) else {
        cx.unresolved(
            rc,
            "route_table_id",
            &rc.address,
            "is known only after apply",
        );
        return None;
    };
    for t in tables(cx).iter_mut().filter(|t| t.vpc_id == vpc) {
        t.associations.retain(|a| !a.main);
        if t.route_table_id == table {
            t.associations.push(RouteTableAssociation {
                main: true,
                subnet_id: None,
                gateway_id: None,
                state: Some("associated".into()),
            });
        }
    }
    Some(vec![table])
}
