//! Transit gateways: one forwarding namespace per transit gateway,
//! and for each VPC attachment one namespace per attachment subnet, the
//! attachment's interface in that subnet (a port of the subnet's bridge,
//! with the subnet's router as the way into the VPC, and a veth to the
//! transit gateway as the way out of it).
//!
//! - The VPC router sends a packet routed to `tgw-…` to the attachment
//!   interface in the source subnet's Availability Zone, through that
//!   attachment subnet's bridge, so the attachment subnet's network ACL
//!   sees it inbound; with no attachment subnet in the zone the route is a
//!   blackhole (`route_table.rs`).
//! - The transit gateway selects the route table by ingress link: `ip rule
//!   iif <link of attachment A in zone z> lookup <table of A's associated
//!   route table, zone z>`. A table holds the static routes, and the CIDRs
//!   of the VPCs whose attachments propagate into it (a static route wins a
//!   tie), blackholes as `blackhole`, and a blackhole default; an
//!   attachment with no association meets the blackhole table.
//! - A route to attachment B goes out through B's interface in zone z, or,
//!   with none there, B's first subnet; from it the packet enters B's VPC by
//!   its router (the attachment subnet's ACL outbound, the destination
//!   subnet's inbound), or straight over the bridge when the destination is
//!   in the attachment subnet itself, where no ACL sees it.
//!
//! - IPv6 the same way, by `ip -6` rules and tables: an attachment
//!   interface in a subnet with an IPv6 CIDR also holds an IPv6 address
//!   there. A VPC attachment propagates its VPC's IPv6 CIDRs only with its
//!   `Ipv6Support` option `enable` ("IPv6 routes do not propagate" when
//!   disabled, and the option "does not filter IPv6 traffic":
//!   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html>).
//!   Peering, VPN and Direct Connect links stay IPv4: an IPv6 route to one
//!   is noted as unsupported.
//!
//! Everything is read from the snapshot here, with the lab's own reading of
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>,
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html> and
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html>.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::Result;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netpath_model::{NetworkInterface, Snapshot, Subnet, TransitGatewayVpcAttachment};

use super::snapshot_index::SnapshotIndex;
use super::vpc::{first_host, first_host6};
use crate::netns::Namespaces;

/// The attachment interfaces of the transit gateways, by VPC, for the VPC
/// routers' tables (`route_table.rs`).
#[derive(Debug, Default)]
pub(super) struct TgwPorts {
    /// (transit gateway id, VPC id) → per Availability Zone, the
    /// interface's address and its subnet's bridge index.
    pub ports: HashMap<(String, String), BTreeMap<String, (Ipv4Addr, usize)>>,
    /// The same for IPv6: the interfaces whose subnet has an IPv6 CIDR.
    pub ports6: HashMap<(String, String), BTreeMap<String, (Ipv6Addr, usize)>>,
    /// The on-premises sides of VPN and Direct Connect attachments: the
    /// namespace and its customer networks (`transit_gateway_customer.rs`).
    pub customer: Vec<(String, Vec<Ipv4Net>)>,
    /// The Direct Connect gateways whose side was built.
    pub direct_connect: BTreeSet<String>,
}

impl TgwPorts {
    /// True when `ip` is the address of an attachment interface built here
    /// (the snapshot's `transit_gateway` interface is not built as an ENI).
    pub(super) fn holds(&self, ip: Ipv4Addr) -> bool {
        self.ports
            .values()
            .flat_map(|z| z.values())
            .any(|(a, _)| *a == ip)
    }

    /// The next hop for a route to `tgw` from a subnet of `vpc` in `zone`:
    /// the attachment interface there, or `None` (the AZ rule: dropped).
    pub(super) fn next_hop(&self, tgw: &str, vpc: &str, zone: &str) -> Option<(Ipv4Addr, usize)> {
        self.ports
            .get(&(tgw.to_string(), vpc.to_string()))
            .and_then(|z| z.get(zone))
            .copied()
    }

    /// [`TgwPorts::next_hop`] for an IPv6 route.
    pub(super) fn next_hop6(&self, tgw: &str, vpc: &str, zone: &str) -> Option<(Ipv6Addr, usize)> {
        self.ports6
            .get(&(tgw.to_string(), vpc.to_string()))
            .and_then(|z| z.get(zone))
            .copied()
    }
}

/// True for an attachment that carries traffic.
fn available(a: &TransitGatewayVpcAttachment) -> bool {
    a.state == "available"
}

/// The snapshot's own `transit_gateway` interface of `attachment` in
/// `subnet`, if it lists one.
fn own_interface<'s>(
    snap: &'s Snapshot,
    subnet: &Subnet,
    attachment: &str,
) -> Option<&'s NetworkInterface> {
    snap.network_interfaces
        .iter()
        .flatten()
        .filter(|e| e.subnet_id == subnet.subnet_id)
        .filter(|e| e.interface_type.as_deref() == Some("transit_gateway"))
        .find(|e| e.description.contains(attachment))
}

/// An address for the attachment's interface in `subnet`: its own
/// interface's ([`own_interface`]), else the highest host address no
/// interface holds (AWS reserves the last one).
fn port_address(snap: &Snapshot, subnet: &Subnet, attachment: &str) -> Option<Ipv4Addr> {
    if let Some(ip) = own_interface(snap, subnet, attachment).and_then(|e| e.primary_ip()) {
        return Some(ip);
    }
    let enis = || snap.network_interfaces.iter().flatten();
    let used: BTreeSet<Ipv4Addr> = enis()
        .flat_map(|e| e.private_ip_addresses.iter().map(|p| p.private_ip_address))
        .collect();
    let net: Ipv4Net = subnet.cidr_block;
    let last = u32::from(net.broadcast());
    (1..=16)
        .map(|d| Ipv4Addr::from(last - d))
        .find(|a| !used.contains(a) && net.contains(a) && *a != first_host(&net))
}

/// The IPv6 address of the attachment's interface in `subnet` (whose first
/// IPv6 CIDR is `net`): its own interface's ([`own_interface`]), else the
/// highest address of `net` no interface holds.
fn port_address6(
    snap: &Snapshot,
    subnet: &Subnet,
    net: &Ipv6Net,
    attachment: &str,
) -> Option<Ipv6Addr> {
    if let Some(ip) =
        own_interface(snap, subnet, attachment).and_then(|e| e.ipv6_addresses.first().copied())
    {
        return Some(ip);
    }
    let used: BTreeSet<Ipv6Addr> = snap
        .network_interfaces
        .iter()
        .flatten()
        .flat_map(|e| e.ipv6_addresses.iter().copied())
        .collect();
    let last = u128::from(net.broadcast());
    (1..=16)
        .map(|d| Ipv6Addr::from(last - d))
        .find(|a| !used.contains(a) && net.contains(a))
}

/// Builds every available transit gateway of the snapshot and its VPC
/// attachments' interfaces. Output: the interfaces, for the VPC routers.
///
/// Errors: a failing `ip` or `sysctl` command.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
    tag: &str,
    unsupported: &mut BTreeSet<String>,
) -> Result<TgwPorts> {
    let mut out = TgwPorts::default();
    let vpc_atts: Vec<&TransitGatewayVpcAttachment> = snap
        .transit_gateway_vpc_attachments
        .iter()
        .flatten()
        .filter(|a| available(a))
        .collect();
    let mut link = 0usize;
    let mut customer_links = 0usize;
    // Per built gateway: (id, namespace, links, first links); the tables
    // are written once the peering links exist.
    let mut gateways: Vec<(String, String, Links, FirstLinks, Links6)> = Vec::new();
    for (t, tgw) in snap
        .transit_gateways
        .iter()
        .flatten()
        .filter(|t| t.state == "available")
        .enumerate()
    {
        let tns = format!("{tag}t{t}");
        ns.add(&tns)?;
        ns.sysctl(&tns, FORWARD)?;
        // Per (attachment, zone): the link on the gateway and the
        // interface's address on it.
        let mut links: Links = BTreeMap::new();
        let mut first_link: FirstLinks = HashMap::new();
        // The same links' IPv6 addresses on the interface side.
        let mut links6: Links6 = BTreeMap::new();
        for a in vpc_atts
            .iter()
            .filter(|a| a.transit_gateway_id == tgw.transit_gateway_id)
        {
            let Some(&v) = idx.vpc_index.get(a.vpc_id.as_str()) else {
                continue;
            };
            let Some(vpc) = snap.vpcs.iter().flatten().find(|x| x.vpc_id == a.vpc_id) else {
                continue;
            };
            for sid in &a.subnet_ids {
                let Some(&s) = idx.subnet_index.get(sid.as_str()) else {
                    continue;
                };
                let subnet = idx.subnets[s];
                let Some(zone) = subnet.availability_zone.clone() else {
                    unsupported.insert(format!(
                        "attachment subnet {sid} without an Availability Zone"
                    ));
                    continue;
                };
                let Some(addr) = port_address(snap, subnet, &a.transit_gateway_attachment_id)
                else {
                    unsupported.insert(format!(
                        "no free address in {sid} for {}",
                        a.transit_gateway_attachment_id
                    ));
                    continue;
                };
                let k = link;
                link += 1;
                let (g, p) = tgw_link(k);
                let pns = format!("{tag}x{k}");
                ns.add(&pns)?;
                ns.sysctl(&pns, FORWARD)?;
                // The interface in the subnet: a port of the bridge.
                crate::netns::run(
                    "ip",
                    &[
                        "link",
                        "add",
                        "name",
                        "eth0",
                        "netns",
                        &pns,
                        "type",
                        "veth",
                        "peer",
                        "name",
                        &format!("x{k}"),
                        "netns",
                        &routers[v],
                    ],
                    None,
                )?;
                ns.ip_batch(
                    &routers[v],
                    &[
                        format!("link set x{k} master b{s}"),
                        format!("link set x{k} up"),
                    ],
                )?;
                // The router forwards to the interface through its own
                // subnet's bridge; no redirect may let a host bypass it (and
                // the subnet's ACL) afterwards.
                ns.sysctl(
                    &routers[v],
                    &[
                        &format!("net.ipv4.conf.b{s}.send_redirects=0"),
                        "net.ipv4.conf.all.send_redirects=0",
                    ],
                )?;
                // The link to the transit gateway.
                crate::netns::run(
                    "ip",
                    &[
                        "link",
                        "add",
                        "name",
                        "t0",
                        "netns",
                        &pns,
                        "type",
                        "veth",
                        "peer",
                        "name",
                        &format!("a{k}"),
                        "netns",
                        &tns,
                    ],
                    None,
                )?;
                let mut lines = vec![
                    format!(
                        "addr add {addr}/{} dev eth0",
                        subnet.cidr_block.prefix_len()
                    ),
                    "link set eth0 up".to_string(),
                    format!("addr add {p}/30 dev t0"),
                    "link set t0 up".to_string(),
                    // Out of the VPC: the transit gateway.
                    format!("route add default via {g} dev t0"),
                ];
                // Into the VPC: its router (its own subnet is on the link).
                for c in vpc.cidr_blocks.iter().filter(|c| **c != subnet.cidr_block) {
                    lines.push(format!(
                        "route add {c} via {} dev eth0",
                        first_host(&subnet.cidr_block)
                    ));
                }
                ns.ip_batch(&pns, &lines)?;
                ns.ip_batch(
                    &tns,
                    &[
                        format!("addr add {g}/30 dev a{k}"),
                        format!("link set a{k} up"),
                    ],
                )?;
                // IPv6, where the subnet has an IPv6 CIDR: the same ways,
                // over a link of fd02:<k>::/64.
                let v6 = subnet.ipv6_cidr_blocks.first().and_then(|net| {
                    Some((
                        net,
                        port_address6(snap, subnet, net, &a.transit_gateway_attachment_id)?,
                    ))
                });
                if let Some((net, addr6)) = v6 {
                    let (g6, p6) = tgw_link6(k);
                    let mut six = vec![
                        format!("addr add {addr6}/{} dev eth0 nodad", net.prefix_len()),
                        format!("addr add {p6}/64 dev t0 nodad"),
                        format!("route add default via {g6} dev t0"),
                    ];
                    for c in vpc.ipv6_cidr_blocks.iter() {
                        six.push(format!("route add {c} via {} dev eth0", first_host6(net)));
                    }
                    ns.ip_batch6(&pns, &six)?;
                    ns.ip_batch6(&tns, &[format!("addr add {g6}/64 dev a{k} nodad")])?;
                    out.ports6
                        .entry((tgw.transit_gateway_id.clone(), a.vpc_id.clone()))
                        .or_default()
                        .entry(zone.clone())
                        .or_insert((addr6, s));
                    links6.insert(
                        (a.transit_gateway_attachment_id.clone(), zone.clone()),
                        (format!("a{k}"), p6),
                    );
                }
                out.ports
                    .entry((tgw.transit_gateway_id.clone(), a.vpc_id.clone()))
                    .or_default()
                    .entry(zone.clone())
                    .or_insert((addr, s));
                links.insert(
                    (a.transit_gateway_attachment_id.clone(), zone),
                    (format!("a{k}"), p),
                );
                first_link
                    .entry(a.transit_gateway_attachment_id.clone())
                    .or_insert((format!("a{k}"), p));
            }
        }
        let (customer, sides, dx) = super::transit_gateway_customer::build(
            ns,
            snap,
            (tgw, &tns),
            tag,
            &mut customer_links,
            unsupported,
        )?;
        super::transit_gateway_customer::as_links(&customer, &mut links, &mut first_link);
        out.customer.extend(sides);
        out.direct_connect.extend(dx);
        gateways.push((
            tgw.transit_gateway_id.clone(),
            tns,
            links,
            first_link,
            links6,
        ));
    }
    let built: HashMap<String, String> = gateways
        .iter()
        .map(|(id, tns, ..)| (id.clone(), tns.clone()))
        .collect();
    let ends = super::transit_gateway_peering::build(ns, snap, &built, unsupported)?;
    for (id, tns, mut links, mut first_link, links6) in gateways {
        // A peering end is an attachment link with no zone.
        for (_, att, dev, via) in ends.iter().filter(|e| e.0 == id) {
            links.insert((att.clone(), String::new()), (dev.clone(), *via));
            first_link.insert(att.clone(), (dev.clone(), *via));
        }
        let (lines, lines6) = gateway_tables(snap, &id, &links, &first_link, &links6, unsupported);
        ns.ip_batch(&tns, &lines)?;
        ns.ip_batch6(&tns, &lines6)?;
    }
    Ok(out)
}

/// The sysctls of a transit gateway's and an attachment interface's
/// namespace: forwarding both families, IPv6 addresses usable at once.
const FORWARD: &[&str] = &[
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv6.conf.all.accept_dad=0",
    "net.ipv6.conf.default.accept_dad=0",
];

/// Per (attachment, zone): the link on the gateway and the attachment
/// side's IPv4 address on it (a peering or customer link has no zone).
type Links = BTreeMap<(String, String), (String, Ipv4Addr)>;

/// Per attachment: its first link, for a zone it has no link in.
type FirstLinks = HashMap<String, (String, Ipv4Addr)>;

/// [`Links`] with the attachment side's IPv6 address: VPC attachments'
/// links in a subnet with an IPv6 CIDR only.
type Links6 = BTreeMap<(String, String), (String, Ipv6Addr)>;

/// The two IPv6 addresses of transit gateway link `k`: the gateway's and
/// the attachment interface's (fd02:<k>::/64).
fn tgw_link6(k: usize) -> (Ipv6Addr, Ipv6Addr) {
    let k = u16::try_from(k).unwrap_or(u16::MAX);
    (
        Ipv6Addr::new(0xfd02, k, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xfd02, k, 0, 0, 0, 0, 0, 2),
    )
}

/// The two addresses of transit gateway link `k`: the gateway's and the
/// attachment interface's (169.254.128.0/17, a /30 each).
fn tgw_link(k: usize) -> (Ipv4Addr, Ipv4Addr) {
    let base = u32::from(Ipv4Addr::new(169, 254, 128, 0)) + 4 * k as u32;
    (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2))
}

/// Gateway `tgw`'s policy routing: one table per (ingress link), holding the
/// routes of the route table its attachment is associated with, out through
/// the target attachment's link in the same zone (else its first). Output:
/// the `ip -batch` lines for IPv4 and for IPv6 (`links6`: the links with an
/// IPv6 side; an IPv6 route to any other is unsupported and left out).
fn gateway_tables(
    snap: &Snapshot,
    tgw: &str,
    links: &Links,
    first_link: &FirstLinks,
    links6: &Links6,
    unsupported: &mut BTreeSet<String>,
) -> (Vec<String>, Vec<String>) {
    let (mut lines, mut lines6) = (Vec::new(), Vec::new());
    let association: HashMap<&str, &str> = snap
        .transit_gateway_attachments
        .iter()
        .flatten()
        // This gateway's records: a peering attachment is listed on both
        // gateways under one id, each side with its own association.
        .filter(|a| a.transit_gateway_id == tgw)
        .filter_map(|a| {
            let x = a.association.as_ref().filter(|x| x.state == "associated")?;
            Some((
                a.transit_gateway_attachment_id.as_str(),
                x.transit_gateway_route_table_id.as_str(),
            ))
        })
        .collect();
    // An attachment's first link with an IPv6 side.
    let first6 = |att: &str| links6.iter().find(|((a, _), _)| a == att).map(|(_, l)| l);
    for (n, ((att, zone), (dev, _))) in links.iter().enumerate() {
        let table = 200 + n;
        lines.push(format!("route add blackhole default table {table}"));
        lines.push(format!("rule add iif {dev} lookup {table} priority 100"));
        lines6.push(format!("route add blackhole default table {table}"));
        lines6.push(format!("rule add iif {dev} lookup {table} priority 100"));
        let Some(rtb) = association.get(att.as_str()) else {
            continue;
        };
        for (cidr, target) in table_routes(snap, rtb) {
            let line = match (cidr, target) {
                (_, None) => format!("route replace blackhole {cidr} table {table}"),
                (IpNet::V4(_), Some(to)) => match links
                    .get(&(to.clone(), zone.clone()))
                    .or_else(|| first_link.get(&to))
                {
                    Some((out_dev, via)) => {
                        format!("route replace {cidr} via {via} dev {out_dev} table {table}")
                    }
                    None => format!("route replace blackhole {cidr} table {table}"),
                },
                (IpNet::V6(_), Some(to)) => {
                    match links6
                        .get(&(to.clone(), zone.clone()))
                        .or_else(|| first6(&to))
                    {
                        Some((out_dev, via)) => {
                            format!("route replace {cidr} via {via} dev {out_dev} table {table}")
                        }
                        None if links.keys().any(|(a, _)| *a == to) => {
                            unsupported.insert(format!(
                                "IPv6 route {cidr} of {rtb} to {to} (a link without IPv6 in the lab)"
                            ));
                            continue;
                        }
                        None => format!("route replace blackhole {cidr} table {table}"),
                    }
                }
            };
            match cidr {
                IpNet::V4(_) => lines.push(line),
                IpNet::V6(_) => lines6.push(line),
            }
        }
    }
    (lines, lines6)
}

/// The routes of transit gateway route table `rtb`, both families:
/// destination and target attachment (`None`: blackhole). Its listed
/// routes (static before propagated on the same prefix), then the CIDRs of
/// the VPCs whose attachments propagate into it where no listed route has
/// the same prefix: their IPv4 CIDRs, and their IPv6 CIDRs when the
/// attachment's IPv6 support is enabled.
fn table_routes(snap: &Snapshot, rtb: &str) -> Vec<(IpNet, Option<String>)> {
    let mut out: BTreeMap<IpNet, (bool, Option<String>)> = BTreeMap::new();
    for t in snap
        .transit_gateway_routes
        .iter()
        .flatten()
        .filter(|t| t.transit_gateway_route_table_id == rtb)
    {
        for r in &t.routes {
            let Some(c) = r.destination_cidr_block else {
                continue;
            };
            let target = match r.state.as_str() {
                "blackhole" => None,
                "active" => r
                    .transit_gateway_attachments
                    .first()
                    .map(|a| a.transit_gateway_attachment_id.clone()),
                _ => continue,
            };
            let is_static = r.route_type == "static";
            match out.get(&c) {
                Some((true, _)) if !is_static => {}
                _ => {
                    out.insert(c, (is_static, target));
                }
            }
        }
    }
    for p in snap
        .transit_gateway_propagations
        .iter()
        .flatten()
        .filter(|p| p.transit_gateway_route_table_id == rtb)
        .flat_map(|p| &p.propagations)
        .filter(|p| p.state == "enabled" && p.resource_type.as_deref() == Some("vpc"))
    {
        let Some(vpc) = snap
            .vpcs
            .iter()
            .flatten()
            .find(|v| Some(v.vpc_id.as_str()) == p.resource_id.as_deref())
        else {
            continue;
        };
        let ipv6 = snap
            .transit_gateway_vpc_attachments
            .iter()
            .flatten()
            .find(|a| a.transit_gateway_attachment_id == p.transit_gateway_attachment_id)
            .is_some_and(|a| a.ipv6_support.as_deref() == Some("enable"));
        let cidrs = vpc.cidr_blocks.iter().map(|c| IpNet::V4(*c)).chain(
            vpc.ipv6_cidr_blocks
                .iter()
                .filter(|_| ipv6)
                .map(|c| IpNet::V6(*c)),
        );
        for c in cidrs {
            out.entry(c)
                .or_insert((false, Some(p.transit_gateway_attachment_id.clone())));
        }
    }
    out.into_iter().map(|(c, (_, t))| (c, t)).collect()
}
