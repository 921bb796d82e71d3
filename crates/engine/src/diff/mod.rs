//! `netpath diff`: which flows a change between two snapshots opens, breaks
//! or changes, and which resource edits caused each.
//!
//! # Relevant flows
//! Without filters the diff compares every *relevant flow*:
//! - every source ENI (instances, load balancers, Lambda, ...; not the ENIs
//!   RDS owns) to every destination ENI, on every TCP/UDP port any
//!   security-group ingress rule of the destination opens, in BEFORE or
//!   AFTER;
//! - every source ENI to every DB instance, on its endpoint port (a DB
//!   listens on nothing else; without an endpoint, on its groups' ports);
//! - `internet` to every ENI or DB with a public IP, on the same ports;
//! - every source ENI to `internet`, through its internet or NAT gateway,
//!   on every TCP/UDP port its security groups' egress rules open (all of
//!   them for an all-traffic rule), and always TCP 80 and 443: a deleted
//!   NAT route, a removed egress rule or a detached internet gateway breaks
//!   these.
//!
//! A rule that opens a port range (or all traffic) is compared over the whole
//! range: the range is cut wherever a security-group rule or network ACL
//! entry on the path starts or ends, and one port per piece is evaluated.
//! Within a piece every rule on the path decides alike, so this is exact.
//!
//! # Speed
//! ENIs that share a subnet, a set of groups, the address cuts of every rule
//! CIDR inside their subnet, an instance state and platform, and public-IP
//! presence are evaluated alike by every layer (security groups match
//! private IPs of group members and CIDRs; NACLs and routes match CIDRs), so
//! they form one equivalence class per snapshot. The diff walks one
//! representative pair per (BEFORE class, AFTER class) pair and expands the
//! answer to every member. Pairs whose VPCs no edit touched are not walked:
//! nothing on their path changed.
//!
//! Flows are keyed by stable names (instance id, DB identifier, ENI id,
//! `internet`), so they line up across snapshots when addresses change.

mod flows;
mod outbound;
mod outcome;
mod prune;
mod select;

use netpath_model::{IpProtocol, PortRange};
use serde::Serialize;

use crate::addr::IpVersion;
use crate::answer::{Blocking, Symptom, Verdict};
use crate::edits::{self, Edit};
use crate::topology::Topology;
use flows::compare_flows;

/// What `diff` is asked to compare.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Only flows from this reference (as in `explain`: instance id, ENI id,
    /// Name tag, DB identifier, IPv4 address or `internet`).
    pub from: Option<String>,
    /// Only flows to this reference.
    pub to: Option<String>,
    /// Only this destination port (every destination is compared on it).
    pub port: Option<u16>,
    /// Protocol for `port` (default TCP).
    pub protocol: Option<IpProtocol>,
    /// Only flows of this address family. Without it: the family of an IP
    /// literal in `from`/`to`; otherwise IPv4, and IPv6 too when either
    /// snapshot holds an ENI with an IPv6 address.
    pub ip_version: Option<IpVersion>,
    /// Compare only the ends an edit can act on, when every edit is a
    /// security-group rule: the ENIs carrying an edited group, and those
    /// an edited rule's peer can match. Changes are the same; the flows
    /// compared are only theirs. For a fix's blast radius on a large
    /// estate, where most ENIs cannot be affected.
    pub changes_only: bool,
    /// Give up with [`DiffError::TooLarge`] rather than walk more than this
    /// many class pairs (each walked on both sides): a fix's blast radius
    /// inside `explain` must stay interactive; `netpath diff` sets none.
    pub max_pairs: Option<usize>,
    /// Walk on through Gateway Load Balancer endpoints as if their
    /// appliances pass every packet, on both sides (see
    /// [`crate::ExplainOptions::assume_appliance_allows`]).
    pub assume_appliance_allows: bool,
}

/// How a flow changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Was blocked (or the source or destination did not exist), now reachable.
    Opened,
    /// Was reachable, now blocked.
    Broken,
    /// Any other change: to or from partial or unknown, or another blocker.
    Changed,
}

/// Which way reachability moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// More connections succeed (blocked → partial → reachable).
    Better,
    /// Fewer connections succeed.
    Worse,
    /// Same verdict, different blocking hop or blocked ports.
    Same,
    /// One side is unknown.
    Unknown,
}

/// One side (BEFORE or AFTER) of a changed flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowSide {
    /// The verdict; `null` when the source or destination does not exist on this side.
    pub verdict: Option<Verdict>,
    /// What the client sees.
    pub symptom: Option<Symptom>,
    /// The first blocking hop.
    pub blocking: Option<Blocking>,
    /// The rules and routes that let the flow through (reachable or partial
    /// verdicts), in path order, e.g.
    /// `forward security-group sg-1: sg-1 inbound tcp 5432 from 0.0.0.0/0`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_by: Vec<String>,
    /// Data the answer needed but the snapshot lacks (unknown verdicts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

/// A set of flows that changed alike: every source in `from` to every
/// destination in `to`, on `protocol` and every port in `ports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowChange {
    /// Opened, broken or changed.
    pub change: ChangeKind,
    /// Which way reachability moved.
    pub trend: Trend,
    /// Source names (instance id, ENI id, DB identifier, `internet`).
    pub from: Vec<String>,
    /// Destination names.
    pub to: Vec<String>,
    /// The address family of the flows: `ipv4` (ends at their primary IPv4
    /// address) or `ipv6` (ends at their first IPv6 address).
    pub ip_version: IpVersion,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Destination ports (inclusive).
    pub ports: PortRange,
    /// BEFORE.
    pub before: FlowSide,
    /// AFTER.
    pub after: FlowSide,
    /// Indexes into [`Diff::edits`] of the edits on this flow's path.
    pub caused_by: Vec<usize>,
}

impl FlowChange {
    /// Number of individual (source, destination) flows in this change.
    pub fn flow_count(&self) -> usize {
        self.from.len() * self.to.len()
    }

    /// True when this change makes `--fail-on fail_on` fail: any change
    /// for `Any`; broken, or changed for the worse or to unknown, for
    /// `Broken`; opened, or changed for the better or to unknown, for
    /// `Opened`.
    pub fn counts_under(&self, fail_on: FailOn) -> bool {
        match fail_on {
            FailOn::Any => true,
            FailOn::Broken => {
                self.change == ChangeKind::Broken
                    || (self.change == ChangeKind::Changed
                        && matches!(self.trend, Trend::Worse | Trend::Unknown))
            }
            FailOn::Opened => {
                self.change == ChangeKind::Opened
                    || (self.change == ChangeKind::Changed
                        && matches!(self.trend, Trend::Better | Trend::Unknown))
            }
        }
    }
}

/// Counts of changed flows (source, destination, port range).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    /// Flows compared.
    pub flows_compared: usize,
    /// Flows opened.
    pub opened: usize,
    /// Flows broken.
    pub broken: usize,
    /// Flows changed otherwise.
    pub changed: usize,
    /// Representative pairs actually walked (the rest were equivalent or untouched).
    pub pairs_walked: usize,
}

/// The answer of `netpath diff`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Resource-level edits, BEFORE to AFTER.
    pub edits: Vec<Edit>,
    /// Changed flows: broken first, then changed, then opened.
    pub changes: Vec<FlowChange>,
    /// Counts.
    pub summary: DiffSummary,
    /// Warnings (references that exist on one side only, unknown data).
    pub warnings: Vec<String>,
}

/// Which changes make `--fail-on` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// `broken`, and `changed` flows that got worse or became unknown.
    Broken,
    /// `opened`, and `changed` flows that got better or became unknown.
    Opened,
    /// Any change.
    Any,
}

impl Diff {
    /// True when some change counts under `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        self.changes.iter().any(|c| c.counts_under(fail_on))
    }
}

/// Why `diff` could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// `--from` or `--to` named nothing in either snapshot.
    #[error("`{0}` matches nothing in BEFORE or AFTER; use an instance id, ENI id, Name tag, DB identifier, IPv4 address or `internet`")]
    NotFound(String),
    /// `--protocol` was not TCP or UDP.
    #[error("--protocol must be tcp or udp")]
    Protocol,
    /// `--from` and `--to` (or `--ipv4`/`--ipv6`) name different address
    /// families.
    #[error("{0}")]
    Family(String),
    /// More class pairs to walk than [`DiffOptions::max_pairs`] allows.
    #[error("the comparison needs more than {0} class pairs walked; run `netpath diff` on the two snapshots for all of it")]
    TooLarge(usize),
}

/// The address families to compare, each with whether it was asked for
/// (by `ip_version`, by an IP literal, or IPv4 by default). A family that
/// was not asked for is skipped when a filter names nothing in it.
///
/// Errors: [`DiffError::Family`] when the filters' literals and
/// `ip_version` disagree.
fn families(
    topos: [&Topology; 2],
    opts: &DiffOptions,
) -> Result<Vec<(IpVersion, bool)>, DiffError> {
    let literals: Vec<(&str, IpVersion)> = [&opts.from, &opts.to]
        .into_iter()
        .flatten()
        .filter_map(|r| IpVersion::of_literal(r).map(|v| (r.as_str(), v)))
        .collect();
    let wanted = opts.ip_version.or(literals.first().map(|l| l.1));
    if let Some(want) = wanted {
        if let Some((r, v)) = literals.iter().find(|l| l.1 != want) {
            return Err(DiffError::Family(v.conflict(r, want)));
        }
        return Ok(vec![(want, true)]);
    }
    let dual = topos.iter().any(|t| t.has_ipv6_addresses());
    Ok(if dual {
        vec![(IpVersion::Ipv4, true), (IpVersion::Ipv6, false)]
    } else {
        vec![(IpVersion::Ipv4, true)]
    })
}

/// Compares every relevant flow of `before` and `after`.
///
/// Input: the two topologies and [`DiffOptions`] (filters). Output: a
/// [`Diff`]: resource edits, then each changed set of flows with its BEFORE
/// and AFTER verdict, the blocking hop or allowing rules, and the edits on
/// its path. Errors: [`DiffError`] for a filter that names nothing.
pub fn diff(before: &Topology, after: &Topology, opts: &DiffOptions) -> Result<Diff, DiffError> {
    let edits = edits::compare(before.snapshot, after.snapshot);
    let mut summary = DiffSummary::default();
    let mut changes = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for (v, asked) in families([before, after], opts)? {
        let (c, w) = match compare_flows(before, after, opts, &edits, v, &mut summary) {
            // Unasked, IPv6 is compared only for ends that have an IPv6 address.
            Err(DiffError::NotFound(_)) if !asked => continue,
            r => r?,
        };
        changes.extend(c);
        for w in w {
            if !warnings.contains(&w) {
                warnings.push(w.to_string());
            }
        }
    }
    // Customer networks behind a VPN are not ends of the compared flows
    // yet: say so where an edit acts on them, rather than imply no change.
    let vpn: Vec<&str> = edits
        .iter()
        .filter(|e| {
            matches!(
                e.resource_type,
                "vpn-gateway" | "vpn-connection" | "direct-connect-gateway-association"
            )
        })
        .map(|e| e.resource_id.as_str())
        .collect();
    let declared: Vec<String> = after
        .snapshot
        .onprem_networks
        .iter()
        .flatten()
        .map(|n| format!("onprem:{}", n.name))
        .collect();
    if !vpn.is_empty() {
        warnings.push(if declared.is_empty() {
            format!(
                "{} changed: flows to and from the customer networks behind them are not compared (no on-premises network is declared); declare them with --onprem NAME=CIDR or an onprem.json beside the snapshot, or ask `netpath explain` for an on-premises address",
                vpn.join(", ")
            )
        } else {
            format!(
                "{} changed: of the customer networks behind them, only the declared ones are compared ({})",
                vpn.join(", "),
                declared.join(", ")
            )
        });
    }
    // Nor are AWS services behind VPC endpoints (S3, DynamoDB, interface
    // endpoints' services): say which edits act on them.
    let endpoints: Vec<&str> = edits
        .iter()
        .filter(|e| {
            e.resource_type == "vpc-endpoint"
                || (e.resource_type == "route" && e.detail.contains("vpce-"))
        })
        .map(|e| e.resource_id.as_str())
        .collect();
    if !endpoints.is_empty() {
        warnings.push(format!(
            "{} changed: flows to AWS services through VPC endpoints are not compared; ask `netpath explain --to s3` (or the service's name, or vpce-…) before and after",
            endpoints.join(", ")
        ));
    }
    for c in &changes {
        let n = c.flow_count() - if c.from == c.to { c.from.len() } else { 0 };
        match c.change {
            ChangeKind::Opened => summary.opened += n,
            ChangeKind::Broken => summary.broken += n,
            ChangeKind::Changed => summary.changed += n,
        }
    }
    changes.sort_by(|a, b| {
        let order = |k: ChangeKind| match k {
            ChangeKind::Broken => 0,
            ChangeKind::Changed => 1,
            ChangeKind::Opened => 2,
        };
        (
            order(a.change),
            a.ip_version,
            &a.from,
            &a.to,
            &a.protocol,
            a.ports,
        )
            .cmp(&(
                order(b.change),
                b.ip_version,
                &b.from,
                &b.to,
                &b.protocol,
                b.ports,
            ))
    });
    Ok(Diff {
        edits,
        changes,
        summary,
        warnings,
    })
}
