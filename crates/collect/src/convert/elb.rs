//! SDK shapes of Elastic Load Balancing v2 to model types, with the same
//! meaning as the describe-* import (`netpath_model::import`'s
//! `aws_cli_elb.rs`). Shapes: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html>
//! and its siblings.

use aws_sdk_elasticloadbalancingv2::types as elb;
use netpath_model::{
    Listener, ListenerAction, ListenerRule, LoadBalancer, LoadBalancerAttributes, LoadBalancerZone,
    RuleCondition, TargetGroup, TargetGroupAttributes, TargetGroupHealth, TargetHealth,
};

/// `DescribeLoadBalancers` item; `None` without its ARN, name, type, scheme or VPC.
pub fn load_balancer(l: elb::LoadBalancer) -> Option<LoadBalancer> {
    Some(LoadBalancer {
        load_balancer_arn: l.load_balancer_arn?,
        load_balancer_name: l.load_balancer_name?,
        load_balancer_type: l.r#type?.as_str().to_string(),
        scheme: l.scheme?.as_str().to_string(),
        vpc_id: l.vpc_id?,
        state: l
            .state
            .and_then(|s| s.code)
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        availability_zones: l
            .availability_zones
            .unwrap_or_default()
            .into_iter()
            .filter_map(|z| {
                Some(LoadBalancerZone {
                    subnet_id: z.subnet_id?,
                    zone_name: z.zone_name,
                    addresses: z
                        .load_balancer_addresses
                        .unwrap_or_default()
                        .into_iter()
                        .flat_map(|a| [a.ip_address, a.private_ipv4_address])
                        .flatten()
                        .filter_map(|a| a.parse().ok())
                        .collect(),
                })
            })
            .collect(),
        security_groups: l.security_groups.unwrap_or_default(),
        dns_name: l.dns_name,
        ip_address_type: l.ip_address_type.map(|t| t.as_str().to_string()),
    })
}

/// Actions in `Order`; a forward's target groups are `ForwardConfig`'s of
/// weight other than 0 (a group of weight 0 is sent nothing), else
/// `TargetGroupArn`, as the import reads them.
fn actions(raw: Option<Vec<elb::Action>>) -> Vec<ListenerAction> {
    let mut out: Vec<ListenerAction> = raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| {
            let weighted = a
                .forward_config
                .and_then(|f| f.target_groups)
                .unwrap_or_default();
            let mut tgs: Vec<String> = Vec::new();
            if weighted.is_empty() {
                tgs.extend(a.target_group_arn);
            }
            for t in weighted {
                if let Some(arn) = t.target_group_arn.filter(|_| t.weight != Some(0)) {
                    if !tgs.contains(&arn) {
                        tgs.push(arn);
                    }
                }
            }
            let status_code = a
                .fixed_response_config
                .and_then(|c| c.status_code)
                .or_else(|| {
                    a.redirect_config
                        .and_then(|c| c.status_code)
                        .map(|s| s.as_str().to_string())
                });
            Some(ListenerAction {
                action_type: a.r#type?.as_str().to_string(),
                order: a.order,
                target_group_arns: tgs,
                status_code,
            })
        })
        .collect();
    out.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
    out
}

/// `DescribeRules` item; `None` without its ARN, or with an ARN that names
/// no listener.
/// Shape: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html>.
pub fn listener_rule(r: elb::Rule) -> Option<ListenerRule> {
    let rule_arn = r.rule_arn?;
    let is_default = r.is_default.unwrap_or(false);
    Some(ListenerRule {
        listener_arn: ListenerRule::listener_of(&rule_arn)?,
        priority: r
            .priority
            .unwrap_or_else(|| if is_default { "default" } else { "" }.to_string()),
        is_default,
        conditions: r
            .conditions
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| {
                let mut values = c.values.unwrap_or_default();
                let configs = [
                    c.host_header_config.and_then(|x| x.values),
                    c.path_pattern_config.and_then(|x| x.values),
                    c.http_request_method_config.and_then(|x| x.values),
                    c.source_ip_config.and_then(|x| x.values),
                ];
                values.extend(configs.into_iter().flatten().flatten());
                if let Some(h) = c.http_header_config {
                    let name = h.http_header_name.unwrap_or_default();
                    let header = h.values.unwrap_or_default().into_iter();
                    values.extend(header.map(|v| RuleCondition::header_value(&name, &v)));
                }
                if let Some(q) = c.query_string_config {
                    let pairs = q.values.unwrap_or_default().into_iter();
                    values.extend(pairs.map(|kv| {
                        let value = kv.value.unwrap_or_default();
                        RuleCondition::query_value(kv.key.as_deref(), &value)
                    }));
                }
                values.dedup();
                Some(RuleCondition {
                    field: c.field?,
                    values,
                })
            })
            .collect(),
        actions: actions(r.actions),
        rule_arn,
    })
}

/// `DescribeListeners` item; `None` without its ARN, load balancer, port or protocol.
pub fn listener(l: elb::Listener) -> Option<Listener> {
    let actions = actions(l.default_actions);
    Some(Listener {
        listener_arn: l.listener_arn?,
        load_balancer_arn: l.load_balancer_arn?,
        port: u16::try_from(l.port?).ok()?,
        protocol: l.protocol?.as_str().to_string(),
        default_actions: actions,
    })
}

/// `DescribeLoadBalancerAttributes` output for load balancer `arn`.
pub fn load_balancer_attributes(
    arn: &str,
    attrs: Vec<elb::LoadBalancerAttribute>,
) -> LoadBalancerAttributes {
    LoadBalancerAttributes {
        load_balancer_arn: arn.to_string(),
        attributes: attrs
            .into_iter()
            .filter_map(|a| Some((a.key?, a.value.unwrap_or_default())))
            .collect(),
    }
}

/// `DescribeTargetGroupAttributes` output for target group `arn`.
pub fn target_group_attributes(
    arn: &str,
    attrs: Vec<elb::TargetGroupAttribute>,
) -> TargetGroupAttributes {
    TargetGroupAttributes {
        target_group_arn: arn.to_string(),
        attributes: attrs
            .into_iter()
            .filter_map(|a| Some((a.key?, a.value.unwrap_or_default())))
            .collect(),
    }
}

/// `DescribeTargetGroups` item; `None` without its ARN, name or target type.
pub fn target_group(t: elb::TargetGroup) -> Option<TargetGroup> {
    Some(TargetGroup {
        target_group_arn: t.target_group_arn?,
        target_group_name: t.target_group_name?,
        target_type: t.target_type?.as_str().to_string(),
        protocol: t.protocol.map(|p| p.as_str().to_string()),
        port: t.port.and_then(|p| u16::try_from(p).ok()),
        vpc_id: t.vpc_id,
        load_balancer_arns: t.load_balancer_arns.unwrap_or_default(),
        health_check_port: t.health_check_port,
    })
}

/// `DescribeTargetHealth` output for target group `arn`.
pub fn target_group_health(
    arn: &str,
    descriptions: Vec<elb::TargetHealthDescription>,
) -> TargetGroupHealth {
    TargetGroupHealth {
        target_group_arn: arn.to_string(),
        targets: descriptions
            .into_iter()
            .filter_map(|d| {
                let t = d.target?;
                let h = d.target_health;
                Some(TargetHealth {
                    id: t.id?,
                    port: t.port.and_then(|p| u16::try_from(p).ok()),
                    availability_zone: t.availability_zone,
                    state: h
                        .as_ref()
                        .and_then(|h| h.state.as_ref())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: h.and_then(|h| h.reason).map(|r| r.as_str().to_string()),
                    health_check_port: d.health_check_port,
                })
            })
            .collect(),
    }
}
