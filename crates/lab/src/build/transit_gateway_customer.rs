//! Customer networks behind a transit gateway (IPv4): each VPN or Direct
//! Connect gateway attachment of a built transit gateway is a link from the
//! gateway's namespace to an "on premises" namespace `<tag>c<n>` holding
//! the networks the gateway's tables route to that attachment. The gateway
//! routes what arrives on the link by the table associated with the
//! attachment (an `ip rule` per link, as for VPC attachments).
//!
//! - VPN: with no tunnel `UP` (or the connection not `available`), the
//!   on-premises side drops everything, both ways, silently.
//! - Direct Connect: the on-premises side sends only to the allowed
//!   prefixes of the gateway's `associated` association with the transit
//!   gateway (what the Direct Connect gateway advertises); none: nothing.
//!
//! The lab's own reading of
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpn-attachments.html>,
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-dcg-attachments.html> and
//! <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use anyhow::Result;
use ipnet::Ipv4Net;
use netpath_model::{Snapshot, TransitGateway};

use crate::netns::Namespaces;

/// The links of one transit gateway's customer attachments, by attachment
/// id: the gateway's device and the on-premises side's address.
pub(super) type CustomerLinks = BTreeMap<String, (String, Ipv4Addr)>;

/// An on-premises namespace and the customer networks it holds.
pub(super) type Side = (String, Vec<Ipv4Net>);

/// Builds the on-premises side of every `available` VPN or Direct Connect
/// gateway attachment of `tgw` (namespace `tns`), numbering links from
/// `*next`. Output: the links, and per built side its namespace and
/// customer networks (for `Lab::outside_namespace`).
///
/// Errors: a failing `ip`, `sysctl` or `nft` command.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    (tgw, tns): (&TransitGateway, &str),
    tag: &str,
    next: &mut usize,
    unsupported: &mut BTreeSet<String>,
) -> Result<(CustomerLinks, Vec<Side>, BTreeSet<String>)> {
    let mut links = CustomerLinks::new();
    let mut sides = Vec::new();
    let mut dx_built = BTreeSet::new();
    let id = tgw.transit_gateway_id.as_str();
    // The VPC CIDRs behind the gateway, and behind the gateways peered
    // with it: what the on-premises side routes to it.
    let mut gateways: BTreeSet<&str> = BTreeSet::from([id]);
    for a in snap
        .transit_gateway_attachments
        .iter()
        .flatten()
        .filter(|a| a.transit_gateway_id == id && a.resource_type == "peering")
    {
        gateways.extend(a.resource_id.as_deref());
    }
    let vpc_cidrs: Vec<Ipv4Net> = snap
        .transit_gateway_vpc_attachments
        .iter()
        .flatten()
        .filter(|a| gateways.contains(a.transit_gateway_id.as_str()) && a.state == "available")
        .filter_map(|a| snap.vpcs.iter().flatten().find(|v| v.vpc_id == a.vpc_id))
        .flat_map(|v| v.cidr_blocks.iter().copied())
        .collect();
    for att in snap
        .transit_gateway_attachments
        .iter()
        .flatten()
        .filter(|a| a.transit_gateway_id == id && a.state == "available")
        .filter(|a| matches!(a.resource_type.as_str(), "vpn" | "direct-connect-gateway"))
    {
        let aid = att.transit_gateway_attachment_id.as_str();
        let resource = att.resource_id.as_deref().unwrap_or_default();
        // The customer networks: every route of the gateway's tables to it.
        let mut nets: Vec<Ipv4Net> = snap
            .transit_gateway_routes
            .iter()
            .flatten()
            .flat_map(|t| &t.routes)
            .filter(|r| r.state == "active")
            .filter(|r| {
                r.transit_gateway_attachments
                    .iter()
                    .any(|x| x.transit_gateway_attachment_id == aid)
            })
            .filter_map(|r| match r.destination_cidr_block {
                Some(ipnet::IpNet::V4(c)) => Some(c),
                _ => None,
            })
            .collect();
        nets.sort();
        nets.dedup();
        if nets.is_empty() {
            unsupported.insert(format!("{aid} with no route to it"));
            continue;
        }
        // Whether it carries traffic, and to which VPC-side addresses.
        let (up, allowed): (bool, Option<Vec<Ipv4Net>>) = if att.resource_type == "vpn" {
            let Some(c) = snap
                .vpn_connections
                .iter()
                .flatten()
                .find(|c| c.vpn_connection_id == resource)
            else {
                unsupported.insert(format!("{aid} whose VPN connection {resource} is absent"));
                continue;
            };
            let up = c.state == "available" && c.vgw_telemetry.iter().any(|t| t.status == "UP");
            (up, None)
        } else {
            let assocs: Vec<_> = snap
                .direct_connect_gateway_associations
                .iter()
                .flatten()
                .filter(|a| {
                    a.direct_connect_gateway_id == resource && a.associated_gateway_id == id
                })
                .collect();
            if assocs.is_empty() {
                unsupported.insert(format!("{aid} whose Direct Connect association is absent"));
                continue;
            }
            dx_built.insert(resource.to_string());
            let live: Vec<_> = assocs
                .iter()
                .filter(|a| a.association_state == "associated")
                .collect();
            let allowed = live
                .iter()
                .flat_map(|a| &a.allowed_prefixes)
                .filter_map(|p| match p {
                    ipnet::IpNet::V4(c) => Some(*c),
                    ipnet::IpNet::V6(_) => None,
                })
                .collect();
            (!live.is_empty(), Some(allowed))
        };
        let k = *next;
        *next += 1;
        let ons = format!("{tag}c{k}");
        ns.add(&ons)?;
        ns.sysctl(&ons, &["net.ipv4.ip_local_port_range=32768 60999"])?;
        let dev = format!("c{k}");
        crate::netns::run(
            "ip",
            &[
                "link", "add", "name", "r0", "netns", &ons, "type", "veth", "peer", "name", &dev,
                "netns", tns,
            ],
            None,
        )?;
        let base = u32::from(Ipv4Addr::new(169, 254, 64, 0)) + 4 * k as u32;
        let (gside, oside) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        ns.ip_batch(
            tns,
            &[
                format!("addr add {gside}/30 dev {dev}"),
                format!("link set {dev} up"),
            ],
        )?;
        let mut lines = vec![
            format!("addr add {oside}/30 dev r0"),
            "link set r0 up".to_string(),
        ];
        for c in &vpc_cidrs {
            lines.push(format!("route replace {c} via {gside} dev r0"));
        }
        ns.ip_batch(&ons, &lines)?;
        if up {
            if let Some(allowed) = &allowed {
                ns.nft(&ons, &super::vpn_gateway::allowed_only(allowed))?;
            }
        } else {
            ns.nft(&ons, super::vpn_gateway::LINK_DOWN)?;
        }
        links.insert(aid.to_string(), (dev, oside));
        sides.push((ons, nets));
    }
    Ok((links, sides, dx_built))
}

/// The customer attachments' links as `gateway_tables` takes them: keyed
/// by (attachment, no zone), and as each attachment's first link.
pub(super) fn as_links(
    customer: &CustomerLinks,
    links: &mut BTreeMap<(String, String), (String, Ipv4Addr)>,
    first_link: &mut HashMap<String, (String, Ipv4Addr)>,
) {
    for (att, l) in customer {
        links.insert((att.clone(), String::new()), l.clone());
        first_link.insert(att.clone(), l.clone());
    }
}

/// The declared on-premises networks (IPv4) that no VPN or transit gateway
/// side of the lab holds: each a namespace `<tag>d<n>` with no way to any
/// VPC (its default route leads into a link that drops everything
/// silently), so a client there times out, as one on a network the VPCs
/// are not connected to does.
///
/// Errors: a failing `ip` command.
pub(super) fn isolated(
    ns: &mut Namespaces,
    snap: &Snapshot,
    tag: &str,
    built: &[Side],
) -> Result<Vec<Side>> {
    let mut out = Vec::new();
    for (n, net) in snap
        .onprem_networks
        .iter()
        .flatten()
        .filter_map(|o| match o.cidr {
            ipnet::IpNet::V4(c) => Some(c),
            ipnet::IpNet::V6(_) => None,
        })
        .filter(|c| {
            !built
                .iter()
                .any(|(_, nets)| nets.iter().any(|x| x.contains(c) || c.contains(x)))
        })
        .enumerate()
    {
        let name = format!("{tag}d{n}");
        ns.add(&name)?;
        ns.sysctl(&name, &["net.ipv4.ip_local_port_range=32768 60999"])?;
        ns.ip_batch(
            &name,
            &[
                "link add r0 type veth peer name r1".to_string(),
                "link set r0 up".to_string(),
                "link set r1 up".to_string(),
                "route add default dev r0".to_string(),
            ],
        )?;
        ns.nft(
            &name,
            "table inet nowhere {\n  chain out {\n    type filter hook output priority 0; policy accept;\n    oifname \"r0\" drop\n  }\n}\n",
        )?;
        out.push((name, vec![net]));
    }
    Ok(out)
}
