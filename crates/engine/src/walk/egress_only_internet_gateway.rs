//! Egress-only internet gateways: IPv6 out to the internet, and the replies
//! back; never a connection started from the internet.
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>
//! ("an egress-only internet gateway is stateful: it forwards traffic from
//! the instances in the subnet to the internet or other AWS services, and
//! then sends the response back to the instances"; "it prevents the
//! internet from initiating an IPv6 connection with your instances").

use super::{hop, Walker};

use crate::addr::{is_private_ip, AddrSet};
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};

impl<'a> Walker<'_, 'a> {
    /// The egress-only internet gateways attached to `vpc_id`, or what is
    /// missing to know them.
    pub(super) fn egress_only_gateways(&self, vpc_id: &str) -> Result<Vec<String>, String> {
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.egress_only_internet_gateways.is_some(),
            "ec2:DescribeEgressOnlyInternetGateways",
            "egress-only internet gateways",
            Some(vpc_id),
        ) {
            return Err(m);
        }
        Ok(self
            .topo
            .snapshot
            .egress_only_internet_gateways
            .iter()
            .flatten()
            .filter(|g| {
                g.attachments.iter().any(|a| {
                    a.vpc_id == vpc_id && matches!(a.state.as_str(), "attached" | "available")
                })
            })
            .map(|g| g.egress_only_internet_gateway_id.clone())
            .collect())
    }

    /// Out through egress-only gateway `eigw`. Returns true when the flow
    /// left AWS (or reached a snapshot ENI's global IPv6 address and was
    /// walked on from the internet side).
    pub(super) fn exit_egress_only(
        &mut self,
        sp: &Placement<'a>,
        eigw: &str,
        daddr: &AddrSet,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
    ) -> bool {
        match self.egress_only_gateways(&sp.vpc_id) {
            Err(m) => {
                self.unknown(
                    PathLeg::Forward,
                    HopKind::EgressOnlyInternetGateway,
                    eigw,
                    m,
                );
                return false;
            }
            Ok(attached) if !attached.iter().any(|g| g == eigw) => {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::EgressOnlyInternetGateway,
                    eigw,
                    Decision::Deny,
                    format!("{eigw} is not attached to {}", sp.vpc_id),
                );
                self.push(h, ExplanationCode::BadStateAttachment);
                return false;
            }
            Ok(_) => {}
        }
        // Unique-local and link-local IPv6 addresses are not routed on the
        // internet (RFC 4193 section 4.1, RFC 4291 section 2.5.6).
        if daddr.starts().iter().all(|ip| is_private_ip(*ip)) {
            let h = hop(
                PathLeg::Forward,
                HopKind::EgressOnlyInternetGateway,
                eigw,
                Decision::Deny,
                format!("{daddr} is not a global IPv6 address: the internet does not route it, so sending it to {eigw} drops it"),
            );
            self.push(h, ExplanationCode::CannotRoute);
            return false;
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::EgressOnlyInternetGateway,
            eigw,
            Decision::Allow,
            format!(
                "{eigw} is attached to {} and carries IPv6 from {} out to the internet (no translation); it lets the replies back in",
                sp.vpc_id, sp.addr
            ),
        );
        self.hops.push(h);
        match dp {
            // The packet crosses the internet into the destination's VPC.
            Some(d) => self.outside_leg(&sp.addr, dst, d),
            None => self.delivered = true,
        }
        true
    }
}
