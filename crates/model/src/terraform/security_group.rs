//! Security groups and their rules in a plan: `aws_security_group` (inline
//! `ingress`/`egress`), `aws_default_security_group`,
//! `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`,
//! `aws_vpc_security_group_egress_rule` and
//! `aws_network_interface_sg_attachment`.
//!
//! Provider behaviour (hashicorp/aws `aws_security_group` documentation):
//! inline rules, when configured, are the group's whole rule set, and the
//! provider revokes the rest; a new group's default allow-all egress rule
//! is removed unless configured; `aws_default_security_group` always
//! replaces every rule with those configured. Mixing inline rules with
//! separate rule resources on one group makes them overwrite each other,
//! which is warned about.

use serde_json::Value;

use super::ctx::{any_unknown, get, placeholder, text, Ctx};
use super::plan::ResourceChange;
use super::rules::{self, permissions, same_permissions};
use crate::resources::*;

/// Applies one change; returns the ids it edits, `None` when it was not applied.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_security_group" | "aws_default_security_group" => group(cx, rc),
        "aws_security_group_rule" => rule(cx, rc, false),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            rule(cx, rc, true)
        }
        "aws_network_interface_sg_attachment" => attachment(cx, rc),
        _ => None,
    }
}

fn groups<'a>(cx: &'a mut Ctx) -> &'a mut Vec<SecurityGroup> {
    cx.snap.security_groups.get_or_insert_with(Vec::new)
}

fn group(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let default = rc.resource_type == "aws_default_security_group";
    let old = text(&c.before, "id");
    if (c.is_delete() || c.is_replace()) && !default {
        if let Some(id) = &old {
            groups(cx).retain(|g| &g.group_id != id);
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    let new_id = if c.is_create() || c.is_replace() {
        text(&c.after, "id").unwrap_or_else(|| placeholder("aws_security_group", &rc.address))
    } else {
        old.clone()?
    };
    let exists = groups(cx).iter().any(|g| g.group_id == new_id);
    if !exists {
        if !(c.is_create() || c.is_replace() || default) {
            cx.drift(rc, &new_id, "the snapshot has no such group");
            return None;
        }
        let vpc_id = match cx.string(rc, "vpc_id") {
            Ok(v) => v,
            Err(e) => {
                cx.unresolved(rc, "vpc_id", &new_id, &e);
                None
            }
        };
        let mut tags = Tags::default();
        if let Some(Value::Object(m)) = get(&c.after, "tags") {
            for (k, v) in m {
                if let Some(v) = v.as_str() {
                    tags.insert(k.clone(), v.to_string());
                }
            }
        }
        let name = get(&c.after, "name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        groups(cx).push(SecurityGroup {
            group_id: new_id.clone(),
            group_name: name,
            vpc_id,
            owner_id: None,
            ip_permissions: Vec::new(),
            ip_permissions_egress: Vec::new(),
            tags,
        });
    }
    for (attr, egress) in [("ingress", false), ("egress", true)] {
        let changed = get(&c.before, attr) != get(&c.after, attr);
        let fresh = c.is_create() || c.is_replace() || default;
        if !(changed || fresh) {
            continue;
        }
        if any_unknown(&c.after_unknown, attr) && (cx.plan.configures(&rc.address, attr) || !fresh)
        {
            cx.unresolved(rc, attr, &new_id, "holds values known only after apply");
            continue;
        }
        let after = match permissions(get(&c.after, attr), &new_id) {
            Ok(p) => p,
            Err(e) => {
                cx.unresolved(rc, attr, &new_id, &format!("cannot be read: {e}"));
                continue;
            }
        };
        if !fresh {
            // Drift: the prior state's rules against the snapshot's.
            let before = permissions(get(&c.before, attr), &new_id).unwrap_or_default();
            let snap = groups(cx)
                .iter()
                .find(|g| g.group_id == new_id)
                .map(|g| {
                    if egress {
                        g.ip_permissions_egress.clone()
                    } else {
                        g.ip_permissions.clone()
                    }
                })
                .unwrap_or_default();
            if !same_permissions(&before, &snap) {
                cx.drift(
                    rc,
                    &new_id,
                    &format!(
                        "its {attr} rules in the plan's prior state differ from the snapshot's"
                    ),
                );
            }
        }
        let g = groups(cx).iter_mut().find(|g| g.group_id == new_id)?;
        if egress {
            g.ip_permissions_egress = after;
        } else {
            g.ip_permissions = after;
        }
    }
    Some(vec![new_id])
}

/// The group id and permission of a rule resource's `before` or `after`.
fn rule_value(
    cx: &mut Ctx,
    rc: &ResourceChange,
    v: &Value,
    after: bool,
    vpc_rule: bool,
) -> Result<(String, bool, IpPermission), (String, String, String)> {
    let group_id = if after {
        cx.string(rc, "security_group_id").map_err(|e| {
            (
                "security_group_id".to_string(),
                placeholder("aws_security_group", &rc.address),
                e,
            )
        })?
    } else {
        text(v, "security_group_id")
    };
    let group_id = group_id.ok_or_else(|| {
        (
            "security_group_id".to_string(),
            rc.address.clone(),
            "is not set".to_string(),
        )
    })?;
    let egress = if vpc_rule {
        rc.resource_type.ends_with("egress_rule")
    } else {
        get(v, "type").and_then(Value::as_str) == Some("egress")
    };
    let peer_attr = if vpc_rule {
        "referenced_security_group_id"
    } else {
        "source_security_group_id"
    };
    let peer = if after {
        cx.optional(rc, peer_attr)
            .map_err(|e| (peer_attr.to_string(), group_id.clone(), e))?
    } else {
        text(v, peer_attr)
    };
    let perm = if vpc_rule {
        rules::vpc_rule(v, peer)
    } else {
        rules::permission(v, &group_id, peer)
    }
    .map_err(|e| ("rule".to_string(), group_id.clone(), e))?;
    for attr in [
        "cidr_blocks",
        "cidr_ipv4",
        "prefix_list_ids",
        "prefix_list_id",
        "from_port",
        "to_port",
    ] {
        if after && any_unknown(&rc.change.after_unknown, attr) {
            return Err((attr.into(), group_id, "is known only after apply".into()));
        }
    }
    Ok((group_id, egress, perm))
}

fn rule(cx: &mut Ctx, rc: &ResourceChange, vpc_rule: bool) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    if c.is_delete() || c.is_replace() || !c.is_create() {
        match rule_value(cx, rc, &c.before, false, vpc_rule) {
            Ok((gid, egress, perm)) => {
                let Some(g) = groups(cx).iter_mut().find(|g| g.group_id == gid) else {
                    cx.drift(rc, &gid, "the snapshot has no such group");
                    return None;
                };
                let list = if egress {
                    &mut g.ip_permissions_egress
                } else {
                    &mut g.ip_permissions
                };
                if !rules::remove(list, &perm) {
                    cx.drift(
                        rc,
                        &gid,
                        "the rule it removes is not in the snapshot's group",
                    );
                }
                ids.push(gid);
            }
            Err((attr, id, e)) => cx.unresolved(rc, &attr, &id, &e),
        }
    }
    if c.is_delete() {
        return Some(ids);
    }
    match rule_value(cx, rc, &c.after, true, vpc_rule) {
        Ok((gid, egress, perm)) => {
            let Some(g) = groups(cx).iter_mut().find(|g| g.group_id == gid) else {
                cx.unresolved(
                    rc,
                    "security_group_id",
                    &gid,
                    "names a group the snapshot and the plan lack",
                );
                return Some(ids);
            };
            let list = if egress {
                &mut g.ip_permissions_egress
            } else {
                &mut g.ip_permissions
            };
            rules::add(list, perm);
            if !ids.contains(&gid) {
                ids.push(gid);
            }
        }
        Err((attr, id, e)) => cx.unresolved(rc, &attr, &id, &e),
    }
    Some(ids)
}

fn attachment(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    let mut edit = |cx: &mut Ctx, v: &Value, add: bool, after: bool| {
        let (g, e) = if after {
            (
                cx.string(rc, "security_group_id"),
                cx.string(rc, "network_interface_id"),
            )
        } else {
            (
                Ok(text(v, "security_group_id")),
                Ok(text(v, "network_interface_id")),
            )
        };
        let (Ok(Some(g)), Ok(Some(e))) = (g, e) else {
            cx.unresolved(
                rc,
                "network_interface_id",
                &rc.address,
                "is known only after apply",
            );
            return;
        };
        let Some(eni) = cx
            .snap
            .network_interfaces
            .get_or_insert_default()
            .iter_mut()
            .find(|n| n.network_interface_id == e)
        else {
            cx.drift(rc, &e, "the snapshot has no such network interface");
            return;
        };
        eni.groups.retain(|x| x != g);
        if add {
            eni.groups.push(g.into());
        }
        ids.push(e);
    };
    if !c.is_create() {
        edit(cx, &c.before, false, false);
    }
    if !c.is_delete() {
        edit(cx, &c.after, true, true);
    }
    Some(ids)
}
