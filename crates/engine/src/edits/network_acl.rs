//! Network ACL entry edits, keyed by rule number and direction as
//! `CreateNetworkAclEntry`/`ReplaceNetworkAclEntry` are, and association moves.

use std::collections::BTreeMap;

use ipnet::IpNet;
use netpath_model::*;

use super::{association_edits, by_id, Edit, EditChange, EditPeer};

pub(super) fn entry_text(acl: &str, e: &NetworkAclEntry) -> String {
    let dir = if e.egress { "egress" } else { "ingress" };
    let ports = match (e.protocol.has_ports(), e.port_range) {
        (true, Some(r)) => format!(" {r}"),
        _ => String::new(),
    };
    let proto = if e.protocol == IpProtocol::All {
        "all".to_string()
    } else {
        e.protocol.to_string()
    };
    let cidr = e
        .cidr_block
        .map(|c| c.to_string())
        .or_else(|| e.ipv6_cidr_block.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".into());
    format!(
        "{acl} {dir} rule {} {} {proto}{ports} {cidr}",
        e.rule_number, e.rule_action
    )
}

pub(super) fn entry_peer(e: &NetworkAclEntry) -> EditPeer {
    e.cidr_block
        .map(IpNet::V4)
        .or(e.ipv6_cidr_block.map(IpNet::V6))
        .map_or(EditPeer::Any, EditPeer::Cidr)
}

pub(super) fn entry_ports(e: &NetworkAclEntry) -> (IpProtocol, PortRange) {
    let r = if e.protocol.has_ports() {
        e.port_range.unwrap_or(PortRange::ALL)
    } else {
        PortRange::ALL
    };
    (e.protocol, r)
}

pub(super) fn network_acls(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.network_acls, |g| &g.network_acl_id);
    let a = by_id(&after.network_acls, |g| &g.network_acl_id);
    for (id, acl) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "network-acl",
                    id,
                    format!("network ACL {id} removed"),
                )
                .vpc(Some(&acl.vpc_id)),
            );
        }
    }
    for (id, acl) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "network-acl",
                    id,
                    format!("network ACL {id} added"),
                )
                .vpc(Some(&acl.vpc_id)),
            );
            continue;
        };
        if old == acl {
            continue; // unchanged
        }
        let key = |x: &NetworkAcl| -> BTreeMap<(bool, u16), NetworkAclEntry> {
            x.entries
                .iter()
                .map(|e| ((e.egress, e.rule_number), e.clone()))
                .collect()
        };
        let (eb, ea) = (key(old), key(acl));
        let mk = |change, e: &NetworkAclEntry, text: String| {
            let mut ed = Edit::new(change, "network-acl-entry", id, text).vpc(Some(&acl.vpc_id));
            ed.ports = Some(entry_ports(e));
            ed.peers = vec![entry_peer(e)];
            ed
        };
        for (k, e) in &eb {
            match ea.get(k) {
                None => out.push(mk(EditChange::Removed, e, entry_text(id, e))),
                Some(n) if n != e => {
                    // A replaced entry is relevant on both its old and new ports.
                    let (p1, r1) = entry_ports(e);
                    let (p2, r2) = entry_ports(n);
                    let mut ed = mk(
                        EditChange::Modified,
                        n,
                        format!("{} (was: {})", entry_text(id, n), entry_text(id, e)),
                    )
                    .values(entry_text(id, e), entry_text(id, n));
                    ed.peers = vec![entry_peer(e), entry_peer(n)];
                    let proto = if p1 == p2 { p1 } else { IpProtocol::All };
                    ed.ports = Some((
                        proto,
                        PortRange::new(r1.from.min(r2.from), r1.to.max(r2.to)),
                    ));
                    out.push(ed);
                }
                _ => {}
            }
        }
        for (k, e) in &ea {
            if !eb.contains_key(k) {
                out.push(mk(EditChange::Added, e, entry_text(id, e)));
            }
        }
    }
    // Associations: which ACL each subnet uses (explicitly).
    let assoc = |s: &Snapshot| -> BTreeMap<String, (String, String)> {
        s.network_acls
            .iter()
            .flatten()
            .flat_map(|acl| {
                acl.associated_subnet_ids.iter().map(move |sub| {
                    (
                        sub.clone(),
                        (acl.network_acl_id.clone(), acl.vpc_id.clone()),
                    )
                })
            })
            .collect()
    };
    association_edits(out, "network-acl-association", assoc(before), assoc(after));
}
