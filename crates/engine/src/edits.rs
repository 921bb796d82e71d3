//! Resource-level edits between two snapshots: the "cause" half of
//! `netpath diff`.
//!
//! Input: two [`Snapshot`]s. Output: a list of [`Edit`]s, each naming one
//! change to one AWS resource in terms of the EC2 API: a security-group rule
//! added or removed (one edit per peer, as
//! `AuthorizeSecurityGroupIngress`/`RevokeSecurityGroupIngress` take them), a
//! network ACL entry added, removed or replaced (keyed by rule number and
//! direction, as `CreateNetworkAclEntry`/`ReplaceNetworkAclEntry` are), a
//! route added, removed or replaced (keyed by destination, as `CreateRoute`/
//! `ReplaceRoute` are), a subnet's route-table or network-ACL association
//! moved, a peering connection's status changed, an ENI's groups changed, an
//! instance or DB instance's state changed, and resources added or removed.
//! Sources: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Operations.html>.
//!
//! Edits carry the ids they touch so the diff can attribute each changed flow
//! to the edits on its path ([`Edit::relevant_to`]).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use netpath_model::*;
use serde::Serialize;

use crate::route_table;
use crate::security_group::{describe_ports, permission_ports};

/// Added, removed or modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EditChange {
    /// Present only in AFTER.
    Added,
    /// Present only in BEFORE.
    Removed,
    /// Present in both, different.
    Modified,
}

/// One resource-level change between BEFORE and AFTER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Added, removed or modified.
    pub change: EditChange,
    /// What changed, in AWS API terms: `security-group-rule`,
    /// `network-acl-entry`, `route`, `route-table-association`,
    /// `network-acl-association`, `vpc-peering-connection`,
    /// `network-interface`, `instance`, `db-instance`, or a whole resource
    /// (`security-group`, `network-acl`, `route-table`, `subnet`, `vpc`,
    /// `internet-gateway`, `nat-gateway`, `prefix-list`).
    pub resource_type: &'static str,
    /// The id of the resource that holds the change (the group of a rule,
    /// the ACL of an entry, the route table of a route, the subnet of an
    /// association).
    pub resource_id: String,
    /// One line for a human, e.g. `sg-1 inbound tcp 5432 from sg-2`.
    pub detail: String,
    /// The value in BEFORE, for modifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The value in AFTER, for modifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// VPCs the edit can affect; `None` means any (a prefix list).
    #[serde(skip)]
    pub vpcs: Option<Vec<String>>,
    /// Ids whose presence on a flow's path makes this edit relevant to it.
    #[serde(skip)]
    pub touches: Vec<String>,
    /// Protocol and ports the edit covers (rules and entries); `None` for all.
    #[serde(skip)]
    pub ports: Option<(IpProtocol, PortRange)>,
    /// The destination CIDR of a route edit.
    #[serde(skip)]
    pub cidr: Option<Ipv4Net>,
    /// Which end of a flow must carry a touched component for the edit to
    /// matter: ingress rules act on destinations, egress rules on sources,
    /// everything else on both.
    #[serde(skip)]
    pub role: EditRole,
    /// The packets' far end the edited rule or entry can match: the peer
    /// of a security-group rule, the CIDR of a NACL entry. Empty: any.
    #[serde(skip)]
    pub(crate) peers: Vec<EditPeer>,
}

/// What a rule or entry matches at the far end of a packet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EditPeer {
    /// Addresses in an IPv4 CIDR.
    Cidr(Ipv4Net),
    /// Private IPs of ENIs carrying a group.
    Group(String),
    /// Anything (prefix lists, IPv6 ranges, which IPv4 flows never match,
    /// are kept here to stay on the safe side).
    Any,
}

/// Which end of a flow an edit acts on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EditRole {
    /// Only when the flow's source carries the component (egress rules).
    Source,
    /// Only when the destination carries it (ingress rules).
    Destination,
    /// Either end, or the path between them.
    #[default]
    Both,
}

/// What a flow's evaluation touched, for attribution.
#[derive(Debug, Clone, Default)]
pub struct FlowFootprint {
    /// Ids of every component evaluated (groups, ACLs, route tables,
    /// peerings, gateways, ENIs, subnets, instances, DB instances).
    pub ids: BTreeSet<String>,
    /// Protocol of the flow.
    pub protocol: Option<IpProtocol>,
    /// Destination port and the client's ephemeral range.
    pub ports: Vec<PortRange>,
    /// Addresses of both ends, when single addresses (route edits are
    /// relevant when their CIDR holds one of them; an empty list holds all).
    pub addrs: Vec<Ipv4Addr>,
}

impl Edit {
    fn new(change: EditChange, resource_type: &'static str, id: &str, detail: String) -> Edit {
        Edit {
            change,
            resource_type,
            resource_id: id.to_string(),
            detail,
            before: None,
            after: None,
            vpcs: Some(Vec::new()),
            touches: vec![id.to_string()],
            ports: None,
            cidr: None,
            peers: Vec::new(),
            role: EditRole::Both,
        }
    }

    fn vpc(mut self, vpc: Option<&str>) -> Edit {
        match vpc {
            Some(v) => self.vpcs = Some(vec![v.to_string()]),
            None => self.vpcs = None,
        }
        self
    }

    fn values(mut self, before: impl Into<String>, after: impl Into<String>) -> Edit {
        self.before = Some(before.into());
        self.after = Some(after.into());
        self
    }

    /// True when this edit can have changed a flow with footprint `fp`: it
    /// touches a component the flow evaluated, covers the flow's protocol and
    /// ports (rules and entries), and holds one of its addresses (routes).
    pub fn relevant_to(&self, fp: &FlowFootprint) -> bool {
        if !self.touches.iter().any(|t| fp.ids.contains(t)) {
            return false;
        }
        if let (Some((proto, range)), Some(fproto)) = (self.ports, fp.protocol) {
            let proto_ok = proto == IpProtocol::All || proto == fproto;
            let port_ok = fp
                .ports
                .iter()
                .any(|p| p.from <= range.to && range.from <= p.to);
            if !(proto_ok && port_ok) {
                return false;
            }
        }
        if let Some(c) = self.cidr {
            if !fp.addrs.is_empty() && !fp.addrs.iter().any(|a| c.contains(a)) {
                return false;
            }
        }
        true
    }
}

/// Every edit from `before` to `after`, grouped by resource type in a stable
/// order (VPCs and subnets, security groups, network ACLs, route tables,
/// peerings, gateways, prefix lists, ENIs, instances, DB instances).
pub fn compare(before: &Snapshot, after: &Snapshot) -> Vec<Edit> {
    let mut out = Vec::new();
    whole(
        &mut out,
        "vpc",
        &before.vpcs,
        &after.vpcs,
        |v| &v.vpc_id,
        |v| Some(&v.vpc_id),
    );
    whole(
        &mut out,
        "subnet",
        &before.subnets,
        &after.subnets,
        |s| &s.subnet_id,
        |s| Some(&s.vpc_id),
    );
    security_groups(&mut out, before, after);
    network_acls(&mut out, before, after);
    route_tables(&mut out, before, after);
    peerings(&mut out, before, after);
    whole(
        &mut out,
        "internet-gateway",
        &before.internet_gateways,
        &after.internet_gateways,
        |g| &g.internet_gateway_id,
        |_| None,
    );
    whole(
        &mut out,
        "nat-gateway",
        &before.nat_gateways,
        &after.nat_gateways,
        |g| &g.nat_gateway_id,
        |g| Some(&g.vpc_id),
    );
    whole(
        &mut out,
        "prefix-list",
        &before.prefix_lists,
        &after.prefix_lists,
        |p| &p.prefix_list_id,
        |_| None,
    );
    network_interfaces(&mut out, before, after);
    instances(&mut out, before, after);
    db_instances(&mut out, before, after);
    out
}

fn by_id<'a, T>(
    v: &'a Option<Vec<T>>,
    id: impl Fn(&'a T) -> &'a String,
) -> BTreeMap<&'a str, &'a T> {
    v.iter().flatten().map(|x| (id(x).as_str(), x)).collect()
}

/// Adds, removes, and (for resources without a finer comparison) modifies.
fn whole<T: Serialize + PartialEq>(
    out: &mut Vec<Edit>,
    kind: &'static str,
    before: &Option<Vec<T>>,
    after: &Option<Vec<T>>,
    id: impl Fn(&T) -> &String + Copy,
    vpc: impl Fn(&T) -> Option<&String>,
) {
    let b = by_id(before, id);
    let a = by_id(after, id);
    for (k, x) in &b {
        match a.get(k) {
            None => out.push(
                Edit::new(EditChange::Removed, kind, k, format!("{kind} {k} removed"))
                    .vpc(vpc(x).map(String::as_str)),
            ),
            Some(y) if *y != *x => {
                let fields = changed_fields(*x, *y);
                out.push(
                    Edit::new(
                        EditChange::Modified,
                        kind,
                        k,
                        format!("{kind} {k} changed: {}", fields.join(", ")),
                    )
                    .vpc(vpc(x).or(vpc(y)).map(String::as_str)),
                )
            }
            _ => {}
        }
    }
    for (k, y) in &a {
        if !b.contains_key(k) {
            out.push(
                Edit::new(EditChange::Added, kind, k, format!("{kind} {k} added"))
                    .vpc(vpc(y).map(String::as_str)),
            );
        }
    }
}

/// The top-level fields whose JSON differs.
fn changed_fields<T: Serialize>(x: &T, y: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(x), serde_json::to_value(y))
    else {
        return vec!["(value)".into()];
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}

/// One security-group rule with one peer, as `Authorize*`/`Revoke*` take it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AtomicRule {
    egress: bool,
    text: String,
    proto: IpProtocol,
    range: PortRange,
    peer: EditPeer,
}

fn atomic_rules(sg: &SecurityGroup) -> BTreeSet<AtomicRule> {
    let mut out = BTreeSet::new();
    for (egress, perms) in [
        (false, &sg.ip_permissions),
        (true, &sg.ip_permissions_egress),
    ] {
        let dir = if egress { "outbound" } else { "inbound" };
        let prep = if egress { "to" } else { "from" };
        for p in perms {
            let ports = describe_ports(p);
            let peers = p
                .ip_ranges
                .iter()
                .map(|c| (c.to_string(), EditPeer::Cidr(*c)))
                .chain(p.ipv6_ranges.iter().map(|c| (c.to_string(), EditPeer::Any)))
                .chain(p.prefix_list_ids.iter().map(|c| (c.clone(), EditPeer::Any)))
                .chain(
                    p.user_id_group_pairs
                        .iter()
                        .map(|g| (g.group_id.clone(), EditPeer::Group(g.group_id.clone()))),
                );
            for (peer, matches) in peers {
                out.insert(AtomicRule {
                    egress,
                    text: format!("{} {dir} {ports} {prep} {peer}", sg.group_id),
                    proto: p.ip_protocol,
                    range: permission_ports(p),
                    peer: matches,
                });
            }
        }
    }
    out
}

fn security_groups(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.security_groups, |g| &g.group_id);
    let a = by_id(&after.security_groups, |g| &g.group_id);
    for (id, g) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "security-group",
                    id,
                    format!("security group {id} ({}) removed", g.group_name),
                )
                .vpc(g.vpc_id.as_deref()),
            );
        }
    }
    for (id, g) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "security-group",
                    id,
                    format!("security group {id} ({}) added", g.group_name),
                )
                .vpc(g.vpc_id.as_deref()),
            );
            continue;
        };
        let (rb, ra) = (atomic_rules(old), atomic_rules(g));
        let rule_edit = |change, r: &AtomicRule| {
            let mut e = Edit::new(change, "security-group-rule", id, r.text.clone())
                .vpc(g.vpc_id.as_deref());
            e.ports = Some((r.proto, r.range));
            e.peers = vec![r.peer.clone()];
            e.role = if r.egress {
                EditRole::Source
            } else {
                EditRole::Destination
            };
            e
        };
        out.extend(
            rb.difference(&ra)
                .map(|r| rule_edit(EditChange::Removed, r)),
        );
        out.extend(ra.difference(&rb).map(|r| rule_edit(EditChange::Added, r)));
    }
}

fn entry_text(acl: &str, e: &NetworkAclEntry) -> String {
    let dir = if e.egress { "egress" } else { "ingress" };
    let ports = match (e.protocol.has_ports(), e.port_range) {
        (true, Some(r)) => format!(" {r}"),
        _ => String::new(),
    };
    let proto = if e.protocol == IpProtocol::All {
        "all".to_string()
    } else {
        e.protocol.to_string()
    };
    let cidr = e
        .cidr_block
        .map(|c| c.to_string())
        .or_else(|| e.ipv6_cidr_block.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".into());
    format!(
        "{acl} {dir} rule {} {} {proto}{ports} {cidr}",
        e.rule_number, e.rule_action
    )
}

fn entry_peer(e: &NetworkAclEntry) -> EditPeer {
    e.cidr_block.map_or(EditPeer::Any, EditPeer::Cidr)
}

fn entry_ports(e: &NetworkAclEntry) -> (IpProtocol, PortRange) {
    let r = if e.protocol.has_ports() {
        e.port_range.unwrap_or(PortRange::ALL)
    } else {
        PortRange::ALL
    };
    (e.protocol, r)
}

fn network_acls(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    let b = by_id(&before.network_acls, |g| &g.network_acl_id);
    let a = by_id(&after.network_acls, |g| &g.network_acl_id);
    for (id, acl) in &b {
        if !a.contains_key(id) {
            out.push(
                Edit::new(
                    EditChange::Removed,
                    "network-acl",
                    id,
                    format!("network ACL {id} removed"),
                )
                .vpc(Some(&acl.vpc_id)),
            );
        }
    }
    for (id, acl) in &a {
        let Some(old) = b.get(id) else {
            out.push(
                Edit::new(
                    EditChange::Added,
                    "network-acl",
                    id,
                    format!("network ACL {id} added"),
                )
                .vpc(Some(&acl.vpc_id)),
            );
            continue;
        };
        let key = |x: &NetworkAcl| -> BTreeMap<(bool, u16), NetworkAclEntry> {
            x.entries
                .iter()
                .map(|e| ((e.egress, e.rule_number), e.clone()))
                .collect()
        };
        let (eb, ea) = (key(old), key(acl));
        let mk = |change, e: &NetworkAclEntry, text: String| {
            let mut ed = Edit::new(change, "network-acl-entry", id, text).vpc(Some(&acl.vpc_id));
            ed.ports = Some(entry_ports(e));
            ed.peers = vec![entry_peer(e)];
            ed
        };
        for (k, e) in &eb {
            match ea.get(k) {
                None => out.push(mk(EditChange::Removed, e, entry_text(id, e))),
                Some(n) if n != e => {
                    // A replaced entry is relevant on both its old and new ports.
                    let (p1, r1) = entry_ports(e);
                    let (p2, r2) = entry_ports(n);
                    let mut ed = mk(
                        EditChange::Modified,
                        n,
                        format!("{} (was: {})", entry_text(id, n), entry_text(id, e)),
                    )
                    .values(entry_text(id, e), entry_text(id, n));
                    ed.peers = vec![entry_peer(e), entry_peer(n)];
                    let proto = if p1 == p2 { p1 } else { IpProtocol::All };
                    ed.ports = Some((
                        proto,
                        PortRange::new(r1.from.min(r2.from), r1.to.max(r2.to)),
                    ));
                    out.push(ed);
                }
                _ => {}
            }
        }
        for (k, e) in &ea {
            if !eb.contains_key(k) {
                out.push(mk(EditChange::Added, e, entry_text(id, e)));
            }
        }
    }
    // Associations: which ACL each subnet uses (explicitly).
    let assoc = |s: &Snapshot| -> BTreeMap<String, (String, String)> {
        s.network_acls
            .iter()
            .flatten()
            .flat_map(|acl| {
                acl.associated_subnet_ids.iter().map(move |sub| {
                    (
                        sub.clone(),
                        (acl.network_acl_id.clone(), acl.vpc_id.clone()),
                    )
                })
            })
            .collect()
    };
    association_edits(out, "network-acl-association", assoc(before), assoc(after));
}

fn association_edits(
    out: &mut Vec<Edit>,
    kind: &'static str,
    b: BTreeMap<String, (String, String)>,
    a: BTreeMap<String, (String, String)>,
) {
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for k in keys {
        let (old, new) = (b.get(k), a.get(k));
        if old.map(|x| &x.0) == new.map(|x| &x.0) {
            continue;
        }
        let show =
            |x: Option<&(String, String)>| x.map_or("(main/default)".to_string(), |x| x.0.clone());
        let vpc = old.or(new).map(|x| x.1.as_str());
        let mut e = Edit::new(
            EditChange::Modified,
            kind,
            k,
            format!("{k}: {} -> {}", show(old), show(new)),
        )
        .vpc(vpc)
        .values(show(old), show(new));
        e.touches
            .extend(old.iter().chain(new.iter()).map(|x| x.0.clone()));
        out.push(e);
    }
}

fn route_key(r: &Route) -> String {
    r.destination_cidr_block
        .map(|c| c.to_string())
        .or_else(|| r.destination_prefix_list_id.clone())
        .or_else(|| r.destination_ipv6_cidr_block.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".into())
}

fn route_tables(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
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
        let key = |x: &RouteTable| -> BTreeMap<String, Route> {
            x.routes.iter().map(|r| (route_key(r), r.clone())).collect()
        };
        let (rb, ra) = (key(old), key(rt));
        let mk = |change, r: &Route, text: String| {
            let mut e = Edit::new(change, "route", id, text).vpc(Some(&rt.vpc_id));
            e.cidr = r.destination_cidr_block;
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
                    format!("{id} route {}", route_table::describe(r)),
                )),
                Some(n) if n.target_id() != r.target_id() || n.state != r.state => {
                    let mut e = mk(
                        EditChange::Modified,
                        n,
                        format!(
                            "{id} route {} (was: {})",
                            route_table::describe(n),
                            route_table::describe(r)
                        ),
                    )
                    .values(route_table::describe(r), route_table::describe(n));
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
                    format!("{id} route {}", route_table::describe(r)),
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

fn peerings(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
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

fn network_interfaces(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
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
                .extend(old.groups.iter().chain(&e.groups).cloned());
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

fn instances(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
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

fn db_instances(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
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
