//! Direct Connect gateways: the customer side of a virtual private gateway
//! or a transit gateway reached over AWS Direct Connect.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>:
//!   a Direct Connect gateway advertises to the customer network only the
//!   allowed prefixes of its association with the virtual private or
//!   transit gateway, so a VPC-side address outside them has no route from
//!   the customer network (the reply, or the request, is never sent);
//! - <https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DirectConnectGatewayAssociation.html>:
//!   only an `associated` association carries traffic;
//! - <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html#route-tables-priority>:
//!   the customer networks reach the VPC's tables as routes propagated by
//!   the virtual private gateway (BGP over the virtual interface).

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, Matched, PathLeg};

/// What the Direct Connect side of a gateway decided.
pub(super) enum DirectConnect {
    /// A hop was pushed; true when it allows.
    Decided(bool),
    /// The snapshot holds no association of the gateway (Direct Connect
    /// was read).
    NoAssociation,
    /// Direct Connect gateway associations were not read: the text names
    /// the call.
    Missing(String),
}

impl Walker<'_, '_> {
    /// The Direct Connect gateway associations of `gateway` (`vgw-…` or
    /// `tgw-…`, only those of Direct Connect gateway `dxgw` when given)
    /// for a flow between VPC-side address `local` and customer-network
    /// address `remote`: an `associated` association whose allowed
    /// prefixes cover `local`. Pushes one `direct-connect-gateway` hop
    /// unless there is no association to judge.
    pub(super) fn direct_connect(
        &mut self,
        leg: PathLeg,
        gateway: &str,
        dxgw: Option<&str>,
        (local, remote): (&AddrSet, &AddrSet),
    ) -> DirectConnect {
        let snap = self.topo.snapshot;
        let Some(all) = snap.direct_connect_gateway_associations.as_ref() else {
            return DirectConnect::Missing(format!(
                "the Direct Connect gateway associations of {gateway} (no directconnect:DescribeDirectConnectGatewayAssociations output)"
            ));
        };
        // Associations that could not be read may be this gateway's: only
        // an allow found among those read is certain.
        let gap = self.direct_connect_incomplete(gateway);
        let mut mine: Vec<_> = all
            .iter()
            .filter(|a| a.associated_gateway_id == gateway)
            .filter(|a| dxgw.is_none_or(|d| a.direct_connect_gateway_id == d))
            .filter(|a| !matches!(a.association_state.as_str(), "disassociated"))
            .collect();
        mine.sort_by(|a, b| a.association_id.cmp(&b.association_id));
        let Some(first) = mine.first() else {
            return match gap {
                Some(m) => DirectConnect::Missing(m),
                None => DirectConnect::NoAssociation,
            };
        };
        let live: Vec<_> = mine.iter().filter(|a| a.is_associated()).collect();
        let allows = live
            .iter()
            .any(|a| a.allowed_prefixes.iter().any(|p| local.within(p)));
        if let (Some(m), false) = (gap, allows) {
            return DirectConnect::Missing(m);
        }
        if live.is_empty() {
            let h = hop(
                leg,
                HopKind::DirectConnectGateway,
                &first.direct_connect_gateway_id,
                Decision::Deny,
                format!(
                    "the association {} of Direct Connect gateway {} with {gateway} is {}, not associated",
                    first.association_id, first.direct_connect_gateway_id, first.association_state
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return DirectConnect::Decided(false);
        }
        let allowing = live.iter().find_map(|a| {
            a.allowed_prefixes
                .iter()
                .find(|p| local.within(&**p))
                .map(|p| (a, *p))
        });
        match allowing {
            Some((a, prefix)) => {
                let mut h = hop(
                    leg,
                    HopKind::DirectConnectGateway,
                    &a.direct_connect_gateway_id,
                    Decision::Allow,
                    format!(
                        "Direct Connect gateway {} (association {} with {gateway}) advertises {prefix} to the customer network, which covers {local}; {remote} is on its side",
                        a.direct_connect_gateway_id, a.association_id
                    ),
                );
                h.matched = Some(Matched {
                    text: format!("allowed prefix {prefix}"),
                    destination: Some(prefix.to_string()),
                    target: Some(a.association_id.clone()),
                    ..Matched::default()
                });
                self.hops.push(h);
                DirectConnect::Decided(true)
            }
            None => {
                let a = live[0];
                let prefixes: Vec<String> =
                    a.allowed_prefixes.iter().map(|p| p.to_string()).collect();
                let mut h = hop(
                    leg,
                    HopKind::DirectConnectGateway,
                    &a.direct_connect_gateway_id,
                    Decision::Deny,
                    format!(
                        "Direct Connect gateway {} advertises only its allowed prefixes ({}) for {gateway} (association {}), and none covers {local}: the customer network has no route to it",
                        a.direct_connect_gateway_id,
                        if prefixes.is_empty() { "none".into() } else { prefixes.join(", ") },
                        a.association_id
                    ),
                );
                h.matched = Some(Matched {
                    text: format!("allowed prefixes of association {}", a.association_id),
                    target: Some(a.association_id.clone()),
                    ..Matched::default()
                });
                self.push(h, ExplanationCode::NetpathDirectConnectPrefixNotAllowed);
                DirectConnect::Decided(false)
            }
        }
    }

    /// Why the snapshot's Direct Connect gateway associations may lack some
    /// of `gateway`'s: a failed Direct Connect call, or an account not read
    /// (a Direct Connect gateway is global, and its owner lists its
    /// associations). `None` when nothing is missing.
    pub(super) fn direct_connect_incomplete(&self, gateway: &str) -> Option<String> {
        let g = self.topo.snapshot.metadata.gaps.iter().find(|g| {
            g.operation.starts_with("directconnect:") || g.operation == "sts:AssumeRole"
        })?;
        let what = match (&g.resource, &g.account_id) {
            (Some(r), _) => format!(" for {r}"),
            (None, Some(a)) => format!(" in account {a}"),
            (None, None) => String::new(),
        };
        Some(format!(
            "the Direct Connect gateway associations that may be {gateway}'s ({} failed{what}: {})",
            g.operation, g.error
        ))
    }

    /// The Direct Connect side of virtual private gateway `vgw_id` when no
    /// VPN connection of it is up: `None` when the gateway has no
    /// association (the caller judges its VPN connections), else whether
    /// the flow passes. The customer network `remote` must also be
    /// advertised to the VPC: a route the VGW propagated into `vpc_id`'s
    /// tables (`learned`); without one it is unknown.
    pub(super) fn vgw_direct_connect(
        &mut self,
        leg: PathLeg,
        vgw_id: &str,
        (local, remote): (&AddrSet, &AddrSet),
        learned: bool,
    ) -> Option<bool> {
        match self.direct_connect(leg, vgw_id, None, (local, remote)) {
            DirectConnect::Decided(false) => Some(false),
            DirectConnect::Decided(true) if learned => Some(true),
            DirectConnect::Decided(true) => {
                self.unknown_last(
                    &format!("but no route {vgw_id} propagated into the VPC's tables covers {remote}, so whether the customer network advertises it over BGP is not in the snapshot"),
                    format!("a route to {remote} learned over Direct Connect (enable route propagation from {vgw_id}, or check the BGP session)"),
                );
                Some(false)
            }
            DirectConnect::NoAssociation | DirectConnect::Missing(_) => None,
        }
    }
}
