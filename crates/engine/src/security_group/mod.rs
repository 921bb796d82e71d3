//! Security-group evaluation.
//!
//! AWS semantics implemented here
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>):
//! - Rules only allow. The groups on an ENI act as one: the union of all their
//!   rules. Traffic no rule allows is dropped silently.
//! - Groups are stateful: the reply to an allowed request is allowed whatever
//!   the rules say, so only the request direction is evaluated.
//! - Protocol `-1` means every protocol and port.
//! - A rule whose peer is a security group matches the **private** IPv4
//!   addresses of the ENIs carrying that group, never their public IPs, and
//!   their IPv6 addresses (which are not translated).
//! - IPv4 peers match `IpRanges` only and IPv6 peers `Ipv6Ranges` only; a
//!   prefix list's entries of the packet's family.
//! - A reference to a group in a peered VPC works only across an `active`
//!   peering in the same region
//!   (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html>).
//! - A prefix-list peer matches the CIDRs of that list
//!   (<https://docs.aws.amazon.com/vpc/latest/userguide/managed-prefix-lists.html>).

use std::net::IpAddr;

use ipnet::IpNet;
use netpath_model::{icmp_keys, IpPermission, IpProtocol, PortRange, SecurityGroup};

use netpath_model::Direction;

use crate::addr::{AddrSet, Quantifier};
use crate::answer::{Decision, Evaluation, Matched};
use crate::topology::Topology;

mod near_miss;
use near_miss::near_miss;

/// The other end of the packet, as a security group sees it.
#[derive(Debug, Clone)]
pub struct SgPeer<'p> {
    /// The peer's address(es) as they appear in the packet.
    pub addr: &'p AddrSet,
    /// Groups of the peer ENI, when `addr` is that ENI's private IP; empty for
    /// public or outside addresses, which group references never match.
    pub groups: &'p [String],
    /// VPC of the peer ENI, when it is one.
    pub vpc_id: Option<&'p str>,
}

enum Tri {
    Yes,
    No,
    Maybe(String),
}

/// True when rule `p` covers `port` of `proto`. For ICMP, `port` is the
/// message's key (`type × 256 + code`, see [`netpath_model::IcmpMessage`])
/// and the rule's `FromPort` is the type, `ToPort` the code, -1 for all
/// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>).
fn ports_match(p: &IpPermission, proto: IpProtocol, port: u16) -> bool {
    match p.ip_protocol {
        IpProtocol::All => true,
        rp if rp == proto && matches!(rp, IpProtocol::Icmp | IpProtocol::Icmpv6) => {
            icmp_keys(p.from_port, p.to_port).contains(port)
        }
        rp if rp == proto => {
            let from = p.from_port.filter(|v| *v >= 0).unwrap_or(0);
            let to = p.to_port.filter(|v| *v >= 0).unwrap_or(65535);
            (from..=to).contains(&i32::from(port))
        }
        _ => false,
    }
}

/// The port range a rule covers: `FromPort..=ToPort` for TCP/UDP (a missing
/// or `-1` bound is open; values are clamped to 0-65535), every port for any
/// other protocol (`-1` means all traffic).
pub fn permission_ports(p: &IpPermission) -> PortRange {
    if matches!(p.ip_protocol, IpProtocol::Icmp | IpProtocol::Icmpv6) {
        return icmp_keys(p.from_port, p.to_port);
    }
    if !p.ip_protocol.has_ports() {
        return PortRange::ALL;
    }
    let clamp = |v: Option<i32>, open: u16| {
        v.filter(|v| *v >= 0)
            .map_or(open, |v| u16::try_from(v.min(65535)).unwrap_or(65535))
    };
    let from = clamp(p.from_port, 0);
    PortRange::new(from, clamp(p.to_port, 65535).max(from))
}

/// Describes a rule's protocol and ports, e.g. `tcp 5432` or `all traffic`.
pub fn describe_ports(p: &IpPermission) -> String {
    match p.ip_protocol {
        IpProtocol::All => "all traffic".to_string(),
        proto if proto.has_ports() => {
            let from = p.from_port.filter(|v| *v >= 0).unwrap_or(0);
            let to = p.to_port.filter(|v| *v >= 0).unwrap_or(65535);
            if from == to {
                format!("{proto} {from}")
            } else {
                format!("{proto} {from}-{to}")
            }
        }
        IpProtocol::Icmp | IpProtocol::Icmpv6 => {
            let t = p.from_port.filter(|v| *v >= 0);
            let c = p.to_port.filter(|v| *v >= 0);
            match (t, c) {
                (None, _) => format!("{} all", p.ip_protocol),
                (Some(t), None) => format!("{} type {t}", p.ip_protocol),
                (Some(t), Some(c)) => format!("{} type {t} code {c}", p.ip_protocol),
            }
        }
        proto => proto.to_string(),
    }
}

/// True when a group reference from a rule of `sg` can match an ENI in
/// `peer_vpc`: the same VPC, a VPC joined by an active peering in the same
/// region (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html>),
/// or one joined by a transit gateway with security group referencing
/// enabled on it and on both VPC attachments
/// (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>).
fn reference_usable(topo: &Topology, sg: &SecurityGroup, peer_vpc: Option<&str>) -> bool {
    let (Some(own), Some(peer)) = (sg.vpc_id.as_deref(), peer_vpc) else {
        return true;
    };
    if own == peer || topo.tgw.references_between(own, peer) {
        return true;
    }
    topo.peerings_between(own, peer).iter().any(|p| {
        p.is_active()
            && match (&p.requester_vpc_info.region, &p.accepter_vpc_info.region) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    })
}

/// True when the snapshot lacks the transit gateway data that decides
/// whether a group reference matches across one (gateways or VPC
/// attachments not read) and a route table of either VPC sends to a
/// transit gateway.
fn tgw_data_missing(topo: &Topology, a: &str, b: &str) -> bool {
    let snap = topo.snapshot;
    (snap.transit_gateways.is_none() || snap.transit_gateway_vpc_attachments.is_none())
        && snap.route_tables.iter().flatten().any(|rt| {
            (rt.vpc_id == a || rt.vpc_id == b)
                && rt.routes.iter().any(|r| r.transit_gateway_id.is_some())
        })
}

fn peer_match(
    topo: &Topology,
    sg: &SecurityGroup,
    p: &IpPermission,
    ip: IpAddr,
    peer: &SgPeer,
) -> Tri {
    let in_ranges = match ip {
        IpAddr::V4(a) => p.ip_ranges.iter().any(|n| n.contains(&a)),
        IpAddr::V6(a) => p.ipv6_ranges.iter().any(|n| n.contains(&a)),
    };
    if in_ranges {
        return Tri::Yes;
    }
    if p.user_id_group_pairs
        .iter()
        .any(|g| peer.groups.contains(&g.group_id) && reference_usable(topo, sg, peer.vpc_id))
    {
        return Tri::Yes;
    }
    let mut maybe = None;
    // A reference to a group the snapshot does not hold (another account's,
    // not collected) and a private address that is no ENI of the snapshot:
    // whether that address carries the group is not known. Cross-account
    // references match across a same-region peering
    // (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html>).
    if peer.vpc_id.is_none() && crate::addr::is_private_ip(ip) {
        if let Some(g) = p
            .user_id_group_pairs
            .iter()
            .find(|g| topo.security_group(&g.group_id).is_none())
        {
            let owner = g
                .user_id
                .as_deref()
                .filter(|u| Some(*u) != sg.owner_id.as_deref());
            maybe = Some(match owner {
                Some(u) => format!(
                    "the ENIs carrying {u}/{} (referenced by {}), to tell whether {ip} is one: account {u} is not in the snapshot; collect it, or `netpath merge` its snapshot",
                    g.group_id, sg.group_id
                ),
                None => format!(
                    "the ENIs carrying {} (referenced by {}), to tell whether {ip} is one: that group is not in the snapshot",
                    g.group_id, sg.group_id
                ),
            });
        }
    }
    // Across VPCs joined by a transit gateway whose data is missing, whether
    // the reference matches is unknown, not a no.
    if let (Some(own), Some(peer_vpc)) = (sg.vpc_id.as_deref(), peer.vpc_id) {
        if p.user_id_group_pairs
            .iter()
            .any(|g| peer.groups.contains(&g.group_id))
            && own != peer_vpc
            && tgw_data_missing(topo, own, peer_vpc)
        {
            maybe = Some(format!(
                "transit gateway data (whether a reference in {} matches across a transit gateway from {peer_vpc})",
                sg.group_id
            ));
        }
    }
    for pl in &p.prefix_list_ids {
        match topo.prefix_list(pl).and_then(|l| l.cidrs.as_ref()) {
            Some(cidrs) => {
                if cidrs.iter().any(|c| c.contains(&ip)) {
                    return Tri::Yes;
                }
            }
            None => {
                maybe = Some(format!(
                    "entries of prefix list {pl} (used by {})",
                    sg.group_id
                ))
            }
        }
    }
    match maybe {
        Some(m) => Tri::Maybe(m),
        None => Tri::No,
    }
}

/// The CIDRs of every rule in `groups` for `dir`, to cut an address set into atoms.
fn cuts(topo: &Topology, groups: &[&SecurityGroup], dir: Direction) -> Vec<IpNet> {
    let mut out = Vec::new();
    for sg in groups {
        for p in sg.permissions(dir) {
            out.extend(p.ip_ranges.iter().copied().map(IpNet::V4));
            out.extend(p.ipv6_ranges.iter().copied().map(IpNet::V6));
            for pl in &p.prefix_list_ids {
                if let Some(cidrs) = topo.prefix_list(pl).and_then(|l| l.cidrs.as_ref()) {
                    out.extend(cidrs.iter().copied());
                }
            }
        }
    }
    out
}

fn describe_peer(p: &IpPermission) -> String {
    let mut parts: Vec<String> = p.ip_ranges.iter().map(|n| n.to_string()).collect();
    parts.extend(p.ipv6_ranges.iter().map(|n| n.to_string()));
    parts.extend(p.user_id_group_pairs.iter().map(|g| g.group_id.clone()));
    parts.extend(p.prefix_list_ids.iter().cloned());
    if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(", ")
    }
}

/// Evaluates the security groups `group_ids` of one ENI in `dir` for a packet
/// with protocol `proto` and destination port `port` (units: TCP/UDP port).
///
/// `interface_type` is the ENI's `InterfaceType`: ENIs with no groups that are
/// not plain `interface`s (NAT gateways, for instance) are not filtered.
/// Returns allow when any rule of any group allows; unknown when none does and
/// a group's definition or a prefix list's entries are missing; deny otherwise.
pub fn evaluate(
    topo: &Topology,
    group_ids: &[String],
    interface_type: Option<&str>,
    dir: Direction,
    peer: &SgPeer,
    proto: IpProtocol,
    port: u16,
) -> Evaluation {
    let what = netpath_model::describe_traffic(proto, PortRange::new(port, port));
    let dir_word = match dir {
        Direction::Ingress => "inbound",
        Direction::Egress => "outbound",
    };
    let own_vpc = group_ids
        .iter()
        .find_map(|g| topo.security_group(g))
        .and_then(|g| g.vpc_id.as_deref());
    let ids: Vec<&str> = group_ids.iter().map(String::as_str).collect();
    if let Some(m) = topo
        .missing(
            topo.snapshot.security_groups.is_some(),
            "ec2:DescribeSecurityGroups",
            "security groups",
            own_vpc,
        )
        .or_else(|| topo.in_doubt(&ids))
    {
        let detail = if topo.snapshot.security_groups.is_none() {
            "the snapshot holds no security groups, so this cannot be decided".to_string()
        } else {
            format!("the security groups could not all be read ({m}), so this cannot be decided")
        };
        return Evaluation {
            near_miss: None,
            decision: Decision::Unknown,
            matched: None,
            missing: vec![m],
            detail,
        };
    }
    if group_ids.is_empty() {
        let filtered = interface_type.is_none_or(|t| t == "interface");
        return Evaluation {
            near_miss: None,
            decision: if filtered {
                Decision::Deny
            } else {
                Decision::Allow
            },
            matched: None,
            missing: Vec::new(),
            detail: if filtered {
                "the interface has no security groups, so nothing is allowed".to_string()
            } else {
                format!(
                    "security groups do not apply to {} interfaces",
                    interface_type.unwrap_or("?")
                )
            },
        };
    }
    let defined: Vec<&SecurityGroup> = group_ids
        .iter()
        .filter_map(|g| topo.security_group(g))
        .collect();
    let undefined: Vec<String> = group_ids
        .iter()
        .filter(|g| topo.security_group(g).is_none())
        .cloned()
        .collect();
    let atoms = peer.addr.atoms(cuts(topo, &defined, dir).iter());
    let mut results = Vec::with_capacity(atoms.len());
    for ip in &atoms {
        let mut allowed = None;
        let mut maybe = Vec::new();
        'groups: for sg in &defined {
            for p in sg.permissions(dir) {
                if !ports_match(p, proto, port) {
                    continue;
                }
                match peer_match(topo, sg, p, *ip, peer) {
                    Tri::Yes => {
                        allowed = Some(Matched {
                            text: format!(
                                "{} {dir_word} {} {} {}",
                                sg.group_id,
                                describe_ports(p),
                                if dir == Direction::Ingress {
                                    "from"
                                } else {
                                    "to"
                                },
                                describe_peer(p)
                            ),
                            group_id: Some(sg.group_id.clone()),
                            ..Matched::default()
                        });
                        break 'groups;
                    }
                    Tri::Maybe(m) => maybe.push(m),
                    Tri::No => {}
                }
            }
        }
        results.push((allowed, maybe));
    }
    let all_allow = results.iter().all(|(a, _)| a.is_some());
    let none_allow = results.iter().all(|(a, _)| a.is_none());
    let peer_word = if dir == Direction::Ingress {
        "from"
    } else {
        "to"
    };
    let groups_text = group_ids.join(", ");
    if all_allow {
        return Evaluation {
            near_miss: None,
            decision: Decision::Allow,
            matched: results.into_iter().next().and_then(|(a, _)| a),
            missing: Vec::new(),
            detail: format!(
                "{groups_text} allow {what} {dir_word} {peer_word} {}",
                peer.addr
            ),
        };
    }
    let mut missing: Vec<String> = undefined
        .iter()
        .map(|g| format!("definition of security group {g}"))
        .collect();
    for (_, m) in &results {
        for x in m {
            if !missing.contains(x) {
                missing.push(x.clone());
            }
        }
    }
    if none_allow {
        if missing.is_empty() {
            // Say so when a group reference would match but cannot cross VPCs.
            let unusable = defined.iter().find_map(|sg| {
                sg.permissions(dir)
                    .iter()
                    .filter(|p| ports_match(p, proto, port))
                    .find_map(|p| {
                        p.user_id_group_pairs
                            .iter()
                            .find(|g| {
                                peer.groups.contains(&g.group_id)
                                    && !reference_usable(topo, sg, peer.vpc_id)
                            })
                            .map(|g| {
                                (
                                    sg.group_id.clone(),
                                    g.group_id.clone(),
                                    sg.vpc_id.clone().unwrap_or_default(),
                                )
                            })
                    })
            });
            let cross_vpc = unusable.is_some();
            let near = match unusable {
                Some((sg, g, vpc)) => Some(format!(
                    "{sg} admits group {g}, which the peer carries, but the peer is in {} and no active same-region peering joins it to {vpc}, so the reference does not match",
                    peer.vpc_id.unwrap_or("?")
                )),
                None => atoms
                    .first()
                    .and_then(|ip| near_miss(topo, &defined, dir, peer, *ip, proto, port)),
            };
            let why = match (&near, cross_vpc) {
                (Some(n), true) => format!("; {n}"),
                (Some(n), false) => format!("; nearest rule: {n}"),
                (None, _) => String::new(),
            };
            return Evaluation {
                near_miss: near,
                decision: Decision::Deny,
                matched: None,
                missing,
                detail: format!(
                    "no {dir_word} rule of {groups_text} allows {what} {peer_word} {}{why}",
                    peer.addr
                ),
            };
        }
        return Evaluation {
            near_miss: None,
            decision: Decision::Unknown,
            matched: None,
            detail: format!(
                "no known {dir_word} rule of {groups_text} allows {what} {peer_word} {}, but {} is missing",
                peer.addr,
                missing.join(", ")
            ),
            missing,
        };
    }
    // Split: some addresses of the peer set are allowed, others not.
    let allowed_from: Vec<String> = atoms
        .iter()
        .zip(&results)
        .filter(|(_, (a, _))| a.is_some())
        .map(|(ip, _)| ip.to_string())
        .collect();
    match peer.addr.quantifier() {
        Quantifier::Every => Evaluation {
            near_miss: None,
            decision: Decision::Deny,
            matched: None,
            missing: Vec::new(),
            detail: format!(
                "{groups_text} allow {what} {dir_word} only for part of {} (e.g. {}); pass --from <IP> to check one client",
                peer.addr,
                allowed_from.join(", ")
            ),
        },
        Quantifier::OneOf => Evaluation {
            near_miss: None,
            decision: Decision::Unknown,
            matched: None,
            missing: vec![format!("the exact address of the peer ({})", peer.addr)],
            detail: format!(
                "{groups_text} allow {what} {dir_word} for some addresses of {} but not others",
                peer.addr
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    //! A group reference matches the private IPs of the group's members only
    //! (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>).
    use std::net::Ipv4Addr;

    use netpath_model::IpProtocol;

    use super::*;
    use crate::addr::AddrSet;
    use crate::answer::Decision;
    use crate::test_fixtures::load;
    use crate::topology::Topology;

    #[test]
    fn group_reference_matches_private_ips_only() {
        let s = load("war-story-sg-drift");
        let topo = Topology::new(&s);
        let groups = vec!["sg-0a00000000000d001".to_string()];
        let member = vec!["sg-0a00000000000a001".to_string()];
        let private = AddrSet::single(Ipv4Addr::new(10, 0, 1, 10));
        let public = AddrSet::single(Ipv4Addr::new(203, 0, 113, 9));
        let ev = |addr: &AddrSet, peer_groups: &[String]| {
            evaluate(
                &topo,
                &groups,
                None,
                Direction::Ingress,
                &SgPeer {
                    addr,
                    groups: peer_groups,
                    vpc_id: Some("vpc-0a1b2c3d4e5f60001"),
                },
                IpProtocol::Tcp,
                5432,
            )
            .decision
        };
        assert_eq!(ev(&private, &member), Decision::Allow);
        // The same ENI seen by its public address (no group context) does not match.
        assert_eq!(ev(&public, &[]), Decision::Deny);
    }
}
