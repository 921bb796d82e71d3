//! Terraform plans: a `terraform show -json` plan laid over a snapshot,
//! giving the snapshot as it will be after `terraform apply` (AFTER), with
//! every AWS id each Terraform address changes, the values that cannot be
//! known before apply, drift, and the warnings a reviewer needs.
//!
//! Input: a [`Snapshot`] (BEFORE) and a [`Plan`]. Output: a [`PlanOverlay`].
//! The engine's diff then compares BEFORE and AFTER exactly as
//! `netpath diff` compares two snapshots.
//!
//! - **Matching.** An existing resource is the snapshot's resource with the
//!   id in the change's `before.id` (for rules and associations, the ids
//!   they name). A `before` that differs from the snapshot is drift: it is
//!   reported, and the snapshot is what the change is applied to.
//! - **Values known only after apply** (`after_unknown`). An id is
//!   resolved through the configuration's `references`: a reference to a
//!   resource the plan creates gets a placeholder id naming its address,
//!   such as `sg-(known after apply: aws_security_group.db)`, and rules that
//!   name it match its members. A value that matters but cannot be
//!   resolved is never guessed: it becomes a gap on the resource it
//!   belongs to ([`Gap`] with an `after-apply:` error), so flows through it
//!   are `unknown`, naming the attribute.
//! - **Resources.** Security groups and their rule resources, network ACLs
//!   and theirs, route tables, routes and associations, VPCs, subnets,
//!   internet and NAT gateways, Elastic IPs, peering connections,
//!   instances, network interfaces, DB instances and DB subnet groups. A
//!   change to another resource type that can carry traffic (transit
//!   gateways, VPN, endpoints, load balancers, firewalls, managed prefix
//!   lists) is listed in [`PlanOverlay::unsupported`] and warned about.
//!
//! The provider's behaviour per attribute follows the hashicorp/aws
//! documentation, cited at each resource in the submodules.

mod compute;
mod ctx;
mod ipv6;
mod mixed;
mod network;
mod network_acl;
mod plan;
mod route_table;
mod rules;
mod security_group;

use serde::Serialize;

use crate::snapshot::{Gap, Snapshot};
use ctx::Ctx;
pub use plan::{config_address, Change, Plan, PlanError, ResourceChange};

/// The `operation` of the gaps a plan overlay records.
pub const PLAN_GAP_OPERATION: &str = "terraform plan";

/// One Terraform address the plan changes, and what it changes in AWS terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedChange {
    /// The Terraform address, e.g. `module.db.aws_security_group_rule.from_app`.
    pub address: String,
    /// The resource type, e.g. `aws_security_group_rule`.
    pub resource_type: String,
    /// The plan's actions, e.g. `["update"]` or `["create","delete"]`.
    pub actions: Vec<String>,
    /// AWS ids of the resources it edits (a rule's group, an association's
    /// subnet); placeholders for ids known only after apply.
    pub ids: Vec<String>,
}

/// A value the plan leaves unknown until apply that netpath needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    /// The Terraform address.
    pub address: String,
    /// The attribute, e.g. `vpc_security_group_ids`.
    pub attribute: String,
    /// The AWS id whose flows become unknown.
    pub resource: String,
    /// Why it could not be resolved.
    pub reason: String,
}

/// BEFORE with a plan applied.
#[derive(Debug, Clone)]
pub struct PlanOverlay {
    /// The snapshot as it will be after apply. Its gaps include one per
    /// [`Unresolved`] value.
    pub after: Snapshot,
    /// Every change the overlay applied, in plan order (no-ops left out).
    pub changes: Vec<AppliedChange>,
    /// Values that could not be resolved.
    pub unresolved: Vec<Unresolved>,
    /// Resources whose `before` differs from the snapshot, one sentence each.
    pub drift: Vec<String>,
    /// Addresses of changed resources netpath does not model, with their type.
    pub unsupported: Vec<String>,
    /// Other things a reviewer should know (mixed inline and separate rules).
    pub warnings: Vec<String>,
}

/// Lays every change of `plan` over a copy of `before`.
///
/// Changes are applied in dependency order whatever their order in the
/// file: networks and gateways, groups, then rules, ACLs, route tables,
/// routes and associations, then instances, interfaces and databases.
/// Never fails: what cannot be applied is reported in the overlay.
pub fn overlay(before: &Snapshot, plan: &Plan) -> PlanOverlay {
    overlay_only(before, plan, |_| true)
}

/// As [`overlay`], applying only the changes whose address `keep` accepts
/// (references to the others still resolve, to the same placeholders).
/// Used to find which address causes an edit.
pub fn overlay_only(before: &Snapshot, plan: &Plan, keep: impl Fn(&str) -> bool) -> PlanOverlay {
    let mut cx = Ctx::new(before, plan);
    for phase in 0..ctx::PHASES {
        for rc in &plan.resource_changes {
            if rc.mode == "data" || rc.change.is_noop() || !keep(&rc.address) {
                continue;
            }
            if ctx::phase(&rc.resource_type) != Some(phase) {
                continue;
            }
            let ids = match rc.resource_type.as_str() {
                t if t.starts_with("aws_security_group")
                    || t.starts_with("aws_vpc_security_group")
                    || t == "aws_default_security_group"
                    || t == "aws_network_interface_sg_attachment" =>
                {
                    security_group::apply(&mut cx, rc)
                }
                t if t.starts_with("aws_network_acl") || t == "aws_default_network_acl" => {
                    network_acl::apply(&mut cx, rc)
                }
                t if t.starts_with("aws_route")
                    || t == "aws_main_route_table_association"
                    || t == "aws_default_route_table" =>
                {
                    route_table::apply(&mut cx, rc)
                }
                "aws_instance"
                | "aws_network_interface"
                | "aws_db_instance"
                | "aws_db_subnet_group"
                | "aws_eip"
                | "aws_eip_association" => compute::apply(&mut cx, rc),
                "aws_egress_only_internet_gateway" | "aws_vpc_ipv6_cidr_block_association" => {
                    ipv6::apply(&mut cx, rc)
                }
                _ => network::apply(&mut cx, rc),
            };
            if let Some(ids) = ids {
                cx.applied(rc, ids);
            }
        }
    }
    for rc in &plan.resource_changes {
        if rc.mode != "data"
            && !rc.change.is_noop()
            && keep(&rc.address)
            && ctx::phase(&rc.resource_type).is_none()
            && ctx::carries_traffic(&rc.resource_type)
        {
            cx.unsupported(rc);
        }
    }
    mixed::warn(&mut cx);
    cx.finish()
}

/// A gap recording that `resource`'s `attribute` of `address` is known only
/// after apply.
pub(crate) fn after_apply_gap(address: &str, attribute: &str, resource: &str, reason: &str) -> Gap {
    Gap {
        account_id: None,
        operation: PLAN_GAP_OPERATION.into(),
        region: None,
        error: format!("after-apply: {address}.{attribute} {reason}"),
        resource: Some(resource.to_string()),
    }
}
