//! Fixes on a load balancer's second leg (`walk/load_balancer.rs`): a
//! target's security group that does not admit what the load balancer
//! sends. The rule admits the load balancer's own security group when it
//! has one (as AWS recommends), else the address the target sees (the
//! client's, when the load balancer preserves it), on the target's port.
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html#target-security-groups>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-register-targets.html#target-security-groups>.

use super::FixContext;
use crate::answer::{Direction, FixEdit, Hop};

impl FixContext<'_, '_> {
    /// The fix of a security-group hop `h` on a load balancer's second leg:
    /// its sentence, command and edit; `None` when `h` is on no leg or is
    /// not a target's ingress.
    pub(super) fn leg_sg_fix(&self, h: &Hop) -> Option<(String, Option<String>, Option<FixEdit>)> {
        let leg = h.load_balancer_leg.as_ref()?;
        if h.direction != Some(Direction::Ingress) {
            return None;
        }
        let group = if h.component.starts_with("sg-") {
            h.component.clone()
        } else {
            h.security_groups.first()?.clone()
        };
        let port = leg.target_port;
        let proto = self.flow.protocol;
        let (peer_text, peer_cli, permission) = match leg.source_groups.first() {
            Some(g) => (
                format!("load balancer {}'s group {g}", leg.load_balancer),
                format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
                netpath_model::IpPermission {
                    ip_protocol: proto,
                    from_port: Some(i32::from(port)),
                    to_port: Some(i32::from(port)),
                    ip_ranges: Vec::new(),
                    ipv6_ranges: Vec::new(),
                    prefix_list_ids: Vec::new(),
                    user_id_group_pairs: vec![netpath_model::UserIdGroupPair {
                        group_id: g.clone(),
                        user_id: None,
                        vpc_id: None,
                        vpc_peering_connection_id: None,
                        peering_status: None,
                    }],
                },
            ),
            None => {
                let net: ipnet::Ipv4Net = leg.source.parse().ok()?;
                (
                    format!(
                        "{} (what {} shows the target)",
                        leg.source, leg.load_balancer
                    ),
                    format!("IpRanges=[{{CidrIp={}}}]", leg.source),
                    netpath_model::IpPermission {
                        ip_protocol: proto,
                        from_port: Some(i32::from(port)),
                        to_port: Some(i32::from(port)),
                        ip_ranges: vec![net],
                        ipv6_ranges: Vec::new(),
                        prefix_list_ids: Vec::new(),
                        user_id_group_pairs: Vec::new(),
                    },
                )
            }
        };
        Some((
            format!(
                "allow {proto} {port} from {peer_text} in {group} (target {} of {})",
                leg.target, leg.load_balancer
            ),
            Some(format!(
                "aws ec2 authorize-security-group-ingress --group-id {group} --ip-permissions 'IpProtocol={proto},FromPort={port},ToPort={port},{peer_cli}'"
            )),
            Some(FixEdit::SecurityGroupRule {
                group_id: group,
                direction: Direction::Ingress,
                permission,
            }),
        ))
    }

    /// Advice for a load balancer with no listener on the flow's port
    /// (`h` is its hop): the ports it listens on, or the listener to add.
    pub(super) fn no_listener_advice(&self, h: &Hop) -> String {
        let lbs = &self.topo.load_balancers;
        let Some(lb) = lbs.get(&h.component) else {
            return h.detail.clone();
        };
        let listeners = lbs.listeners(lb);
        let ports = listeners
            .iter()
            .map(|l| format!("{} {}", l.protocol, l.port))
            .collect::<Vec<_>>()
            .join(", ");
        let forwards = listeners
            .iter()
            .flat_map(|l| lbs.all_actions(l))
            .any(|a| !a.target_group_arns.is_empty());
        let port = self.flow.port;
        // Advice only: a new listener is seen by every client, so netpath
        // proposes no command for it.
        if forwards {
            format!(
                "connect to {} on a port it listens on ({ports}), or add a listener on {port} (advice: a new listener is seen by every client)",
                lb.load_balancer_name
            )
        } else {
            format!(
                "{} has no listener on {port}{}: add one forwarding to the target group that serves it",
                lb.load_balancer_name,
                if ports.is_empty() { String::new() } else { format!(" (it listens on {ports})") }
            )
        }
    }
}
