//! AWS Direct Connect: the associations between a Direct Connect gateway
//! and a virtual private gateway or a transit gateway
//! (`DescribeDirectConnectGatewayAssociations`), with the prefixes the
//! association allows toward the customer network.
//!
//! Source: <https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DirectConnectGatewayAssociation.html>
//! and <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>
//! (the allowed prefixes are what the Direct Connect gateway advertises to
//! the customer network: only addresses inside them get a route back).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// One Direct Connect gateway association (`DirectConnectGatewayAssociation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectConnectGatewayAssociation {
    /// The association's id.
    pub association_id: String,
    /// The Direct Connect gateway (a UUID, not an `id-` prefixed name).
    pub direct_connect_gateway_id: String,
    /// `associating`, `associated`, `disassociating`, `disassociated`,
    /// `updating`; only `associated` carries traffic.
    pub association_state: String,
    /// The associated gateway: `vgw-…` or `tgw-…`.
    pub associated_gateway_id: String,
    /// `virtualPrivateGateway` or `transitGateway`.
    pub associated_gateway_type: String,
    /// The account owning the associated gateway, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_gateway_owner_account: Option<String>,
    /// `allowedPrefixesToDirectConnectGateway`: the VPC-side CIDRs the
    /// gateway advertises to the customer network.
    #[serde(default)]
    pub allowed_prefixes: Vec<IpNet>,
}

impl DirectConnectGatewayAssociation {
    /// True when the association is `associated` (the only state in which
    /// the Direct Connect gateway carries traffic for it).
    pub fn is_associated(&self) -> bool {
        self.association_state == "associated"
    }
}
