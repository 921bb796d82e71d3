//! Internet gateways (`DescribeInternetGateways`) and NAT gateways
//! (`DescribeNatGateways`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::api_state::api_state;
use super::tags::Tags;

api_state! {
    /// `State` of a NAT gateway (`NatGatewayState`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html>.
    pub enum NatGatewayState {
        /// `pending`: being created.
        Pending = "pending",
        /// `failed` to be created.
        Failed = "failed",
        /// `available`: it forwards traffic.
        Available = "available",
        /// `deleting`.
        Deleting = "deleting",
        /// `deleted`.
        Deleted = "deleted",
    }
}

/// An internet gateway (`DescribeInternetGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGateway {
    /// `igw-...`.
    pub internet_gateway_id: String,
    /// VPC attachments.
    #[serde(default)]
    pub attachments: Vec<InternetGatewayAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// An internet gateway's attachment to a VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGatewayAttachment {
    /// The VPC.
    pub vpc_id: String,
    /// `available` (the API's word for attached), `attaching`, `detaching`, `detached`.
    pub state: String,
}

/// An egress-only internet gateway (`DescribeEgressOnlyInternetGateways`):
/// IPv6 traffic out to the internet and its replies back, never a
/// connection started from the internet
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EgressOnlyInternetGateway {
    /// `eigw-...`.
    pub egress_only_internet_gateway_id: String,
    /// VPC attachments; the API says `attached` for an attached gateway.
    #[serde(default)]
    pub attachments: Vec<InternetGatewayAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A NAT gateway (`DescribeNatGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGateway {
    /// `nat-...`.
    pub nat_gateway_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// The subnet it lives in.
    pub subnet_id: String,
    /// `available`, `pending`, `failed`, `deleting`, `deleted`.
    pub state: NatGatewayState,
    /// `public` or `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity_type: Option<String>,
    /// Its addresses.
    #[serde(default)]
    pub addresses: Vec<NatGatewayAddress>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl NatGateway {
    /// True when `State` is `available`, the only state in which it forwards
    /// traffic. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html>.
    pub fn is_available(&self) -> bool {
        self.state == NatGatewayState::Available
    }
}

/// One NAT gateway address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGatewayAddress {
    /// The gateway's ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// Private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Ipv4Addr>,
    /// Elastic IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}
