//! A load balancer's second leg to one target (`walk/load_balancer.rs`
//! walks the listener and sums the legs): the target placed, the zone and
//! depth checked, then a walk from the node to the target on the target
//! group's port, from the client's address when the load balancer preserves
//! it
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation>).
//! When the snapshot lacks the target group's attributes and the answer
//! depends on preservation, the leg is unknown, naming the attribute.

use netpath_model::{IpProtocol, LoadBalancer, TargetGroup, TargetHealth};

use super::load_balancer::{fold, Leg, MAX_DEPTH, NODE_PORTS};
use super::{peer_cidr, Flow, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, LoadBalancerLeg};
use crate::resolve::{Endpoint, Placement};

impl<'a> Walker<'_, 'a> {
    /// The walk from node `ap` to target `t`; `None` (with a note in
    /// `skipped`) when this node sends it nothing.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn leg(
        &mut self,
        lb: &'a LoadBalancer,
        tg: &'a TargetGroup,
        ap: &Placement<'a>,
        client: &AddrSet,
        t: &TargetHealth,
        zone: Option<&str>,
        cross: bool,
        skipped: &mut Vec<String>,
    ) -> Option<Leg> {
        let topo = self.topo;
        let tport = t.port.or(tg.port);
        let label = format!("{}:{}", t.id, tport.map_or("?".into(), |p| p.to_string()));
        let unknown = |why: String| Leg {
            other_zone: false,
            target: t.id.clone(),
            port: tport,
            label: label.clone(),
            hops: Vec::new(),
            decision: Decision::Unknown,
            why,
        };
        let Some(tport) = tport else {
            return Some(unknown(format!("{} has no port", t.id)));
        };
        let dst = match crate::resolve::resolve_in(topo, &t.id, Some(&lb.vpc_id), false) {
            Ok(d) => d,
            Err(e) => return Some(unknown(format!("target {} cannot be placed: {e}", t.id))),
        };
        let Some(dp) = dst.placements.first().cloned() else {
            return Some(unknown(format!(
                "target {} is outside the snapshot's VPCs",
                t.id
            )));
        };
        // Without cross-zone load balancing a node sends only to targets in its own zone.
        let tzone = dp.eni.and_then(|e| e.availability_zone.clone());
        let other_zone = zone.is_some() && tzone.is_some() && zone != tzone.as_deref();
        if other_zone && !cross {
            skipped.push(format!(
                "{} (in {}, and cross-zone load balancing is off)",
                t.id,
                tzone.unwrap_or_default()
            ));
            return None;
        }
        if self.lb_depth >= MAX_DEPTH {
            return Some(unknown("load balancers chained too deep".into()));
        }
        let (preserve, known) = topo.load_balancers.client_ip_preservation(lb, tg);
        let mut chosen = self.leg_as(lb, tg, ap, client, t, (&dst, &dp), tport, &label, preserve);
        if !known {
            // Whether the client's address reaches the target is this
            // target group's attribute, which the snapshot lacks: when the
            // answer depends on it, it is unknown.
            let other = self.leg_as(lb, tg, ap, client, t, (&dst, &dp), tport, &label, !preserve);
            if other.decision != chosen.decision {
                let say = |p: bool| if p { "with" } else { "without" };
                let word = |d: Decision| match d {
                    Decision::Allow => "open",
                    Decision::Deny => "blocked",
                    _ => "unknown",
                };
                chosen.why = format!(
                    "{label}: whether {} preserves the client's address to {} (target group attribute preserve_client_ip.enabled) is not in the snapshot, and the answer depends on it: {} it the target leg is {}, {} it {}; read DescribeTargetGroupAttributes (netpath snapshot does)",
                    lb.load_balancer_name,
                    tg.target_group_name,
                    say(preserve),
                    word(chosen.decision),
                    say(!preserve),
                    word(other.decision)
                );
                chosen.decision = Decision::Unknown;
                // The hop that blocks one way decides nothing for sure.
                for h in chosen
                    .hops
                    .iter_mut()
                    .filter(|h| h.decision == Decision::Deny)
                {
                    h.decision = Decision::Unknown;
                    h.missing.push(format!(
                        "the attribute preserve_client_ip.enabled of target group {}",
                        tg.target_group_name
                    ));
                }
            }
        }
        chosen.other_zone = other_zone;
        Some(chosen)
    }

    /// The walk of one target's leg, the client's address preserved or not.
    #[allow(clippy::too_many_arguments)]
    fn leg_as(
        &mut self,
        lb: &'a LoadBalancer,
        tg: &'a TargetGroup,
        ap: &Placement<'a>,
        client: &AddrSet,
        t: &TargetHealth,
        (dst, dp): (&Endpoint<'a>, &Placement<'a>),
        tport: u16,
        label: &str,
        preserve: bool,
    ) -> Leg {
        let topo = self.topo;
        let label = label.to_string();
        // Hairpinning: with the client's address preserved, a target that
        // is the client itself sees its own address as the source, and the
        // connection times out
        // (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html#loopback-timeout>).
        if preserve && dp.addr == *client {
            return Leg {
                other_zone: false,
                target: t.id.clone(),
                port: Some(tport),
                label: label.clone(),
                hops: Vec::new(),
                decision: Decision::Deny,
                why: format!(
                    "{label} is the client itself: {} preserves the client's address, so the target sees its own address as the source and the connection times out (hairpinning)",
                    lb.load_balancer_name
                ),
            };
        }
        let proto = match tg.protocol.as_deref() {
            Some("UDP") => IpProtocol::Udp,
            _ => IpProtocol::Tcp,
        };
        let flow = Flow {
            protocol: proto,
            port: tport,
            ephemeral: if preserve {
                self.flow.ephemeral
            } else {
                NODE_PORTS
            },
            expects_reply: true,
            lb_target: None,
            assume_appliance_allows: self.flow.assume_appliance_allows,
            terse: self.flow.terse,
        };
        let mut sp = ap.clone();
        if preserve {
            sp.addr = client.clone();
        }
        let src = Endpoint::node(&lb.load_balancer_name);
        let mut w = Walker::new(topo, &flow, self.hosts, self.lb_depth + 1, Some(preserve));
        w.walk_from_eni(&src, &sp, dst, Some(dp));
        let mut hops = w.finish();
        let who = format!("{} → {label}", lb.load_balancer_name);
        let leg = LoadBalancerLeg {
            load_balancer: lb.load_balancer_name.clone(),
            target: t.id.clone(),
            target_port: tport,
            source: peer_cidr(&sp.addr),
            source_groups: lb.security_groups.clone(),
        };
        for h in &mut hops {
            h.detail = format!("[{who}] {}", h.detail);
            h.load_balancer_leg = Some(leg.clone());
        }
        let mut decision = fold(&hops);
        let mut why = hops
            .iter()
            .find(|h| h.decision == decision && decision != Decision::Allow)
            .map(|h| h.detail.clone())
            .unwrap_or_default();
        // Health: a check timing out on the traffic port means the target
        // does not answer there.
        let hc_port = t
            .health_check_port
            .clone()
            .or_else(|| tg.health_check_port.clone())
            .filter(|p| p != "traffic-port");
        let same_port = hc_port.as_deref().is_none_or(|p| p == tport.to_string());
        match t.state.as_str() {
            "healthy" | "unavailable" => {}
            "unhealthy" if decision == Decision::Allow => {
                let reason = t.reason.clone().unwrap_or_else(|| "no reason given".into());
                if same_port
                    && matches!(
                        reason.as_str(),
                        "Target.Timeout" | "Target.FailedHealthChecks"
                    )
                {
                    decision = Decision::Deny;
                    why = format!("{label} fails its health checks ({reason}) on the traffic port: it does not answer");
                } else {
                    decision = Decision::Unknown;
                    why = format!("{label} is unhealthy ({reason}); whether it answers the request is not known");
                }
            }
            "unhealthy" => {}
            other if decision == Decision::Allow => {
                decision = Decision::Unknown;
                why = format!("{label} is `{other}`: its health is not decided yet");
            }
            _ => {}
        }
        Leg {
            other_zone: false,
            target: t.id.clone(),
            port: Some(tport),
            label,
            hops,
            decision,
            why,
        }
    }
}
