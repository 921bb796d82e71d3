//! Network ACLs: stateless nftables chains on the VPC router's forward hook.
//! A packet from a subnet's bridge meets the subnet's outbound entries, a
//! packet to a subnet's bridge its inbound entries, each in ascending rule
//! number, first match wins, and the `*` entry (or running off the end)
//! drops. Traffic between two ENIs of one subnet is bridged and never meets
//! an ACL.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use netpath_model::{IpProtocol, NetworkAcl, RuleAction, Snapshot, Subnet};

use super::nftables::{
    acl_set, addr_match, icmp_match, proto_match, FLOW_KEY, FLOW_SET, NEIGHBOUR_DISCOVERY,
};

/// The network ACL that filters `subnet`: the ACL whose
/// `Associations[].SubnetId` names it, else its VPC's default ACL
/// (`IsDefault`): every subnet is associated with exactly one network ACL,
/// and a subnet with no explicit association uses the VPC's default ACL. A
/// snapshot naming one subnet in several ACLs is therefore inconsistent; the
/// first in snapshot order is taken (likewise for several default ACLs in
/// one VPC). `None` when neither exists.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceNetworkAclAssociation.html>
pub(super) fn network_acl_for_subnet<'a>(
    snap: &'a Snapshot,
    subnet: &Subnet,
) -> Option<&'a NetworkAcl> {
    let acls = || snap.network_acls.iter().flatten();
    acls()
        .find(|a| a.associated_subnet_ids.contains(&subnet.subnet_id))
        .or_else(|| acls().find(|a| a.is_default && a.vpc_id == subnet.vpc_id))
}

/// The nftables script (`table inet acl`) of one VPC router: a `<acl>_in`
/// and `<acl>_out` chain per ACL used by its `subnets` (router bridge index
/// and subnet), jumped to from the forward hook per bridge, the same for
/// each of its `links` (a device on the router that stands in a subnet's
/// boundary: a Gateway Load Balancer endpoint's), and an input
/// hook that drops (the router, like AWS's, answers no TCP itself). A
/// subnet with no ACL is noted in `unsupported` and left unfiltered.
pub(super) fn script(
    snap: &Snapshot,
    subnets: &[(usize, &Subnet)],
    links: &[(String, &Subnet)],
    unsupported: &mut BTreeSet<String>,
) -> String {
    let mut chains: BTreeMap<String, (&Subnet, &NetworkAcl)> = BTreeMap::new();
    let mut fwd_out = String::new();
    let mut fwd_in = String::new();
    let ports = subnets
        .iter()
        .map(|(i, s)| (format!("b{i}"), *s))
        .chain(links.iter().map(|(d, s)| (d.clone(), *s)));
    for (dev, subnet) in ports {
        match network_acl_for_subnet(snap, subnet) {
            Some(acl) => {
                // One chain pair per subnet bridge (the same entries for
                // subnets sharing an ACL), so that a counted drop names
                // the subnet as well as the ACL.
                let name = format!("{}_{dev}", acl.network_acl_id.replace('-', "_"));
                let _ = writeln!(fwd_out, "    iifname \"{dev}\" jump {name}_out");
                let _ = writeln!(fwd_in, "    oifname \"{dev}\" jump {name}_in");
                chains.insert(name, (subnet, acl));
            }
            None => {
                unsupported.insert(format!(
                    "the network ACL of {} (no association, and no default ACL for {})",
                    subnet.subnet_id, subnet.vpc_id
                ));
            }
        }
    }
    let mut script = String::from("table inet acl {\n");
    let mut declared: BTreeSet<String> = BTreeSet::new();
    for (name, (subnet, acl)) in &chains {
        for (egress, suffix, dir) in [(false, "in", "saddr"), (true, "out", "daddr")] {
            let mut entries: Vec<_> = acl.entries.iter().filter(|e| e.egress == egress).collect();
            entries.sort_by_key(|e| e.rule_number);
            let mut body = String::new();
            // Each drop first records the packet's five-tuple in its own
            // set (the lab's flow logs, `flow_log.rs`), then drops all the
            // same what that cannot record.
            let drop = |rule: Option<u16>, m: &str, body: &mut String, sets: &mut Vec<String>| {
                // The flow sets hold IPv4 five-tuples: an IPv6 drop is not recorded.
                if m.starts_with("ip6 ") {
                    let _ = writeln!(body, "    {m} drop");
                    return;
                }
                let set = acl_set(&acl.network_acl_id, &subnet.subnet_id, egress, rule);
                let _ = writeln!(body, "    {m} add @{set} {FLOW_KEY} drop\n    {m} drop");
                if !sets.contains(&set) {
                    sets.push(set);
                }
            };
            let mut sets = Vec::new();
            for e in entries {
                // An entry matches its own family only.
                let Some(c) = e
                    .cidr_block
                    .map(|c| c.to_string())
                    .or(e.ipv6_cidr_block.map(|c| c.to_string()))
                else {
                    continue;
                };
                let ports = e.port_range.map(|r| (r.from, r.to));
                let m = match e.protocol {
                    IpProtocol::Icmp | IpProtocol::Icmpv6 => icmp_match(
                        e.protocol,
                        e.icmp_type_code.map(|i| i.icmp_type),
                        e.icmp_type_code.map(|i| i.code),
                    ),
                    proto => proto_match(proto, if proto.has_ports() { ports } else { None }),
                };
                let m = format!("{} {m}", addr_match(dir, &c));
                match e.rule_action {
                    RuleAction::Allow => {
                        let _ = writeln!(body, "    {} return", m.trim_end());
                    }
                    // The catch-all entries are the console's `*`.
                    RuleAction::Deny if e.rule_number >= 32767 => {
                        drop(None, m.trim_end(), &mut body, &mut sets)
                    }
                    RuleAction::Deny => {
                        drop(Some(e.rule_number), m.trim_end(), &mut body, &mut sets)
                    }
                }
            }
            drop(None, "meta nfproto ipv4", &mut body, &mut sets);
            // A subnet's sets serve every chain of its (a bridge, an
            // appliance link): each is declared once.
            for set in sets {
                if declared.insert(set.clone()) {
                    let _ = writeln!(script, "  set {set} {{ {FLOW_SET}; }}");
                }
            }
            let _ = writeln!(script, "  chain {name}_{suffix} {{\n{body}    drop\n  }}");
        }
    }
    let _ = writeln!(
        script,
        "  chain route_filter {{\n    type filter hook forward priority 0; policy accept;\n{fwd_out}{fwd_in}  }}\n  chain router_input {{\n    type filter hook input priority 0; policy drop;\n    {NEIGHBOUR_DISCOVERY}\n  }}\n}}"
    );
    script
}
