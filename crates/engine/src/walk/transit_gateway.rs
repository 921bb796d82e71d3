//! Transit gateways: into the gateway through the VPC attachment in the
//! packet's Availability Zone, through the route table associated with that
//! attachment, and out through the attachment the route names, on both the
//! request's and the reply's way.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>:
//!   resources in an Availability Zone where the attachment has no subnet
//!   cannot reach the transit gateway;
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html>:
//!   the route table associated with the attachment a packet arrives on
//!   decides; longest prefix, static before propagated; blackholes drop;
//!   traffic stays in the Availability Zone it started in while the next
//!   attachment has a subnet there;
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html>: the
//!   attachment subnet's network ACL sees traffic to the transit gateway on
//!   its inbound rules (source address) and traffic from it on its outbound
//!   rules (destination address); when the attachment subnet is the
//!   instance's own, traffic from the transit gateway to it is not evaluated.

use netpath_model::{Direction, PortRange};

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, Matched, PathLeg};
use crate::transit_gateway::TgwLookup;

/// Where a packet leaves a transit gateway.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TgwOut {
    /// Into a VPC, through its attachment.
    Vpc(TgwExit),
    /// Out to a customer network through VPN or Direct Connect gateway
    /// attachment `attachment_id`, whose customer side was checked
    /// (`transit_gateway_customer.rs`).
    Customer {
        /// The gateway the attachment belongs to (past a peering, not the
        /// one the packet entered).
        transit_gateway_id: String,
        /// `tgw-attach-…` of resource type `vpn` or `direct-connect-gateway`.
        attachment_id: String,
    },
}

/// Where a packet leaves a transit gateway into a VPC.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TgwExit {
    /// The VPC it is delivered into.
    pub(super) vpc_id: String,
    /// The attachment subnet it is delivered through; `None` when that is
    /// undecidable (an unknown hop was pushed).
    pub(super) subnet_id: Option<String>,
    /// True when group references match across this crossing (security
    /// group referencing support on the gateway and both attachments).
    pub(super) references: bool,
}

impl Walker<'_, '_> {
    /// Carries a packet from `from_subnet` (in `from_vpc`, sent by
    /// `from_addr`) through transit gateway `tgw` toward `dest`, on `ports`.
    /// Pushes a hop for the ingress attachment, the ingress attachment
    /// subnet's network ACL, the route table and the egress attachment.
    /// Returns where the packet leaves, or `None` when it is dropped or
    /// undecidable beyond (the hop says which).
    pub(super) fn transit(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        (from_subnet, from_vpc, from_addr): (&str, &str, &AddrSet),
        dest: &AddrSet,
        ports: PortRange,
    ) -> Option<TgwOut> {
        let snap = self.topo.snapshot;
        for (present, op, what) in [
            (
                snap.transit_gateways.is_some(),
                "ec2:DescribeTransitGateways",
                "transit gateways",
            ),
            (
                snap.transit_gateway_vpc_attachments.is_some(),
                "ec2:DescribeTransitGatewayVpcAttachments",
                "transit gateway VPC attachments",
            ),
            (
                snap.transit_gateway_attachments.is_some(),
                "ec2:DescribeTransitGatewayAttachments",
                "transit gateway attachments (their route table associations)",
            ),
        ] {
            if let Some(m) = self.topo.missing(present, op, what, Some(from_vpc)) {
                let m = format!("{m}, for the route to {tgw_id}");
                self.unknown(leg, HopKind::TransitGatewayAttachment, tgw_id, m);
                return None;
            }
        }
        let topo = self.topo;
        let tgws = &topo.tgw;
        let Some(tgw) = tgws.transit_gateway(tgw_id) else {
            self.unknown(
                leg,
                HopKind::TransitGatewayAttachment,
                tgw_id,
                format!("transit gateway {tgw_id}, which the route names (not in the snapshot: shared from another account or region?)"),
            );
            return None;
        };
        if tgw.state != "available" {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                tgw_id,
                Decision::Deny,
                format!("{tgw_id} is {}, not available", tgw.state),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        }
        // Into the gateway: the VPC's attachment, in the packet's zone.
        let Some(ingress) = tgws.vpc_attachments_of(tgw_id, from_vpc).into_iter().next() else {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                tgw_id,
                Decision::Deny,
                format!("the route sends the packet to {tgw_id}, but {from_vpc} has no attachment to it"),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return None;
        };
        let in_id = ingress.transit_gateway_attachment_id.as_str();
        if ingress.state != "available" {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                in_id,
                Decision::Deny,
                format!(
                    "{in_id} ({from_vpc} to {tgw_id}) is {}, not available",
                    ingress.state
                ),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return None;
        }
        let zone = match self
            .topo
            .subnet(from_subnet)
            .map(|s| s.availability_zone.clone())
        {
            Some(Some(z)) => z,
            _ => {
                self.unknown(
                    leg,
                    HopKind::TransitGatewayAttachment,
                    in_id,
                    format!("the Availability Zone of {from_subnet}"),
                );
                return None;
            }
        };
        let in_subnet = match self.subnet_in_zone(&ingress.subnet_ids, &zone) {
            Ok(Some(s)) => s,
            Ok(None) => {
                let h = hop(
                    leg,
                    HopKind::TransitGatewayAttachment,
                    in_id,
                    Decision::Deny,
                    format!(
                        "{from_subnet} is in {zone}, but {in_id} has no subnet there (its subnets: {}); only resources in an Availability Zone with an attachment subnet can reach {tgw_id}",
                        ingress.subnet_ids.join(", ")
                    ),
                );
                self.push(h, ExplanationCode::TgwAttachVpcAzRestriction);
                return None;
            }
            Err(m) => {
                self.unknown(leg, HopKind::TransitGatewayAttachment, in_id, m);
                return None;
            }
        };
        let mut h = hop(
            leg,
            HopKind::TransitGatewayAttachment,
            in_id,
            Decision::Allow,
            format!("the packet enters {tgw_id} through {in_id} in {zone} (attachment subnet {in_subnet})"),
        );
        h.zone = Some(zone.clone());
        self.hops.push(h);
        // The attachment subnet's inbound rules see traffic to the gateway.
        self.network_acl(
            leg,
            &in_subnet,
            Direction::Ingress,
            from_addr,
            ports,
            self.proto(),
        );
        self.route_on(leg, tgw_id, in_id, Some(&zone), (from_addr, dest))
    }

    /// Routes a packet that arrived on attachment `in_id` of `tgw_id` (in
    /// Availability Zone `zone`, `None` for a VPN or Direct Connect
    /// attachment) by the route table associated with it, and out through
    /// the attachment its route names. `local` is the packet's VPC-side
    /// address (the one a Direct Connect gateway must allow), `dest` its
    /// destination. Pushes the route-table hop and the egress hops.
    pub(super) fn route_on(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        in_id: &str,
        zone: Option<&str>,
        (local, dest): (&AddrSet, &AddrSet),
    ) -> Option<TgwOut> {
        let topo = self.topo;
        let tgws = &topo.tgw;
        // The route table associated with the ingress attachment.
        let Some(att) = tgws.attachment_on(tgw_id, in_id) else {
            self.unknown(
                leg,
                HopKind::TransitGatewayRouteTable,
                in_id,
                format!("the route table association of {in_id} (not in the DescribeTransitGatewayAttachments output)"),
            );
            return None;
        };
        let Some(rtb) = att.associated_route_table() else {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                in_id,
                Decision::Deny,
                format!("{in_id} is associated with no route table of {tgw_id}, so the gateway drops what arrives on it"),
            );
            self.push(h, ExplanationCode::TgwAttachMissingTgwRtbAssociation);
            return None;
        };
        if let Some(t) = tgws.route_table(rtb).filter(|t| t.state != "available") {
            let h = hop(
                leg,
                HopKind::TransitGatewayRouteTable,
                rtb,
                Decision::Deny,
                format!(
                    "{rtb} (associated with {in_id}) is {}, not available",
                    t.state
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        }
        let route = match tgws.lookup(rtb, dest) {
            TgwLookup::Unknown(m) => {
                self.unknown(leg, HopKind::TransitGatewayRouteTable, rtb, m);
                return None;
            }
            TgwLookup::NoRoute => {
                let h = hop(
                    leg,
                    HopKind::TransitGatewayRouteTable,
                    rtb,
                    Decision::Deny,
                    format!(
                        "{rtb} (associated with {in_id}) has no route for {dest}{}",
                        tgws.ipv6_not_propagated(rtb, dest)
                            .map(|(att, vpc, cidr)| format!(
                                "; {att} propagates {vpc} into it, but with IPv6 support disabled on {att} its IPv6 CIDR {cidr} does not propagate"
                            ))
                            .unwrap_or_default()
                    ),
                );
                self.push(h, ExplanationCode::TgwRtbCannotRoute);
                return None;
            }
            TgwLookup::Route(r) => r,
        };
        let matched = Matched {
            text: route.describe(),
            destination: Some(route.cidr.to_string()),
            target: route.attachment_id.clone(),
            ..Matched::default()
        };
        if route.blackhole {
            let mut h = hop(
                leg,
                HopKind::TransitGatewayRouteTable,
                rtb,
                Decision::Deny,
                format!(
                    "{rtb} (associated with {in_id}) drops {dest}: its route {} is a blackhole",
                    route.describe()
                ),
            );
            h.matched = Some(matched);
            self.push(h, ExplanationCode::BadStateRoute);
            return None;
        }
        let mut h = hop(
            leg,
            HopKind::TransitGatewayRouteTable,
            rtb,
            Decision::Allow,
            format!(
                "{rtb} (associated with {in_id}) routes {dest} by {}",
                route.describe()
            ),
        );
        h.matched = Some(matched);
        self.hops.push(h);
        let Some(out_id) = route.attachment_id.clone() else {
            // An active route must name its attachment; a listing without
            // one (an emulator's, or a truncated capture) leaves the way out
            // unknown.
            self.unknown_last(
                "but the route names no attachment",
                format!(
                    "the attachment that {rtb}'s route {} sends to (the route lists none)",
                    route.cidr
                ),
            );
            return None;
        };
        self.leave(leg, tgw_id, (in_id, &out_id), zone, (local, dest))
    }

    /// Out of the gateway through attachment `out_id`: into its VPC, or to
    /// the customer network behind a VPN or Direct Connect attachment.
    fn leave(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        (in_id, out_id): (&str, &str),
        zone: Option<&str>,
        (local, dest): (&AddrSet, &AddrSet),
    ) -> Option<TgwOut> {
        let topo = self.topo;
        let tgws = &topo.tgw;
        let kind = tgws
            .attachment_on(tgw_id, out_id)
            .map(|a| a.resource_type.clone())
            .or_else(|| tgws.vpc_attachment(out_id).map(|_| "vpc".to_string()));
        if kind.as_deref() == Some("peering") {
            return self.across_peering(leg, tgw_id, out_id, (local, dest));
        }
        if matches!(kind.as_deref(), Some("vpn" | "direct-connect-gateway")) {
            return self
                .customer_side(leg, tgw_id, out_id, local, dest)
                .then(|| TgwOut::Customer {
                    transit_gateway_id: tgw_id.to_string(),
                    attachment_id: out_id.to_string(),
                });
        }
        if kind.as_deref() != Some("vpc") {
            let kind = kind.unwrap_or_else(|| "unknown".into());
            let mut h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                out_id,
                Decision::Unknown,
                format!("{tgw_id} sends {dest} out through {out_id} ({kind} attachment); netpath does not follow {kind} attachments yet"),
            );
            h.missing.push(format!(
                "the path beyond {out_id} ({kind} attachment, not modelled yet)"
            ));
            self.hops.push(h);
            return None;
        }
        let Some(out) = tgws.vpc_attachment(out_id) else {
            self.unknown(
                leg,
                HopKind::TransitGatewayAttachment,
                out_id,
                format!("the VPC attachment {out_id} (not in the DescribeTransitGatewayVpcAttachments output)"),
            );
            return None;
        };
        if out.state != "available" {
            let h = hop(
                leg,
                HopKind::TransitGatewayAttachment,
                out_id,
                Decision::Deny,
                format!(
                    "{out_id} ({tgw_id} to {}) is {}, not available",
                    out.vpc_id, out.state
                ),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return None;
        }
        // A packet for an address outside the VPC goes on by the attachment
        // subnet's routes (an inspection or egress VPC): not followed yet.
        if let Some(vpc) = self.topo.vpc(&out.vpc_id) {
            let inside = vpc.cidr_blocks.iter().any(|c| dest.within(c))
                || vpc.ipv6_cidr_blocks.iter().any(|c| dest.within(c));
            if !inside {
                let mut h = hop(
                    leg,
                    HopKind::TransitGatewayAttachment,
                    out_id,
                    Decision::Unknown,
                    format!("{tgw_id} delivers {dest} into {} through {out_id}, but {dest} is outside that VPC; netpath does not yet follow a packet on through such a VPC", out.vpc_id),
                );
                h.missing.push(format!(
                    "the path through {} on to {dest} (not modelled yet)",
                    out.vpc_id
                ));
                self.hops.push(h);
                return None;
            }
        }
        // The gateway keeps the packet in its zone when the egress
        // attachment has a subnet there; otherwise it picks another.
        // From a VPN or Direct Connect attachment there is no zone to keep.
        let subnet_id = match zone.map(|z| self.subnet_in_zone(&out.subnet_ids, z)) {
            Some(Ok(Some(s))) => Some(s),
            _ => self.one_acl_subnet(&out.subnet_ids),
        };
        if subnet_id.is_none() {
            let why = match zone {
                Some(z) => format!("none is in {z}, and the others' network ACLs differ"),
                None => {
                    "the packet comes from outside any zone, and their network ACLs differ".into()
                }
            };
            self.unknown(
                leg,
                HopKind::TransitGatewayAttachment,
                out_id,
                format!("which subnet of {out_id} {tgw_id} delivers through ({why})"),
            );
            return None;
        }
        let references = tgws.references_across(tgw_id, in_id, out_id);
        let out_zone = subnet_id
            .as_deref()
            .and_then(|s| self.topo.subnet(s))
            .and_then(|s| s.availability_zone.clone());
        let mut h = hop(
            leg,
            HopKind::TransitGatewayAttachment,
            out_id,
            Decision::Allow,
            format!(
                "{tgw_id} delivers the packet into {} through {out_id} (attachment subnet {})",
                out.vpc_id,
                subnet_id.as_deref().unwrap_or("?")
            ),
        );
        h.zone = out_zone;
        self.hops.push(h);
        Some(TgwOut::Vpc(TgwExit {
            vpc_id: out.vpc_id.clone(),
            subnet_id,
            references,
        }))
    }

    /// The subnet of `subnets` in Availability Zone `zone`.
    ///
    /// Errors: a subnet whose zone is unknown when none is known to match.
    fn subnet_in_zone(&self, subnets: &[String], zone: &str) -> Result<Option<String>, String> {
        let mut unknown = None;
        for s in subnets {
            match self
                .topo
                .subnet(s)
                .and_then(|x| x.availability_zone.as_deref())
            {
                Some(z) if z == zone => return Ok(Some(s.clone())),
                Some(_) => {}
                None => unknown = Some(s.clone()),
            }
        }
        match unknown {
            Some(s) => Err(format!("the Availability Zone of attachment subnet {s}")),
            None => Ok(None),
        }
    }

    /// The first of `subnets` when every one of them has the same network
    /// ACL, so whichever the gateway picks the same rules apply.
    fn one_acl_subnet(&self, subnets: &[String]) -> Option<String> {
        let acl = |s: &String| {
            self.topo
                .subnet(s)
                .and_then(|x| crate::network_acl::network_acl_for_subnet(self.topo, x).ok())
                .map(|a| a.network_acl_id.clone())
        };
        let first = subnets.first()?;
        let a = acl(first)?;
        subnets
            .iter()
            .all(|s| acl(s).as_ref() == Some(&a))
            .then(|| first.clone())
    }

    /// The packet leaves the gateway through attachment subnet `via` for
    /// `to_subnet`: the attachment subnet's outbound rules, then the
    /// destination subnet's inbound ones, unless they are one subnet, when
    /// neither is evaluated.
    pub(super) fn tgw_deliver(
        &mut self,
        leg: PathLeg,
        via: Option<&str>,
        to_subnet: &str,
        to: &AddrSet,
        ports: PortRange,
    ) -> bool {
        match via {
            Some(v) if v == to_subnet => {
                let h = hop(
                    leg,
                    HopKind::NetworkAcl,
                    to_subnet,
                    Decision::NotApplicable,
                    format!("the transit gateway delivers through {to_subnet} itself: its network ACL does not evaluate traffic from the transit gateway to that subnet"),
                );
                self.hops.push(h);
                false
            }
            _ => {
                if let Some(v) = via {
                    self.network_acl(leg, v, Direction::Egress, to, ports, self.proto());
                }
                true
            }
        }
    }
}

/// The warnings of an asymmetric path through a transit gateway: a VPC
/// attachment the request crosses in one Availability Zone and the reply
/// in another. Between instances that is harmless (their groups are
/// stateful on the instances), but a stateful appliance on the path would
/// see only one direction and drop the reply unless appliance mode is on
/// for its attachment, which makes the gateway keep both directions of a
/// flow on one zone
/// (<https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-appliance-scenario.html>).
pub(crate) fn asymmetric_warnings(
    topo: &crate::topology::Topology,
    hops: &[crate::answer::Hop],
) -> Vec<String> {
    let crossed = |leg: PathLeg| {
        hops.iter()
            .filter(|h| h.path == leg && h.kind == HopKind::TransitGatewayAttachment)
            .filter(|h| h.decision == Decision::Allow)
            .filter_map(|h| Some((h.component.as_str(), h.zone.as_deref()?)))
            .collect::<Vec<_>>()
    };
    let (there, back) = (crossed(PathLeg::Forward), crossed(PathLeg::Return));
    let mut out = Vec::new();
    for (att, z1) in &there {
        let Some((_, z2)) = back.iter().find(|(a, z)| a == att && z != z1) else {
            continue;
        };
        let mode = topo
            .tgw
            .vpc_attachment(att)
            .and_then(|a| a.appliance_mode_support.as_deref())
            .unwrap_or("disable");
        let w = format!(
            "asymmetric path through a transit gateway: the request crosses {att} in {z1}, the reply in {z2}; harmless between instances, but a stateful appliance on this path would drop the reply unless appliance mode is on for its attachment ({att}: ApplianceModeSupport {mode})"
        );
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}
