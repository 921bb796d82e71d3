//! IPv6 in a plan: `aws_egress_only_internet_gateway`,
//! `aws_vpc_ipv6_cidr_block_association`, and the IPv6 CIDR of an
//! `aws_vpc` or `aws_subnet` (`ipv6_cidr_block`).
//!
//! AWS: an egress-only internet gateway is created attached to the one VPC
//! its `vpc_id` names
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>);
//! a VPC's IPv6 CIDR comes from an association, and the VPC's route tables
//! gain a `local` route for it
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
//!
//! An Amazon-provided IPv6 CIDR is known only after apply. No address of the
//! snapshot lies in it yet, so no flow of the snapshot needs it: it is a
//! warning, not an unresolved value.

use ipnet::Ipv6Net;
use serde_json::Value;

use super::ctx::{get, placeholder, text, unknown, Ctx};
use super::plan::ResourceChange;
use crate::resources::*;

/// Applies one change; returns the ids it edits.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_egress_only_internet_gateway" => egress_only_gateway(cx, rc),
        "aws_vpc_ipv6_cidr_block_association" => association(cx, rc),
        _ => None,
    }
}

/// An IPv6 CIDR attribute; `Err` names a malformed one.
pub(crate) fn cidr6(v: &Value, attr: &str) -> Result<Option<Ipv6Net>, String> {
    match get(v, attr)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(s) => s
            .parse::<Ipv6Net>()
            .map(|n| Some(n.trunc()))
            .map_err(|_| format!("`{s}` is not an IPv6 CIDR")),
    }
}

/// The IPv6 CIDR `attr` of `rc` after apply: `Ok(Some)` when known,
/// `Ok(None)` when unset; a value known only after apply is a warning and
/// `Ok(None)`; a malformed one is `Err`.
pub(crate) fn planned_cidr6(
    cx: &mut Ctx,
    rc: &ResourceChange,
    attr: &str,
) -> Result<Option<Ipv6Net>, String> {
    if unknown(&rc.change.after_unknown, attr) {
        cx.warnings.push(format!(
            "{}: {attr} is known only after apply; no address of the snapshot is in it yet, and IPv6 flows through it are compared once a snapshot holds it",
            rc.address
        ));
        return Ok(None);
    }
    cidr6(&rc.change.after, attr)
}

/// Sets `vpc`'s IPv6 CIDRs from `old` to `new`, with the IPv6 `local`
/// route in each of its route tables.
pub(crate) fn set_vpc_block(cx: &mut Ctx, vpc: &str, old: Option<Ipv6Net>, new: Option<Ipv6Net>) {
    if let Some(v) = cx.snap.vpcs.iter_mut().flatten().find(|v| v.vpc_id == vpc) {
        v.ipv6_cidr_blocks.retain(|b| Some(*b) != old);
        v.ipv6_cidr_blocks
            .extend(new.filter(|n| !v.ipv6_cidr_blocks.contains(n)));
    }
    for t in cx
        .snap
        .route_tables
        .iter_mut()
        .flatten()
        .filter(|t| t.vpc_id == vpc)
    {
        t.routes.retain(|r| {
            !(old.is_some()
                && r.destination_ipv6_cidr_block == old
                && r.gateway_id.as_deref() == Some("local"))
        });
        if let Some(n) = new {
            if !t
                .routes
                .iter()
                .any(|r| r.destination_ipv6_cidr_block == Some(n))
            {
                t.routes
                    .push(Route::to_target(n, "local", "CreateRouteTable"));
            }
        }
    }
}

fn egress_only_gateway(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            if let Some(gws) = cx.snap.egress_only_internet_gateways.as_mut() {
                gws.retain(|g| &g.egress_only_internet_gateway_id != id);
            }
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        // Only tags change in place: `vpc_id` forces a new gateway.
        return Some(old.into_iter().collect());
    }
    let id = text(&c.after, "id").unwrap_or_else(|| placeholder(&rc.resource_type, &rc.address));
    let vpc = cx.need(rc, "vpc_id", &id)?;
    // Without DescribeEgressOnlyInternetGateways in the snapshot every such
    // gateway is unknown already; a new one is not made known by the plan.
    if let Some(gws) = cx.snap.egress_only_internet_gateways.as_mut() {
        gws.push(EgressOnlyInternetGateway {
            egress_only_internet_gateway_id: id.clone(),
            attachments: vec![InternetGatewayAttachment {
                vpc_id: vpc,
                state: "attached".into(),
            }],
            tags: Tags::default(),
        });
    } else {
        cx.warnings.push(format!(
            "{}: the snapshot holds no DescribeEgressOnlyInternetGateways output, so paths through {id} stay unknown",
            rc.address
        ));
    }
    Some(vec![id])
}

fn association(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let before_block = cidr6(&c.before, "ipv6_cidr_block").ok().flatten();
    let before_vpc = text(&c.before, "vpc_id");
    if c.is_delete() || c.is_replace() {
        if let Some(vpc) = &before_vpc {
            set_vpc_block(cx, vpc, before_block, None);
        }
        if c.is_delete() {
            return Some(before_vpc.into_iter().collect());
        }
    }
    let vpc = cx.need(rc, "vpc_id", &rc.address)?;
    let block = match planned_cidr6(cx, rc, "ipv6_cidr_block") {
        Ok(b) => b,
        Err(e) => {
            cx.unresolved(rc, "ipv6_cidr_block", &vpc, &e);
            return Some(vec![vpc]);
        }
    };
    set_vpc_block(cx, &vpc, None, block);
    Some(vec![vpc])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_cidrs_parse_and_truncate() {
        let v = serde_json::json!({"a": "2600:1f18:7000:ff01::10/64", "b": "10.0.0.0/16", "c": ""});
        assert_eq!(
            cidr6(&v, "a").unwrap().unwrap().to_string(),
            "2600:1f18:7000:ff01::/64"
        );
        assert!(cidr6(&v, "b").is_err());
        assert_eq!(cidr6(&v, "c").unwrap(), None);
        assert_eq!(cidr6(&v, "missing").unwrap(), None);
    }
}
