//! The overlay's working state: the snapshot being edited, the plan, and
//! what has been found so far; and value lookups on a change (known,
//! unknown, resolved through references).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde_json::Value;

use super::plan::{Plan, ResourceChange};
use super::{after_apply_gap, AppliedChange, PlanOverlay, Unresolved};
use crate::snapshot::Snapshot;

/// Number of phases changes are applied in.
pub(crate) const PHASES: usize = 5;

/// The phase a resource type is applied in, `None` when not modelled:
/// 0 networks and gateways; 1 groups, ACLs, route tables, and attachments,
/// accepters and CIDRs of phase 0's resources; 2 their rules,
/// routes and associations; 3 interfaces, instances, subnet groups;
/// 4 databases, Elastic IPs and their associations.
pub(crate) fn phase(t: &str) -> Option<usize> {
    Some(match t {
        "aws_vpc"
        | "aws_subnet"
        | "aws_internet_gateway"
        | "aws_nat_gateway"
        | "aws_vpc_peering_connection"
        | "aws_egress_only_internet_gateway" => 0,
        // Changes to what phase 0 makes, whatever their order in the file.
        "aws_internet_gateway_attachment"
        | "aws_vpc_peering_connection_accepter"
        | "aws_vpc_ipv4_cidr_block_association"
        | "aws_vpc_ipv6_cidr_block_association"
        | "aws_security_group"
        | "aws_default_security_group"
        | "aws_network_acl"
        | "aws_default_network_acl"
        | "aws_route_table"
        | "aws_default_route_table" => 1,
        "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_security_group_egress_rule"
        | "aws_network_acl_rule"
        | "aws_network_acl_association"
        | "aws_route"
        | "aws_route_table_association"
        | "aws_main_route_table_association" => 2,
        "aws_instance"
        | "aws_network_interface"
        | "aws_db_subnet_group"
        | "aws_network_interface_sg_attachment" => 3,
        "aws_db_instance" | "aws_eip" | "aws_eip_association" => 4,
        _ => return None,
    })
}

/// True for resource types netpath does not model whose change can alter
/// which packets pass.
pub(crate) fn carries_traffic(t: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "aws_ec2_transit_gateway",
        "aws_vpn_",
        "aws_customer_gateway",
        "aws_dx_",
        "aws_vpc_endpoint",
        "aws_lb",
        "aws_alb",
        "aws_elb",
        "aws_networkfirewall_",
        "aws_ec2_managed_prefix_list",
        "aws_network_interface_attachment",
        "aws_route53_resolver_firewall",
        "aws_ec2_local_gateway",
        "aws_ec2_carrier_gateway",
        "aws_networkmanager_",
        "aws_vpc_block_public_access",
        "aws_rds_cluster",
        "aws_docdb_",
        "aws_elasticache_",
        "aws_redshift_",
        "aws_lambda_function",
        "aws_ecs_service",
        "aws_eks_",
    ];
    PREFIXES.iter().any(|p| t.starts_with(p))
}

/// The working state.
pub(crate) struct Ctx<'p> {
    pub plan: &'p Plan,
    pub snap: Snapshot,
    changes: Vec<AppliedChange>,
    unresolved: Vec<Unresolved>,
    pub drift: Vec<String>,
    unsupported: Vec<String>,
    pub warnings: Vec<String>,
    /// Ids the overlay deleted (routes to them become blackholes).
    pub deleted: BTreeSet<String>,
    /// DB subnet groups the plan creates or changes, by name.
    pub subnet_groups: std::collections::BTreeMap<String, crate::resources::DbSubnetGroup>,
    next_public: u32,
}

impl<'p> Ctx<'p> {
    pub fn new(before: &Snapshot, plan: &'p Plan) -> Ctx<'p> {
        Ctx {
            plan,
            snap: before.clone(),
            changes: Vec::new(),
            unresolved: Vec::new(),
            drift: Vec::new(),
            unsupported: Vec::new(),
            warnings: Vec::new(),
            deleted: BTreeSet::new(),
            subnet_groups: Default::default(),
            next_public: 0,
        }
    }

    pub fn applied(&mut self, rc: &ResourceChange, ids: Vec<String>) {
        self.changes.push(AppliedChange {
            address: rc.address.clone(),
            resource_type: rc.resource_type.clone(),
            actions: rc.change.actions.clone(),
            ids,
        });
    }

    pub fn unsupported(&mut self, rc: &ResourceChange) {
        self.unsupported.push(format!(
            "{} ({}: {})",
            rc.address,
            rc.resource_type,
            rc.change.actions_text()
        ));
    }

    /// Records that `attribute` of `rc` could not be resolved, making
    /// `resource`'s flows unknown.
    pub fn unresolved(
        &mut self,
        rc: &ResourceChange,
        attribute: &str,
        resource: &str,
        reason: &str,
    ) {
        let gap = after_apply_gap(&rc.address, attribute, resource, reason);
        self.snap.metadata.gaps.push(gap);
        self.unresolved.push(Unresolved {
            address: rc.address.clone(),
            attribute: attribute.into(),
            resource: resource.into(),
            reason: reason.into(),
        });
    }

    pub fn drift(&mut self, rc: &ResourceChange, id: &str, what: &str) {
        self.drift.push(format!(
            "{} ({id}): {what}; the change is applied to the snapshot's copy",
            rc.address
        ));
    }

    /// A placeholder public address for an Elastic or public IP known only
    /// after apply, from 198.51.100.0/24 (TEST-NET-2, RFC 5737): no real
    /// packet carries it, and only its presence matters to a path.
    pub fn placeholder_public_ip(&mut self) -> Ipv4Addr {
        self.next_public += 1;
        Ipv4Addr::from(u32::from(Ipv4Addr::new(198, 51, 100, 0)) + (self.next_public % 254) + 1)
    }

    pub fn finish(mut self) -> PlanOverlay {
        // Routes whose target the plan deletes become blackholes, as AWS
        // shows them (<https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
        if let Some(rts) = &mut self.snap.route_tables {
            for rt in rts {
                for r in &mut rt.routes {
                    if r.target_id().is_some_and(|t| self.deleted.contains(t)) {
                        r.state = crate::RouteState::Blackhole;
                    }
                }
            }
        }
        PlanOverlay {
            after: self.snap,
            changes: self.changes,
            unresolved: self.unresolved,
            drift: self.drift,
            unsupported: self.unsupported,
            warnings: self.warnings,
        }
    }

    /// The id a resource at `address` has after apply: its `after.id`
    /// when known, its `before.id` when it is kept, else a placeholder
    /// naming the address. `Err` when the plan does not hold it.
    pub fn id_of_address(&self, address: &str, attribute: &str) -> Result<String, String> {
        let mut found = self.plan.change(address).into_iter().collect::<Vec<_>>();
        if found.is_empty() {
            found = self.plan.instances_of(address);
        }
        let [rc] = found.as_slice() else {
            return Err(if found.is_empty() {
                format!("refers to {address}, which the plan does not hold")
            } else {
                format!("refers to {address}, which has {} instances", found.len())
            });
        };
        if let Some(v) = get(&rc.change.after, attribute).and_then(Value::as_str) {
            if !v.is_empty() {
                return Ok(v.to_string());
            }
        }
        let kept = !(rc.change.is_create() || rc.change.is_replace());
        if kept {
            if let Some(v) = get(&rc.change.before, attribute).and_then(Value::as_str) {
                return Ok(v.to_string());
            }
        }
        if attribute == "id" || attribute.ends_with("_id") {
            return Ok(placeholder(&rc.resource_type, &rc.address));
        }
        Err(format!(
            "refers to {address}.{attribute}, which is known only after apply"
        ))
    }

    /// A string attribute of `rc` after apply: `Ok(Some)` when known or
    /// resolvable, `Ok(None)` when null, `Err(reason)` when known only after
    /// apply and not resolvable through its references.
    pub fn string(&self, rc: &ResourceChange, attr: &str) -> Result<Option<String>, String> {
        let c = &rc.change;
        if !unknown(&c.after_unknown, attr) {
            return Ok(get(&c.after, attr)
                .and_then(value_string)
                .filter(|s| !s.is_empty()));
        }
        let (refs, _other) = self.plan.references(&rc.address, attr);
        match refs.as_slice() {
            [one] => {
                let attribute = referenced_attribute(self.plan, &rc.address, attr, one);
                self.id_of_address(one, &attribute).map(Some)
            }
            [] => Err("is known only after apply".into()),
            many => Err(format!(
                "is known only after apply and its expression refers to {}; netpath cannot tell which",
                many.join(" and ")
            )),
        }
    }

    /// A required string attribute: as [`Ctx::string`], but a value that is
    /// unset or cannot be resolved is recorded as unresolved on `on` (the
    /// AWS id whose flows it makes unknown) and gives `None`.
    pub fn need(&mut self, rc: &ResourceChange, attr: &str, on: &str) -> Option<String> {
        match self.string(rc, attr) {
            Ok(Some(v)) => Some(v),
            other => {
                let e = other.err().unwrap_or_else(|| "is not set".into());
                self.unresolved(rc, attr, on, &e);
                None
            }
        }
    }

    /// As [`Ctx::string`], for an optional attribute the provider computes
    /// when it is not configured (a rule's source group when the rule names
    /// CIDRs): unknown and absent from the resource's configuration, it is
    /// `Ok(None)`.
    pub fn optional(&self, rc: &ResourceChange, attr: &str) -> Result<Option<String>, String> {
        if unknown(&rc.change.after_unknown, attr)
            && self.plan.has_configuration(&rc.address)
            && !self.plan.configures(&rc.address, attr)
        {
            return Ok(None);
        }
        self.string(rc, attr)
    }

    /// A list-of-strings attribute (group ids, subnet ids, CIDRs) after
    /// apply, resolved as [`Ctx::string`] does. An expression that only
    /// names resources (`[aws_security_group.a.id, aws_security_group.b.id]`)
    /// resolves to all of them; one that also uses variables, conditions or
    /// iteration resolves only when it names a single resource.
    pub fn strings(&self, rc: &ResourceChange, attr: &str) -> Result<Vec<String>, String> {
        let c = &rc.change;
        let known: Vec<String> = get(&c.after, attr)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(value_string).collect())
            .unwrap_or_default();
        let missing = match c.after_unknown.get(attr) {
            Some(Value::Bool(true)) => None,
            Some(Value::Array(a)) => Some(a.iter().filter(|x| *x == &Value::Bool(true)).count()),
            _ => Some(0),
        };
        if missing == Some(0) {
            return Ok(known);
        }
        let (refs, other) = self.plan.references(&rc.address, attr);
        let resolved: Result<Vec<String>, String> = refs
            .iter()
            .map(|r| {
                let attribute = referenced_attribute(self.plan, &rc.address, attr, r);
                self.id_of_address(r, &attribute)
            })
            .collect();
        let resolved = resolved?;
        let fresh: Vec<String> = resolved
            .iter()
            .filter(|id| is_placeholder(id) || !known.contains(id))
            .cloned()
            .collect();
        match missing {
            // Part of the list is known: the rest are the references not
            // already in it, when their count matches.
            Some(n) if fresh.len() == n => Ok(known.into_iter().chain(fresh).collect()),
            None if !refs.is_empty() && (!other || refs.len() == 1) => Ok(resolved),
            _ if refs.is_empty() => Err("is known only after apply".into()),
            _ => Err(format!(
                "is known only after apply and its expression refers to {} with variables or conditions; netpath cannot tell which",
                refs.join(" and ")
            )),
        }
    }
}

/// Which attribute of `target` the expression of `attr` uses: the second
/// part of the first reference past the address (`aws_db_subnet_group.x.name`
/// gives `name`), else `id`.
fn referenced_attribute(plan: &Plan, address: &str, attr: &str, target: &str) -> String {
    let Some(e) = plan.expression(address, attr) else {
        return "id".into();
    };
    let text = e.to_string();
    let bare = super::plan::config_address(target);
    let local = bare.rsplitn(3, '.').take(2).collect::<Vec<_>>();
    let [name, t] = local.as_slice() else {
        return "id".into();
    };
    let needle = format!("{t}.{name}");
    for piece in text.split('"') {
        if let Some(rest) = piece.strip_prefix(&needle) {
            let rest = rest.trim_start_matches(|c| c != '.' && c != '\0');
            let rest = match rest.find(']') {
                Some(_) if rest.starts_with('[') => rest,
                _ => rest,
            };
            if let Some(a) = rest.strip_prefix('.') {
                let a = a.split(['.', '[']).next().unwrap_or("id");
                if !a.is_empty() {
                    return a.to_string();
                }
            }
        }
    }
    "id".into()
}

/// The `local` route of a VPC CIDR, which every route table holds
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#route-table-routes>).
pub(crate) fn local_route(cidr: Ipv4Net) -> crate::resources::Route {
    crate::resources::Route::to_target(cidr, "local", "CreateRouteTable")
}

/// The placeholder id of a resource at `address` known only after apply,
/// e.g. `sg-(known after apply: aws_security_group.db)`.
pub(crate) fn placeholder(resource_type: &str, address: &str) -> String {
    let prefix = match resource_type {
        "aws_security_group" => "sg",
        "aws_subnet" => "subnet",
        "aws_vpc" => "vpc",
        "aws_route_table" => "rtb",
        "aws_network_acl" => "acl",
        "aws_internet_gateway" => "igw",
        "aws_egress_only_internet_gateway" => "eigw",
        "aws_nat_gateway" => "nat",
        "aws_vpc_peering_connection" => "pcx",
        "aws_instance" => "i",
        "aws_network_interface" => "eni",
        "aws_eip" => "eipalloc",
        "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_security_group_egress_rule" => "sgr",
        "aws_db_instance" => "db",
        _ => "id",
    };
    format!("{prefix}-(known after apply: {address})")
}

/// True for a placeholder id.
pub(crate) fn is_placeholder(id: &str) -> bool {
    id.contains("(known after apply: ")
}

/// `v[attr]`, treating `null` as absent.
pub(crate) fn get<'v>(v: &'v Value, attr: &str) -> Option<&'v Value> {
    v.get(attr).filter(|x| !x.is_null())
}

/// A non-empty string attribute, e.g. an id in `before` or `after`.
pub(crate) fn text(v: &Value, attr: &str) -> Option<String> {
    get(v, attr)
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
}

/// True when `after_unknown[attr]` is `true` (the whole value is unknown).
pub(crate) fn unknown(after_unknown: &Value, attr: &str) -> bool {
    after_unknown.get(attr) == Some(&Value::Bool(true))
}

/// True when any part of `after_unknown[attr]` is unknown.
pub(crate) fn any_unknown(after_unknown: &Value, attr: &str) -> bool {
    fn deep(v: &Value) -> bool {
        match v {
            Value::Bool(b) => *b,
            Value::Array(a) => a.iter().any(deep),
            Value::Object(m) => m.values().any(deep),
            _ => false,
        }
    }
    after_unknown.get(attr).is_some_and(deep)
}

/// A string or number as a string.
pub(crate) fn value_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer attribute (numbers or numeric strings).
pub(crate) fn int(v: &Value, attr: &str) -> Option<i64> {
    match get(v, attr)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean attribute.
pub(crate) fn boolean(v: &Value, attr: &str) -> Option<bool> {
    get(v, attr).and_then(Value::as_bool)
}

/// A CIDR attribute; `Err` names a malformed one.
pub(crate) fn cidr(v: &Value, attr: &str) -> Result<Option<Ipv4Net>, String> {
    match get(v, attr)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(s) => s
            .parse::<Ipv4Net>()
            .map(|n| Some(n.trunc()))
            .map_err(|_| format!("`{s}` is not an IPv4 CIDR")),
    }
}
