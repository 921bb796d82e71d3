//! Security groups: nftables in the ENI's namespace. Each hook starts with
//! `ct state established,related accept` (groups are stateful: the reply to
//! an allowed request passes whatever the rules say), then one accept per
//! rule and peer, then drops (rules only allow; the groups on an ENI act as
//! the union of their rules).
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>

use std::collections::BTreeSet;
use std::fmt::Write;

use netpath_model::{IpPermission, IpProtocol, NetworkInterface, Snapshot};

use super::nftables::{
    addr_match, icmp_match, proto_match, FLOW_KEY, FLOW_SET, NEIGHBOUR_DISCOVERY,
};
use super::snapshot_index::SnapshotIndex;
use super::vpc_peering_connection::group_reference_vpcs;

/// The destination ports a rule covers, inclusive: `FromPort..=ToPort` for
/// TCP and UDP, where an absent bound or `-1` leaves that side open (so
/// both absent, or both `-1`, mean every port); `None` when the rule's
/// range is empty (`FromPort` above `ToPort`, which AWS does not accept).
/// Protocol `-1` (all traffic) and protocols without ports cover every port.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>
fn rule_ports(p: &IpPermission) -> Option<(u16, u16)> {
    if !p.ip_protocol.has_ports() {
        return Some((0, 65535));
    }
    let bound = |v: Option<i32>, open: u16| match v {
        Some(v) if v >= 0 => u16::try_from(v).unwrap_or(65535),
        _ => open,
    };
    let (from, to) = (bound(p.from_port, 0), bound(p.to_port, 65535));
    (from <= to).then_some((from, to))
}

/// The addresses a group reference to `group_id` matches, from a rule
/// enforced in `vpc`: every private IPv4 address and every IPv6 address of
/// every ENI whose `Groups` include the group, in `vpc` or a VPC joined to it
/// by an active same-region peering (never their public IPv4 addresses).
/// <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>,
/// <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html>
fn group_members(snap: &Snapshot, vpc: &str, group_id: &str) -> Vec<String> {
    let vpcs = group_reference_vpcs(snap, vpc);
    snap.network_interfaces
        .iter()
        .flatten()
        .filter(|m| m.groups.iter().any(|g| g == group_id) && vpcs.contains(m.vpc_id.as_str()))
        .flat_map(|m| {
            m.private_ip_addresses
                .iter()
                .map(|p| p.private_ip_address.to_string())
                .chain(m.ipv6_addresses.iter().map(|a| a.to_string()))
        })
        .collect()
}

/// The nftables script (`table inet sg`) for `eni`'s groups. An ENI with no
/// group that is not of type `interface` (a service's interface) filters
/// nothing. Groups, prefix lists and rules the lab cannot build are added
/// to `unsupported` and build no accept.
pub(super) fn script(
    snap: &Snapshot,
    idx: &SnapshotIndex,
    eni: &NetworkInterface,
    unsupported: &mut BTreeSet<String>,
) -> String {
    let mut script = String::from("table inet sg {\n");
    // Sets of the five-tuples seen by the lab's flow logs (`flow_log.rs`):
    // every TCP or UDP packet the ENI receives or sends, and every one its
    // groups drop.
    for set in ["seen_in", "seen_out", "sg_in", "sg_out"] {
        let _ = writeln!(script, "  set {set} {{ {FLOW_SET}; }}");
    }
    for (chain, hook, egress) in [("in", "input", false), ("out", "output", true)] {
        let lo = if egress {
            "oif lo accept"
        } else {
            "iif lo accept"
        };
        let _ = writeln!(
            script,
            "  chain {chain} {{\n    type filter hook {hook} priority 0; policy drop;\n    {lo}\n    {NEIGHBOUR_DISCOVERY}\n    meta l4proto {{ tcp, udp }} add @seen_{chain} {FLOW_KEY}\n    ct state established,related accept"
        );
        let filtered = !eni.groups.is_empty()
            || eni.interface_type.as_deref().unwrap_or("interface") == "interface";
        if !filtered {
            let _ = writeln!(script, "    accept");
        }
        for g in &eni.groups {
            let Some(sg) = idx.security_group(g) else {
                unsupported.insert(format!("security group {g} (not in the snapshot)"));
                continue;
            };
            let perms = if egress {
                &sg.ip_permissions_egress
            } else {
                &sg.ip_permissions
            };
            for p in perms {
                let Some(ports) = rule_ports(p) else {
                    unsupported.insert(format!("a rule of {g} with FromPort above ToPort"));
                    continue;
                };
                let m = match p.ip_protocol {
                    IpProtocol::Icmp | IpProtocol::Icmpv6 => {
                        icmp_match(p.ip_protocol, p.from_port, p.to_port)
                    }
                    proto => proto_match(proto, Some(ports)),
                };
                let dir = if egress { "daddr" } else { "saddr" };
                // IPv4 peers match IPv4 packets only, IPv6 peers IPv6 ones.
                let mut peers: Vec<String> = p.ip_ranges.iter().map(|c| c.to_string()).collect();
                peers.extend(p.ipv6_ranges.iter().map(|c| c.to_string()));
                for pair in &p.user_id_group_pairs {
                    peers.extend(group_members(snap, &eni.vpc_id, &pair.group_id));
                }
                for pl in &p.prefix_list_ids {
                    match idx.prefix_list(pl) {
                        Some(l) => peers.extend(l.cidrs.iter().flatten().map(|c| c.to_string())),
                        None => {
                            unsupported.insert(format!("prefix list {pl}"));
                        }
                    }
                }
                for peer in peers {
                    let _ = writeln!(script, "    {} {m} accept", addr_match(dir, &peer));
                }
            }
        }
        let _ = writeln!(
            script,
            "    meta l4proto {{ tcp, udp }} add @sg_{chain} {FLOW_KEY} drop\n  }}"
        );
    }
    script.push_str("}\n");
    script
}
