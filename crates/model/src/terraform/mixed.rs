//! Inline rules mixed with separate rule resources on one group, network
//! ACL or route table. The provider's documentation of each warns that
//! they overwrite each other: `aws_security_group` ("you cannot use a
//! Security Group with in-line rules in conjunction with any Security
//! Group Rule resources"), `aws_network_acl` (with `aws_network_acl_rule`)
//! and `aws_route_table` (with `aws_route`).

use super::ctx::{text, Ctx};
use super::plan::config_address;

/// (container type, its inline attributes, the rule resource types, the
/// rule's attribute naming the container).
const FAMILIES: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "aws_security_group",
        &["ingress", "egress"],
        &[
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ],
        "security_group_id",
    ),
    (
        "aws_network_acl",
        &["ingress", "egress"],
        &["aws_network_acl_rule"],
        "network_acl_id",
    ),
    (
        "aws_route_table",
        &["route"],
        &["aws_route"],
        "route_table_id",
    ),
];

/// Adds one warning per (container, rule resource) pair that mixes styles.
pub(crate) fn warn(cx: &mut Ctx) {
    let plan = cx.plan;
    for (container, inline, rule_types, link) in FAMILIES {
        for g in plan
            .resource_changes
            .iter()
            .filter(|r| r.resource_type == *container && r.mode == "managed")
        {
            let set: Vec<&str> = inline
                .iter()
                .copied()
                .filter(|a| plan.configures(&g.address, a))
                .collect();
            if set.is_empty() {
                continue;
            }
            let id = text(&g.change.after, "id").or_else(|| text(&g.change.before, "id"));
            let bare = config_address(&g.address);
            for r in plan
                .resource_changes
                .iter()
                .filter(|r| rule_types.contains(&r.resource_type.as_str()))
            {
                let by_id = id.is_some()
                    && [&r.change.after, &r.change.before]
                        .iter()
                        .any(|v| text(v, link) == id);
                let (refs, _) = plan.references(&r.address, link);
                let by_ref = refs.iter().any(|x| x == &g.address || *x == bare);
                if by_id || by_ref {
                    cx.warnings.push(format!(
                        "{} configures inline {} and {} adds to it too: AWS keeps whichever was applied last, so every later plan fights (the provider documents this conflict); keep one style per resource",
                        g.address,
                        set.join(" and "),
                        r.address
                    ));
                }
            }
        }
    }
}
