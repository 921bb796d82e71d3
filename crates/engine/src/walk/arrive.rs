//! Arriving: the packet entered a VPC (by `local`, a peering, or a transit
//! gateway); find who holds the address, and reach it through its
//! subnet's network ACL and its security groups.
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html>.

use netpath_model::{Direction, PortRange};

use super::return_path::{self, Step};
use super::{hop, transit_gateway, Crossing, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};
use crate::security_group::SgPeer;

impl<'a> Walker<'_, 'a> {
    /// The packet entered `vpc` (by `local`, a peering, or `via` a transit
    /// gateway): find who holds the address.
    pub(super) fn enter_vpc(
        &mut self,
        sp: &Placement<'a>,
        vpc: &str,
        daddr: &AddrSet,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
        via: Option<&transit_gateway::TgwExit>,
    ) {
        let crossing = match via {
            Some(exit) => Crossing::TransitGateway(exit),
            None => Crossing::Subnet,
        };
        let Some(ip) = daddr.as_single() else {
            // Unknown DB address: the placement says where it is.
            match dp {
                Some(d) if d.vpc_id == vpc => self.arrive(sp, d, dst, crossing),
                Some(d) => {
                    let h = hop(
                        PathLeg::Forward,
                        HopKind::RouteTable,
                        vpc,
                        Decision::Deny,
                        format!(
                            "the route leads into {vpc}, but {} is in {}",
                            dst.reference, d.vpc_id
                        ),
                    );
                    self.push(h, ExplanationCode::CannotRoute);
                    self.arrive(sp, d, dst, crossing);
                }
                None => {}
            }
            return;
        };
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.subnets.is_some(),
            "ec2:DescribeSubnets",
            "subnets",
            Some(vpc),
        ) {
            self.unknown(PathLeg::Forward, HopKind::NoDestination, vpc, m);
            if let Some(d) = dp {
                self.arrive(sp, d, dst, crossing);
            }
            return;
        }
        let Some(subnet) = self.topo.subnet_containing(vpc, ip) else {
            let h = hop(
                PathLeg::Forward,
                HopKind::NoDestination,
                vpc,
                Decision::Deny,
                format!("{ip} is routed into {vpc}, but no subnet of {vpc} contains it"),
            );
            self.push(h, ExplanationCode::NetpathNoSubnet);
            if let Some(d) = dp {
                self.arrive(sp, d, dst, crossing);
            }
            return;
        };
        let holder = self
            .topo
            .enis_with_private_ip(ip)
            .iter()
            .find(|e| e.subnet_id == subnet.subnet_id)
            .copied();
        match (holder, dp) {
            (None, _) => {
                self.no_destination(&subnet.subnet_id, daddr);
                if let Some(d) = dp {
                    self.arrive(sp, d, dst, crossing);
                }
            }
            (Some(e), Some(d))
                if d.eni
                    .is_some_and(|de| de.network_interface_id != e.network_interface_id) =>
            {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::RouteTable,
                    &subnet.subnet_id,
                    Decision::Deny,
                    format!(
                        "{ip} is routed to {} in {vpc}, not to the intended {}",
                        e.network_interface_id,
                        d.label()
                    ),
                );
                self.push(h, ExplanationCode::CannotRoute);
                self.arrive(sp, d, dst, crossing);
            }
            (Some(_), Some(d)) => self.arrive(sp, d, dst, crossing),
            (Some(e), None) => {
                if let Some(p) = Placement::of_eni(e, Some(ip)) {
                    self.arrive(sp, &p, dst, crossing);
                }
            }
        }
    }

    pub(super) fn no_destination(&mut self, subnet_id: &str, daddr: &AddrSet) {
        // Without the whole interface list, "nobody holds it" is not known.
        let vpc = self.topo.subnet(subnet_id).map(|s| s.vpc_id.as_str());
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.network_interfaces.is_some(),
            "ec2:DescribeNetworkInterfaces",
            "network interfaces",
            vpc,
        ) {
            return self.unknown(PathLeg::Forward, HopKind::NoDestination, subnet_id, m);
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::NoDestination,
            subnet_id,
            Decision::Deny,
            format!("the packet reaches {subnet_id}, but no network interface holds {daddr}"),
        );
        self.push(h, ExplanationCode::NetpathNoDestination);
    }

    /// The packet reached the destination's subnet from a source ENI, how
    /// `crossing` says.
    pub(super) fn arrive(
        &mut self,
        sp: &Placement<'a>,
        ap: &Placement<'a>,
        dst: &Endpoint<'a>,
        crossing: Crossing<'_>,
    ) {
        if crossing != Crossing::Within {
            if self.lb_leg != Some(true) {
                self.steps
                    .push(Step::RouteBack(return_path::RouteBack::Vpc {
                        subnet_id: ap.subnet_id.clone(),
                        vpc_id: ap.vpc_id.clone(),
                        from: ap.addr.clone(),
                        to: sp.addr.clone(),
                        to_vpc: sp.vpc_id.clone(),
                        to_subnet: sp.subnet_id.clone(),
                    }));
            }
            let through = match crossing {
                Crossing::TransitGateway(exit) => self.tgw_deliver(
                    PathLeg::Forward,
                    exit.subnet_id.as_deref(),
                    &ap.subnet_id,
                    &ap.addr,
                    PortRange::new(self.flow.port, self.flow.port),
                ),
                _ => true,
            };
            if through {
                self.cross(
                    &ap.subnet_id,
                    Direction::Ingress,
                    &sp.addr,
                    self.flow.ephemeral,
                );
            } else {
                // Not evaluated on the way in, but the reply leaves the
                // subnet by its outbound rules all the same.
                self.steps.push(Step::Boundary {
                    subnet_id: ap.subnet_id.clone(),
                    direction: Direction::Ingress,
                    peer: sp.addr.clone(),
                    reply_ports: self.flow.ephemeral,
                });
            }
        }
        // Group references match across a transit gateway only with
        // referencing support on it and both attachments.
        let no_groups: Vec<String> = Vec::new();
        let groups = match crossing {
            Crossing::TransitGateway(exit) if !exit.references => &no_groups,
            _ => &sp.groups,
        };
        // Delivered, within the subnet too: the reply crosses no boundary
        // then, but still leaves the hosts (`host.rs`).
        self.delivered = true;
        self.security_groups(
            ap,
            Direction::Ingress,
            &SgPeer {
                addr: &sp.addr,
                groups,
                vpc_id: Some(&sp.vpc_id),
            },
        );
        self.destination_state(ap, dst, &sp.addr);
    }
}
