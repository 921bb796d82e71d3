//! Hosts in a plan: `aws_instance` (`vpc_security_group_ids`, `subnet_id`,
//! `associate_public_ip_address`, `private_ip`), `aws_network_interface`,
//! `aws_eip`, `aws_eip_association`, `aws_db_instance`
//! (`vpc_security_group_ids`, `port`, `publicly_accessible`,
//! `db_subnet_group_name`) and `aws_db_subnet_group`.
//!
//! AWS: an instance's security groups are its primary network interface's
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security-groups.html>);
//! a new interface gets a free address of its subnet unless one is given;
//! an RDS instance is placed in its DB subnet group's subnets
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>).
//!
//! A new interface's address, known only after apply, matters only when
//! some rule or route of its VPC tells addresses of its subnet apart; then
//! its flows are unknown. Otherwise any free address of the subnet answers
//! alike, and one is used.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv4Net;
use serde_json::Value;

use super::ctx::{any_unknown, boolean, get, int, placeholder, text, unknown, Ctx};
use super::plan::ResourceChange;
use crate::resources::*;

/// Applies one change; returns the ids it edits.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_instance" => instance(cx, rc),
        "aws_network_interface" => interface(cx, rc),
        "aws_eip" | "aws_eip_association" => eip(cx, rc),
        "aws_db_subnet_group" => subnet_group(cx, rc),
        "aws_db_instance" => db(cx, rc),
        _ => None,
    }
}

fn enis<'a>(cx: &'a mut Ctx) -> &'a mut Vec<NetworkInterface> {
    cx.snap
        .network_interfaces
        .get_or_insert_default()
        .make_mut()
}

/// The primary interface of instance `id`.
fn primary_eni(cx: &Ctx, id: &str) -> Option<String> {
    cx.snap
        .network_interfaces
        .iter()
        .flatten()
        .filter(|e| e.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(id))
        .min_by_key(|e| {
            e.attachment
                .as_ref()
                .and_then(|a| a.device_index)
                .unwrap_or(0)
        })
        .map(|e| e.network_interface_id.to_string())
}

/// A free address in `subnet` for a new interface, and whether some CIDR
/// of a rule or route inside the subnet's VPC cuts the subnet (so the
/// choice matters).
fn free_address(cx: &Ctx, subnet: &Subnet) -> (Option<Ipv4Addr>, bool) {
    let used: Vec<Ipv4Addr> = cx
        .snap
        .network_interfaces
        .iter()
        .flatten()
        .flat_map(|e| e.private_ip_addresses.iter().map(|p| p.private_ip_address))
        .collect();
    // AWS reserves the first four and the last address of a subnet.
    let addr = subnet
        .cidr_block
        .hosts()
        .skip(3)
        .take_while(|a| *a != subnet.cidr_block.broadcast())
        .find(|a| !used.contains(a));
    let mut cidrs: Vec<Ipv4Net> = Vec::new();
    for g in cx.snap.security_groups.iter().flatten() {
        for p in g.ip_permissions.iter().chain(&g.ip_permissions_egress) {
            cidrs.extend(&p.ip_ranges);
        }
    }
    for a in cx.snap.network_acls.iter().flatten() {
        cidrs.extend(a.entries.iter().filter_map(|e| e.cidr_block));
    }
    for t in cx.snap.route_tables.iter().flatten() {
        cidrs.extend(t.routes.iter().filter_map(|r| r.destination_cidr_block));
    }
    let cuts = cidrs
        .iter()
        .any(|c| subnet.cidr_block.contains(c) && *c != subnet.cidr_block);
    (addr, cuts)
}

/// The IPv6 addresses a new instance or interface gets: `ipv6_addresses`
/// when the plan knows them. Addresses drawn at apply
/// (`ipv6_address_count`, or an unknown list) are a warning: the interface
/// then has no IPv6 flows until a snapshot holds them.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html>
fn planned_ipv6_addresses(cx: &mut Ctx, rc: &ResourceChange, eni_id: &str) -> Vec<Ipv6Addr> {
    let c = &rc.change;
    let known: Vec<Ipv6Addr> = get(&c.after, "ipv6_addresses")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let count = int(&c.after, "ipv6_address_count").unwrap_or(0);
    // Only what the configuration asks for: the provider marks both
    // attributes computed on every new instance.
    let configured = |attr: &str| cx.plan.configures(&rc.address, attr);
    let drawn = count > 0
        || (configured("ipv6_address_count") && unknown(&c.after_unknown, "ipv6_address_count"))
        || (configured("ipv6_addresses") && any_unknown(&c.after_unknown, "ipv6_addresses"));
    if known.is_empty() && drawn {
        cx.warnings.push(format!(
            "{}: the IPv6 addresses of {eni_id} are known only after apply; its IPv6 flows are compared once a snapshot holds them",
            rc.address
        ));
    }
    known
}

/// Creates the primary interface of a new instance or a new interface.
#[allow(clippy::too_many_arguments)]
fn new_eni(
    cx: &mut Ctx,
    rc: &ResourceChange,
    eni_id: &str,
    subnet_id: &str,
    groups: Vec<String>,
    ip: Option<Ipv4Addr>,
    public: Option<Ipv4Addr>,
    instance: Option<&str>,
) -> Option<Ipv4Addr> {
    let subnet = cx
        .snap
        .subnets
        .iter()
        .flatten()
        .find(|x| x.subnet_id == subnet_id)
        .cloned();
    let Some(subnet) = subnet else {
        cx.unresolved(
            rc,
            "subnet_id",
            eni_id,
            "names a subnet the snapshot and the plan lack",
        );
        return None;
    };
    let ip = match ip {
        Some(ip) => Some(ip),
        None => {
            let (free, cuts) = free_address(cx, &subnet);
            if cuts || free.is_none() {
                cx.unresolved(
                    rc,
                    "private_ip",
                    eni_id,
                    &format!("is known only after apply, and rules or routes tell addresses of {subnet_id} apart"),
                );
            }
            free
        }
    }?;
    let ipv6_addresses = planned_ipv6_addresses(cx, rc, eni_id);
    enis(cx).push(NetworkInterface {
        network_interface_id: eni_id.to_string().into(),
        subnet_id: subnet_id.to_string().into(),
        vpc_id: subnet.vpc_id.clone().into(),
        availability_zone: subnet.availability_zone.as_deref().map(Into::into),
        description: String::new().into(),
        interface_type: Some("interface".into()),
        requester_id: None,
        requester_managed: false,
        status: Some(NetworkInterfaceStatus::InUse),
        private_ip_addresses: vec![PrivateIpAddress {
            private_ip_address: ip,
            primary: true,
            public_ip: public,
        }],
        ipv6_addresses,
        groups: groups.into_iter().map(Into::into).collect(),
        attachment: instance.map(|i| NetworkInterfaceAttachment {
            instance_id: Some(i.to_string().into()),
            status: Some("attached".into()),
            device_index: Some(0),
        }),
        tags: Tags::default(),
    });
    Some(ip)
}

fn groups_of(cx: &mut Ctx, rc: &ResourceChange, attr: &str, on: &str) -> Option<Vec<String>> {
    match cx.strings(rc, attr) {
        Ok(g) => Some(g),
        Err(e) => {
            cx.unresolved(rc, attr, on, &e);
            None
        }
    }
}

fn instance(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            for i in cx.snap.instances.iter_mut().flatten() {
                if i.instance_id == id {
                    i.state = InstanceStateName::Terminated;
                }
            }
            let attached = |e: &NetworkInterface| {
                e.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(id.as_str())
            };
            let gone: Vec<String> = enis(cx)
                .iter()
                .filter(|e| attached(e))
                .map(|e| e.network_interface_id.to_string())
                .collect();
            enis(cx).retain(|e| !attached(e));
            cx.deleted.insert(id.clone());
            cx.deleted.extend(gone);
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        let id = old?;
        let eni = primary_eni(cx, &id);
        let Some(eni) = eni else {
            cx.drift(
                rc,
                &id,
                "the snapshot has no network interface of this instance",
            );
            return None;
        };
        let changed = get(&c.before, "vpc_security_group_ids")
            != get(&c.after, "vpc_security_group_ids")
            || unknown(&c.after_unknown, "vpc_security_group_ids");
        if changed {
            let groups = groups_of(cx, rc, "vpc_security_group_ids", &eni)?;
            let before: Vec<String> = get(&c.before, "vpc_security_group_ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let e = enis(cx)
                .iter_mut()
                .find(|e| e.network_interface_id == eni)?;
            let mut snap = e.groups.clone();
            e.groups = groups.into_iter().map(Into::into).collect();
            snap.sort();
            let mut b = before;
            b.sort();
            if snap != b {
                cx.drift(
                    rc,
                    &id,
                    "its groups in the plan's prior state differ from the snapshot's",
                );
            }
        }
        return Some(vec![id, eni]);
    }
    let id = text(&c.after, "id").unwrap_or_else(|| placeholder("aws_instance", &rc.address));
    let eni = text(&c.after, "primary_network_interface_id")
        .unwrap_or_else(|| placeholder("aws_network_interface", &rc.address));
    let subnet = match cx.string(rc, "subnet_id") {
        Ok(Some(x)) => x,
        other => {
            let e = other.err().unwrap_or_else(|| {
                "is not set (the default VPC's subnets are not modelled)".into()
            });
            cx.unresolved(rc, "subnet_id", &id, &e);
            return Some(vec![id]);
        }
    };
    let groups = groups_of(cx, rc, "vpc_security_group_ids", &eni).unwrap_or_default();
    let ip = text(&c.after, "private_ip").and_then(|p| p.parse().ok());
    let public = match boolean(&c.after, "associate_public_ip_address") {
        Some(true) => Some(cx.placeholder_public_ip()),
        Some(false) => None,
        None => {
            cx.unresolved(
                rc,
                "associate_public_ip_address",
                &eni,
                "is known only after apply (it follows the subnet's map_public_ip_on_launch, which the snapshot lacks); set it in the configuration",
            );
            None
        }
    };
    let ip = new_eni(cx, rc, &eni, &subnet, groups, ip, public, Some(&id));
    let vpc = cx
        .snap
        .subnets
        .iter()
        .flatten()
        .find(|x| x.subnet_id == subnet)
        .map(|x| x.vpc_id.clone());
    let mut tags = Tags::default();
    if let Some(Value::Object(m)) = get(&c.after, "tags") {
        for (k, v) in m {
            if let Some(v) = v.as_str() {
                tags.insert(k.clone(), v.to_string());
            }
        }
    }
    cx.snap
        .instances
        .get_or_insert_default()
        .make_mut()
        .push(Instance {
            instance_id: id.clone().into(),
            state: InstanceStateName::Running,
            platform: None,
            subnet_id: Some(subnet.into()),
            vpc_id: vpc.map(Into::into),
            private_ip_address: ip,
            public_ip_address: public,
            network_interface_ids: vec![eni.clone().into()],
            tags,
        });
    Some(vec![id, eni])
}

fn interface(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            enis(cx).retain(|e| e.network_interface_id != id);
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        let id = old?;
        if get(&c.before, "security_groups") != get(&c.after, "security_groups")
            || unknown(&c.after_unknown, "security_groups")
        {
            let groups = groups_of(cx, rc, "security_groups", &id)?;
            match enis(cx).iter_mut().find(|e| e.network_interface_id == id) {
                Some(e) => e.groups = groups.into_iter().map(Into::into).collect(),
                None => cx.drift(rc, &id, "the snapshot has no such network interface"),
            }
        }
        return Some(vec![id]);
    }
    let id =
        text(&c.after, "id").unwrap_or_else(|| placeholder("aws_network_interface", &rc.address));
    let Some(subnet) = cx.need(rc, "subnet_id", &id) else {
        return Some(vec![id]);
    };
    let groups = groups_of(cx, rc, "security_groups", &id).unwrap_or_default();
    let ip = text(&c.after, "private_ip")
        .or_else(|| {
            get(&c.after, "private_ips")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .map(String::from)
        })
        .and_then(|p| p.parse().ok());
    let instance = get(&c.after, "attachment")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| text(a, "instance"));
    new_eni(cx, rc, &id, &subnet, groups, ip, None, instance.as_deref());
    Some(vec![id])
}

/// Sets or clears the public address of the interface an EIP names.
fn eip(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let target = |cx: &mut Ctx, v: &Value, after: bool| -> Option<String> {
        let eni = if after {
            cx.string(rc, "network_interface")
                .ok()
                .flatten()
                .or_else(|| cx.string(rc, "network_interface_id").ok().flatten())
        } else {
            text(v, "network_interface").or_else(|| text(v, "network_interface_id"))
        };
        if eni.is_some() {
            return eni;
        }
        let inst = if after {
            cx.string(rc, "instance")
                .ok()
                .flatten()
                .or_else(|| cx.string(rc, "instance_id").ok().flatten())
        } else {
            text(v, "instance").or_else(|| text(v, "instance_id"))
        };
        inst.and_then(|i| primary_eni(cx, &i))
    };
    let mut ids = Vec::new();
    if !c.is_create() {
        if let Some(eni) = target(cx, &c.before, false) {
            if let Some(e) = enis(cx).iter_mut().find(|e| e.network_interface_id == eni) {
                for p in &mut e.private_ip_addresses {
                    p.public_ip = None;
                }
            }
            ids.push(eni);
        }
    }
    if c.is_delete() {
        return Some(ids);
    }
    let Some(eni) = target(cx, &c.after, true) else {
        if !c
            .after_unknown
            .get("network_interface")
            .is_some_and(|x| x == &Value::Bool(true))
        {
            return Some(ids);
        }
        cx.unresolved(
            rc,
            "network_interface",
            &rc.address,
            "is known only after apply",
        );
        return Some(ids);
    };
    let ip = text(&c.after, "public_ip")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| cx.placeholder_public_ip());
    match enis(cx).iter_mut().find(|e| e.network_interface_id == eni) {
        Some(e) => {
            if let Some(p) = e
                .private_ip_addresses
                .iter_mut()
                .find(|p| p.primary)
                .or(None)
            {
                p.public_ip = Some(ip);
            }
        }
        None => cx.unresolved(
            rc,
            "network_interface",
            &eni,
            "names an interface the snapshot and the plan lack",
        ),
    }
    if !ids.contains(&eni) {
        ids.push(eni);
    }
    Some(ids)
}

fn subnet_group(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let name = text(&c.after, "name").or_else(|| text(&c.before, "name"))?;
    if c.is_delete() {
        return Some(vec![name]);
    }
    let subnets = match cx.strings(rc, "subnet_ids") {
        Ok(s) => s,
        Err(e) => {
            cx.unresolved(rc, "subnet_ids", &name, &e);
            return Some(vec![name]);
        }
    };
    let vpc = cx
        .snap
        .subnets
        .iter()
        .flatten()
        .find(|x| subnets.contains(&x.subnet_id))
        .map(|x| x.vpc_id.clone());
    for d in cx.snap.db_instances.iter_mut().flatten() {
        if let Some(g) = &mut d.db_subnet_group {
            if g.name == name {
                g.subnet_ids = subnets.clone();
                g.vpc_id = vpc.clone();
            }
        }
    }
    cx.subnet_groups.insert(
        name.clone(),
        DbSubnetGroup {
            name: name.clone(),
            vpc_id: vpc,
            subnet_ids: subnets,
        },
    );
    Some(vec![name])
}

fn db(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "identifier");
    let dbs = cx.snap.db_instances.get_or_insert_with(Vec::new);
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            dbs.retain(|d| &d.db_instance_identifier != id);
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    let id =
        text(&c.after, "identifier").unwrap_or_else(|| placeholder("aws_db_instance", &rc.address));
    let groups = groups_of(cx, rc, "vpc_security_group_ids", &id);
    let port = int(&c.after, "port").and_then(|p| u16::try_from(p).ok());
    let public = boolean(&c.after, "publicly_accessible").unwrap_or(false);
    let group_name = match cx.string(rc, "db_subnet_group_name") {
        Ok(n) => n,
        Err(e) => {
            cx.unresolved(rc, "db_subnet_group_name", &id, &e);
            None
        }
    };
    let subnet_group = group_name.as_ref().and_then(|n| {
        cx.subnet_groups.get(n).cloned().or_else(|| {
            cx.snap
                .db_instances
                .iter()
                .flatten()
                .filter_map(|d| d.db_subnet_group.as_ref())
                .find(|g| &g.name == n)
                .cloned()
        })
    });
    if group_name.is_some() && subnet_group.is_none() {
        cx.unresolved(
            rc,
            "db_subnet_group_name",
            &id,
            "names a DB subnet group the snapshot and the plan lack",
        );
    }
    let dbs = cx.snap.db_instances.get_or_insert_with(Vec::new);
    let existing = dbs.iter_mut().find(|d| d.db_instance_identifier == id);
    match existing {
        Some(d) if !(c.is_create() || c.is_replace()) => {
            if let Some(g) = groups {
                d.vpc_security_group_ids = g;
            }
            if let (Some(p), Some(ep)) = (port, d.endpoint.as_mut()) {
                ep.port = p;
            }
            d.publicly_accessible = public;
            if subnet_group.is_some() {
                d.db_subnet_group = subnet_group;
            }
        }
        _ => {
            dbs.retain(|d| d.db_instance_identifier != id);
            dbs.push(DbInstance {
                db_instance_identifier: id.clone(),
                db_instance_status: DbInstanceStatus::Available,
                engine: text(&c.after, "engine"),
                endpoint: port.map(|port| DbEndpoint {
                    address: format!("(known after apply: {})", rc.address),
                    port,
                    resolved_addresses: Vec::new(),
                }),
                db_subnet_group: subnet_group,
                vpc_security_group_ids: groups.unwrap_or_default(),
                multi_az: boolean(&c.after, "multi_az").unwrap_or(false),
                publicly_accessible: public,
                availability_zone: text(&c.after, "availability_zone"),
            });
        }
    }
    Some(vec![id])
}
