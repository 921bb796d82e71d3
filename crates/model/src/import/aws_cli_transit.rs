//! The raw AWS CLI shapes (PascalCase) of transit gateways, their
//! attachments, route tables, routes and propagations, in the layout the
//! describe-* output and Batfish use:
//! - `TransitGateways` (`describe-transit-gateways`);
//! - `TransitGatewayAttachments` (`describe-transit-gateway-attachments`);
//! - `TransitGatewayVpcAttachments` (`describe-transit-gateway-vpc-attachments`);
//! - `TransitGatewayPeeringAttachments` (`describe-transit-gateway-peering-attachments`);
//! - `TransitGatewayRouteTables` (`describe-transit-gateway-route-tables`);
//! - `TransitGatewayStaticRoutes`: one item per route table, its
//!   `TransitGatewayRouteTableId` beside the `Routes` and
//!   `AdditionalRoutesAvailable` of `search-transit-gateway-routes`;
//! - `TransitGatewayPropagations`: one item per route table, its
//!   `TransitGatewayRouteTableId` beside the
//!   `TransitGatewayRouteTablePropagations` of
//!   `get-transit-gateway-route-table-propagations`.
//!
//! Shapes: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGateway.html>
//! and its siblings linked from `crate::resources::transit_gateway`.

use std::path::Path;

use ipnet::IpNet;
use serde::Deserialize;

use super::aws_cli::{tags, AwsItem, RawTag};
use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTransitGateway {
    transit_gateway_id: String,
    owner_id: Option<String>,
    state: Option<String>,
    options: Option<RawTgwOptions>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTgwOptions {
    association_default_route_table_id: Option<String>,
    propagation_default_route_table_id: Option<String>,
    security_group_referencing_support: Option<String>,
}

impl AwsItem for RawTransitGateway {
    type Model = TransitGateway;
    type Slot = Vec<TransitGateway>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateways
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<TransitGateway, ModelError> {
        let o = self.options;
        Ok(TransitGateway {
            transit_gateway_id: self.transit_gateway_id,
            owner_id: self.owner_id,
            state: self.state.unwrap_or_default(),
            options: o
                .map(|o| TransitGatewayOptions {
                    association_default_route_table_id: o.association_default_route_table_id,
                    propagation_default_route_table_id: o.propagation_default_route_table_id,
                    security_group_referencing_support: o.security_group_referencing_support,
                })
                .unwrap_or_default(),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwAttachment {
    transit_gateway_attachment_id: String,
    transit_gateway_id: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    resource_owner_id: Option<String>,
    state: Option<String>,
    association: Option<RawTgwAssociation>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTgwAssociation {
    transit_gateway_route_table_id: String,
    state: Option<String>,
}

impl AwsItem for RawTgwAttachment {
    type Model = TransitGatewayAttachment;
    type Slot = Vec<TransitGatewayAttachment>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_attachments
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<TransitGatewayAttachment, ModelError> {
        Ok(TransitGatewayAttachment {
            transit_gateway_attachment_id: self.transit_gateway_attachment_id,
            transit_gateway_id: self.transit_gateway_id,
            resource_type: self.resource_type.unwrap_or_default(),
            resource_id: self.resource_id,
            resource_owner_id: self.resource_owner_id,
            state: self.state.unwrap_or_default(),
            association: self
                .association
                .map(|a| TransitGatewayAttachmentAssociation {
                    transit_gateway_route_table_id: a.transit_gateway_route_table_id,
                    state: a.state.unwrap_or_else(|| "associated".into()),
                }),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwVpcAttachment {
    transit_gateway_attachment_id: String,
    transit_gateway_id: String,
    vpc_id: String,
    vpc_owner_id: Option<String>,
    state: Option<String>,
    subnet_ids: Option<Vec<String>>,
    options: Option<RawVpcAttachmentOptions>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpcAttachmentOptions {
    appliance_mode_support: Option<String>,
    security_group_referencing_support: Option<String>,
    ipv6_support: Option<String>,
}

impl AwsItem for RawTgwVpcAttachment {
    type Model = TransitGatewayVpcAttachment;
    type Slot = Vec<TransitGatewayVpcAttachment>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_vpc_attachments
    }
    fn into_model(
        self,
        _: &Path,
        _: Option<&str>,
    ) -> Result<TransitGatewayVpcAttachment, ModelError> {
        let o = self.options;
        Ok(TransitGatewayVpcAttachment {
            transit_gateway_attachment_id: self.transit_gateway_attachment_id,
            transit_gateway_id: self.transit_gateway_id,
            vpc_id: self.vpc_id,
            vpc_owner_id: self.vpc_owner_id,
            state: self.state.unwrap_or_default(),
            subnet_ids: self.subnet_ids.unwrap_or_default(),
            appliance_mode_support: o.as_ref().and_then(|o| o.appliance_mode_support.clone()),
            security_group_referencing_support: o
                .as_ref()
                .and_then(|o| o.security_group_referencing_support.clone()),
            ipv6_support: o.and_then(|o| o.ipv6_support),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwPeeringAttachment {
    transit_gateway_attachment_id: String,
    accepter_transit_gateway_attachment_id: Option<String>,
    requester_tgw_info: RawPeeringTgwInfo,
    accepter_tgw_info: RawPeeringTgwInfo,
    state: Option<String>,
    status: Option<RawPeeringStatus>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeeringTgwInfo {
    transit_gateway_id: String,
    owner_id: Option<String>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeeringStatus {
    message: Option<String>,
}

impl From<RawPeeringTgwInfo> for PeeringTgwInfo {
    fn from(r: RawPeeringTgwInfo) -> Self {
        PeeringTgwInfo {
            transit_gateway_id: r.transit_gateway_id,
            owner_id: r.owner_id,
            region: r.region,
        }
    }
}

impl AwsItem for RawTgwPeeringAttachment {
    type Model = TransitGatewayPeeringAttachment;
    type Slot = Vec<TransitGatewayPeeringAttachment>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_peering_attachments
    }
    fn into_model(
        self,
        _: &Path,
        _: Option<&str>,
    ) -> Result<TransitGatewayPeeringAttachment, ModelError> {
        Ok(TransitGatewayPeeringAttachment {
            transit_gateway_attachment_id: self.transit_gateway_attachment_id,
            accepter_transit_gateway_attachment_id: self.accepter_transit_gateway_attachment_id,
            requester_tgw_info: self.requester_tgw_info.into(),
            accepter_tgw_info: self.accepter_tgw_info.into(),
            state: self.state.unwrap_or_default(),
            status_message: self.status.and_then(|s| s.message),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwRouteTable {
    transit_gateway_route_table_id: String,
    transit_gateway_id: String,
    state: Option<String>,
    default_association_route_table: Option<bool>,
    default_propagation_route_table: Option<bool>,
    tags: Option<Vec<RawTag>>,
}

impl AwsItem for RawTgwRouteTable {
    type Model = TransitGatewayRouteTable;
    type Slot = Vec<TransitGatewayRouteTable>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_route_tables
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<TransitGatewayRouteTable, ModelError> {
        Ok(TransitGatewayRouteTable {
            transit_gateway_route_table_id: self.transit_gateway_route_table_id,
            transit_gateway_id: self.transit_gateway_id,
            state: self.state.unwrap_or_default(),
            default_association_route_table: self.default_association_route_table.unwrap_or(false),
            default_propagation_route_table: self.default_propagation_route_table.unwrap_or(false),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwRoutes {
    transit_gateway_route_table_id: String,
    routes: Option<Vec<RawTgwRoute>>,
    additional_routes_available: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTgwRoute {
    destination_cidr_block: Option<String>,
    prefix_list_id: Option<String>,
    #[serde(rename = "Type")]
    route_type: Option<String>,
    state: Option<String>,
    transit_gateway_attachments: Option<Vec<RawTgwRouteAttachment>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTgwRouteAttachment {
    transit_gateway_attachment_id: String,
    resource_id: Option<String>,
    resource_type: Option<String>,
}

impl AwsItem for RawTgwRoutes {
    type Model = TransitGatewayRouteTableRoutes;
    type Slot = Vec<TransitGatewayRouteTableRoutes>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_routes
    }
    fn into_model(
        self,
        path: &Path,
        _: Option<&str>,
    ) -> Result<TransitGatewayRouteTableRoutes, ModelError> {
        let table = self.transit_gateway_route_table_id;
        let mut routes = Vec::new();
        for (i, r) in self.routes.into_iter().flatten().enumerate() {
            let destination_cidr_block = match r.destination_cidr_block {
                None => None,
                Some(s) => Some(s.parse::<IpNet>().map_err(|e| ModelError::Field {
                    path: path.to_path_buf(),
                    resource: table.clone(),
                    field: format!("Routes[{i}].DestinationCidrBlock"),
                    message: format!("{s:?} is not a CIDR ({e}); expected e.g. 10.0.0.0/16"),
                })?),
            };
            routes.push(TransitGatewayRoute {
                destination_cidr_block: destination_cidr_block.map(|c| c.trunc()),
                prefix_list_id: r.prefix_list_id,
                route_type: r.route_type.unwrap_or_else(|| "static".into()),
                state: r.state.unwrap_or_else(|| "active".into()),
                transit_gateway_attachments: r
                    .transit_gateway_attachments
                    .into_iter()
                    .flatten()
                    .map(|a| TransitGatewayRouteAttachment {
                        transit_gateway_attachment_id: a.transit_gateway_attachment_id,
                        resource_id: a.resource_id,
                        resource_type: a.resource_type,
                    })
                    .collect(),
            });
        }
        Ok(TransitGatewayRouteTableRoutes {
            transit_gateway_route_table_id: table,
            routes,
            additional_routes_available: self.additional_routes_available.unwrap_or(false),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTgwPropagations {
    transit_gateway_route_table_id: String,
    transit_gateway_route_table_propagations: Option<Vec<RawTgwPropagation>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTgwPropagation {
    transit_gateway_attachment_id: String,
    resource_id: Option<String>,
    resource_type: Option<String>,
    state: Option<String>,
}

impl AwsItem for RawTgwPropagations {
    type Model = TransitGatewayRouteTablePropagations;
    type Slot = Vec<TransitGatewayRouteTablePropagations>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.transit_gateway_propagations
    }
    fn into_model(
        self,
        _: &Path,
        _: Option<&str>,
    ) -> Result<TransitGatewayRouteTablePropagations, ModelError> {
        Ok(TransitGatewayRouteTablePropagations {
            transit_gateway_route_table_id: self.transit_gateway_route_table_id,
            propagations: self
                .transit_gateway_route_table_propagations
                .into_iter()
                .flatten()
                .map(|p| TransitGatewayPropagation {
                    transit_gateway_attachment_id: p.transit_gateway_attachment_id,
                    resource_id: p.resource_id,
                    resource_type: p.resource_type,
                    state: p.state.unwrap_or_else(|| "enabled".into()),
                })
                .collect(),
        })
    }
}
