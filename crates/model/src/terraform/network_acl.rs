//! Network ACLs in a plan: `aws_network_acl` (inline `ingress`/`egress`,
//! `subnet_ids`), `aws_default_network_acl`, `aws_network_acl_rule` and
//! `aws_network_acl_association`.
//!
//! AWS: every new ACL holds the `*` entries (rule 32767, and 32768 for
//! IPv6 in a VPC with an IPv6 CIDR) that deny what no rule allows; a subnet
//! an ACL lets go returns to its VPC's default ACL
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>).
//! Provider: configured inline rules are the ACL's whole entry set, and
//! `aws_default_network_acl` replaces every entry with those configured.

use serde_json::Value;

use super::ctx::{any_unknown, get, placeholder, text, Ctx};
use super::plan::ResourceChange;
use super::rules::{acl_entries, acl_entry};
use crate::resources::*;

/// Applies one change; returns the ids it edits.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_network_acl" | "aws_default_network_acl" => acl(cx, rc),
        "aws_network_acl_rule" => rule(cx, rc),
        "aws_network_acl_association" => association(cx, rc),
        _ => None,
    }
}

fn acls<'a>(cx: &'a mut Ctx) -> &'a mut Vec<NetworkAcl> {
    cx.snap.network_acls.get_or_insert_with(Vec::new)
}

/// Moves `subnet` to `acl` (or, with `None`, to its VPC's default ACL).
fn associate(cx: &mut Ctx, subnet: &str, acl: Option<&str>) {
    let vpc = cx
        .snap
        .subnets
        .iter()
        .flatten()
        .find(|x| x.subnet_id == subnet)
        .map(|x| x.vpc_id.clone());
    let list = acls(cx);
    let target = match acl {
        Some(a) => Some(a.to_string()),
        None => list
            .iter()
            .find(|a| a.is_default && Some(&a.vpc_id) == vpc.as_ref())
            .map(|a| a.network_acl_id.clone()),
    };
    for a in list.iter_mut() {
        a.associated_subnet_ids.retain(|x| x != subnet);
    }
    if let Some(t) = target {
        if let Some(a) = list.iter_mut().find(|a| a.network_acl_id == t) {
            a.associated_subnet_ids.push(subnet.to_string());
        }
    }
}

fn default_entries(ipv6: bool) -> Vec<NetworkAclEntry> {
    let mut out = Vec::new();
    for egress in [false, true] {
        out.push(NetworkAclEntry {
            rule_number: DEFAULT_RULE_NUMBER,
            egress,
            protocol: IpProtocol::All,
            rule_action: RuleAction::Deny,
            cidr_block: Some("0.0.0.0/0".parse().expect("literal")),
            ipv6_cidr_block: None,
            port_range: None,
            icmp_type_code: None,
        });
        if ipv6 {
            out.push(NetworkAclEntry {
                rule_number: DEFAULT_IPV6_RULE_NUMBER,
                egress,
                protocol: IpProtocol::All,
                rule_action: RuleAction::Deny,
                cidr_block: None,
                ipv6_cidr_block: Some("::/0".parse().expect("literal")),
                port_range: None,
                icmp_type_code: None,
            });
        }
    }
    out
}

fn acl(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let default = rc.resource_type == "aws_default_network_acl";
    let id_attr = if default {
        "default_network_acl_id"
    } else {
        "id"
    };
    let old = text(&c.before, id_attr);
    let before_subnets: Vec<String> = get(&c.before, "subnet_ids")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if (c.is_delete() || c.is_replace()) && !default {
        if let Some(id) = &old {
            let subnets = acls(cx)
                .iter()
                .find(|a| &a.network_acl_id == id)
                .map(|a| a.associated_subnet_ids.clone())
                .unwrap_or_default();
            for sn in subnets {
                associate(cx, &sn, None);
            }
            acls(cx).retain(|a| &a.network_acl_id != id);
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    let fresh = (c.is_create() || c.is_replace()) && !default;
    let id = if fresh {
        text(&c.after, "id").unwrap_or_else(|| placeholder("aws_network_acl", &rc.address))
    } else {
        match cx.string(rc, id_attr) {
            Ok(Some(i)) => i,
            _ => old.clone()?,
        }
    };
    if !acls(cx).iter().any(|a| a.network_acl_id == id) {
        if !fresh {
            cx.drift(rc, &id, "the snapshot has no such network ACL");
            return None;
        }
        let vpc_id = cx.need(rc, "vpc_id", &id).unwrap_or_default();
        let ipv6 = cx
            .snap
            .vpcs
            .iter()
            .flatten()
            .any(|v| v.vpc_id == vpc_id && !v.ipv6_cidr_blocks.is_empty());
        acls(cx).push(NetworkAcl {
            network_acl_id: id.clone(),
            vpc_id,
            is_default: false,
            entries: default_entries(ipv6),
            associated_subnet_ids: Vec::new(),
            tags: Tags::default(),
        });
    }
    let rules_changed = ["ingress", "egress"]
        .iter()
        .any(|a| get(&c.before, a) != get(&c.after, a));
    if rules_changed || fresh || default {
        if any_unknown(&c.after_unknown, "ingress") || any_unknown(&c.after_unknown, "egress") {
            cx.unresolved(rc, "ingress", &id, "holds values known only after apply");
        } else {
            match acl_entries(&c.after) {
                Ok(mut entries) => {
                    if !fresh {
                        let before = acl_entries(&c.before).unwrap_or_default();
                        let snap = acls(cx)
                            .iter()
                            .find(|a| a.network_acl_id == id)
                            .map(|a| {
                                a.entries
                                    .iter()
                                    .filter(|e| !is_default_rule_number(e.rule_number))
                                    .cloned()
                                    .collect::<Vec<_>>()
                            })
                            .unwrap_or_default();
                        if !default && !same_entries(&before, &snap, equivalent) {
                            cx.drift(
                                rc,
                                &id,
                                "its entries in the plan's prior state differ from the snapshot's",
                            );
                        }
                    }
                    let a = acls(cx).iter_mut().find(|a| a.network_acl_id == id)?;
                    // An entry that stays as it was keeps the snapshot's
                    // spelling (the API may list ports on an all-protocol
                    // entry), so it is not reported as an edit.
                    for e in entries.iter_mut() {
                        if let Some(old) = a.entries.iter().find(|o| equivalent(o, e)) {
                            *e = old.clone();
                        }
                    }
                    a.entries.retain(|e| is_default_rule_number(e.rule_number));
                    a.entries.append(&mut entries);
                    a.entries.sort_by_key(|e| (e.egress, e.rule_number));
                }
                Err(e) => cx.unresolved(rc, "ingress", &id, &format!("cannot be read: {e}")),
            }
        }
    }
    if get(&c.before, "subnet_ids") != get(&c.after, "subnet_ids") || fresh {
        match cx.strings(rc, "subnet_ids") {
            Ok(after) => {
                for sn in &after {
                    associate(cx, sn, Some(&id));
                }
                for sn in before_subnets.iter().filter(|x| !after.contains(x)) {
                    associate(cx, sn, None);
                }
            }
            Err(e) => cx.unresolved(rc, "subnet_ids", &id, &e),
        }
    }
    Some(vec![id])
}

/// Same number, direction, action, protocol and addresses, and the same
/// ports where the protocol has them.
fn equivalent(a: &NetworkAclEntry, b: &NetworkAclEntry) -> bool {
    a.rule_number == b.rule_number
        && a.egress == b.egress
        && a.rule_action == b.rule_action
        && a.protocol == b.protocol
        && a.cidr_block == b.cidr_block
        && a.ipv6_cidr_block == b.ipv6_cidr_block
        && match a.protocol {
            IpProtocol::Tcp | IpProtocol::Udp => a.port_range == b.port_range,
            IpProtocol::Icmp | IpProtocol::Icmpv6 => a.icmp_type_code == b.icmp_type_code,
            _ => true,
        }
}

fn same_entries(
    a: &[NetworkAclEntry],
    b: &[NetworkAclEntry],
    eq: fn(&NetworkAclEntry, &NetworkAclEntry) -> bool,
) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| eq(x, y)))
}

fn rule(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    if !c.is_create() {
        if let (Some(id), Ok(e)) = (
            text(&c.before, "network_acl_id"),
            acl_entry(&c.before, None),
        ) {
            match acls(cx).iter_mut().find(|a| a.network_acl_id == id) {
                Some(a) => {
                    let n = a.entries.len();
                    a.entries
                        .retain(|x| !(x.rule_number == e.rule_number && x.egress == e.egress));
                    if a.entries.len() == n {
                        cx.drift(
                            rc,
                            &id,
                            &format!("entry {} is not in the snapshot", e.rule_number),
                        );
                    }
                }
                None => cx.drift(rc, &id, "the snapshot has no such network ACL"),
            }
            ids.push(id);
        }
    }
    if c.is_delete() {
        return Some(ids);
    }
    let Some(id) = cx.need(rc, "network_acl_id", &rc.address) else {
        return Some(ids);
    };
    for attr in [
        "cidr_block",
        "ipv6_cidr_block",
        "from_port",
        "to_port",
        "rule_number",
    ] {
        if any_unknown(&c.after_unknown, attr) {
            cx.unresolved(rc, attr, &id, "is known only after apply");
            return Some(ids);
        }
    }
    match acl_entry(&c.after, None) {
        Ok(e) => match acls(cx).iter_mut().find(|a| a.network_acl_id == id) {
            Some(a) => {
                a.entries
                    .retain(|x| !(x.rule_number == e.rule_number && x.egress == e.egress));
                a.entries.push(e);
                a.entries.sort_by_key(|e| (e.egress, e.rule_number));
            }
            None => cx.unresolved(
                rc,
                "network_acl_id",
                &id,
                "names an ACL the snapshot and the plan lack",
            ),
        },
        Err(e) => cx.unresolved(rc, "rule", &id, &format!("cannot be read: {e}")),
    }
    if !ids.contains(&id) {
        ids.push(id);
    }
    Some(ids)
}

fn association(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = rc.change.clone();
    let mut ids = Vec::new();
    if !c.is_create() {
        if let Some(sn) = text(&c.before, "subnet_id") {
            associate(cx, &sn, None);
            ids.push(sn);
        }
    }
    if c.is_delete() {
        return Some(ids);
    }
    match (cx.string(rc, "subnet_id"), cx.string(rc, "network_acl_id")) {
        (Ok(Some(sn)), Ok(Some(acl))) => {
            associate(cx, &sn, Some(&acl));
            if !ids.contains(&sn) {
                ids.push(sn);
            }
        }
        (Ok(Some(sn)), other) => {
            let e = other.err().unwrap_or_else(|| "is not set".into());
            cx.unresolved(rc, "network_acl_id", &sn, &e);
        }
        (other, _) => {
            let e = other.err().unwrap_or_else(|| "is not set".into());
            cx.unresolved(rc, "subnet_id", &rc.address, &e);
        }
    }
    Some(ids)
}
