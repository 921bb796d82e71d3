//! Site-to-Site VPN: virtual private gateways (`DescribeVpnGateways`) and
//! VPN connections (`DescribeVpnConnections`), with their static routes and
//! tunnel telemetry.
//!
//! Sources: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnGateway.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnConnection.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VgwTelemetry.html>.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::gateway::InternetGatewayAttachment;
use super::tags::Tags;

/// A virtual private gateway (`DescribeVpnGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpnGateway {
    /// `vgw-...`.
    pub vpn_gateway_id: String,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
    /// VPC attachments; the API says `attached` for an attached gateway.
    #[serde(default)]
    pub vpc_attachments: Vec<InternetGatewayAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A Site-to-Site VPN connection (`DescribeVpnConnections`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpnConnection {
    /// `vpn-...`.
    pub vpn_connection_id: String,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
    /// The virtual private gateway it terminates on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpn_gateway_id: Option<String>,
    /// The transit gateway it terminates on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    /// The customer gateway (`cgw-...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_gateway_id: Option<String>,
    /// `Options.StaticRoutesOnly`: static routes instead of BGP.
    #[serde(default)]
    pub static_routes_only: bool,
    /// Static routes toward the customer network.
    #[serde(default)]
    pub routes: Vec<VpnStaticRoute>,
    /// One entry per tunnel (`VgwTelemetry`).
    #[serde(default)]
    pub vgw_telemetry: Vec<VgwTelemetry>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A VPN static route (`VpnStaticRoute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpnStaticRoute {
    /// The customer-side CIDR.
    pub destination_cidr_block: IpNet,
    /// `pending`, `available`, `deleting`, `deleted`.
    pub state: String,
}

/// One tunnel's telemetry (`VgwTelemetry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VgwTelemetry {
    /// The tunnel's AWS-side outside address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_ip_address: Option<String>,
    /// `UP` or `DOWN`.
    pub status: String,
    /// `StatusMessage`, e.g. `IPSEC IS DOWN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Routes learned over BGP on this tunnel.
    #[serde(default)]
    pub accepted_route_count: u32,
}

impl VpnConnection {
    /// True when the connection is `available` and at least one tunnel is
    /// `UP`: only then does it carry traffic.
    pub fn carries_traffic(&self) -> bool {
        self.state == "available" && self.vgw_telemetry.iter().any(|t| t.status == "UP")
    }
}
