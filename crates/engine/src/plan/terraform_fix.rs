//! A broken flow's fix written as Terraform, verified on a copy of AFTER.

use std::collections::BTreeMap;

use netpath_model::terraform::Plan;
use netpath_model::{Direction, IpProtocol};
use serde::Serialize;

use crate::answer::{FixEdit, Verdict};
use crate::diff::FlowChange;
use crate::explain::{explain, ExplainOptions};
use crate::topology::Topology;

/// A fix as a Terraform resource to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformFix {
    /// What it does, in a sentence (as `explain` words it).
    pub summary: String,
    /// The resource block to add, in HCL.
    pub terraform: String,
}

/// The Terraform expression for an AWS id: `aws_x.y.id` when a plan
/// resource has that id (or is its placeholder), else the id quoted.
fn reference(plan: &Plan, id: &str) -> String {
    for rc in &plan.resource_changes {
        if rc.mode != "managed" {
            continue;
        }
        let own = |v: &serde_json::Value| v.get("id").and_then(|x| x.as_str()) == Some(id);
        let placeholder = id.contains(&format!("(known after apply: {})", rc.address));
        if (own(&rc.change.after)
            || (own(&rc.change.before) && !rc.change.is_delete())
            || placeholder)
            && matches!(
                rc.resource_type.as_str(),
                "aws_security_group"
                    | "aws_network_acl"
                    | "aws_default_network_acl"
                    | "aws_default_security_group"
            )
        {
            return format!("{}.id", rc.address);
        }
    }
    format!("\"{id}\"")
}

fn name_part(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    t.trim_matches('_').to_string()
}

fn hcl(
    plan: &Plan,
    names: &BTreeMap<String, String>,
    edit: &FixEdit,
    c: &FlowChange,
) -> Option<String> {
    let end = |v: &[String], default: &str| {
        v.first()
            .map(|id| name_part(names.get(id).unwrap_or(id)))
            .unwrap_or_else(|| default.to_string())
    };
    match edit {
        FixEdit::SecurityGroupRule {
            group_id,
            direction,
            permission: p,
        } => {
            let kind = match direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            };
            let proto = match p.ip_protocol {
                IpProtocol::All => "-1".to_string(),
                IpProtocol::Tcp => "tcp".into(),
                IpProtocol::Udp => "udp".into(),
                IpProtocol::Icmp => "icmp".into(),
                IpProtocol::Icmpv6 => "icmpv6".into(),
                IpProtocol::Number(n) => n.to_string(),
            };
            let peer = if let Some(g) = p.user_id_group_pairs.first() {
                format!(
                    "  referenced_security_group_id = {}\n",
                    reference(plan, &g.group_id)
                )
            } else if let Some(r) = p.ip_ranges.first() {
                format!("  cidr_ipv4                    = \"{r}\"\n")
            } else if let Some(r) = p.ipv6_ranges.first() {
                format!("  cidr_ipv6                    = \"{r}\"\n")
            } else {
                return None;
            };
            let ports = match (p.from_port, p.to_port) {
                (Some(f), Some(t)) => format!(
                    "  from_port                    = {f}\n  to_port                      = {t}\n"
                ),
                _ => String::new(),
            };
            let name = format!("{}_from_{}", end(&c.to, "dst"), end(&c.from, "src"));
            Some(format!(
                "resource \"aws_vpc_security_group_{kind}_rule\" \"{name}\" {{\n  security_group_id            = {}\n  ip_protocol                  = \"{proto}\"\n{ports}{peer}}}\n",
                reference(plan, group_id)
            ))
        }
        FixEdit::NetworkAclEntry {
            network_acl_id,
            entry: e,
        } => {
            // aws_network_acl_rule takes one of cidr_block, ipv6_cidr_block.
            let cidr = match (e.cidr_block, e.ipv6_cidr_block) {
                (Some(c), _) => format!("cidr_block     = \"{c}\""),
                (None, Some(c)) => format!("ipv6_cidr_block = \"{c}\""),
                (None, None) => return None,
            };
            let ports = e
                .port_range
                .map(|r| {
                    format!(
                        "  from_port      = {}\n  to_port        = {}\n",
                        r.from, r.to
                    )
                })
                .unwrap_or_default();
            let proto = match e.protocol {
                IpProtocol::All => "-1".to_string(),
                IpProtocol::Tcp => "tcp".into(),
                IpProtocol::Udp => "udp".into(),
                IpProtocol::Icmp => "icmp".into(),
                IpProtocol::Icmpv6 => "58".into(),
                IpProtocol::Number(n) => n.to_string(),
            };
            Some(format!(
                "resource \"aws_network_acl_rule\" \"rule_{}_{}\" {{\n  network_acl_id = {}\n  rule_number    = {}\n  egress         = {}\n  protocol       = \"{proto}\"\n  rule_action    = \"allow\"\n  {cidr}\n{ports}}}\n",
                e.rule_number,
                if e.egress { "egress" } else { "ingress" },
                reference(plan, network_acl_id),
                e.rule_number,
                e.egress
            ))
        }
        // Routes, peerings and start commands have no Terraform form yet.
        _ => None,
    }
}

/// The verified Terraform fix of a broken flow, when `explain` on AFTER
/// proposes a group rule or ACL entry that, applied to a copy of AFTER,
/// lets the flow's first pair through.
pub(super) fn fix(
    after: &Topology,
    plan: &Plan,
    names: &BTreeMap<String, String>,
    c: &FlowChange,
) -> Option<TerraformFix> {
    let (from, to) = (c.from.first()?, c.to.first()?);
    let protocol = IpProtocol::parse(&c.protocol)?;
    let opts = ExplainOptions {
        protocol: Some(protocol),
        port: Some(c.ports.from),
        ipv6: c.ip_version.is_v6(),
        ..Default::default()
    };
    let ex = explain(after, from, to, &opts).ok()?;
    for f in &ex.fixes {
        let Some(edit) = &f.edit else { continue };
        let mut copy = after.snapshot.clone();
        if !edit.apply(&mut copy) {
            continue;
        }
        let topo = after.patched(&copy);
        let Ok(again) = explain(&topo, from, to, &opts) else {
            continue;
        };
        let first = ex.blocking.as_ref();
        let moved = again.verdict == Verdict::Reachable
            || again
                .blocking
                .as_ref()
                .map(|b| (&b.component, b.kind, b.path))
                != first.map(|b| (&b.component, b.kind, b.path));
        if !moved {
            continue;
        }
        return Some(TerraformFix {
            summary: f.summary.clone(),
            terraform: hcl(plan, names, edit, c)?,
        });
    }
    None
}
