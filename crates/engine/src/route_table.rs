//! Route-table selection and lookup.
//!
//! AWS semantics implemented here
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-priority>):
//! - A subnet uses its explicitly associated route table, else the VPC's main
//!   route table.
//! - The most specific route that matches the destination wins (longest
//!   prefix match). On equal prefixes the `local` route wins, then static
//!   routes, then prefix-list routes, then propagated routes.
//! - A route in state `blackhole` drops the packet (its target is gone).
//! - Traffic within one subnet is delivered directly, without a lookup.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};
use netpath_model::{Route, RouteState, RouteTable, Subnet};

use crate::addr::{AddrSet, Quantifier};
use crate::answer::{Decision, Evaluation, ExplanationCode, Matched};
use crate::topology::Topology;

/// The edge route table of gateway `gateway_id` (an internet or virtual
/// private gateway): the table with an `associated` gateway association,
/// which routes the traffic coming in through that gateway; `None` when it
/// has none. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html>.
pub fn edge_route_table<'a>(topo: &Topology<'a>, gateway_id: &str) -> Option<&'a RouteTable> {
    topo.snapshot.route_tables.iter().flatten().find(|rt| {
        rt.associations.iter().any(|a| {
            a.gateway_id.as_deref() == Some(gateway_id)
                && a.state.as_deref().is_none_or(|s| s == "associated")
        })
    })
}

/// The route table that applies to `subnet`, and whether it is explicitly
/// associated (`true`) or the main table (`false`).
///
/// Errors: a sentence naming what is missing (no route-table data at all, or
/// no association and no main table for the VPC).
pub fn route_table_for_subnet<'a>(
    topo: &Topology<'a>,
    subnet: &Subnet,
) -> Result<(&'a RouteTable, bool), String> {
    if let Some(m) = topo.missing(
        topo.snapshot.route_tables.is_some(),
        "ec2:DescribeRouteTables",
        "route tables",
        Some(&subnet.vpc_id),
    ) {
        return Err(m);
    }
    let found = match topo.explicit_route_table(&subnet.subnet_id) {
        Some(rt) => (rt, true),
        None => topo
            .main_route_table(&subnet.vpc_id)
            .map(|rt| (rt, false))
            .ok_or_else(|| {
                format!(
                    "the route table of {} (no association, and no main table for {}){}",
                    subnet.subnet_id,
                    subnet.vpc_id,
                    topo.owner_not_collected(&subnet.vpc_id, "route tables")
                )
            })?,
    };
    match topo.in_doubt(&[&found.0.route_table_id]) {
        Some(m) => Err(m),
        None => Ok(found),
    }
}

/// What a route sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// `local`: inside the VPC.
    Local,
    /// `igw-...`.
    InternetGateway(String),
    /// `pcx-...`.
    VpcPeeringConnection(String),
    /// `nat-...`.
    NatGateway(String),
    /// `eigw-...`: IPv6 out and replies back, never a new connection in.
    EgressOnlyInternetGateway(String),
    /// `tgw-...`.
    TransitGateway(String),
    /// `vgw-...`: a virtual private gateway.
    VpnGateway(String),
    /// `vpce-...`: a gateway or Gateway Load Balancer VPC endpoint.
    VpcEndpoint(String),
    /// Any other target netpath does not follow (transit gateway, virtual
    /// private gateway, ENI, instance, endpoint, ...), with its kind and id.
    Other(&'static str, String),
    /// No target field is set (a blackhole route whose target was deleted).
    None,
}

/// Classifies the target of a route.
pub fn target(route: &Route) -> RouteTarget {
    if let Some(g) = &route.gateway_id {
        return match g.as_str() {
            "local" => RouteTarget::Local,
            g if g.starts_with("igw-") => RouteTarget::InternetGateway(g.to_string()),
            g if g.starts_with("vgw-") => RouteTarget::VpnGateway(g.to_string()),
            g if g.starts_with("vpce-") => RouteTarget::VpcEndpoint(g.to_string()),
            g => RouteTarget::Other("gateway", g.to_string()),
        };
    }
    if let Some(p) = &route.vpc_peering_connection_id {
        return RouteTarget::VpcPeeringConnection(p.clone());
    }
    if let Some(n) = &route.nat_gateway_id {
        return RouteTarget::NatGateway(n.clone());
    }
    if let Some(e) = &route.egress_only_internet_gateway_id {
        return RouteTarget::EgressOnlyInternetGateway(e.clone());
    }
    if let Some(t) = &route.transit_gateway_id {
        return RouteTarget::TransitGateway(t.clone());
    }
    let others: [(&'static str, &Option<String>); 5] = [
        ("network interface", &route.network_interface_id),
        ("instance", &route.instance_id),
        ("local gateway", &route.local_gateway_id),
        ("carrier gateway", &route.carrier_gateway_id),
        ("core network", &route.core_network_arn),
    ];
    for (kind, v) in others {
        if let Some(id) = v {
            return RouteTarget::Other(kind, id.clone());
        }
    }
    RouteTarget::None
}

/// Describes a route as `DEST -> TARGET (state)`.
pub fn describe(route: &Route) -> String {
    let dest = route
        .destination_cidr_block
        .map(|c| c.to_string())
        .or_else(|| route.destination_prefix_list_id.clone())
        .or_else(|| route.destination_ipv6_cidr_block.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".to_string());
    let state = match route.state {
        RouteState::Active => "",
        RouteState::Blackhole => " (blackhole)",
    };
    format!(
        "{dest} -> {}{state}",
        route.target_id().unwrap_or("(no target)")
    )
}

/// The prefixes a route matches: its IPv4 or IPv6 CIDR, or its prefix
/// list's CIDRs. `None` when the route's prefix-list entries are unknown.
fn route_prefixes(topo: &Topology, route: &Route) -> Option<Vec<IpNet>> {
    if let Some(c) = route.destination_cidr_block {
        return Some(vec![IpNet::V4(c)]);
    }
    if let Some(c) = route.destination_ipv6_cidr_block {
        return Some(vec![IpNet::V6(c)]);
    }
    if let Some(pl) = &route.destination_prefix_list_id {
        let cidrs = topo.prefix_list(pl)?.cidrs.as_ref()?;
        return Some(cidrs.clone());
    }
    Some(Vec::new())
}

fn tie_rank(route: &Route) -> u8 {
    if route.gateway_id.as_deref() == Some("local") {
        0
    } else if route.origin.as_deref() == Some("EnableVgwRoutePropagation") {
        3
    } else if route.destination_prefix_list_id.is_some() {
        2
    } else {
        1
    }
}

/// Longest-prefix match of `ip` (IPv4 or IPv6) in `rt`, among the routes of
/// its family. Returns the winning route, or `None` when no route matches.
pub fn lookup<'a>(topo: &Topology, rt: &'a RouteTable, ip: IpAddr) -> Option<&'a Route> {
    rt.routes
        .iter()
        .filter_map(|r| {
            let best = route_prefixes(topo, r)?
                .into_iter()
                .filter(|n| n.contains(&ip))
                .map(|n| n.prefix_len())
                .max()?;
            Some((best, r))
        })
        .max_by(|(la, ra), (lb, rb)| la.cmp(lb).then(tie_rank(rb).cmp(&tie_rank(ra))))
        .map(|(_, r)| r)
}

/// Route prefixes whose entries could not be read, for a missing-data note.
pub fn unknown_prefix_lists(topo: &Topology, rt: &RouteTable) -> Vec<String> {
    rt.routes
        .iter()
        .filter(|r| route_prefixes(topo, r).is_none())
        .filter_map(|r| r.destination_prefix_list_id.clone())
        .collect()
}

/// Looks up every atom of `dest` (see [`AddrSet::atoms`]); returns each
/// representative address with its winning route.
pub fn lookup_set<'a>(
    topo: &Topology,
    rt: &'a RouteTable,
    dest: &AddrSet,
) -> Vec<(IpAddr, Option<&'a Route>)> {
    let cuts: Vec<IpNet> = rt
        .routes
        .iter()
        .filter_map(|r| route_prefixes(topo, r))
        .flatten()
        .collect();
    dest.atoms(cuts.iter())
        .into_iter()
        .map(|ip| (ip, lookup(topo, rt, ip)))
        .collect()
}

/// Judges the route of `dest` in `rt`, the (`explicit`ly associated or main)
/// table of `subnet_id`. Output: the common [`Evaluation`], the explanation
/// code for a deny, and the chosen route's target when the route is usable.
/// Longest prefix wins; a blackhole route drops; an address set the table
/// routes differently by address is unknown; no route is a deny unless a
/// prefix-list route whose entries are missing might match (unknown).
pub(crate) fn judge(
    topo: &Topology,
    rt: &RouteTable,
    explicit: bool,
    subnet_id: &str,
    dest: &AddrSet,
) -> RouteJudgement {
    let how = if explicit {
        "explicitly associated"
    } else {
        "main"
    };
    let results = lookup_set(topo, rt, dest);
    let first = results[0].1;
    let uniform = results.iter().all(|(_, r)| {
        std::ptr::eq(
            r.map_or(std::ptr::null(), |r| r as *const _),
            first.map_or(std::ptr::null(), |r| r as *const _),
        )
    });
    if !uniform && dest.quantifier() == Quantifier::OneOf {
        return RouteJudgement::unknown(
            format!(
                "{} ({how}) routes {dest} differently depending on the exact address",
                rt.route_table_id
            ),
            vec![format!("the exact address of {dest}")],
        );
    }
    // For `Every` sets, the first atom without a usable route decides.
    let chosen = if uniform {
        first
    } else {
        results
            .iter()
            .find(|(_, r)| r.is_none())
            .map_or(first, |(_, r)| *r)
    };
    let Some(route) = chosen else {
        let unknown_pl = unknown_prefix_lists(topo, rt);
        if !unknown_pl.is_empty() {
            return RouteJudgement::unknown(
                format!(
                    "no CIDR route of {} matches {dest}; prefix-list routes could not be checked",
                    rt.route_table_id
                ),
                unknown_pl
                    .into_iter()
                    .map(|p| format!("entries of prefix list {p}"))
                    .collect(),
            );
        }
        // No route: the packet is dropped
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
        return RouteJudgement {
            evaluation: Evaluation {
                near_miss: near_route(topo, rt, subnet_id, dest),
                decision: Decision::Deny,
                detail: format!(
                    "{} ({how} route table of {subnet_id}) has no route to {dest}",
                    rt.route_table_id
                ),
                matched: None,
                missing: Vec::new(),
            },
            code: Some(ExplanationCode::NoRouteToDestination),
            target: None,
        };
    };
    let matched = Matched {
        text: describe(route),
        destination: route
            .destination_cidr_block
            .map(|c| c.to_string())
            .or_else(|| route.destination_ipv6_cidr_block.map(|c| c.to_string()))
            .or_else(|| route.destination_prefix_list_id.clone()),
        target: route.target_id().map(str::to_string),
        ..Matched::default()
    };
    if route.state == RouteState::Blackhole {
        // A blackhole route's target is gone: it still matches, and drops
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
        return RouteJudgement {
            evaluation: Evaluation {
                near_miss: near_route(topo, rt, subnet_id, dest),
                decision: Decision::Deny,
                detail: format!("{} ({how}) sends {dest} to {}, a blackhole route: its target no longer exists, so packets are dropped", rt.route_table_id, matched.text),
                matched: Some(matched),
                missing: Vec::new(),
            },
            code: Some(ExplanationCode::BadStateRoute),
            target: None,
        };
    }
    RouteJudgement {
        evaluation: Evaluation {
            near_miss: None,
            decision: Decision::Allow,
            detail: format!(
                "{} ({how}) routes {dest} via {}",
                rt.route_table_id, matched.text
            ),
            matched: Some(matched),
            missing: Vec::new(),
        },
        code: None,
        target: Some(target(route)),
    }
}

/// The route that came closest, when `rt` (the table `subnet_id` uses)
/// drops `dest`: another table of the same VPC whose longest-prefix route
/// for `dest` is active and not `local`, named with the subnets that use it
/// (a subnet uses its explicitly associated table, else the main table:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html>; the
/// route is right but on the wrong table); else a route of `rt` for an
/// adjacent prefix (longest prefix match needs the destination inside it:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html>).
fn near_route(topo: &Topology, rt: &RouteTable, subnet_id: &str, dest: &AddrSet) -> Option<String> {
    let ip = dest.starts().into_iter().next()?;
    other_table(topo, rt, subnet_id, dest, ip).or_else(|| adjacent_route(rt, dest, ip))
}

/// A usable route of `rt` itself for a neighbouring prefix (sharing at
/// least the first 16 bits with `ip`), the closest first, with the prefix
/// that would cover both: a route for the peer's old or partial range.
/// Only for one address: a set is routed by its own atoms.
fn adjacent_route(rt: &RouteTable, dest: &AddrSet, ip: IpAddr) -> Option<String> {
    let ip: Ipv4Addr = dest.as_single_v4().filter(|a| IpAddr::V4(*a) == ip)?;
    let shared = |n: &Ipv4Net| (u32::from(n.network()) ^ u32::from(ip)).leading_zeros();
    let (net, r) = rt
        .routes
        .iter()
        .filter(|r| r.state != RouteState::Blackhole && r.gateway_id.as_deref() != Some("local"))
        .filter_map(|r| Some((r.destination_cidr_block?, r)))
        .filter(|(n, _)| !n.contains(&ip) && shared(n) >= 16)
        .max_by_key(|(n, _)| shared(n))?;
    let covering = Ipv4Net::new(ip, shared(&net).min(u32::from(net.prefix_len())) as u8)
        .ok()?
        .trunc();
    Some(format!(
        "{} routes {net} via {}, next to {ip} but not containing it ({covering} would cover both)",
        rt.route_table_id,
        describe(r)
    ))
}

/// Another table of `rt`'s VPC whose longest-prefix route for `ip` is
/// usable, named with the subnets that use it.
fn other_table(
    topo: &Topology,
    rt: &RouteTable,
    subnet_id: &str,
    dest: &AddrSet,
    ip: IpAddr,
) -> Option<String> {
    topo.snapshot
        .route_tables
        .iter()
        .flatten()
        .filter(|o| o.vpc_id == rt.vpc_id && o.route_table_id != rt.route_table_id)
        .find_map(|o| {
            let r = lookup(topo, o, ip)?;
            (r.state != RouteState::Blackhole && r.gateway_id.as_deref() != Some("local"))
                .then_some((o, r))
        })
        .map(|(o, r)| {
            let users: Vec<&str> = o
                .associations
                .iter()
                .filter_map(|a| a.subnet_id.as_deref())
                .collect();
            let whose = if o.associations.iter().any(|a| a.main) {
                "the main table".to_string()
            } else if users.is_empty() {
                "a table no subnet uses".to_string()
            } else {
                format!("the table of {}", users.join(", "))
            };
            format!(
                "{} ({whose}) routes {dest} via {}, but {subnet_id} uses {}",
                o.route_table_id,
                describe(r),
                rt.route_table_id
            )
        })
}

/// What [`judge`] decided: the common evaluation, the explanation code of a
/// deny, and the target of a usable route.
pub(crate) struct RouteJudgement {
    pub evaluation: Evaluation,
    pub code: Option<ExplanationCode>,
    pub target: Option<RouteTarget>,
}

impl RouteJudgement {
    fn unknown(detail: String, missing: Vec<String>) -> RouteJudgement {
        RouteJudgement {
            evaluation: Evaluation {
                near_miss: None,
                decision: Decision::Unknown,
                detail,
                matched: None,
                missing,
            },
            code: None,
            target: None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Longest prefix wins; a blackhole route still matches (and drops)
    //! (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
    use std::net::Ipv4Addr;

    use netpath_model::RouteState;

    use super::*;
    use crate::test_fixtures::load;
    use crate::topology::Topology;

    #[test]
    fn longest_prefix_wins_and_blackhole_drops() {
        let s = load("peering-deleted-blackhole");
        let topo = Topology::new(&s);
        let rt = topo.route_table("rtb-0b0000000000000a01").unwrap();
        let r = lookup(&topo, rt, Ipv4Addr::new(10, 20, 1, 10).into()).unwrap();
        assert_eq!(
            r.destination_cidr_block.unwrap().to_string(),
            "10.20.0.0/16"
        );
        assert_eq!(r.state, RouteState::Blackhole);
        let r = lookup(&topo, rt, Ipv4Addr::new(10, 10, 9, 9).into()).unwrap();
        assert_eq!(r.gateway_id.as_deref(), Some("local"));
        assert!(lookup(&topo, rt, Ipv4Addr::new(8, 8, 8, 8).into()).is_none());
    }

    #[test]
    fn a_subnet_without_an_explicit_association_uses_the_main_table() {
        let s = load("war-story-sg-drift");
        let topo = Topology::new(&s);
        for subnet in s.subnets.iter().flatten() {
            let (rt, explicit) = route_table_for_subnet(&topo, subnet).unwrap();
            assert_eq!(
                explicit,
                topo.explicit_route_table(&subnet.subnet_id).is_some()
            );
            if !explicit {
                assert_eq!(
                    Some(rt.route_table_id.as_str()),
                    topo.main_route_table(&subnet.vpc_id)
                        .map(|r| r.route_table_id.as_str())
                );
            }
        }
    }
}
