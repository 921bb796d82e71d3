//! The near miss of a network ACL block: the entry that came closest to
//! allowing the packets (see `docs/explain-json.md`, Near misses).

use netpath_model::{IpProtocol, NetworkAcl, NetworkAclEntry, PortRange, RuleAction};

use crate::addr::{AddrSet, PortSet};

/// The entry among `entries` (one direction of `acl`, ascending) that came closest to allowing the
/// `denied` ports, when rule `deny` decided them. Ranked: an allow entry for
/// the same protocol, peer and ports that a lower-numbered deny shadows
/// (entries are evaluated in ascending order and the first match wins,
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>);
/// else, when only the `*` entry matched, an allow entry for the right peer
/// on other ports, then one for the right ports from another CIDR.
pub(super) fn near_miss(
    acl: &NetworkAcl,
    entries: &[&NetworkAclEntry],
    peer: &AddrSet,
    proto: IpProtocol,
    denied: &PortSet,
    deny: u16,
    peer_word: &str,
) -> Option<String> {
    if !proto.has_ports() {
        // ICMP entries match types and codes, not ports: no ranking yet.
        return None;
    }
    let proto_ok = |e: &NetworkAclEntry| e.protocol == IpProtocol::All || e.protocol == proto;
    let peer_ok = |e: &NetworkAclEntry| super::entry_cidr(e).is_some_and(|c| peer.within(&c));
    let ports_of = |e: &NetworkAclEntry| -> PortSet {
        if e.protocol == IpProtocol::All || !proto.has_ports() {
            PortRange::ALL.into()
        } else {
            e.port_range.unwrap_or(PortRange::ALL).into()
        }
    };
    let covers = |e: &NetworkAclEntry| !ports_of(e).intersect(denied).is_empty();
    let allows = |e: &&&NetworkAclEntry| e.rule_action == RuleAction::Allow && proto_ok(e);
    let describe = |e: &NetworkAclEntry| {
        let ports = match (e.protocol, e.port_range) {
            (IpProtocol::All, _) => "all traffic".to_string(),
            (p, Some(r)) if proto.has_ports() => format!("{p} {r}"),
            (p, _) => p.to_string(),
        };
        let cidr = super::entry_cidr(e).map_or("?".into(), |c| c.to_string());
        format!("rule {} allows {ports} {peer_word} {cidr}", e.rule_number)
    };
    if !netpath_model::is_default_rule_number(deny) {
        if let Some(e) = entries
            .iter()
            .filter(allows)
            .find(|e| e.rule_number > deny && peer_ok(e) && covers(e))
        {
            return Some(format!(
                "{} {}, but rule {deny} denies it first: the lowest-numbered matching entry wins",
                acl.network_acl_id,
                describe(e)
            ));
        }
        return None;
    }
    if let Some(e) = entries.iter().filter(allows).find(|e| peer_ok(e)) {
        return Some(format!(
            "{} {}, not ports {denied}",
            acl.network_acl_id,
            describe(e)
        ));
    }
    entries
        .iter()
        .filter(allows)
        .find(|e| {
            covers(e)
                && super::entry_cidr(e)
                    .is_some_and(|c| matches!(c, ipnet::IpNet::V6(_)) == peer.is_v6())
        })
        .map(|e| {
            format!(
                "{} {}, which does not contain {peer}",
                acl.network_acl_id,
                describe(e)
            )
        })
}
