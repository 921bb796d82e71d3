//! Selectors: from `tag:K=V`, `sg:…`, `kind:…`, `subnet:…` or a reference
//! to the endpoints they name.

use std::collections::BTreeSet;

use netpath_model::Snapshot;

use super::parse::KINDS;
use crate::classes::{eni_key, is_rds};
use crate::topology::Topology;

/// One thing a selector picked: its stable name and the reference `explain` takes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selected {
    /// Instance id, ENI id, DB identifier, `internet` or the address.
    pub name: String,
    /// What to pass to `explain`.
    pub reference: String,
    /// Security groups on it (for default ports).
    pub groups: Vec<String>,
    /// A DB's endpoint port.
    pub db_port: Option<u16>,
}

fn tag_matches(tags: &netpath_model::Tags, key: &str, value: &str) -> bool {
    tags.get(key).is_some_and(|v| v == value)
}

/// Expands a selector to the endpoints it names.
///
/// Selectors: `internet`; `tag:Key=Value` (instances and unattached ENIs
/// with the tag); `sg:GROUP` (ENIs and DB instances carrying the group, by
/// id or name); `kind:db-instance|instance|network-interface`;
/// `subnet:SUBNET-ID`; or any reference `explain` takes (instance id, ENI
/// id, Name tag, DB identifier or endpoint, IPv4 address).
///
/// Errors: a sentence when the selector is malformed or a reference
/// resolves to nothing (or to several things).
pub fn select(topo: &Topology, selector: &str) -> Result<Vec<Selected>, String> {
    let snap: &Snapshot = topo.snapshot;
    let mut out: BTreeSet<Selected> = BTreeSet::new();
    let eni_sel = |e: &netpath_model::NetworkInterface| Selected {
        name: eni_key(e),
        reference: e.network_interface_id.clone(),
        groups: e.groups.clone(),
        db_port: None,
    };
    let db_sel = |d: &netpath_model::DbInstance| Selected {
        name: d.db_instance_identifier.clone(),
        reference: d.db_instance_identifier.clone(),
        groups: d.vpc_security_group_ids.clone(),
        db_port: d.endpoint.as_ref().map(|e| e.port),
    };
    let enis = || {
        snap.network_interfaces
            .iter()
            .flatten()
            .filter(|e| !is_rds(e))
    };
    if selector == "internet" {
        out.insert(Selected {
            name: "internet".into(),
            reference: "internet".into(),
            groups: Vec::new(),
            db_port: None,
        });
    } else if let Some(t) = selector.strip_prefix("tag:") {
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| format!("`{selector}`: write tag:Key=Value"))?;
        for e in enis() {
            let inst_tagged = topo
                .instance_of(e)
                .is_some_and(|i| tag_matches(&i.tags, k, v));
            if inst_tagged || tag_matches(&e.tags, k, v) {
                out.insert(eni_sel(e));
            }
        }
    } else if let Some(g) = selector.strip_prefix("sg:") {
        let ids: Vec<&str> = snap
            .security_groups
            .iter()
            .flatten()
            .filter(|s| s.group_id == g || s.group_name == g)
            .map(|s| s.group_id.as_str())
            .collect();
        if ids.is_empty() {
            return Err(format!(
                "`{selector}`: no security group has id or name `{g}`"
            ));
        }
        for e in enis().filter(|e| e.groups.iter().any(|x| ids.contains(&x.as_str()))) {
            out.insert(eni_sel(e));
        }
        for d in snap.db_instances.iter().flatten() {
            if d.vpc_security_group_ids
                .iter()
                .any(|x| ids.contains(&x.as_str()))
            {
                out.insert(db_sel(d));
            }
        }
    } else if let Some(k) = selector.strip_prefix("kind:") {
        match k {
            "db-instance" => out.extend(snap.db_instances.iter().flatten().map(db_sel)),
            "instance" => out.extend(
                enis()
                    .filter(|e| topo.instance_of(e).is_some())
                    .map(eni_sel),
            ),
            "network-interface" => out.extend(enis().map(eni_sel)),
            _ => {
                return Err(format!(
                    "`{selector}`: kind must be one of {}",
                    KINDS.join(", ")
                ))
            }
        }
    } else if let Some(s) = selector.strip_prefix("subnet:") {
        out.extend(enis().filter(|e| e.subnet_id == s).map(eni_sel));
    } else {
        crate::resolve::ipv4_only(selector)?;
        let ep = crate::resolve(topo, selector, None).map_err(|e| e.to_string())?;
        if let Some(d) = ep.db {
            out.insert(db_sel(d));
        } else if let Some(e) = ep.placements.first().and_then(|p| p.eni) {
            let mut s = eni_sel(e);
            if let Some(i) = ep.instance {
                s.name = i.instance_id.clone();
            }
            out.insert(s);
        } else {
            out.insert(Selected {
                name: selector.to_string(),
                reference: selector.to_string(),
                groups: Vec::new(),
                db_port: None,
            });
        }
    }
    Ok(out.into_iter().collect())
}
