//! VPC peering connections (`DescribeVpcPeeringConnections`).

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::api_state::api_state;
use super::tags::Tags;

api_state! {
    /// `Status.Code` of a VPC peering connection
    /// (`VpcPeeringConnectionStateReason.Code`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub enum VpcPeeringConnectionStateReasonCode {
        /// `initiating-request`: the request is being set up.
        InitiatingRequest = "initiating-request",
        /// `pending-acceptance`: waiting for the accepter.
        PendingAcceptance = "pending-acceptance",
        /// `active`: traffic can flow.
        Active = "active",
        /// `deleted`.
        Deleted = "deleted",
        /// `rejected` by the accepter.
        Rejected = "rejected",
        /// `failed` (e.g. overlapping CIDRs).
        Failed = "failed",
        /// `expired`: not accepted in time.
        Expired = "expired",
        /// `provisioning`: accepted, being set up.
        Provisioning = "provisioning",
        /// `deleting`.
        Deleting = "deleting",
    }
}

/// A VPC peering connection (`DescribeVpcPeeringConnections`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcPeeringConnection {
    /// `pcx-...`.
    pub vpc_peering_connection_id: String,
    /// `Status.Code`: `active`, `pending-acceptance`, `deleted`, `rejected`, ...
    pub status_code: VpcPeeringConnectionStateReasonCode,
    /// The side that asked for the peering.
    pub requester_vpc_info: PeeringVpcInfo,
    /// The side that accepted it.
    pub accepter_vpc_info: PeeringVpcInfo,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl VpcPeeringConnection {
    /// True when `Status.Code` is `active`, the only state in which traffic
    /// crosses the peering. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub fn is_active(&self) -> bool {
        self.status_code == VpcPeeringConnectionStateReasonCode::Active
    }

    /// True when `Status.Code` is `pending-acceptance`: the accepter has not
    /// accepted yet. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub fn is_pending_acceptance(&self) -> bool {
        self.status_code == VpcPeeringConnectionStateReasonCode::PendingAcceptance
    }
}

/// One side of a peering connection (`VpcPeeringConnectionVpcInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeeringVpcInfo {
    /// The VPC on this side.
    pub vpc_id: String,
    /// Its account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Its region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// IPv4 CIDR blocks shared over the peering (`CidrBlockSet`).
    #[serde(default)]
    pub cidr_blocks: Vec<Ipv4Net>,
    /// IPv6 CIDR blocks shared over the peering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
}
