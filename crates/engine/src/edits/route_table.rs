//! Route edits, keyed by destination as `CreateRoute`/`ReplaceRoute` are,
//! and association moves.

use std::collections::BTreeMap;

use ipnet::IpNet;
use netpath_model::*;

use super::{association_edits, by_id, Edit, EditChange};
use crate::route_table as rt;

pub(super) fn route_key(r: &Route) -> String {
    r.destination_cidr_block
        .map(|c| c.to_string())
        .or_else(|| r.destination_prefix_list_id.clone())
        .or_else(|| r.destination_ipv6_cidr_block.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".into())
}

pub(super) fn route_tables(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.route_tables, |g| &g.route_table_id);
    let a = by_id(&after.route_tables, |g| &g.route_table_id);
    for (id, rt) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "route-table",
                    id,
                    format!("route table {id} removed"),
                )
                .vpc(Some(&rt.vpc_id)),
            );
        }
    }
    for (id, rt) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "route-table",
                    id,
                    format!("route table {id} added"),
                )
                .vpc(Some(&rt.vpc_id)),
            );
            continue;
        };
        if old == rt {
            continue; // unchanged
        }
        let key = |x: &RouteTable| -> BTreeMap<String, Route> {
            x.routes.iter().map(|r| (route_key(r), r.clone())).collect()
        };
        let (rb, ra) = (key(old), key(rt));
        let mk = |change, r: &Route, text: String| {
            let mut e = Edit::new(change, "route", id, text).vpc(Some(&rt.vpc_id));
            e.cidr = r
                .destination_cidr_block
                .map(IpNet::V4)
                .or(r.destination_ipv6_cidr_block.map(IpNet::V6));
            if let Some(t) = r.target_id() {
                e.touches.push(t.to_string());
            }
            e
        };
        for (k, r) in &rb {
            match ra.get(k) {
                None => out.push(mk(
                    EditChange::Removed,
                    r,
                    format!("{id} route {}", rt::describe(r)),
                )),
                Some(n) if n.target_id() != r.target_id() || n.state != r.state => {
                    let mut e = mk(
                        EditChange::Modified,
                        n,
                        format!("{id} route {} (was: {})", rt::describe(n), rt::describe(r)),
                    )
                    .values(rt::describe(r), rt::describe(n));
                    if let Some(t) = r.target_id() {
                        e.touches.push(t.to_string());
                    }
                    out.push(e);
                }
                _ => {}
            }
        }
        for (k, r) in &ra {
            if !rb.contains_key(k) {
                out.push(mk(
                    EditChange::Added,
                    r,
                    format!("{id} route {}", rt::describe(r)),
                ));
            }
        }
    }
    let assoc = |s: &Snapshot| -> BTreeMap<String, (String, String)> {
        let mut m = BTreeMap::new();
        for rt in s.route_tables.iter().flatten() {
            for a in &rt.associations {
                if a.state.as_deref().is_some_and(|st| st != "associated") {
                    continue;
                }
                let val = (rt.route_table_id.clone(), rt.vpc_id.clone());
                if let Some(sub) = &a.subnet_id {
                    m.insert(sub.clone(), val.clone());
                }
                if a.main {
                    m.insert(format!("main route table of {}", rt.vpc_id), val);
                }
            }
        }
        m
    };
    let (ab, aa) = (assoc(before), assoc(after));
    let start = out.len();
    association_edits(out, "route-table-association", ab, aa);
    // The main table matters to every subnet without an explicit association.
    for e in &mut out[start..] {
        if let Some(vpc) = e.resource_id.strip_prefix("main route table of ") {
            let vpc = vpc.to_string();
            e.touches.push(vpc);
        }
    }
}
