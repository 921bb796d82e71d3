//! Gateway Load Balancer endpoints on the path.
//!
//! A route to a `GatewayLoadBalancer` endpoint (`vpce-…`) hands the packet
//! to the appliances behind a Gateway Load Balancer (firewalls, inspection),
//! which netpath does not see. The endpoint must be `available`; the packet
//! enters the endpoint's subnet (its network ACL inbound, from the client),
//! comes back out of the endpoint and leaves by that subnet's route table
//! (its network ACL outbound, toward the destination), as AWS documents for
//! traffic returning from the appliances, and the walk goes on that way.
//! The appliances' own hop is unknown, naming the endpoint, so the answer is
//! at best unknown, and blocked only by what blocks whatever they do; with
//! `--assume-appliance-allows`
//! ([`crate::ExplainOptions::assume_appliance_allows`]) they are taken to
//! pass every packet, and the answer can be certain.
//!
//! The appliances track connections, so the reply must come back through
//! the same endpoint: the destination's route to the client must lead to
//! it, and the endpoint subnet's route table then to the client. A reply
//! that bypasses the endpoint (or a reply routed to an endpoint the request
//! did not pass) is unknown: whether the appliances pass a connection they
//! see one way only is theirs to say.
//!
//! Sources: <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-appliance-routing>.

use netpath_model::{Direction, VpcEndpoint};

use super::return_path::RouteBack;
use super::vpc_endpoint::label;
use super::{hop, unknown_hop, Next, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};
use crate::route_table::{self, RouteTarget};

impl<'a> Walker<'_, 'a> {
    /// The route of `sp`'s subnet sent the packet for `daddr` to endpoint
    /// `e`, which is not a gateway endpoint. Walks on from the endpoint's
    /// subnet when the appliances are assumed to pass it (see the module
    /// docs); otherwise pushes the unknown or blocking hop.
    pub(super) fn via_appliance(
        &mut self,
        sp: &Placement<'a>,
        e: &'a VpcEndpoint,
        daddr: &AddrSet,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
        via_public: bool,
    ) -> Next {
        let vpce = e.vpc_endpoint_id.as_str();
        let what = label(e);
        let unknown = |w: &mut Self, detail: String, missing: String| {
            let h = unknown_hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                detail,
                missing,
            );
            w.hops.push(h);
            Next::Done
        };
        if !e.is_gateway_load_balancer() {
            return unknown(
                self,
                format!(
                    "the route sends {daddr} to {what}, which is no route target netpath follows"
                ),
                format!("what {vpce} does with routed packets"),
            );
        }
        if self.endpoint_unavailable(e) {
            // Nothing is known past appliances that get nothing.
            return Next::Done;
        }
        if self.appliances.iter().any(|a| a == vpce) {
            return unknown(
                self,
                format!("{}'s route sends {daddr} back to {what}, which the packet has just come out of: a loop through the appliances", sp.subnet_id),
                format!("where the appliances behind {vpce} send a packet routed back to them"),
            );
        }
        let Some(esub) = e
            .subnet_ids
            .first()
            .filter(|s| self.topo.subnet(s).is_some())
        else {
            return unknown(
                self,
                format!(
                    "the subnet of {what} is not in the snapshot, so its route table is unknown"
                ),
                format!("the subnet of {vpce} (DescribeSubnets)"),
            );
        };
        if dp.is_some_and(|d| !via_public && d.subnet_id == *esub) {
            return unknown(
                self,
                format!(
                    "{dst} is in {esub}, the subnet of {what} itself",
                    dst = dst.reference
                ),
                format!("how {vpce} delivers to its own subnet (not modelled)"),
            );
        }
        let h = if self.flow.assume_appliance_allows {
            hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                Decision::Allow,
                format!("{what} in {esub} hands the packet to the appliances behind it, assumed to pass it (--assume-appliance-allows); it comes back out of the endpoint, and {esub}'s route table routes it on"),
            )
        } else {
            unknown_hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                format!("the route sends {daddr} to {what} in {esub}: it hands the packet to appliances netpath does not see, so whether they pass it is unknown (--assume-appliance-allows walks on as if they do); what is walked beyond, as if they pass it, can still block for certain"),
                format!("what the appliances behind {vpce} do with the packet (or pass --assume-appliance-allows)"),
            )
        };
        self.hops.push(h);
        self.appliances.push(vpce.to_string());
        // Into the endpoint's subnet from the client's.
        if *esub != sp.subnet_id {
            self.cross(esub, Direction::Ingress, &sp.addr, self.flow.ephemeral);
        }
        let out = Placement {
            subnet_id: esub.clone(),
            ..sp.clone()
        };
        let mark = self.hops.len();
        self.leave_subnet(&out, dst, dp, daddr, via_public);
        self.reply_beyond(mark, e, &sp.addr);
        Next::Done
    }

    /// After the walk on from endpoint `e` (its hops from `mark`): when the
    /// endpoint subnet's route sent the request out of the VPC's own
    /// subnets, whether the reply comes back through the appliances. Back
    /// from the internet, an internet gateway's edge route table must send
    /// the client's address `client` to `e`
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html>);
    /// back through anything else (a NAT gateway, a peering, a transit or
    /// VPN gateway) netpath does not follow the reply to the appliances:
    /// unknown, as the appliances may see the connection one way only.
    fn reply_beyond(&mut self, mark: usize, e: &VpcEndpoint, client: &AddrSet) {
        let exit = self.hops[mark..]
            .iter()
            .find(|h| h.path == PathLeg::Forward && h.kind == HopKind::RouteTable)
            .filter(|h| h.decision == Decision::Allow)
            .and_then(|h| h.matched.as_ref()?.target.clone());
        let Some(exit) = exit.filter(|t| t != "local") else {
            return;
        };
        let vpce = e.vpc_endpoint_id.as_str();
        let back = if exit.starts_with("igw-") {
            let edge = route_table::edge_route_table(self.topo, &exit);
            let to = edge.map(|rt| {
                route_table::lookup_set(self.topo, rt, client)
                    .into_iter()
                    .map(|(_, r)| r.map(route_table::target))
                    .collect::<Vec<_>>()
            });
            match to {
                Some(t) if !t.is_empty() && t.iter().all(|t| matches!(t, Some(RouteTarget::VpcEndpoint(id)) if id == vpce)) => {
                    let rtb = edge.map_or("", |rt| rt.route_table_id.as_str());
                    self.hops.push(hop(
                        PathLeg::Return,
                        HopKind::RouteTable,
                        rtb,
                        Decision::Allow,
                        format!("{exit}'s edge route table {rtb} sends the reply to {client} back to {vpce}, through the appliances the request passed"),
                    ));
                    return;
                }
                Some(_) => format!("{exit}'s edge route table does not send the reply to {client} back to {vpce}"),
                None => format!("{exit} has no edge route table, so the reply to {client} comes straight back to it, around {vpce}"),
            }
        } else {
            format!("netpath does not follow the reply back from {exit} to {vpce}")
        };
        self.hops.push(unknown_hop(
            PathLeg::Return,
            HopKind::VpcEndpoint,
            vpce,
            format!("the request left through {exit} after the appliances behind {vpce}; {back}: they may see the connection one way only, and whether they pass it then is theirs to say"),
            format!("whether the reply from beyond {exit} passes the appliances behind {vpce}"),
        ));
    }

    /// The reply of `back` is routed to `target` from its subnet. Handles
    /// what Gateway Load Balancer endpoints make of it (see the module
    /// docs) and returns the client subnet to skip as
    /// [`Walker::route_back`] does; `None` when they play no part.
    pub(super) fn reply_through_appliance(
        &mut self,
        back: &RouteBack,
        target: &RouteTarget,
    ) -> Option<Option<String>> {
        if !matches!(
            back,
            RouteBack::Vpc { .. } | RouteBack::InternetGateway { .. }
        ) {
            return None;
        }
        let gwlb = match target {
            RouteTarget::VpcEndpoint(id) => self
                .topo
                .endpoints
                .get(id)
                .filter(|e| e.is_gateway_load_balancer()),
            _ => None,
        };
        let passed = self.appliances.join(", ");
        let Some(e) = gwlb else {
            if self.appliances.is_empty() || self.reply_passed_appliances {
                return None;
            }
            self.unknown_last(
                &format!("the request passed the appliances behind {passed}, but the reply is not routed back through them: they see the connection one way only, and whether they pass it is theirs to say (route the reply through the same endpoint)"),
                format!("whether the appliances behind {passed} pass a connection whose reply bypasses them"),
            );
            return Some(None);
        };
        let vpce = e.vpc_endpoint_id.as_str();
        let what = label(e);
        if !self.appliances.iter().any(|a| a == vpce) || self.reply_passed_appliances {
            let why = if self.reply_passed_appliances {
                format!("the reply, already back from the appliances, is routed to {what} again: a loop through the appliances")
            } else {
                format!("the reply is routed to {what}, whose appliances the request did not pass: they see the connection one way only")
            };
            self.unknown_last(
                &why,
                format!("what the appliances behind {vpce} do with a reply to a connection they did not see start"),
            );
            return Some(None);
        }
        let esub = e.subnet_ids.first()?.clone();
        let h = if self.flow.assume_appliance_allows {
            hop(
                PathLeg::Return,
                HopKind::VpcEndpoint,
                vpce,
                Decision::Allow,
                format!("the reply passes back through {what} (its appliances assumed to pass it); {esub}'s route table routes it on"),
            )
        } else {
            unknown_hop(
                PathLeg::Return,
                HopKind::VpcEndpoint,
                vpce,
                format!("the reply is routed back through {what}, to appliances netpath does not see; {esub}'s route table routes it on"),
                format!("what the appliances behind {vpce} do with the reply (or pass --assume-appliance-allows)"),
            )
        };
        self.hops.push(h);
        self.reply_passed_appliances = true;
        Some(self.route_back(&back.routed_from(&esub)))
    }
}
