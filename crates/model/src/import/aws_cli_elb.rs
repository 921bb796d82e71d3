//! The raw AWS CLI shapes (PascalCase) of Elastic Load Balancing v2, in the
//! layout Batfish reads: `LoadBalancers` (`aws elbv2 describe-load-balancers`),
//! `LoadBalancerListeners` (one item per load balancer: its ARN and the
//! `Listeners` of `describe-listeners`), `Listeners` (`describe-listeners`
//! output as it is), `LoadBalancerAttributes` (its ARN and the `Attributes`
//! of `describe-load-balancer-attributes`), `TargetGroups`
//! (`describe-target-groups`) and `LoadBalancerTargetHealth` (a target group's
//! ARN and the `TargetHealthDescriptions` of `describe-target-health`).
//!
//! Shapes: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html>
//! and its siblings.

use std::path::Path;

use serde::Deserialize;

use super::aws_cli::AwsItem;
use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawLoadBalancer {
    load_balancer_arn: String,
    load_balancer_name: Option<String>,
    #[serde(rename = "Type")]
    load_balancer_type: Option<String>,
    scheme: Option<String>,
    vpc_id: Option<String>,
    state: Option<RawCode>,
    availability_zones: Option<Vec<RawZone>>,
    security_groups: Option<Vec<String>>,
    #[serde(rename = "DNSName")]
    dns_name: Option<String>,
    ip_address_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCode {
    code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawZone {
    subnet_id: String,
    zone_name: Option<String>,
    load_balancer_addresses: Option<Vec<RawLbAddress>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawLbAddress {
    ip_address: Option<std::net::IpAddr>,
    #[serde(rename = "PrivateIPv4Address")]
    private_ipv4_address: Option<std::net::IpAddr>,
}

/// A required field, or an error naming it.
fn need<T>(path: &Path, id: &str, field: &str, v: Option<T>, call: &str) -> Result<T, ModelError> {
    v.ok_or_else(|| ModelError::Field {
        path: path.to_path_buf(),
        resource: id.to_string(),
        field: field.to_string(),
        message: format!("missing; `aws elbv2 {call}` always gives it, so re-run it"),
    })
}

impl AwsItem for RawLoadBalancer {
    type Model = LoadBalancer;
    type Slot = Vec<LoadBalancer>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.load_balancers
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<LoadBalancer, ModelError> {
        let id = self.load_balancer_arn.clone();
        let call = "describe-load-balancers";
        Ok(LoadBalancer {
            load_balancer_name: need(path, &id, "LoadBalancerName", self.load_balancer_name, call)?,
            load_balancer_type: need(path, &id, "Type", self.load_balancer_type, call)?,
            scheme: need(path, &id, "Scheme", self.scheme, call)?,
            vpc_id: need(path, &id, "VpcId", self.vpc_id, call)?,
            state: self.state.and_then(|s| s.code).unwrap_or_default(),
            availability_zones: self
                .availability_zones
                .into_iter()
                .flatten()
                .map(|z| LoadBalancerZone {
                    subnet_id: z.subnet_id,
                    zone_name: z.zone_name,
                    addresses: z
                        .load_balancer_addresses
                        .into_iter()
                        .flatten()
                        .flat_map(|a| a.ip_address.into_iter().chain(a.private_ipv4_address))
                        .collect(),
                })
                .collect(),
            security_groups: self.security_groups.unwrap_or_default(),
            dns_name: self.dns_name,
            ip_address_type: self.ip_address_type,
            load_balancer_arn: self.load_balancer_arn,
        })
    }
}

/// One `LoadBalancerListeners` item: a load balancer and its listeners.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawListenerGroup {
    load_balancer_arn: String,
    listeners: Option<Vec<RawListener>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawListener {
    listener_arn: String,
    load_balancer_arn: Option<String>,
    port: Option<u16>,
    protocol: Option<String>,
    default_actions: Option<Vec<RawAction>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAction {
    #[serde(rename = "Type")]
    action_type: String,
    order: Option<i32>,
    target_group_arn: Option<String>,
    forward_config: Option<RawForward>,
    fixed_response_config: Option<RawStatus>,
    redirect_config: Option<RawStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStatus {
    status_code: Option<String>,
}

impl RawAction {
    /// The action: a forward's target groups are `ForwardConfig`'s of
    /// weight other than 0 (a group of weight 0 is sent nothing), else
    /// `TargetGroupArn`.
    /// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#forward-actions>.
    pub(super) fn into_model(self) -> ListenerAction {
        let weighted: Vec<RawWeighted> = self
            .forward_config
            .and_then(|f| f.target_groups)
            .unwrap_or_default();
        let mut tgs: Vec<String> = Vec::new();
        if weighted.is_empty() {
            tgs.extend(self.target_group_arn);
        }
        for w in weighted {
            if w.weight != Some(0) && !tgs.contains(&w.target_group_arn) {
                tgs.push(w.target_group_arn);
            }
        }
        ListenerAction {
            action_type: self.action_type,
            order: self.order,
            target_group_arns: tgs,
            status_code: self
                .fixed_response_config
                .or(self.redirect_config)
                .and_then(|c| c.status_code),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawForward {
    target_groups: Option<Vec<RawWeighted>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawWeighted {
    target_group_arn: String,
    weight: Option<i64>,
}

impl RawListenerGroup {
    /// The group's listeners, each tied to the group's load balancer.
    pub(super) fn into_listeners(self, path: &Path) -> Result<Vec<Listener>, ModelError> {
        let arn = self.load_balancer_arn;
        self.listeners
            .into_iter()
            .flatten()
            .map(|mut l| {
                l.load_balancer_arn.get_or_insert_with(|| arn.clone());
                l.into_model(path, None)
            })
            .collect()
    }
}

impl RawListener {
    pub(super) fn into_model(self, path: &Path, _: Option<&str>) -> Result<Listener, ModelError> {
        let id = self.listener_arn.clone();
        let call = "describe-listeners";
        let mut actions: Vec<ListenerAction> = self
            .default_actions
            .into_iter()
            .flatten()
            .map(RawAction::into_model)
            .collect();
        actions.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
        Ok(Listener {
            load_balancer_arn: need(path, &id, "LoadBalancerArn", self.load_balancer_arn, call)?,
            port: need(path, &id, "Port", self.port, call)?,
            protocol: need(path, &id, "Protocol", self.protocol, call)?,
            default_actions: actions,
            listener_arn: self.listener_arn,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawLbAttributes {
    load_balancer_arn: String,
    attributes: Option<Vec<RawAttribute>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgAttributes {
    target_group_arn: String,
    attributes: Option<Vec<RawAttribute>>,
}

impl AwsItem for RawTgAttributes {
    type Model = TargetGroupAttributes;
    type Slot = Vec<TargetGroupAttributes>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.target_group_attributes
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<TargetGroupAttributes, ModelError> {
        Ok(TargetGroupAttributes {
            target_group_arn: self.target_group_arn,
            attributes: attribute_map(self.attributes),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttribute {
    key: String,
    #[serde(default)]
    value: String,
}

/// `Attributes: [{Key, Value}]` as a map, `Key` → `Value`.
fn attribute_map(attrs: Option<Vec<RawAttribute>>) -> std::collections::BTreeMap<String, String> {
    attrs
        .into_iter()
        .flatten()
        .map(|a| (a.key, a.value))
        .collect()
}

impl AwsItem for RawLbAttributes {
    type Model = LoadBalancerAttributes;
    type Slot = Vec<LoadBalancerAttributes>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.load_balancer_attributes
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<LoadBalancerAttributes, ModelError> {
        Ok(LoadBalancerAttributes {
            load_balancer_arn: self.load_balancer_arn,
            attributes: attribute_map(self.attributes),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTargetGroup {
    target_group_arn: String,
    target_group_name: Option<String>,
    target_type: Option<String>,
    protocol: Option<String>,
    port: Option<u16>,
    vpc_id: Option<String>,
    load_balancer_arns: Option<Vec<String>>,
    health_check_port: Option<String>,
}

impl AwsItem for RawTargetGroup {
    type Model = TargetGroup;
    type Slot = Vec<TargetGroup>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.target_groups
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<TargetGroup, ModelError> {
        let id = self.target_group_arn.clone();
        let call = "describe-target-groups";
        Ok(TargetGroup {
            target_group_name: need(path, &id, "TargetGroupName", self.target_group_name, call)?,
            target_type: need(path, &id, "TargetType", self.target_type, call)?,
            protocol: self.protocol,
            port: self.port,
            vpc_id: self.vpc_id,
            load_balancer_arns: self.load_balancer_arns.unwrap_or_default(),
            health_check_port: self.health_check_port,
            target_group_arn: self.target_group_arn,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTargetGroupHealth {
    target_group_arn: String,
    target_health_descriptions: Option<Vec<RawTargetHealth>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTargetHealth {
    target: RawTarget,
    health_check_port: Option<String>,
    target_health: Option<RawHealth>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTarget {
    id: String,
    port: Option<u16>,
    availability_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHealth {
    state: Option<String>,
    reason: Option<String>,
}

impl AwsItem for RawTargetGroupHealth {
    type Model = TargetGroupHealth;
    type Slot = Vec<TargetGroupHealth>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.target_health
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<TargetGroupHealth, ModelError> {
        Ok(TargetGroupHealth {
            target_group_arn: self.target_group_arn,
            targets: self
                .target_health_descriptions
                .into_iter()
                .flatten()
                .map(|d| {
                    let h = d.target_health;
                    TargetHealth {
                        id: d.target.id,
                        port: d.target.port,
                        availability_zone: d.target.availability_zone,
                        state: h.as_ref().and_then(|h| h.state.clone()).unwrap_or_default(),
                        reason: h.and_then(|h| h.reason),
                        health_check_port: d.health_check_port,
                    }
                })
                .collect(),
        })
    }
}

/// One item of `aws elbv2 describe-rules` output (`Rules`).
/// Shape: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Rule.html>.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawRule {
    rule_arn: String,
    priority: Option<String>,
    is_default: Option<bool>,
    conditions: Option<Vec<RawCondition>>,
    actions: Option<Vec<RawAction>>,
}

/// `RuleCondition`: the values are in `Values` or in the field's config.
/// Shape: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RuleCondition.html>.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCondition {
    field: Option<String>,
    values: Option<Vec<String>>,
    host_header_config: Option<RawValues>,
    path_pattern_config: Option<RawValues>,
    http_request_method_config: Option<RawValues>,
    source_ip_config: Option<RawValues>,
    http_header_config: Option<RawHeader>,
    query_string_config: Option<RawQuery>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawValues {
    values: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHeader {
    http_header_name: Option<String>,
    values: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawQuery {
    values: Option<Vec<RawKeyValue>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawKeyValue {
    key: Option<String>,
    value: Option<String>,
}

impl RawCondition {
    fn into_model(self) -> Option<RuleCondition> {
        let field = self.field?;
        let mut values = self.values.unwrap_or_default();
        for c in [
            self.host_header_config,
            self.path_pattern_config,
            self.http_request_method_config,
            self.source_ip_config,
        ]
        .into_iter()
        .flatten()
        {
            values.extend(c.values.unwrap_or_default());
        }
        if let Some(h) = self.http_header_config {
            let name = h.http_header_name.unwrap_or_default();
            let header = h.values.unwrap_or_default().into_iter();
            values.extend(header.map(|v| RuleCondition::header_value(&name, &v)));
        }
        if let Some(q) = self.query_string_config {
            let pairs = q.values.unwrap_or_default().into_iter();
            values.extend(pairs.map(|kv| {
                RuleCondition::query_value(kv.key.as_deref(), &kv.value.unwrap_or_default())
            }));
        }
        values.dedup();
        Some(RuleCondition { field, values })
    }
}

impl AwsItem for RawRule {
    type Model = ListenerRule;
    type Slot = Vec<ListenerRule>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.load_balancer_rules
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<ListenerRule, ModelError> {
        let listener_arn =
            ListenerRule::listener_of(&self.rule_arn).ok_or_else(|| ModelError::Field {
                path: path.to_path_buf(),
                resource: self.rule_arn.clone(),
                field: "RuleArn".to_string(),
                message: "not a listener rule ARN (…:listener-rule/app/NAME/LB/LISTENER/RULE), so its listener is unknown; save describe-rules output as it is".to_string(),
            })?;
        let mut actions: Vec<ListenerAction> = self
            .actions
            .into_iter()
            .flatten()
            .map(RawAction::into_model)
            .collect();
        actions.sort_by_key(|a| a.order.unwrap_or(i32::MAX));
        let is_default = self.is_default.unwrap_or(false);
        Ok(ListenerRule {
            listener_arn,
            priority: self
                .priority
                .unwrap_or_else(|| if is_default { "default" } else { "" }.to_string()),
            is_default,
            conditions: self
                .conditions
                .into_iter()
                .flatten()
                .filter_map(RawCondition::into_model)
                .collect(),
            actions,
            rule_arn: self.rule_arn,
        })
    }
}
