//! Peering connection edits: status changes, added and removed peerings.

use netpath_model::*;

use super::{by_id, changed_fields, Edit, EditChange};

pub(super) fn peerings(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.vpc_peering_connections, |p| {
        &p.vpc_peering_connection_id
    });
    let a = by_id(&after.vpc_peering_connections, |p| {
        &p.vpc_peering_connection_id
    });
    let vpcs = |p: &VpcPeeringConnection| {
        Some(vec![
            p.requester_vpc_info.vpc_id.clone(),
            p.accepter_vpc_info.vpc_id.clone(),
        ])
    };
    let describe = |p: &VpcPeeringConnection| {
        format!(
            "{} <-> {}",
            p.requester_vpc_info.vpc_id, p.accepter_vpc_info.vpc_id
        )
    };
    for (id, p) in &b {
        match a.get(id) {
            None => {
                let mut e = Edit::new(
                    EditChange::Removed,
                    "vpc-peering-connection",
                    id,
                    format!("peering {id} ({}) removed", describe(p)),
                );
                e.vpcs = vpcs(p);
                out.push(e);
            }
            Some(n) if n != p => {
                let (detail, before_v, after_v) = if n.status_code != p.status_code {
                    (
                        format!(
                            "peering {id} ({}) status {} -> {}",
                            describe(n),
                            p.status_code,
                            n.status_code
                        ),
                        p.status_code.to_string(),
                        n.status_code.to_string(),
                    )
                } else {
                    let f = changed_fields(*p, *n).join(", ");
                    (
                        format!("peering {id} ({}) changed: {f}", describe(n)),
                        String::new(),
                        String::new(),
                    )
                };
                let mut e = Edit::new(EditChange::Modified, "vpc-peering-connection", id, detail);
                if !before_v.is_empty() {
                    e = e.values(before_v, after_v);
                }
                e.vpcs = vpcs(p);
                out.push(e);
            }
            _ => {}
        }
    }
    for (id, p) in &a {
        if !b.contains_key(id) {
            let mut e = Edit::new(
                EditChange::Added,
                "vpc-peering-connection",
                id,
                format!(
                    "peering {id} ({}) added, status {}",
                    describe(p),
                    p.status_code
                ),
            );
            e.vpcs = vpcs(p);
            out.push(e);
        }
    }
}
