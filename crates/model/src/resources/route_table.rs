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
