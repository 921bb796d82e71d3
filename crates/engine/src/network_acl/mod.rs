//! Network ACL evaluation.
//!
//! AWS semantics implemented here
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>):
//! - A subnet uses its explicitly associated ACL, else the VPC's default ACL.
//! - ACLs apply only to traffic entering or leaving the subnet; traffic
//!   between two ENIs of one subnet never meets them.
//! - Entries are evaluated in ascending `RuleNumber` (never in the order the
//!   API lists them); the first entry that matches decides. The `*` entry
//!   (32767) denies whatever no entry matched.
//! - ACLs are stateless: the reply of a connection is evaluated again, and
//!   its destination port is the client's *ephemeral* port
//!   (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>).
//! - Inbound entries match the packet's source address; outbound entries its
//!   destination. Port ranges match the destination port. An entry with
//!   protocol `-1` matches every protocol and port; an ICMP entry never
//!   matches TCP or UDP.
//! - An entry has an IPv4 `CidrBlock` or an IPv6 `Ipv6CidrBlock` and matches
//!   packets of that family only; a dual-stack ACL has a second `*` entry,
//!   32768, for IPv6.

use netpath_model::{
    icmp_keys, Direction, IpProtocol, NetworkAcl, NetworkAclEntry, PortRange, RuleAction, Subnet,
    DEFAULT_IPV6_RULE_NUMBER, DEFAULT_RULE_NUMBER,
};

use crate::addr::{AddrSet, PortSet, Quantifier};
use crate::answer::{Decision, Evaluation, Matched, PathLeg};
use crate::topology::Topology;

mod near_miss;
use near_miss::near_miss;

/// The ACL that applies to `subnet`: the explicit association, else the VPC's
/// default ACL.
///
/// Errors: a sentence naming what is missing (no ACL data at all, or neither
/// an association nor a default ACL for the subnet's VPC).
pub fn network_acl_for_subnet<'a>(
    topo: &Topology<'a>,
    subnet: &Subnet,
) -> Result<&'a NetworkAcl, String> {
    if let Some(m) = topo.missing(
        topo.snapshot.network_acls.is_some(),
        "ec2:DescribeNetworkAcls",
        "network ACLs",
        Some(&subnet.vpc_id),
    ) {
        return Err(m);
    }
    let acl = topo
        .explicit_network_acl(&subnet.subnet_id)
        .or_else(|| topo.default_network_acl(&subnet.vpc_id))
        .ok_or_else(|| {
            format!(
                "the network ACL of {} (no association, and no default ACL for {}){}",
                subnet.subnet_id,
                subnet.vpc_id,
                topo.owner_not_collected(&subnet.vpc_id, "network ACLs")
            )
        })?;
    match topo.in_doubt(&[&acl.network_acl_id]) {
        Some(m) => Err(m),
        None => Ok(acl),
    }
}

/// One piece of an evaluated port range: what decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortDecision {
    /// The ports this piece covers.
    pub ports: PortRange,
    /// Allow or deny; `None` when it depends on an unknown address.
    pub action: Option<RuleAction>,
    /// The deciding rule number ([`DEFAULT_RULE_NUMBER`] for the `*` entry).
    pub rule_number: Option<u16>,
}

/// The outcome for a range of destination ports.
#[derive(Debug, Clone)]
pub struct AclOutcome {
    /// The ports that pass.
    pub allowed: PortSet,
    /// The ports that are dropped.
    pub denied: PortSet,
    /// The ports whose fate depends on an address we do not know.
    pub unknown: PortSet,
    /// Every piece with its deciding rule, ascending by port.
    pub pieces: Vec<PortDecision>,
}

impl AclOutcome {
    /// The rule number that denied the first denied port, if any.
    pub fn first_deny_rule(&self) -> Option<u16> {
        self.pieces
            .iter()
            .find(|p| p.action == Some(RuleAction::Deny))
            .and_then(|p| p.rule_number)
    }
    /// The rule number that allowed the first allowed port, if any.
    pub fn first_allow_rule(&self) -> Option<u16> {
        self.pieces
            .iter()
            .find(|p| p.action == Some(RuleAction::Allow))
            .and_then(|p| p.rule_number)
    }
}

/// The entries of `acl` in one direction, sorted by rule number.
pub fn sorted_entries(acl: &NetworkAcl, direction: Direction) -> Vec<&NetworkAclEntry> {
    let egress = direction == Direction::Egress;
    let mut v: Vec<&NetworkAclEntry> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    v.sort_by_key(|e| e.rule_number);
    v
}

/// The CIDR an entry matches: its `CidrBlock` (IPv4) or `Ipv6CidrBlock`.
pub(crate) fn entry_cidr(e: &NetworkAclEntry) -> Option<ipnet::IpNet> {
    e.cidr_block
        .map(ipnet::IpNet::V4)
        .or(e.ipv6_cidr_block.map(ipnet::IpNet::V6))
}

/// First-match evaluation for one concrete peer address over `ports`.
fn partition(
    entries: &[&NetworkAclEntry],
    ip: std::net::IpAddr,
    proto: IpProtocol,
    ports: PortRange,
) -> Vec<(PortRange, RuleAction, u16)> {
    let mut remaining: PortSet = ports.into();
    let mut out = Vec::new();
    // Entries are sorted by rule number; the first that matches a packet
    // decides it (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
    for e in entries {
        if remaining.is_empty() {
            break;
        }
        if e.protocol != IpProtocol::All && e.protocol != proto {
            continue;
        }
        if !entry_cidr(e).is_some_and(|c| c.contains(&ip)) {
            continue;
        }
        // TCP/UDP entries match a port range; ICMP entries their
        // `IcmpTypeCode`, as ranges of ICMP keys (type × 256 + code); `-1`
        // entries everything.
        let range: PortSet = match e.protocol {
            IpProtocol::All => PortRange::ALL.into(),
            IpProtocol::Icmp | IpProtocol::Icmpv6 => e
                .icmp_type_code
                .map_or(PortRange::ALL, |i| {
                    icmp_keys(Some(i.icmp_type), Some(i.code))
                })
                .into(),
            _ if proto.has_ports() => e.port_range.unwrap_or(PortRange::ALL).into(),
            _ => PortRange::ALL.into(),
        };
        for r in remaining.intersect(&range).0 {
            out.push((r, e.rule_action, e.rule_number));
        }
        remaining = remaining.minus(&range);
    }
    // Whatever no numbered entry matched meets the `*` entry, which denies
    // (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
    let star = if ip.is_ipv6() {
        DEFAULT_IPV6_RULE_NUMBER
    } else {
        DEFAULT_RULE_NUMBER
    };
    for r in remaining.0 {
        out.push((r, RuleAction::Deny, star));
    }
    out.sort_by_key(|(r, _, _)| r.from);
    out
}

/// Evaluates `acl` in one `direction` for packets
/// to or from `peer` with protocol `proto` and destination ports `ports`.
///
/// Input: for inbound, `peer` is the packet's source; for outbound, its
/// destination. Output: the allowed, denied and unknown port sets, exact for
/// every port of `ports`, with the deciding rule of each piece.
pub fn evaluate(
    acl: &NetworkAcl,
    direction: Direction,
    peer: &AddrSet,
    proto: IpProtocol,
    ports: PortRange,
) -> AclOutcome {
    let entries = sorted_entries(acl, direction);
    let cuts: Vec<_> = entries.iter().filter_map(|e| entry_cidr(e)).collect();
    let atoms = peer.atoms(cuts.iter());
    let per_atom: Vec<_> = atoms
        .iter()
        .map(|ip| partition(&entries, *ip, proto, ports))
        .collect();
    // Elementary port pieces: cut at every piece boundary of every atom.
    let mut bounds: Vec<u32> = vec![u32::from(ports.from), u32::from(ports.to) + 1];
    for p in &per_atom {
        for (r, _, _) in p {
            bounds.push(u32::from(r.from));
            bounds.push(u32::from(r.to) + 1);
        }
    }
    bounds.sort_unstable();
    bounds.dedup();
    let mut out = AclOutcome {
        allowed: PortSet::empty(),
        denied: PortSet::empty(),
        unknown: PortSet::empty(),
        pieces: Vec::new(),
    };
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1] - 1);
        if lo < u32::from(ports.from) || hi > u32::from(ports.to) {
            continue;
        }
        let r = PortRange::new(lo as u16, hi as u16);
        let decisions: Vec<(RuleAction, u16)> = per_atom
            .iter()
            .map(|p| {
                p.iter()
                    .find(|(pr, _, _)| pr.contains(r.from))
                    .map(|(_, a, n)| (*a, *n))
                    .unwrap_or((RuleAction::Deny, DEFAULT_RULE_NUMBER))
            })
            .collect();
        let first = decisions[0];
        let uniform = decisions.iter().all(|d| d.0 == first.0);
        let (action, rule) = if uniform {
            (Some(first.0), Some(first.1))
        } else if peer.quantifier() == Quantifier::Every {
            let deny = decisions
                .iter()
                .find(|d| d.0 == RuleAction::Deny)
                .copied()
                .unwrap_or(first);
            (Some(RuleAction::Deny), Some(deny.1))
        } else {
            (None, None)
        };
        match action {
            Some(RuleAction::Allow) => out.allowed.insert(r),
            Some(RuleAction::Deny) => out.denied.insert(r),
            None => out.unknown.insert(r),
        }
        match out.pieces.last_mut() {
            Some(last)
                if last.action == action
                    && last.rule_number == rule
                    && u32::from(last.ports.to) + 1 == lo =>
            {
                last.ports.to = r.to
            }
            _ => out.pieces.push(PortDecision {
                ports: r,
                action,
                rule_number: rule,
            }),
        }
    }
    out
}

/// Judges `acl` in `direction` for the packets of one hop: `leg` says whether
/// they are the request or the reply (which names the ports it was asked
/// on). Output: the common [`Evaluation`] (allow when every port passes,
/// deny when none does, partial when some do, unknown when the answer
/// depends on an address the question leaves open) and the denied ports.
///
/// `full` is false for a terse walk ([`crate::explain::ExplainOptions::terse`]):
/// an allowing hop's sentence is then left empty (no reader of a terse walk
/// reads it: its matched rule says what allowed) and a deny's near miss is
/// not looked for. Building the sentence is most of a judgement's cost, and
/// a `diff` of a large estate judges millions of allowing hops.
pub(crate) fn judge(
    acl: &NetworkAcl,
    direction: Direction,
    peer: &AddrSet,
    proto: IpProtocol,
    ports: PortRange,
    leg: PathLeg,
    full: bool,
) -> (Evaluation, Vec<PortRange>) {
    let out = evaluate(acl, direction, peer, proto, ports);
    let egress = direction == Direction::Egress;
    let dir_word = if egress { "outbound" } else { "inbound" };
    let peer_word = if egress { "to" } else { "from" };
    let what = || {
        let traffic = netpath_model::describe_traffic(proto, ports);
        match leg {
            PathLeg::Return if proto.has_ports() => {
                format!("the reply ({proto} to ports {ports}) {peer_word} {peer}")
            }
            PathLeg::Return => format!("the reply ({traffic}) {peer_word} {peer}"),
            PathLeg::Forward => format!("{traffic} {peer_word} {peer}"),
        }
    };
    let rule_text = |n: u16| {
        if netpath_model::is_default_rule_number(n) {
            "*".to_string()
        } else {
            n.to_string()
        }
    };
    let (decision, detail, rule) = if out.denied.is_empty() && out.unknown.is_empty() {
        let r = out.first_allow_rule();
        let detail = if full {
            format!(
                "{} {dir_word} rule {} allows {}",
                acl.network_acl_id,
                r.map_or("?".into(), rule_text),
                what()
            )
        } else {
            String::new()
        };
        (Decision::Allow, detail, r)
    } else if out.allowed.is_empty() && out.unknown.is_empty() {
        let r = out.first_deny_rule();
        (
            Decision::Deny,
            format!(
                "{} {dir_word} rule {} denies {}",
                acl.network_acl_id,
                r.map_or("?".into(), rule_text),
                what()
            ),
            r,
        )
    } else if out.unknown.is_empty() {
        let r = out.first_deny_rule();
        (
            Decision::Partial,
            format!(
                "{} {dir_word} allows {} only on ports {}; rule {} denies ports {}",
                acl.network_acl_id,
                what(),
                out.allowed,
                r.map_or("?".into(), rule_text),
                out.denied
            ),
            r,
        )
    } else {
        (
            Decision::Unknown,
            format!(
                "{} {dir_word}: whether it allows {} depends on the exact address",
                acl.network_acl_id,
                what()
            ),
            None,
        )
    };
    let mut missing = Vec::new();
    if decision == Decision::Unknown {
        missing.push(format!("the exact address of {peer}"));
    }
    let blocked = if decision == Decision::Allow {
        Vec::new()
    } else {
        out.denied.0.clone()
    };
    let matched = rule.map(|n| Matched {
        text: format!("{} {dir_word} rule {}", acl.network_acl_id, rule_text(n)),
        rule_number: Some(n),
        ..Matched::default()
    });
    let near_miss = match (decision, rule) {
        (Decision::Deny | Decision::Partial, Some(deny)) if full => near_miss(
            acl,
            &sorted_entries(acl, direction),
            peer,
            proto,
            &out.denied,
            deny,
            peer_word,
        ),
        _ => None,
    };
    (
        Evaluation {
            near_miss,
            decision,
            detail,
            matched,
            missing,
        },
        blocked,
    )
}

/// A free rule number before `blocking` in `direction`, for a fix:
/// for the `*` rule, 10 above the highest user rule (rounded to tens); else
/// the highest free multiple of 10 below `blocking`, else the highest free number.
pub fn free_rule_number(acl: &NetworkAcl, direction: Direction, blocking: u16) -> Option<u16> {
    let egress = direction == Direction::Egress;
    let used: Vec<u16> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress)
        .map(|e| e.rule_number)
        .collect();
    if blocking == DEFAULT_RULE_NUMBER {
        let max = used
            .iter()
            .copied()
            .filter(|n| *n < DEFAULT_RULE_NUMBER)
            .max()
            .unwrap_or(0);
        let candidate = (max / 10 + 1) * 10;
        if candidate < DEFAULT_RULE_NUMBER {
            return Some(candidate);
        }
    }
    let tens = (1..blocking)
        .rev()
        .filter(|n| n % 10 == 0)
        .find(|n| !used.contains(n));
    tens.or_else(|| (1..blocking).rev().find(|n| !used.contains(n)))
}

#[cfg(test)]
mod tests;
