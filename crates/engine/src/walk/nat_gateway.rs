//! NAT gateways: from a private subnet to the internet, with the NAT
//! gateway's own source ports on the far side.
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>.

use netpath_model::PortRange;

use netpath_model::Direction;

use super::{hop, Walker};
use crate::addr::{is_private_ip, AddrSet};
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::Placement;
use crate::route_table::RouteTarget;

/// The source ports a NAT gateway uses towards the destination.
/// Source: <https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html>
/// and <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>.
pub(crate) const NAT_GATEWAY_PORTS: PortRange = PortRange::new(1024, 65535);

impl<'a> Walker<'_, 'a> {
    /// Through a NAT gateway to the internet.
    pub(super) fn via_nat(&mut self, sp: &Placement<'a>, nat_id: &str, daddr: &AddrSet) {
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.nat_gateways.is_some(),
            "ec2:DescribeNatGateways",
            "NAT gateways",
            Some(&sp.vpc_id),
        ) {
            return self.unknown(PathLeg::Forward, HopKind::NatGateway, nat_id, m);
        }
        let Some(nat) = self.topo.nat_gateway(nat_id) else {
            let h = hop(
                PathLeg::Forward,
                HopKind::NatGateway,
                nat_id,
                Decision::Deny,
                format!("the route targets {nat_id}, which is not in the snapshot"),
            );
            return self.push(h, ExplanationCode::BadState);
        };
        // Only an `available` NAT gateway forwards traffic
        // (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html>).
        if !nat.is_available() {
            let h = hop(
                PathLeg::Forward,
                HopKind::NatGateway,
                nat_id,
                Decision::Deny,
                format!("{nat_id} is {}, not available", nat.state),
            );
            return self.push(h, ExplanationCode::BadState);
        }
        // IPv6 through a NAT gateway is NAT64 (64:ff9b::/96 to an IPv4
        // address), which netpath does not model
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html>).
        if daddr.is_v6() {
            let mut h = hop(
                PathLeg::Forward,
                HopKind::NatGateway,
                nat_id,
                Decision::Unknown,
                format!(
                    "{nat_id} would translate IPv6 {daddr} by NAT64; netpath does not model NAT64"
                ),
            );
            h.missing
                .push(format!("NAT64 through {nat_id} (not modelled)"));
            return self.hops.push(h);
        }
        // A private NAT gateway, or a public one asked for a private
        // address, forwards to other networks netpath does not follow
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>).
        if nat.connectivity_type.as_deref() == Some("private")
            || daddr.starts().iter().all(|ip| is_private_ip(*ip))
        {
            let mut h = hop(PathLeg::Forward, HopKind::NatGateway, nat_id, Decision::Unknown,
                format!("{nat_id} forwards {daddr} onward; netpath follows NAT gateways only to the internet"));
            h.missing.push(format!(
                "the path beyond {nat_id} to a private address (not modelled)"
            ));
            return self.hops.push(h);
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::NatGateway,
            nat_id,
            Decision::Allow,
            format!(
                "{nat_id} in {} is available and translates the source to its public address",
                nat.subnet_id
            ),
        );
        self.hops.push(h);
        // The reply reaches the NAT gateway on the ports it chose, then the
        // client on its own ephemeral port.
        self.delivered = true;
        if nat.subnet_id != sp.subnet_id {
            self.cross(
                &nat.subnet_id,
                Direction::Ingress,
                &sp.addr,
                self.flow.ephemeral,
            );
        }
        if let Some((RouteTarget::InternetGateway(igw), _)) =
            self.route(PathLeg::Forward, &nat.subnet_id, daddr)
        {
            if self.igw_attached(PathLeg::Forward, &igw, &nat.vpc_id) {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::InternetGateway,
                    &igw,
                    Decision::Allow,
                    format!("{igw} carries {nat_id}'s traffic to the internet"),
                );
                self.hops.push(h);
            }
        } else if let Some(last) = self
            .hops
            .last_mut()
            .filter(|h| h.kind == HopKind::RouteTable && h.decision == Decision::Allow)
        {
            last.decision = Decision::Deny;
            last.code = Some(ExplanationCode::NoRouteToDestination);
            last.detail = format!(
                "{}; a NAT gateway needs a route to an internet gateway to reach the internet",
                last.detail
            );
        }
        // Beyond the NAT gateway the reply comes to its own ports; an ICMP
        // reply has no ports, only its message (the flow's reply key).
        let beyond = if self.proto().has_ports() {
            NAT_GATEWAY_PORTS
        } else {
            self.flow.ephemeral
        };
        self.cross(&nat.subnet_id, Direction::Egress, daddr, beyond);
    }
}
