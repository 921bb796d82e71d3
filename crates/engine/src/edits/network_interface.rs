//! ENI edits: groups, addresses and attachment.

use netpath_model::*;

use super::{by_id, Edit, EditChange};

pub(super) fn network_interfaces(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    // Identical lists (a patched copy of a snapshot, where only a rule
    // changed) have no edits: one linear comparison, no index.
    if before.network_interfaces == after.network_interfaces {
        return;
    }
    let b = by_id(&before.network_interfaces, |e| &e.network_interface_id);
    let a = by_id(&after.network_interfaces, |e| &e.network_interface_id);
    let ips = |e: &NetworkInterface| {
        e.private_ip_addresses
            .iter()
            .map(|p| match p.public_ip {
                Some(pub_ip) => format!("{} ({pub_ip})", p.private_ip_address),
                None => p.private_ip_address.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (id, e) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "network-interface",
                    id,
                    format!("ENI {id} ({}) removed", ips(e)),
                )
                .vpc(Some(&e.vpc_id)),
            );
        }
    }
    for (id, e) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "network-interface",
                    id,
                    format!("ENI {id} ({}) added", ips(e)),
                )
                .vpc(Some(&e.vpc_id)),
            );
            continue;
        };
        if old.groups != e.groups {
            let mut ed = Edit::new(
                EditChange::Modified,
                "network-interface",
                id,
                format!(
                    "ENI {id} groups [{}] -> [{}]",
                    old.groups.join(", "),
                    e.groups.join(", ")
                ),
            )
            .vpc(Some(&e.vpc_id))
            .values(old.groups.join(","), e.groups.join(","));
            // Group membership changed: rules referencing these groups may match differently.
            ed.touches
                .extend(old.groups.iter().chain(&e.groups).map(|g| g.to_string()));
            out.push(ed);
        }
        if ips(old) != ips(e) || old.subnet_id != e.subnet_id {
            out.push(
                Edit::new(
                    EditChange::Modified,
                    "network-interface",
                    id,
                    format!("ENI {id} addresses {} -> {}", ips(old), ips(e)),
                )
                .vpc(Some(&e.vpc_id))
                .values(ips(old), ips(e)),
            );
        }
    }
}
