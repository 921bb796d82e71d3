//! What the internet reaches through internet-facing load balancers
//! (`exposure`): per listener, whether the internet reaches it, and which
//! targets behind it take the connection, on which ports. A target behind an
//! internet-facing load balancer is exposed even without a public address
//! of its own. Each answer is `explain` from `internet` to the load
//! balancer on the listener's port (`walk/load_balancer.rs`).
//! Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#load-balancer-scheme>.

use netpath_model::IpProtocol;
use serde::Serialize;

use crate::answer::{Decision, HopKind, Verdict};
use crate::explain::{explain, ExplainOptions};
use crate::resolve::Endpoint;
use crate::topology::Topology;

/// One listener of an internet-facing load balancer, as the internet sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerExposure {
    /// The load balancer's name.
    pub load_balancer: String,
    /// Its ARN.
    pub load_balancer_arn: String,
    /// Its DNS name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    /// The listener, e.g. `HTTPS 443`.
    pub listener: String,
    /// The listener's port.
    pub port: u16,
    /// Whether the internet gets through to a target: `reachable`,
    /// `partial` (some targets), `blocked` or `unknown`.
    pub verdict: Verdict,
    /// The targets that take the connection (`i-…:8080`), with their names.
    pub exposed_targets: Vec<String>,
    /// The same targets as (id, port), for `check`.
    #[serde(skip)]
    pub(crate) targets: Vec<(String, Option<u16>)>,
    /// Why not, or what is missing, when not every target takes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every listener of every internet-facing load balancer (only those on
/// `port`, when given), as the internet reaches it over IPv4 (`assume`:
/// [`crate::ExplainOptions::assume_appliance_allows`]).
pub(crate) fn exposure(
    topo: &Topology,
    port: Option<u16>,
    assume: bool,
) -> Vec<LoadBalancerExposure> {
    let mut out = Vec::new();
    for lb in topo.load_balancers.all() {
        if !lb.is_internet_facing() {
            continue;
        }
        for l in topo.load_balancers.listeners(lb) {
            if port.is_some_and(|p| p != l.port) {
                continue;
            }
            let protocol = if l.protocol == "UDP" {
                IpProtocol::Udp
            } else {
                IpProtocol::Tcp
            };
            let mut e = LoadBalancerExposure {
                load_balancer: lb.load_balancer_name.clone(),
                load_balancer_arn: lb.load_balancer_arn.clone(),
                dns_name: lb.dns_name.clone(),
                listener: format!("{} {}", l.protocol, l.port),
                port: l.port,
                verdict: Verdict::Unknown,
                exposed_targets: Vec::new(),
                targets: Vec::new(),
                note: None,
            };
            let opts = ExplainOptions {
                port: Some(l.port),
                protocol: Some(protocol),
                assume_appliance_allows: assume,
                ..ExplainOptions::default()
            };
            match explain(topo, "internet", &lb.load_balancer_arn, &opts) {
                Err(err) => e.note = Some(err.to_string()),
                Ok(x) => {
                    e.verdict = x.verdict;
                    for h in x
                        .hops
                        .iter()
                        .filter(|h| h.kind == HopKind::LoadBalancerTarget)
                    {
                        for t in h.targets.iter().filter(|t| t.decision == Decision::Allow) {
                            let name = topo
                                .name_of(&t.target)
                                .map(|n| format!(" ({n})"))
                                .unwrap_or_default();
                            e.exposed_targets.push(format!(
                                "{}:{}{name}",
                                t.target,
                                t.port.map_or("?".into(), |p| p.to_string())
                            ));
                            e.targets.push((t.target.clone(), t.port));
                        }
                    }
                    e.note = match (&x.blocking, x.verdict) {
                        (_, Verdict::Reachable) => None,
                        (Some(b), _) => Some(format!(
                            "blocked at {} {}: {}",
                            b.kind.as_str(),
                            b.component,
                            b.detail
                        )),
                        (None, Verdict::Unknown) => {
                            Some(format!("unknown: missing {}", x.missing.join("; ")))
                        }
                        (None, _) => x
                            .hops
                            .iter()
                            .find(|h| {
                                h.kind == HopKind::LoadBalancerTarget
                                    && h.decision != Decision::Allow
                            })
                            .map(|h| h.detail.clone()),
                    };
                }
            }
            out.push(e);
        }
    }
    out
}

/// A load balancer listener that forwards to a given target.
pub(crate) struct Front<'a> {
    /// The load balancer.
    pub lb: &'a netpath_model::LoadBalancer,
    /// The listener's protocol (`HTTPS`, `TCP`, `UDP`, ...) and port.
    pub protocol: &'a str,
    /// The listener's port.
    pub port: u16,
    /// The target as registered (instance id or address).
    pub target: &'a str,
    /// The port the load balancer sends to: the target's own, else its
    /// target group's.
    pub target_port: Option<u16>,
    /// The target's health state (`healthy`, `unhealthy`, ...).
    pub state: &'a str,
}

impl Front<'_> {
    /// `load balancer web-alb forwards HTTPS 443 to i-… on port 8080 (healthy)`.
    pub fn sentence(&self) -> String {
        format!(
            "load balancer {} forwards {} {} to {} on port {} ({})",
            self.lb.load_balancer_name,
            self.protocol,
            self.port,
            self.target,
            self.target_port.map_or("?".into(), |p| p.to_string()),
            self.state
        )
    }
}

/// The load balancer listeners that forward to `ep` (an instance or ENI
/// registered in a target group by instance id or by address), by their
/// default actions, in snapshot order, each (listener, target) once.
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html>.
pub(crate) fn in_front<'a>(topo: &Topology<'a>, ep: &Endpoint) -> Vec<Front<'a>> {
    let mut ids: Vec<String> = ep
        .instance
        .map(|i| i.instance_id.to_string())
        .into_iter()
        .collect();
    for p in &ep.placements {
        if let Some(e) = p.eni {
            ids.extend(
                e.private_ip_addresses
                    .iter()
                    .map(|a| a.private_ip_address.to_string()),
            );
        }
    }
    let lbs = &topo.load_balancers;
    let mut out: Vec<Front<'a>> = Vec::new();
    if ids.is_empty() {
        return out;
    }
    for lb in lbs.all() {
        for l in lbs.listeners(lb) {
            for tg in lbs
                .all_actions(l)
                .into_iter()
                .filter(|a| a.action_type == "forward")
                .flat_map(|a| &a.target_group_arns)
            {
                let Some(h) = lbs.health(tg) else { continue };
                for t in h.targets.iter().filter(|t| ids.contains(&t.id)) {
                    let f = Front {
                        lb,
                        protocol: &l.protocol,
                        port: l.port,
                        target: &t.id,
                        target_port: t.port.or(lbs.target_group(tg).and_then(|g| g.port)),
                        state: &t.state,
                    };
                    if !out.iter().any(|o| o.sentence() == f.sentence()) {
                        out.push(f);
                    }
                }
            }
        }
    }
    out
}
