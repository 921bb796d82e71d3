//! The raw AWS CLI shapes of the filtering resources: security groups
//! (`DescribeSecurityGroups`) and network ACLs (`DescribeNetworkAcls`).
//!
//! Shapes: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroup.html>
//! and <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkAcl.html>.

use std::path::Path;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Deserialize;

use super::aws_cli::{tags, AwsItem, RawTag};
use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawSecurityGroup {
    group_id: String,
    group_name: Option<String>,
    vpc_id: Option<String>,
    owner_id: Option<String>,
    ip_permissions: Option<Vec<RawIpPermission>>,
    ip_permissions_egress: Option<Vec<RawIpPermission>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpPermission {
    ip_protocol: IpProtocol,
    from_port: Option<i32>,
    to_port: Option<i32>,
    ip_ranges: Option<Vec<RawIpRange>>,
    ipv6_ranges: Option<Vec<RawIpv6Range>>,
    prefix_list_ids: Option<Vec<RawPrefixListId>>,
    user_id_group_pairs: Option<Vec<RawUserIdGroupPair>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpRange {
    cidr_ip: Ipv4Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6Range {
    cidr_ipv6: Ipv6Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrefixListId {
    prefix_list_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawUserIdGroupPair {
    group_id: String,
    user_id: Option<String>,
    vpc_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    peering_status: Option<String>,
}

impl RawIpPermission {
    fn into_model(self) -> IpPermission {
        IpPermission {
            ip_protocol: self.ip_protocol,
            from_port: self.from_port,
            to_port: self.to_port,
            ip_ranges: self
                .ip_ranges
                .into_iter()
                .flatten()
                .map(|r| r.cidr_ip.trunc())
                .collect(),
            ipv6_ranges: self
                .ipv6_ranges
                .into_iter()
                .flatten()
                .map(|r| r.cidr_ipv6.trunc())
                .collect(),
            prefix_list_ids: self
                .prefix_list_ids
                .into_iter()
                .flatten()
                .map(|p| p.prefix_list_id)
                .collect(),
            user_id_group_pairs: self
                .user_id_group_pairs
                .into_iter()
                .flatten()
                .map(|p| UserIdGroupPair {
                    group_id: p.group_id,
                    user_id: p.user_id,
                    vpc_id: p.vpc_id,
                    vpc_peering_connection_id: p.vpc_peering_connection_id,
                    peering_status: p.peering_status,
                })
                .collect(),
        }
    }
}

impl AwsItem for RawSecurityGroup {
    type Model = SecurityGroup;
    type Slot = Vec<SecurityGroup>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.security_groups
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<SecurityGroup, ModelError> {
        Ok(SecurityGroup {
            group_id: self.group_id,
            group_name: self.group_name.unwrap_or_default(),
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            ip_permissions: self
                .ip_permissions
                .into_iter()
                .flatten()
                .map(RawIpPermission::into_model)
                .collect(),
            ip_permissions_egress: self
                .ip_permissions_egress
                .into_iter()
                .flatten()
                .map(RawIpPermission::into_model)
                .collect(),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawNetworkAcl {
    network_acl_id: String,
    vpc_id: String,
    is_default: Option<bool>,
    entries: Vec<RawNetworkAclEntry>,
    associations: Option<Vec<RawNetworkAclAssociation>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkAclEntry {
    rule_number: u16,
    egress: bool,
    protocol: IpProtocol,
    rule_action: RuleAction,
    cidr_block: Option<Ipv4Net>,
    ipv6_cidr_block: Option<Ipv6Net>,
    port_range: Option<RawPortRange>,
    icmp_type_code: Option<RawIcmpTypeCode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIcmpTypeCode {
    code: Option<i32>,
    r#type: Option<i32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPortRange {
    from: u16,
    to: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkAclAssociation {
    subnet_id: Option<String>,
}

impl AwsItem for RawNetworkAcl {
    type Model = NetworkAcl;
    type Slot = Vec<NetworkAcl>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.network_acls
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<NetworkAcl, ModelError> {
        Ok(NetworkAcl {
            network_acl_id: self.network_acl_id,
            vpc_id: self.vpc_id,
            is_default: self.is_default.unwrap_or(false),
            entries: self
                .entries
                .into_iter()
                .map(|e| NetworkAclEntry {
                    rule_number: e.rule_number,
                    egress: e.egress,
                    protocol: e.protocol,
                    rule_action: e.rule_action,
                    cidr_block: e.cidr_block.map(|c| c.trunc()),
                    ipv6_cidr_block: e.ipv6_cidr_block.map(|c| c.trunc()),
                    port_range: e.port_range.map(|p| PortRange::new(p.from, p.to)),
                    icmp_type_code: e.icmp_type_code.map(|i| IcmpTypeCode {
                        icmp_type: i.r#type.unwrap_or(-1),
                        code: i.code.unwrap_or(-1),
                    }),
                })
                .collect(),
            associated_subnet_ids: self
                .associations
                .into_iter()
                .flatten()
                .filter_map(|a| a.subnet_id)
                .collect(),
            tags: tags(self.tags),
        })
    }
}
