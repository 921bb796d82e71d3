//! The readers of listeners: `LoadBalancerListeners` (Batfish's layout) and
//! `Listeners` (`aws elbv2 describe-listeners` output) fill one collection,
//! `load_balancer_listeners`. Shape:
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html>.
//! And the reader of `Rules` (`aws elbv2 describe-rules` output), into
//! `load_balancer_rules`.

use std::path::Path;

use serde::Deserialize;

use super::accumulate::{push_all, Accumulator, TopLevelKey};
use super::aws_cli::AwsItem;
use super::aws_cli_elb::{RawAction, RawListener, RawListenerGroup};
use crate::error::ModelError;
use crate::resources::{Listener, ListenerAction, ListenerRule, RuleCondition};
use crate::snapshot::Snapshot;

impl Accumulator {
    /// The reader of `LoadBalancerListeners` (Batfish's layout: per load
    /// balancer, its ARN and its `Listeners`).
    pub(super) fn add_listener_groups(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<RawListenerGroup> = self.items(path, kind.key, value, kind.id_field)?;
        let mut listeners = Vec::new();
        for g in raw {
            listeners.extend(g.into_listeners(path)?);
        }
        self.push_listeners(listeners);
        Ok(())
    }

    /// The reader of `Listeners` (`aws elbv2 describe-listeners` output as
    /// it is), into the same collection as `LoadBalancerListeners`.
    pub(super) fn add_listeners(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<RawListener> = self.items(path, kind.key, value, kind.id_field)?;
        let listeners = raw
            .into_iter()
            .map(|l| l.into_model(path, None))
            .collect::<Result<Vec<_>, _>>()?;
        self.push_listeners(listeners);
        Ok(())
    }

    /// Adds listeners read under either key, their origins recorded under
    /// `LoadBalancerListeners`, the one the deduplication reads.
    fn push_listeners(&mut self, listeners: Vec<Listener>) {
        self.record_origins("LoadBalancerListeners", listeners.len());
        push_all(&mut self.snap.load_balancer_listeners, listeners);
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
    fn slot(snap: &mut Snapshot) -> &mut Option<Vec<ListenerRule>> {
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
