//! A fix as data: the change its command would make in AWS, applied to a
//! copy of the snapshot to verify it before it is shown.
//!
//! Each variant mirrors one EC2 or RDS API call:
//! `AuthorizeSecurityGroupIngress`/`Egress`, `CreateNetworkAclEntry`,
//! `CreateRoute`/`ReplaceRoute`, `AcceptVpcPeeringConnection`,
//! `StartInstances` and `StartDBInstance`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Operations.html>,
//! <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstance.html>).

use ipnet::IpNet;
use netpath_model::{
    DbInstanceStatus, Direction, InstanceStateName, PeeringVpcInfo, Route, Snapshot,
    VpcPeeringConnection, VpcPeeringConnectionStateReasonCode,
};

/// The id a new peering gets in the copy of the snapshot (the command holds
/// the real one in the shell variable `PCX`).
pub(crate) const NEW_PEERING: &str = "pcx-(new)";
/// The id a new gateway VPC endpoint has in the copy a fix is checked on.
pub(crate) const NEW_VPC_ENDPOINT: &str = "vpce-(new)";

/// A fix as a change to the snapshot: what its command would do in AWS.
#[derive(Debug, Clone, PartialEq)]
pub enum FixEdit {
    /// `authorize-security-group-ingress`/`-egress`: one more permission.
    SecurityGroupRule {
        /// The group.
        group_id: String,
        /// Ingress or egress.
        direction: Direction,
        /// The permission added.
        permission: netpath_model::IpPermission,
    },
    /// `create-network-acl-entry`: one more entry.
    NetworkAclEntry {
        /// The ACL.
        network_acl_id: String,
        /// The entry added.
        entry: netpath_model::NetworkAclEntry,
    },
    /// `create-route`, or `replace-route` over a route with the same
    /// destination (a blackhole).
    Route {
        /// The route table.
        route_table_id: String,
        /// The destination CIDR, IPv4 or IPv6.
        destination: IpNet,
        /// The target: `igw-…`/`vgw-…` (gateway), `nat-…`, or `pcx-…`.
        target: String,
    },
    /// `create-vpc-peering-connection`, `accept-vpc-peering-connection`,
    /// then a route to the new peering in each table (replacing a route to
    /// the same destination, e.g. a blackhole): the peering is
    /// `pcx-(new)` in the copy.
    NewVpcPeeringConnection {
        /// The requester (the client's VPC).
        requester_vpc_id: String,
        /// The accepter (the server's VPC).
        accepter_vpc_id: String,
        /// (route table, destination CIDR) on both sides.
        routes: Vec<(String, IpNet)>,
    },
    /// `accept-vpc-peering-connection`: the peering becomes active.
    AcceptVpcPeeringConnection {
        /// The peering.
        vpc_peering_connection_id: String,
    },
    /// `start-instances`: the instance runs.
    StartInstance {
        /// The instance.
        instance_id: String,
    },
    /// `accept-vpc-endpoint-connections`, by the endpoint service's owner:
    /// the endpoint becomes `available`.
    AcceptVpcEndpointConnection {
        /// `vpce-…`.
        vpc_endpoint_id: String,
    },
    /// `rds start-db-instance`: the DB becomes available.
    StartDbInstance {
        /// The DB identifier.
        db_instance_identifier: String,
    },
    /// `modify-transit-gateway-vpc-attachment --add-subnet-ids`: the
    /// attachment gains a subnet (in an Availability Zone it lacked).
    TransitGatewayAttachmentSubnet {
        /// `tgw-attach-…`.
        transit_gateway_attachment_id: String,
        /// The subnet added.
        subnet_id: String,
    },
    /// `modify-transit-gateway-vpc-attachment --options Ipv6Support=enable`:
    /// the attachment's VPC IPv6 CIDRs then propagate where it propagates.
    TransitGatewayAttachmentIpv6Support {
        /// `tgw-attach-…` (a VPC attachment).
        transit_gateway_attachment_id: String,
    },
    /// `associate-transit-gateway-route-table`.
    TransitGatewayAssociation {
        /// `tgw-attach-…`.
        transit_gateway_attachment_id: String,
        /// `tgw-rtb-…`.
        transit_gateway_route_table_id: String,
    },
    /// `enable-transit-gateway-route-table-propagation`: a VPC attachment
    /// installs its VPC's CIDRs in the table.
    TransitGatewayPropagation {
        /// `tgw-rtb-…`.
        transit_gateway_route_table_id: String,
        /// `tgw-attach-…` (a VPC attachment).
        transit_gateway_attachment_id: String,
        /// The attached VPC.
        vpc_id: String,
    },
    /// `create-transit-gateway-route`, or `replace-transit-gateway-route`
    /// over a route with the same destination (a blackhole): a static route.
    TransitGatewayRoute {
        /// `tgw-rtb-…`.
        transit_gateway_route_table_id: String,
        /// The destination CIDR.
        destination: IpNet,
        /// `tgw-attach-…`.
        transit_gateway_attachment_id: String,
    },
    /// `directconnect update-direct-connect-gateway-association
    /// --add-allowed-prefixes-to-direct-connect-gateway`: one more allowed
    /// prefix on a Direct Connect gateway association.
    DirectConnectAllowedPrefix {
        /// The association's id.
        association_id: String,
        /// The VPC-side CIDR allowed.
        cidr: IpNet,
    },
    /// `modify-vpc-endpoint --add-route-table-ids` (an existing gateway
    /// endpoint) or `create-vpc-endpoint --vpc-endpoint-type Gateway
    /// --route-table-ids` (a new one, `vpce-(new)` in the copy): the route
    /// table gains the route from the service's prefix list to the endpoint
    /// (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>).
    GatewayVpcEndpointRoute {
        /// The endpoint, `None` for a new one.
        vpc_endpoint_id: Option<String>,
        /// The VPC of the route table.
        vpc_id: String,
        /// `com.amazonaws.REGION.s3` or `.dynamodb`.
        service_name: String,
        /// The service's AWS-managed prefix list, `pl-…`.
        prefix_list_id: String,
        /// The route table that gains the route.
        route_table_id: String,
    },
}

impl Eq for FixEdit {}

impl FixEdit {
    /// True for a change of a transit gateway (an attachment's subnets or
    /// association, a propagation, a route): it reaches every attached VPC.
    pub fn is_transit_gateway(&self) -> bool {
        matches!(
            self,
            FixEdit::TransitGatewayPropagation { .. }
                | FixEdit::TransitGatewayRoute { .. }
                | FixEdit::TransitGatewayAssociation { .. }
                | FixEdit::TransitGatewayAttachmentSubnet { .. }
                | FixEdit::TransitGatewayAttachmentIpv6Support { .. }
        )
    }

    /// Why what else this change opens is not measured, when it is not: a
    /// transit gateway change reaches every attached VPC (a diff of the
    /// whole hub, left to `netpath diff`); an allowed prefix changes what a
    /// customer network reaches, which the diff does not enumerate.
    pub fn unmeasured_reason(&self) -> Option<&'static str> {
        if self.is_transit_gateway() {
            Some("a transit gateway change reaches every attached VPC (`netpath diff` the snapshot before and after lists it)")
        } else if matches!(self, FixEdit::DirectConnectAllowedPrefix { .. }) {
            Some("an allowed prefix opens the whole CIDR to the customer network (`netpath diff` with the on-premises networks declared lists what it opens)")
        } else {
            None
        }
    }

    /// Applies the change to `snap` in place. Output: false when the
    /// resource it names is not in the snapshot (nothing changed).
    pub fn apply(&self, snap: &mut Snapshot) -> bool {
        match self {
            FixEdit::SecurityGroupRule {
                group_id,
                direction,
                permission,
            } => {
                let Some(g) = snap
                    .security_groups
                    .iter_mut()
                    .flatten()
                    .find(|g| &g.group_id == group_id)
                else {
                    return false;
                };
                match direction {
                    Direction::Ingress => g.ip_permissions.push(permission.clone()),
                    Direction::Egress => g.ip_permissions_egress.push(permission.clone()),
                }
                true
            }
            FixEdit::NetworkAclEntry {
                network_acl_id,
                entry,
            } => {
                let Some(a) = snap
                    .network_acls
                    .iter_mut()
                    .flatten()
                    .find(|a| &a.network_acl_id == network_acl_id)
                else {
                    return false;
                };
                a.entries.push(entry.clone());
                true
            }
            FixEdit::Route {
                route_table_id,
                destination,
                target,
            } => {
                let Some(rt) = snap
                    .route_tables
                    .iter_mut()
                    .flatten()
                    .find(|r| &r.route_table_id == route_table_id)
                else {
                    return false;
                };
                rt.routes.retain(|r| match destination {
                    IpNet::V4(d) => r.destination_cidr_block != Some(*d),
                    IpNet::V6(d) => r.destination_ipv6_cidr_block != Some(*d),
                });
                rt.routes
                    .push(Route::to_target(*destination, target, "CreateRoute"));
                true
            }
            FixEdit::NewVpcPeeringConnection {
                requester_vpc_id,
                accepter_vpc_id,
                routes,
            } => {
                let info = |id: &str| {
                    let v = snap.vpcs.iter().flatten().find(|v| v.vpc_id == id)?;
                    Some(PeeringVpcInfo {
                        vpc_id: v.vpc_id.clone(),
                        owner_id: v.owner_id.clone(),
                        region: v.region.clone(),
                        cidr_blocks: v.cidr_blocks.clone(),
                        ipv6_cidr_blocks: v.ipv6_cidr_blocks.clone(),
                    })
                };
                let (Some(requester), Some(accepter)) =
                    (info(requester_vpc_id), info(accepter_vpc_id))
                else {
                    return false;
                };
                snap.vpc_peering_connections
                    .get_or_insert_with(Vec::new)
                    .push(VpcPeeringConnection {
                        vpc_peering_connection_id: NEW_PEERING.into(),
                        status_code: VpcPeeringConnectionStateReasonCode::Active,
                        requester_vpc_info: requester,
                        accepter_vpc_info: accepter,
                        tags: Default::default(),
                    });
                routes.iter().all(|(rtb, dest)| {
                    FixEdit::Route {
                        route_table_id: rtb.clone(),
                        destination: *dest,
                        target: NEW_PEERING.into(),
                    }
                    .apply(snap)
                })
            }
            FixEdit::AcceptVpcPeeringConnection {
                vpc_peering_connection_id,
            } => {
                let Some(p) = snap
                    .vpc_peering_connections
                    .iter_mut()
                    .flatten()
                    .find(|p| &p.vpc_peering_connection_id == vpc_peering_connection_id)
                else {
                    return false;
                };
                p.status_code = VpcPeeringConnectionStateReasonCode::Active;
                true
            }
            FixEdit::StartInstance { instance_id } => {
                let Some(i) = snap
                    .instances
                    .iter_mut()
                    .flatten()
                    .find(|i| i.instance_id == instance_id)
                else {
                    return false;
                };
                i.state = InstanceStateName::Running;
                true
            }
            FixEdit::AcceptVpcEndpointConnection { vpc_endpoint_id } => {
                let Some(e) = snap
                    .vpc_endpoints
                    .iter_mut()
                    .flatten()
                    .find(|e| &e.vpc_endpoint_id == vpc_endpoint_id)
                else {
                    return false;
                };
                e.state = "available".into();
                true
            }
            FixEdit::StartDbInstance {
                db_instance_identifier,
            } => {
                let Some(d) = snap
                    .db_instances
                    .iter_mut()
                    .flatten()
                    .find(|d| &d.db_instance_identifier == db_instance_identifier)
                else {
                    return false;
                };
                d.db_instance_status = DbInstanceStatus::Available;
                true
            }
            FixEdit::TransitGatewayAttachmentSubnet {
                transit_gateway_attachment_id: id,
                subnet_id,
            } => vpc_attachment(snap, id)
                .map(|a| a.subnet_ids.push(subnet_id.clone()))
                .is_some(),
            FixEdit::TransitGatewayAttachmentIpv6Support {
                transit_gateway_attachment_id: id,
            } => vpc_attachment(snap, id)
                .map(|a| a.ipv6_support = Some("enable".into()))
                .is_some(),
            FixEdit::TransitGatewayAssociation {
                transit_gateway_attachment_id: id,
                transit_gateway_route_table_id: rtb,
            } => {
                // The side on the table's gateway: a peering attachment is
                // listed on both of its gateways under one id.
                let gateway = snap
                    .transit_gateway_route_tables
                    .iter()
                    .flatten()
                    .find(|t| &t.transit_gateway_route_table_id == rtb)
                    .map(|t| t.transit_gateway_id.clone());
                let Some(a) = snap
                    .transit_gateway_attachments
                    .iter_mut()
                    .flatten()
                    .find(|a| {
                        &a.transit_gateway_attachment_id == id
                            && gateway.as_ref().is_none_or(|g| &a.transit_gateway_id == g)
                    })
                else {
                    return false;
                };
                a.association = Some(netpath_model::TransitGatewayAttachmentAssociation {
                    transit_gateway_route_table_id: rtb.clone(),
                    state: "associated".into(),
                });
                true
            }
            FixEdit::TransitGatewayPropagation {
                transit_gateway_route_table_id: rtb,
                transit_gateway_attachment_id: id,
                vpc_id,
            } => {
                let props = snap
                    .transit_gateway_propagations
                    .get_or_insert_with(Vec::new);
                let i = match props
                    .iter()
                    .position(|p| &p.transit_gateway_route_table_id == rtb)
                {
                    Some(i) => i,
                    None => {
                        props.push(netpath_model::TransitGatewayRouteTablePropagations {
                            transit_gateway_route_table_id: rtb.clone(),
                            propagations: Vec::new(),
                        });
                        props.len() - 1
                    }
                };
                props[i]
                    .propagations
                    .retain(|p| &p.transit_gateway_attachment_id != id);
                props[i]
                    .propagations
                    .push(netpath_model::TransitGatewayPropagation {
                        transit_gateway_attachment_id: id.clone(),
                        resource_id: Some(vpc_id.clone()),
                        resource_type: Some("vpc".into()),
                        state: "enabled".into(),
                    });
                true
            }
            FixEdit::TransitGatewayRoute {
                transit_gateway_route_table_id: rtb,
                destination,
                transit_gateway_attachment_id: id,
            } => {
                let Some(t) = snap
                    .transit_gateway_routes
                    .iter_mut()
                    .flatten()
                    .find(|t| &t.transit_gateway_route_table_id == rtb)
                else {
                    return false;
                };
                t.routes.retain(|r| {
                    !(r.route_type == "static" && r.destination_cidr_block == Some(*destination))
                });
                t.routes.push(netpath_model::TransitGatewayRoute {
                    destination_cidr_block: Some(*destination),
                    prefix_list_id: None,
                    route_type: "static".into(),
                    state: "active".into(),
                    transit_gateway_attachments: vec![
                        netpath_model::TransitGatewayRouteAttachment {
                            transit_gateway_attachment_id: id.clone(),
                            resource_id: None,
                            resource_type: Some("vpc".into()),
                        },
                    ],
                });
                true
            }
            FixEdit::GatewayVpcEndpointRoute {
                vpc_endpoint_id,
                vpc_id,
                service_name,
                prefix_list_id,
                route_table_id,
            } => {
                let id = vpc_endpoint_id.as_deref().unwrap_or(NEW_VPC_ENDPOINT);
                let endpoints = snap.vpc_endpoints.get_or_insert_with(Vec::new);
                match endpoints.iter_mut().find(|e| e.vpc_endpoint_id == id) {
                    Some(e) => e.route_table_ids.push(route_table_id.clone()),
                    None if vpc_endpoint_id.is_some() => return false,
                    None => endpoints.push(netpath_model::VpcEndpoint {
                        vpc_endpoint_id: id.into(),
                        vpc_endpoint_type: "Gateway".into(),
                        vpc_id: vpc_id.clone(),
                        service_name: service_name.clone(),
                        state: "available".into(),
                        route_table_ids: vec![route_table_id.clone()],
                        subnet_ids: Vec::new(),
                        network_interface_ids: Vec::new(),
                        groups: Vec::new(),
                        private_dns_enabled: false,
                        policy_document: None,
                        owner_id: None,
                        tags: Default::default(),
                    }),
                }
                let Some(rt) = snap
                    .route_tables
                    .iter_mut()
                    .flatten()
                    .find(|r| &r.route_table_id == route_table_id)
                else {
                    return false;
                };
                rt.routes
                    .retain(|r| r.destination_prefix_list_id.as_ref() != Some(prefix_list_id));
                let mut route =
                    Route::to_target(IpNet::V4(ipnet::Ipv4Net::default()), id, "CreateRoute");
                route.destination_cidr_block = None;
                route.destination_prefix_list_id = Some(prefix_list_id.clone());
                rt.routes.push(route);
                true
            }
            FixEdit::DirectConnectAllowedPrefix {
                association_id,
                cidr,
            } => {
                let Some(a) = snap
                    .direct_connect_gateway_associations
                    .iter_mut()
                    .flatten()
                    .find(|a| &a.association_id == association_id)
                else {
                    return false;
                };
                if !a.allowed_prefixes.contains(cidr) {
                    a.allowed_prefixes.push(*cidr);
                }
                true
            }
        }
    }
}

/// The VPC attachment `id` of `snap`, to change.
fn vpc_attachment<'s>(
    snap: &'s mut Snapshot,
    id: &str,
) -> Option<&'s mut netpath_model::TransitGatewayVpcAttachment> {
    snap.transit_gateway_vpc_attachments
        .iter_mut()
        .flatten()
        .find(|a| a.transit_gateway_attachment_id == id)
}
