//! The one return path.
//!
//! The reply retraces the request. The forward walk records, in order, every
//! subnet boundary the request crossed ([`Step::Boundary`]) and every
//! delivery whose reply needs a route back ([`Step::RouteBack`]); the return
//! path replays them in reverse:
//! - a boundary is crossed again the other way: a subnet's outbound NACL
//!   entries become its inbound ones and back, with the same far end, on the
//!   reply's destination ports: the client's ephemeral range, or a NAT
//!   gateway's 1024-65535 beyond it. NACLs are stateless, so the reply must
//!   be allowed explicitly
//!   (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
//!   <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>);
//! - a delivery needs a route from the destination's subnet back to the
//!   client: `local` within a VPC, the same active peering across VPCs
//!   (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>),
//!   an attached internet gateway for a client on the internet
//!   (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>).
//!
//! Security groups are stateful and never see the reply
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>).

use netpath_model::host::Hook;
use netpath_model::{Direction, PortRange};

use super::transit_gateway::TgwOut;
use super::Walker;
use crate::addr::{AddrSet, PortSet};
use crate::answer::{Decision, ExplanationCode, Hop, HopKind, PathLeg};
use crate::route_table::RouteTarget;

/// What the forward walk did that the reply must retrace.
pub(super) enum Step {
    /// The request crossed the NACL of `subnet_id` in `direction`
    /// with `peer` at the far end; the reply crosses it the other way, to
    /// `reply_ports`.
    Boundary {
        subnet_id: String,
        direction: Direction,
        peer: AddrSet,
        reply_ports: PortRange,
    },
    /// The request was delivered; the reply needs a route back.
    RouteBack(RouteBack),
    /// The reply passes a host's own firewall (`host.rs`).
    Host(HostReply),
}

/// A host firewall check the reply must pass, recorded on the way there.
pub(super) struct HostReply {
    /// The instance.
    pub instance_id: String,
    /// Output (the destination answering) or input (the client receiving).
    pub hook: Hook,
    /// The host's own address.
    pub local: AddrSet,
    /// The far end.
    pub remote: AddrSet,
}

/// The route a reply needs from the destination's subnet.
#[derive(Clone)]
pub(super) enum RouteBack {
    /// To a client ENI `to` in `to_subnet` of `to_vpc`, from `from` in
    /// `subnet_id` of `vpc_id`: `local` when both are in one VPC, else the
    /// active peering that joins them, or a transit gateway that carries
    /// the reply back (`transit_gateway.rs`).
    Vpc {
        subnet_id: String,
        vpc_id: String,
        from: AddrSet,
        to: AddrSet,
        to_vpc: String,
        to_subnet: String,
    },
    /// To a client in the customer network behind `vgw`, which the
    /// request came in by: a route to that virtual private gateway.
    VpnGateway {
        subnet_id: String,
        to: AddrSet,
        vgw: String,
    },
    /// To a client ENI `to` in `to_subnet` of `to_vpc`, from the customer
    /// network behind attachment `attachment_id` of transit gateway `tgw`,
    /// which the request left by (`transit_gateway_customer.rs`).
    FromCustomer {
        tgw: String,
        attachment_id: String,
        to: AddrSet,
        to_vpc: String,
        to_subnet: String,
    },
    /// To a client `to` in the customer network behind transit gateway
    /// `tgw`, which the request came in by, from `from` in `subnet_id` of
    /// `vpc_id` (`transit_gateway_customer.rs`).
    ToCustomer {
        subnet_id: String,
        vpc_id: String,
        from: AddrSet,
        to: AddrSet,
        tgw: String,
    },
    /// To a client that is not on the internet (`network` says where: a
    /// declared on-premises network, or a private address) and to which no
    /// virtual private or transit gateway of the VPC leads: the subnet's
    /// route sends the reply elsewhere (an internet gateway, nowhere).
    OnPrem {
        subnet_id: String,
        to: AddrSet,
        network: String,
    },
    /// To a client on the internet: a route to one of `igws`, the internet
    /// gateways attached to the destination's VPC.
    InternetGateway {
        subnet_id: String,
        vpc_id: String,
        to: AddrSet,
        igws: Vec<String>,
    },
}

impl RouteBack {
    /// The same reply, routed from `subnet` instead (where a Gateway Load
    /// Balancer endpoint hands it back): for a reply within the VPCs or to
    /// the internet; any other is returned as it is.
    pub(super) fn routed_from(&self, subnet: &str) -> RouteBack {
        let mut back = self.clone();
        if let RouteBack::Vpc { subnet_id, .. } | RouteBack::InternetGateway { subnet_id, .. } =
            &mut back
        {
            *subnet_id = subnet.to_string();
        }
        back
    }
}

/// The direction a reply crosses a boundary the request crossed in `d`.
fn opposite(d: Direction) -> Direction {
    match d {
        Direction::Ingress => Direction::Egress,
        Direction::Egress => Direction::Ingress,
    }
}

impl Walker<'_, '_> {
    /// Replays the recorded steps in reverse, pushing the return-path hops.
    pub(super) fn return_path(&mut self) {
        let steps = std::mem::take(&mut self.steps);
        // A client subnet the reply reaches straight from a transit
        // gateway's attachment in it: its ACL does not see the reply.
        let mut skip: Option<String> = None;
        for step in steps.iter().rev() {
            match step {
                Step::Boundary {
                    subnet_id,
                    direction: Direction::Egress,
                    ..
                } if skip.as_ref() == Some(subnet_id) => {
                    let h = super::hop(
                        PathLeg::Return,
                        HopKind::NetworkAcl,
                        subnet_id,
                        Decision::NotApplicable,
                        format!("the transit gateway delivers the reply through {subnet_id} itself: its network ACL does not evaluate traffic from the transit gateway to that subnet"),
                    );
                    self.hops.push(h);
                }
                Step::Boundary {
                    subnet_id,
                    direction,
                    peer,
                    reply_ports,
                } => self.network_acl(
                    PathLeg::Return,
                    subnet_id,
                    opposite(*direction),
                    peer,
                    *reply_ports,
                    self.proto(),
                ),
                Step::RouteBack(back) => skip = self.route_back(back),
                Step::Host(r) => self.host_reply(r),
            }
        }
    }

    /// The reply must be routed from the destination's subnet back to the
    /// client. Pushes the return route-table hop, turned into a deny when
    /// the route leads elsewhere. Returns the client subnet whose network
    /// ACL the reply does not cross (a transit gateway delivers it from
    /// that subnet itself).
    pub(super) fn route_back(&mut self, back: &RouteBack) -> Option<String> {
        if let Some(skip) = self.customer_route_back(back) {
            return skip;
        }
        let (subnet_id, to) = match back {
            RouteBack::Vpc { subnet_id, to, .. }
            | RouteBack::VpnGateway { subnet_id, to, .. }
            | RouteBack::OnPrem { subnet_id, to, .. }
            | RouteBack::InternetGateway { subnet_id, to, .. } => (subnet_id, to),
            RouteBack::FromCustomer { .. } | RouteBack::ToCustomer { .. } => return None,
        };
        let Some((target, _)) = self.route(PathLeg::Return, subnet_id, to) else {
            if let RouteBack::OnPrem { network, .. } = back {
                if let Some(last) = self.hops.last_mut().filter(|h| h.path == PathLeg::Return) {
                    last.detail = format!("{}; {to} is {network}", last.detail);
                }
            }
            return None;
        };
        // Through (or around) Gateway Load Balancer endpoints
        // (`gateway_load_balancer_endpoint.rs`).
        if let Some(skip) = self.reply_through_appliance(back, &target) {
            return skip;
        }
        if let RouteBack::OnPrem { network, .. } = back {
            // A declared on-premises client is reached only through a
            // virtual private gateway or a transit gateway
            // (<https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html>).
            self.deny_last(
                ExplanationCode::NoRouteToDestination,
                &format!("{to} is {network}, so its reply needs a route to a virtual private gateway or a transit gateway that leads there"),
            );
            return None;
        }
        if let RouteBack::VpnGateway { vgw, .. } = back {
            // The VGW hop on the way in judged the connection for both
            // directions; the reply only needs the route to it.
            if !matches!(&target, RouteTarget::VpnGateway(g) if *g == *vgw) {
                self.deny_last(
                    ExplanationCode::NoRouteToDestination,
                    &format!("the reply to {to} must go back through {vgw}, which the request came in by"),
                );
            }
            return None;
        }
        if let (
            RouteTarget::TransitGateway(tgw),
            RouteBack::Vpc {
                vpc_id,
                from,
                to_vpc,
                to_subnet,
                ..
            },
        ) = (&target, back)
        {
            return self.reply_through_tgw(tgw, (subnet_id, vpc_id, from), to, to_vpc, to_subnet);
        }
        // A reply routed to a gateway netpath does not follow yet (a virtual
        // private gateway, a transit gateway, a middlebox) is undecided, not
        // dropped: the client may well be reached that way.
        let unfollowed = match &target {
            RouteTarget::Other(kind, id) => Some((*kind, id)),
            RouteTarget::VpnGateway(id) => Some(("virtual private gateway", id)),
            RouteTarget::TransitGateway(id) => Some(("transit gateway", id)),
            RouteTarget::VpcEndpoint(id) => Some(("VPC endpoint", id)),
            _ => None,
        };
        if let Some((kind, id)) = unfollowed {
            self.unknown_last(
                &format!("netpath does not follow the reply through {kind} {id} yet"),
                format!("the path through {kind} {id} (not modelled)"),
            );
            return None;
        }
        // The reply to a connection that came in through an internet
        // gateway, routed out by an egress-only one: AWS documents the
        // egress-only gateway as stateful for connections started inside,
        // and does not say what it does with such a reply.
        if let (RouteTarget::EgressOnlyInternetGateway(id), RouteBack::InternetGateway { .. }) =
            (&target, back)
        {
            self.unknown_last(
                &format!("the request came in through an internet gateway, and whether egress-only gateway {id} carries the reply to a connection it did not see start is not documented"),
                format!("how {id} treats replies to inbound connections (undocumented)"),
            );
            return None;
        }
        let (ok, code, why) = match back {
            // Within a VPC the `local` route carries the reply; across VPCs
            // only the peering that joins them does: peering is not transitive
            // (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>).
            RouteBack::Vpc { vpc_id, to_vpc, .. } => {
                let ok = match &target {
                    RouteTarget::Local => vpc_id == to_vpc,
                    RouteTarget::VpcPeeringConnection(pcx) => {
                        self.topo.peering(pcx).is_some_and(|p| {
                            let ends = [&p.requester_vpc_info.vpc_id, &p.accepter_vpc_info.vpc_id];
                            p.is_active() && ends.contains(&vpc_id) && ends.contains(&to_vpc)
                        })
                    }
                    _ => false,
                };
                let code = if matches!(target, RouteTarget::VpcPeeringConnection(_)) {
                    ExplanationCode::CannotRoute
                } else {
                    ExplanationCode::NoRouteToDestination
                };
                (
                    ok,
                    code,
                    format!("the reply to {to} in {to_vpc} does not get back that way"),
                )
            }
            // The reply to an internet client leaves through an attached
            // internet gateway
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>).
            RouteBack::VpnGateway { .. }
            | RouteBack::OnPrem { .. }
            | RouteBack::FromCustomer { .. }
            | RouteBack::ToCustomer { .. } => return None,
            RouteBack::InternetGateway { igws, vpc_id, .. } => {
                if let (RouteTarget::InternetGateway(_), Some(m)) =
                    (&target, self.internet_gateways_missing(vpc_id))
                {
                    let last = self.hops.last_mut().expect("route pushed a hop");
                    last.decision = Decision::Unknown;
                    last.missing.push(m);
                    return None;
                }
                // A reply routed into a peering whose other VPC is not in
                // the snapshot (a cross-account peering with one side
                // collected): the client may well be there.
                if let RouteTarget::VpcPeeringConnection(pcx) = &target {
                    if let Some(m) = self.peer_side_missing(pcx, vpc_id) {
                        let last = self.hops.last_mut().expect("route pushed a hop");
                        last.decision = Decision::Unknown;
                        last.missing.push(m);
                        return None;
                    }
                }
                (
                    matches!(&target, RouteTarget::InternetGateway(g) if igws.contains(g)),
                    ExplanationCode::NoRouteToDestination,
                    format!("the reply to {to} needs a route to an attached internet gateway"),
                )
            }
        };
        if !ok {
            self.deny_last(code, &why);
        }
        None
    }

    /// The reply from `from` in `subnet_id` of `vpc_id`, routed to a
    /// transit gateway, back to `to` in `to_subnet` of `to_vpc`: the same
    /// checks as the request's way (`transit_gateway.rs`), through the
    /// route table associated with the destination VPC's attachment, then
    /// the client-side attachment subnet's outbound rules. Returns
    /// `to_subnet` when the gateway delivers through it, so its network
    /// ACL does not see the reply.
    fn reply_through_tgw(
        &mut self,
        tgw: &str,
        (subnet_id, vpc_id, from): (&str, &str, &AddrSet),
        to: &AddrSet,
        to_vpc: &str,
        to_subnet: &str,
    ) -> Option<String> {
        let ports = self.flow.ephemeral;
        let out = self.transit(PathLeg::Return, tgw, (subnet_id, vpc_id, from), to, ports);
        self.deliver_reply(out, to, to_vpc, to_subnet)
    }

    /// The reply left a transit gateway as `out` for client `to` in
    /// `to_subnet` of `to_vpc`: it must be delivered into that VPC, through
    /// the attachment subnet's outbound rules. Returns `to_subnet` when the
    /// gateway delivers through it, so its network ACL does not see the
    /// reply.
    pub(super) fn deliver_reply(
        &mut self,
        out: Option<TgwOut>,
        to: &AddrSet,
        to_vpc: &str,
        to_subnet: &str,
    ) -> Option<String> {
        let exit = match out? {
            TgwOut::Vpc(e) => e,
            TgwOut::Customer { attachment_id, .. } => {
                self.deny_last(
                    ExplanationCode::CannotRoute,
                    &format!("the reply to {to} leaves through {attachment_id}, not into {to_vpc}"),
                );
                return None;
            }
        };
        if exit.vpc_id != to_vpc {
            self.deny_last(
                ExplanationCode::CannotRoute,
                &format!(
                    "the reply to {to} is delivered into {}, not {to_vpc}",
                    exit.vpc_id
                ),
            );
            return None;
        }
        let ports = self.flow.ephemeral;
        if self.tgw_deliver(
            PathLeg::Return,
            exit.subnet_id.as_deref(),
            to_subnet,
            to,
            ports,
        ) {
            None
        } else {
            // `tgw_deliver` pushed the not-applicable hop already; the
            // boundary replay must not evaluate the subnet either.
            self.hops.pop();
            Some(to_subnet.to_string())
        }
    }
}

/// The allowed part of the ephemeral range after every return-path NACL hop.
pub(crate) fn return_ports_allowed(hops: &[Hop], ephemeral: PortRange) -> PortSet {
    let mut allowed: PortSet = ephemeral.into();
    for h in hops
        .iter()
        .filter(|h| h.path == PathLeg::Return && h.kind == HopKind::NetworkAcl)
    {
        let blocked = PortSet(h.blocked_ports.clone());
        let Some(ports) = h.ports else { continue };
        // Hops over another range (a NAT gateway's ports) are judged on their own.
        if ports != ephemeral {
            continue;
        }
        allowed = allowed.minus(&blocked);
    }
    allowed
}
