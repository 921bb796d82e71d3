//! Internet gateways: out to the internet (a public IP and an attached
//! gateway), and in from the internet to a public IP.
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>.

use super::return_path::{RouteBack, Step};
use super::{hop, Walker};
use netpath_model::Direction;

use crate::addr::{is_private_ip, AddrSet};
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::{Endpoint, EndpointKind, Placement};
use crate::route_table::{self, RouteTarget};
use crate::security_group::SgPeer;

impl<'a> Walker<'_, 'a> {
    /// What is missing to know the internet gateways of `vpc_id` (no
    /// `DescribeInternetGateways` output, or a gap in its region).
    pub(super) fn internet_gateways_missing(&self, vpc_id: &str) -> Option<String> {
        self.topo.missing(
            self.topo.snapshot.internet_gateways.is_some(),
            "ec2:DescribeInternetGateways",
            "internet gateways",
            Some(vpc_id),
        )
    }

    /// Checks that `igw_id` is attached to `vpc_id`. Returns false after pushing a deny/unknown.
    pub(super) fn igw_attached(&mut self, path: PathLeg, igw_id: &str, vpc_id: &str) -> bool {
        if let Some(m) = self.internet_gateways_missing(vpc_id) {
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
        // Over IPv6 the ENI's own global address is its public address.
        let Some(public) = sp.public_ip else {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                igw,
                Decision::Deny,
                if sp.addr.is_v6() {
                    format!(
                        "{} is not a global IPv6 address, so {igw} cannot carry its traffic to the internet",
                        sp.addr
                    )
                } else {
                    format!(
                        "{} has no public IP, so {igw} cannot carry its traffic to the internet",
                        sp.label()
                    )
                },
            );
            self.push(h, ExplanationCode::NetpathNoPublicIp);
            return false;
        };
        // RFC 1918 (and RFC 6598) addresses are not routed on the internet
        // (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
        let all_private = daddr.starts().iter().all(|ip| is_private_ip(*ip));
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
            if public.is_ipv6() {
                format!(
                    "{igw} is attached to {} and carries IPv6 from {public} unchanged (IPv6 addresses are public; there is no translation)",
                    sp.vpc_id
                )
            } else {
                format!(
                    "{igw} is attached to {} and translates {} to its public IP {public}",
                    sp.vpc_id,
                    sp.label()
                )
            },
        );
        self.hops.push(h);
        match dp {
            // Addressed at a public IPv4 address of a snapshot ENI, or at a
            // snapshot ENI's global IPv6 address (its own public address):
            // the packet crosses the internet into that ENI's VPC.
            Some(d) if via_public || d.addr.is_v6() => {
                self.outside_leg(&AddrSet::single(public), dst, d)
            }
            // Outside AWS: nothing more can be seen. The reply comes back
            // through the boundaries already crossed (the source NACL).
            _ => self.delivered = true,
        }
        true
    }

    /// Inbound traffic through `igw` follows the gateway (edge) route table
    /// associated with it, when there is one: its routes can steer the
    /// packet to a firewall ENI or a Gateway Load Balancer endpoint before
    /// it reaches the subnet. A `local` route delivers as usual; a route to
    /// a middlebox is unknown, naming it; a blackhole drops. Source:
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html>.
    fn edge_route(&mut self, igw: &str, dp: &Placement<'a>) {
        let Some(rt) = route_table::edge_route_table(self.topo, igw) else {
            return;
        };
        let route = route_table::lookup_set(self.topo, rt, &dp.addr)
            .into_iter()
            .map(|(_, r)| r)
            .next()
            .flatten();
        let rtb = &rt.route_table_id;
        let (decision, detail, missing) = match route {
            Some(r) if r.state == netpath_model::RouteState::Blackhole => (
                Decision::Deny,
                format!("{igw}'s edge route table {rtb} sends {} to a blackhole route ({})", dp.addr, route_table::describe(r)),
                None,
            ),
            Some(r) => match route_table::target(r) {
                RouteTarget::Local => (
                    Decision::Allow,
                    format!("{igw}'s edge route table {rtb} delivers {} by its local route", dp.addr),
                    None,
                ),
                RouteTarget::Other(_, id)
                | RouteTarget::TransitGateway(id)
                | RouteTarget::VpcEndpoint(id)
                | RouteTarget::VpnGateway(id) => (
                    Decision::Unknown,
                    format!("{igw}'s edge route table {rtb} steers traffic for {} to {id} (a middlebox); netpath does not follow paths through it yet", dp.addr),
                    Some(format!("the path through {id} (not modelled)")),
                ),
                _ => (
                    Decision::Unknown,
                    format!("{igw}'s edge route table {rtb} routes {} by {}, which netpath does not follow for inbound traffic", dp.addr, route_table::describe(r)),
                    Some(format!("the inbound path by {}", route_table::describe(r))),
                ),
            },
            None => (
                Decision::Deny,
                format!("{igw}'s edge route table {rtb} has no route for {}", dp.addr),
                None,
            ),
        };
        let mut h = hop(PathLeg::Forward, HopKind::RouteTable, rtb, decision, detail);
        h.missing.extend(missing);
        self.push(h, ExplanationCode::NoRouteToDestination);
    }

    /// Where the subnet `subnet_id` routes replies to `src` when that is a
    /// gateway netpath does not follow yet (a virtual private gateway, a
    /// transit gateway, a middlebox ENI, ...): its kind and id.
    ///
    /// Errors: what is missing to tell (the subnet, its route table).
    fn gateway_back(
        &self,
        subnet_id: &str,
        src: &AddrSet,
    ) -> Result<Option<(&'static str, String)>, String> {
        let subnet = self
            .topo
            .subnet(subnet_id)
            .ok_or_else(|| format!("subnet {subnet_id} (its route table is unknown)"))?;
        let (rt, _) = route_table::route_table_for_subnet(self.topo, subnet)?;
        Ok(route_table::lookup_set(self.topo, rt, src)
            .into_iter()
            .find_map(|(_, r)| match r.map(route_table::target) {
                Some(RouteTarget::Other(kind, id)) => Some((kind, id)),
                Some(RouteTarget::TransitGateway(id)) => Some(("transit gateway", id)),
                Some(RouteTarget::VpnGateway(id)) => Some(("virtual private gateway", id)),
                Some(RouteTarget::VpcEndpoint(id)) => Some(("VPC endpoint", id)),
                Some(RouteTarget::VpcPeeringConnection(id)) => Some(("VPC peering connection", id)),
                _ => None,
            }))
    }

    /// What is missing when peering `pcx_id` leads from `vpc_id` to a VPC
    /// the snapshot does not hold (a cross-account peering of which only
    /// one side was collected:
    /// <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>),
    /// naming the account; `None` when that VPC is in the snapshot.
    pub(super) fn peer_side_missing(&self, pcx_id: &str, vpc_id: &str) -> Option<String> {
        let pcx = self.topo.peering(pcx_id)?;
        let there = if pcx.requester_vpc_info.vpc_id == vpc_id {
            &pcx.accepter_vpc_info
        } else {
            &pcx.requester_vpc_info
        };
        if self.topo.vpc(&there.vpc_id).is_some() {
            return None;
        }
        Some(match &there.owner_id {
            Some(owner) => format!(
                "{} across {pcx_id}, of account {owner}, which is not in the snapshot; collect it, or `netpath merge` its snapshot",
                there.vpc_id
            ),
            None => format!("{} across {pcx_id}, which is not in the snapshot", there.vpc_id),
        })
    }

    /// What is missing to tell whether the private outside address `src`
    /// is in a customer network behind a VPN of `vpc_id`, when no route
    /// says so (`beyond` found no gateway) and the snapshot lacks the VPN
    /// data: a private address is not routed on the internet
    /// (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
    fn customer_network_unknown(
        &self,
        vpc_id: &str,
        src: &AddrSet,
        beyond: &Result<Option<(&'static str, String)>, String>,
    ) -> Option<String> {
        let private = src.as_single().is_some_and(crate::addr::is_private_ip);
        if !private || !matches!(beyond, Ok(None)) {
            return None;
        }
        let snap = self.topo.snapshot;
        [
            (
                snap.vpn_gateways.is_some(),
                "ec2:DescribeVpnGateways",
                "virtual private gateways",
            ),
            (
                snap.vpn_connections.is_some(),
                "ec2:DescribeVpnConnections",
                "VPN connections",
            ),
        ]
        .into_iter()
        .find_map(|(present, op, what)| self.topo.missing(present, op, what, Some(vpc_id)))
        .map(|m| format!("{m}, to tell whether {src} is on premises behind a VPN of {vpc_id}"))
    }

    /// From an outside source (`internet` or an outside IP) to a placement.
    ///
    /// An outside source is an internet client only when the destination
    /// subnet routes its replies to an internet gateway. When they go to a
    /// virtual private gateway, a transit gateway or another target, the
    /// client is on premises or in another network, reached through it: the
    /// gateway hop is unknown, never a "no internet gateway" block.
    pub(super) fn outside_leg(&mut self, src: &AddrSet, dst: &Endpoint<'a>, dp: &Placement<'a>) {
        let igws = self.topo.attached_internet_gateways(&dp.vpc_id);
        let igw_label = igws
            .first()
            .map_or_else(|| dp.vpc_id.clone(), |g| g.internet_gateway_id.clone());
        // `internet` itself is the internet, whatever the routes say; an
        // outside address may be on premises.
        let beyond = if src.is_internet() {
            Ok(None)
        } else {
            // A client a VPN connection's static route names, or one the
            // VPC's transit gateway attachment routes to a VPN or Direct
            // Connect attachment, is in that customer network even when no
            // route of the subnet leads back to it.
            match self.gateway_back(&dp.subnet_id, src) {
                Ok(None) => Ok(
                    crate::vpn_gateway::vgw_for_remote(self.topo, &dp.vpc_id, src)
                        .map(|(g, _)| ("virtual private gateway", g))
                        .or_else(|| {
                            self.topo
                                .tgw
                                .customer_gateway_for(&dp.vpc_id, src)
                                .map(|(t, _)| ("transit gateway", t))
                        }),
                ),
                other => other,
            }
        };
        // A client no gateway of the VPC leads to, that is not on the
        // internet: in a declared on-premises network, or at a private
        // address, which the internet does not route
        // (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
        let onprem: Option<String> = match (&beyond, self.topo.onprem_network(src)) {
            (Ok(None), Some(n)) => Some(format!("on-premises network {} ({})", n.name, n.cidr)),
            (Ok(None), None) if src.as_single().is_some_and(is_private_ip) => Some(
                "a private address, so on premises or in another network, never on the internet"
                    .into(),
            ),
            _ => None,
        };
        if let Err(m) = &beyond {
            let mut h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Unknown,
                format!("whether {src} is an internet client or reached through another gateway (on premises, another network) depends on where {} routes its replies, and the snapshot lacks {m}", dp.subnet_id),
            );
            h.missing.push(m.clone());
            self.hops.push(h);
        } else if let Some(m) = self.customer_network_unknown(&dp.vpc_id, src, &beyond) {
            self.unknown(PathLeg::Forward, HopKind::VpnGateway, &dp.vpc_id, m);
        } else if let Ok(Some(("virtual private gateway", id))) = &beyond {
            // The client is in the customer network behind the VGW.
            self.vpn_gateway(PathLeg::Forward, id, &dp.vpc_id, (&dp.addr, src));
        } else if let Ok(Some((kind, id))) = &beyond {
            // On premises behind a VPN or Direct Connect attachment of the
            // transit gateway: walked there, with its own way back.
            if *kind == "transit gateway" && self.outside_via_transit_gateway(src, dst, dp, id) {
                return;
            }
            let peer_missing = (*kind == "VPC peering connection")
                .then(|| self.peer_side_missing(id, &dp.vpc_id))
                .flatten();
            let why = if let Some(m) = &peer_missing {
                m.clone()
            } else if *kind == "VPC peering connection" {
                format!("no ENI on the other side of {id} has this address")
            } else if *kind == "transit gateway" {
                format!("the table of {id} associated with {}'s attachment does not route {src} to a VPN or Direct Connect attachment (another VPC, a peering, or no route), and netpath does not follow such a client in yet", dp.vpc_id)
            } else {
                format!("netpath does not follow paths through {kind} yet")
            };
            let mut h = hop(
                PathLeg::Forward,
                HopKind::RouteTable,
                id,
                Decision::Unknown,
                format!(
                    "{} routes replies to {src} to {kind} {id}: {src} is on premises or in another network reached through it, not an internet client; {why}",
                    dp.subnet_id
                ),
            );
            h.missing.push(
                peer_missing
                    .unwrap_or_else(|| format!("the path through {kind} {id} (not modelled)")),
            );
            self.hops.push(h);
        } else if onprem.is_some() {
            // A declared on-premises client, and no gateway leads there:
            // the reply's route decides (`RouteBack::OnPrem`).
        } else if let Some(m) = self.internet_gateways_missing(&dp.vpc_id) {
            self.unknown(PathLeg::Forward, HopKind::InternetGateway, &dp.vpc_id, m);
        } else if igws.is_empty() {
            // Nothing reaches a VPC from the internet without an attached
            // internet gateway
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>);
            // an egress-only one lets only replies in
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>).
            let eigw = match self.egress_only_gateways(&dp.vpc_id) {
                Ok(g) if !g.is_empty() && src.is_v6() => format!(
                    "; its egress-only internet gateway {} lets in only replies to connections started from inside",
                    g.join(", ")
                ),
                _ => String::new(),
            };
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &dp.vpc_id,
                Decision::Deny,
                format!(
                    "{} has no attached internet gateway, so nothing on the internet reaches it{eigw}",
                    dp.vpc_id
                ),
            );
            self.push(h, ExplanationCode::NetpathNoInternetGateway);
        } else if dp.eni.is_none() && dst.db.is_some_and(|d| d.publicly_accessible) {
            // RDS gives a PubliclyAccessible DB a public address on its ENI
            // (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding>);
            // without the ENI the snapshot cannot say which, nor that there is none.
            let db = dst.db.map_or("", |d| d.db_instance_identifier.as_str());
            let mut h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Unknown,
                format!("{db} is PubliclyAccessible, so RDS gives it a public address, but the snapshot lacks its network interface to say which"),
            );
            h.missing.push(format!(
                "the RDSNetworkInterface ENI of {db} and its public IP (DescribeNetworkInterfaces)"
            ));
            self.hops.push(h);
        } else if dst.kind == EndpointKind::Ip && !dst.via_public_ip && !dp.addr.is_v6() {
            // An internet gateway translates a public IPv4 address it holds
            // to the ENI's private one; a packet from the internet addressed
            // to the private address itself is never translated, and RFC 1918
            // addresses are not routed on the internet at all
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>,
            // <https://www.rfc-editor.org/rfc/rfc1918#section-3>).
            let public = dp
                .public_ip
                .map(|p| format!("; the internet reaches it only at its public IP {p}"))
                .unwrap_or_else(|| "; it has no public IP the internet could use".into());
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Deny,
                format!(
                    "{} is a private address of {}: the internet does not route it, and {igw_label} translates only public IPs{public}",
                    dst.reference,
                    dp.label()
                ),
            );
            self.push(h, ExplanationCode::CannotRoute);
        } else if let Some(public) = dp.public_ip {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Allow,
                if public.is_ipv6() {
                    format!("{igw_label} routes {public} into {} unchanged (IPv6 addresses are public; there is no translation)", dp.vpc_id)
                } else {
                    format!("{igw_label} translates {public} to {}", dp.addr)
                },
            );
            self.hops.push(h);
        } else {
            let h = hop(
                PathLeg::Forward,
                HopKind::InternetGateway,
                &igw_label,
                Decision::Deny,
                if dp.addr.is_v6() {
                    format!(
                        "{} is not a global IPv6 address (unique-local or link-local), so the internet cannot address it",
                        dp.addr
                    )
                } else {
                    format!(
                        "{} has no public IP, so the internet cannot address it",
                        dp.label()
                    )
                },
            );
            self.push(h, ExplanationCode::NetpathNoPublicIp);
        }
        if matches!(beyond, Ok(None)) && onprem.is_none() {
            if let Some(igw) = igws.first() {
                self.edge_route(&igw.internet_gateway_id, dp);
            }
        }
        let back = match &beyond {
            Ok(Some(("virtual private gateway", vgw))) => RouteBack::VpnGateway {
                subnet_id: dp.subnet_id.clone(),
                to: src.clone(),
                vgw: vgw.clone(),
            },
            _ if onprem.is_some() => RouteBack::OnPrem {
                subnet_id: dp.subnet_id.clone(),
                to: src.clone(),
                network: onprem.clone().unwrap_or_default(),
            },
            _ => RouteBack::InternetGateway {
                subnet_id: dp.subnet_id.clone(),
                vpc_id: dp.vpc_id.clone(),
                to: src.clone(),
                igws: igws.iter().map(|g| g.internet_gateway_id.clone()).collect(),
            },
        };
        self.steps.push(Step::RouteBack(back));
        self.cross(&dp.subnet_id, Direction::Ingress, src, self.flow.ephemeral);
        self.outside_arrives(src, dst, dp);
    }

    /// An outside client's request is in the destination's subnet: its
    /// groups (no group of the client can match) and the destination's
    /// state decide.
    pub(super) fn outside_arrives(
        &mut self,
        src: &AddrSet,
        dst: &Endpoint<'a>,
        dp: &Placement<'a>,
    ) {
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
        self.destination_state(dp, dst, src);
    }
}
