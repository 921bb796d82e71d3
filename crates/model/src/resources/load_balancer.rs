//! Elastic Load Balancing v2 (`elasticloadbalancingv2`): load balancers,
//! their listeners and attributes, target groups and their targets' health.
//!
//! Each collection mirrors one API call, as Batfish's layout holds it:
//! `LoadBalancers` (DescribeLoadBalancers), `LoadBalancerListeners`
//! (DescribeListeners per load balancer), `LoadBalancerAttributes`
//! (DescribeLoadBalancerAttributes per load balancer), `TargetGroups`
//! (DescribeTargetGroups) and `LoadBalancerTargetHealth` (DescribeTargetHealth
//! per target group).
//!
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealthDescription.html>.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// One subnet of a load balancer (`AvailabilityZones[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancerZone {
    /// `subnet-…`.
    pub subnet_id: String,
    /// `us-east-1a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
    /// The node's addresses in that subnet: an internet-facing NLB's
    /// Elastic IP (`IpAddress`) and its private IPv4 address, when given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<IpAddr>,
}

/// A load balancer (`DescribeLoadBalancers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// `arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/net/NAME/ID`.
    pub load_balancer_arn: String,
    /// `LoadBalancerName`.
    pub load_balancer_name: String,
    /// `Type`: `application`, `network` or `gateway`.
    pub load_balancer_type: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// The VPC.
    pub vpc_id: String,
    /// `State.Code`: `active`, `provisioning`, `active_impaired`, `failed`.
    pub state: String,
    /// Its subnets, one per Availability Zone.
    #[serde(default)]
    pub availability_zones: Vec<LoadBalancerZone>,
    /// Its security groups (every ALB; an NLB only when created with them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// `DNSName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<String>,
    /// `ipv4`, `dualstack`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
}

impl LoadBalancer {
    /// True for an Application Load Balancer.
    pub fn is_application(&self) -> bool {
        self.load_balancer_type == "application"
    }

    /// True for a Network Load Balancer.
    pub fn is_network(&self) -> bool {
        self.load_balancer_type == "network"
    }

    /// True when it routes traffic (`active`, or `active_impaired`: active
    /// but unable to scale).
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_str(), "active" | "active_impaired")
    }

    /// True for an internet-facing load balancer.
    pub fn is_internet_facing(&self) -> bool {
        self.scheme == "internet-facing"
    }

    /// The `type/name/id` tail of the ARN (`net/web/50dc6c495c0c9188`), which
    /// its ENIs carry in their description (`ELB net/web/50dc6c495c0c9188`).
    pub fn arn_tail(&self) -> Option<&str> {
        self.load_balancer_arn
            .split_once(":loadbalancer/")
            .map(|(_, t)| t)
    }
}

/// A listener's action (`DefaultActions[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerAction {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`,
    /// `authenticate-cognito`.
    pub action_type: String,
    /// `Order`, when given (lowest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    /// The target groups a `forward` action sends to (`TargetGroupArn`, or
    /// every `ForwardConfig.TargetGroups[]` whose `Weight` is not 0: a
    /// group of weight 0 is sent nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_group_arns: Vec<String>,
    /// The HTTP status an ALB answers with itself: `FixedResponseConfig`'s
    /// `StatusCode` (`404`) or `RedirectConfig`'s (`HTTP_301`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
}

/// A condition of a listener rule (`Conditions[]`): every condition of a
/// rule must match a request for the rule to take it.
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html>.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`,
    /// `query-string` or `source-ip`.
    pub field: String,
    /// Its values (`Values`, or the field's `…Config.Values`), any of which
    /// matches: CIDRs for `source-ip`; `Name: value` for `http-header`;
    /// `key=value` (or `value`) for `query-string`.
    #[serde(default)]
    pub values: Vec<String>,
}

impl RuleCondition {
    /// An `http-header` condition's value as kept: `Name: value`.
    pub fn header_value(name: &str, value: &str) -> String {
        format!("{name}: {value}")
    }

    /// A `query-string` condition's value as kept: `key=value`, or `value`
    /// for a pair without a key.
    pub fn query_value(key: Option<&str>, value: &str) -> String {
        match key {
            Some(k) => format!("{k}={value}"),
            None => value.to_string(),
        }
    }
}

/// A listener rule of an Application Load Balancer (`DescribeRules`).
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html>.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenerRule {
    /// `RuleArn`.
    pub rule_arn: String,
    /// The listener it belongs to (from the rule's ARN:
    /// `…:listener-rule/app/NAME/LB/LISTENER/RULE`).
    pub listener_arn: String,
    /// `Priority`: `1`-`50000` (lowest first), or `default`.
    pub priority: String,
    /// The listener's default rule, which holds its default actions.
    #[serde(default)]
    pub is_default: bool,
    /// Its conditions, all of which must match.
    #[serde(default)]
    pub conditions: Vec<RuleCondition>,
    /// Its actions, in `Order`.
    #[serde(default)]
    pub actions: Vec<ListenerAction>,
}

impl ListenerRule {
    /// The listener ARN of rule ARN `rule_arn`; `None` when it is not of the
    /// form `…:listener-rule/TYPE/NAME/LB/LISTENER/RULE`.
    pub fn listener_of(rule_arn: &str) -> Option<String> {
        let (head, tail) = rule_arn.split_once(":listener-rule/")?;
        let (listener, rule) = tail.rsplit_once('/')?;
        (!rule.is_empty() && listener.split('/').count() == 4)
            .then(|| format!("{head}:listener/{listener}"))
    }

    /// The numeric priority; `None` for the default rule.
    pub fn priority_number(&self) -> Option<u32> {
        self.priority.parse().ok()
    }
}

/// A listener (`DescribeListeners`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    /// `ListenerArn`.
    pub listener_arn: String,
    /// The load balancer it belongs to.
    pub load_balancer_arn: String,
    /// The port it listens on (1-65535).
    pub port: u16,
    /// `HTTP`, `HTTPS` (ALB); `TCP`, `TLS`, `UDP`, `TCP_UDP` (NLB);
    /// `GENEVE` (GWLB).
    pub protocol: String,
    /// The default actions, in `Order`.
    #[serde(default)]
    pub default_actions: Vec<ListenerAction>,
}

/// `DescribeLoadBalancerAttributes` for one load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancerAttributes {
    /// The load balancer.
    pub load_balancer_arn: String,
    /// `Key` → `Value`, e.g. `load_balancing.cross_zone.enabled` → `true`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// `DescribeTargetGroupAttributes` for one target group
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroupAttributes.html>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupAttributes {
    /// The target group.
    pub target_group_arn: String,
    /// `Key` → `Value`, e.g. `preserve_client_ip.enabled` → `true`.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A target group (`DescribeTargetGroups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroup {
    /// `TargetGroupArn`.
    pub target_group_arn: String,
    /// `TargetGroupName`.
    pub target_group_name: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    /// The protocol to the targets (`HTTP`, `TCP`, ...); none for lambda.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The port targets receive traffic on, unless a target says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The load balancers that route to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_arns: Vec<String>,
    /// `traffic-port` or a port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<String>,
}

/// One registered target and its health (`TargetHealthDescriptions[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetHealth {
    /// The instance id (`i-…`), IP address, Lambda ARN or ALB ARN.
    pub id: String,
    /// The port it receives traffic on, when registered with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `all` or a zone, for IP targets outside the VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`,
    /// `unavailable`, `unhealthy.draining`.
    pub state: String,
    /// `Target.Timeout`, `Target.ResponseCodeMismatch`, ... when not healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `HealthCheckPort` of the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_port: Option<String>,
}

/// `DescribeTargetHealth` for one target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupHealth {
    /// The target group.
    pub target_group_arn: String,
    /// Every registered target.
    #[serde(default)]
    pub targets: Vec<TargetHealth>,
}
