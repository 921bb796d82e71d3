//! # netpath-engine
//!
//! Evaluates whether a client can reach a destination in an AWS snapshot,
//! layer by layer: security groups, network ACLs and route tables (one
//! evaluator each, of one shape: the decision, a detail and the matched rule
//! or route), then peering connections and gateways, walked forward and back
//! (one file per gateway kind under `walk/`, and one return path). The
//! answer of [`explain`] is an [`Explanation`]; [`diff`], [`reach`] and
//! [`check`] ask [`explain`] once per equivalence class of ENIs.
//!
//! The engine is pure: it reads a [`netpath_model::Snapshot`] already in
//! memory and never does I/O. Every rule it implements cites its AWS
//! documentation page at the check itself; `docs/semantics.md` collects them,
//! with the test that pins each one.
//!
//! The modules are private; this page is the whole public API.
#![warn(missing_docs)]

mod addr;
mod answer;
mod classes;
mod diff;
mod edits;
mod ephemeral;
mod explain;
mod explanation_code;
mod fix;
mod fix_edit;
mod flow_logs;
mod host_firewall;
mod index;
mod load_balancer;
mod names;
mod network_acl;
mod observed;
mod plan;
mod policy;
mod reach;
mod reference;
mod resolve;
mod route_table;
mod security_group;
#[cfg(test)]
mod test_fixtures;
mod topology;
mod transit_gateway;
mod verify;
mod vpc_endpoint;
mod vpn_gateway;
mod walk;

pub use addr::{AddrSet, IpVersion};
pub use answer::{
    AfterFixes, Blocking, Decision, Direction, EndpointInfo, Explanation, ExplanationCode, Fix,
    FixEdit, Hop, HopKind, IcmpExchange, LoadBalancerLeg, Matched, PathLeg, Symptom, TargetOutcome,
    Verdict,
};
pub use diff::{
    diff, ChangeKind, Diff, DiffError, DiffOptions, DiffSummary, FailOn, FlowChange, FlowSide,
    Trend,
};
pub use edits::{compare, Edit, EditChange, EditRole, FlowFootprint};
pub use ephemeral::ClientOs;
pub use explain::{explain, ExplainError, ExplainOptions};
pub use flow_logs::{
    Cause, CauseBlocking, CauseFix, Disagreement, FlowLogAnalysis, FlowLogOptions, FlowLogReport,
    FlowTuple, Leg, RecordCounts, Talker, Unattributed, Undecided,
};
pub use observed::{reconcile, Observed, ReconcileContext, Reconciliation};
pub use plan::{plan, PlanEdit, PlanFlowChange, PlanReport, TerraformFix};
pub use policy::{
    check, select, CheckReport, ExposureIntent, IntentResult, IsolateIntent, Policy, PolicyError,
    PortSpec, ReachIntent, Selected, Status, Violation, MAX_VIOLATIONS,
};
pub use reach::{
    reach, EntryKind, LoadBalancerExposure, PortAccess, Reach, ReachEntry, ReachError,
    ReachOptions, ReachQuery, ReachSummary,
};
pub use resolve::{resolve, Endpoint, EndpointKind, Placement, ResolveError};
pub use topology::{Edge, Node, Topology};
pub use verify::{explain_verified, ALSO_OPENS_SHOWN};
pub use walk::Flow;
