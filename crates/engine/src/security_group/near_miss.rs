//! The near miss of a security-group deny: the rule that misses the packet
//! by one thing (the peer, or the port), and what differs, so the answer
//! can say "the peer carries sg-app-v2, not sg-app" instead of only "no
//! rule allows it". Rules match as in the parent module
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>).

use std::net::IpAddr;

use netpath_model::{Direction, IpPermission, IpProtocol, PortRange, SecurityGroup};

use super::{describe_peer, describe_ports, peer_match, ports_match, SgPeer, Tri};
use crate::topology::Topology;

/// The rule of `groups` in `dir` that misses the packet by one thing, for
/// a deny's explanation: one that covers the port but not the peer (a
/// group reference the peer does not carry, a CIDR it is outside), else
/// one that covers the peer but not the port. Output: the rule and what
/// differs, e.g. `sg-db inbound tcp 5432 from sg-app (the peer carries
/// sg-app-v2, not sg-app)`; `None` when no rule is that close.
pub(super) fn near_miss(
    topo: &Topology,
    groups: &[&SecurityGroup],
    dir: Direction,
    peer: &SgPeer,
    ip: IpAddr,
    proto: IpProtocol,
    port: u16,
) -> Option<String> {
    let (dir_word, peer_word) = match dir {
        Direction::Ingress => ("inbound", "from"),
        Direction::Egress => ("outbound", "to"),
    };
    let rule = |sg: &SecurityGroup, p: &IpPermission| {
        format!(
            "{} {dir_word} {} {peer_word} {}",
            sg.group_id,
            describe_ports(p),
            describe_peer(p)
        )
    };
    let what = netpath_model::describe_traffic(proto, PortRange::new(port, port));
    // A group id with its name, as people know it: `sg-0a… (sg-app)`.
    let named = |id: &str| match topo.security_group(id).map(|g| g.group_name.as_str()) {
        Some(n) if !n.is_empty() && n != id => format!("{id} ({n})"),
        _ => id.to_string(),
    };
    let all = || {
        groups
            .iter()
            .flat_map(|sg| sg.permissions(dir).iter().map(move |p| (*sg, p)))
    };
    // Right port, wrong peer.
    if let Some((sg, p)) = all().find(|(sg, p)| {
        ports_match(p, proto, port) && matches!(peer_match(topo, sg, p, ip, peer), Tri::No)
    }) {
        let refs: Vec<String> = p
            .user_id_group_pairs
            .iter()
            .map(|g| named(&g.group_id))
            .collect();
        let why = if !refs.is_empty() && !peer.groups.is_empty() {
            format!(
                "the peer carries {}, not {}",
                peer.groups
                    .iter()
                    .map(|g| named(g))
                    .collect::<Vec<_>>()
                    .join(", "),
                refs.join(", ")
            )
        } else if !refs.is_empty() && p.ip_ranges.is_empty() && p.prefix_list_ids.is_empty() {
            // The address may be an ENI that carries the group, in a VPC the
            // reference does not reach.
            let carrier = peer.addr.as_single().and_then(|ip| {
                topo.enis_with_private_ip(ip).iter().find(|e| {
                    p.user_id_group_pairs
                        .iter()
                        .any(|g| e.groups.iter().any(|x| x == g.group_id))
                        && sg.vpc_id.as_deref() != Some(e.vpc_id.as_str())
                })
            });
            match carrier {
                Some(e) => format!(
                    "{} carries the group, but in {}: a group reference matches across a VPC peering in one Region, or across a transit gateway with security group referencing support on it and on both attachments, never across a transit gateway peering",
                    peer.addr, e.vpc_id
                ),
                None => format!(
                    "a group reference matches only the private addresses of ENIs carrying {}, and {} is none of them",
                    refs.join(", "),
                    peer.addr
                ),
            }
        } else if peer.addr.is_v6() && p.ipv6_ranges.is_empty() && !p.ip_ranges.is_empty() {
            format!(
                "it names IPv4 ranges only, and {} is IPv6: IPv6 peers match Ipv6Ranges",
                peer.addr
            )
        } else if !peer.addr.is_v6() && p.ip_ranges.is_empty() && !p.ipv6_ranges.is_empty() {
            format!(
                "it names IPv6 ranges only, and {} is IPv4: IPv4 peers match IpRanges",
                peer.addr
            )
        } else {
            format!("{} is outside {}", peer.addr, describe_peer(p))
        };
        return Some(format!("{} ({why})", rule(sg, p)));
    }
    // Right peer, wrong port or protocol.
    all()
        .find(|(sg, p)| matches!(peer_match(topo, sg, p, ip, peer), Tri::Yes))
        .map(|(sg, p)| {
            format!(
                "{} (it opens {}, not {what})",
                rule(sg, p),
                describe_ports(p)
            )
        })
}
