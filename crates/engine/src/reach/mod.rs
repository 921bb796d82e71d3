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

mod classes;
mod entries;
mod evaluate;
pub(crate) mod load_balancer;
mod to;

use std::collections::BTreeSet;

use netpath_model::{IpProtocol, PortRange};
use serde::Serialize;

use crate::addr::IpVersion;
use crate::answer::{EndpointInfo, Verdict};
use crate::resolve::{resolve_in, ResolveError};
use crate::topology::Topology;
use classes::{classes, egress_ports, ends_of, fixed_end, Class, Member};
use entries::{entries, Answered};
use evaluate::evaluate;
pub use load_balancer::LoadBalancerExposure;

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
    /// Only flows of this address family. Without it: the family of an IP
    /// literal reference; otherwise IPv4, and IPv6 too when the snapshot
    /// holds an ENI with an IPv6 address (and the fixed end has one).
    pub ip_version: Option<IpVersion>,
    /// Walk on through Gateway Load Balancer endpoints as if their
    /// appliances pass every packet (see
    /// [`crate::ExplainOptions::assume_appliance_allows`]).
    pub assume_appliance_allows: bool,
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
    /// The address family of the entry's flows: `ipv4` or `ipv6`. An end
    /// stands at its primary IPv4 address, or at its first IPv6 address
    /// (which the internet reaches directly when it is global unicast).
    pub ip_version: IpVersion,
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
    /// `reach --to` an instance: the load balancer the members reach it
    /// through, e.g. `load balancer web-alb (application, internet-facing):
    /// HTTPS 443 forwards to i-… port 8080 (healthy)`; `access` is then
    /// on the listener's ports. `None` for a direct path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub through: Option<String>,
}

/// Counts, per member and address family, of its best answer over all its
/// ports: a dual-stack end is counted once over IPv4 and once over IPv6.
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
    /// `exposure` only: what the internet reaches through each listener of
    /// each internet-facing load balancer (IPv4).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancerExposure>,
}

/// Answers `query` on `topo`.
///
/// Input: a [`ReachQuery`] (a reference as `explain` takes it, or exposure)
/// and [`ReachOptions`] (an optional port, protocol and address family).
/// Output: a [`Reach`]: entries grouping the far ends that reach (or are
/// reached) alike, per address family, each with the port ranges (TCP/UDP,
/// inclusive) and their verdict (`reachable`, `partial` or `unknown`;
/// blocked ranges are left out), the rules on the way and the internet
/// gateway; plus per-end counts. IPv4 entries come first, then IPv6 ones.
///
/// Errors: [`ReachError::Resolve`] when the reference names nothing or
/// several things (or, with `ip_version: Some(Ipv6)`, has no IPv6 address);
/// [`ReachError::Usage`] for a protocol other than TCP or UDP, or an IP
/// literal of the other family than `ip_version`.
pub fn reach(
    topo: &Topology,
    query: &ReachQuery,
    opts: &ReachOptions,
) -> Result<Reach, ReachError> {
    let mut out: Option<Reach> = None;
    for v in families(topo, query, opts)? {
        let r = reach_in(topo, query, opts, v)?;
        match &mut out {
            None => out = Some(r),
            Some(o) => {
                o.entries.extend(r.entries);
                o.load_balancers.extend(r.load_balancers);
                let (a, b) = (&mut o.summary, r.summary);
                a.considered += b.considered;
                a.reachable += b.reachable;
                a.partial += b.partial;
                a.unknown += b.unknown;
                a.blocked += b.blocked;
                a.classes += b.classes;
                a.walks += b.walks;
                for w in r.warnings {
                    if !o.warnings.contains(&w) {
                        o.warnings.push(w);
                    }
                }
            }
        }
    }
    Ok(out.expect("families() names at least one family"))
}

/// The address families to answer `query` in (see [`ReachOptions::ip_version`]).
fn families(
    topo: &Topology,
    query: &ReachQuery,
    opts: &ReachOptions,
) -> Result<Vec<IpVersion>, ReachError> {
    let reference = match query {
        ReachQuery::To(r) | ReachQuery::From(r) => Some(r.as_str()),
        ReachQuery::Exposure => None,
    };
    let literal = reference.and_then(IpVersion::of_literal);
    match (opts.ip_version, literal) {
        (Some(asked), Some(lit)) if asked != lit => Err(ReachError::Usage(
            lit.conflict(reference.unwrap_or_default(), asked),
        )),
        (Some(asked), _) => Ok(vec![asked]),
        (None, Some(lit)) => Ok(vec![lit]),
        (None, None) => {
            let dual = topo.has_ipv6_addresses();
            let fixed_v6 = reference.is_none_or(|r| {
                r.trim().eq_ignore_ascii_case("internet") || resolve_in(topo, r, None, true).is_ok()
            });
            Ok(if dual && fixed_v6 {
                IpVersion::BOTH.to_vec()
            } else {
                vec![IpVersion::Ipv4]
            })
        }
    }
}

/// [`reach`] over one address family.
fn reach_in(
    topo: &Topology,
    query: &ReachQuery,
    opts: &ReachOptions,
    v: IpVersion,
) -> Result<Reach, ReachError> {
    let protocol = opts.protocol.unwrap_or(IpProtocol::Tcp);
    if !protocol.has_ports() {
        return Err(ReachError::Usage("--protocol must be tcp or udp".into()));
    }
    let only = opts.port.map(|p| vec![(protocol, PortRange::new(p, p))]);
    let asked = evaluate::Asked {
        lb_target: None,
        assume_appliance_allows: opts.assume_appliance_allows,
    };
    let mut summary = ReachSummary::default();
    let mut warnings = Vec::new();
    for g in &topo.snapshot.metadata.gaps {
        warnings.push(format!(
            "the snapshot is partial: {g}; answers that need it are unknown"
        ));
    }
    let all = classes(topo, v);
    let internet = Class::internet();
    let mut answered: Vec<Answered> = Vec::new();
    let mut walks = 0usize;
    let mut resolved = evaluate::Resolved::default();
    let (name, target) = match query {
        ReachQuery::To(reference) => {
            let (ep, mut entries_out) = to::reach_to(
                topo,
                &all,
                reference,
                only.as_deref(),
                v,
                asked,
                &mut summary,
                &mut warnings,
            )?;
            entries_out.extend(to::through_load_balancers(
                topo,
                &all,
                &ep,
                opts,
                v,
                &mut summary,
                &mut warnings,
            ));
            return Ok(Reach {
                query: "to",
                target: Some(ep.info(topo)),
                entries: entries_out,
                summary,
                warnings,
                load_balancers: Vec::new(),
            });
        }
        ReachQuery::From(reference) => {
            let ep = resolve_in(topo, reference, None, v.is_v6())?;
            let (fixed, ids) = fixed_end(topo, &ep);
            let outside = ep.is_outside();
            let dests: Vec<&Class> = all.iter().collect();
            answered.extend(evaluate::answer_all(
                &dests,
                &mut walks,
                |resolved, c, walks| {
                    if outside
                        && !c.end.public[0]
                        && ep.kind == crate::resolve::EndpointKind::Internet
                    {
                        // From the internet only public ends can be reached.
                        let (_, members) = ends_of(c, &ids);
                        return Some((c.kind, *c, Vec::new(), members));
                    }
                    let (rep, members) = ends_of(c, &ids);
                    let (Some(rep), false) = (rep, members.is_empty()) else {
                        return None;
                    };
                    let r = only.clone().unwrap_or_else(|| c.end.ports[0].clone());
                    let acc = evaluate(
                        topo, resolved, reference, &fixed, &rep, &c.end, &r, v, asked, walks,
                    );
                    Some((c.kind, *c, acc, members))
                },
            ));
            if !outside {
                let r = only
                    .clone()
                    .unwrap_or_else(|| egress_ports(topo, &fixed.groups[0]));
                let acc = evaluate(
                    topo,
                    &mut resolved,
                    reference,
                    &fixed,
                    "internet",
                    &internet.end,
                    &r,
                    v,
                    asked,
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
            let public: Vec<&Class> = all.iter().filter(|c| c.end.public[0]).collect();
            let none = BTreeSet::new();
            answered.extend(evaluate::answer_all(
                &public,
                &mut walks,
                |resolved, c, walks| {
                    let (rep, members) = ends_of(c, &none);
                    let rep = rep?;
                    let r = only.clone().unwrap_or_else(|| c.end.ports[0].clone());
                    let acc = evaluate(
                        topo,
                        resolved,
                        "internet",
                        &internet.end,
                        &rep,
                        &c.end,
                        &r,
                        v,
                        asked,
                        walks,
                    );
                    Some((c.kind, *c, acc, members))
                },
            ));
            ("exposure", None)
        }
    };
    summary.classes = answered.len();
    let entries_out = entries(topo, answered, &mut summary, v);
    summary.walks = walks;
    let load_balancers = match query {
        ReachQuery::Exposure if !v.is_v6() => {
            load_balancer::exposure(topo, opts.port, opts.assume_appliance_allows)
        }
        _ => Vec::new(),
    };
    Ok(Reach {
        query: name,
        target,
        entries: entries_out,
        summary,
        warnings,
        load_balancers,
    })
}
