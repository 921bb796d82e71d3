//! Elastic Load Balancing v2, read in one operation per region: the load
//! balancers (`DescribeLoadBalancers`, paginated), per load balancer its
//! listeners (`DescribeListeners`) and attributes
//! (`DescribeLoadBalancerAttributes`), the target groups
//! (`DescribeTargetGroups`, paginated) and per target group its targets'
//! health (`DescribeTargetHealth`) and its attributes
//! (`DescribeTargetGroupAttributes`: client IP preservation), and per
//! listener of an Application Load Balancer its rules (`DescribeRules`,
//! following `NextMarker`). A call per resource that fails is a gap
//! naming that resource; the rest completes.

use netpath_model::Gap;

use crate::convert;
use crate::error_line;

/// What the load balancing calls of one region gave.
pub(crate) struct Elb {
    pub(crate) load_balancers: Vec<netpath_model::LoadBalancer>,
    pub(crate) listeners: Vec<netpath_model::Listener>,
    pub(crate) rules: Vec<netpath_model::ListenerRule>,
    pub(crate) attributes: Vec<netpath_model::LoadBalancerAttributes>,
    pub(crate) target_groups: Vec<netpath_model::TargetGroup>,
    pub(crate) health: Vec<netpath_model::TargetGroupHealth>,
    pub(crate) target_group_attributes: Vec<netpath_model::TargetGroupAttributes>,
    pub(crate) gaps: Vec<Gap>,
}

/// The operations `collect` records as called besides `DescribeLoadBalancers`.
pub(crate) const SUB_OPERATIONS: [&str; 6] = [
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeRules",
];

/// Reads every load balancer and target group of the client's region.
///
/// Errors: the message of a failing `DescribeLoadBalancers` or
/// `DescribeTargetGroups` (the whole collection is then a gap).
pub(crate) async fn collect(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    region: &str,
) -> Result<Elb, String> {
    let lbs: Vec<_> = elb
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| error_line(&e))?
        .into_iter()
        .filter_map(convert::load_balancer)
        .collect();
    let tgs: Vec<_> = elb
        .describe_target_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| error_line(&e))?
        .into_iter()
        .filter_map(convert::target_group)
        .collect();
    let mut out = Elb {
        load_balancers: Vec::new(),
        listeners: Vec::new(),
        rules: Vec::new(),
        attributes: Vec::new(),
        target_groups: Vec::new(),
        health: Vec::new(),
        target_group_attributes: Vec::new(),
        gaps: Vec::new(),
    };
    let gap = |op: &str, resource: &str, e: String| Gap {
        account_id: None,
        operation: op.to_string(),
        region: Some(region.to_string()),
        error: e,
        resource: Some(resource.to_string()),
    };
    for lb in &lbs {
        let arn = lb.load_balancer_arn.as_str();
        let listeners = elb
            .describe_listeners()
            .load_balancer_arn(arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        match listeners {
            Ok(v) => {
                let listeners: Vec<_> = v.into_iter().filter_map(convert::listener).collect();
                if lb.is_application() {
                    for l in &listeners {
                        match rules(elb, &l.listener_arn).await {
                            Ok(r) => out.rules.extend(r),
                            Err(e) => out.gaps.push(gap(SUB_OPERATIONS[5], &l.listener_arn, e)),
                        }
                    }
                }
                out.listeners.extend(listeners);
            }
            Err(e) => out.gaps.push(gap(SUB_OPERATIONS[0], arn, error_line(&e))),
        }
        let attributes = elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await;
        match attributes {
            Ok(o) => out.attributes.push(convert::load_balancer_attributes(
                arn,
                o.attributes.unwrap_or_default(),
            )),
            Err(e) => out.gaps.push(gap(SUB_OPERATIONS[1], arn, error_line(&e))),
        }
    }
    for tg in &tgs {
        let arn = tg.target_group_arn.as_str();
        let health = elb
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await;
        match health {
            Ok(o) => out.health.push(convert::target_group_health(
                arn,
                o.target_health_descriptions.unwrap_or_default(),
            )),
            Err(e) => out.gaps.push(gap(SUB_OPERATIONS[3], arn, error_line(&e))),
        }
        let attributes = elb
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await;
        match attributes {
            Ok(o) => out
                .target_group_attributes
                .push(convert::target_group_attributes(
                    arn,
                    o.attributes.unwrap_or_default(),
                )),
            Err(e) => out.gaps.push(gap(SUB_OPERATIONS[4], arn, error_line(&e))),
        }
    }
    out.load_balancers = lbs;
    out.target_groups = tgs;
    Ok(out)
}

/// Every rule of listener `arn`, the default rule included (the SDK has no
/// paginator for `DescribeRules`: `NextMarker` is followed here).
async fn rules(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    arn: &str,
) -> Result<Vec<netpath_model::ListenerRule>, String> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = elb
            .describe_rules()
            .listener_arn(arn)
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| error_line(&e))?;
        out.extend(
            page.rules
                .unwrap_or_default()
                .into_iter()
                .filter_map(convert::listener_rule),
        );
        match page.next_marker.filter(|m| !m.is_empty()) {
            Some(m) => marker = Some(m),
            None => return Ok(out),
        }
    }
}
