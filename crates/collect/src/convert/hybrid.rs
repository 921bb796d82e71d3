//! SDK types → the netpath model for transit gateways and Site-to-Site VPN,
//! with the same meaning as the describe-* import
//! (`netpath_model::import`'s `aws_cli_transit.rs` and `aws_cli_vpn.rs`).
//! Field names follow the EC2 API reference:
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGateway.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnConnection.html>
//! and their siblings.

use aws_sdk_ec2::types as ec2;
use ipnet::IpNet;
use netpath_model::*;

use super::{tags, Issues};

fn text<T: AsRef<str>>(v: Option<T>) -> String {
    v.map(|s| s.as_ref().to_string()).unwrap_or_default()
}

fn cidr(is: &mut Issues, id: &str, field: &str, v: Option<&str>) -> Option<IpNet> {
    let s = v?;
    match s.parse::<IpNet>() {
        Ok(n) => Some(n.trunc()),
        Err(_) => {
            is.0.push(format!("{id}: {field} `{s}` is not a CIDR; skipped"));
            None
        }
    }
}

/// `DescribeTransitGateways` item.
pub fn transit_gateway(t: ec2::TransitGateway) -> Option<TransitGateway> {
    let o = t.options;
    Some(TransitGateway {
        transit_gateway_id: t.transit_gateway_id?,
        owner_id: t.owner_id,
        state: text(t.state.as_ref().map(|s| s.as_str())),
        options: TransitGatewayOptions {
            association_default_route_table_id: o
                .as_ref()
                .and_then(|o| o.association_default_route_table_id.clone()),
            propagation_default_route_table_id: o
                .as_ref()
                .and_then(|o| o.propagation_default_route_table_id.clone()),
            security_group_referencing_support: o
                .and_then(|o| o.security_group_referencing_support)
                .map(|v| v.as_str().to_string()),
        },
        tags: tags(t.tags),
    })
}

/// `DescribeTransitGatewayAttachments` item.
pub fn transit_gateway_attachment(
    a: ec2::TransitGatewayAttachment,
) -> Option<TransitGatewayAttachment> {
    Some(TransitGatewayAttachment {
        transit_gateway_attachment_id: a.transit_gateway_attachment_id?,
        transit_gateway_id: a.transit_gateway_id?,
        resource_type: text(a.resource_type.as_ref().map(|s| s.as_str())),
        resource_id: a.resource_id,
        resource_owner_id: a.resource_owner_id,
        state: text(a.state.as_ref().map(|s| s.as_str())),
        association: a.association.and_then(|x| {
            Some(TransitGatewayAttachmentAssociation {
                transit_gateway_route_table_id: x.transit_gateway_route_table_id?,
                state: x
                    .state
                    .map_or_else(|| "associated".into(), |s| s.as_str().to_string()),
            })
        }),
        tags: tags(a.tags),
    })
}

/// `DescribeTransitGatewayVpcAttachments` item.
pub fn transit_gateway_vpc_attachment(
    a: ec2::TransitGatewayVpcAttachment,
) -> Option<TransitGatewayVpcAttachment> {
    let o = a.options;
    Some(TransitGatewayVpcAttachment {
        transit_gateway_attachment_id: a.transit_gateway_attachment_id?,
        transit_gateway_id: a.transit_gateway_id?,
        vpc_id: a.vpc_id?,
        vpc_owner_id: a.vpc_owner_id,
        state: text(a.state.as_ref().map(|s| s.as_str())),
        subnet_ids: a.subnet_ids.unwrap_or_default(),
        appliance_mode_support: o
            .as_ref()
            .and_then(|o| o.appliance_mode_support.as_ref())
            .map(|v| v.as_str().to_string()),
        security_group_referencing_support: o
            .as_ref()
            .and_then(|o| o.security_group_referencing_support.as_ref())
            .map(|v| v.as_str().to_string()),
        ipv6_support: o
            .and_then(|o| o.ipv6_support)
            .map(|v| v.as_str().to_string()),
        tags: tags(a.tags),
    })
}

/// `DescribeTransitGatewayPeeringAttachments` item; `None` without its id
/// or either gateway.
pub fn transit_gateway_peering_attachment(
    p: ec2::TransitGatewayPeeringAttachment,
) -> Option<TransitGatewayPeeringAttachment> {
    let info = |i: Option<ec2::PeeringTgwInfo>| {
        let i = i?;
        Some(PeeringTgwInfo {
            transit_gateway_id: i.transit_gateway_id?,
            owner_id: i.owner_id,
            region: i.region,
        })
    };
    Some(TransitGatewayPeeringAttachment {
        transit_gateway_attachment_id: p.transit_gateway_attachment_id?,
        accepter_transit_gateway_attachment_id: p.accepter_transit_gateway_attachment_id,
        requester_tgw_info: info(p.requester_tgw_info)?,
        accepter_tgw_info: info(p.accepter_tgw_info)?,
        state: text(p.state.as_ref().map(|s| s.as_str())),
        status_message: p.status.and_then(|s| s.message),
        tags: tags(p.tags),
    })
}

/// `DescribeTransitGatewayRouteTables` item.
pub fn transit_gateway_route_table(
    r: ec2::TransitGatewayRouteTable,
) -> Option<TransitGatewayRouteTable> {
    Some(TransitGatewayRouteTable {
        transit_gateway_route_table_id: r.transit_gateway_route_table_id?,
        transit_gateway_id: r.transit_gateway_id?,
        state: text(r.state.as_ref().map(|s| s.as_str())),
        default_association_route_table: r.default_association_route_table.unwrap_or(false),
        default_propagation_route_table: r.default_propagation_route_table.unwrap_or(false),
        tags: tags(r.tags),
    })
}

/// `SearchTransitGatewayRoutes` output for table `rtb`.
pub fn transit_gateway_routes(
    rtb: &str,
    routes: Vec<ec2::TransitGatewayRoute>,
    additional: bool,
    is: &mut Issues,
) -> TransitGatewayRouteTableRoutes {
    TransitGatewayRouteTableRoutes {
        transit_gateway_route_table_id: rtb.to_string(),
        routes: routes
            .into_iter()
            .map(|r| TransitGatewayRoute {
                destination_cidr_block: cidr(
                    is,
                    rtb,
                    "DestinationCidrBlock",
                    r.destination_cidr_block.as_deref(),
                ),
                prefix_list_id: r.prefix_list_id,
                route_type: r
                    .r#type
                    .map_or_else(|| "static".into(), |t| t.as_str().to_string()),
                state: r
                    .state
                    .map_or_else(|| "active".into(), |s| s.as_str().to_string()),
                transit_gateway_attachments: r
                    .transit_gateway_attachments
                    .into_iter()
                    .flatten()
                    .filter_map(|a| {
                        Some(TransitGatewayRouteAttachment {
                            transit_gateway_attachment_id: a.transit_gateway_attachment_id?,
                            resource_id: a.resource_id,
                            resource_type: a.resource_type.map(|t| t.as_str().to_string()),
                        })
                    })
                    .collect(),
            })
            .collect(),
        additional_routes_available: additional,
    }
}

/// `GetTransitGatewayRouteTablePropagations` output for table `rtb`.
pub fn transit_gateway_propagations(
    rtb: &str,
    props: Vec<ec2::TransitGatewayRouteTablePropagation>,
) -> TransitGatewayRouteTablePropagations {
    TransitGatewayRouteTablePropagations {
        transit_gateway_route_table_id: rtb.to_string(),
        propagations: props
            .into_iter()
            .filter_map(|p| {
                Some(TransitGatewayPropagation {
                    transit_gateway_attachment_id: p.transit_gateway_attachment_id?,
                    resource_id: p.resource_id,
                    resource_type: p.resource_type.map(|t| t.as_str().to_string()),
                    state: p
                        .state
                        .map_or_else(|| "enabled".into(), |s| s.as_str().to_string()),
                })
            })
            .collect(),
    }
}

/// `DescribeVpnGateways` item.
pub fn vpn_gateway(g: ec2::VpnGateway) -> Option<VpnGateway> {
    Some(VpnGateway {
        vpn_gateway_id: g.vpn_gateway_id?,
        state: text(g.state.as_ref().map(|s| s.as_str())),
        vpc_attachments: g
            .vpc_attachments
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some(InternetGatewayAttachment {
                    vpc_id: a.vpc_id?,
                    state: text(a.state.as_ref().map(|s| s.as_str())),
                })
            })
            .collect(),
        tags: tags(g.tags),
    })
}

/// `DescribeVpnConnections` item (its customer gateway configuration, an
/// XML document with the tunnels' keys, is not kept).
pub fn vpn_connection(c: ec2::VpnConnection, is: &mut Issues) -> Option<VpnConnection> {
    let id = c.vpn_connection_id?;
    let routes = c
        .routes
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(VpnStaticRoute {
                destination_cidr_block: cidr(
                    is,
                    &id,
                    "Routes.DestinationCidrBlock",
                    r.destination_cidr_block.as_deref(),
                )?,
                state: r
                    .state
                    .map_or_else(|| "available".into(), |s| s.as_str().to_string()),
            })
        })
        .collect();
    Some(VpnConnection {
        state: text(c.state.as_ref().map(|s| s.as_str())),
        vpn_gateway_id: c.vpn_gateway_id,
        transit_gateway_id: c.transit_gateway_id,
        customer_gateway_id: c.customer_gateway_id,
        static_routes_only: c
            .options
            .and_then(|o| o.static_routes_only)
            .unwrap_or(false),
        routes,
        vgw_telemetry: c
            .vgw_telemetry
            .into_iter()
            .flatten()
            .map(|t| VgwTelemetry {
                outside_ip_address: t.outside_ip_address,
                status: text(t.status.as_ref().map(|s| s.as_str())),
                status_message: t.status_message,
                accepted_route_count: t.accepted_route_count.unwrap_or(0).max(0) as u32,
            })
            .collect(),
        tags: tags(c.tags),
        vpn_connection_id: id,
    })
}
