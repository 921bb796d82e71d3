//! Checking intents: one `explain` per pair and port piece.

use std::collections::BTreeSet;

use netpath_model::{IpProtocol, PortRange, Snapshot};
use serde::Serialize;

use super::parse::{ip_version, port_spec, protocol, Policy};
use super::select::{select, Selected};
use crate::addr::IpVersion;
use crate::answer::{Decision, Explanation, Verdict};
use crate::classes::{ingress_ports, piece_options, pieces};
use crate::explain::explain;
use crate::security_group::permission_ports;
use crate::topology::Topology;

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
    /// The address family of the flow: `ipv4` or `ipv6`.
    pub ip_version: IpVersion,
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

fn reason(e: &Explanation) -> String {
    match (&e.blocking, e.verdict) {
        (_, Verdict::Unknown) => format!("unknown: missing {}", e.missing.join("; ")),
        (Some(b), _) => {
            let mut s = format!("{} {} {}", b.path.as_str(), b.kind.as_str(), b.component);
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
    /// The policy's `assume-appliance-allows`.
    assume: bool,
}

/// What an intent needs from each flow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Reachable,
    Blocked,
}

impl Checker<'_, '_> {
    /// Evaluates every pair on every port piece in each family of
    /// `families`; returns (flows, violations, total). A pair is checked in
    /// a family only where both ends have an address of it, except for
    /// `reach`, where an end without one is a violation (`explain` says
    /// why).
    fn run(
        &self,
        srcs: &[Selected],
        dsts: &[Selected],
        proto: IpProtocol,
        ports: &dyn Fn(&Selected) -> Vec<PortRange>,
        want: Want,
        families: &[IpVersion],
    ) -> (usize, Vec<Violation>, usize) {
        let (mut flows, mut violations, mut total) = (0, Vec::new(), 0);
        for s in srcs {
            for d in dsts {
                if s.reference == d.reference {
                    continue;
                }
                for &v in families {
                    if want == Want::Blocked && !(s.has(v) && d.has(v)) {
                        continue;
                    }
                    for range in ports(d) {
                        let ps = match want {
                            Want::Reachable => vec![range],
                            Want::Blocked => port_pieces(self.topo.snapshot, range),
                        };
                        for piece in ps {
                            flows += 1;
                            let opts = crate::explain::ExplainOptions {
                                assume_appliance_allows: self.assume,
                                ..piece_options(proto, piece, v)
                            };
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
                                ip_version: v,
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
        icmp: None,
        client_os: String::new(),
        assume_appliance_allows: false,
        ephemeral_ports: PortRange::ALL,
        hops: Vec::new(),
        blocking: None,
        blockers: Vec::new(),
        near_misses: Vec::new(),
        symptom: crate::answer::Symptom::Unknown,
        fixes: Vec::new(),
        after_fixes: None,
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

/// The families an isolate or exposure intent checks: the one its
/// `ip_version` names, else both.
fn families(asked: Option<&str>) -> Vec<IpVersion> {
    match ip_version(asked).ok().flatten() {
        Some(v) => vec![v],
        None => IpVersion::BOTH.to_vec(),
    }
}

impl Checker<'_, '_> {
    /// The flows from the internet through internet-facing load balancers
    /// to the targets among `dsts` (on `ports`, when given): how many, the
    /// violations (a target some listener exposes), and how many fail.
    fn through_load_balancers(
        &self,
        dsts: &[Selected],
        ports: Option<&[PortRange]>,
    ) -> (usize, Vec<Violation>, usize) {
        let (mut flows, mut v, mut failed) = (0, Vec::new(), 0);
        for e in crate::reach::load_balancer::exposure(self.topo, None, self.assume) {
            for (id, port) in &e.targets {
                let Some(d) = dsts.iter().find(|d| &d.name == id) else {
                    continue;
                };
                let port = port.unwrap_or(e.port);
                if ports.is_some_and(|r| !r.iter().any(|r| r.from <= port && port <= r.to)) {
                    continue;
                }
                flows += 1;
                failed += 1;
                let opts = crate::explain::ExplainOptions {
                    port: Some(e.port),
                    assume_appliance_allows: self.assume,
                    ..Default::default()
                };
                let Ok(x) =
                    crate::explain::explain(self.topo, "internet", &e.load_balancer_arn, &opts)
                else {
                    continue;
                };
                v.push(Violation {
                    from: "internet".into(),
                    to: d.name.clone(),
                    ip_version: IpVersion::Ipv4,
                    protocol: "tcp".into(),
                    ports: PortRange::new(port, port),
                    verdict: e.verdict,
                    reason: format!(
                        "exposed on port {port} through internet-facing load balancer {} (listener {})",
                        e.load_balancer, e.listener
                    ),
                    allowed_by: vec![e.load_balancer_arn.clone()],
                    explanation: Box::new(x),
                });
            }
        }
        (flows, v, failed)
    }
}

/// Checks every intent of `policy` against `topo`.
///
/// Input: a topology and a parsed [`Policy`]. Output: a [`CheckReport`] with
/// one [`IntentResult`] per intent. A selector that matches nothing fails
/// its intent (a policy about nothing protects nothing). Never errors.
pub fn check(topo: &Topology, policy: &Policy) -> CheckReport {
    let c = Checker {
        topo,
        assume: policy.assume_appliance_allows,
    };
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
        // One family: as asked, else an address's own, else IPv4.
        let fams = vec![ip_version(r.ip_version.as_deref())
            .ok()
            .flatten()
            .or_else(|| {
                [&r.from, &r.to]
                    .into_iter()
                    .find_map(|x| IpVersion::of_literal(x))
            })
            .unwrap_or_default()];
        results.push(result(
            "reach",
            i,
            name,
            both(&r.from, &r.to),
            |s, d| c.run(s, d, proto, &|_| vec![port], Want::Reachable, &fams),
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
        let fams = families(r.ip_version.as_deref());
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
                    &fams,
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
        let fams = families(r.ip_version.as_deref());
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
                        &fams,
                    );
                    f += f2;
                    t += t2;
                    v.extend(v2);
                }
                // Targets behind an internet-facing load balancer are
                // exposed through it, public address or not.
                if fams.contains(&IpVersion::Ipv4) {
                    let (f2, v2, t2) = c.through_load_balancers(d, given.as_deref());
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
