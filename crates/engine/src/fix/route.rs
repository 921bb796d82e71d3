//! The fix of a route-table block: point the destination at the right
//! peering or gateway (`create-route`, or `replace-route` over a blackhole:
//! <https://docs.aws.amazon.com/cli/latest/reference/ec2/replace-route.html>).
//! A client without a public IP goes to the internet through a NAT gateway,
//! never through the internet gateway
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>).

use netpath_model::RouteState;

use super::FixContext;
use crate::answer::{FixEdit, Hop, PathLeg};
use crate::walk::peer_cidr;

impl FixContext<'_, '_> {
    pub(super) fn route_fix(&self, h: &Hop) -> (String, Option<String>, Option<FixEdit>) {
        let rtb = &h.component;
        let (from, to) = match h.path {
            PathLeg::Forward => (self.sp, self.dp),
            PathLeg::Return => (self.dp, self.sp),
        };
        let Some(from) = from else {
            return (format!("add a route in {rtb}"), None, None);
        };
        let replace = self.topo.route_table(rtb).is_some_and(|rt| {
            rt.routes.iter().any(|r| {
                let dest = r
                    .destination_cidr_block
                    .map(|c| c.to_string())
                    .or_else(|| r.destination_ipv6_cidr_block.map(|c| c.to_string()));
                r.state == RouteState::Blackhole
                    && h.matched.as_ref().and_then(|m| m.destination.as_deref()) == dest.as_deref()
            })
        });
        let any = if from.addr.is_v6() {
            "::/0"
        } else {
            "0.0.0.0/0"
        };
        let verb = if replace {
            "replace-route"
        } else {
            "create-route"
        };
        match to {
            Some(to)
                if to.vpc_id != from.vpc_id
                    && !(h.path == PathLeg::Forward && self.dst.via_public_ip) =>
            {
                let dest_cidr = self
                    .topo
                    .vpc(&to.vpc_id)
                    .and_then(|v| {
                        v.cidr_blocks
                            .iter()
                            .map(|c| c.to_string())
                            .find(|c| c.parse::<ipnet::IpNet>().is_ok_and(|n| to.addr.within(&n)))
                            .or_else(|| {
                                v.ipv6_cidr_blocks
                                    .iter()
                                    .find(|c| to.addr.within(*c))
                                    .map(|c| c.to_string())
                            })
                    })
                    .unwrap_or_else(|| peer_cidr(&to.addr));
                let active = self
                    .topo
                    .peerings_between(&from.vpc_id, &to.vpc_id)
                    .into_iter()
                    .find(|p| p.is_active());
                let tgw = self
                    .topo
                    .tgw
                    .common_transit_gateway(&from.vpc_id, &to.vpc_id);
                match active {
                    None if tgw.is_some() => {
                        let tgw = tgw.expect("checked");
                        (
                            format!("route {dest_cidr} in {rtb} to {tgw}, which both VPCs attach to"),
                            Some(format!(
                                "aws ec2 {verb} --route-table-id {rtb} {} {dest_cidr} --transit-gateway-id {tgw}",
                                destination_flag(&dest_cidr)
                            )),
                            route_edit(rtb, &dest_cidr, &tgw),
                        )
                    }
                    Some(p) => (
                        format!("route {dest_cidr} in {rtb} to {}", p.vpc_peering_connection_id),
                        Some(format!(
                            "aws ec2 {verb} --route-table-id {rtb} {} {dest_cidr} --vpc-peering-connection-id {}",
                            destination_flag(&dest_cidr),
                            p.vpc_peering_connection_id
                        )),
                        route_edit(rtb, &dest_cidr, &p.vpc_peering_connection_id),
                    ),
                    None => self.new_peering().unwrap_or_else(|| {
                        (
                            format!(
                                "no active peering joins {} and {}: create one, accept it, then route {dest_cidr} to it in {rtb} (and the way back on the other side)",
                                from.vpc_id, to.vpc_id
                            ),
                            None,
                            None,
                        )
                    }),
                }
            }
            Some(_) if !(h.path == PathLeg::Forward && self.dst.via_public_ip) => (
                format!("restore the local route of {} in {rtb}", from.vpc_id),
                None,
                None,
            ),
            _ => {
                let dest = match h.path {
                    PathLeg::Forward => self
                        .dst
                        .address
                        .as_ref()
                        .filter(|a| !a.is_internet())
                        .map(peer_cidr)
                        .or_else(|| {
                            self.dp
                                .and_then(|d| d.public_ip)
                                .map(|ip| crate::walk::peer_cidr(&crate::addr::AddrSet::single(ip)))
                        }),
                    PathLeg::Return => self
                        .src
                        .address
                        .as_ref()
                        .filter(|a| !a.is_internet())
                        .map(peer_cidr),
                }
                .unwrap_or_else(|| any.into());
                // A customer-network address behind a VPN connection of
                // this VPC: route its network to the virtual private gateway
                // (<https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html>).
                let peer = match h.path {
                    PathLeg::Forward => self.dst.address.as_ref(),
                    PathLeg::Return => self.src.address.as_ref(),
                };
                if let Some((vgw, cidr)) = peer
                    .and_then(|p| crate::vpn_gateway::vgw_for_remote(self.topo, &from.vpc_id, p))
                {
                    let cidr = cidr.to_string();
                    return (
                        format!("route {cidr} (the VPN connection's customer network) in {rtb} to {vgw}"),
                        Some(format!(
                            "aws ec2 {verb} --route-table-id {rtb} {} {cidr} --gateway-id {vgw}",
                            destination_flag(&cidr)
                        )),
                        route_edit(rtb, &cidr, &vgw),
                    );
                }
                // One the VPC's transit gateway attachment routes to a VPN
                // or Direct Connect attachment: route its network to the
                // transit gateway
                // (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpn-attachments.html>).
                if let Some((tgw, cidr)) =
                    peer.and_then(|p| self.topo.tgw.customer_gateway_for(&from.vpc_id, p))
                {
                    let cidr = cidr.to_string();
                    return (
                        format!("route {cidr} (the customer network behind {tgw}) in {rtb} to {tgw}"),
                        Some(format!(
                            "aws ec2 {verb} --route-table-id {rtb} {} {cidr} --transit-gateway-id {tgw}",
                            destination_flag(&cidr)
                        )),
                        route_edit(rtb, &cidr, &tgw),
                    );
                }
                // A declared on-premises network, or a private address, no
                // gateway of the VPC leads to: a route to an internet
                // gateway would be wrong, the internet does not route it
                // (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
                let onprem = peer.and_then(|p| match self.topo.onprem_network(p) {
                    Some(n) => Some(format!("in on-premises network {} ({})", n.name, n.cidr)),
                    None => p
                        .as_single()
                        .filter(|ip| crate::addr::is_private_ip(*ip))
                        .map(|_| "a private address (on premises or another network)".to_string()),
                });
                if let (Some(what), Some(p)) = (onprem, peer) {
                    let vgw = self.topo.snapshot.vpn_gateways.iter().flatten().find(|g| {
                        g.vpc_attachments
                            .iter()
                            .any(|a| a.vpc_id == from.vpc_id && a.state == "attached")
                    });
                    let cidr = peer_cidr(p);
                    let how = match vgw {
                        Some(g) => format!(
                            "if it is behind {0}, have its customer gateway advertise it (or add a static VPN route) and route {cidr} in {rtb} to {0}; otherwise connect the VPC to that network",
                            g.vpn_gateway_id
                        ),
                        None => format!("connect the VPC to that network (a VPN, Direct Connect, or a transit gateway attachment), then route {cidr} in {rtb} to that gateway"),
                    };
                    return (
                        format!(
                            "{p} is {what}, and no route of {} leads to it through a virtual private gateway or a transit gateway: {how}",
                            from.vpc_id
                        ),
                        None,
                        None,
                    );
                }
                // S3 or DynamoDB: their gateway endpoint opens only the
                // service (`vpc_endpoint.rs`).
                if h.path == PathLeg::Forward {
                    if let Some(fix) = self.gateway_endpoint_route(rtb, &from.vpc_id) {
                        return fix;
                    }
                }
                // A client with no public IP reaches the internet only
                // through a NAT gateway: a route to the internet gateway
                // would fix this hop and fail at the next.
                let private_client = h.path == PathLeg::Forward
                    && self.src.address.is_none()
                    && self.sp.is_some_and(|s| s.public_ip.is_none());
                if private_client && !from.addr.is_v6() {
                    return self.nat_route(rtb, &from.vpc_id, &from.subnet_id, verb);
                }
                // IPv6 out of a VPC with an egress-only internet gateway:
                // route to it, which opens nothing to the internet
                // (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>).
                let eigw = self
                    .topo
                    .snapshot
                    .egress_only_internet_gateways
                    .iter()
                    .flatten()
                    .filter(|_| from.addr.is_v6() && h.path == PathLeg::Forward)
                    .find(|g| {
                        g.attachments
                            .iter()
                            .any(|a| a.vpc_id == from.vpc_id && a.state == "attached")
                    });
                if let Some(g) = eigw {
                    let id = &g.egress_only_internet_gateway_id;
                    return (
                        format!("route {dest} in {rtb} to egress-only internet gateway {id}"),
                        Some(format!(
                            "aws ec2 {verb} --route-table-id {rtb} {} {dest} --egress-only-internet-gateway-id {id}",
                            destination_flag(&dest)
                        )),
                        route_edit(rtb, &dest, id),
                    );
                }
                match self.topo.attached_internet_gateways(&from.vpc_id).first() {
                    Some(igw) => (
                        format!("route {dest} in {rtb} to {}", igw.internet_gateway_id),
                        Some(format!(
                            "aws ec2 {verb} --route-table-id {rtb} {} {dest} --gateway-id {}",
                            destination_flag(&dest),
                            igw.internet_gateway_id
                        )),
                        route_edit(rtb, &dest, &igw.internet_gateway_id),
                    ),
                    None => (format!("{} has no internet gateway: attach one, then route {dest} in {rtb} to it", from.vpc_id), None, None),
                }
            }
        }
    }
}

impl FixContext<'_, '_> {
    /// `0.0.0.0/0` in `rtb` to an available public NAT gateway of `vpc_id`
    /// outside the client's own subnet (a NAT gateway must sit in a subnet
    /// that routes to the internet gateway); advice to create one when the
    /// VPC has none.
    fn nat_route(
        &self,
        rtb: &str,
        vpc_id: &str,
        subnet_id: &str,
        verb: &str,
    ) -> (String, Option<String>, Option<FixEdit>) {
        let nat = self
            .topo
            .snapshot
            .nat_gateways
            .iter()
            .flatten()
            .filter(|n| n.vpc_id == vpc_id && n.is_available() && n.subnet_id != subnet_id)
            .find(|n| n.connectivity_type.as_deref() != Some("private"));
        match nat {
            Some(n) => (
                format!(
                    "route 0.0.0.0/0 in {rtb} to {} (a NAT gateway: the client has no public IP, so the internet gateway cannot carry its traffic)",
                    n.nat_gateway_id
                ),
                Some(format!(
                    "aws ec2 {verb} --route-table-id {rtb} --destination-cidr-block 0.0.0.0/0 --nat-gateway-id {}",
                    n.nat_gateway_id
                )),
                route_edit(rtb, "0.0.0.0/0", &n.nat_gateway_id),
            ),
            None => (
                format!(
                    "the client has no public IP and {vpc_id} has no available NAT gateway: create one in a public subnet, then route 0.0.0.0/0 in {rtb} to it"
                ),
                None,
                None,
            ),
        }
    }
}

/// The CLI option naming a route's destination: `--destination-ipv6-cidr-block`
/// for an IPv6 CIDR, else `--destination-cidr-block`.
pub(super) fn destination_flag(cidr: &str) -> &'static str {
    if cidr.contains(':') {
        "--destination-ipv6-cidr-block"
    } else {
        "--destination-cidr-block"
    }
}

/// The route a route fix adds, as data (`None` when `dest` is not a CIDR).
fn route_edit(rtb: &str, dest: &str, target: &str) -> Option<FixEdit> {
    Some(FixEdit::Route {
        route_table_id: rtb.to_string(),
        destination: dest.parse().ok()?,
        target: target.to_string(),
    })
}
