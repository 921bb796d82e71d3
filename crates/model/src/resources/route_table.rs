//! Route tables (`DescribeRouteTables`), their routes and associations.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::tags::Tags;

/// A route table (`DescribeRouteTables`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    /// `rtb-...`.
    pub route_table_id: String,
    /// The VPC of the table.
    pub vpc_id: String,
    /// Routes.
    pub routes: Vec<Route>,
    /// Associations, including the `main` one.
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A route-table association (`RouteTableAssociation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    /// True when this is the VPC's main route table.
    #[serde(default)]
    pub main: bool,
    /// The explicitly associated subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// The associated gateway (edge association).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// `AssociationState.State` (`associated`, `disassociated`, ...), when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// `active` or `blackhole`, the state of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    /// The target works.
    Active,
    /// The target is gone (deleted gateway, peering or instance): packets are dropped.
    Blackhole,
}

/// One route (`Route`), with every target field the API may set. Exactly one
/// target is normally set; a blackhole route may have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// IPv4 destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Ipv4Net>,
    /// IPv6 destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ipv6_cidr_block: Option<Ipv6Net>,
    /// Prefix-list destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
    /// `local`, `igw-...`, `vgw-...` or `vpce-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// `nat-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    /// `pcx-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// `tgw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    /// `eni-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// `i-...` (NAT instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// `eigw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway_id: Option<String>,
    /// `lgw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_gateway_id: Option<String>,
    /// `cagw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_gateway_id: Option<String>,
    /// Cloud WAN core network ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_network_arn: Option<String>,
    /// Active or blackhole.
    pub state: RouteState,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Route {
    /// An active IPv4 route from `destination` to `target`, which goes in
    /// the field its id prefix names (`local`, `igw-`/`vgw-` gateway,
    /// `nat-`, `pcx-`, `tgw-`, `eni-`, `i-`, `eigw-`), with `origin` as
    /// `DescribeRouteTables` reports it (`CreateRoute`, `CreateRouteTable`).
    /// An id of another kind goes in `gateway_id`.
    pub fn to_target(destination: impl Into<ipnet::IpNet>, target: &str, origin: &str) -> Route {
        let (v4, v6) = match destination.into() {
            ipnet::IpNet::V4(n) => (Some(n), None),
            ipnet::IpNet::V6(n) => (None, Some(n)),
        };
        let mut r = Route {
            destination_cidr_block: v4,
            destination_ipv6_cidr_block: v6,
            destination_prefix_list_id: None,
            gateway_id: None,
            nat_gateway_id: None,
            vpc_peering_connection_id: None,
            transit_gateway_id: None,
            network_interface_id: None,
            instance_id: None,
            egress_only_internet_gateway_id: None,
            local_gateway_id: None,
            carrier_gateway_id: None,
            core_network_arn: None,
            state: RouteState::Active,
            origin: Some(origin.to_string()),
        };
        let slot = match target.split_once('-').map_or(target, |(p, _)| p) {
            "nat" => &mut r.nat_gateway_id,
            "pcx" => &mut r.vpc_peering_connection_id,
            "tgw" => &mut r.transit_gateway_id,
            "eni" => &mut r.network_interface_id,
            "i" => &mut r.instance_id,
            "eigw" => &mut r.egress_only_internet_gateway_id,
            _ => &mut r.gateway_id,
        };
        *slot = Some(target.to_string());
        r
    }

    /// The id of whichever target field is set, first found in API order, or
    /// `None` when the route names no target (a blackhole whose target is gone).
    pub fn target_id(&self) -> Option<&str> {
        [
            &self.gateway_id,
            &self.nat_gateway_id,
            &self.vpc_peering_connection_id,
            &self.transit_gateway_id,
            &self.network_interface_id,
            &self.instance_id,
            &self.egress_only_internet_gateway_id,
            &self.local_gateway_id,
            &self.carrier_gateway_id,
            &self.core_network_arn,
        ]
        .into_iter()
        .find_map(|t| t.as_deref())
    }
}
