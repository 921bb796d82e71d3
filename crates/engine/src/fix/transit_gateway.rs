//! The fix of a transit-gateway block, each the smallest change that names
//! the exact transit gateway object:
//! - an attachment with no subnet in the packet's Availability Zone gains
//!   one (`modify-transit-gateway-vpc-attachment --add-subnet-ids`:
//!   <https://docs.aws.amazon.com/cli/latest/reference/ec2/modify-transit-gateway-vpc-attachment.html>);
//! - an attachment with no route table is associated with the gateway's
//!   default association table (`associate-transit-gateway-route-table`);
//! - a table with no route for an IPv6 destination whose VPC attachment
//!   propagates into it with IPv6 support disabled gets that support
//!   (`modify-transit-gateway-vpc-attachment --options Ipv6Support=enable`:
//!   <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html>);
//! - a table with no route for the destination gets the destination VPC
//!   attachment's propagation (`enable-transit-gateway-route-table-propagation`),
//!   or, where its propagations were not read, a static route
//!   (`create-transit-gateway-route`);
//! - a blackhole route is replaced by a static route to the destination
//!   VPC's attachment (`replace-transit-gateway-route`);
//! - a destination VPC attached to a peer gateway is routed by a static
//!   route to the peering attachment: peering attachments do not propagate
//!   (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>).

use super::{Change, FixContext};
use crate::answer::{ExplanationCode, FixEdit, Hop, PathLeg};

impl FixContext<'_, '_> {
    pub(super) fn tgw_fix(&self, h: &Hop, code: ExplanationCode) -> Change {
        let advice = || (h.detail.clone(), None, None);
        let (from, to) = match h.path {
            PathLeg::Forward => (self.sp, self.dp),
            PathLeg::Return => (self.dp, self.sp),
        };
        let tgws = &self.topo.tgw;
        let id = h.component.as_str();
        match code {
            ExplanationCode::TgwAttachVpcAzRestriction => {
                let Some(from) = from else { return advice() };
                let zone = self
                    .topo
                    .subnet(&from.subnet_id)
                    .and_then(|s| s.availability_zone.clone())
                    .unwrap_or_else(|| "its Availability Zone".into());
                (
                    format!(
                        "give {id} a subnet in {zone}, e.g. {} (a small dedicated subnet is the usual practice)",
                        from.subnet_id
                    ),
                    Some(format!(
                        "aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {id} --add-subnet-ids {}",
                        from.subnet_id
                    )),
                    Some(FixEdit::TransitGatewayAttachmentSubnet {
                        transit_gateway_attachment_id: id.to_string(),
                        subnet_id: from.subnet_id.clone(),
                    }),
                )
            }
            ExplanationCode::TgwAttachMissingTgwRtbAssociation => {
                let Some(rtb) = tgws
                    .unassociated(id)
                    .and_then(|a| tgws.transit_gateway(&a.transit_gateway_id))
                    .and_then(|t| t.options.association_default_route_table_id.clone())
                else {
                    return (
                        format!("associate {id} with a route table of its transit gateway"),
                        None,
                        None,
                    );
                };
                (
                    format!("associate {id} with {rtb}, its transit gateway's default association table"),
                    Some(format!(
                        "aws ec2 associate-transit-gateway-route-table --transit-gateway-route-table-id {rtb} --transit-gateway-attachment-id {id}"
                    )),
                    Some(FixEdit::TransitGatewayAssociation {
                        transit_gateway_attachment_id: id.to_string(),
                        transit_gateway_route_table_id: rtb,
                    }),
                )
            }
            ExplanationCode::TgwRtbCannotRoute | ExplanationCode::BadStateRoute => {
                let Some(to) = to else {
                    return self.tgw_route_to_customer(h, code);
                };
                let Some(tgw) = tgws.route_table(id).map(|t| t.transit_gateway_id.clone()) else {
                    return advice();
                };
                // The destination VPC's attachment propagates here, but not
                // its IPv6 CIDRs: IPv6 support is off on it.
                let ipv6_off = (code == ExplanationCode::TgwRtbCannotRoute)
                    .then(|| tgws.ipv6_not_propagated(id, &to.addr))
                    .flatten();
                if let Some((att, vpc, cidr)) = ipv6_off {
                    return (
                        format!("enable IPv6 support on {att} ({vpc}): its propagation into {id} then installs {cidr}"),
                        Some(format!(
                            "aws ec2 modify-transit-gateway-vpc-attachment --transit-gateway-attachment-id {att} --options Ipv6Support=enable"
                        )),
                        Some(FixEdit::TransitGatewayAttachmentIpv6Support {
                            transit_gateway_attachment_id: att,
                        }),
                    );
                }
                // The destination VPC's attachment to this gateway, else a
                // peering toward a gateway it is attached to (routes across a
                // peering are static only).
                let (att_id, peer) = match tgws.vpc_attachments_of(&tgw, &to.vpc_id).into_iter().next() {
                    Some(att) => (att.transit_gateway_attachment_id.clone(), None),
                    None => match tgws.peering_toward(&tgw, &to.vpc_id) {
                        Some((att, peer)) => (att, Some(peer)),
                        None => {
                            return (
                                format!("{} is not attached to {tgw}: attach it (create-transit-gateway-vpc-attachment), then route it in {id}", to.vpc_id),
                                None,
                                None,
                            )
                        }
                    },
                };
                let via = match &peer {
                    Some(p) => format!(
                        "peering attachment {att_id} (to {p}, which {} is attached to)",
                        to.vpc_id
                    ),
                    None => format!("{att_id} ({})", to.vpc_id),
                };
                let blackhole = h.matched.as_ref().and_then(|m| m.destination.clone());
                if code == ExplanationCode::TgwRtbCannotRoute
                    && peer.is_none()
                    && tgws.has_propagations(id)
                {
                    return (
                        format!("propagate {att_id} ({}) into {id}", to.vpc_id),
                        Some(format!(
                            "aws ec2 enable-transit-gateway-route-table-propagation --transit-gateway-route-table-id {id} --transit-gateway-attachment-id {att_id}"
                        )),
                        Some(FixEdit::TransitGatewayPropagation {
                            transit_gateway_route_table_id: id.to_string(),
                            transit_gateway_attachment_id: att_id,
                            vpc_id: to.vpc_id.clone(),
                        }),
                    );
                }
                let cidr = blackhole.or_else(|| {
                    self.topo.vpc(&to.vpc_id).and_then(|v| {
                        v.cidr_blocks
                            .iter()
                            .map(|&c| ipnet::IpNet::from(c))
                            .chain(v.ipv6_cidr_blocks.iter().map(|&c| c.into()))
                            .find(|c| to.addr.within(c))
                            .map(|c| c.to_string())
                    })
                });
                let Some(cidr) = cidr else { return advice() };
                let Ok(destination) = cidr.parse::<ipnet::IpNet>() else {
                    return advice();
                };
                let verb = if code == ExplanationCode::BadStateRoute {
                    "replace-transit-gateway-route"
                } else {
                    "create-transit-gateway-route"
                };
                (
                    format!("route {cidr} in {id} to {via}"),
                    Some(format!(
                        "aws ec2 {verb} --transit-gateway-route-table-id {id} --destination-cidr-block {cidr} --transit-gateway-attachment-id {att_id}"
                    )),
                    Some(FixEdit::TransitGatewayRoute {
                        transit_gateway_route_table_id: id.to_string(),
                        destination,
                        transit_gateway_attachment_id: att_id,
                    }),
                )
            }
            _ => advice(),
        }
    }

    /// A table with no route to a customer-network address (the client or
    /// destination outside) that a peered gateway carries to a VPN or
    /// Direct Connect attachment: a static route for that network to the
    /// peering attachment.
    fn tgw_route_to_customer(&self, h: &Hop, code: ExplanationCode) -> Change {
        let advice = || (h.detail.clone(), None, None);
        if code != ExplanationCode::TgwRtbCannotRoute {
            return advice();
        }
        let far = match h.path {
            PathLeg::Forward => self.dst.address.as_ref(),
            PathLeg::Return => self.src.address.as_ref(),
        };
        let tgws = &self.topo.tgw;
        let id = h.component.as_str();
        let (Some(far), Some(tgw)) = (
            far,
            tgws.route_table(id).map(|t| t.transit_gateway_id.clone()),
        ) else {
            return advice();
        };
        let Some((peer, att, cidr, peering)) = tgws.customer_peering(&tgw, far) else {
            return advice();
        };
        (
            format!("route {cidr} in {id} to peering attachment {peering} (to {peer}, which carries it over {att})"),
            Some(format!(
                "aws ec2 create-transit-gateway-route --transit-gateway-route-table-id {id} --destination-cidr-block {cidr} --transit-gateway-attachment-id {peering}"
            )),
            Some(FixEdit::TransitGatewayRoute {
                transit_gateway_route_table_id: id.to_string(),
                destination: cidr,
                transit_gateway_attachment_id: peering,
            }),
        )
    }
}
