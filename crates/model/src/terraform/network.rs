//! Networks and gateways in a plan: `aws_vpc`,
//! `aws_vpc_ipv4_cidr_block_association`, `aws_subnet`,
//! `aws_internet_gateway`, `aws_internet_gateway_attachment`,
//! `aws_nat_gateway`, `aws_vpc_peering_connection` and
//! `aws_vpc_peering_connection_accepter` (a VPC's and a subnet's IPv6 CIDR
//! with `super::ipv6`).
//!
//! AWS: a new VPC comes with a main route table (a `local` route), a
//! default network ACL that allows everything, and a default security
//! group (<https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc-components.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html>);
//! a new subnet uses the default ACL and the main table; a peering
//! connection is active once accepted, which `auto_accept` does in one
//! account and region (<https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html>);
//! a deleted peering or NAT gateway leaves `blackhole` routes.

use super::ctx::{boolean, cidr, local_route, placeholder, text, Ctx};
use super::ipv6::{cidr6, planned_cidr6, set_vpc_block};
use super::plan::ResourceChange;
use crate::resources::*;

/// Applies one change; returns the ids it edits.
pub(crate) fn apply(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    match rc.resource_type.as_str() {
        "aws_vpc" => vpc(cx, rc),
        "aws_vpc_ipv4_cidr_block_association" => cidr_association(cx, rc),
        "aws_subnet" => subnet(cx, rc),
        "aws_internet_gateway" | "aws_internet_gateway_attachment" => igw(cx, rc),
        "aws_nat_gateway" => nat(cx, rc),
        "aws_vpc_peering_connection" | "aws_vpc_peering_connection_accepter" => peering(cx, rc),
        _ => None,
    }
}

fn new_id(rc: &ResourceChange) -> String {
    text(&rc.change.after, "id").unwrap_or_else(|| placeholder(&rc.resource_type, &rc.address))
}

fn vpc(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            cx.snap
                .vpcs
                .get_or_insert_with(Vec::new)
                .retain(|v| &v.vpc_id != id);
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        // In place: the IPv6 CIDR (`assign_generated_ipv6_cidr_block`, IPAM).
        let before6 = cidr6(&c.before, "ipv6_cidr_block").ok().flatten();
        if let (Some(id), Ok(after6)) = (&old, planned_cidr6(cx, rc, "ipv6_cidr_block")) {
            if after6 != before6 {
                set_vpc_block(cx, id, before6, after6);
            }
        }
        return Some(old.into_iter().collect());
    }
    let id = new_id(rc);
    let Ok(Some(block)) = cidr(&c.after, "cidr_block") else {
        cx.unresolved(rc, "cidr_block", &id, "is known only after apply (IPAM)");
        return Some(vec![id]);
    };
    let block6 = planned_cidr6(cx, rc, "ipv6_cidr_block").ok().flatten();
    cx.snap.vpcs.get_or_insert_with(Vec::new).push(Vpc {
        vpc_id: id.clone(),
        owner_id: None,
        region: None,
        cidr_blocks: vec![block],
        ipv6_cidr_blocks: block6.into_iter().collect(),
        is_default: false,
        tags: Tags::default(),
    });
    let acl = text(&c.after, "default_network_acl_id")
        .unwrap_or_else(|| format!("acl-(default of {})", rc.address));
    let all = |egress, rule_number, rule_action| NetworkAclEntry {
        rule_number,
        egress,
        protocol: IpProtocol::All,
        rule_action,
        cidr_block: Some("0.0.0.0/0".parse().expect("literal")),
        ipv6_cidr_block: None,
        port_range: None,
        icmp_type_code: None,
    };
    // With an IPv6 CIDR the default ACL also allows all IPv6 (rule 101)
    // and ends in the IPv6 `*` (32768).
    // <https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html>
    let all6 = |egress, rule_number, rule_action| NetworkAclEntry {
        cidr_block: None,
        ipv6_cidr_block: Some("::/0".parse().expect("literal")),
        ..all(egress, rule_number, rule_action)
    };
    let mut entries = vec![
        all(false, 100, RuleAction::Allow),
        all(false, DEFAULT_RULE_NUMBER, RuleAction::Deny),
        all(true, 100, RuleAction::Allow),
        all(true, DEFAULT_RULE_NUMBER, RuleAction::Deny),
    ];
    if block6.is_some() {
        entries.extend([
            all6(false, 101, RuleAction::Allow),
            all6(false, DEFAULT_IPV6_RULE_NUMBER, RuleAction::Deny),
            all6(true, 101, RuleAction::Allow),
            all6(true, DEFAULT_IPV6_RULE_NUMBER, RuleAction::Deny),
        ]);
    }
    cx.snap
        .network_acls
        .get_or_insert_with(Vec::new)
        .push(NetworkAcl {
            network_acl_id: acl,
            vpc_id: id.clone(),
            is_default: true,
            entries,
            associated_subnet_ids: Vec::new(),
            tags: Tags::default(),
        });
    let rtb = text(&c.after, "main_route_table_id")
        .unwrap_or_else(|| format!("rtb-(main of {})", rc.address));
    cx.snap
        .route_tables
        .get_or_insert_with(Vec::new)
        .push(RouteTable {
            route_table_id: rtb,
            vpc_id: id.clone(),
            routes: std::iter::once(local_route(block))
                .chain(block6.map(|b| Route::to_target(b, "local", "CreateRouteTable")))
                .collect(),
            associations: vec![RouteTableAssociation {
                main: true,
                subnet_id: None,
                gateway_id: None,
                state: Some("associated".into()),
            }],
            tags: Tags::default(),
        });
    let sg = text(&c.after, "default_security_group_id")
        .unwrap_or_else(|| format!("sg-(default of {})", rc.address));
    let perm = |peer: Option<&str>| IpPermission {
        ip_protocol: IpProtocol::All,
        from_port: None,
        to_port: None,
        ip_ranges: if peer.is_none() {
            vec!["0.0.0.0/0".parse().expect("literal")]
        } else {
            Vec::new()
        },
        // The default group's outbound rule covers IPv6 too in a VPC with
        // an IPv6 CIDR.
        ipv6_ranges: if peer.is_none() && block6.is_some() {
            vec!["::/0".parse().expect("literal")]
        } else {
            Vec::new()
        },
        prefix_list_ids: Vec::new(),
        user_id_group_pairs: peer
            .map(|g| UserIdGroupPair {
                group_id: g.to_string(),
                user_id: None,
                vpc_id: None,
                vpc_peering_connection_id: None,
                peering_status: None,
            })
            .into_iter()
            .collect(),
    };
    cx.snap
        .security_groups
        .get_or_insert_with(Vec::new)
        .push(SecurityGroup {
            group_id: sg.clone(),
            group_name: "default".into(),
            vpc_id: Some(id.clone()),
            owner_id: None,
            ip_permissions: vec![perm(Some(&sg))],
            ip_permissions_egress: vec![perm(None)],
            tags: Tags::default(),
        });
    Some(vec![id])
}

fn cidr_association(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let v = if c.is_delete() { &c.before } else { &c.after };
    let block = cidr(v, "cidr_block").ok().flatten();
    let vpc = if c.is_delete() {
        text(v, "vpc_id")
    } else {
        cx.need(rc, "vpc_id", &rc.address)
    };
    let (Some(vpc), Some(block)) = (vpc, block) else {
        return None;
    };
    let v = cx
        .snap
        .vpcs
        .get_or_insert_with(Vec::new)
        .iter_mut()
        .find(|x| x.vpc_id == vpc)?;
    v.cidr_blocks.retain(|b| *b != block);
    if !c.is_delete() {
        v.cidr_blocks.push(block);
    }
    Some(vec![vpc])
}

fn subnet(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            cx.snap
                .subnets
                .get_or_insert_with(Vec::new)
                .retain(|x| &x.subnet_id != id);
            for a in cx.snap.network_acls.iter_mut().flatten() {
                a.associated_subnet_ids.retain(|x| x != id);
            }
            for t in cx.snap.route_tables.iter_mut().flatten() {
                t.associations.retain(|a| a.subnet_id.as_ref() != Some(id));
            }
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        // In place: the IPv6 CIDR.
        let before6 = cidr6(&c.before, "ipv6_cidr_block").ok().flatten();
        if let (Some(id), Ok(after6)) = (&old, planned_cidr6(cx, rc, "ipv6_cidr_block")) {
            if let Some(s) = cx
                .snap
                .subnets
                .iter_mut()
                .flatten()
                .find(|s| &s.subnet_id == id)
            {
                s.ipv6_cidr_blocks.retain(|b| Some(*b) != before6);
                s.ipv6_cidr_blocks.extend(after6);
            }
        }
        return Some(old.into_iter().collect());
    }
    let id = new_id(rc);
    let vpc = cx.need(rc, "vpc_id", &id)?;
    let Ok(Some(block)) = cidr(&c.after, "cidr_block") else {
        cx.unresolved(rc, "cidr_block", &id, "is known only after apply");
        return Some(vec![id]);
    };
    let block6 = planned_cidr6(cx, rc, "ipv6_cidr_block").ok().flatten();
    cx.snap.subnets.get_or_insert_with(Vec::new).push(Subnet {
        subnet_id: id.clone(),
        vpc_id: vpc.clone(),
        cidr_block: block,
        ipv6_cidr_blocks: block6.into_iter().collect(),
        availability_zone: text(&c.after, "availability_zone"),
        tags: Tags::default(),
    });
    if let Some(a) = cx
        .snap
        .network_acls
        .iter_mut()
        .flatten()
        .find(|a| a.is_default && a.vpc_id == vpc)
    {
        a.associated_subnet_ids.push(id.clone());
    }
    Some(vec![id])
}

fn igw(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let attachment = rc.resource_type == "aws_internet_gateway_attachment";
    let old = if attachment {
        text(&c.before, "internet_gateway_id")
    } else {
        text(&c.before, "id")
    };
    let gws = cx.snap.internet_gateways.get_or_insert_with(Vec::new);
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            if attachment {
                if let Some(g) = gws.iter_mut().find(|g| &g.internet_gateway_id == id) {
                    g.attachments.clear();
                }
            } else {
                gws.retain(|g| &g.internet_gateway_id != id);
                cx.deleted.insert(id.clone());
            }
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    let id = if attachment {
        cx.need(rc, "internet_gateway_id", &rc.address)?
    } else if c.is_create() || c.is_replace() {
        new_id(rc)
    } else {
        old?
    };
    let vpc = match cx.string(rc, "vpc_id") {
        Ok(v) => v,
        Err(e) => {
            cx.unresolved(rc, "vpc_id", &id, &e);
            return Some(vec![id]);
        }
    };
    let gws = cx.snap.internet_gateways.get_or_insert_with(Vec::new);
    if !gws.iter().any(|g| g.internet_gateway_id == id) {
        gws.push(InternetGateway {
            internet_gateway_id: id.clone(),
            attachments: Vec::new(),
            tags: Tags::default(),
        });
    }
    let g = gws.iter_mut().find(|g| g.internet_gateway_id == id)?;
    g.attachments = vpc
        .map(|vpc_id| InternetGatewayAttachment {
            vpc_id,
            state: "available".into(),
        })
        .into_iter()
        .collect();
    Some(vec![id])
}

fn nat(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let old = text(&c.before, "id");
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            for n in cx.snap.nat_gateways.iter_mut().flatten() {
                if &n.nat_gateway_id == id {
                    n.state = NatGatewayState::Deleted;
                }
            }
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        return Some(old.into_iter().collect());
    }
    let id = new_id(rc);
    let subnet = cx.need(rc, "subnet_id", &id)?;
    let vpc = cx
        .snap
        .subnets
        .iter()
        .flatten()
        .find(|x| x.subnet_id == subnet)
        .map(|x| x.vpc_id.clone())
        .unwrap_or_default();
    let private = text(&c.after, "connectivity_type").as_deref() == Some("private");
    let public_ip = if private {
        None
    } else {
        text(&c.after, "public_ip")
            .and_then(|p| p.parse().ok())
            .or_else(|| Some(cx.placeholder_public_ip()))
    };
    cx.snap
        .nat_gateways
        .get_or_insert_with(Vec::new)
        .push(NatGateway {
            nat_gateway_id: id.clone(),
            vpc_id: vpc,
            subnet_id: subnet,
            state: NatGatewayState::Available,
            connectivity_type: Some(if private { "private" } else { "public" }.into()),
            addresses: vec![NatGatewayAddress {
                network_interface_id: None,
                private_ip: text(&c.after, "private_ip").and_then(|p| p.parse().ok()),
                public_ip,
            }],
            tags: Tags::default(),
        });
    Some(vec![id])
}

fn vpc_info(cx: &Ctx, vpc: &str) -> PeeringVpcInfo {
    let v = cx.snap.vpcs.iter().flatten().find(|x| x.vpc_id == vpc);
    PeeringVpcInfo {
        vpc_id: vpc.to_string(),
        owner_id: v.and_then(|v| v.owner_id.clone()),
        region: v.and_then(|v| v.region.clone()),
        cidr_blocks: v.map(|v| v.cidr_blocks.clone()).unwrap_or_default(),
        ipv6_cidr_blocks: v.map(|v| v.ipv6_cidr_blocks.clone()).unwrap_or_default(),
    }
}

fn peering(cx: &mut Ctx, rc: &ResourceChange) -> Option<Vec<String>> {
    let c = &rc.change;
    let accepter = rc.resource_type == "aws_vpc_peering_connection_accepter";
    let old = if accepter {
        text(&c.before, "vpc_peering_connection_id")
    } else {
        text(&c.before, "id")
    };
    if accepter {
        if c.is_delete() {
            // Destroying the accepter leaves the connection as it is (provider docs).
            return Some(old.into_iter().collect());
        }
        let id = cx.need(rc, "vpc_peering_connection_id", &rc.address)?;
        if boolean(&c.after, "auto_accept") == Some(true) {
            for p in cx.snap.vpc_peering_connections.iter_mut().flatten() {
                if p.vpc_peering_connection_id == id {
                    p.status_code = VpcPeeringConnectionStateReasonCode::Active;
                }
            }
        }
        return Some(vec![id]);
    }
    if c.is_delete() || c.is_replace() {
        if let Some(id) = &old {
            for p in cx.snap.vpc_peering_connections.iter_mut().flatten() {
                if &p.vpc_peering_connection_id == id {
                    p.status_code = VpcPeeringConnectionStateReasonCode::Deleted;
                }
            }
            cx.deleted.insert(id.clone());
        }
        if c.is_delete() {
            return Some(old.into_iter().collect());
        }
    }
    if !(c.is_create() || c.is_replace()) {
        let id = old?;
        if boolean(&c.after, "auto_accept") == Some(true) {
            for p in cx.snap.vpc_peering_connections.iter_mut().flatten() {
                if p.vpc_peering_connection_id == id {
                    p.status_code = VpcPeeringConnectionStateReasonCode::Active;
                }
            }
        }
        return Some(vec![id]);
    }
    let id = new_id(rc);
    let a = cx.need(rc, "vpc_id", &id)?;
    let b = cx.need(rc, "peer_vpc_id", &id)?;
    let status = if boolean(&c.after, "auto_accept") == Some(true) {
        VpcPeeringConnectionStateReasonCode::Active
    } else {
        VpcPeeringConnectionStateReasonCode::PendingAcceptance
    };
    let (ra, rb) = (vpc_info(cx, &a), vpc_info(cx, &b));
    cx.snap
        .vpc_peering_connections
        .get_or_insert_with(Vec::new)
        .push(VpcPeeringConnection {
            vpc_peering_connection_id: id.clone(),
            status_code: status,
            requester_vpc_info: ra,
            accepter_vpc_info: rb,
            tags: Tags::default(),
        });
    Some(vec![id])
}
