//! Load balancers on the path (Elastic Load Balancing v2).
//!
//! The client's packet reaches one of the load balancer's nodes, an ENI in
//! one of its subnets, by the ordinary walk: its subnet's network ACL, and
//! its security groups (every ALB; an NLB only when it has them). Then:
//!
//! 1. **The load balancer** must be `active`, and have a listener on the
//!    flow's protocol and port; without one the packet is dropped (the
//!    client times out). An ALB's listener rules pick the action
//!    (`load_balancer_rules.rs`: rules that read the request make the
//!    answer depend on it); else the default action decides: `forward` to
//!    target groups (those of weight 0 are sent nothing); an ALB's
//!    `redirect` and `fixed-response` are answered by the ALB itself.
//! 2. **The second leg**, from the node to each registered target on the
//!    target group's port (or the target's own): the node's groups
//!    outbound, both subnets' network ACLs, the route, the target's groups
//!    inbound, and the reply back on the node's ports (1024-65535), as a
//!    walk of its own. A Network Load Balancer that preserves the client's
//!    address (instance targets, by default) shows the target the client
//!    itself, on the client's ports, and carries the reply back itself, so
//!    no route back from the target is needed. Targets the load balancer
//!    sends nothing (`unused`, `draining`, or in another zone without
//!    cross-zone load balancing) are left out.
//! 3. **Health.** A target whose health checks time out on the traffic
//!    port does not answer; another failing check, or one not yet done,
//!    leaves that target unknown. When every target is unhealthy the load
//!    balancer fails open and sends to all of them.
//!
//! Every target passing is reachable; none is blocked (an ALB answers the
//! client with HTTP 502, 503 or 504 instead); some is intermittent.
//!
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html#target-security-groups>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html#target-security-groups>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html>
//! (fail open), <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/http-503-errors.html>.

use netpath_model::{
    IpProtocol, ListenerAction, LoadBalancer, PortRange, TargetGroup, TargetHealth,
};

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, Hop, HopKind, PathLeg, Symptom, TargetOutcome};
use crate::load_balancer::listener_takes;
use crate::resolve::Placement;

/// The ports a load balancer node sends from to its targets.
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html#target-security-groups>.
pub(super) const NODE_PORTS: PortRange = PortRange {
    from: 1024,
    to: 65535,
};

/// How deep load balancers may chain (an ALB target of an NLB).
pub(super) const MAX_DEPTH: usize = 2;

/// One target's second leg: its label, its hops, and their outcome.
pub(super) struct Leg {
    /// The target is in another zone than the node.
    pub(super) other_zone: bool,
    pub(super) target: String,
    pub(super) port: Option<u16>,
    pub(super) label: String,
    pub(super) hops: Vec<Hop>,
    pub(super) decision: Decision,
    pub(super) why: String,
}

/// "test-lb (network)".
pub(super) fn name(lb: &LoadBalancer) -> String {
    format!("{} ({})", lb.load_balancer_name, lb.load_balancer_type)
}

impl<'a> Walker<'_, 'a> {
    pub(super) fn lb_hop(&mut self, lb: &LoadBalancer, decision: Decision, detail: String) -> Hop {
        let mut h = hop(
            PathLeg::Forward,
            HopKind::LoadBalancer,
            &lb.load_balancer_arn,
            decision,
            detail,
        );
        h.name = Some(lb.load_balancer_name.clone());
        h
    }

    /// The packet reached node `ap` of `lb` from `client` (as the node sees
    /// it): the listener, then the second leg to every target.
    pub(super) fn load_balancer(
        &mut self,
        lb: &'a LoadBalancer,
        ap: &Placement<'a>,
        client: &AddrSet,
    ) {
        let topo = self.topo;
        let arn = lb.load_balancer_arn.as_str();
        if let Some(m) = topo.in_doubt(&[arn]) {
            return self.unknown(PathLeg::Forward, HopKind::LoadBalancer, arn, m);
        }
        let who = name(lb);
        if !lb.is_active() {
            let h = self.lb_hop(
                lb,
                Decision::Deny,
                format!(
                    "{who} is {}: only an active load balancer routes traffic",
                    lb.state
                ),
            );
            return self.push(h, ExplanationCode::BadState);
        }
        if !(lb.is_application() || lb.is_network()) {
            let mut h = self.lb_hop(
                lb,
                Decision::Unknown,
                format!(
                    "{who} is a {} load balancer, which netpath does not model",
                    lb.load_balancer_type
                ),
            );
            h.missing.push(format!(
                "what {} load balancer {} does with the packet",
                lb.load_balancer_type, lb.load_balancer_name
            ));
            return self.hops.push(h);
        }
        if !topo.load_balancers.present.1 {
            return self.unknown(
                PathLeg::Forward,
                HopKind::LoadBalancer,
                arn,
                format!(
                    "the listeners of {} (no DescribeListeners output)",
                    lb.load_balancer_name
                ),
            );
        }
        let (proto, port) = (self.proto(), self.flow.port);
        let listeners = topo.load_balancers.listeners(lb);
        let all = listeners
            .iter()
            .map(|l| format!("{} {}", l.protocol, l.port))
            .collect::<Vec<_>>()
            .join(", ");
        let Some(listener) = listeners
            .iter()
            .find(|l| l.port == port && listener_takes(l, proto))
        else {
            if !matches!(proto, IpProtocol::Tcp | IpProtocol::Udp) {
                let mut h = self.lb_hop(lb, Decision::Unknown, format!("{who} takes TCP or UDP on its listeners; netpath does not know what its nodes do with {proto}"));
                h.missing
                    .push(format!("what {} does with {proto}", lb.load_balancer_name));
                return self.hops.push(h);
            }
            let h = self.lb_hop(
                lb,
                Decision::Deny,
                format!(
                    "{who} has no listener on {proto} {port} (its listeners: {}): the load balancer drops the packet",
                    if all.is_empty() { "none".to_string() } else { all }
                ),
            );
            return self.push(h, ExplanationCode::NetpathLoadBalancerNoListener);
        };
        let listener_text = format!("{} {}", listener.protocol, listener.port);
        self.listener(lb, ap, client, listener, &listener_text);
    }

    /// Follows `actions` (a rule's, or the listener's default ones) of
    /// `lb`'s listener `listener_text` for a request reaching node `ap`:
    /// one hop for the listener, whose detail ends with `via` (which rule
    /// took the request, and what is not known), then the second leg to
    /// every target group of a `forward`.
    pub(super) fn follow(
        &mut self,
        lb: &'a LoadBalancer,
        ap: &Placement<'a>,
        client: &AddrSet,
        listener_text: &str,
        actions: &'a [ListenerAction],
        via: &str,
    ) {
        let topo = self.topo;
        let who = name(lb);
        let Some(action) = actions.iter().find(|a| {
            a.action_type != "authenticate-oidc" && a.action_type != "authenticate-cognito"
        }) else {
            let mut h = self.lb_hop(
                lb,
                Decision::Unknown,
                format!("listener {listener_text} of {who} has no action netpath can follow{via}"),
            );
            h.missing.push(format!(
                "the actions of listener {listener_text} of {who}{via}"
            ));
            return self.hops.push(h);
        };
        match action.action_type.as_str() {
            "forward" => {}
            "redirect" | "fixed-response" if lb.is_application() => {
                let status = action
                    .status_code
                    .as_deref()
                    .map(|c| format!(" with HTTP {}", c.trim_start_matches("HTTP_")))
                    .unwrap_or_default();
                let h = self.lb_hop(
                    lb,
                    Decision::Allow,
                    format!(
                        "listener {listener_text} of {who} answers itself ({}{status}){via}",
                        action.action_type
                    ),
                );
                return self.hops.push(h);
            }
            other => {
                let mut h = self.lb_hop(lb, Decision::Unknown, format!("listener {listener_text} of {who} has a `{other}` action, which netpath does not follow{via}"));
                h.missing.push(format!(
                    "what the `{other}` action of listener {listener_text} of {who} does"
                ));
                return self.hops.push(h);
            }
        }
        let groups: Vec<&'a str> = action
            .target_group_arns
            .iter()
            .map(String::as_str)
            .collect();
        let h = self.lb_hop(
            lb,
            Decision::Allow,
            format!(
                "{who} is {} and its listener {listener_text} forwards to {}{via}",
                lb.state,
                groups
                    .iter()
                    .map(|g| topo
                        .load_balancers
                        .target_group(g)
                        .map_or(g.to_string(), |t| t.target_group_name.clone()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        self.hops.push(h);
        for tg in groups {
            self.target_group(lb, ap, client, tg);
        }
    }

    /// The second leg from node `ap` of `lb` to every target of target group `tg_arn`.
    fn target_group(
        &mut self,
        lb: &'a LoadBalancer,
        ap: &Placement<'a>,
        client: &AddrSet,
        tg_arn: &str,
    ) {
        let topo = self.topo;
        let lbs = &topo.load_balancers;
        let unknown = |w: &mut Self, m: String| {
            w.unknown(PathLeg::Forward, HopKind::LoadBalancerTarget, tg_arn, m)
        };
        if !lbs.present.2 {
            return unknown(
                self,
                format!("target group {tg_arn} (no DescribeTargetGroups output)"),
            );
        }
        let Some(tg) = lbs.target_group(tg_arn) else {
            return unknown(
                self,
                format!("target group {tg_arn}, which DescribeTargetGroups does not list"),
            );
        };
        let Some(health) = lbs.health(tg_arn) else {
            return unknown(
                self,
                format!(
                    "the registered targets of {} (no DescribeTargetHealth output for it)",
                    tg.target_group_name
                ),
            );
        };
        if !matches!(tg.target_type.as_str(), "instance" | "ip") {
            return unknown(
                self,
                format!(
                    "what the {} targets of {} do (netpath follows instance and IP targets)",
                    tg.target_type, tg.target_group_name
                ),
            );
        }
        let zone = ap.eni.and_then(|e| e.availability_zone.clone());
        // Unknown cross-zone load balancing: every target is walked, and
        // the answer holds only if it is the same without the other zones'.
        let cross = lbs.cross_zone(lb, tg);
        let mut skipped: Vec<String> = Vec::new();
        let mut legs: Vec<Leg> = Vec::new();
        let routed: Vec<&TargetHealth> = health
            .targets
            .iter()
            .filter(|t| {
                let out = matches!(
                    t.state.as_str(),
                    "unused" | "draining" | "unhealthy.draining"
                );
                if out {
                    skipped.push(format!("{} ({})", t.id, t.state));
                }
                !out
            })
            .collect();
        let all_unhealthy = !routed.is_empty() && routed.iter().all(|t| t.state == "unhealthy");
        // Asked about one target only: the others' connections are not
        // this question's (an instance target stands at its primary
        // private address).
        let only = self.flow.lb_target;
        let routed = routed.into_iter().filter(|t| {
            only.is_none_or(|a| {
                let addr =
                    t.id.parse::<std::net::Ipv4Addr>()
                        .ok()
                        .or_else(|| topo.instance(&t.id).and_then(|i| i.private_ip_address));
                addr == Some(a)
            })
        });
        for t in routed {
            let leg = self.leg(
                lb,
                tg,
                ap,
                client,
                t,
                zone.as_deref(),
                cross.unwrap_or(true),
                &mut skipped,
            );
            legs.extend(leg);
        }
        let doubt = if cross.is_none() && legs.iter().any(|l| l.other_zone) {
            let all: Vec<Decision> = legs.iter().map(|l| l.decision).collect();
            let near: Vec<Decision> = legs
                .iter()
                .filter(|l| !l.other_zone)
                .map(|l| l.decision)
                .collect();
            let (on, off) = (decision_of(&all), decision_of(&near));
            (on != off).then(|| {
                format!(
                    "whether {} sends {}'s traffic to targets in other zones is not in the snapshot (attribute load_balancing.cross_zone.enabled of the target group, else of the load balancer; read DescribeTargetGroupAttributes and DescribeLoadBalancerAttributes, as netpath snapshot does), and the answer depends on it: {} with cross-zone load balancing, {} without",
                    lb.load_balancer_name,
                    tg.target_group_name,
                    on.as_str(),
                    off.as_str()
                )
            })
        } else {
            None
        };
        self.summarize(lb, tg, legs, skipped, all_unhealthy, doubt);
    }

    /// One hop for the target group, from its targets' legs; the hops of
    /// one leg are shown before it (the first failing one, else the first).
    fn summarize(
        &mut self,
        lb: &LoadBalancer,
        tg: &TargetGroup,
        legs: Vec<Leg>,
        skipped: Vec<String>,
        all_unhealthy: bool,
        doubt: Option<String>,
    ) {
        let n = legs.len();
        let pass = legs
            .iter()
            .filter(|l| l.decision == Decision::Allow)
            .count();
        let tgn = &tg.target_group_name;
        let left_out = if skipped.is_empty() {
            String::new()
        } else {
            format!("; sent nothing: {}", skipped.join(", "))
        };
        let fail_open = if all_unhealthy {
            "; every target is unhealthy, so the load balancer fails open and sends to all of them"
        } else {
            ""
        };
        let failing: Vec<String> = legs
            .iter()
            .filter(|l| l.decision != Decision::Allow)
            .map(|l| format!("{}: {}", l.label, l.why))
            .collect();
        let decision = if doubt.is_some() {
            Decision::Unknown
        } else {
            decision_of(&legs.iter().map(|l| l.decision).collect::<Vec<_>>())
        };
        let no_target = Some(ExplanationCode::NetpathLoadBalancerNoTarget);
        let (detail, code) = match (decision, &doubt) {
            (_, Some(why)) => (why.clone(), None),
            (Decision::Deny, _) if n == 0 => (
                format!("{tgn} has no target this node sends to{left_out}"),
                no_target,
            ),
            (Decision::Allow, _) => (
                format!("all {n} targets of {tgn} take the connection{left_out}{fail_open}"),
                None,
            ),
            (Decision::Deny, _) => (
                format!(
                    "no target of {tgn} takes the connection ({}){left_out}{fail_open}",
                    failing.join("; ")
                ),
                no_target,
            ),
            (Decision::Partial, _) => (
                format!(
                    "{pass} of {n} targets of {tgn} take the connection; the load balancer also sends to the others, where it fails ({}){left_out}",
                    failing.join("; ")
                ),
                no_target,
            ),
            _ if pass == 0 => (
                format!(
                    "no target of {tgn} is known to take the connection ({}){left_out}",
                    failing.join("; ")
                ),
                None,
            ),
            // Some pass and none certainly fails: whether the rest take
            // the connection (or are sent it at all) decides between
            // connects and intermittent.
            _ => (
                format!(
                    "{pass} of {n} targets of {tgn} take the connection; whether the others do is not known ({}){left_out}",
                    failing.join("; ")
                ),
                None,
            ),
        };
        // The hops of the leg that explains the answer.
        let shown = legs
            .iter()
            .find(|l| l.decision == decision && !l.hops.is_empty())
            .or_else(|| legs.iter().find(|l| l.decision == decision))
            .or_else(|| legs.first());
        if let Some(l) = shown.filter(|_| decision != Decision::Partial) {
            for h in &l.hops {
                let mut h = h.clone();
                if lb.is_application() && matches!(h.decision, Decision::Deny) {
                    h.symptom = Some(Symptom::Http5xx);
                }
                self.hops.push(h);
            }
        }
        let mut h = hop(
            PathLeg::Forward,
            HopKind::LoadBalancerTarget,
            &tg.target_group_arn,
            decision,
            detail,
        );
        h.name = Some(tgn.clone());
        h.targets = legs
            .iter()
            .map(|l| TargetOutcome {
                target: l.target.clone(),
                port: l.port,
                decision: l.decision,
                why: (l.decision != Decision::Allow).then(|| l.why.clone()),
            })
            .collect();
        if lb.is_application() && decision == Decision::Deny {
            h.symptom = Some(Symptom::Http5xx);
        }
        for l in &legs {
            for x in &l.hops {
                h.consulted.push(x.component.clone());
                h.consulted.extend(x.security_groups.iter().cloned());
                h.consulted
                    .extend(x.matched.as_ref().and_then(|m| m.target.clone()));
            }
            h.missing
                .extend(l.hops.iter().flat_map(|x| x.missing.clone()));
            if l.decision == Decision::Unknown && l.hops.iter().all(|x| x.missing.is_empty()) {
                h.missing.push(l.why.clone());
            }
        }
        if doubt.is_some() {
            h.missing.push(format!(
                "the attribute load_balancing.cross_zone.enabled of target group {tgn} or load balancer {}",
                lb.load_balancer_name
            ));
        }
        match code {
            Some(c) => self.push(h, c),
            None => self.hops.push(h),
        }
    }
}

/// The answer of a target group's legs (their decisions), which
/// `Walker::summarize` reports: no leg, or every leg blocked, blocks; every leg passing passes; some
/// passing and some blocked is partial; otherwise (some unknown, none both
/// passing and blocked for certain) unknown.
fn decision_of(legs: &[Decision]) -> Decision {
    let n = legs.len();
    let pass = legs.iter().filter(|&&d| d == Decision::Allow).count();
    let deny = legs.iter().filter(|&&d| d == Decision::Deny).count();
    if n == 0 || deny == n {
        Decision::Deny
    } else if pass == n {
        Decision::Allow
    } else if pass > 0 && deny > 0 {
        Decision::Partial
    } else {
        Decision::Unknown
    }
}

/// The outcome of a walk's hops: a deny anywhere blocks; else an unknown;
/// else a partial; else it passes.
pub(super) fn fold(hops: &[Hop]) -> Decision {
    let any = |d: Decision| hops.iter().any(|h| h.decision == d);
    if any(Decision::Deny) {
        Decision::Deny
    } else if any(Decision::Unknown) {
        Decision::Unknown
    } else if any(Decision::Partial) {
        Decision::Partial
    } else {
        Decision::Allow
    }
}
