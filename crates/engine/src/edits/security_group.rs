//! Security-group rule edits, one per peer, as `AuthorizeSecurityGroupIngress`
//! and `RevokeSecurityGroupIngress` (and their egress twins) take them.

use std::collections::BTreeSet;

use ipnet::IpNet;
use netpath_model::*;

use super::{by_id, Edit, EditChange, EditPeer, EditRole};
use crate::security_group::{describe_ports, permission_ports};

/// One security-group rule with one peer, as `Authorize*`/`Revoke*` take it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct AtomicRule {
    pub(super) direction: Direction,
    pub(super) text: String,
    pub(super) proto: IpProtocol,
    pub(super) range: PortRange,
    pub(super) peer: EditPeer,
}

pub(super) fn atomic_rules(sg: &SecurityGroup) -> BTreeSet<AtomicRule> {
    let mut out = BTreeSet::new();
    for direction in [Direction::Ingress, Direction::Egress] {
        let egress = direction == Direction::Egress;
        let dir = if egress { "outbound" } else { "inbound" };
        let prep = if egress { "to" } else { "from" };
        for p in sg.permissions(direction) {
            let ports = describe_ports(p);
            let peers = p
                .ip_ranges
                .iter()
                .map(|c| (c.to_string(), EditPeer::Cidr(IpNet::V4(*c))))
                .chain(
                    p.ipv6_ranges
                        .iter()
                        .map(|c| (c.to_string(), EditPeer::Cidr(IpNet::V6(*c)))),
                )
                .chain(p.prefix_list_ids.iter().map(|c| (c.clone(), EditPeer::Any)))
                .chain(
                    p.user_id_group_pairs
                        .iter()
                        .map(|g| (g.group_id.clone(), EditPeer::Group(g.group_id.clone()))),
                );
            for (peer, matches) in peers {
                out.insert(AtomicRule {
                    direction,
                    text: format!("{} {dir} {ports} {prep} {peer}", sg.group_id),
                    proto: p.ip_protocol,
                    range: permission_ports(p),
                    peer: matches,
                });
            }
        }
    }
    out
}

pub(super) fn security_groups(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.security_groups, |g| &g.group_id);
    let a = by_id(&after.security_groups, |g| &g.group_id);
    for (id, g) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "security-group",
                    id,
                    format!("security group {id} ({}) removed", g.group_name),
                )
                .vpc(g.vpc_id.as_deref()),
            );
        }
    }
    for (id, g) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "security-group",
                    id,
                    format!("security group {id} ({}) added", g.group_name),
                )
                .vpc(g.vpc_id.as_deref()),
            );
            continue;
        };
        if old == g {
            continue; // the same group: no rule changed
        }
        let (rb, ra) = (atomic_rules(old), atomic_rules(g));
        let rule_edit = |change, r: &AtomicRule| {
            let mut e = Edit::new(change, "security-group-rule", id, r.text.clone())
                .vpc(g.vpc_id.as_deref());
            e.ports = Some((r.proto, r.range));
            e.peers = vec![r.peer.clone()];
            e.role = if r.direction == Direction::Egress {
                EditRole::Source
            } else {
                EditRole::Destination
            };
            e
        };
        out.extend(
            rb.difference(&ra)
                .map(|r| rule_edit(EditChange::Removed, r)),
        );
        out.extend(ra.difference(&rb).map(|r| rule_edit(EditChange::Added, r)));
    }
}
