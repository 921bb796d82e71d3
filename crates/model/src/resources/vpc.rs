//! VPCs (`DescribeVpcs`) and subnets (`DescribeSubnets`).

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::tags::Tags;

/// A VPC (`DescribeVpcs`). Only `associated` CIDR blocks are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-...`.
    pub vpc_id: String,
    /// Owning account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Region the VPC was read from (from the folder name or the collector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// IPv4 CIDR blocks in state `associated` (the primary block first).
    pub cidr_blocks: Vec<Ipv4Net>,
    /// IPv6 CIDR blocks in state `associated`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    /// `IsDefault`.
    #[serde(default)]
    pub is_default: bool,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A subnet (`DescribeSubnets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-...`.
    pub subnet_id: String,
    /// The VPC holding the subnet.
    pub vpc_id: String,
    /// The subnet's IPv4 CIDR.
    pub cidr_block: Ipv4Net,
    /// Associated IPv6 CIDR blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    /// Availability Zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}
