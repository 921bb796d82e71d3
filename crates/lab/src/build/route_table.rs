//! Route tables as policy routing on the VPC router: `ip rule iif <subnet
//! bridge> lookup <table of the subnet's route table>` (its explicit
//! association, else the VPC's main table); `local` becomes the VPC's
//! subnet routes, blackhole routes `blackhole` routes, and no matching route
//! a silent drop. Traffic arriving over a peering or from an internet
//! gateway is delivered by the VPC's own subnet routes only (peering is not
//! transitive), unless the internet gateway has an edge route table (a
//! gateway association), which then routes its IPv4 traffic.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>,
//! <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>

use std::collections::{BTreeSet, HashMap};

use ipnet::IpNet;
use netpath_model::{RouteState, RouteTable, Subnet};

use super::gateway_load_balancer_endpoint::Appliances;
use super::internet_gateway::Gateways;
use super::transit_gateway::TgwPorts;
use super::vpc_endpoint::GatewayEndpoints;
use super::vpc_peering_connection::PeerLink;
use super::vpn_gateway::VpnLinks;

/// One VPC as its router sees it.
pub(super) struct VpcRouter<'s, 'a> {
    /// Its router index `v` (links `g<v>`, table `50 + v`).
    pub v: usize,
    /// `VpcId`.
    pub vpc_id: &'a str,
    /// Its subnets: bridge index and subnet.
    pub subnets: &'s [(usize, &'a Subnet)],
    /// Its peering links.
    pub peer_links: &'s [PeerLink],
    /// The transit gateways' attachment interfaces.
    pub tgw: &'s TgwPorts,
    /// The VPN gateways' links.
    pub vpn: &'s VpnLinks,
    /// The gateway VPC endpoints' links.
    pub endpoints: &'s GatewayEndpoints,
    /// The Gateway Load Balancer endpoints' links.
    pub appliances: &'s Appliances,
}

/// The `ip -batch` lines of one VPC router's routing, IPv4 then IPv6 (run
/// with `ip -6 -batch`): the local table (`50 + v`) for traffic from
/// peerings and the gateway, a table per route table of the VPC (`100 +`
/// its position in `route_tables`), and the rule selecting each subnet's
/// table. Routes to targets the lab does not build are noted in
/// `unsupported` and left out (a silent drop). An IPv6 route is looked up
/// among IPv6 routes only, as AWS does (each family its own longest match).
pub(super) fn lines(
    vpc: &VpcRouter,
    route_tables: &[&RouteTable],
    gateways: &Gateways,
    unsupported: &mut BTreeSet<String>,
) -> (Vec<String>, Vec<String>) {
    let v = vpc.v;
    let table: HashMap<&str, usize> = route_tables
        .iter()
        .enumerate()
        .map(|(i, r)| (r.route_table_id.as_str(), 100 + i))
        .collect();
    // A table with a route to a transit gateway is built once per
    // Availability Zone of the VPC: the gateway is entered through the
    // attachment interface in the sending subnet's zone
    // (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>).
    let zones: Vec<&str> = {
        let mut z: Vec<&str> = vpc
            .subnets
            .iter()
            .filter_map(|(_, s)| s.availability_zone.as_deref())
            .collect();
        z.sort_unstable();
        z.dedup();
        z
    };
    let has_tgw = |rt: &RouteTable| rt.routes.iter().any(|r| r.transit_gateway_id.is_some());
    let zoned = |base: usize, zone: Option<&str>| match zone
        .and_then(|z| zones.iter().position(|x| *x == z))
    {
        Some(zi) => 10_000 + (base - 100) * 32 + zi + 1,
        None => base,
    };
    let vsubs: Vec<(usize, IpNet)> = vpc
        .subnets
        .iter()
        .flat_map(|(i, s)| {
            std::iter::once((*i, IpNet::V4(s.cidr_block)))
                .chain(s.ipv6_cidr_blocks.iter().map(move |c| (*i, IpNet::V6(*c))))
        })
        .collect();
    let (mut four, mut six): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let mut push = |dest: &IpNet, line: String| match dest {
        IpNet::V4(_) => four.push(line),
        IpNet::V6(_) => six.push(line),
    };
    let any4: IpNet = "0.0.0.0/0".parse().expect("static");
    let any6: IpNet = "::/0".parse().expect("static");
    let local_table = 50 + v;
    // Traffic arriving over a peering: the VPC's own subnets only.
    for (i, c) in &vsubs {
        push(c, format!("route add {c} dev b{i} table {local_table}"));
    }
    for any in [&any4, &any6] {
        push(
            any,
            format!("route add blackhole default table {local_table}"),
        );
    }
    for l in vpc.peer_links {
        for any in [&any4, &any6] {
            push(
                any,
                format!("rule add iif p{} lookup {local_table} priority 100", l.k),
            );
        }
    }
    // Replies from an AWS service behind a gateway endpoint are delivered
    // by local routes.
    for (w, dev, ..) in vpc.endpoints.links.values() {
        if *w == v {
            push(
                &any4,
                format!("rule add iif {dev} lookup {local_table} priority 100"),
            );
        }
    }
    // Traffic in from a VPN gateway is delivered by local routes.
    for dev in vpc.vpn.router_links(v) {
        push(
            &any4,
            format!("rule add iif {dev} lookup {local_table} priority 100"),
        );
    }
    // Traffic in from the internet (or egress-only) gateway is delivered by
    // local routes.
    if gateways.linked(v) {
        for any in [&any4, &any6] {
            push(
                any,
                format!("rule add iif g{v} lookup {local_table} priority 100"),
            );
        }
    }
    let variants: Vec<(&&RouteTable, Option<&str>)> = route_tables
        .iter()
        .filter(|r| r.vpc_id == vpc.vpc_id)
        .flat_map(|rt| {
            if has_tgw(rt) {
                zones.iter().map(|z| (rt, Some(*z))).collect::<Vec<_>>()
            } else {
                vec![(rt, None)]
            }
        })
        .collect();
    for (rt, zone) in variants {
        let t = zoned(table[rt.route_table_id.as_str()], zone);
        for any in [&any4, &any6] {
            push(
                any,
                format!("route add blackhole default metric 65535 table {t}"),
            );
        }
        // `local` first: a route more specific than it (to a middlebox)
        // may name a subnet's own CIDR, which `local` becomes here, and
        // must win over it.
        let mut routes: Vec<_> = rt.routes.iter().collect();
        routes.sort_by_key(|r| r.gateway_id.as_deref() != Some("local"));
        for r in routes {
            let dest = match (r.destination_cidr_block, r.destination_ipv6_cidr_block) {
                (Some(d), _) => IpNet::V4(d),
                (None, Some(d)) => IpNet::V6(d),
                (None, None) => {
                    // A gateway endpoint's route: every CIDR of its
                    // service's prefix list over the endpoint's link.
                    let link = r
                        .gateway_id
                        .as_ref()
                        .filter(|_| r.state == RouteState::Active)
                        .and_then(|g| vpc.endpoints.links.get(g))
                        .filter(|(w, ..)| *w == v);
                    match link {
                        Some((_, dev, via, cidrs)) => {
                            for c in cidrs {
                                push(
                                    &IpNet::V4(*c),
                                    format!("route replace {c} via {via} dev {dev} table {t}"),
                                );
                            }
                        }
                        None if r.destination_prefix_list_id.is_some() => {
                            unsupported
                                .insert(format!("prefix-list route in {}", rt.route_table_id));
                        }
                        None => {}
                    }
                    continue;
                }
            };
            if r.state == RouteState::Blackhole {
                push(&dest, format!("route replace blackhole {dest} table {t}"));
                continue;
            }
            if r.gateway_id.as_deref() == Some("local") {
                push(&dest, format!("route replace blackhole {dest} table {t}"));
                for (i, c) in &vsubs {
                    if dest.contains(c) {
                        push(&dest, format!("route replace {c} dev b{i} table {t}"));
                    }
                }
                continue;
            }
            // A Gateway Load Balancer endpoint: over the link to its
            // appliances (`gateway_load_balancer_endpoint.rs`).
            if let (Some(g), IpNet::V4(_)) = (r.gateway_id.as_deref(), dest) {
                if vpc.appliances.down.contains(g) {
                    push(&dest, format!("route replace blackhole {dest} table {t}"));
                    continue;
                }
                if let Some((w, dev, via, _)) = vpc.appliances.links.get(g) {
                    if *w == v {
                        push(
                            &dest,
                            format!("route replace {dest} via {via} dev {dev} table {t}"),
                        );
                        continue;
                    }
                }
            }
            if let Some(pcx) = &r.vpc_peering_connection_id {
                let line = match vpc.peer_links.iter().find(|l| l.id == *pcx) {
                    Some(l) if dest.addr().is_ipv6() => {
                        format!("route replace {dest} via {} dev p{} table {t}", l.via6, l.k)
                    }
                    Some(l) => format!("route replace {dest} via {} dev p{} table {t}", l.via, l.k),
                    None => format!("route replace blackhole {dest} table {t}"),
                };
                push(&dest, line);
                continue;
            }
            if let Some(tgw) = &r.transit_gateway_id {
                let hop = zone.and_then(|z| match dest {
                    IpNet::V4(_) => vpc
                        .tgw
                        .next_hop(tgw, vpc.vpc_id, z)
                        .map(|(a, b)| (a.to_string(), b)),
                    IpNet::V6(_) => vpc
                        .tgw
                        .next_hop6(tgw, vpc.vpc_id, z)
                        .map(|(a, b)| (a.to_string(), b)),
                });
                let line = match hop {
                    Some((addr, b)) => {
                        format!("route replace {dest} via {addr} dev b{b} table {t}")
                    }
                    // No attachment subnet in the zone: the gateway is out of reach.
                    None => format!("route replace blackhole {dest} table {t}"),
                };
                push(&dest, line);
                continue;
            }
            if let (Some((w, dev, via)), IpNet::V4(_)) = (
                r.gateway_id.as_ref().and_then(|g| vpc.vpn.links.get(g)),
                dest,
            ) {
                if *w == v {
                    push(
                        &dest,
                        format!("route replace {dest} via {via} dev {dev} table {t}"),
                    );
                    continue;
                }
            }
            let gateway = r
                .gateway_id
                .as_ref()
                .or(r.egress_only_internet_gateway_id.as_ref());
            let via = match dest {
                IpNet::V4(_) => gateway
                    .and_then(|g| gateways.links.get(g))
                    .map(|(w, a)| (*w, a.to_string())),
                IpNet::V6(_) => gateway
                    .and_then(|g| gateways.links6.get(g))
                    .map(|(w, a)| (*w, a.to_string())),
            };
            if let Some((w, via)) = via {
                if w == v {
                    push(
                        &dest,
                        format!("route replace {dest} via {via} dev g{v} table {t}"),
                    );
                    continue;
                }
            }
            unsupported.insert(format!(
                "route {dest} -> {} in {}",
                r.target_id().unwrap_or("?"),
                rt.route_table_id
            ));
        }
    }
    // An internet gateway's edge route table (a gateway association)
    // routes IPv4 traffic in from it, ahead of the local table
    // (<https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html>).
    for (igw, (w, _)) in &gateways.links {
        if *w != v {
            continue;
        }
        let edge = route_tables.iter().find(|r| {
            r.vpc_id == vpc.vpc_id
                && r.associations.iter().any(|a| {
                    a.gateway_id.as_deref() == Some(igw.as_str())
                        && a.state.as_deref().is_none_or(|s| s == "associated")
                })
        });
        if let Some(rt) = edge {
            let t = zoned(table[rt.route_table_id.as_str()], None);
            push(&any4, format!("rule add iif g{v} lookup {t} priority 90"));
        }
    }
    let main = route_tables
        .iter()
        .find(|r| r.vpc_id == vpc.vpc_id && r.associations.iter().any(|a| a.main));
    // What comes back from a Gateway Load Balancer endpoint's appliances
    // leaves by its subnet's route table.
    let links = vpc.appliances.links_of(v, vpc.subnets);
    let ports = vpc
        .subnets
        .iter()
        .map(|(i, s)| (format!("b{i}"), *s))
        .chain(links);
    for (dev, subnet) in ports {
        let sid = subnet.subnet_id.as_str();
        let rt = route_tables
            .iter()
            .find(|r| {
                r.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(sid))
            })
            .or(main);
        match rt {
            Some(rt) => {
                let zone = subnet.availability_zone.as_deref().filter(|_| has_tgw(rt));
                let t = zoned(table[rt.route_table_id.as_str()], zone);
                for any in [&any4, &any6] {
                    push(any, format!("rule add iif {dev} lookup {t} priority 100"));
                }
            }
            None => {
                unsupported.insert(format!("subnet {sid} has no route table"));
            }
        }
    }
    (four, six)
}
