//! The far ends of a `reach` question, grouped into equivalence classes
//! (`crate::classes`), and the fixed end.

use std::collections::{BTreeSet, HashMap};

use netpath_model::{CompactString, IpProtocol, NetworkInterface, PortRange};

use crate::addr::IpVersion;
use crate::classes::{
    eni_class, eni_key, ingress_ports, is_rds, merge_ranges, rule_ports, subnet_cuts, ClassKey,
    End, EndKind,
};
use crate::resolve::Endpoint;
use crate::topology::Topology;

use super::EntryKind;

/// A far end: an ENI (named only when listed, to keep memory per ENI
/// small), or a named end (DB instance, `internet`, CIDR) with its ENI ids.
#[derive(Clone)]
pub(super) enum Member<'a> {
    Eni(&'a NetworkInterface),
    /// Name and ENI ids (boxed: members are many, named ones few).
    Named(Box<(String, Vec<String>)>),
}

impl Member<'_> {
    pub(super) fn named(name: String, ids: Vec<String>) -> Self {
        Member::Named(Box::new((name, ids)))
    }
}

impl Member<'_> {
    pub(super) fn name(&self) -> String {
        match self {
            Member::Eni(e) => eni_key(e).to_string(),
            Member::Named(b) => b.0.clone(),
        }
    }

    /// True when this member is (part of) the fixed end.
    pub(super) fn is_in(&self, fixed: &BTreeSet<String>) -> bool {
        match self {
            Member::Eni(e) => fixed.contains(e.network_interface_id.as_str()),
            Member::Named(b) => b.1.iter().any(|i| fixed.contains(i)),
        }
    }
}

/// An equivalence class of far ends.
pub(super) struct Class<'a> {
    pub(super) kind: EntryKind,
    /// References to pass to `explain`, best first (the first that is not
    /// the fixed end itself is used).
    pub(super) refs: Vec<String>,
    pub(super) members: Vec<Member<'a>>,
    pub(super) end: End,
}

impl Class<'_> {
    /// The class of one member, `internet` (every public address).
    pub(super) fn internet() -> Self {
        Class {
            kind: EntryKind::Internet,
            refs: vec!["internet".into()],
            members: vec![Member::named("internet".into(), Vec::new())],
            end: End::new("internet".into(), EndKind::Internet),
        }
    }
}

pub(super) fn end_of(
    kind: EndKind,
    key: &str,
    groups: Vec<CompactString>,
    subnets: Vec<CompactString>,
    vpc: Option<CompactString>,
) -> End {
    let mut e = End::new(key.to_string().into(), kind);
    e.groups[0] = groups;
    e.subnets[0] = subnets;
    e.vpc[0] = vpc;
    e
}

/// Outbound TCP/UDP ports opened by `groups`, merged.
pub(super) fn egress_ports(
    topo: &Topology,
    groups: &[impl AsRef<str>],
) -> Vec<(IpProtocol, PortRange)> {
    merge_ranges(rule_ports(topo, groups, netpath_model::Direction::Egress))
}

/// Every ENI (not RDS-owned) with an address of family `v`, grouped into
/// classes, then every DB instance (one class each) that has one, or whose
/// ENIs are unknown (IPv4 only).
pub(super) fn classes<'a>(topo: &Topology<'a>, v: IpVersion) -> Vec<Class<'a>> {
    let snap = topo.snapshot;
    let cuts = subnet_cuts(snap, v);
    let mut by_key: HashMap<ClassKey, usize> = HashMap::new();
    let mut out: Vec<Class> = Vec::new();
    let mut ports_by_groups: HashMap<Vec<CompactString>, Vec<(IpProtocol, PortRange)>> =
        HashMap::new();
    for eni in snap.network_interfaces.iter().flatten() {
        if is_rds(eni) || v.eni_address(eni).is_none() {
            continue;
        }
        let key = eni_class(topo, eni, &cuts, v);
        let i = *by_key.entry(key).or_insert_with(|| {
            let mut groups = eni.groups.clone();
            groups.sort();
            let mut end = end_of(
                EndKind::Eni,
                &eni.network_interface_id,
                groups.clone(),
                vec![eni.subnet_id.clone()],
                Some(eni.vpc_id.clone()),
            );
            end.ports[0] = ports_by_groups
                .entry(groups.clone())
                .or_insert_with(|| ingress_ports(topo, &groups))
                .clone();
            end.public[0] = v.eni_is_public(eni);
            end.managed = eni.managed_service().is_some();
            out.push(Class {
                kind: EntryKind::NetworkInterfaces,
                refs: Vec::new(),
                members: Vec::new(),
                end,
            });
            out.len() - 1
        });
        let c = &mut out[i];
        if c.refs.len() < 2 {
            c.refs.push(eni.network_interface_id.to_string());
        }
        c.members.push(Member::Eni(eni));
    }
    for db in snap.db_instances.iter().flatten() {
        let enis = topo.db_network_interfaces(db);
        if v.is_v6() && !enis.iter().any(|e| v.eni_address(e).is_some()) {
            continue;
        }
        let mut groups: Vec<CompactString> = db
            .vpc_security_group_ids
            .iter()
            .map(|g| g.as_str().into())
            .collect();
        groups.sort();
        let mut end = end_of(
            EndKind::Db,
            &db.db_instance_identifier,
            groups.clone(),
            db.db_subnet_group
                .as_ref()
                .map(|g| g.subnet_ids.iter().map(|s| s.as_str().into()).collect())
                .unwrap_or_default(),
            db.db_subnet_group
                .as_ref()
                .and_then(|g| g.vpc_id.as_deref().map(CompactString::from))
                .or_else(|| enis.first().map(|e| e.vpc_id.clone())),
        );
        end.ports[0] = match &db.endpoint {
            Some(ep) => vec![(IpProtocol::Tcp, PortRange::new(ep.port, ep.port))],
            None => ingress_ports(topo, &groups),
        };
        // A DB whose ENIs are not in the snapshot may still be public.
        end.public[0] =
            enis.iter().any(|e| v.eni_is_public(e)) || (enis.is_empty() && db.publicly_accessible);
        out.push(Class {
            kind: EntryKind::DbInstances,
            refs: vec![db.db_instance_identifier.clone()],
            members: vec![Member::named(
                db.db_instance_identifier.clone(),
                enis.iter()
                    .map(|e| e.network_interface_id.to_string())
                    .collect(),
            )],
            end,
        });
    }
    out
}

/// The fixed end of a `to`/`from` question, as an [`End`] for port cuts,
/// with the ENI ids it covers (so it is not paired with itself).
pub(super) fn fixed_end(topo: &Topology, ep: &Endpoint) -> (End, BTreeSet<String>) {
    if ep.kind == crate::resolve::EndpointKind::Internet {
        let e = End::new("internet".into(), EndKind::Internet);
        return (e, BTreeSet::new());
    }
    let mut groups: BTreeSet<String> = BTreeSet::new();
    let mut subnets: BTreeSet<String> = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for p in &ep.placements {
        groups.extend(p.groups.iter().cloned());
        subnets.insert(p.subnet_id.clone());
        if let Some(e) = p.eni {
            ids.insert(e.network_interface_id.to_string());
        }
    }
    if let Some(i) = ep.instance {
        ids.extend(i.network_interface_ids.iter().map(|e| e.to_string()));
    }
    let kind = if ep.db.is_some() {
        EndKind::Db
    } else if ep.placements.is_empty() {
        EndKind::Address
    } else {
        EndKind::Eni
    };
    let mut e = end_of(
        kind,
        &ep.reference,
        groups.into_iter().map(CompactString::from).collect(),
        subnets.into_iter().map(CompactString::from).collect(),
        ep.placements.first().map(|p| p.vpc_id.as_str().into()),
    );
    e.ports[0] = match ep.db {
        Some(db) => match &db.endpoint {
            Some(x) => vec![(IpProtocol::Tcp, PortRange::new(x.port, x.port))],
            None => ingress_ports(topo, &db.vpc_security_group_ids),
        },
        None => ingress_ports(topo, &e.groups[0]),
    };
    (e, ids)
}

pub(super) fn ends_of<'a>(
    c: &Class<'a>,
    fixed: &BTreeSet<String>,
) -> (Option<String>, Vec<Member<'a>>) {
    let members: Vec<Member> = c
        .members
        .iter()
        .filter(|m| !m.is_in(fixed))
        .cloned()
        .collect();
    let rep = c.refs.iter().find(|r| !fixed.contains(*r)).cloned();
    (rep, members)
}
