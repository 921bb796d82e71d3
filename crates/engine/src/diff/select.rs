//! `--from` / `--to` filters: which ends of the diff a reference names.

use std::collections::{BTreeMap, BTreeSet};

use netpath_model::CompactString;

use super::DiffError;
use crate::addr::IpVersion;
use crate::classes::{ClassKey, End, EndKind};
use crate::topology::Topology;

/// Finds the ends a reference names for flows of family `v`, adding an
/// address end when needed.
pub(super) fn select(
    reference: &str,
    topos: [&Topology; 2],
    ends: &mut BTreeMap<CompactString, End>,
    v: IpVersion,
) -> Result<BTreeSet<CompactString>, DiffError> {
    let mut found = BTreeSet::new();
    if reference == "internet" {
        found.insert("internet".to_string().into());
        return Ok(found);
    }
    for (s, topo) in topos.iter().enumerate() {
        let Ok(ep) = crate::resolve::resolve_in(topo, reference, None, v.is_v6()) else {
            continue;
        };
        let mut ids: Vec<CompactString> = ep
            .placements
            .iter()
            .filter_map(|p| p.eni.map(|e| e.network_interface_id.clone()))
            .collect();
        if let Some(db) = ep.db {
            found.insert(format!("db:{}", db.db_instance_identifier).into());
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
                found.insert(k.to_string().into());
            }
        }
        if found.len() == before && ep.placements.is_empty() {
            // An address outside every ENI: a flow end of its own.
            let key = format!("addr:{reference}");
            let e = ends
                .entry(key.clone().into())
                .or_insert_with(|| End::new(reference.to_string().into(), EndKind::Address));
            e.refs = [
                Some(reference.to_string().into()),
                Some(reference.to_string().into()),
            ];
            e.class = [
                Some(ClassKey::Address(reference.to_string())),
                Some(ClassKey::Address(reference.to_string())),
            ];
            found.insert(key.into());
        }
    }
    if found.is_empty() {
        return Err(DiffError::NotFound(reference.to_string()));
    }
    Ok(found)
}
