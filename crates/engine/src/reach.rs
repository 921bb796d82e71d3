//! `netpath reach` and `netpath exposure`: who can reach what, over a whole
//! snapshot, without enumerating pairs of ENIs.
//!
//! # Questions
//! - [`ReachQuery::To`]: every source that can reach a destination: ENIs
//!   (and the instances they belong to), `internet`, and the address ranges
//!   outside the snapshot that the destination's security groups name
//!   (an office or on-premises CIDR).
//! - [`ReachQuery::From`]: every destination a source can reach (ENIs, DB
//!   instances, `internet`), and on which ports.
//! - [`ReachQuery::Exposure`]: every ENI, instance and DB instance reachable
//!   from the internet, on which ports, through which internet gateway and
//!   rules.
//!
//! # How
//! Packet sets are sets of addresses and port ranges, as in AWS's own
//! Reachability Analyzer
//! (<https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html>).
//! ENIs that share a subnet, a set of security groups, the address cuts of
//! every rule, entry and route CIDR inside their subnet, an instance state
//! and platform, an interface type and public-IP presence are treated alike
//! by every layer (security groups match group members' private IPs and
//! CIDRs; network ACLs and routes match CIDRs), so they form one
//! *equivalence class* (the same classes `diff` uses). A question is
//! answered once per class, on one representative, then expanded to every
//! member. Port ranges are cut wherever a security-group rule or network ACL
//! entry on the path starts or ends; one port per piece decides the piece.
//! Address ranges outside the snapshot are cut the same way at every CIDR
//! that overlaps them.
//!
//! Every per-class answer is a full [`crate::explain`] answer, so `reach`
//! inherits its semantics exactly: a `partial` or `unknown` answer stays
//! `partial` or `unknown` and is never rounded to reachable.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv4Subnets};
use netpath_model::{IpProtocol, NetworkInterface, PortRange};
use serde::Serialize;

use crate::answer::{Decision, EndpointInfo, HopKind, Verdict};
use crate::classes::{
    eni_class, eni_key, ingress_ports, is_rds, merge_ranges, piece_options, pieces, port_cuts,
    rule_cidrs, rule_ports, subnet_cuts, ClassKey, End, EndKind,
};
use crate::explain::explain;
use crate::resolve::{db_enis, resolve, Endpoint, ResolveError};
use crate::topology::Topology;

/// What to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReachQuery {
    /// Every source that can reach this reference (as `explain --to` takes it).
    To(String),
    /// Every destination this reference can reach.
    From(String),
    /// Everything reachable from the internet.
    Exposure,
}

/// Filters on the flows considered.
#[derive(Debug, Clone, Default)]
pub struct ReachOptions {
    /// Only this destination port. Without it: a DB's endpoint port; an
    /// ENI's every port its security groups' inbound rules open; for
    /// `internet` as a destination, every port the source's outbound rules
    /// open.
    pub port: Option<u16>,
    /// Protocol of `port` (default TCP).
    pub protocol: Option<IpProtocol>,
}

/// Why `reach` could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReachError {
    /// The reference did not resolve.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// A usage problem, e.g. `--protocol icmp`.
    #[error("{0}")]
    Usage(String),
}

/// What kind of ends an entry groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// ENIs (an instance's primary ENI is named by the instance id).
    NetworkInterfaces,
    /// One or more DB instances.
    DbInstances,
    /// Every public address.
    Internet,
    /// Addresses outside the snapshot, named by CIDR.
    Cidr,
}

/// One port range of an entry and the answer on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortAccess {
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Destination ports, inclusive.
    pub ports: PortRange,
    /// `reachable`, `partial` (the reply passes on part of the client's
    /// ephemeral ports only) or `unknown` (data is missing). Blocked port
    /// ranges are not listed.
    pub verdict: Verdict,
    /// For `partial`: the client ephemeral ports whose replies are dropped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_ports: Vec<PortRange>,
    /// For `unknown`: the data the answer needs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The rules and routes that let the traffic through, in path order.
    pub via: Vec<String>,
    /// The internet gateway on the path, for flows to or from the internet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internet_gateway: Option<String>,
}

/// A group of ends with the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachEntry {
    /// What the members are.
    pub kind: EntryKind,
    /// One line for a human, e.g. `all 1,240 ENIs of sg-app in subnets app-a, app-b`.
    pub summary: String,
    /// Number of members.
    pub count: usize,
    /// Members: instance ids (for an instance's primary ENI), ENI ids, DB
    /// identifiers, `internet`, or CIDRs.
    pub members: Vec<String>,
    /// VPCs of the members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<String>,
    /// Subnets of the members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    /// Security groups every member carries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// The port ranges on which the flow is reachable, partial or unknown.
    pub access: Vec<PortAccess>,
}

/// Counts, per member, of its best answer over all its ports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReachSummary {
    /// Ends considered (the far end of each flow).
    pub considered: usize,
    /// Reachable on at least one port.
    pub reachable: usize,
    /// Partial on some port, reachable on none.
    pub partial: usize,
    /// Unknown on some port, reachable or partial on none.
    pub unknown: usize,
    /// Blocked on every port.
    pub blocked: usize,
    /// Equivalence classes answered.
    pub classes: usize,
    /// Representative walks made (one per class and port piece).
    pub walks: usize,
}

/// The answer of `netpath reach` or `netpath exposure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// `to`, `from` or `exposure`.
    pub query: &'static str,
    /// The fixed end (`to`/`from`); `None` for exposure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<EndpointInfo>,
    /// Groups of ends that can be reached (or reach), best answers first.
    pub entries: Vec<ReachEntry>,
    /// Counts.
    pub summary: ReachSummary,
    /// Warnings: a partial snapshot, ends left out.
    pub warnings: Vec<String>,
}

/// A far end: an ENI (named only when listed, to keep memory per ENI
/// small), or a named end (DB instance, `internet`, CIDR) with its ENI ids.
#[derive(Clone)]
enum Member<'a> {
    Eni(&'a NetworkInterface),
    /// Name and ENI ids (boxed: members are many, named ones few).
    Named(Box<(String, Vec<String>)>),
}

impl Member<'_> {
    fn named(name: String, ids: Vec<String>) -> Self {
        Member::Named(Box::new((name, ids)))
    }
}

impl Member<'_> {
    fn name(&self) -> String {
        match self {
            Member::Eni(e) => eni_key(e),
            Member::Named(b) => b.0.clone(),
        }
    }

    /// True when this member is (part of) the fixed end.
    fn is_in(&self, fixed: &BTreeSet<String>) -> bool {
        match self {
            Member::Eni(e) => fixed.contains(&e.network_interface_id),
            Member::Named(b) => b.1.iter().any(|i| fixed.contains(i)),
        }
    }
}

/// An equivalence class of far ends.
struct Class<'a> {
    kind: EntryKind,
    /// References to pass to `explain`, best first (the first that is not
    /// the fixed end itself is used).
    refs: Vec<String>,
    members: Vec<Member<'a>>,
    end: End,
}

fn end_of(
    kind: EndKind,
    key: &str,
    groups: Vec<String>,
    subnets: Vec<String>,
    vpc: Option<String>,
) -> End {
    let mut e = End::new(key.to_string(), kind);
    e.groups[0] = groups;
    e.subnets[0] = subnets;
    e.vpc[0] = vpc;
    e
}

/// Outbound TCP/UDP ports opened by `groups`, merged.
fn egress_ports(topo: &Topology, groups: &[String]) -> Vec<(IpProtocol, PortRange)> {
    merge_ranges(rule_ports(topo, groups, true))
}

/// Every ENI (not RDS-owned), grouped into classes, then every DB instance
/// (one class each).
fn classes<'a>(topo: &Topology<'a>) -> Vec<Class<'a>> {
    let snap = topo.snapshot;
    let cuts = subnet_cuts(snap);
    let mut by_key: HashMap<ClassKey, usize> = HashMap::new();
    let mut out: Vec<Class> = Vec::new();
    let mut ports_by_groups: HashMap<Vec<String>, Vec<(IpProtocol, PortRange)>> = HashMap::new();
    for eni in snap.network_interfaces.iter().flatten() {
        if is_rds(eni) {
            continue;
        }
        let key = eni_class(topo, eni, &cuts);
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
            end.public[0] = eni.public_ip().is_some();
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
            c.refs.push(eni.network_interface_id.clone());
        }
        c.members.push(Member::Eni(eni));
    }
    for db in snap.db_instances.iter().flatten() {
        let enis = db_enis(topo, db);
        let mut groups = db.vpc_security_group_ids.clone();
        groups.sort();
        let mut end = end_of(
            EndKind::Db,
            &db.db_instance_identifier,
            groups.clone(),
            db.db_subnet_group
                .as_ref()
                .map(|g| g.subnet_ids.clone())
                .unwrap_or_default(),
            db.db_subnet_group
                .as_ref()
                .and_then(|g| g.vpc_id.clone())
                .or_else(|| enis.first().map(|e| e.vpc_id.clone())),
        );
        end.ports[0] = match &db.endpoint {
            Some(ep) => vec![(IpProtocol::Tcp, PortRange::new(ep.port, ep.port))],
            None => ingress_ports(topo, &groups),
        };
        // A DB whose ENIs are not in the snapshot may still be public.
        end.public[0] = enis.iter().any(|e| e.public_ip().is_some())
            || (enis.is_empty() && db.publicly_accessible);
        out.push(Class {
            kind: EntryKind::DbInstances,
            refs: vec![db.db_instance_identifier.clone()],
            members: vec![Member::named(
                db.db_instance_identifier.clone(),
                enis.iter()
                    .map(|e| e.network_interface_id.clone())
                    .collect(),
            )],
            end,
        });
    }
    out
}

/// The fixed end of a `to`/`from` question, as an [`End`] for port cuts,
/// with the ENI ids it covers (so it is not paired with itself).
fn fixed_end(topo: &Topology, ep: &Endpoint) -> (End, BTreeSet<String>) {
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
            ids.insert(e.network_interface_id.clone());
        }
    }
    if let Some(i) = ep.instance {
        ids.extend(i.network_interface_ids.iter().cloned());
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
        groups.into_iter().collect(),
        subnets.into_iter().collect(),
        ep.placements.first().map(|p| p.vpc_id.clone()),
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

/// Answers one (source, destination) class pair on every port piece.
/// Output: one [`PortAccess`] per run of pieces with the same answer,
/// blocked runs included (the caller drops them).
#[allow(clippy::too_many_arguments)]
fn evaluate(
    topo: &Topology,
    src_ref: &str,
    src: &End,
    dst_ref: &str,
    dst: &End,
    ranges: &[(IpProtocol, PortRange)],
    walks: &mut usize,
) -> Vec<PortAccess> {
    let mut cuts = BTreeSet::new();
    port_cuts(topo, src, dst, 0, &mut cuts);
    let mut out: Vec<PortAccess> = Vec::new();
    for &(proto, range) in ranges {
        for piece in pieces(range, &cuts) {
            *walks += 1;
            let acc = match explain(topo, src_ref, dst_ref, &piece_options(proto, piece)) {
                Ok(e) => {
                    let mut via = Vec::new();
                    let mut igw = None;
                    for h in &e.hops {
                        let Some(m) = &h.matched else { continue };
                        if h.kind == HopKind::RouteTable {
                            if let Some(t) = m.target.as_deref().filter(|t| t.starts_with("igw-")) {
                                igw = Some(t.to_string());
                            }
                        }
                        if h.decision == Decision::Allow {
                            // Rule texts name their group or ACL; a route
                            // names only its destination and target.
                            let v = if h.kind == HopKind::RouteTable {
                                format!("{}: {}", h.component, m.text)
                            } else {
                                m.text.clone()
                            };
                            // A route table met on both legs is named once.
                            if !via.contains(&v) {
                                via.push(v);
                            }
                        }
                    }
                    PortAccess {
                        protocol: proto.to_string(),
                        ports: piece,
                        verdict: e.verdict,
                        blocked_ports: if e.verdict == Verdict::Partial {
                            e.blocking
                                .as_ref()
                                .map(|b| b.blocked_ports.clone())
                                .unwrap_or_default()
                        } else {
                            Vec::new()
                        },
                        missing: if e.verdict == Verdict::Unknown {
                            e.missing
                        } else {
                            Vec::new()
                        },
                        via: if matches!(e.verdict, Verdict::Reachable | Verdict::Partial) {
                            via
                        } else {
                            Vec::new()
                        },
                        internet_gateway: igw,
                    }
                }
                Err(err) => PortAccess {
                    protocol: proto.to_string(),
                    ports: piece,
                    verdict: Verdict::Unknown,
                    blocked_ports: Vec::new(),
                    missing: vec![err.to_string()],
                    via: Vec::new(),
                    internet_gateway: None,
                },
            };
            match out.last_mut() {
                Some(l)
                    if l.protocol == acc.protocol
                        && u32::from(l.ports.to) + 1 == u32::from(acc.ports.from)
                        && l.verdict == acc.verdict
                        && l.blocked_ports == acc.blocked_ports
                        && l.missing == acc.missing
                        && l.via == acc.via
                        && l.internet_gateway == acc.internet_gateway =>
                {
                    l.ports.to = acc.ports.to
                }
                _ => out.push(acc),
            }
        }
    }
    out
}

/// Address ranges outside the snapshot that `groups` admit on some port,
/// cut at every CIDR of the snapshot that overlaps them. Each item: the
/// range's first and last address.
fn outside_ranges(topo: &Topology, groups: &[String]) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    let snap = topo.snapshot;
    let vpc_cidrs: Vec<Ipv4Net> = snap
        .vpcs
        .iter()
        .flatten()
        .flat_map(|v| v.cidr_blocks.iter().copied())
        .collect();
    let mut ranges: BTreeSet<Ipv4Net> = BTreeSet::new();
    for g in groups {
        let Some(sg) = topo.security_group(g) else {
            continue;
        };
        for p in &sg.ip_permissions {
            for c in &p.ip_ranges {
                // 0.0.0.0/0 (and any range wider than a /8) is `internet`.
                if c.prefix_len() >= 8 && !vpc_cidrs.iter().any(|v| v.contains(c) || c.contains(v))
                {
                    ranges.insert(*c);
                }
            }
        }
    }
    // Every CIDR the snapshot's rules, entries, routes and prefix lists name.
    let all = rule_cidrs(snap);
    let mut out = Vec::new();
    let mut covered: Vec<(u32, u32)> = Vec::new();
    for r in &ranges {
        let (lo, hi) = (u32::from(r.network()), u32::from(r.broadcast()));
        if covered.iter().any(|(a, b)| *a <= lo && hi <= *b) {
            continue; // inside a wider range already cut
        }
        covered.push((lo, hi));
        let mut starts: BTreeSet<u32> = BTreeSet::from([lo]);
        for c in &all {
            let (a, b) = (u32::from(c.network()), u32::from(c.broadcast()));
            if a > lo && a <= hi {
                starts.insert(a);
            }
            if b >= lo && b < hi {
                starts.insert(b + 1);
            }
        }
        let starts: Vec<u32> = starts.into_iter().collect();
        for (i, s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(hi, |n| n - 1);
            out.push((Ipv4Addr::from(*s), Ipv4Addr::from(e)));
        }
    }
    out
}

/// The CIDRs covering `first..=last`.
fn cidrs_of(first: Ipv4Addr, last: Ipv4Addr) -> Vec<String> {
    Ipv4Subnets::new(first, last, 0)
        .map(|n| n.to_string())
        .collect()
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A group or subnet shown with its name: `sg-0abc (app)`.
fn named(id: &str, name: Option<&str>) -> String {
    match name.filter(|n| !n.is_empty() && *n != id) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{} and {} more",
            items[..max].join(", "),
            thousands(items.len() - max)
        )
    }
}

/// One class's answer: kind, class, every port range's answer, the members
/// it stands for.
type Answered<'c, 'a> = (EntryKind, &'c Class<'a>, Vec<PortAccess>, Vec<Member<'a>>);

/// Merges class answers with the same kind, groups and access into entries.
fn entries(
    topo: &Topology,
    answered: Vec<Answered>,
    summary: &mut ReachSummary,
) -> Vec<ReachEntry> {
    // ENIs per exact group set, to say "all".
    let mut per_groups: HashMap<Vec<&str>, usize> = HashMap::new();
    for eni in topo.snapshot.network_interfaces.iter().flatten() {
        if !is_rds(eni) {
            let mut g: Vec<&str> = eni.groups.iter().map(String::as_str).collect();
            g.sort_unstable();
            *per_groups.entry(g).or_default() += 1;
        }
    }
    /// (kind, groups, access), members, subnets, VPCs.
    type Merged = (
        (EntryKind, Vec<String>, Vec<PortAccess>),
        Vec<String>,
        BTreeSet<String>,
        BTreeSet<String>,
    );
    let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
    for (kind, class, all_access, members) in answered {
        let best = all_access
            .iter()
            .map(|a| match a.verdict {
                Verdict::Reachable => 3,
                Verdict::Partial => 2,
                Verdict::Unknown => 1,
                Verdict::Blocked => 0,
            })
            .max()
            .unwrap_or(0);
        let n = members.len();
        summary.considered += n;
        match best {
            3 => summary.reachable += n,
            2 => summary.partial += n,
            1 => summary.unknown += n,
            _ => summary.blocked += n,
        }
        let access: Vec<PortAccess> = all_access
            .into_iter()
            .filter(|a| a.verdict != Verdict::Blocked)
            .collect();
        if access.is_empty() {
            continue;
        }
        let groups = class.end.groups[0].clone();
        let members: Vec<String> = members.iter().map(Member::name).collect();
        // DB instances are listed one by one; ENIs merge across subnets.
        let merge_key = match kind {
            EntryKind::DbInstances | EntryKind::Cidr | EntryKind::Internet => {
                format!("{kind:?}|{}", members.join(","))
            }
            // Classes answered alike (verdict, ports, blocked ports, missing
            // data) merge; the rules on the way are united.
            EntryKind::NetworkInterfaces => format!(
                "{kind:?}|{}|{}",
                groups.join(","),
                access
                    .iter()
                    .map(|a| format!(
                        "{}/{}/{:?}/{:?}/{:?}/{:?}",
                        a.protocol,
                        a.ports,
                        a.verdict,
                        a.blocked_ports,
                        a.missing,
                        a.internet_gateway
                    ))
                    .collect::<Vec<_>>()
                    .join(";")
            ),
        };
        let e = match merged.entry(merge_key) {
            std::collections::btree_map::Entry::Vacant(v) => v.insert((
                (kind, groups, access),
                Vec::new(),
                BTreeSet::new(),
                BTreeSet::new(),
            )),
            std::collections::btree_map::Entry::Occupied(o) => {
                let e = o.into_mut();
                for (mine, theirs) in e.0 .2.iter_mut().zip(access) {
                    for v in theirs.via {
                        if !mine.via.contains(&v) {
                            mine.via.push(v);
                        }
                    }
                }
                e
            }
        };
        e.1.extend(members);
        e.2.extend(class.end.subnets[0].iter().cloned());
        e.3.extend(class.end.vpc[0].iter().cloned());
    }
    let mut out: Vec<ReachEntry> = merged
        .into_values()
        .map(|((kind, groups, access), mut members, subnets, vpcs)| {
            members.sort();
            let n = members.len();
            let gnames: Vec<String> = groups
                .iter()
                .map(|g| named(g, topo.security_group(g).map(|s| s.group_name.as_str())))
                .collect();
            let snames: Vec<String> = subnets
                .iter()
                .map(|s| {
                    named(
                        s,
                        topo.subnet(s)
                            .and_then(|x| x.tags.get("Name"))
                            .map(String::as_str),
                    )
                })
                .collect();
            let summary = match kind {
                EntryKind::NetworkInterfaces => {
                    let gkey: Vec<&str> = groups.iter().map(String::as_str).collect();
                    let total = per_groups.get(&gkey).copied().unwrap_or(0);
                    let all = if total == n && n > 1 { "all " } else { "" };
                    let what = if gnames.is_empty() {
                        "with no security group".to_string()
                    } else {
                        format!("of {}", list(&gnames, 4))
                    };
                    format!(
                        "{all}{} ENI{} {what} in subnet{} {}",
                        thousands(n),
                        if n == 1 { "" } else { "s" },
                        if snames.len() == 1 { "" } else { "s" },
                        list(&snames, 4)
                    )
                }
                EntryKind::DbInstances => format!("DB instance {}", members.join(", ")),
                EntryKind::Internet => "the internet (every public address)".to_string(),
                EntryKind::Cidr => {
                    format!("addresses {} (outside the snapshot)", members.join(", "))
                }
            };
            ReachEntry {
                kind,
                summary,
                count: n,
                members,
                vpcs: vpcs.into_iter().collect(),
                subnets: subnets.into_iter().collect(),
                security_groups: groups,
                access,
            }
        })
        .collect();
    let rank = |e: &ReachEntry| {
        e.access
            .iter()
            .map(|a| match a.verdict {
                Verdict::Reachable => 0,
                Verdict::Partial => 1,
                _ => 2,
            })
            .min()
            .unwrap_or(3)
    };
    out.sort_by(|a, b| {
        (rank(a), a.kind, std::cmp::Reverse(a.count), &a.members).cmp(&(
            rank(b),
            b.kind,
            std::cmp::Reverse(b.count),
            &b.members,
        ))
    });
    out
}

fn ends_of<'a>(c: &Class<'a>, fixed: &BTreeSet<String>) -> (Option<String>, Vec<Member<'a>>) {
    let members: Vec<Member> = c
        .members
        .iter()
        .filter(|m| !m.is_in(fixed))
        .cloned()
        .collect();
    let rep = c.refs.iter().find(|r| !fixed.contains(*r)).cloned();
    (rep, members)
}

/// Answers `query` on `topo`.
///
/// Input: a [`ReachQuery`] (a reference as `explain` takes it, or exposure)
/// and [`ReachOptions`] (an optional port). Output: a [`Reach`]: entries
/// grouping the far ends that reach (or are reached) alike, each with the
/// port ranges (TCP/UDP, inclusive) and their verdict (`reachable`,
/// `partial` or `unknown`; blocked ranges are left out), the rules on the
/// way and the internet gateway; plus per-end counts.
///
/// Errors: [`ReachError::Resolve`] when the reference names nothing or
/// several things; [`ReachError::Usage`] for a protocol other than TCP or
/// UDP.
pub fn reach(
    topo: &Topology,
    query: &ReachQuery,
    opts: &ReachOptions,
) -> Result<Reach, ReachError> {
    let protocol = opts.protocol.unwrap_or(IpProtocol::Tcp);
    if !protocol.has_ports() {
        return Err(ReachError::Usage("--protocol must be tcp or udp".into()));
    }
    let only = opts.port.map(|p| vec![(protocol, PortRange::new(p, p))]);
    let mut summary = ReachSummary::default();
    let mut warnings = Vec::new();
    for g in &topo.snapshot.metadata.gaps {
        warnings.push(format!(
            "the snapshot is partial: {} failed in {} ({}); answers that need it are unknown",
            g.operation,
            g.region.as_deref().unwrap_or("an unknown region"),
            g.error
        ));
    }
    let all = classes(topo);
    let internet = Class {
        kind: EntryKind::Internet,
        refs: vec!["internet".into()],
        members: vec![Member::named("internet".into(), Vec::new())],
        end: End::new("internet".into(), EndKind::Internet),
    };
    let mut answered: Vec<Answered> = Vec::new();
    let mut walks = 0usize;
    let (name, target) = match query {
        ReachQuery::To(reference) => {
            let ep = resolve(topo, reference, None)?;
            let (fixed, ids) = fixed_end(topo, &ep);
            let ranges = only.clone().unwrap_or_else(|| fixed.ports[0].clone());
            if ranges.is_empty() && fixed.kind != EndKind::Internet {
                warnings.push(format!(
                    "no inbound rule of {reference}'s security groups opens a TCP or UDP port; pass --port"
                ));
            }
            for c in all
                .iter()
                .filter(|c| c.kind == EntryKind::NetworkInterfaces)
            {
                let (rep, members) = ends_of(c, &ids);
                let (Some(rep), false) = (rep, members.is_empty()) else {
                    continue;
                };
                let r = if fixed.kind == EndKind::Internet {
                    only.clone()
                        .unwrap_or_else(|| egress_ports(topo, &c.end.groups[0]))
                } else {
                    ranges.clone()
                };
                let acc = evaluate(topo, &rep, &c.end, reference, &fixed, &r, &mut walks);
                answered.push((c.kind, c, acc, members));
            }
            if fixed.kind != EndKind::Internet {
                let acc = evaluate(
                    topo,
                    "internet",
                    &internet.end,
                    reference,
                    &fixed,
                    &ranges,
                    &mut walks,
                );
                answered.push((
                    EntryKind::Internet,
                    &internet,
                    acc,
                    vec![Member::named("internet".into(), Vec::new())],
                ));
            }
            // Address ranges outside the snapshot that the groups name.
            let mut cidr_classes: Vec<(Class, Vec<String>)> = Vec::new();
            let groups = match ep.db {
                Some(db) => db.vpc_security_group_ids.clone(),
                None => fixed.groups[0].clone(),
            };
            for (first, last) in outside_ranges(topo, &groups) {
                let addr = first.to_string();
                let key = cidrs_of(first, last).join(" ");
                let end = End::new(addr.clone(), EndKind::Address);
                cidr_classes.push((
                    Class {
                        kind: EntryKind::Cidr,
                        refs: vec![addr],
                        members: vec![Member::named(key.clone(), Vec::new())],
                        end,
                    },
                    vec![key],
                ));
            }
            let mut cidr_answers = Vec::new();
            for (c, members) in &cidr_classes {
                let acc = evaluate(
                    topo, &c.refs[0], &c.end, reference, &fixed, &ranges, &mut walks,
                );
                let members = members
                    .iter()
                    .map(|m| Member::named(m.clone(), Vec::new()))
                    .collect();
                cidr_answers.push((EntryKind::Cidr, c, acc, members));
            }
            summary.classes = answered.len() + cidr_answers.len();
            let mut entries_out = entries(topo, answered, &mut summary);
            let mut cidr_entries = entries(topo, cidr_answers, &mut ReachSummary::default());
            // CIDR ranges are not counted as ends; merge adjacent ranges with one answer.
            cidr_entries.sort_by(|a, b| a.members.cmp(&b.members));
            entries_out.extend(cidr_entries);
            summary.walks = walks;
            return Ok(Reach {
                query: "to",
                target: Some(ep.info(topo)),
                entries: entries_out,
                summary,
                warnings,
            });
        }
        ReachQuery::From(reference) => {
            let ep = resolve(topo, reference, None)?;
            let (fixed, ids) = fixed_end(topo, &ep);
            let outside = ep.is_outside();
            for c in all.iter() {
                if outside && !c.end.public[0] && ep.kind == crate::resolve::EndpointKind::Internet
                {
                    // From the internet only public ends can be reached.
                    let (_, members) = ends_of(c, &ids);
                    answered.push((c.kind, c, Vec::new(), members));
                    continue;
                }
                let (rep, members) = ends_of(c, &ids);
                let (Some(rep), false) = (rep, members.is_empty()) else {
                    continue;
                };
                let r = only.clone().unwrap_or_else(|| c.end.ports[0].clone());
                let acc = evaluate(topo, reference, &fixed, &rep, &c.end, &r, &mut walks);
                answered.push((c.kind, c, acc, members));
            }
            if !outside {
                let r = only
                    .clone()
                    .unwrap_or_else(|| egress_ports(topo, &fixed.groups[0]));
                let acc = evaluate(
                    topo,
                    reference,
                    &fixed,
                    "internet",
                    &internet.end,
                    &r,
                    &mut walks,
                );
                answered.push((
                    EntryKind::Internet,
                    &internet,
                    acc,
                    vec![Member::named("internet".into(), Vec::new())],
                ));
            }
            ("from", Some(ep.info(topo)))
        }
        ReachQuery::Exposure => {
            for c in all.iter() {
                if !c.end.public[0] {
                    continue;
                }
                let (rep, members) = ends_of(c, &BTreeSet::new());
                let Some(rep) = rep else { continue };
                let r = only.clone().unwrap_or_else(|| c.end.ports[0].clone());
                let acc = evaluate(
                    topo,
                    "internet",
                    &internet.end,
                    &rep,
                    &c.end,
                    &r,
                    &mut walks,
                );
                answered.push((c.kind, c, acc, members));
            }
            ("exposure", None)
        }
    };
    summary.classes = answered.len();
    let entries_out = entries(topo, answered, &mut summary);
    summary.walks = walks;
    Ok(Reach {
        query: name,
        target,
        entries: entries_out,
        summary,
        warnings,
    })
}
