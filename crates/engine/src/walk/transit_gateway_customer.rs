//! Customer networks behind a transit gateway: its VPN attachments (a
//! Site-to-Site VPN connection that terminates on the transit gateway) and
//! its Direct Connect gateway attachments, both directions.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpn-attachments.html>:
//!   a VPN connection on a transit gateway is an attachment; its static
//!   routes are transit gateway routes to it, and with BGP the routes the
//!   customer gateway advertises propagate into the tables the attachment
//!   propagates to;
//! - <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html>: the
//!   connection carries traffic only while it is `available` with a tunnel
//!   `UP`;
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-dcg-attachments.html>
//!   and <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>:
//!   a Direct Connect gateway attachment carries what the association's
//!   allowed prefixes advertise to the customer network;
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html>:
//!   a packet arriving on an attachment is routed by the table associated
//!   with that attachment, the reply by the table of the attachment it
//!   comes back on.

use netpath_model::{Direction, PortRange, TransitGatewayAttachment};

use super::direct_connect_gateway::DirectConnect;
use super::return_path::{RouteBack, Step};
use super::transit_gateway::TgwOut;
use super::vpn_gateway::down_reason;
use super::{hop, Next, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};
use crate::route_table::RouteTarget;

impl<'a> Walker<'_, 'a> {
    /// The request from `sp` routed to transit gateway `tgw` for `daddr`:
    /// into a VPC, or out to a customer network (the reply then comes back
    /// on that attachment).
    pub(super) fn routed_to_transit_gateway(
        &mut self,
        sp: &Placement<'a>,
        tgw: &str,
        daddr: &AddrSet,
    ) -> Next {
        let from = (sp.subnet_id.as_str(), sp.vpc_id.as_str(), &sp.addr);
        let port = PortRange::new(self.flow.port, self.flow.port);
        match self.transit(PathLeg::Forward, tgw, from, daddr, port) {
            Some(TgwOut::Vpc(exit)) => Next::TransitGateway(exit),
            Some(TgwOut::Customer {
                transit_gateway_id,
                attachment_id,
            }) => {
                self.delivered = true;
                // The reply comes back on that attachment, of the gateway
                // it belongs to.
                self.steps.push(Step::RouteBack(RouteBack::FromCustomer {
                    tgw: transit_gateway_id,
                    attachment_id,
                    to: sp.addr.clone(),
                    to_vpc: sp.vpc_id.clone(),
                    to_subnet: sp.subnet_id.clone(),
                }));
                Next::Internet
            }
            None => Next::Lost,
        }
    }

    /// The customer side of attachment `att` of `tgw_id` for a flow between
    /// VPC-side address `local` and customer-network address `remote`:
    /// the VPN connection must be up, or the Direct Connect gateway must
    /// advertise `local`. Pushes one hop; true when it allows.
    pub(super) fn customer_side(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        att_id: &str,
        local: &AddrSet,
        remote: &AddrSet,
    ) -> bool {
        let Some(att) = self.topo.tgw.attachment_on(tgw_id, att_id) else {
            self.unknown(
                leg,
                HopKind::TransitGatewayAttachment,
                att_id,
                format!("attachment {att_id} of {tgw_id} (not in the DescribeTransitGatewayAttachments output)"),
            );
            return false;
        };
        if !att.is_available() {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                att_id,
                Decision::Deny,
                format!(
                    "{att_id} ({} attachment of {tgw_id}) is {}, not available",
                    att.resource_type, att.state
                ),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return false;
        }
        if att.resource_type == "vpn" {
            return self.tgw_vpn(leg, tgw_id, att, remote);
        }
        let dxgw = att.resource_id.as_deref();
        match self.direct_connect(leg, tgw_id, dxgw, (local, remote)) {
            DirectConnect::Decided(ok) => ok,
            DirectConnect::Missing(m) => {
                self.unknown(
                    leg,
                    HopKind::DirectConnectGateway,
                    dxgw.unwrap_or(att_id),
                    m,
                );
                false
            }
            DirectConnect::NoAssociation => {
                let id = dxgw.unwrap_or(att_id);
                self.unknown(
                    leg,
                    HopKind::DirectConnectGateway,
                    id,
                    format!("the association of Direct Connect gateway {id} with {tgw_id}, which {att_id} attaches (not in the snapshot: the Direct Connect gateway may belong to another account)"),
                );
                false
            }
        }
    }

    /// The VPN connection behind VPN attachment `att` of `tgw_id` carries
    /// traffic to and from `remote` while a tunnel is up. Pushes one
    /// `vpn-gateway` hop; true when it allows.
    fn tgw_vpn(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        att: &TransitGatewayAttachment,
        remote: &AddrSet,
    ) -> bool {
        let att_id = att.transit_gateway_attachment_id.as_str();
        let snap = self.topo.snapshot;
        if let Some(m) = self.topo.missing(
            snap.vpn_connections.is_some(),
            "ec2:DescribeVpnConnections",
            "VPN connections",
            None,
        ) {
            self.unknown(leg, HopKind::VpnGateway, att_id, m);
            return false;
        }
        let vpn_id = att.resource_id.as_deref().unwrap_or_default();
        let Some(c) = snap
            .vpn_connections
            .iter()
            .flatten()
            .find(|c| c.vpn_connection_id == vpn_id)
        else {
            self.unknown(
                leg,
                HopKind::VpnGateway,
                att_id,
                format!("VPN connection {vpn_id}, which {att_id} attaches to {tgw_id} (not in the DescribeVpnConnections output)"),
            );
            return false;
        };
        if !c.carries_traffic() {
            let h = hop(
                leg,
                HopKind::VpnGateway,
                vpn_id,
                Decision::Deny,
                format!(
                    "{tgw_id}'s VPN attachment {att_id} carries nothing to or from the customer network: {}",
                    down_reason(c)
                ),
            );
            self.push(h, ExplanationCode::BadStateVpn);
            return false;
        }
        let mut h = hop(
            leg,
            HopKind::VpnGateway,
            vpn_id,
            Decision::Allow,
            format!(
                "{tgw_id} carries {remote} over {vpn_id} (attachment {att_id}; a tunnel is up)"
            ),
        );
        h.matched = Some(crate::answer::Matched {
            text: format!("{tgw_id} over {vpn_id} (a tunnel up)"),
            target: Some(att_id.to_string()),
            ..Default::default()
        });
        self.hops.push(h);
        true
    }

    /// From customer-network address `src` (the destination's subnet routes
    /// replies to it through `tgw`) to `dp`: in on the attachment the
    /// customer network is behind (of `tgw`, or of a gateway peered with
    /// it), through the table associated with it, into the destination's
    /// VPC, then its subnet and groups. Returns false
    /// (pushing nothing) when `src` is not behind a VPN or Direct Connect
    /// attachment of `tgw`.
    pub(super) fn outside_via_transit_gateway(
        &mut self,
        src: &AddrSet,
        dst: &Endpoint<'a>,
        dp: &Placement<'a>,
        tgw: &str,
    ) -> bool {
        // The customer network may be behind a gateway peered with `tgw`:
        // the request enters there and crosses the peering.
        let Some((entry, att_id, _)) = self.topo.tgw.customer_entry(tgw, &dp.vpc_id, src) else {
            return false;
        };
        let port = PortRange::new(self.flow.port, self.flow.port);
        self.customer_side(PathLeg::Forward, &entry, &att_id, &dp.addr, src);
        let exit = match self.route_on(
            PathLeg::Forward,
            &entry,
            &att_id,
            None,
            (&dp.addr, &dp.addr),
        ) {
            Some(TgwOut::Vpc(e)) if e.vpc_id == dp.vpc_id => Some(e),
            Some(out) => {
                let into = match out {
                    TgwOut::Vpc(e) => e.vpc_id,
                    TgwOut::Customer { attachment_id, .. } => attachment_id,
                };
                self.deny_last(
                    ExplanationCode::CannotRoute,
                    &format!(
                        "{} is in {}, but the packet goes to {into}",
                        dp.addr, dp.vpc_id
                    ),
                );
                None
            }
            None => None,
        };
        self.steps.push(Step::RouteBack(RouteBack::ToCustomer {
            subnet_id: dp.subnet_id.clone(),
            vpc_id: dp.vpc_id.clone(),
            from: dp.addr.clone(),
            to: src.clone(),
            tgw: tgw.to_string(),
        }));
        let through = match &exit {
            Some(e) => self.tgw_deliver(
                PathLeg::Forward,
                e.subnet_id.as_deref(),
                &dp.subnet_id,
                &dp.addr,
                port,
            ),
            None => true,
        };
        if through {
            self.cross(&dp.subnet_id, Direction::Ingress, src, self.flow.ephemeral);
        } else {
            self.steps.push(Step::Boundary {
                subnet_id: dp.subnet_id.clone(),
                direction: Direction::Ingress,
                peer: src.clone(),
                reply_ports: self.flow.ephemeral,
            });
        }
        self.outside_arrives(src, dst, dp);
        true
    }

    /// The reply's way for the two customer-network route-backs; `None` for
    /// any other. The inner value is the client subnet whose network ACL
    /// the reply does not cross (see `return_path.rs`).
    pub(super) fn customer_route_back(&mut self, back: &RouteBack) -> Option<Option<String>> {
        match back {
            // The reply from the customer network comes back on the
            // attachment the request left by.
            RouteBack::FromCustomer {
                tgw,
                attachment_id,
                to,
                to_vpc,
                to_subnet,
            } => {
                let out = self.route_on(PathLeg::Return, tgw, attachment_id, None, (to, to));
                Some(self.deliver_reply(out, to, to_vpc, to_subnet))
            }
            // The reply to the customer network leaves by the destination
            // subnet's route, which must lead to the same transit gateway.
            RouteBack::ToCustomer {
                subnet_id,
                vpc_id,
                from,
                to,
                tgw,
            } => {
                let Some((target, _)) = self.route(PathLeg::Return, subnet_id, to) else {
                    return Some(None);
                };
                if !matches!(&target, RouteTarget::TransitGateway(g) if g == tgw) {
                    self.deny_last(
                        ExplanationCode::NoRouteToDestination,
                        &format!("the reply to {to} must go back through {tgw}, which the request came in by"),
                    );
                    return Some(None);
                }
                let ports = self.flow.ephemeral;
                let from = (subnet_id.as_str(), vpc_id.as_str(), from);
                if let Some(TgwOut::Vpc(e)) = self.transit(PathLeg::Return, tgw, from, to, ports) {
                    self.deny_last(
                        ExplanationCode::CannotRoute,
                        &format!(
                            "the reply to {to} is delivered into {}, not to the customer network",
                            e.vpc_id
                        ),
                    );
                }
                Some(None)
            }
            _ => None,
        }
    }
}
