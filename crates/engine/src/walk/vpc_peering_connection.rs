//! VPC peering connections: active, joining the two VPCs, and not transitive.
//! Sources: <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>
//! and <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>.

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};

impl<'a> Walker<'_, 'a> {
    /// Follows a peering connection from `from_vpc`; returns the VPC on the other side.
    pub(super) fn peering(
        &mut self,
        path: PathLeg,
        pcx_id: &str,
        from_vpc: &str,
        dest: &AddrSet,
    ) -> Option<String> {
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.vpc_peering_connections.is_some(),
            "ec2:DescribeVpcPeeringConnections",
            "VPC peering connections",
            Some(from_vpc),
        ) {
            self.unknown(path, HopKind::VpcPeeringConnection, pcx_id, m);
            return None;
        }
        let Some(pcx) = self.topo.peering(pcx_id) else {
            let h = hop(
                path,
                HopKind::VpcPeeringConnection,
                pcx_id,
                Decision::Deny,
                format!("the route targets {pcx_id}, which does not exist in the snapshot"),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        };
        let there = if pcx.requester_vpc_info.vpc_id == from_vpc {
            &pcx.accepter_vpc_info
        } else if pcx.accepter_vpc_info.vpc_id == from_vpc {
            &pcx.requester_vpc_info
        } else {
            let h = hop(
                path,
                HopKind::VpcPeeringConnection,
                pcx_id,
                Decision::Deny,
                format!(
                    "{pcx_id} joins {} and {}, not {from_vpc}",
                    pcx.requester_vpc_info.vpc_id, pcx.accepter_vpc_info.vpc_id
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        };
        // Traffic crosses a peering only while it is `active`
        // (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>).
        if !pcx.is_active() {
            let h = hop(
                path,
                HopKind::VpcPeeringConnection,
                pcx_id,
                Decision::Deny,
                format!(
                    "{pcx_id} ({from_vpc} <-> {}) is {}, not active",
                    there.vpc_id, pcx.status_code
                ),
            );
            self.push(h, ExplanationCode::BadState);
            return None;
        }
        // Not transitive: the peer VPC delivers only to its own CIDRs (its
        // IPv6 CIDRs for IPv6 traffic, which peering carries too:
        // <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>).
        let vpc = self.topo.vpc(&there.vpc_id);
        let cidrs: Vec<ipnet::IpNet> = if dest.is_v6() {
            if there.ipv6_cidr_blocks.is_empty() {
                vpc.map(|v| v.ipv6_cidr_blocks.clone()).unwrap_or_default()
            } else {
                there.ipv6_cidr_blocks.clone()
            }
            .into_iter()
            .map(ipnet::IpNet::V6)
            .collect()
        } else if there.cidr_blocks.is_empty() {
            vpc.map(|v| {
                v.cidr_blocks
                    .iter()
                    .copied()
                    .map(ipnet::IpNet::V4)
                    .collect()
            })
            .unwrap_or_default()
        } else {
            there
                .cidr_blocks
                .iter()
                .copied()
                .map(ipnet::IpNet::V4)
                .collect()
        };
        if !cidrs.is_empty() && !cidrs.iter().any(|c| dest.within(c)) {
            let h = hop(path, HopKind::VpcPeeringConnection, pcx_id, Decision::Deny,
                format!("{pcx_id} leads to {}, whose CIDRs ({}) do not contain {dest}; peering is not transitive", there.vpc_id,
                    cidrs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")));
            self.push(h, ExplanationCode::CannotRoute);
            return None;
        }
        let h = hop(
            path,
            HopKind::VpcPeeringConnection,
            pcx_id,
            Decision::Allow,
            format!(
                "{pcx_id} is active and carries the packet from {from_vpc} to {}",
                there.vpc_id
            ),
        );
        self.hops.push(h);
        Some(there.vpc_id.clone())
    }
}
