//! Security groups (`DescribeSecurityGroups`) and their rules.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::protocol::{Direction, IpProtocol};
use super::tags::Tags;

/// A security group (`DescribeSecurityGroups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub group_id: String,
    /// `GroupName`.
    #[serde(default)]
    pub group_name: String,
    /// The VPC of the group (absent only for EC2-Classic groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Owning account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Inbound rules (`IpPermissions`).
    #[serde(default)]
    pub ip_permissions: Vec<IpPermission>,
    /// Outbound rules (`IpPermissionsEgress`).
    #[serde(default)]
    pub ip_permissions_egress: Vec<IpPermission>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl SecurityGroup {
    /// The rules of one direction: `IpPermissions` for [`Direction::Ingress`],
    /// `IpPermissionsEgress` for [`Direction::Egress`]. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroup.html>.
    pub fn permissions(&self, direction: Direction) -> &[IpPermission] {
        match direction {
            Direction::Ingress => &self.ip_permissions,
            Direction::Egress => &self.ip_permissions_egress,
        }
    }
}

/// One security-group rule set (`IpPermission`): a protocol and port range,
/// with every peer it admits.
///
/// Ports: for TCP/UDP `from_port..=to_port`; for ICMP they hold type and code;
/// for protocol `-1` they are absent. Source:
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpPermission {
    /// Protocol, `-1` for all.
    pub ip_protocol: IpProtocol,
    /// `FromPort` (TCP/UDP port, or ICMP type; `-1` means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// `ToPort` (TCP/UDP port, or ICMP code; `-1` means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 peers (`IpRanges[].CidrIp`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<Ipv4Net>,
    /// IPv6 peers (`Ipv6Ranges[].CidrIpv6`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<Ipv6Net>,
    /// Prefix-list peers (`PrefixListIds[].PrefixListId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<String>,
    /// Security-group peers (`UserIdGroupPairs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

/// A rule peer that is another security group (`UserIdGroupPair`), possibly in
/// a peered VPC or another account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIdGroupPair {
    /// The referenced group.
    pub group_id: String,
    /// Account owning the referenced group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// VPC of the referenced group, when it is in a peered VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The peering connection the reference goes through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// `PeeringStatus` as reported by the API (e.g. `active`, `deleted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_status: Option<String>,
}
