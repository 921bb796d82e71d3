//! SDK types → the netpath model, one function per resource.
//!
//! The same semantics as the AWS CLI JSON import (`netpath_model::import`):
//! only `associated` VPC CIDR blocks are kept, CIDRs are truncated to their
//! network, a NACL entry's `PortRange` is kept for TCP/UDP, a route's state
//! defaults to `active`, a DB endpoint without a port is dropped. Values the
//! model cannot hold (a malformed CIDR or address, which the API never
//! returns) are skipped and reported in `Issues` rather than panicking.
//! Field names follow the EC2 and RDS API references:
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Types.html>,
//! <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html>.

use std::net::Ipv4Addr;

use aws_sdk_ec2::types as ec2;
use aws_sdk_rds::types as rds;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netpath_model::*;

mod elb;
mod endpoints;
mod hybrid;
pub use elb::*;
pub use endpoints::*;
pub use hybrid::*;

/// Problems met while converting: one line each, naming resource and field.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<String>);

impl Issues {
    fn v4(&mut self, id: &str, field: &str, v: Option<&str>) -> Option<Ipv4Net> {
        let s = v?;
        match s.parse::<Ipv4Net>() {
            Ok(n) => Some(n.trunc()),
            Err(_) => {
                self.0
                    .push(format!("{id}: {field} `{s}` is not an IPv4 CIDR; skipped"));
                None
            }
        }
    }

    fn v6(&mut self, id: &str, field: &str, v: Option<&str>) -> Option<Ipv6Net> {
        let s = v?;
        match s.parse::<Ipv6Net>() {
            Ok(n) => Some(n.trunc()),
            Err(_) => {
                self.0
                    .push(format!("{id}: {field} `{s}` is not an IPv6 CIDR; skipped"));
                None
            }
        }
    }

    fn ip(&mut self, id: &str, field: &str, v: Option<&str>) -> Option<Ipv4Addr> {
        let s = v?;
        match s.parse::<Ipv4Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.0.push(format!(
                    "{id}: {field} `{s}` is not an IPv4 address; skipped"
                ));
                None
            }
        }
    }

    fn proto(&mut self, id: &str, field: &str, v: Option<&str>) -> IpProtocol {
        let s = v.unwrap_or("-1");
        IpProtocol::parse(s).unwrap_or_else(|| {
            self.0.push(format!(
                "{id}: {field} `{s}` is not a protocol; treated as -1 (all)"
            ));
            IpProtocol::All
        })
    }
}

pub(crate) fn tags(t: Option<Vec<ec2::Tag>>) -> Tags {
    t.into_iter()
        .flatten()
        .filter_map(|t| Some((t.key?, t.value.unwrap_or_default())))
        .collect()
}

/// `DescribeVpcs` item.
pub fn vpc(v: ec2::Vpc, region: &str, is: &mut Issues) -> Option<Vpc> {
    let id = v.vpc_id?;
    let mut cidr_blocks: Vec<Ipv4Net> = Vec::new();
    for a in v.cidr_block_association_set.into_iter().flatten() {
        let associated = a
            .cidr_block_state
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .is_none_or(|s| s.as_str() == "associated");
        if associated {
            if let Some(c) = is.v4(
                &id,
                "CidrBlockAssociationSet.CidrBlock",
                a.cidr_block.as_deref(),
            ) {
                cidr_blocks.push(c);
            }
        }
    }
    if cidr_blocks.is_empty() {
        cidr_blocks.extend(is.v4(&id, "CidrBlock", v.cidr_block.as_deref()));
    }
    let mut ipv6 = Vec::new();
    for a in v.ipv6_cidr_block_association_set.into_iter().flatten() {
        let associated = a
            .ipv6_cidr_block_state
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .is_none_or(|s| s.as_str() == "associated");
        if associated {
            ipv6.extend(is.v6(&id, "Ipv6CidrBlock", a.ipv6_cidr_block.as_deref()));
        }
    }
    Some(Vpc {
        owner_id: v.owner_id,
        region: Some(region.to_string()),
        cidr_blocks,
        ipv6_cidr_blocks: ipv6,
        is_default: v.is_default.unwrap_or(false),
        tags: tags(v.tags),
        vpc_id: id,
    })
}

/// `DescribeSubnets` item.
pub fn subnet(s: ec2::Subnet, is: &mut Issues) -> Option<Subnet> {
    let id = s.subnet_id?;
    let cidr = is.v4(&id, "CidrBlock", s.cidr_block.as_deref())?;
    let ipv6 = s
        .ipv6_cidr_block_association_set
        .into_iter()
        .flatten()
        .filter_map(|a| is.v6(&id, "Ipv6CidrBlock", a.ipv6_cidr_block.as_deref()))
        .collect();
    Some(Subnet {
        vpc_id: s.vpc_id.unwrap_or_default(),
        cidr_block: cidr,
        ipv6_cidr_blocks: ipv6,
        availability_zone: s.availability_zone,
        tags: tags(s.tags),
        subnet_id: id,
    })
}

fn permission(p: ec2::IpPermission, id: &str, is: &mut Issues) -> IpPermission {
    IpPermission {
        ip_protocol: is.proto(id, "IpProtocol", p.ip_protocol.as_deref()),
        from_port: p.from_port,
        to_port: p.to_port,
        ip_ranges: p
            .ip_ranges
            .into_iter()
            .flatten()
            .filter_map(|r| is.v4(id, "IpRanges.CidrIp", r.cidr_ip.as_deref()))
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges
            .into_iter()
            .flatten()
            .filter_map(|r| is.v6(id, "Ipv6Ranges.CidrIpv6", r.cidr_ipv6.as_deref()))
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids
            .into_iter()
            .flatten()
            .filter_map(|x| x.prefix_list_id)
            .collect(),
        user_id_group_pairs: p
            .user_id_group_pairs
            .into_iter()
            .flatten()
            .filter_map(|g| {
                Some(UserIdGroupPair {
                    group_id: g.group_id?,
                    user_id: g.user_id,
                    vpc_id: g.vpc_id,
                    vpc_peering_connection_id: g.vpc_peering_connection_id,
                    peering_status: g.peering_status,
                })
            })
            .collect(),
    }
}

/// `DescribeSecurityGroups` item.
pub fn security_group(g: ec2::SecurityGroup, is: &mut Issues) -> Option<SecurityGroup> {
    let id = g.group_id?;
    let ingress = g
        .ip_permissions
        .into_iter()
        .flatten()
        .map(|p| permission(p, &id, is))
        .collect();
    let egress = g
        .ip_permissions_egress
        .into_iter()
        .flatten()
        .map(|p| permission(p, &id, is))
        .collect();
    Some(SecurityGroup {
        group_name: g.group_name.unwrap_or_default(),
        vpc_id: g.vpc_id,
        owner_id: g.owner_id,
        ip_permissions: ingress,
        ip_permissions_egress: egress,
        tags: tags(g.tags),
        group_id: id,
    })
}

/// `DescribeNetworkAcls` item.
pub fn network_acl(a: ec2::NetworkAcl, is: &mut Issues) -> Option<NetworkAcl> {
    let id = a.network_acl_id?;
    let mut entries = Vec::new();
    for e in a.entries.into_iter().flatten() {
        let Some(n) = e.rule_number.and_then(|n| u16::try_from(n).ok()) else {
            is.0.push(format!(
                "{id}: an entry has RuleNumber {:?}; skipped",
                e.rule_number
            ));
            continue;
        };
        let protocol = is.proto(&id, "Entries.Protocol", e.protocol.as_deref());
        let port_range = e.port_range.and_then(|p| {
            let c = |v: Option<i32>| v.and_then(|v| u16::try_from(v).ok());
            Some(PortRange::new(c(p.from)?, c(p.to)?))
        });
        entries.push(NetworkAclEntry {
            rule_number: n,
            egress: e.egress.unwrap_or(false),
            protocol,
            rule_action: match e.rule_action.as_ref().map(|r| r.as_str()) {
                Some("allow") => RuleAction::Allow,
                _ => RuleAction::Deny,
            },
            cidr_block: is.v4(&id, "Entries.CidrBlock", e.cidr_block.as_deref()),
            ipv6_cidr_block: is.v6(&id, "Entries.Ipv6CidrBlock", e.ipv6_cidr_block.as_deref()),
            port_range,
            icmp_type_code: e.icmp_type_code.map(|i| IcmpTypeCode {
                icmp_type: i.r#type.unwrap_or(-1),
                code: i.code.unwrap_or(-1),
            }),
        });
    }
    Some(NetworkAcl {
        vpc_id: a.vpc_id.unwrap_or_default(),
        is_default: a.is_default.unwrap_or(false),
        entries,
        associated_subnet_ids: a
            .associations
            .into_iter()
            .flatten()
            .filter_map(|x| x.subnet_id)
            .collect(),
        tags: tags(a.tags),
        network_acl_id: id,
    })
}

/// `DescribeRouteTables` item.
pub fn route_table(r: ec2::RouteTable, is: &mut Issues) -> Option<RouteTable> {
    let id = r.route_table_id?;
    let routes = r
        .routes
        .into_iter()
        .flatten()
        .map(|x| Route {
            destination_cidr_block: is.v4(
                &id,
                "Routes.DestinationCidrBlock",
                x.destination_cidr_block.as_deref(),
            ),
            destination_ipv6_cidr_block: is.v6(
                &id,
                "Routes.DestinationIpv6CidrBlock",
                x.destination_ipv6_cidr_block.as_deref(),
            ),
            destination_prefix_list_id: x.destination_prefix_list_id,
            gateway_id: x.gateway_id,
            nat_gateway_id: x.nat_gateway_id,
            vpc_peering_connection_id: x.vpc_peering_connection_id,
            transit_gateway_id: x.transit_gateway_id,
            network_interface_id: x.network_interface_id,
            instance_id: x.instance_id,
            egress_only_internet_gateway_id: x.egress_only_internet_gateway_id,
            local_gateway_id: x.local_gateway_id,
            carrier_gateway_id: x.carrier_gateway_id,
            core_network_arn: x.core_network_arn,
            state: match x.state.as_ref().map(|s| s.as_str()) {
                Some("blackhole") => RouteState::Blackhole,
                _ => RouteState::Active,
            },
            origin: x.origin.map(|o| o.as_str().to_string()),
        })
        .collect();
    let associations = r
        .associations
        .into_iter()
        .flatten()
        .map(|a| RouteTableAssociation {
            main: a.main.unwrap_or(false),
            subnet_id: a.subnet_id,
            gateway_id: a.gateway_id,
            state: a
                .association_state
                .and_then(|s| s.state)
                .map(|s| s.as_str().to_string()),
        })
        .collect();
    Some(RouteTable {
        vpc_id: r.vpc_id.unwrap_or_default(),
        routes,
        associations,
        tags: tags(r.tags),
        route_table_id: id,
    })
}

fn peering_side(
    v: Option<ec2::VpcPeeringConnectionVpcInfo>,
    id: &str,
    is: &mut Issues,
) -> PeeringVpcInfo {
    let v = v.unwrap_or_else(|| ec2::VpcPeeringConnectionVpcInfo::builder().build());
    let mut cidr_blocks: Vec<Ipv4Net> = v
        .cidr_block_set
        .into_iter()
        .flatten()
        .filter_map(|c| is.v4(id, "CidrBlockSet.CidrBlock", c.cidr_block.as_deref()))
        .collect();
    if let Some(c) = is.v4(id, "CidrBlock", v.cidr_block.as_deref()) {
        if !cidr_blocks.contains(&c) {
            cidr_blocks.insert(0, c);
        }
    }
    PeeringVpcInfo {
        vpc_id: v.vpc_id.unwrap_or_default(),
        owner_id: v.owner_id,
        region: v.region,
        cidr_blocks,
        ipv6_cidr_blocks: v
            .ipv6_cidr_block_set
            .into_iter()
            .flatten()
            .filter_map(|c| is.v6(id, "Ipv6CidrBlockSet", c.ipv6_cidr_block.as_deref()))
            .collect(),
    }
}

/// `DescribeVpcPeeringConnections` item.
pub fn peering(p: ec2::VpcPeeringConnection, is: &mut Issues) -> Option<VpcPeeringConnection> {
    let id = p.vpc_peering_connection_id?;
    Some(VpcPeeringConnection {
        status_code: p
            .status
            .and_then(|s| s.code)
            .map(|c| c.as_str().into())
            .unwrap_or_default(),
        requester_vpc_info: peering_side(p.requester_vpc_info, &id, is),
        accepter_vpc_info: peering_side(p.accepter_vpc_info, &id, is),
        tags: tags(p.tags),
        vpc_peering_connection_id: id,
    })
}

/// `DescribeNetworkInterfaces` item. ENIs without a subnet or VPC (which the
/// API does not return) are skipped.
pub fn network_interface(e: ec2::NetworkInterface, is: &mut Issues) -> Option<NetworkInterface> {
    let id = e.network_interface_id?;
    let (Some(subnet_id), Some(vpc_id)) = (e.subnet_id, e.vpc_id) else {
        is.0.push(format!("{id}: no SubnetId or VpcId; skipped"));
        return None;
    };
    let mut private_ip_addresses: Vec<PrivateIpAddress> = Vec::new();
    for p in e.private_ip_addresses.into_iter().flatten() {
        if let Some(ip) = is.ip(
            &id,
            "PrivateIpAddresses.PrivateIpAddress",
            p.private_ip_address.as_deref(),
        ) {
            let public_ip = p
                .association
                .and_then(|a| a.public_ip)
                .and_then(|s| is.ip(&id, "Association.PublicIp", Some(&s)));
            private_ip_addresses.push(PrivateIpAddress {
                private_ip_address: ip,
                primary: p.primary.unwrap_or(false),
                public_ip,
            });
        }
    }
    let top = e
        .association
        .and_then(|a| a.public_ip)
        .and_then(|s| is.ip(&id, "Association.PublicIp", Some(&s)));
    if private_ip_addresses.is_empty() {
        if let Some(ip) = is.ip(&id, "PrivateIpAddress", e.private_ip_address.as_deref()) {
            private_ip_addresses.push(PrivateIpAddress {
                private_ip_address: ip,
                primary: true,
                public_ip: top,
            });
        }
    } else if let Some(primary) = private_ip_addresses
        .iter_mut()
        .find(|p| p.primary && p.public_ip.is_none())
    {
        // The interface's own `Association` is its primary address's
        // (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>).
        primary.public_ip = top;
    }
    Some(NetworkInterface {
        subnet_id: subnet_id.into(),
        vpc_id: vpc_id.into(),
        availability_zone: e.availability_zone.map(Into::into),
        description: e.description.unwrap_or_default().into(),
        interface_type: e.interface_type.map(|t| t.as_str().into()),
        requester_id: e.requester_id.map(Into::into),
        requester_managed: e.requester_managed.unwrap_or(false),
        status: e.status.map(|s| s.as_str().into()),
        private_ip_addresses,
        ipv6_addresses: e
            .ipv6_addresses
            .iter()
            .flatten()
            .filter_map(|a| a.ipv6_address.as_deref()?.parse().ok())
            .collect(),
        groups: e
            .groups
            .into_iter()
            .flatten()
            .filter_map(|g| g.group_id.map(Into::into))
            .collect(),
        attachment: e.attachment.map(|a| NetworkInterfaceAttachment {
            instance_id: a.instance_id.map(Into::into),
            status: a.status.map(|s| s.as_str().into()),
            device_index: a.device_index.map(i64::from),
        }),
        tags: tags(e.tag_set),
        network_interface_id: id.into(),
    })
}

/// `DescribeInstances` item (from a reservation).
pub fn instance(i: ec2::Instance, is: &mut Issues) -> Option<Instance> {
    let id = i.instance_id?;
    Some(Instance {
        state: i
            .state
            .and_then(|s| s.name)
            .map(|n| n.as_str().into())
            .unwrap_or_default(),
        platform: i.platform.map(|p| p.as_str().into()),
        subnet_id: i.subnet_id.map(Into::into),
        vpc_id: i.vpc_id.map(Into::into),
        private_ip_address: is.ip(&id, "PrivateIpAddress", i.private_ip_address.as_deref()),
        public_ip_address: is.ip(&id, "PublicIpAddress", i.public_ip_address.as_deref()),
        network_interface_ids: i
            .network_interfaces
            .into_iter()
            .flatten()
            .filter_map(|n| n.network_interface_id.map(Into::into))
            .collect(),
        tags: tags(i.tags),
        instance_id: id.into(),
    })
}

/// The VPC attachments of an internet or egress-only internet gateway
/// (both use `InternetGatewayAttachment`); one without a VPC is dropped.
fn gateway_attachments(
    a: Option<Vec<ec2::InternetGatewayAttachment>>,
) -> Vec<InternetGatewayAttachment> {
    a.into_iter()
        .flatten()
        .filter_map(|a| {
            Some(InternetGatewayAttachment {
                vpc_id: a.vpc_id?,
                state: a.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

/// `DescribeInternetGateways` item.
pub fn internet_gateway(g: ec2::InternetGateway) -> Option<InternetGateway> {
    Some(InternetGateway {
        internet_gateway_id: g.internet_gateway_id?,
        attachments: gateway_attachments(g.attachments),
        tags: tags(g.tags),
    })
}

/// `DescribeEgressOnlyInternetGateways` item; the attachment state is
/// `attached` for an attached gateway.
pub fn egress_only_internet_gateway(
    g: ec2::EgressOnlyInternetGateway,
) -> Option<netpath_model::EgressOnlyInternetGateway> {
    Some(netpath_model::EgressOnlyInternetGateway {
        egress_only_internet_gateway_id: g.egress_only_internet_gateway_id?,
        attachments: gateway_attachments(g.attachments),
        tags: tags(g.tags),
    })
}

/// `DescribeNatGateways` item.
pub fn nat_gateway(n: ec2::NatGateway, is: &mut Issues) -> Option<NatGateway> {
    let id = n.nat_gateway_id?;
    let addresses = n
        .nat_gateway_addresses
        .into_iter()
        .flatten()
        .map(|a| NatGatewayAddress {
            network_interface_id: a.network_interface_id,
            private_ip: is.ip(
                &id,
                "NatGatewayAddresses.PrivateIp",
                a.private_ip.as_deref(),
            ),
            public_ip: is.ip(&id, "NatGatewayAddresses.PublicIp", a.public_ip.as_deref()),
        })
        .collect();
    Some(NatGateway {
        vpc_id: n.vpc_id.unwrap_or_default(),
        subnet_id: n.subnet_id.unwrap_or_default(),
        state: n.state.map(|s| s.as_str().into()).unwrap_or_default(),
        connectivity_type: n.connectivity_type.map(|c| c.as_str().to_string()),
        addresses,
        tags: tags(n.tags),
        nat_gateway_id: id,
    })
}

/// `DescribeManagedPrefixLists` item with its entries
/// (`GetManagedPrefixListEntries`); `entries: None` when they could not be read.
pub fn prefix_list(
    p: ec2::ManagedPrefixList,
    entries: Option<Vec<ec2::PrefixListEntry>>,
    is: &mut Issues,
) -> Option<PrefixList> {
    let id = p.prefix_list_id?;
    let cidrs = entries.map(|es| {
        es.into_iter()
            .filter_map(|e| {
                let c = e.cidr?;
                match c.parse::<IpNet>() {
                    Ok(n) => Some(n.trunc()),
                    Err(_) => {
                        is.0.push(format!("{id}: entry `{c}` is not a CIDR; skipped"));
                        None
                    }
                }
            })
            .collect()
    });
    Some(PrefixList {
        prefix_list_name: p.prefix_list_name.unwrap_or_default(),
        cidrs,
        prefix_list_id: id,
    })
}

/// `DescribeDBInstances` item.
pub fn db_instance(d: rds::DbInstance) -> Option<DbInstance> {
    Some(DbInstance {
        db_instance_identifier: d.db_instance_identifier?,
        db_instance_status: d.db_instance_status.unwrap_or_default().into(),
        engine: d.engine,
        endpoint: d.endpoint.and_then(|e| {
            Some(DbEndpoint {
                address: e.address.unwrap_or_default(),
                port: u16::try_from(e.port?).ok()?,
                resolved_addresses: Vec::new(),
            })
        }),
        db_subnet_group: d.db_subnet_group.map(|g| DbSubnetGroup {
            name: g.db_subnet_group_name.unwrap_or_default(),
            vpc_id: g.vpc_id,
            subnet_ids: g
                .subnets
                .into_iter()
                .flatten()
                .filter_map(|s| s.subnet_identifier)
                .collect(),
        }),
        vpc_security_group_ids: d
            .vpc_security_groups
            .into_iter()
            .flatten()
            .filter_map(|g| g.vpc_security_group_id)
            .collect(),
        multi_az: d.multi_az.unwrap_or(false),
        publicly_accessible: d.publicly_accessible.unwrap_or(false),
        availability_zone: d.availability_zone,
    })
}
