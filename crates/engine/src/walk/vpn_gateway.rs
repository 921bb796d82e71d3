//! Virtual private gateways and their Site-to-Site VPN connections: the
//! way between a VPC and a customer network, both directions.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html>:
//!   traffic leaves through the VGW to the customer network by the
//!   connection's static routes or the routes its customer gateway
//!   advertises over BGP (which route propagation puts in the VPC's tables
//!   with origin `EnableVgwRoutePropagation`);
//! - <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html> and
//!   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VgwTelemetry.html>:
//!   a connection carries traffic only while it is `available` and a
//!   tunnel is `UP`;
//! - <https://docs.aws.amazon.com/vpn/latest/s2svpn/SetUpVPNConnections.html>:
//!   the VGW must be attached to the VPC.

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};

impl Walker<'_, '_> {
    /// Whether virtual private gateway `vgw_id` carries traffic between
    /// `local` in `vpc_id` and `remote` (a customer-network address),
    /// either way, over a VPN connection or, when none is up, a Direct
    /// Connect gateway (`direct_connect_gateway.rs`). Pushes one
    /// `vpn-gateway` or `direct-connect-gateway` hop; true when it allows.
    pub(super) fn vpn_gateway(
        &mut self,
        leg: PathLeg,
        vgw_id: &str,
        vpc_id: &str,
        (local, remote): (&AddrSet, &AddrSet),
    ) -> bool {
        let snap = self.topo.snapshot;
        for (present, op, what) in [
            (
                snap.vpn_gateways.is_some(),
                "ec2:DescribeVpnGateways",
                "virtual private gateways",
            ),
            (
                snap.vpn_connections.is_some(),
                "ec2:DescribeVpnConnections",
                "VPN connections",
            ),
        ] {
            if let Some(m) = self.topo.missing(present, op, what, Some(vpc_id)) {
                let m = format!("{m}, for the route to {vgw_id}");
                self.unknown(leg, HopKind::VpnGateway, vgw_id, m);
                return false;
            }
        }
        let deny = |w: &mut Self, component: &str, code, detail: String| {
            let h = hop(leg, HopKind::VpnGateway, component, Decision::Deny, detail);
            w.push(h, code);
            false
        };
        let Some(vgw) = snap
            .vpn_gateways
            .iter()
            .flatten()
            .find(|g| g.vpn_gateway_id == vgw_id)
        else {
            return deny(
                self,
                vgw_id,
                ExplanationCode::BadState,
                format!("the route names {vgw_id}, which does not exist in the snapshot"),
            );
        };
        if vgw.state != "available" {
            return deny(
                self,
                vgw_id,
                ExplanationCode::BadState,
                format!("{vgw_id} is {}, not available", vgw.state),
            );
        }
        if !vgw
            .vpc_attachments
            .iter()
            .any(|a| a.vpc_id == vpc_id && a.state == "attached")
        {
            return deny(
                self,
                vgw_id,
                ExplanationCode::BadStateAttachment,
                format!("{vgw_id} is not attached to {vpc_id}"),
            );
        }
        let mut conns: Vec<_> = snap
            .vpn_connections
            .iter()
            .flatten()
            .filter(|c| c.vpn_gateway_id.as_deref() == Some(vgw_id))
            .filter(|c| !matches!(c.state.as_str(), "deleted" | "deleting"))
            .collect();
        conns.sort_by(|a, b| a.vpn_connection_id.cmp(&b.vpn_connection_id));
        let up: Vec<_> = conns.iter().filter(|c| c.carries_traffic()).collect();
        // Which connection carries `remote`: a static route of one, or a
        // route the VGW propagated into a table of the VPC (learned by BGP,
        // over a VPN or Direct Connect).
        let learned = snap.route_tables.iter().flatten().any(|rt| {
            rt.vpc_id == vpc_id
                && rt.routes.iter().any(|r| {
                    r.gateway_id.as_deref() == Some(vgw_id)
                        && r.origin.as_deref() == Some("EnableVgwRoutePropagation")
                        && r.destination_cidr_block.is_some_and(|c| remote.within(&c))
                })
        });
        if up.is_empty() {
            if let Some(ok) = self.vgw_direct_connect(leg, vgw_id, (local, remote), learned) {
                return ok;
            }
        }
        if conns.is_empty() {
            let incomplete = self.direct_connect_incomplete(vgw_id);
            if snap.direct_connect_gateway_associations.is_some() && incomplete.is_none() {
                return deny(
                    self,
                    vgw_id,
                    ExplanationCode::BadState,
                    format!("{vgw_id} has no VPN connection and no Direct Connect gateway association: nothing connects it to a customer network"),
                );
            }
            let mut h = hop(
                leg,
                HopKind::VpnGateway,
                vgw_id,
                Decision::Unknown,
                format!("{vgw_id} has no VPN connection; a Direct Connect gateway may be associated with it, and the snapshot does not hold every Direct Connect gateway association"),
            );
            h.missing.push(incomplete.unwrap_or_else(|| format!(
                "the Direct Connect gateway associations of {vgw_id} (no directconnect:DescribeDirectConnectGatewayAssociations output)"
            )));
            self.hops.push(h);
            return false;
        }
        if up.is_empty() {
            let c = conns[0];
            return deny(
                self,
                &c.vpn_connection_id,
                ExplanationCode::BadStateVpn,
                format!(
                    "{vgw_id} carries nothing to or from the customer network: {}",
                    down_reason(c)
                ),
            );
        }
        let by_static = up.iter().find(|c| {
            c.routes
                .iter()
                .any(|r| r.state == "available" && remote.within(&r.destination_cidr_block))
        });
        let id = up[0].vpn_connection_id.clone();
        let (decision, detail) = match (by_static, learned) {
            (Some(c), _) => (
                Decision::Allow,
                format!(
                    "{vgw_id} carries {remote} over {} (a tunnel is up; a static route covers it)",
                    c.vpn_connection_id
                ),
            ),
            (None, true) => (
                Decision::Allow,
                format!("{vgw_id} carries {remote} over {id} (a tunnel is up; the customer gateway advertises it over BGP: the VPC's propagated route)"),
            ),
            (None, false) if up.iter().all(|c| c.static_routes_only) => {
                return deny(
                    self,
                    &id,
                    ExplanationCode::CannotRoute,
                    format!("no static route of {vgw_id}'s VPN connections covers {remote}"),
                );
            }
            (None, false) => {
                let mut h = hop(
                    leg,
                    HopKind::VpnGateway,
                    &id,
                    Decision::Unknown,
                    format!("{vgw_id}'s connection {id} is up, but whether its customer gateway advertises {remote} over BGP is not in the snapshot (no propagated route covers it)"),
                );
                h.missing.push(format!(
                    "the routes {id}'s customer gateway advertises over BGP (enable route propagation, or add a static route)"
                ));
                self.hops.push(h);
                return false;
            }
        };
        let mut h = hop(leg, HopKind::VpnGateway, &id, decision, detail);
        h.matched = Some(crate::answer::Matched {
            text: format!("{vgw_id} over {id} (a tunnel up)"),
            target: Some(vgw_id.to_string()),
            ..Default::default()
        });
        self.hops.push(h);
        true
    }
}

/// Why VPN connection `c` carries no traffic: its state, or each tunnel's
/// status from `VgwTelemetry`.
pub(super) fn down_reason(c: &netpath_model::VpnConnection) -> String {
    let tunnels: Vec<String> = c
        .vgw_telemetry
        .iter()
        .map(|t| {
            format!(
                "{} {}{}",
                t.outside_ip_address.as_deref().unwrap_or("?"),
                t.status,
                t.status_message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if c.state != "available" {
        format!("{} is {}, not available", c.vpn_connection_id, c.state)
    } else if tunnels.is_empty() {
        format!("{} reports no tunnel telemetry", c.vpn_connection_id)
    } else {
        format!(
            "every tunnel of {} is down: {}",
            c.vpn_connection_id,
            tunnels.join(", ")
        )
    }
}
