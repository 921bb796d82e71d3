//! EC2 instance and RDS DB instance edits: state, port and groups.

use netpath_model::*;

use super::{by_id, changed_fields, Edit, EditChange};

pub(super) fn instances(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    // Identical lists (a patched copy of a snapshot, where only a rule
    // changed) have no edits: one linear comparison, no index.
    if before.instances == after.instances {
        return;
    }
    let b = by_id(&before.instances, |i| &i.instance_id);
    let a = by_id(&after.instances, |i| &i.instance_id);
    for (id, i) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "instance",
                    id,
                    format!("instance {id} removed"),
                )
                .vpc(i.vpc_id.as_deref()),
            );
        }
    }
    for (id, i) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "instance",
                    id,
                    format!("instance {id} added"),
                )
                .vpc(i.vpc_id.as_deref()),
            );
            continue;
        };
        if old.state != i.state {
            out.push(
                Edit::new(
                    EditChange::Modified,
                    "instance",
                    id,
                    format!("instance {id} state {} -> {}", old.state, i.state),
                )
                .vpc(i.vpc_id.as_deref())
                .values(old.state.clone(), i.state.clone()),
            );
        } else if old.platform != i.platform || old.network_interface_ids != i.network_interface_ids
        {
            out.push(
                Edit::new(
                    EditChange::Modified,
                    "instance",
                    id,
                    format!(
                        "instance {id} changed: {}",
                        changed_fields(*old, *i).join(", ")
                    ),
                )
                .vpc(i.vpc_id.as_deref()),
            );
        }
    }
}

pub(super) fn db_instances(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.db_instances, |d| &d.db_instance_identifier);
    let a = by_id(&after.db_instances, |d| &d.db_instance_identifier);
    let vpc = |d: &DbInstance| d.db_subnet_group.as_ref().and_then(|g| g.vpc_id.clone());
    for (id, d) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "db-instance",
                    id,
                    format!("DB instance {id} removed"),
                )
                .vpc(vpc(d).as_deref()),
            );
        }
    }
    for (id, d) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "db-instance",
                    id,
                    format!("DB instance {id} added"),
                )
                .vpc(vpc(d).as_deref()),
            );
            continue;
        };
        let mut parts = Vec::new();
        if old.db_instance_status != d.db_instance_status {
            parts.push(format!(
                "status {} -> {}",
                old.db_instance_status, d.db_instance_status
            ));
        }
        let port = |x: &DbInstance| {
            x.endpoint
                .as_ref()
                .map_or("?".to_string(), |e| e.port.to_string())
        };
        if port(old) != port(d) {
            parts.push(format!("port {} -> {}", port(old), port(d)));
        }
        if old.vpc_security_group_ids != d.vpc_security_group_ids {
            parts.push(format!(
                "groups [{}] -> [{}]",
                old.vpc_security_group_ids.join(", "),
                d.vpc_security_group_ids.join(", ")
            ));
        }
        if parts.is_empty() && *old != *d {
            parts.push(format!("changed: {}", changed_fields(*old, *d).join(", ")));
        }
        if !parts.is_empty() {
            let mut e = Edit::new(
                EditChange::Modified,
                "db-instance",
                id,
                format!("DB instance {id} {}", parts.join("; ")),
            )
            .vpc(vpc(d).as_deref());
            e.touches.extend(
                old.vpc_security_group_ids
                    .iter()
                    .chain(&d.vpc_security_group_ids)
                    .cloned(),
            );
            out.push(e);
        }
    }
}
