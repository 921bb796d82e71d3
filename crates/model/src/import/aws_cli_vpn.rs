//! The raw AWS CLI shapes (PascalCase) of `describe-vpn-gateways`
//! (`VpnGateways`) and `describe-vpn-connections` (`VpnConnections`); the
//! connection's `CustomerGatewayConfiguration` (an XML blob) is not read.
//!
//! Shapes: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnGateway.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnConnection.html>.

use std::path::Path;

use ipnet::IpNet;
use serde::Deserialize;

use super::aws_cli::{tags, AwsItem, RawTag};
use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawVpnGateway {
    vpn_gateway_id: String,
    state: Option<String>,
    vpc_attachments: Option<Vec<RawVgwAttachment>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVgwAttachment {
    vpc_id: String,
    state: String,
}

impl AwsItem for RawVpnGateway {
    type Model = VpnGateway;
    type Slot = Vec<VpnGateway>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpn_gateways
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<VpnGateway, ModelError> {
        Ok(VpnGateway {
            vpn_gateway_id: self.vpn_gateway_id,
            state: self.state.unwrap_or_default(),
            vpc_attachments: self
                .vpc_attachments
                .into_iter()
                .flatten()
                .map(|a| InternetGatewayAttachment {
                    vpc_id: a.vpc_id,
                    state: a.state,
                })
                .collect(),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawVpnConnection {
    vpn_connection_id: String,
    state: Option<String>,
    vpn_gateway_id: Option<String>,
    transit_gateway_id: Option<String>,
    customer_gateway_id: Option<String>,
    options: Option<RawVpnOptions>,
    routes: Option<Vec<RawVpnRoute>>,
    vgw_telemetry: Option<Vec<RawTelemetry>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpnOptions {
    static_routes_only: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpnRoute {
    destination_cidr_block: String,
    state: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTelemetry {
    outside_ip_address: Option<String>,
    status: Option<String>,
    status_message: Option<String>,
    accepted_route_count: Option<u32>,
}

impl AwsItem for RawVpnConnection {
    type Model = VpnConnection;
    type Slot = Vec<VpnConnection>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpn_connections
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<VpnConnection, ModelError> {
        let id = self.vpn_connection_id;
        let mut routes = Vec::new();
        for (i, r) in self.routes.into_iter().flatten().enumerate() {
            let cidr =
                r.destination_cidr_block
                    .parse::<IpNet>()
                    .map_err(|e| ModelError::Field {
                        path: path.to_path_buf(),
                        resource: id.clone(),
                        field: format!("Routes[{i}].DestinationCidrBlock"),
                        message: format!(
                            "{:?} is not a CIDR ({e}); expected e.g. 192.168.0.0/16",
                            r.destination_cidr_block
                        ),
                    })?;
            routes.push(VpnStaticRoute {
                destination_cidr_block: cidr.trunc(),
                state: r.state.unwrap_or_else(|| "available".into()),
            });
        }
        Ok(VpnConnection {
            vpn_connection_id: id,
            state: self.state.unwrap_or_default(),
            vpn_gateway_id: self.vpn_gateway_id,
            transit_gateway_id: self.transit_gateway_id,
            customer_gateway_id: self.customer_gateway_id,
            static_routes_only: self
                .options
                .and_then(|o| o.static_routes_only)
                .unwrap_or(false),
            routes,
            vgw_telemetry: self
                .vgw_telemetry
                .into_iter()
                .flatten()
                .map(|t| VgwTelemetry {
                    outside_ip_address: t.outside_ip_address,
                    status: t.status.unwrap_or_default(),
                    status_message: t.status_message,
                    accepted_route_count: t.accepted_route_count.unwrap_or(0),
                })
                .collect(),
            tags: tags(self.tags),
        })
    }
}

/// `describe-direct-connect-gateway-associations` output: the Direct
/// Connect API spells its keys in camelCase
/// (<https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DirectConnectGatewayAssociation.html>).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawDxAssociation {
    association_id: String,
    direct_connect_gateway_id: String,
    association_state: Option<String>,
    associated_gateway: Option<RawDxAssociatedGateway>,
    /// The older shape, before transit gateways: the VGW alone.
    virtual_gateway_id: Option<String>,
    allowed_prefixes_to_direct_connect_gateway: Option<Vec<RawDxPrefix>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDxAssociatedGateway {
    id: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    owner_account: Option<String>,
}

#[derive(Deserialize)]
struct RawDxPrefix {
    cidr: String,
}

impl AwsItem for RawDxAssociation {
    type Model = DirectConnectGatewayAssociation;
    type Slot = Vec<DirectConnectGatewayAssociation>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.direct_connect_gateway_associations
    }
    fn into_model(
        self,
        path: &Path,
        _: Option<&str>,
    ) -> Result<DirectConnectGatewayAssociation, ModelError> {
        let id = self.association_id;
        let field = |field: &str, message: String| ModelError::Field {
            path: path.to_path_buf(),
            resource: id.clone(),
            field: field.into(),
            message,
        };
        let (gw, kind, owner) = match (self.associated_gateway, self.virtual_gateway_id) {
            (Some(g), _) => (g.id, g.kind, g.owner_account),
            (None, Some(v)) => (v, Some("virtualPrivateGateway".into()), None),
            (None, None) => {
                return Err(field(
                    "associatedGateway",
                    "missing: the association names no virtual private or transit gateway; expected {\"id\": \"vgw-…\", \"type\": \"virtualPrivateGateway\"}".into(),
                ))
            }
        };
        let mut allowed = Vec::new();
        for (i, p) in self
            .allowed_prefixes_to_direct_connect_gateway
            .into_iter()
            .flatten()
            .enumerate()
        {
            let cidr = p.cidr.parse::<IpNet>().map_err(|e| {
                field(
                    &format!("allowedPrefixesToDirectConnectGateway[{i}].cidr"),
                    format!(
                        "{:?} is not a CIDR ({e}); expected e.g. 10.0.0.0/16",
                        p.cidr
                    ),
                )
            })?;
            allowed.push(cidr.trunc());
        }
        let kind = kind.unwrap_or_else(|| {
            if gw.starts_with("tgw-") {
                "transitGateway".into()
            } else {
                "virtualPrivateGateway".into()
            }
        });
        Ok(DirectConnectGatewayAssociation {
            association_id: id.clone(),
            direct_connect_gateway_id: self.direct_connect_gateway_id,
            association_state: self.association_state.unwrap_or_default(),
            associated_gateway_id: gw,
            associated_gateway_type: kind,
            associated_gateway_owner_account: owner,
            allowed_prefixes: allowed,
        })
    }
}

/// One entry of `onprem.json` (`{"OnPremNetworks": [{"Name": "dc1", "Cidr":
/// "192.168.0.0/16"}]}`): an on-premises network the user declares.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawOnPremNetwork {
    name: Option<String>,
    cidr: String,
}

impl AwsItem for RawOnPremNetwork {
    type Model = OnPremNetwork;
    type Slot = Vec<OnPremNetwork>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.onprem_networks
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<OnPremNetwork, ModelError> {
        let cidr = self.cidr.parse::<IpNet>().map_err(|e| ModelError::Field {
            path: path.to_path_buf(),
            resource: self.name.clone().unwrap_or_else(|| self.cidr.clone()),
            field: "Cidr".into(),
            message: format!(
                "{:?} is not a CIDR ({e}); expected e.g. 192.168.0.0/16",
                self.cidr
            ),
        })?;
        Ok(OnPremNetwork {
            name: self.name.unwrap_or_else(|| cidr.trunc().to_string()),
            cidr: cidr.trunc(),
        })
    }
}
