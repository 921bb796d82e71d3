//! `--from` / `--to` filters: which ends of the diff a reference names.

use std::collections::{BTreeMap, BTreeSet};

use super::DiffError;
use crate::addr::IpVersion;
use crate::classes::{ClassKey, End, EndKind};
use crate::topology::Topology;

/// Finds the ends a reference names for flows of family `v`, adding an
/// address end when needed.
pub(super) fn select(
    reference: &str,
    topos: [&Topology; 2],
    ends: &mut BTreeMap<String, End>,
    v: IpVersion,
) -> Result<BTreeSet<String>, DiffError> {
    let mut found = BTreeSet::new();
    if reference == "internet" {
        found.insert("internet".to_string());
        return Ok(found);
    }
    for (s, topo) in topos.iter().enumerate() {
        let Ok(ep) = crate::resolve::resolve_in(topo, reference, None, v.is_v6()) else {
            continue;
        };
        let mut ids: Vec<String> = ep
            .placements
            .iter()
            .filter_map(|p| p.eni.map(|e| e.network_interface_id.clone()))
            .collect();
        if let Some(db) = ep.db {
            found.insert(format!("db:{}", db.db_instance_identifier));
            continue;
        }
        if let Some(i) = ep.instance {
            ids.push(i.instance_id.clone());
        }
        let before = found.len();
        for (k, e) in ends.iter() {
            if e.kind == EndKind::Eni
                && e.refs[s]
                    .as_ref()
                    .is_some_and(|r| ids.contains(r) || ids.contains(&e.key))
            {
                found.insert(k.clone());
            }
        }
        if found.len() == before && ep.placements.is_empty() {
            // An address outside every ENI: a flow end of its own.
            let key = format!("addr:{reference}");
            let e = ends
                .entry(key.clone())
                .or_insert_with(|| End::new(reference.to_string(), EndKind::Address));
            e.refs = [Some(reference.to_string()), Some(reference.to_string())];
            e.class = [
                Some(ClassKey::Address(reference.to_string())),
                Some(ClassKey::Address(reference.to_string())),
            ];
            found.insert(key);
        }
    }
    if found.is_empty() {
        return Err(DiffError::NotFound(reference.to_string()));
    }
    Ok(found)
}
