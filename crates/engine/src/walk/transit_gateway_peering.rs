//! Transit gateway peering: a packet that one gateway's route table sends
//! to a peering attachment crosses to the peer gateway, arrives there on
//! the same attachment (the peer's side of it), and is routed again by the
//! route table associated with that side, on the request's and the reply's
//! way alike.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>: a
//!   peering attachment carries traffic once it is `available` (accepted);
//!   each gateway routes to it with static routes in its own route tables
//!   (a peering attachment does not propagate routes), and each side
//!   associates it with one of its own route tables;
//! - <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>,
//!   "Security group referencing" is not supported across a peering: a
//!   rule that names a group never matches an ENI beyond one.

use super::transit_gateway::TgwOut;
use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};

/// At most this many peering crossings by one packet: one that keeps
/// coming back to gateways it already crossed is caught in a routing loop.
const MAX_CROSSINGS: usize = 4;

impl Walker<'_, '_> {
    /// Carries a packet that `tgw_id`'s route table sent to peering
    /// attachment `att_id` across to the peer gateway, and routes it there
    /// (`route_on`). Pushes a hop for the crossing. Returns where the packet
    /// finally leaves (into a VPC: group references never match across a
    /// peering), or `None` when it is dropped or undecidable (the hop says
    /// which).
    pub(super) fn across_peering(
        &mut self,
        leg: PathLeg,
        tgw_id: &str,
        att_id: &str,
        (local, dest): (&AddrSet, &AddrSet),
    ) -> Option<TgwOut> {
        let topo = self.topo;
        let tgws = &topo.tgw;
        let kind = HopKind::TransitGatewayAttachment;
        if self.peering_depth >= MAX_CROSSINGS {
            self.unknown(
                leg,
                kind,
                att_id,
                format!("where {dest} ends: the transit gateways route it across peerings {MAX_CROSSINGS} times (a routing loop?)"),
            );
            return None;
        }
        let Some(att) = tgws.attachment_on(tgw_id, att_id) else {
            self.unknown(
                leg,
                kind,
                att_id,
                format!("peering attachment {att_id} of {tgw_id} (not in the DescribeTransitGatewayAttachments output)"),
            );
            return None;
        };
        let peering = tgws.peering(tgw_id, att_id);
        let state = peering.map_or(att.state.as_str(), |p| p.state.as_str());
        if state != "available" {
            let why = peering
                .and_then(|p| p.status_message.as_deref())
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            let h = hop(
                leg,
                kind,
                att_id,
                Decision::Deny,
                format!("{tgw_id} routes {dest} to peering attachment {att_id}, which is {state}{why}, not available: an unaccepted or deleted peering carries nothing"),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return None;
        }
        let peer_info = peering.and_then(|p| p.peer_of(tgw_id));
        let Some((peer_id, peer_att)) = tgws.peer_side(tgw_id, att_id) else {
            self.unknown(
                leg,
                kind,
                att_id,
                format!("the transit gateway at the other end of peering attachment {att_id}"),
            );
            return None;
        };
        let whose = peer_info
            .map(|p| {
                let mut w = Vec::new();
                if let Some(o) = &p.owner_id {
                    w.push(format!("account {o}"));
                }
                if let Some(r) = &p.region {
                    w.push(r.clone());
                }
                w.join(", ")
            })
            .filter(|w| !w.is_empty())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        let Some(peer) = tgws.transit_gateway(&peer_id) else {
            self.unknown(
                leg,
                kind,
                att_id,
                format!("transit gateway {peer_id}{whose}, the peer of {tgw_id} across {att_id} (not in the snapshot: collect that account and Region too)"),
            );
            return None;
        };
        if peer.state != "available" {
            let h = hop(
                leg,
                kind,
                att_id,
                Decision::Deny,
                format!(
                    "{peer_id}, the peer of {tgw_id} across {att_id}, is {}, not available",
                    peer.state
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        }
        let mut h = hop(
            leg,
            kind,
            att_id,
            Decision::Allow,
            format!("{dest} crosses the peering {att_id} from {tgw_id} to {peer_id}{whose}"),
        );
        h.zone = None;
        self.hops.push(h);
        self.peering_depth += 1;
        let out = self.route_on(leg, &peer_id, &peer_att, None, (local, dest));
        self.peering_depth -= 1;
        match out? {
            TgwOut::Vpc(mut exit) => {
                exit.references = false;
                Some(TgwOut::Vpc(exit))
            }
            other => Some(other),
        }
    }
}
