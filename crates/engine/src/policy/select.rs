//! Selectors: from `tag:K=V`, `sg:…`, `kind:…`, `subnet:…`, `vpc:…`,
//! `onprem[:NAME]` or a reference
//! to the endpoints they name.

use std::collections::BTreeSet;

use netpath_model::Snapshot;

use super::parse::KINDS;
use crate::addr::IpVersion;
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
    /// The address families it has an address in: IPv4 for every resource
    /// (and an IPv4 literal), IPv6 for one with an IPv6 address (and an
    /// IPv6 literal); `internet` is both.
    pub families: Vec<IpVersion>,
}

impl Selected {
    /// True when it has an address of family `v`.
    pub fn has(&self, v: IpVersion) -> bool {
        self.families.contains(&v)
    }
}

/// The families of an ENI: IPv4, and IPv6 when it has an IPv6 address.
fn eni_families(e: &netpath_model::NetworkInterface) -> Vec<IpVersion> {
    IpVersion::BOTH
        .into_iter()
        .filter(|v| !v.is_v6() || v.eni_address(e).is_some())
        .collect()
}

fn tag_matches(tags: &netpath_model::Tags, key: &str, value: &str) -> bool {
    tags.get(key).is_some_and(|v| v == value)
}

/// Expands a selector to the endpoints it names.
///
/// Selectors: `internet`; `tag:Key=Value` (instances and unattached ENIs
/// with the tag); `sg:GROUP` (ENIs and DB instances carrying the group, by
/// id or name); `kind:db-instance|instance|network-interface`;
/// `subnet:SUBNET-ID`; `vpc:VPC` (ENIs and DB instances in the VPC, by id
/// or Name tag); `onprem` or `onprem:NAME` (each declared on-premises
/// network, every address of it); or any reference `explain` takes (instance id, ENI
/// id, Name tag, DB identifier or endpoint, IPv4 or IPv6 address; an
/// address selects flows of its own family only).
///
/// Errors: a sentence when the selector is malformed or a reference
/// resolves to nothing (or to several things).
pub fn select(topo: &Topology, selector: &str) -> Result<Vec<Selected>, String> {
    let snap: &Snapshot = topo.snapshot;
    let mut out: BTreeSet<Selected> = BTreeSet::new();
    let eni_sel = |e: &netpath_model::NetworkInterface| Selected {
        name: eni_key(e).to_string(),
        reference: e.network_interface_id.to_string(),
        groups: e.groups.iter().map(|g| g.to_string()).collect(),
        db_port: None,
        families: eni_families(e),
    };
    let db_sel = |d: &netpath_model::DbInstance| Selected {
        name: d.db_instance_identifier.clone(),
        reference: d.db_instance_identifier.clone(),
        groups: d.vpc_security_group_ids.clone(),
        db_port: d.endpoint.as_ref().map(|e| e.port),
        families: {
            let v6 = topo
                .db_network_interfaces(d)
                .iter()
                .any(|e| !e.ipv6_addresses.is_empty());
            IpVersion::BOTH
                .into_iter()
                .filter(|v| !v.is_v6() || v6)
                .collect()
        },
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
            families: IpVersion::BOTH.to_vec(),
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
    } else if let Some(v) = selector.strip_prefix("vpc:") {
        // By id or Name tag.
        let ids: Vec<&str> = snap
            .vpcs
            .iter()
            .flatten()
            .filter(|x| x.vpc_id == v || x.tags.get("Name").is_some_and(|n| n == v))
            .map(|x| x.vpc_id.as_str())
            .collect();
        if ids.is_empty() {
            return Err(format!("`{selector}`: no VPC has id or Name `{v}`"));
        }
        out.extend(
            enis()
                .filter(|e| ids.contains(&e.vpc_id.as_str()))
                .map(eni_sel),
        );
        for d in snap.db_instances.iter().flatten() {
            let inside = d
                .db_subnet_group
                .as_ref()
                .and_then(|g| g.vpc_id.as_deref())
                .is_some_and(|v| ids.contains(&v));
            if inside {
                out.insert(db_sel(d));
            }
        }
    } else if let Some(declared) = topo.onprem_named(selector) {
        if declared.is_empty() {
            return Err(format!("`{selector}`: no such on-premises network is declared (pass --onprem NAME=CIDR, or put an onprem.json beside the snapshot)"));
        }
        for n in declared {
            out.insert(Selected {
                name: format!("onprem:{}", n.name),
                reference: format!("onprem:{}", n.name),
                groups: Vec::new(),
                db_port: None,
                families: vec![if n.cidr.addr().is_ipv6() {
                    IpVersion::Ipv6
                } else {
                    IpVersion::Ipv4
                }],
            });
        }
    } else {
        let literal = IpVersion::of_literal(selector);
        let ep = crate::resolve::resolve_in(topo, selector, None, literal == Some(IpVersion::Ipv6))
            .map_err(|e| e.to_string())?;
        if let Some(d) = ep.db {
            out.insert(db_sel(d));
        } else if let Some(e) = ep.placements.first().and_then(|p| p.eni) {
            let mut s = eni_sel(e);
            if let Some(i) = ep.instance {
                s.name = i.instance_id.to_string();
            }
            if let Some(l) = literal {
                // An address names one of the ENI's addresses, in its family.
                s.reference = selector.trim().to_string();
                s.families = vec![l];
            }
            out.insert(s);
        } else {
            out.insert(Selected {
                name: selector.to_string(),
                reference: selector.to_string(),
                groups: Vec::new(),
                db_port: None,
                families: literal.into_iter().collect(),
            });
        }
    }
    Ok(out.into_iter().collect())
}
