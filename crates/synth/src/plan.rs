//! [`random_plan`]: a random Terraform plan (`terraform show -json` shape)
//! over a snapshot, and the same changes made to a copy of the snapshot by
//! hand, for the property "applying a plan equals `diff` against the
//! snapshot edited the same way".
//!
//! The hand edits are written here, apart from netpath's plan overlay
//! (`netpath_model::terraform`), so the property can catch its bugs.
//! Values follow the hashicorp/aws provider's schema for each resource.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use netpath_model::*;

use crate::generate::PORTS;

fn proto(p: IpProtocol) -> String {
    match p {
        IpProtocol::All => "-1".into(),
        IpProtocol::Tcp => "tcp".into(),
        IpProtocol::Udp => "udp".into(),
        IpProtocol::Icmp => "icmp".into(),
        IpProtocol::Icmpv6 => "icmpv6".into(),
        IpProtocol::Number(n) => n.to_string(),
    }
}

/// A group's permissions as the provider's inline blocks.
fn blocks(perms: &[IpPermission]) -> Value {
    Value::Array(
        perms
            .iter()
            .map(|p| {
                json!({
                    "protocol": proto(p.ip_protocol),
                    "from_port": p.from_port.unwrap_or(0),
                    "to_port": p.to_port.unwrap_or(0),
                    "cidr_blocks": p.ip_ranges.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "ipv6_cidr_blocks": p.ipv6_ranges.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                    "prefix_list_ids": p.prefix_list_ids,
                    "security_groups": p.user_id_group_pairs.iter().map(|g| g.group_id.clone()).collect::<Vec<_>>(),
                    "self": false,
                    "description": "",
                })
            })
            .collect(),
    )
}

fn change(address: &str, t: &str, actions: &[&str], before: Value, after: Value) -> Value {
    let name = address.rsplit('.').next().unwrap_or(address);
    json!({
        "address": address, "mode": "managed", "type": t, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": { "actions": actions, "before": before, "after": after, "after_unknown": {} }
    })
}

fn tcp(from: u16, to: u16) -> IpPermission {
    IpPermission {
        ip_protocol: IpProtocol::Tcp,
        from_port: Some(i32::from(from)),
        to_port: Some(i32::from(to)),
        ip_ranges: Vec::new(),
        ipv6_ranges: Vec::new(),
        prefix_list_ids: Vec::new(),
        user_id_group_pairs: Vec::new(),
    }
}

fn pair(g: &str) -> UserIdGroupPair {
    UserIdGroupPair {
        group_id: g.to_string(),
        user_id: None,
        vpc_id: None,
        vpc_peering_connection_id: None,
        peering_status: None,
    }
}

/// Makes `edits` random changes, each one resource change of the plan and
/// the same change made by hand to a copy of `snapshot`: an instance's
/// groups replaced, a group's inline ingress rewritten, an
/// `aws_security_group_rule` created, an `aws_network_acl_rule` created,
/// an `aws_route` destroyed, a subnet's route table association moved, a
/// subnet moved into another ACL's `subnet_ids`, an
/// `aws_vpc_security_group_ingress_rule` destroyed. Returns the plan
/// document, the edited snapshot and one line per change.
pub fn random_plan(snapshot: &Snapshot, edits: usize, seed: u64) -> (Value, Snapshot, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut s = snapshot.clone();
    let mut rcs: Vec<Value> = Vec::new();
    let mut log = Vec::new();
    let groups_in = |s: &Snapshot, vpc: &str| -> Vec<String> {
        s.security_groups
            .iter()
            .flatten()
            .filter(|g| g.vpc_id.as_deref() == Some(vpc))
            .map(|g| g.group_id.clone())
            .collect()
    };
    let mut used: Vec<String> = Vec::new();
    for n in 0..edits * 4 {
        if rcs.len() >= edits {
            break;
        }
        let kind = rng.gen_range(0..8);
        match kind {
            0 => {
                // aws_instance: vpc_security_group_ids replaced.
                let enis = s.network_interfaces.clone().unwrap_or_default();
                let cands: Vec<&NetworkInterface> = enis
                    .iter()
                    .filter(|e| {
                        e.attachment.as_ref().is_some_and(|a| {
                            a.instance_id.is_some() && a.device_index.unwrap_or(0) == 0
                        })
                    })
                    .collect();
                let Some(e) = cands.choose(&mut rng) else {
                    continue;
                };
                let inst = e.attachment.as_ref().unwrap().instance_id.clone().unwrap();
                if used.iter().any(|u| u == inst) {
                    continue;
                }
                let all = groups_in(&s, &e.vpc_id);
                let k = rng.gen_range(1..=all.len().min(2));
                let new: Vec<String> = all.choose_multiple(&mut rng, k).cloned().collect();
                let address = format!("aws_instance.i{n}");
                rcs.push(change(
                    &address,
                    "aws_instance",
                    &["update"],
                    json!({"id": inst, "subnet_id": e.subnet_id, "vpc_security_group_ids": e.groups}),
                    json!({"id": inst, "subnet_id": e.subnet_id, "vpc_security_group_ids": new}),
                ));
                let eni = s
                    .network_interfaces
                    .as_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|x| x.network_interface_id == e.network_interface_id)
                    .unwrap();
                eni.groups = new.iter().map(|g| g.as_str().into()).collect();
                log.push(format!("{address}: {inst} groups -> {new:?}"));
                used.push(inst.to_string());
            }
            1 => {
                // aws_security_group: inline ingress rewritten.
                let Some(groups) = s.security_groups.as_mut() else {
                    continue;
                };
                if groups.is_empty() {
                    continue;
                }
                let g = rng.gen_range(0..groups.len());
                if used.contains(&groups[g].group_id) {
                    continue;
                }
                let before = groups[g].ip_permissions.clone();
                let mut after = before.clone();
                if !after.is_empty() && rng.gen_bool(0.6) {
                    let k = rng.gen_range(0..after.len());
                    after.remove(k);
                }
                let (a, b) = PORTS[rng.gen_range(0..PORTS.len())];
                let mut p = tcp(a, b);
                p.ip_ranges.push(
                    format!("10.{}.0.0/16", rng.gen_range(0..3))
                        .parse()
                        .unwrap(),
                );
                after.push(p);
                let id = groups[g].group_id.clone();
                let vpc = groups[g].vpc_id.clone();
                let address = format!("aws_security_group.g{n}");
                rcs.push(change(
                    &address,
                    "aws_security_group",
                    &["update"],
                    json!({"id": id, "vpc_id": vpc, "ingress": blocks(&before), "egress": blocks(&groups[g].ip_permissions_egress)}),
                    json!({"id": id, "vpc_id": vpc, "ingress": blocks(&after), "egress": blocks(&groups[g].ip_permissions_egress)}),
                ));
                groups[g].ip_permissions = after;
                log.push(format!("{address}: {id} ingress rewritten"));
                used.push(id);
            }
            2 => {
                // aws_security_group_rule: created.
                let Some(groups) = s.security_groups.clone() else {
                    continue;
                };
                let Some(g) = groups.choose(&mut rng) else {
                    continue;
                };
                let (a, b) = PORTS[rng.gen_range(0..PORTS.len())];
                let peers = groups_in(&s, g.vpc_id.as_deref().unwrap_or(""));
                let mut p = tcp(a, b);
                let mut after = json!({
                    "type": "ingress", "security_group_id": g.group_id, "protocol": "tcp",
                    "from_port": a, "to_port": b, "self": false,
                });
                if rng.gen_bool(0.5) {
                    let peer = peers.choose(&mut rng).unwrap().clone();
                    after["source_security_group_id"] = json!(peer);
                    p.user_id_group_pairs.push(pair(&peer));
                } else {
                    let c = format!("10.{}.{}.0/24", rng.gen_range(0..3), rng.gen_range(0..4));
                    after["cidr_blocks"] = json!([c]);
                    p.ip_ranges.push(c.parse().unwrap());
                }
                let address = format!("aws_security_group_rule.r{n}");
                rcs.push(change(
                    &address,
                    "aws_security_group_rule",
                    &["create"],
                    Value::Null,
                    after,
                ));
                let sg = s
                    .security_groups
                    .as_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|x| x.group_id == g.group_id)
                    .unwrap();
                sg.ip_permissions.push(p);
                log.push(format!("{address}: rule added to {}", g.group_id));
            }
            3 => {
                // aws_network_acl_rule: created (rule numbers below the generator's).
                let Some(acls) = s.network_acls.as_mut() else {
                    continue;
                };
                let Some(acl) = acls.choose_mut(&mut rng) else {
                    continue;
                };
                let number: u16 = rng.gen_range(1..=9);
                let egress = rng.gen_bool(0.3);
                if acl
                    .entries
                    .iter()
                    .any(|e| e.rule_number == number && e.egress == egress)
                {
                    continue;
                }
                let (a, b) = PORTS[rng.gen_range(0..PORTS.len())];
                let action = if rng.gen_bool(0.7) {
                    RuleAction::Deny
                } else {
                    RuleAction::Allow
                };
                let c: ipnet::Ipv4Net = format!(
                    "10.{}.0.0/{}",
                    rng.gen_range(0..3),
                    [16, 20, 24][rng.gen_range(0..3)]
                )
                .parse()
                .unwrap();
                let c = c.trunc();
                let address = format!("aws_network_acl_rule.e{n}");
                rcs.push(change(
                    &address,
                    "aws_network_acl_rule",
                    &["create"],
                    Value::Null,
                    json!({"network_acl_id": acl.network_acl_id, "rule_number": number, "egress": egress,
                           "protocol": "tcp", "rule_action": action.to_string(), "cidr_block": c.to_string(),
                           "from_port": a, "to_port": b}),
                ));
                acl.entries.push(NetworkAclEntry {
                    rule_number: number,
                    egress,
                    protocol: IpProtocol::Tcp,
                    rule_action: action,
                    cidr_block: Some(c),
                    ipv6_cidr_block: None,
                    port_range: Some(PortRange::new(a, b)),
                    icmp_type_code: None,
                });
                log.push(format!(
                    "{address}: entry {number} in {}",
                    acl.network_acl_id
                ));
            }
            4 => {
                // aws_route: destroyed.
                let Some(tables) = s.route_tables.as_mut() else {
                    continue;
                };
                let Some(t) = tables.choose_mut(&mut rng) else {
                    continue;
                };
                let cands: Vec<usize> = (0..t.routes.len())
                    .filter(|i| {
                        t.routes[*i].gateway_id.as_deref() != Some("local")
                            && t.routes[*i].destination_cidr_block.is_some()
                    })
                    .collect();
                let Some(&i) = cands.choose(&mut rng) else {
                    continue;
                };
                let r = t.routes.remove(i);
                let mut before = json!({"route_table_id": t.route_table_id,
                    "destination_cidr_block": r.destination_cidr_block.unwrap().to_string()});
                for (k, v) in [
                    ("gateway_id", &r.gateway_id),
                    ("nat_gateway_id", &r.nat_gateway_id),
                    ("vpc_peering_connection_id", &r.vpc_peering_connection_id),
                    ("transit_gateway_id", &r.transit_gateway_id),
                    ("network_interface_id", &r.network_interface_id),
                ] {
                    if let Some(v) = v {
                        before[k] = json!(v);
                    }
                }
                let address = format!("aws_route.x{n}");
                rcs.push(change(
                    &address,
                    "aws_route",
                    &["delete"],
                    before,
                    Value::Null,
                ));
                log.push(format!(
                    "{address}: route deleted from {}",
                    t.route_table_id
                ));
            }
            5 => {
                // aws_route_table_association: moved to another table of the VPC.
                let Some(subnets) = s.subnets.clone() else {
                    continue;
                };
                let Some(sn) = subnets.choose(&mut rng) else {
                    continue;
                };
                if used.contains(&sn.subnet_id) {
                    continue;
                }
                let tables = s.route_tables.as_mut().unwrap();
                let old = tables.iter().position(|t| {
                    t.associations
                        .iter()
                        .any(|a| a.subnet_id.as_deref() == Some(&sn.subnet_id))
                });
                let others: Vec<usize> = (0..tables.len())
                    .filter(|i| tables[*i].vpc_id == sn.vpc_id && Some(*i) != old)
                    .collect();
                let Some(&new) = others.choose(&mut rng) else {
                    continue;
                };
                let address = format!("aws_route_table_association.a{n}");
                let after = json!({"subnet_id": sn.subnet_id, "route_table_id": tables[new].route_table_id});
                match old {
                    Some(o) => {
                        let before = json!({"subnet_id": sn.subnet_id, "route_table_id": tables[o].route_table_id});
                        rcs.push(change(
                            &address,
                            "aws_route_table_association",
                            &["update"],
                            before,
                            after,
                        ));
                        tables[o]
                            .associations
                            .retain(|a| a.subnet_id.as_deref() != Some(&sn.subnet_id));
                    }
                    None => rcs.push(change(
                        &address,
                        "aws_route_table_association",
                        &["create"],
                        Value::Null,
                        after,
                    )),
                }
                tables[new].associations.push(RouteTableAssociation {
                    main: false,
                    subnet_id: Some(sn.subnet_id.clone()),
                    gateway_id: None,
                    state: Some("associated".into()),
                });
                log.push(format!("{address}: {} moved", sn.subnet_id));
                used.push(sn.subnet_id.clone());
            }
            6 => {
                // aws_network_acl: a subnet moved into its subnet_ids.
                let Some(acls) = s.network_acls.as_mut() else {
                    continue;
                };
                if acls.is_empty() {
                    continue;
                }
                let i = rng.gen_range(0..acls.len());
                let vpc = acls[i].vpc_id.clone();
                let subnets: Vec<String> = s
                    .subnets
                    .iter()
                    .flatten()
                    .filter(|x| {
                        x.vpc_id == vpc
                            && !acls[i].associated_subnet_ids.contains(&x.subnet_id)
                            && !used.contains(&x.subnet_id)
                    })
                    .map(|x| x.subnet_id.clone())
                    .collect();
                let Some(sn) = subnets.choose(&mut rng).cloned() else {
                    continue;
                };
                let before = acls[i].associated_subnet_ids.clone();
                let mut after = before.clone();
                after.push(sn.clone());
                let address = format!("aws_network_acl.n{n}");
                rcs.push(change(
                    &address,
                    "aws_network_acl",
                    &["update"],
                    json!({"id": acls[i].network_acl_id, "vpc_id": vpc, "subnet_ids": before}),
                    json!({"id": acls[i].network_acl_id, "vpc_id": vpc, "subnet_ids": after}),
                ));
                for a in acls.iter_mut() {
                    a.associated_subnet_ids.retain(|x| x != &sn);
                }
                acls[i].associated_subnet_ids.push(sn.clone());
                log.push(format!("{address}: {sn} moved in"));
                used.push(sn);
            }
            _ => {
                // aws_vpc_security_group_ingress_rule: destroyed (one CIDR peer).
                let Some(groups) = s.security_groups.as_mut() else {
                    continue;
                };
                let cands: Vec<(usize, usize)> = groups
                    .iter()
                    .enumerate()
                    .flat_map(|(g, x)| {
                        x.ip_permissions
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| {
                                !p.ip_ranges.is_empty() && p.ip_protocol == IpProtocol::Tcp
                            })
                            .map(move |(k, _)| (g, k))
                    })
                    .collect();
                let Some(&(g, k)) = cands.choose(&mut rng) else {
                    continue;
                };
                if used.contains(&groups[g].group_id) {
                    continue;
                }
                let gid = groups[g].group_id.clone();
                let p = &mut groups[g].ip_permissions[k];
                let c = p.ip_ranges.remove(0);
                let before = json!({"security_group_id": gid, "ip_protocol": "tcp",
                    "from_port": p.from_port, "to_port": p.to_port, "cidr_ipv4": c.to_string()});
                if p.ip_ranges.is_empty()
                    && p.user_id_group_pairs.is_empty()
                    && p.prefix_list_ids.is_empty()
                    && p.ipv6_ranges.is_empty()
                {
                    groups[g].ip_permissions.remove(k);
                }
                let address = format!("aws_vpc_security_group_ingress_rule.v{n}");
                rcs.push(change(
                    &address,
                    "aws_vpc_security_group_ingress_rule",
                    &["delete"],
                    before,
                    Value::Null,
                ));
                log.push(format!(
                    "{address}: {c} removed from {}",
                    groups[g].group_id
                ));
            }
        }
    }
    let plan = json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": rcs,
        "configuration": {"root_module": {"resources": []}},
    });
    (plan, s, log)
}
