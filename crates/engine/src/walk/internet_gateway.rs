//! Internet gateways: out to the internet (a public IP and an attached
//! gateway), and in from the internet to a public IP.
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>.

use super::return_path::{RouteBack, Step};
use super::{hop, Walker};
use netpath_model::Direction;

use crate::addr::{is_private, AddrSet};
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};
use crate::security_group::SgPeer;

impl<'a> Walker<'_, 'a> {
    /// Checks that `igw_id` is attached to `vpc_id`. Returns false after pushing a deny/unknown.
    pub(super) fn igw_attached(&mut self, path: PathLeg, igw_id: &str, vpc_id: &str) -> bool {
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.internet_gateways.is_some(),
            "ec2:DescribeInternetGateways",
            "internet gateways",
            Some(vpc_id),
        ) {
            self.unknown(path, HopKind::InternetGateway, igw_id, m);
            return false;
        }
        if !self
            .topo
            .attached_internet_gateways(vpc_id)
            .iter()
            .any(|g| g.internet_gateway_id == igw_id)
        {
            let h = hop(
                path,
                HopKind::InternetGateway,
                igw_id,
                Decision::Deny,
                format!("{igw_id} is not attached to {vpc_id}"),
            );
            self.push(h, ExplanationCode::BadStateAttachment);
            return false;
        }
        true
    }

    /// Out through an internet gateway. Returns true when the flow left AWS
    /// (or reached a public IP of a snapshot ENI and was walked on).
    pub(super) fn exit_to_internet(
        &mut self,
        sp: &Placement<'a>,
        igw: &str,
        daddr: &AddrSet,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
        via_public: bool,
    ) -> bool {
        if !self.igw_attached(PathLeg::Forward, igw, &sp.vpc_id) {
            return false;
        }
        // An internet gateway carries only ENIs with a public IPv4 address,
        // which it translates one-to-one
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>).
        let Some(public) = sp.public_ip else {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                igw,
                Decision::Deny,
                format!(
                    "{} has no public IP, so {igw} cannot carry its traffic to the internet",
                    sp.label()
                ),
            );
            self.push(h, ExplanationCode::NetpathNoPublicIp);
            return false;
        };
        // RFC 1918 (and RFC 6598) addresses are not routed on the internet
        // (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
        let all_private = daddr.atoms([]).iter().all(|ip| is_private(*ip));
        if all_private && !via_public {
            let h = hop(PathLeg::Forward, HopKind::InternetGateway, igw, Decision::Deny,
                format!("{daddr} is a private address: the internet does not route it, so sending it to {igw} drops it"));
            self.push(h, ExplanationCode::CannotRoute);
            return false;
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::InternetGateway,
            igw,
            Decision::Allow,
            format!(
                "{igw} is attached to {} and translates {} to its public IP {public}",
                sp.vpc_id,
                sp.label()
            ),
        );
        self.hops.push(h);
        match dp {
            Some(d) if via_public => self.outside_leg(&AddrSet::single(public), dst, d),
            // Outside AWS: nothing more can be seen. The reply comes back
            // through the boundaries already crossed (the source NACL).
            _ => self.delivered = true,
        }
        true
    }

    /// From an outside source (`internet` or an outside IP) to a placement.
    pub(super) fn outside_leg(&mut self, src: &AddrSet, dst: &Endpoint<'a>, dp: &Placement<'a>) {
        let igws = self.topo.attached_internet_gateways(&dp.vpc_id);
        let igw_label = igws
            .first()
            .map_or_else(|| dp.vpc_id.clone(), |g| g.internet_gateway_id.clone());
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.internet_gateways.is_some(),
            "ec2:DescribeInternetGateways",
            "internet gateways",
            Some(&dp.vpc_id),
        ) {
            self.unknown(PathLeg::Forward, HopKind::InternetGateway, &dp.vpc_id, m);
        } else if igws.is_empty() {
            // Nothing reaches a VPC from the internet without an attached
            // internet gateway
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>).
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &dp.vpc_id,
                Decision::Deny,
                format!(
                    "{} has no attached internet gateway, so nothing on the internet reaches it",
                    dp.vpc_id
                ),
            );
            self.push(h, ExplanationCode::NetpathNoInternetGateway);
        } else if let Some(public) = dp.public_ip {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Allow,
                format!("{igw_label} translates {public} to {}", dp.addr),
            );
            self.hops.push(h);
        } else {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Deny,
                format!(
                    "{} has no public IP, so the internet cannot address it",
                    dp.label()
                ),
            );
            self.push(h, ExplanationCode::NetpathNoPublicIp);
        }
        self.steps.push(Step::RouteBack(RouteBack::InternetGateway {
            subnet_id: dp.subnet_id.clone(),
            to: src.clone(),
            igws: igws.iter().map(|g| g.internet_gateway_id.clone()).collect(),
        }));
        self.cross(&dp.subnet_id, Direction::Ingress, src, self.flow.ephemeral);
        self.delivered = true;
        self.security_groups(
            dp,
            Direction::Ingress,
            &SgPeer {
                addr: src,
                groups: &[],
                vpc_id: None,
            },
        );
        self.destination_state(dp, dst);
    }
}
