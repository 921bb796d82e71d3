//! Transit gateways and what hangs off them: `DescribeTransitGateways`,
//! `DescribeTransitGatewayAttachments`, `DescribeTransitGatewayVpcAttachments`,
//! `DescribeTransitGatewayRouteTables`, the routes of each route table
//! (`SearchTransitGatewayRoutes`, Batfish's `TransitGatewayStaticRoutes`) and
//! its propagations (`GetTransitGatewayRouteTablePropagations`, Batfish's
//! `TransitGatewayPropagations`).
//!
//! Each type mirrors one API shape; the routes and propagations are kept per
//! route table, as the API returns them. Nothing here decides a path: that is
//! `netpath-engine`'s `walk/transit_gateway.rs`.
//!
//! Sources: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGateway.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayAttachment.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayVpcAttachment.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRouteTable.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRoute.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayRouteTablePropagation.html>.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::tags::Tags;

/// A transit gateway (`DescribeTransitGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGateway {
    /// `tgw-...`.
    pub transit_gateway_id: String,
    /// The owning account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// `available`, `pending`, `modifying`, `deleting`, `deleted`.
    pub state: String,
    /// `Options`.
    #[serde(default)]
    pub options: TransitGatewayOptions,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A transit gateway's `Options` that affect a path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayOptions {
    /// `AssociationDefaultRouteTableId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association_default_route_table_id: Option<String>,
    /// `PropagationDefaultRouteTableId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_default_route_table_id: Option<String>,
    /// `SecurityGroupReferencingSupport`: `enable` or `disable`; absent in
    /// captures from before the feature existed, which means disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_referencing_support: Option<String>,
}

/// An attachment's association with a route table (`Association`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayAttachmentAssociation {
    /// `tgw-rtb-...`.
    pub transit_gateway_route_table_id: String,
    /// `associating`, `associated`, `disassociating`, `disassociated`.
    pub state: String,
}

/// One attachment of any type (`DescribeTransitGatewayAttachments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayAttachment {
    /// `tgw-attach-...`.
    pub transit_gateway_attachment_id: String,
    /// `tgw-...`.
    pub transit_gateway_id: String,
    /// `vpc`, `vpn`, `direct-connect-gateway`, `peering`, `connect`, ...
    pub resource_type: String,
    /// The attached resource: `vpc-...`, `vpn-...`, a peer `tgw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The account that owns the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_owner_id: Option<String>,
    /// `available`, `pending`, `deleted`, ...: only `available` carries traffic.
    pub state: String,
    /// The route table the attachment is associated with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<TransitGatewayAttachmentAssociation>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl TransitGatewayAttachment {
    /// True when the attachment is `available`, the only state in which it
    /// carries traffic.
    pub fn is_available(&self) -> bool {
        self.state == "available"
    }

    /// The route table of an `associated` association.
    pub fn associated_route_table(&self) -> Option<&str> {
        self.association
            .as_ref()
            .filter(|a| a.state == "associated")
            .map(|a| a.transit_gateway_route_table_id.as_str())
    }
}

/// A VPC attachment (`DescribeTransitGatewayVpcAttachments`): the subnets,
/// one per Availability Zone, through which the VPC reaches the transit
/// gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayVpcAttachment {
    /// `tgw-attach-...`.
    pub transit_gateway_attachment_id: String,
    /// `tgw-...`.
    pub transit_gateway_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// The VPC's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_owner_id: Option<String>,
    /// `available`, `pending`, `deleted`, ...
    pub state: String,
    /// The attachment subnets, at most one per Availability Zone.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// `Options.ApplianceModeSupport`: `enable` or `disable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appliance_mode_support: Option<String>,
    /// `Options.SecurityGroupReferencingSupport`: `enable` or `disable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_referencing_support: Option<String>,
    /// `Options.Ipv6Support`: `enable` or `disable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_support: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A transit gateway route table (`DescribeTransitGatewayRouteTables`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayRouteTable {
    /// `tgw-rtb-...`.
    pub transit_gateway_route_table_id: String,
    /// `tgw-...`.
    pub transit_gateway_id: String,
    /// `available`, `pending`, `deleting`, `deleted`.
    pub state: String,
    /// The transit gateway's default association table.
    #[serde(default)]
    pub default_association_route_table: bool,
    /// The transit gateway's default propagation table.
    #[serde(default)]
    pub default_propagation_route_table: bool,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// The routes read for one route table (`SearchTransitGatewayRoutes`, or
/// Batfish's `TransitGatewayStaticRoutes`, which holds the static ones only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayRouteTableRoutes {
    /// `tgw-rtb-...`.
    pub transit_gateway_route_table_id: String,
    /// The routes.
    #[serde(default)]
    pub routes: Vec<TransitGatewayRoute>,
    /// `AdditionalRoutesAvailable`: the search stopped at its limit, so the
    /// list is not the whole table.
    #[serde(default)]
    pub additional_routes_available: bool,
}

/// One transit gateway route (`TransitGatewayRoute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayRoute {
    /// The destination CIDR (IPv4 or IPv6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<IpNet>,
    /// A prefix-list destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list_id: Option<String>,
    /// `static` or `propagated`.
    #[serde(rename = "type")]
    pub route_type: String,
    /// `active`, `blackhole`, `pending`, `deleting`, `deleted`.
    pub state: String,
    /// The attachments the route sends to (none for a blackhole).
    #[serde(default)]
    pub transit_gateway_attachments: Vec<TransitGatewayRouteAttachment>,
}

/// A route's target attachment (`TransitGatewayRouteAttachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayRouteAttachment {
    /// `tgw-attach-...`.
    pub transit_gateway_attachment_id: String,
    /// The attached resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `vpc`, `vpn`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
}

/// The propagations into one route table
/// (`GetTransitGatewayRouteTablePropagations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayRouteTablePropagations {
    /// `tgw-rtb-...`.
    pub transit_gateway_route_table_id: String,
    /// The attachments propagating into it.
    #[serde(default)]
    pub propagations: Vec<TransitGatewayPropagation>,
}

/// One propagation (`TransitGatewayRouteTablePropagation`): the attachment
/// installs its resource's routes (a VPC attachment: the VPC's CIDRs) in the
/// table while `enabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransitGatewayPropagation {
    /// `tgw-attach-...`.
    pub transit_gateway_attachment_id: String,
    /// The attached resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// `vpc`, `vpn`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// `enabling`, `enabled`, `disabling`, `disabled`.
    pub state: String,
}
