//! The raw AWS CLI shapes (PascalCase) of the VPC-level describe-*
//! outputs: VPCs, subnets, route tables, peering connections, internet and
//! NAT gateways, prefix lists; plus the [`AwsItem`] trait every raw item
//! shape implements, and the helpers the other shape modules share. Only
//! the fields that affect a path are read; serde skips the rest.
//!
//! Shapes: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html>
//! and its siblings.

use std::net::Ipv4Addr;
use std::path::Path;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

/// One item of a describe-* array: its raw AWS shape, read with serde,
/// and the model resource it becomes.
pub(super) trait AwsItem: DeserializeOwned {
    /// The model resource.
    type Model;
    /// The type of the snapshot collection the converted items go to.
    type Slot: crate::Collection<Item = Self::Model>;
    /// The snapshot collection the converted items go to.
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot>;
    /// Converts one item. `path` names the file in errors; `region` is the
    /// region of the folder the file was in, if any.
    fn into_model(self, path: &Path, region: Option<&str>) -> Result<Self::Model, ModelError>;
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawTag {
    key: String,
    #[serde(default)]
    value: String,
}

pub(super) fn tags(raw: Option<Vec<RawTag>>) -> Tags {
    raw.into_iter()
        .flatten()
        .map(|t| (t.key, t.value))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawState {
    pub(super) state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawVpc {
    vpc_id: String,
    owner_id: Option<String>,
    cidr_block: Option<Ipv4Net>,
    cidr_block_association_set: Option<Vec<RawCidrAssoc>>,
    ipv6_cidr_block_association_set: Option<Vec<RawIpv6CidrAssoc>>,
    is_default: Option<bool>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCidrAssoc {
    cidr_block: Ipv4Net,
    cidr_block_state: Option<RawState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawIpv6CidrAssoc {
    ipv6_cidr_block: Option<Ipv6Net>,
    ipv6_cidr_block_state: Option<RawState>,
}

pub(super) fn associated(state: &Option<RawState>) -> bool {
    state.as_ref().is_none_or(|s| s.state == "associated")
}

impl AwsItem for RawVpc {
    type Model = Vpc;
    type Slot = Vec<Vpc>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpcs
    }
    fn into_model(self, _: &Path, region: Option<&str>) -> Result<Vpc, ModelError> {
        let mut cidr_blocks: Vec<Ipv4Net> = self
            .cidr_block_association_set
            .iter()
            .flatten()
            .filter(|a| associated(&a.cidr_block_state))
            .map(|a| a.cidr_block.trunc())
            .collect();
        if let Some(primary) = self.cidr_block.map(|c| c.trunc()) {
            if !cidr_blocks.contains(&primary) && self.cidr_block_association_set.is_none() {
                cidr_blocks.insert(0, primary);
            }
        }
        Ok(Vpc {
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            region: region.map(str::to_string),
            cidr_blocks,
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_association_set
                .into_iter()
                .flatten()
                .filter(|a| associated(&a.ipv6_cidr_block_state))
                .filter_map(|a| a.ipv6_cidr_block)
                .collect(),
            is_default: self.is_default.unwrap_or(false),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawSubnet {
    subnet_id: String,
    vpc_id: String,
    cidr_block: Ipv4Net,
    availability_zone: Option<String>,
    ipv6_cidr_block_association_set: Option<Vec<RawIpv6CidrAssoc>>,
    tags: Option<Vec<RawTag>>,
}

impl AwsItem for RawSubnet {
    type Model = Subnet;
    type Slot = Vec<Subnet>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.subnets
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<Subnet, ModelError> {
        Ok(Subnet {
            subnet_id: self.subnet_id,
            vpc_id: self.vpc_id,
            cidr_block: self.cidr_block.trunc(),
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_association_set
                .into_iter()
                .flatten()
                .filter(|a| associated(&a.ipv6_cidr_block_state))
                .filter_map(|a| a.ipv6_cidr_block)
                .collect(),
            availability_zone: self.availability_zone,
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawRouteTable {
    route_table_id: String,
    vpc_id: String,
    routes: Option<Vec<RawRoute>>,
    associations: Option<Vec<RawRouteTableAssociation>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRoute {
    destination_cidr_block: Option<Ipv4Net>,
    destination_ipv6_cidr_block: Option<Ipv6Net>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    transit_gateway_id: Option<String>,
    network_interface_id: Option<String>,
    instance_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    carrier_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    state: Option<RouteState>,
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRouteTableAssociation {
    main: Option<bool>,
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    association_state: Option<RawState>,
}

impl AwsItem for RawRouteTable {
    type Model = RouteTable;
    type Slot = Vec<RouteTable>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.route_tables
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<RouteTable, ModelError> {
        Ok(RouteTable {
            route_table_id: self.route_table_id,
            vpc_id: self.vpc_id,
            routes: self
                .routes
                .into_iter()
                .flatten()
                .map(|r| Route {
                    destination_cidr_block: r.destination_cidr_block.map(|c| c.trunc()),
                    destination_ipv6_cidr_block: r.destination_ipv6_cidr_block.map(|c| c.trunc()),
                    destination_prefix_list_id: r.destination_prefix_list_id,
                    gateway_id: r.gateway_id,
                    nat_gateway_id: r.nat_gateway_id,
                    vpc_peering_connection_id: r.vpc_peering_connection_id,
                    transit_gateway_id: r.transit_gateway_id,
                    network_interface_id: r.network_interface_id,
                    instance_id: r.instance_id,
                    egress_only_internet_gateway_id: r.egress_only_internet_gateway_id,
                    local_gateway_id: r.local_gateway_id,
                    carrier_gateway_id: r.carrier_gateway_id,
                    core_network_arn: r.core_network_arn,
                    state: r.state.unwrap_or(RouteState::Active),
                    origin: r.origin,
                })
                .collect(),
            associations: self
                .associations
                .into_iter()
                .flatten()
                .map(|a| RouteTableAssociation {
                    main: a.main.unwrap_or(false),
                    subnet_id: a.subnet_id,
                    gateway_id: a.gateway_id,
                    state: a.association_state.map(|s| s.state),
                })
                .collect(),
            tags: tags(self.tags),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawPeering {
    vpc_peering_connection_id: String,
    status: RawStatusCode,
    requester_vpc_info: RawPeeringVpcInfo,
    accepter_vpc_info: RawPeeringVpcInfo,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStatusCode {
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeeringVpcInfo {
    vpc_id: String,
    owner_id: Option<String>,
    region: Option<String>,
    cidr_block: Option<Ipv4Net>,
    cidr_block_set: Option<Vec<RawCidr>>,
    ipv6_cidr_block_set: Option<Vec<RawIpv6Cidr>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCidr {
    cidr_block: Ipv4Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6Cidr {
    ipv6_cidr_block: Ipv6Net,
}

impl RawPeeringVpcInfo {
    fn into_model(self) -> PeeringVpcInfo {
        let mut cidr_blocks: Vec<Ipv4Net> = self
            .cidr_block_set
            .into_iter()
            .flatten()
            .map(|c| c.cidr_block.trunc())
            .collect();
        if let Some(c) = self.cidr_block.map(|c| c.trunc()) {
            if !cidr_blocks.contains(&c) {
                cidr_blocks.insert(0, c);
            }
        }
        PeeringVpcInfo {
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            region: self.region,
            cidr_blocks,
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_set
                .into_iter()
                .flatten()
                .map(|c| c.ipv6_cidr_block)
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawInternetGateway {
    internet_gateway_id: String,
    attachments: Option<Vec<RawIgwAttachment>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawEgressOnlyInternetGateway {
    egress_only_internet_gateway_id: String,
    attachments: Option<Vec<RawIgwAttachment>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIgwAttachment {
    vpc_id: String,
    state: String,
}

/// The VPC attachments of an internet or egress-only internet gateway.
fn attachments(a: Option<Vec<RawIgwAttachment>>) -> Vec<InternetGatewayAttachment> {
    a.into_iter()
        .flatten()
        .map(|a| InternetGatewayAttachment {
            vpc_id: a.vpc_id,
            state: a.state,
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawNatGateway {
    nat_gateway_id: String,
    vpc_id: String,
    subnet_id: String,
    state: String,
    connectivity_type: Option<String>,
    nat_gateway_addresses: Option<Vec<RawNatAddress>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNatAddress {
    network_interface_id: Option<String>,
    private_ip: Option<Ipv4Addr>,
    public_ip: Option<Ipv4Addr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawPrefixList {
    prefix_list_id: String,
    prefix_list_name: Option<String>,
    cidrs: Option<Vec<IpNet>>,
}

impl AwsItem for RawPeering {
    type Model = VpcPeeringConnection;
    type Slot = Vec<VpcPeeringConnection>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpc_peering_connections
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<VpcPeeringConnection, ModelError> {
        Ok(VpcPeeringConnection {
            vpc_peering_connection_id: self.vpc_peering_connection_id,
            status_code: self.status.code.into(),
            requester_vpc_info: self.requester_vpc_info.into_model(),
            accepter_vpc_info: self.accepter_vpc_info.into_model(),
            tags: tags(self.tags),
        })
    }
}

impl AwsItem for RawInternetGateway {
    type Model = InternetGateway;
    type Slot = Vec<InternetGateway>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.internet_gateways
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<InternetGateway, ModelError> {
        Ok(InternetGateway {
            internet_gateway_id: self.internet_gateway_id,
            attachments: attachments(self.attachments),
            tags: tags(self.tags),
        })
    }
}

impl AwsItem for RawEgressOnlyInternetGateway {
    type Model = EgressOnlyInternetGateway;
    type Slot = Vec<EgressOnlyInternetGateway>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.egress_only_internet_gateways
    }
    fn into_model(
        self,
        _: &Path,
        _: Option<&str>,
    ) -> Result<EgressOnlyInternetGateway, ModelError> {
        Ok(EgressOnlyInternetGateway {
            egress_only_internet_gateway_id: self.egress_only_internet_gateway_id,
            attachments: attachments(self.attachments),
            tags: tags(self.tags),
        })
    }
}

impl AwsItem for RawNatGateway {
    type Model = NatGateway;
    type Slot = Vec<NatGateway>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.nat_gateways
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<NatGateway, ModelError> {
        Ok(NatGateway {
            nat_gateway_id: self.nat_gateway_id,
            vpc_id: self.vpc_id,
            subnet_id: self.subnet_id,
            state: self.state.into(),
            connectivity_type: self.connectivity_type,
            addresses: self
                .nat_gateway_addresses
                .into_iter()
                .flatten()
                .map(|a| NatGatewayAddress {
                    network_interface_id: a.network_interface_id,
                    private_ip: a.private_ip,
                    public_ip: a.public_ip,
                })
                .collect(),
            tags: tags(self.tags),
        })
    }
}

impl AwsItem for RawPrefixList {
    type Model = PrefixList;
    type Slot = Vec<PrefixList>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.prefix_lists
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<PrefixList, ModelError> {
        Ok(PrefixList {
            prefix_list_id: self.prefix_list_id,
            prefix_list_name: self.prefix_list_name.unwrap_or_default(),
            cidrs: self.cidrs,
        })
    }
}
