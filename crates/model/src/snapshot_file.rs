//! The typed fast path of reading a snapshot file: one pass over the bytes
//! (or a reader) into [`SnapshotFile`], with no intermediate JSON tree.
//! Anything that is not a well-formed snapshot file of this version is
//! `Ok(None)`, and the caller takes the slow path of `snapshot_read.rs`, whose
//! errors name the file, line and column or the resource id and field.

use std::path::Path;

use serde::Deserialize;

use crate::error::ModelError;
use crate::resources::*;
use crate::shared::Shared;
use crate::snapshot::{version_readable, Metadata, Snapshot, SNAPSHOT_FORMAT};

/// The on-disk file read in one typed pass (see
/// [`Snapshot::from_json_bytes_fast`]). Unknown top-level keys are ignored,
/// as on the slow path.
#[derive(Deserialize)]
pub(crate) struct SnapshotFile {
    format: Option<String>,
    version: Option<u64>,
    #[serde(default)]
    metadata: Metadata,
    vpcs: Option<Vec<Vpc>>,
    subnets: Option<Vec<Subnet>>,
    security_groups: Option<Vec<SecurityGroup>>,
    network_acls: Option<Vec<NetworkAcl>>,
    route_tables: Option<Vec<RouteTable>>,
    network_interfaces: Option<Shared<NetworkInterface>>,
    instances: Option<Shared<Instance>>,
    vpc_peering_connections: Option<Vec<VpcPeeringConnection>>,
    internet_gateways: Option<Vec<InternetGateway>>,
    #[serde(default)]
    egress_only_internet_gateways: Option<Vec<EgressOnlyInternetGateway>>,
    nat_gateways: Option<Vec<NatGateway>>,
    prefix_lists: Option<Vec<PrefixList>>,
    db_instances: Option<Vec<DbInstance>>,
    #[serde(default)]
    transit_gateways: Option<Vec<TransitGateway>>,
    #[serde(default)]
    transit_gateway_attachments: Option<Vec<TransitGatewayAttachment>>,
    #[serde(default)]
    transit_gateway_vpc_attachments: Option<Vec<TransitGatewayVpcAttachment>>,
    #[serde(default)]
    transit_gateway_peering_attachments: Option<Vec<TransitGatewayPeeringAttachment>>,
    #[serde(default)]
    transit_gateway_route_tables: Option<Vec<TransitGatewayRouteTable>>,
    #[serde(default)]
    transit_gateway_routes: Option<Vec<TransitGatewayRouteTableRoutes>>,
    #[serde(default)]
    transit_gateway_propagations: Option<Vec<TransitGatewayRouteTablePropagations>>,
    #[serde(default)]
    vpn_gateways: Option<Vec<VpnGateway>>,
    #[serde(default)]
    vpn_connections: Option<Vec<VpnConnection>>,
    #[serde(default)]
    direct_connect_gateway_associations: Option<Vec<DirectConnectGatewayAssociation>>,
    #[serde(default)]
    onprem_networks: Option<Vec<OnPremNetwork>>,
    #[serde(default)]
    vpc_endpoints: Option<Vec<VpcEndpoint>>,
    #[serde(default)]
    vpc_endpoint_services: Option<Vec<VpcEndpointService>>,
    #[serde(default)]
    load_balancers: Option<Vec<LoadBalancer>>,
    #[serde(default)]
    load_balancer_listeners: Option<Vec<Listener>>,
    #[serde(default)]
    load_balancer_rules: Option<Vec<ListenerRule>>,
    #[serde(default)]
    load_balancer_attributes: Option<Vec<LoadBalancerAttributes>>,
    #[serde(default)]
    target_groups: Option<Vec<TargetGroup>>,
    #[serde(default)]
    target_health: Option<Vec<TargetGroupHealth>>,
    #[serde(default)]
    target_group_attributes: Option<Vec<TargetGroupAttributes>>,
}

impl Snapshot {
    /// The fast path of [`Snapshot::from_json_bytes`]: one typed pass over
    /// the bytes, with no intermediate JSON tree (about half the time and a
    /// third of the memory of going through [`serde_json::Value`]).
    ///
    /// Output: `Ok(Some(snapshot))` for a well-formed snapshot file of this
    /// version; `Ok(None)` when the bytes are anything else (another format,
    /// malformed JSON, a bad field), so the caller takes the slow path, whose
    /// errors name the file, line and column or the resource id and field.
    /// Errors: [`ModelError::Field`] from [`Snapshot::validate`] (NACL rule
    /// numbers, port ranges) on a file that parsed.
    pub fn from_json_bytes_fast(path: &Path, bytes: &[u8]) -> Result<Option<Snapshot>, ModelError> {
        match serde_json::from_slice::<SnapshotFile>(bytes) {
            Ok(file) => file.into_snapshot(path),
            Err(_) => Ok(None),
        }
    }

    /// Like [`Snapshot::from_json_bytes_fast`], reading from `reader` in
    /// one pass so the file's bytes are never all in memory at once: peak
    /// memory is the parsed snapshot alone. `Ok(None)` also covers read
    /// errors; the caller's slow path reports them.
    pub fn from_reader_fast<R: std::io::Read>(
        path: &Path,
        reader: R,
    ) -> Result<Option<Snapshot>, ModelError> {
        match serde_json::from_reader::<_, SnapshotFile>(reader) {
            Ok(file) => file.into_snapshot(path),
            Err(_) => Ok(None),
        }
    }
}

impl SnapshotFile {
    fn into_snapshot(self, path: &Path) -> Result<Option<Snapshot>, ModelError> {
        let file = self;
        if file.format.as_deref() != Some(SNAPSHOT_FORMAT)
            || !file.version.is_some_and(version_readable)
        {
            return Ok(None);
        }
        let v1 = file.version == Some(1);
        let mut snap = Snapshot {
            metadata: file.metadata,
            vpcs: file.vpcs,
            subnets: file.subnets,
            security_groups: file.security_groups,
            network_acls: file.network_acls,
            route_tables: file.route_tables,
            network_interfaces: file.network_interfaces,
            instances: file.instances,
            vpc_peering_connections: file.vpc_peering_connections,
            internet_gateways: file.internet_gateways,
            egress_only_internet_gateways: file.egress_only_internet_gateways,
            nat_gateways: file.nat_gateways,
            prefix_lists: file.prefix_lists,
            db_instances: file.db_instances,
            transit_gateways: file.transit_gateways,
            transit_gateway_attachments: file.transit_gateway_attachments,
            transit_gateway_vpc_attachments: file.transit_gateway_vpc_attachments,
            transit_gateway_peering_attachments: file.transit_gateway_peering_attachments,
            transit_gateway_route_tables: file.transit_gateway_route_tables,
            transit_gateway_routes: file.transit_gateway_routes,
            transit_gateway_propagations: file.transit_gateway_propagations,
            vpn_gateways: file.vpn_gateways,
            vpn_connections: file.vpn_connections,
            direct_connect_gateway_associations: file.direct_connect_gateway_associations,
            onprem_networks: file.onprem_networks,
            vpc_endpoints: file.vpc_endpoints,
            vpc_endpoint_services: file.vpc_endpoint_services,
            load_balancers: file.load_balancers,
            load_balancer_listeners: file.load_balancer_listeners,
            load_balancer_rules: file.load_balancer_rules,
            load_balancer_attributes: file.load_balancer_attributes,
            target_groups: file.target_groups,
            target_health: file.target_health,
            target_group_attributes: file.target_group_attributes,
        };
        snap.validate(path)?;
        if v1 {
            crate::partition::migrate_v1(&mut snap);
        }
        Ok(Some(snap))
    }
}
