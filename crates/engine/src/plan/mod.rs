//! `netpath plan`: the flows a Terraform plan breaks, opens or changes,
//! before it is applied, each with the Terraform addresses that cause it.
//!
//! Input: the snapshot (BEFORE) and a parsed plan
//! ([`netpath_model::terraform::Plan`]). The plan is laid over a copy of
//! the snapshot ([`netpath_model::terraform::overlay`]), giving AFTER, and
//! the two are compared exactly as `netpath diff` compares two snapshots
//! ([`crate::diff`]), so the flows, their pieces and the exit status are
//! the same as `diff` would give after apply.
//!
//! **Attribution.** An edit (a rule added, an association moved) is caused
//! by the Terraform addresses whose change, applied alone to BEFORE, makes
//! that same edit; an edit no single change makes (two changes together)
//! falls back to the addresses that touch its resource.
//!
//! **Fixes.** A broken flow blocked by a security group or network ACL
//! gets the smallest fix as Terraform (an
//! `aws_vpc_security_group_ingress_rule` with `referenced_security_group_id`,
//! or an `aws_network_acl_rule`), shown only once it has been applied to a
//! copy of AFTER and the flow walked again.

mod terraform_fix;

use std::collections::{BTreeMap, BTreeSet};

use netpath_model::terraform::{self, AppliedChange, Plan, Unresolved};
use netpath_model::Snapshot;
use serde::Serialize;

use crate::diff::{diff, ChangeKind, DiffError, DiffOptions, DiffSummary, FlowChange};
use crate::edits::{compare, Edit};
use crate::topology::Topology;

pub use terraform_fix::TerraformFix;

/// An edit with the Terraform addresses that cause it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanEdit {
    /// The AWS-level edit, as `diff` reports it.
    #[serde(flatten)]
    pub edit: Edit,
    /// Terraform addresses that cause it, e.g. `aws_instance.app`.
    pub addresses: Vec<String>,
}

/// A changed flow with the Terraform addresses on its path.
#[derive(Debug, Clone, Serialize)]
pub struct PlanFlowChange {
    /// The flow change, as `diff` reports it (`caused_by` indexes [`PlanReport::edits`]).
    #[serde(flatten)]
    pub change: FlowChange,
    /// The Terraform addresses of its edits, in edit order, without duplicates.
    pub addresses: Vec<String>,
    /// For a broken flow blocked by a group or ACL: the smallest fix in
    /// Terraform, verified on a copy of AFTER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<TerraformFix>,
}

/// The answer of `netpath plan`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    /// Counts, as `diff`'s.
    pub summary: DiffSummary,
    /// Resource-level edits, each with its Terraform addresses.
    pub edits: Vec<PlanEdit>,
    /// Changed flows: broken first, then changed, then opened.
    pub changes: Vec<PlanFlowChange>,
    /// Every resource change the plan makes that netpath applied.
    pub resources: Vec<AppliedChange>,
    /// Values known only after apply that netpath needed and could not resolve.
    pub unresolved: Vec<Unresolved>,
    /// Resources whose prior state differs from the snapshot.
    pub drift: Vec<String>,
    /// Changed resources of types netpath does not model.
    pub unsupported: Vec<String>,
    /// Warnings (mixed inline and separate rules, references on one side only).
    pub warnings: Vec<String>,
    /// The `Name` tag of every instance or ENI the changes name (by id,
    /// placeholders included), for people.
    pub names: BTreeMap<String, String>,
}

impl PlanReport {
    /// True when a change counts under `fail_on` (as [`crate::Diff::fails`]).
    pub fn fails(&self, fail_on: crate::FailOn) -> bool {
        self.changes.iter().any(|c| c.change.counts_under(fail_on))
    }
}

fn key(e: &Edit) -> (String, String, String) {
    (
        e.resource_type.to_string(),
        e.resource_id.clone(),
        e.detail.clone(),
    )
}

/// Lays `plan` over `before` and compares. Errors: [`DiffError`] for a
/// `--from`/`--to` filter that names nothing on either side.
pub fn plan(before: &Snapshot, plan: &Plan, opts: &DiffOptions) -> Result<PlanReport, DiffError> {
    let overlay = terraform::overlay(before, plan);
    let tb = Topology::new(before);
    let ta = tb.patched(&overlay.after);
    let d = diff(&tb, &ta, opts)?;

    // Which addresses make each edit on their own.
    let mut by_edit: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
    let addresses: BTreeSet<&str> = overlay.changes.iter().map(|c| c.address.as_str()).collect();
    for a in &addresses {
        let solo = terraform::overlay_only(before, plan, |x| x == *a);
        for e in compare(before, &solo.after) {
            by_edit.entry(key(&e)).or_default().insert(a.to_string());
        }
    }
    let edits: Vec<PlanEdit> = d
        .edits
        .iter()
        .map(|e| {
            let mut found: Vec<String> = by_edit
                .get(&key(e))
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            if found.is_empty() {
                found = overlay
                    .changes
                    .iter()
                    .filter(|c| {
                        c.ids
                            .iter()
                            .any(|i| i == &e.resource_id || e.touches.contains(i))
                    })
                    .map(|c| c.address.clone())
                    .collect();
                found.dedup();
            }
            PlanEdit {
                edit: e.clone(),
                addresses: found,
            }
        })
        .collect();
    let mut names = BTreeMap::new();
    for s in [before, &overlay.after] {
        for i in s.instances.iter().flatten() {
            if let Some(n) = i.tags.get("Name") {
                names.insert(i.instance_id.to_string(), n.to_string());
            }
        }
        for e in s.network_interfaces.iter().flatten() {
            if let Some(n) = e.tags.get("Name") {
                names.insert(e.network_interface_id.to_string(), n.to_string());
            }
        }
    }
    let changes: Vec<PlanFlowChange> = d
        .changes
        .iter()
        .map(|c| {
            let mut addrs: Vec<String> = Vec::new();
            for &i in &c.caused_by {
                for a in &edits[i].addresses {
                    if !addrs.contains(a) {
                        addrs.push(a.clone());
                    }
                }
            }
            let fix = (c.change == ChangeKind::Broken)
                .then(|| terraform_fix::fix(&ta, plan, &names, c))
                .flatten();
            PlanFlowChange {
                change: c.clone(),
                addresses: addrs,
                fix,
            }
        })
        .collect();
    let named: BTreeSet<&String> = changes
        .iter()
        .flat_map(|c: &PlanFlowChange| c.change.from.iter().chain(&c.change.to))
        .collect();
    names.retain(|k, _| named.contains(k));
    let mut warnings = overlay.warnings.clone();
    warnings.extend(d.warnings.iter().cloned());
    Ok(PlanReport {
        summary: d.summary,
        edits,
        changes,
        resources: overlay.changes,
        unresolved: overlay.unresolved,
        drift: overlay.drift,
        unsupported: overlay.unsupported,
        warnings,
        names,
    })
}
