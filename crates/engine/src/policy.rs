//! `netpath check`: written network intent, checked against a snapshot.
//!
//! A policy is a TOML document (format: `docs/policy.md`) of three kinds of
//! intent:
//! - `[[reach]]`: every selected source must reach every selected
//!   destination on `port`/`protocol` (verdict `reachable`);
//! - `[[isolate]]`: no selected source may reach any selected destination on
//!   any of `ports` (default: every port the destination's security groups
//!   open, and a DB's endpoint port);
//! - `[[no-internet-exposure]]`: nothing on the internet may reach the
//!   selected resources on any port their groups open.
//!
//! Each pair is answered by [`crate::explain`], so an intent fails exactly when
//! `netpath explain` would show the traffic blocked (for `reach`) or
//! let through (for `isolate` and exposure). A `partial` answer lets some
//! connections through and blocks others, so it fails both kinds. An
//! `unknown` answer cannot prove the intent and fails it, naming what is
//! missing.
//!
//! Port ranges are checked exactly: a range is cut wherever a
//! security-group rule or network ACL entry of the snapshot starts or ends,
//! and one port per piece is evaluated (every rule decides a piece alike).

use std::collections::BTreeSet;

use netpath_model::{IpProtocol, PortRange, Snapshot};
use serde::{Deserialize, Serialize};

use crate::diff::{eni_key, ingress_ports, is_rds, piece_options, pieces};
use crate::explain::{Decision, Explanation, Verdict};
use crate::security_group::permission_ports;
use crate::{explain, Topology};

/// A policy file: lists of intents by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Must-reach intents.
    #[serde(default)]
    pub reach: Vec<ReachIntent>,
    /// Must-not-reach intents.
    #[serde(default)]
    pub isolate: Vec<IsolateIntent>,
    /// No-exposure intents.
    #[serde(default, rename = "no-internet-exposure")]
    pub no_internet_exposure: Vec<ExposureIntent>,
}

/// `[[reach]]`: `from` must reach `to` on `port`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachIntent {
    /// A name for reports; defaults to `reach FROM -> TO PROTO/PORT`.
    pub name: Option<String>,
    /// Source selector (see [`select`]).
    pub from: String,
    /// Destination selector.
    pub to: String,
    /// Destination port (0-65535).
    pub port: u16,
    /// `tcp` (default) or `udp`.
    #[serde(default = "tcp")]
    pub protocol: String,
}

/// `[[isolate]]`: `from` must not reach `to` on any of `ports`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolateIntent {
    /// A name for reports.
    pub name: Option<String>,
    /// Source selector.
    pub from: String,
    /// Destination selector.
    pub to: String,
    /// Ports: numbers or `"LO-HI"` strings. Default: every port the
    /// destination's groups open, and a DB's endpoint port.
    pub ports: Option<Vec<PortSpec>>,
    /// `tcp` (default) or `udp`.
    #[serde(default = "tcp")]
    pub protocol: String,
}

/// `[[no-internet-exposure]]`: the selected resources must not be reachable
/// from the internet. Exactly one of `resource`, `tag`, `kind`,
/// `security_group` selects them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureIntent {
    /// A name for reports.
    pub name: Option<String>,
    /// A reference as in `explain` (instance id, ENI id, Name tag, DB identifier).
    pub resource: Option<String>,
    /// `Key=Value`: instances and ENIs with that tag.
    pub tag: Option<String>,
    /// `db-instance`, `instance` or `network-interface`.
    pub kind: Option<String>,
    /// ENIs and DB instances carrying this group (id or name).
    pub security_group: Option<String>,
    /// Ports to check; default: every port the resource's groups open, and
    /// a DB's endpoint port.
    pub ports: Option<Vec<PortSpec>>,
}

/// A port or a range, as written in a policy: `5432` or `"1024-2048"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PortSpec {
    /// One port.
    Port(u16),
    /// `"LO-HI"`, inclusive.
    Range(String),
}

fn tcp() -> String {
    "tcp".into()
}

/// Why a policy could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML, or not the policy schema (unknown field, wrong type,
    /// port outside 0-65535). The message carries line and column.
    #[error("{0}")]
    Syntax(String),
    /// A field has a value the schema cannot check (bad protocol, range, kind).
    #[error("{intent}: {message}")]
    Invalid {
        /// `reach[0]`, `isolate[2]`, ...
        intent: String,
        /// What is wrong and what to write instead.
        message: String,
    },
}

impl Policy {
    /// Parses a policy from TOML text.
    ///
    /// Errors: [`PolicyError::Syntax`] with line and column for bad TOML or a
    /// schema mismatch; [`PolicyError::Invalid`] naming the intent for a bad
    /// protocol, port range, kind, or an exposure intent without exactly one
    /// selector.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let bad = |intent: String, message: String| PolicyError::Invalid { intent, message };
        for (i, r) in p.reach.iter().enumerate() {
            protocol(&r.protocol).map_err(|m| bad(format!("reach[{i}]"), m))?;
        }
        for (i, r) in p.isolate.iter().enumerate() {
            protocol(&r.protocol).map_err(|m| bad(format!("isolate[{i}]"), m))?;
            for s in r.ports.iter().flatten() {
                port_spec(s).map_err(|m| bad(format!("isolate[{i}]"), m))?;
            }
        }
        for (i, r) in p.no_internet_exposure.iter().enumerate() {
            let n = [&r.resource, &r.tag, &r.kind, &r.security_group]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if n != 1 {
                return Err(bad(
                    format!("no-internet-exposure[{i}]"),
                    "give exactly one of resource, tag, kind, security_group".into(),
                ));
            }
            if let Some(k) = &r.kind {
                if !KINDS.contains(&k.as_str()) {
                    return Err(bad(
                        format!("no-internet-exposure[{i}]"),
                        format!("kind `{k}` is not one of {}", KINDS.join(", ")),
                    ));
                }
            }
            if let Some(t) = &r.tag {
                if !t.contains('=') {
                    return Err(bad(
                        format!("no-internet-exposure[{i}]"),
                        format!("tag `{t}` is not Key=Value"),
                    ));
                }
            }
            for s in r.ports.iter().flatten() {
                port_spec(s).map_err(|m| bad(format!("no-internet-exposure[{i}]"), m))?;
            }
        }
        Ok(p)
    }
}

const KINDS: [&str; 3] = ["db-instance", "instance", "network-interface"];

fn protocol(s: &str) -> Result<IpProtocol, String> {
    match IpProtocol::parse(s) {
        Some(p @ (IpProtocol::Tcp | IpProtocol::Udp)) => Ok(p),
        _ => Err(format!("protocol `{s}` must be tcp or udp")),
    }
}

fn port_spec(s: &PortSpec) -> Result<PortRange, String> {
    match s {
        PortSpec::Port(p) => Ok(PortRange::new(*p, *p)),
        PortSpec::Range(r) => {
            let err = || format!("port range `{r}` is not LO-HI with 0 <= LO <= HI <= 65535");
            let (lo, hi) = r.split_once('-').ok_or_else(err)?;
            let lo: u16 = lo.trim().parse().map_err(|_| err())?;
            let hi: u16 = hi.trim().parse().map_err(|_| err())?;
            if lo > hi {
                return Err(err());
            }
            Ok(PortRange::new(lo, hi))
        }
    }
}

/// One thing a selector picked: its stable name and the reference `explain` takes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Selected {
    /// Instance id, ENI id, DB identifier, `internet` or the address.
    pub name: String,
    /// What to pass to `explain`.
    pub reference: String,
    /// Security groups on it (for default ports).
    pub groups: Vec<String>,
    /// A DB's endpoint port.
    pub db_port: Option<u16>,
}

fn tag_matches(tags: &netpath_model::Tags, key: &str, value: &str) -> bool {
    tags.get(key).is_some_and(|v| v == value)
}

/// Expands a selector to the endpoints it names.
///
/// Selectors: `internet`; `tag:Key=Value` (instances and unattached ENIs
/// with the tag); `sg:GROUP` (ENIs and DB instances carrying the group, by
/// id or name); `kind:db-instance|instance|network-interface`;
/// `subnet:SUBNET-ID`; or any reference `explain` takes (instance id, ENI
/// id, Name tag, DB identifier or endpoint, IPv4 address).
///
/// Errors: a sentence when the selector is malformed or a reference
/// resolves to nothing (or to several things).
pub fn select(topo: &Topology, selector: &str) -> Result<Vec<Selected>, String> {
    let snap: &Snapshot = topo.snapshot;
    let mut out: BTreeSet<Selected> = BTreeSet::new();
    let eni_sel = |e: &netpath_model::NetworkInterface| Selected {
        name: eni_key(e),
        reference: e.network_interface_id.clone(),
        groups: e.groups.clone(),
        db_port: None,
    };
    let db_sel = |d: &netpath_model::DbInstance| Selected {
        name: d.db_instance_identifier.clone(),
        reference: d.db_instance_identifier.clone(),
        groups: d.vpc_security_group_ids.clone(),
        db_port: d.endpoint.as_ref().map(|e| e.port),
    };
    let enis = || {
        snap.network_interfaces
            .iter()
            .flatten()
            .filter(|e| !is_rds(e))
    };
    if selector == "internet" {
        out.insert(Selected {
            name: "internet".into(),
            reference: "internet".into(),
            groups: Vec::new(),
            db_port: None,
        });
    } else if let Some(t) = selector.strip_prefix("tag:") {
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| format!("`{selector}`: write tag:Key=Value"))?;
        for e in enis() {
            let inst_tagged = topo
                .instance_of(e)
                .is_some_and(|i| tag_matches(&i.tags, k, v));
            if inst_tagged || tag_matches(&e.tags, k, v) {
                out.insert(eni_sel(e));
            }
        }
    } else if let Some(g) = selector.strip_prefix("sg:") {
        let ids: Vec<&str> = snap
            .security_groups
            .iter()
            .flatten()
            .filter(|s| s.group_id == g || s.group_name == g)
            .map(|s| s.group_id.as_str())
            .collect();
        if ids.is_empty() {
            return Err(format!(
                "`{selector}`: no security group has id or name `{g}`"
            ));
        }
        for e in enis().filter(|e| e.groups.iter().any(|x| ids.contains(&x.as_str()))) {
            out.insert(eni_sel(e));
        }
        for d in snap.db_instances.iter().flatten() {
            if d.vpc_security_group_ids
                .iter()
                .any(|x| ids.contains(&x.as_str()))
            {
                out.insert(db_sel(d));
            }
        }
    } else if let Some(k) = selector.strip_prefix("kind:") {
        match k {
            "db-instance" => out.extend(snap.db_instances.iter().flatten().map(db_sel)),
            "instance" => out.extend(
                enis()
                    .filter(|e| topo.instance_of(e).is_some())
                    .map(eni_sel),
            ),
            "network-interface" => out.extend(enis().map(eni_sel)),
            _ => {
                return Err(format!(
                    "`{selector}`: kind must be one of {}",
                    KINDS.join(", ")
                ))
            }
        }
    } else if let Some(s) = selector.strip_prefix("subnet:") {
        out.extend(enis().filter(|e| e.subnet_id == s).map(eni_sel));
    } else {
        let ep = crate::resolve(topo, selector, None).map_err(|e| e.to_string())?;
        if let Some(d) = ep.db {
            out.insert(db_sel(d));
        } else if let Some(e) = ep.placements.first().and_then(|p| p.eni) {
            let mut s = eni_sel(e);
            if let Some(i) = ep.instance {
                s.name = i.instance_id.clone();
            }
            out.insert(s);
        } else {
            out.insert(Selected {
                name: selector.to_string(),
                reference: selector.to_string(),
                groups: Vec::new(),
                db_port: None,
            });
        }
    }
    Ok(out.into_iter().collect())
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The intent holds.
    Pass,
    /// The intent does not hold, or cannot be shown to hold.
    Fail,
}

/// One flow that made an intent fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Source name.
    pub from: String,
    /// Destination name.
    pub to: String,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Ports (inclusive) this answer holds for.
    pub ports: PortRange,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one line: the blocking hop (reach), the allowing rules
    /// (isolate, exposure), or the missing data (unknown).
    pub reason: String,
    /// The rules and routes that let the traffic through (isolate, exposure).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_by: Vec<String>,
    /// The full explanation, as `netpath explain --output json` gives it.
    pub explanation: Box<Explanation>,
}

/// The result of one intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntentResult {
    /// `reach`, `isolate` or `no-internet-exposure`.
    pub kind: &'static str,
    /// Index within its kind in the policy file.
    pub index: usize,
    /// The intent's name (given, or made from its fields).
    pub name: String,
    /// Pass or fail.
    pub status: Status,
    /// One line: what was checked and the outcome.
    pub summary: String,
    /// Flows checked (source, destination, port piece).
    pub flows_checked: usize,
    /// Flows that violate the intent, up to [`MAX_VIOLATIONS`].
    pub violations: Vec<Violation>,
    /// Violations in all (may exceed the list).
    pub violations_total: usize,
}

/// At most this many violations are listed per intent.
pub const MAX_VIOLATIONS: usize = 20;

/// The result of a policy check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Intents that hold.
    pub passed: usize,
    /// Intents that do not.
    pub failed: usize,
    /// Per intent, in file order: reach, isolate, no-internet-exposure.
    pub results: Vec<IntentResult>,
}

/// Port pieces of `r`, cut at every SG rule and NACL entry boundary of the snapshot.
fn port_pieces(snap: &Snapshot, r: PortRange) -> Vec<PortRange> {
    let mut cuts = BTreeSet::new();
    let mut add = |r: PortRange| {
        cuts.insert(u32::from(r.from));
        cuts.insert(u32::from(r.to) + 1);
    };
    for sg in snap.security_groups.iter().flatten() {
        for p in sg.ip_permissions.iter().chain(&sg.ip_permissions_egress) {
            if p.ip_protocol.has_ports() {
                add(permission_ports(p));
            }
        }
    }
    for acl in snap.network_acls.iter().flatten() {
        for e in &acl.entries {
            if let (true, Some(r)) = (e.protocol.has_ports(), e.port_range) {
                add(r);
            }
        }
    }
    for d in snap.db_instances.iter().flatten() {
        if let Some(ep) = &d.endpoint {
            add(PortRange::new(ep.port, ep.port));
        }
    }
    pieces(r, &cuts)
}

fn allowed_by(e: &Explanation) -> Vec<String> {
    e.hops
        .iter()
        .filter(|h| matches!(h.decision, Decision::Allow | Decision::Partial))
        .filter_map(|h| {
            h.matched
                .as_ref()
                .map(|m| format!("{}: {}", h.component, m.text))
        })
        .collect()
}

/// The serde name of a unit enum value (`security-group`, `forward`).
fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

fn reason(e: &Explanation) -> String {
    match (&e.blocking, e.verdict) {
        (_, Verdict::Unknown) => format!("unknown: missing {}", e.missing.join("; ")),
        (Some(b), _) => {
            let mut s = format!("{} {} {}", word(&b.path), word(&b.kind), b.component);
            if let Some(r) = b.rule_number {
                s.push_str(&format!(" rule {r}"));
            }
            format!("{s}: {}", b.detail)
        }
        (None, _) => format!("allowed by {}", allowed_by(e).join("; ")),
    }
}

struct Checker<'t, 'a> {
    topo: &'t Topology<'a>,
}

/// What an intent needs from each flow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Reachable,
    Blocked,
}

impl Checker<'_, '_> {
    /// Evaluates every pair on every port piece; returns (flows, violations, total).
    fn run(
        &self,
        srcs: &[Selected],
        dsts: &[Selected],
        proto: IpProtocol,
        ports: &dyn Fn(&Selected) -> Vec<PortRange>,
        want: Want,
    ) -> (usize, Vec<Violation>, usize) {
        let (mut flows, mut violations, mut total) = (0, Vec::new(), 0);
        for s in srcs {
            for d in dsts {
                if s.reference == d.reference {
                    continue;
                }
                for range in ports(d) {
                    let ps = match want {
                        Want::Reachable => vec![range],
                        Want::Blocked => port_pieces(self.topo.snapshot, range),
                    };
                    for piece in ps {
                        flows += 1;
                        let opts = piece_options(proto, piece);
                        let exp = explain(self.topo, &s.reference, &d.reference, &opts);
                        let ok = match (&exp, want) {
                            (Ok(e), Want::Reachable) => e.verdict == Verdict::Reachable,
                            (Ok(e), Want::Blocked) => e.verdict == Verdict::Blocked,
                            (Err(_), _) => false,
                        };
                        if ok {
                            continue;
                        }
                        total += 1;
                        if violations.len() >= MAX_VIOLATIONS {
                            continue;
                        }
                        let (verdict, reason, allowed, explanation) = match exp {
                            Ok(e) => (
                                e.verdict,
                                reason(&e),
                                if want == Want::Blocked {
                                    allowed_by(&e)
                                } else {
                                    Vec::new()
                                },
                                e,
                            ),
                            Err(err) => (
                                Verdict::Unknown,
                                err.to_string(),
                                Vec::new(),
                                empty_explanation(proto, opts.port.unwrap_or(piece.from)),
                            ),
                        };
                        violations.push(Violation {
                            from: s.name.clone(),
                            to: d.name.clone(),
                            protocol: proto.to_string(),
                            ports: piece,
                            verdict,
                            reason,
                            allowed_by: allowed,
                            explanation: Box::new(explanation),
                        });
                    }
                }
            }
        }
        (flows, violations, total)
    }

    /// Default ports of a destination: its groups' ingress ports for `proto`,
    /// or a DB's endpoint port.
    fn default_ports(&self, d: &Selected, proto: IpProtocol) -> Vec<PortRange> {
        if let Some(p) = d.db_port {
            // A DB listens on its endpoint port, over TCP only.
            return if proto == IpProtocol::Tcp {
                vec![PortRange::new(p, p)]
            } else {
                Vec::new()
            };
        }
        ingress_ports(self.topo, &d.groups)
            .into_iter()
            .filter(|(p, _)| *p == proto)
            .map(|(_, r)| r)
            .collect()
    }
}

fn empty_explanation(proto: IpProtocol, port: u16) -> Explanation {
    Explanation {
        verdict: Verdict::Unknown,
        source: Default::default(),
        destination: Default::default(),
        protocol: proto.to_string(),
        port,
        client_os: String::new(),
        ephemeral_ports: PortRange::ALL,
        hops: Vec::new(),
        blocking: None,
        blockers: Vec::new(),
        symptom: crate::explain::Symptom::Unknown,
        fixes: Vec::new(),
        missing: Vec::new(),
        warnings: Vec::new(),
    }
}

fn result(
    kind: &'static str,
    index: usize,
    name: String,
    selected: Result<(Vec<Selected>, Vec<Selected>), String>,
    run: impl FnOnce(&[Selected], &[Selected]) -> (usize, Vec<Violation>, usize),
    verb: &str,
) -> IntentResult {
    let (srcs, dsts) = match selected {
        Ok(x) => x,
        Err(e) => {
            return IntentResult {
                kind,
                index,
                name,
                status: Status::Fail,
                summary: format!("cannot check: {e}"),
                flows_checked: 0,
                violations: Vec::new(),
                violations_total: 0,
            }
        }
    };
    if srcs.is_empty() || dsts.is_empty() {
        let which = if srcs.is_empty() {
            "source"
        } else {
            "destination"
        };
        return IntentResult {
            kind,
            index,
            name,
            status: Status::Fail,
            summary: format!("the {which} selector matches nothing in the snapshot"),
            flows_checked: 0,
            violations: Vec::new(),
            violations_total: 0,
        };
    }
    let (flows, violations, total) = run(&srcs, &dsts);
    let status = if total == 0 {
        Status::Pass
    } else {
        Status::Fail
    };
    let plural = |n: usize| if n == 1 { "flow" } else { "flows" };
    let summary = if total == 0 {
        format!("{flows} {} checked; all {verb}", plural(flows))
    } else {
        format!("{total} of {flows} {} checked do not {verb}", plural(flows))
    };
    IntentResult {
        kind,
        index,
        name,
        status,
        summary,
        flows_checked: flows,
        violations,
        violations_total: total,
    }
}

/// Checks every intent of `policy` against `topo`.
///
/// Input: a topology and a parsed [`Policy`]. Output: a [`CheckReport`] with
/// one [`IntentResult`] per intent. A selector that matches nothing fails
/// its intent (a policy about nothing protects nothing). Never errors.
pub fn check(topo: &Topology, policy: &Policy) -> CheckReport {
    let c = Checker { topo };
    let mut results = Vec::new();
    let both = |from: &str, to: &str| -> Result<(Vec<Selected>, Vec<Selected>), String> {
        Ok((select(topo, from)?, select(topo, to)?))
    };
    for (i, r) in policy.reach.iter().enumerate() {
        let proto = protocol(&r.protocol).unwrap_or(IpProtocol::Tcp);
        let name = r
            .name
            .clone()
            .unwrap_or_else(|| format!("{} -> {} {proto}/{}", r.from, r.to, r.port));
        let port = PortRange::new(r.port, r.port);
        results.push(result(
            "reach",
            i,
            name,
            both(&r.from, &r.to),
            |s, d| c.run(s, d, proto, &|_| vec![port], Want::Reachable),
            "reach",
        ));
    }
    for (i, r) in policy.isolate.iter().enumerate() {
        let proto = protocol(&r.protocol).unwrap_or(IpProtocol::Tcp);
        let name = r
            .name
            .clone()
            .unwrap_or_else(|| format!("{} -/-> {}", r.from, r.to));
        let given: Option<Vec<PortRange>> = r
            .ports
            .as_ref()
            .map(|v| v.iter().filter_map(|s| port_spec(s).ok()).collect());
        results.push(result(
            "isolate",
            i,
            name,
            both(&r.from, &r.to),
            |s, d| {
                c.run(
                    s,
                    d,
                    proto,
                    &|d| given.clone().unwrap_or_else(|| c.default_ports(d, proto)),
                    Want::Blocked,
                )
            },
            "stay blocked",
        ));
    }
    for (i, r) in policy.no_internet_exposure.iter().enumerate() {
        let selector = if let Some(x) = &r.resource {
            x.clone()
        } else if let Some(t) = &r.tag {
            format!("tag:{t}")
        } else if let Some(k) = &r.kind {
            format!("kind:{k}")
        } else {
            format!("sg:{}", r.security_group.clone().unwrap_or_default())
        };
        let name = r
            .name
            .clone()
            .unwrap_or_else(|| format!("no internet exposure of {selector}"));
        let given: Option<Vec<PortRange>> = r
            .ports
            .as_ref()
            .map(|v| v.iter().filter_map(|s| port_spec(s).ok()).collect());
        let targets = both("internet", &selector);
        // Exposure covers TCP and UDP.
        let mut res = result(
            "no-internet-exposure",
            i,
            name,
            targets,
            |s, d| {
                let (mut f, mut v, mut t) = (0, Vec::new(), 0);
                for proto in [IpProtocol::Tcp, IpProtocol::Udp] {
                    let (f2, v2, t2) = c.run(
                        s,
                        d,
                        proto,
                        &|d| given.clone().unwrap_or_else(|| c.default_ports(d, proto)),
                        Want::Blocked,
                    );
                    f += f2;
                    t += t2;
                    v.extend(v2);
                }
                v.truncate(MAX_VIOLATIONS);
                (f, v, t)
            },
            "stay blocked from the internet",
        );
        if res.flows_checked == 0 && res.status == Status::Pass {
            res.summary = "no port is open on the selected resources".into();
        }
        results.push(res);
    }
    let passed = results.iter().filter(|r| r.status == Status::Pass).count();
    CheckReport {
        passed,
        failed: results.len() - passed,
        results,
    }
}
