//! The fix of a Direct Connect block: the association's allowed prefixes
//! gain the VPC-side subnet's CIDR, the smallest prefix that covers the
//! address and that a route table already knows
//! (`aws directconnect update-direct-connect-gateway-association
//! --add-allowed-prefixes-to-direct-connect-gateway`:
//! <https://docs.aws.amazon.com/cli/latest/reference/directconnect/update-direct-connect-gateway-association.html>,
//! <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>).

use super::{Change, FixContext};
use crate::answer::{FixEdit, Hop};

impl FixContext<'_, '_> {
    /// For a `NETPATH_DIRECT_CONNECT_PREFIX_NOT_ALLOWED` hop, whose
    /// `matched.target` is the association id: allow the VPC-side
    /// placement's subnet CIDR. Advice only when either is unknown.
    pub(super) fn direct_connect_fix(&self, h: &Hop) -> Change {
        let advice = || (h.detail.clone(), None, None);
        let Some(association_id) = h.matched.as_ref().and_then(|m| m.target.clone()) else {
            return advice();
        };
        // One end is outside (the customer network); the other is the VPC side.
        let Some(local) = self.sp.or(self.dp) else {
            return advice();
        };
        let Some(subnet) = self.topo.subnet(&local.subnet_id) else {
            return advice();
        };
        let cidr: ipnet::IpNet = if local.addr.is_v6() {
            match subnet
                .ipv6_cidr_blocks
                .iter()
                .find(|c| local.addr.within(&ipnet::IpNet::from(**c)))
            {
                Some(c) => (*c).into(),
                None => return advice(),
            }
        } else {
            subnet.cidr_block.into()
        };
        (
            format!(
                "allow {cidr} (subnet {}) on Direct Connect gateway association {association_id}, so the gateway advertises it to the customer network",
                subnet.subnet_id
            ),
            Some(format!(
                "aws directconnect update-direct-connect-gateway-association --association-id {association_id} --add-allowed-prefixes-to-direct-connect-gateway cidr={cidr}"
            )),
            Some(FixEdit::DirectConnectAllowedPrefix {
                association_id,
                cidr,
            }),
        )
    }
}
