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

mod instance;
mod network_acl;
mod network_interface;
mod route_table;
mod security_group;
mod transit_gateway;
mod vpc_peering_connection;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use ipnet::IpNet;
use netpath_model::*;
use serde::Serialize;

use instance::{db_instances, instances};
use network_acl::network_acls;
use network_interface::network_interfaces;
use route_table::route_tables;
use security_group::security_groups;
use transit_gateway::transit_gateways;
use vpc_peering_connection::peerings;

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
    /// `internet-gateway`, `egress-only-internet-gateway`, `nat-gateway`,
    /// `vpc-endpoint`, `prefix-list`, `load-balancer`,
    /// `load-balancer-listener`, `load-balancer-attributes`, `target-group`,
    /// `target-health`).
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
    /// The destination CIDR of a route edit (IPv4 or IPv6).
    #[serde(skip)]
    pub cidr: Option<IpNet>,
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
    /// Addresses in a CIDR, IPv4 or IPv6 (a flow of the other family never
    /// matches it).
    Cidr(IpNet),
    /// Private IPs of ENIs carrying a group.
    Group(String),
    /// Anything (prefix lists are kept here to stay on the safe side).
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
    pub addrs: Vec<IpAddr>,
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
        self.relevant_to_flow(fp, false)
    }

    /// [`Edit::relevant_to`], where `ends_touched` says the edit touches an
    /// id of the flow's ends (their ENIs, instances, DB instances), known
    /// in advance so those ids need not be in `fp.ids`.
    pub fn relevant_to_flow(&self, fp: &FlowFootprint, ends_touched: bool) -> bool {
        if !ends_touched && !self.touches.iter().any(|t| fp.ids.contains(t)) {
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
    // Attaching or detaching one changes IPv6 flows to the internet.
    whole(
        &mut out,
        "egress-only-internet-gateway",
        &before.egress_only_internet_gateways,
        &after.egress_only_internet_gateways,
        |g| &g.egress_only_internet_gateway_id,
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
    transit_gateways(&mut out, before, after);
    whole(
        &mut out,
        "vpn-gateway",
        &before.vpn_gateways,
        &after.vpn_gateways,
        |g| &g.vpn_gateway_id,
        |_| None,
    );
    whole(
        &mut out,
        "vpn-connection",
        &before.vpn_connections,
        &after.vpn_connections,
        |c| &c.vpn_connection_id,
        |_| None,
    );
    whole(
        &mut out,
        "direct-connect-gateway-association",
        &before.direct_connect_gateway_associations,
        &after.direct_connect_gateway_associations,
        |a| &a.association_id,
        |_| None,
    );
    whole(
        &mut out,
        "vpc-endpoint",
        &before.vpc_endpoints,
        &after.vpc_endpoints,
        |e| &e.vpc_endpoint_id,
        |e| Some(&e.vpc_id),
    );
    load_balancers(&mut out, before, after);
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
    // Values a plan leaves unknown until apply (`after-apply:` gaps): an
    // edit whose flows become unknown wherever they are.
    for g in &after.metadata.gaps {
        if g.error.starts_with("after-apply: ") && !before.metadata.gaps.contains(g) {
            if let Some(r) = &g.resource {
                out.push(Edit::new(EditChange::Added, "unresolved", r, g.to_string()).vpc(None));
            }
        }
    }
    out
}

/// Load balancers, listeners, attributes, target groups and target health:
/// added, removed or modified, each touching the load balancer or target
/// group whose ARN the walk's hops carry (`walk/load_balancer.rs`).
fn load_balancers(out: &mut Vec<Edit>, before: &Snapshot, after: &Snapshot) {
    whole(
        out,
        "load-balancer",
        &before.load_balancers,
        &after.load_balancers,
        |x| &x.load_balancer_arn,
        |x| Some(&x.vpc_id),
    );
    let from = out.len();
    whole(
        out,
        "load-balancer-listener",
        &before.load_balancer_listeners,
        &after.load_balancer_listeners,
        |x| &x.listener_arn,
        |_| None,
    );
    // A listener's edit matters where its load balancer is on the path.
    let owner: BTreeMap<&str, &str> = before
        .load_balancer_listeners
        .iter()
        .chain(after.load_balancer_listeners.iter())
        .flatten()
        .map(|l| (l.listener_arn.as_str(), l.load_balancer_arn.as_str()))
        .collect();
    for e in &mut out[from..] {
        if let Some(lb) = owner.get(e.resource_id.as_str()) {
            e.touches.push(lb.to_string());
        }
    }
    // A rule's edit matters where its listener's load balancer is.
    let from = out.len();
    whole(
        out,
        "load-balancer-listener-rule",
        &before.load_balancer_rules,
        &after.load_balancer_rules,
        |x| &x.rule_arn,
        |_| None,
    );
    let listener_of: BTreeMap<&str, &str> = before
        .load_balancer_rules
        .iter()
        .chain(after.load_balancer_rules.iter())
        .flatten()
        .map(|r| (r.rule_arn.as_str(), r.listener_arn.as_str()))
        .collect();
    for e in &mut out[from..] {
        if let Some(l) = listener_of.get(e.resource_id.as_str()) {
            e.touches.push(l.to_string());
            if let Some(lb) = owner.get(l) {
                e.touches.push(lb.to_string());
            }
        }
    }
    whole(
        out,
        "load-balancer-attributes",
        &before.load_balancer_attributes,
        &after.load_balancer_attributes,
        |x| &x.load_balancer_arn,
        |_| None,
    );
    whole(
        out,
        "target-group",
        &before.target_groups,
        &after.target_groups,
        |x| &x.target_group_arn,
        |x| x.vpc_id.as_ref(),
    );
    whole(
        out,
        "target-health",
        &before.target_health,
        &after.target_health,
        |x| &x.target_group_arn,
        |_| None,
    );
}

pub(super) fn by_id<'a, C: netpath_model::Collection>(
    v: &'a Option<C>,
    id: impl Fn(&'a C::Item) -> &'a str,
) -> BTreeMap<&'a str, &'a C::Item> {
    v.as_deref()
        .unwrap_or_default()
        .iter()
        .map(|x| (id(x), x))
        .collect()
}

/// Adds, removes, and (for resources without a finer comparison) modifies.
pub(super) fn whole<T: Serialize + PartialEq>(
    out: &mut Vec<Edit>,
    kind: &'static str,
    before: &Option<Vec<T>>,
    after: &Option<Vec<T>>,
    id: impl Fn(&T) -> &String + Copy,
    vpc: impl Fn(&T) -> Option<&String>,
) {
    let b = by_id(before, |x| id(x).as_str());
    let a = by_id(after, |x| id(x).as_str());
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
