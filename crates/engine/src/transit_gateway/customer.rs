//! Customer networks behind a transit gateway: which VPN or Direct Connect
//! attachment a client at an outside address is behind, seen from a VPC's
//! attachment, on the gateway itself or on a gateway peered with it. The
//! table associated with the VPC's attachment routes the address to the
//! attachment (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpn-attachments.html>),
//! or to a peering whose other side's table does
//! (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>).

use ipnet::IpNet;

use super::{TgwLookup, TransitGateways};
use crate::addr::AddrSet;

impl TransitGateways<'_> {
    /// Where a client at `remote` in a customer network enters, seen from
    /// `vpc_id`'s attachment to `tgw`: (the gateway, its VPN or Direct
    /// Connect attachment, the route's CIDR). The table associated with the
    /// VPC's attachment routes `remote` to that attachment, or to a peering
    /// attachment whose other side's table routes it to one on the peer
    /// gateway (one peering crossed, as a packet would).
    pub fn customer_entry(
        &self,
        tgw: &str,
        vpc_id: &str,
        remote: &AddrSet,
    ) -> Option<(String, String, IpNet)> {
        let own = self.vpc_attachments_of(tgw, vpc_id).into_iter().next()?;
        let rtb = self
            .attachment_on(tgw, &own.transit_gateway_attachment_id)?
            .associated_route_table()?;
        if let Some(found) = self.customer_in(tgw, rtb, remote) {
            return Some(found);
        }
        // Across a peering: the one the VPC's table routes `remote` to,
        // else (a table with no route back, whose reply is then dropped)
        // any peering of `tgw` whose peer routes `remote` to a customer
        // attachment.
        match self.lookup(rtb, remote) {
            TgwLookup::Route(r) => self
                .customer_across(tgw, r.attachment_id.as_deref()?, remote)
                .map(|(gw, att, cidr, _)| (gw, att, cidr)),
            TgwLookup::NoRoute => self
                .customer_peering(tgw, remote)
                .map(|(gw, att, cidr, _)| (gw, att, cidr)),
            TgwLookup::Unknown(_) => None,
        }
    }

    /// The VPN or Direct Connect attachment of `gw` that its table `rtb`
    /// routes `remote` to: (gateway, attachment, the route's CIDR).
    fn customer_in(
        &self,
        gw: &str,
        rtb: &str,
        remote: &AddrSet,
    ) -> Option<(String, String, IpNet)> {
        let TgwLookup::Route(r) = self.lookup(rtb, remote) else {
            return None;
        };
        let id = r.attachment_id?;
        let a = self.attachment_on(gw, &id)?;
        match a.resource_type.as_str() {
            "vpn" | "direct-connect-gateway" => Some((gw.to_string(), id, r.cidr)),
            _ => None,
        }
    }

    /// Across peering attachment `id` of `tgw`: the customer attachment the
    /// peer's side routes `remote` to: (peer gateway, its attachment, the
    /// route's CIDR, the peering attachment `id`).
    fn customer_across(
        &self,
        tgw: &str,
        id: &str,
        remote: &AddrSet,
    ) -> Option<(String, String, IpNet, String)> {
        self.attachment_on(tgw, id)
            .filter(|a| a.resource_type == "peering")?;
        let (peer, peer_att) = self.peer_side(tgw, id)?;
        let peer_rtb = self
            .attachment_on(&peer, &peer_att)?
            .associated_route_table()?;
        self.customer_in(&peer, peer_rtb, remote)
            .map(|(gw, att, cidr)| (gw, att, cidr, id.to_string()))
    }

    /// Some peering of `tgw` (lowest id first) whose peer routes `remote`
    /// to a VPN or Direct Connect attachment: (peer gateway, its attachment,
    /// the route's CIDR, the peering attachment on `tgw`'s side).
    pub fn customer_peering(
        &self,
        tgw: &str,
        remote: &AddrSet,
    ) -> Option<(String, String, IpNet, String)> {
        self.peerings_of(tgw)
            .into_iter()
            .find_map(|(id, _)| self.customer_across(tgw, &id, remote))
    }

    /// The transit gateway (lowest id first) through which `vpc_id`'s
    /// attachment leads to a customer network holding `remote`, with that
    /// network's CIDR in the gateway's table: a client at `remote` is
    /// there, whatever the VPC's own route tables say.
    pub fn customer_gateway_for(&self, vpc_id: &str, remote: &AddrSet) -> Option<(String, IpNet)> {
        let mut tgws: Vec<&str> = self
            .vpc_attachments
            .values()
            .filter(|a| a.vpc_id == vpc_id && a.state == "available")
            .map(|a| a.transit_gateway_id.as_str())
            .collect();
        tgws.sort_unstable();
        tgws.dedup();
        tgws.into_iter().find_map(|t| {
            self.customer_entry(t, vpc_id, remote)
                .map(|(_, _, cidr)| (t.to_string(), cidr))
        })
    }
}
