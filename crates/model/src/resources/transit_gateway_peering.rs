//! Transit gateway peering attachments (`DescribeTransitGatewayPeeringAttachments`):
//! which two transit gateways a peering joins, in which accounts and
//! Regions, and whether it is `available`.
//!
//! A peering attachment is listed by `DescribeTransitGatewayAttachments` on
//! both gateways, with resource type `peering` and the peer gateway as its
//! resource, each side with its own route table association; both sides
//! share one attachment id unless `AccepterTransitGatewayAttachmentId`
//! says otherwise. Routes across a peering are static: a peering attachment
//! does not propagate.
//!
//! Sources: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayPeeringAttachment.html>,
//! <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>.

use serde::{Deserialize, Serialize};

use super::tags::Tags;

/// One side of a peering (`RequesterTgwInfo` / `AccepterTgwInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeeringTgwInfo {
    /// `tgw-...`.
    pub transit_gateway_id: String,
    /// The account that owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Its Region, `us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A transit gateway peering attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayPeeringAttachment {
    /// `tgw-attach-...`: the requester's attachment id (and the accepter's,
    /// unless [`Self::accepter_transit_gateway_attachment_id`] is set).
    pub transit_gateway_attachment_id: String,
    /// `AccepterTransitGatewayAttachmentId`, when the accepter's side has
    /// an id of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepter_transit_gateway_attachment_id: Option<String>,
    /// The gateway that requested the peering.
    pub requester_tgw_info: PeeringTgwInfo,
    /// The gateway that accepted it.
    pub accepter_tgw_info: PeeringTgwInfo,
    /// `available`, `pendingAcceptance`, `rejected`, `deleted`, ...: only
    /// `available` carries traffic.
    pub state: String,
    /// `Status.Message`, when AWS gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl TransitGatewayPeeringAttachment {
    /// The attachment id on gateway `tgw`'s side, `None` when `tgw` is
    /// neither side.
    pub fn attachment_on(&self, tgw: &str) -> Option<&str> {
        if self.requester_tgw_info.transit_gateway_id == tgw {
            Some(&self.transit_gateway_attachment_id)
        } else if self.accepter_tgw_info.transit_gateway_id == tgw {
            Some(
                self.accepter_transit_gateway_attachment_id
                    .as_deref()
                    .unwrap_or(&self.transit_gateway_attachment_id),
            )
        } else {
            None
        }
    }

    /// The other side of the peering, seen from gateway `tgw`.
    pub fn peer_of(&self, tgw: &str) -> Option<&PeeringTgwInfo> {
        if self.requester_tgw_info.transit_gateway_id == tgw {
            Some(&self.accepter_tgw_info)
        } else if self.accepter_tgw_info.transit_gateway_id == tgw {
            Some(&self.requester_tgw_info)
        } else {
            None
        }
    }

    /// True when one of its two attachment ids is `id`.
    pub fn has_id(&self, id: &str) -> bool {
        self.transit_gateway_attachment_id == id
            || self.accepter_transit_gateway_attachment_id.as_deref() == Some(id)
    }
}
