//! The path walk: client to server and back, layer by layer.
//!
//! Forward path (request):
//! 1. the source's state (a stopped instance sends nothing): `state.rs`;
//! 2. source ENI security groups, egress;
//! 3. source subnet NACL outbound, only when the packet leaves the subnet;
//! 4. route lookup in the source subnet's route table, and the next hop:
//!    `local`, a VPC peering connection (`vpc_peering_connection.rs`), an
//!    internet gateway (`internet_gateway.rs`), a NAT gateway
//!    (`nat_gateway.rs`), a transit gateway (`transit_gateway.rs`);
//! 5. destination subnet NACL inbound;
//! 6. destination ENI security groups, ingress;
//! 7. the destination itself (instance running; DB `available`, right port).
//!
//! The layers of steps 2-6 are the evaluators as hops (`layers.rs`).
//!
//! Return path (reply, `return_path.rs`): the forward walk records every
//! subnet boundary it crossed and every delivery whose reply needs a route
//! back; the return path replays them in reverse. Security groups are
//! stateful, so the reply needs no SG rule; NACLs are stateless, so the reply
//! crosses each boundary again, the other way, on the client's ephemeral
//! ports (or a NAT gateway's ports beyond it).
//!
//! The walk goes on past a hop it cannot decide and past a hop that blocks,
//! as if that block were fixed, so every blocker on the path is found.
//!
//! Adding a gateway kind means one file here and one arm in
//! [`Walker::walk_from_eni`]'s match on the route target.
//!
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html>
//! (SGs vs NACLs), <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>
//! (peering routes on both sides), <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>
//! (no transitive peering, no edge-to-edge routing),
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>
//! (internet access needs a public IP and a route to an attached internet gateway),
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>
//! (NAT gateways, and their 1024-65535 source ports).

mod amazon_service;
mod arrive;
mod direct_connect_gateway;
mod egress_only_internet_gateway;
mod gateway_load_balancer_endpoint;
mod host;
mod internet_gateway;
mod layers;
mod load_balancer;
mod load_balancer_leg;
mod load_balancer_rules;
pub(crate) use layers::peer_cidr;
use layers::{hop, unknown_hop};
mod nat_gateway;
mod return_path;
mod state;
mod transit_gateway;
mod transit_gateway_customer;
mod transit_gateway_peering;
mod vpc_endpoint;
mod vpc_peering_connection;
mod vpn_gateway;

use netpath_model::{IpProtocol, PortRange};

use netpath_model::Direction;

use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, Hop, HopKind, PathLeg};
use crate::resolve::{Endpoint, Placement};
use crate::route_table::RouteTarget;
use crate::security_group::SgPeer;
use crate::topology::Topology;

pub(crate) use return_path::return_ports_allowed;
use return_path::Step;
pub(crate) use transit_gateway::asymmetric_warnings;

/// The connection being asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// `tcp` or `udp`.
    pub protocol: IpProtocol,
    /// Destination port.
    pub port: u16,
    /// The client's ephemeral port range (the reply's destination ports);
    /// for ICMP, the reply message's key (see [`netpath_model::IcmpMessage`]).
    pub ephemeral: PortRange,
    /// False for an ICMP message that gets no reply: only the way there is walked.
    pub expects_reply: bool,
    /// Only the connections a load balancer sends to the target at this
    /// address (see [`crate::ExplainOptions::lb_target`]).
    pub lb_target: Option<std::net::Ipv4Addr>,
    /// Gateway Load Balancer endpoints pass packets on, by the route table
    /// of their subnet (see [`crate::ExplainOptions::assume_appliance_allows`]).
    pub assume_appliance_allows: bool,
    /// Only what a verdict needs (see [`crate::ExplainOptions::terse`]):
    /// no near misses of network ACL entries.
    pub terse: bool,
}

/// Where the forward route lookup sent the packet.
enum Next {
    /// Into this VPC (by `local` or a peering).
    Vpc(String),
    /// Out of a transit gateway into a VPC.
    TransitGateway(transit_gateway::TgwExit),
    /// Out through an internet gateway (already checked).
    Internet,
    /// Through a NAT gateway (already walked).
    Done,
    /// Dropped or undecidable: continue to the intended destination, if known.
    Lost,
}

/// Walks one (source placement, destination placement) pair and returns its hops.
/// `hosts` are the host facts given (`walk/host.rs`), matched to instances by id.
///
/// `sp` is `None` for an outside source (`internet` or an outside IP), `dp`
/// for an address no ENI holds or an outside destination. Never panics on
/// missing data: undecidable hops come back as [`Decision::Unknown`].
pub fn walk<'a>(
    topo: &Topology<'a>,
    flow: &Flow,
    src: &Endpoint<'a>,
    sp: Option<&Placement<'a>>,
    dst: &Endpoint<'a>,
    dp: Option<&Placement<'a>>,
    hosts: &[netpath_model::host::HostFacts],
) -> Vec<Hop> {
    let mut w = Walker::new(topo, flow, hosts, 0, None);
    match sp {
        Some(sp) => w.walk_from_eni(src, sp, dst, dp),
        None => {
            let addr = src.address.clone().unwrap_or_else(AddrSet::internet);
            if let Some(dp) = dp {
                w.outside_leg(&addr, dst, dp);
            }
        }
    }
    w.finish()
}

/// How a request reached the destination's subnet.
#[derive(Clone, Copy, PartialEq)]
enum Crossing<'x> {
    /// From within the subnet: no network ACL, no route back needed.
    Within,
    /// From another subnet: its network ACL inbound, a route back.
    Subnet,
    /// Out of a transit gateway (`transit_gateway.rs`).
    TransitGateway(&'x transit_gateway::TgwExit),
}

/// The walk of one (source placement, destination placement) pair.
struct Walker<'t, 'a> {
    topo: &'t Topology<'a>,
    flow: &'t Flow,
    /// Host facts, one per instance that has them (`walk/host.rs`).
    hosts: &'t [netpath_model::host::HostFacts],
    /// Every hop so far, forward then return.
    hops: Vec<Hop>,
    /// What the reply must undo, in forward order (see `return_path.rs`).
    steps: Vec<Step>,
    /// The request reached its destination or left AWS, so there is a reply
    /// to walk back. A request lost on the way (no route and no known
    /// destination, a gateway netpath does not follow) has none.
    delivered: bool,
    /// Host answers (`host.rs`): the hop index and the ICMP type and code
    /// (`None`: a TCP reset), judged again once the way back is known.
    answers: Vec<(usize, Option<(u8, u8)>)>,
    /// Transit gateway peerings the packet being routed is crossing now
    /// (`transit_gateway_peering.rs`): a routing loop's guard.
    peering_depth: usize,
    /// Load balancers this walk is the second leg of
    /// (`load_balancer.rs`): a loop's guard.
    lb_depth: usize,
    /// This walk is a load balancer's second leg, from its node: the node
    /// sends on the balancer's behalf (no source state), and, when `true`,
    /// it shows the target the client's own address and carries the reply
    /// back itself (no route back is needed).
    lb_leg: Option<bool>,
    /// Gateway Load Balancer endpoints the request passed, in order
    /// (`gateway_load_balancer_endpoint.rs`): the reply must pass them too.
    appliances: Vec<String>,
    /// The reply passed back through those endpoints (`return_path.rs`).
    reply_passed_appliances: bool,
}

impl<'t, 'a> Walker<'t, 'a> {
    /// A walk of `flow` not yet begun, `lb_depth` load balancers deep
    /// (`lb_leg`: see the field).
    fn new(
        topo: &'t Topology<'a>,
        flow: &'t Flow,
        hosts: &'t [netpath_model::host::HostFacts],
        lb_depth: usize,
        lb_leg: Option<bool>,
    ) -> Walker<'t, 'a> {
        Walker {
            topo,
            flow,
            hosts,
            hops: Vec::new(),
            steps: Vec::new(),
            delivered: false,
            answers: Vec::new(),
            peering_depth: 0,
            lb_depth,
            lb_leg,
            appliances: Vec::new(),
            reply_passed_appliances: false,
        }
    }

    /// Ends the walk: the way back, when the request was delivered and
    /// expects a reply, then every hop.
    fn finish(mut self) -> Vec<Hop> {
        if self.delivered && self.flow.expects_reply {
            self.return_path();
            self.answers_on_the_way_back();
        }
        self.hops
    }

    fn push(&mut self, mut h: Hop, code: ExplanationCode) {
        if matches!(h.decision, Decision::Deny | Decision::Partial) {
            h.code = Some(code);
        }
        self.hops.push(h);
    }

    fn unknown(&mut self, path: PathLeg, kind: HopKind, component: &str, missing: String) {
        let mut h = hop(
            path,
            kind,
            component,
            Decision::Unknown,
            format!("cannot be decided: the snapshot lacks {missing}"),
        );
        h.missing.push(missing);
        self.hops.push(h);
    }

    /// Turns the last hop (a route or gateway check that passed on its
    /// own) into a block with `code`, its sentence extended by `why`: the
    /// check was right, but the path needed something else of it.
    fn deny_last(&mut self, code: ExplanationCode, why: &str) {
        let last = self.hops.last_mut().expect("the check pushed a hop");
        last.decision = Decision::Deny;
        last.code = Some(code);
        last.detail = format!("{}; {why}", last.detail);
    }

    /// Turns the last hop into an unknown, its sentence extended by `why`,
    /// naming `missing`.
    fn unknown_last(&mut self, why: &str, missing: String) {
        let last = self.hops.last_mut().expect("the check pushed a hop");
        last.decision = Decision::Unknown;
        last.detail = format!("{}; {why}", last.detail);
        last.missing.push(missing);
    }

    fn proto(&self) -> IpProtocol {
        self.flow.protocol
    }

    /// The request crosses the NACL of `subnet_id` in `direction`
    /// with `peer` at the far end: evaluates it on the request's port and
    /// records the boundary, which the reply crosses the other way on
    /// `reply_ports` (see `return_path.rs`).
    fn cross(
        &mut self,
        subnet_id: &str,
        direction: Direction,
        peer: &AddrSet,
        reply_ports: PortRange,
    ) {
        self.network_acl(
            PathLeg::Forward,
            subnet_id,
            direction,
            peer,
            PortRange::new(self.flow.port, self.flow.port),
            self.proto(),
        );
        self.steps.push(Step::Boundary {
            subnet_id: subnet_id.to_string(),
            direction,
            peer: peer.clone(),
            reply_ports,
        });
    }

    fn walk_from_eni(
        &mut self,
        src: &Endpoint<'a>,
        sp: &Placement<'a>,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
    ) {
        if self.lb_leg.is_none() {
            self.source_state(src, sp);
        }
        let via_public = dst.via_public_ip && dp.is_some_and(|d| d.public_ip.is_some());
        if !via_public && dp.is_some_and(|d| self.same_host(sp, d)) {
            // Loopback: the packet never leaves the host, so no security
            // group, network ACL or route sees it; security groups apply to
            // traffic entering and leaving an ENI
            // (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>).
            let h = hop(
                PathLeg::Forward,
                HopKind::Loopback,
                sp.label(),
                Decision::Allow,
                format!(
                    "source and destination are the same host ({}): the packet never leaves it, so no security group, network ACL or route applies; only the host's own firewall and listeners decide",
                    sp.label()
                ),
            );
            self.hops.push(h);
            return;
        }
        if dp.is_none() {
            let daddr = dst.address.clone().unwrap_or_else(AddrSet::internet);
            if self.amazon_service(sp, &daddr) {
                return;
            }
        }
        let daddr = match (dp, via_public) {
            (Some(d), true) => AddrSet::single(d.public_ip.expect("checked")),
            (Some(d), false) => d.addr.clone(),
            (None, _) => dst.address.clone().unwrap_or_else(AddrSet::internet),
        };
        let src_instance = sp
            .eni
            .and_then(|e| self.topo.instance_of(e))
            .or(src.instance);
        self.host_request_out(src_instance, &sp.addr, &daddr);
        let private_dp = dp.filter(|_| !via_public);
        let peer_groups = private_dp.map(|d| d.groups.clone()).unwrap_or_default();
        self.security_groups(
            sp,
            Direction::Egress,
            &SgPeer {
                addr: &daddr,
                groups: &peer_groups,
                vpc_id: private_dp.map(|d| d.vpc_id.as_str()),
            },
        );
        self.leave_subnet(sp, dst, dp, &daddr, via_public);
    }

    /// The request leaves `sp`'s subnet toward `daddr` (`dp` when it is an
    /// ENI of the snapshot; `via_public`: at its public address): straight
    /// to a destination in the same subnet, else through the subnet's
    /// network ACL and route table to the next hop.
    pub(super) fn leave_subnet(
        &mut self,
        sp: &Placement<'a>,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
        daddr: &AddrSet,
        via_public: bool,
    ) {
        let private_dp = dp.filter(|_| !via_public);
        // Same subnet: delivered directly, no NACL, no route lookup; NACLs act
        // only at the subnet boundary
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>).
        let same_subnet = match (private_dp, self.topo.subnet(&sp.subnet_id)) {
            (Some(d), _) => d.subnet_id == sp.subnet_id,
            (None, Some(s)) => {
                daddr.within(&s.cidr_block) || s.ipv6_cidr_blocks.iter().any(|c| daddr.within(c))
            }
            (None, None) => false,
        };
        if same_subnet {
            self.acl_not_crossed(&sp.subnet_id);
            match private_dp {
                Some(d) => self.arrive(sp, d, dst, Crossing::Within),
                None => self.no_destination(&sp.subnet_id, daddr),
            }
            return;
        }
        self.cross(&sp.subnet_id, Direction::Egress, daddr, self.flow.ephemeral);
        let next = match self.route(PathLeg::Forward, &sp.subnet_id, daddr) {
            None => Next::Lost,
            Some((RouteTarget::Local, _)) => Next::Vpc(sp.vpc_id.clone()),
            Some((RouteTarget::VpcPeeringConnection(pcx), _)) => {
                match self.peering(PathLeg::Forward, &pcx, &sp.vpc_id, daddr) {
                    Some(v) => Next::Vpc(v),
                    None => Next::Lost,
                }
            }
            Some((RouteTarget::InternetGateway(igw), _)) => {
                if self.exit_to_internet(sp, &igw, daddr, dst, dp, via_public) {
                    Next::Internet
                } else {
                    Next::Lost
                }
            }
            Some((RouteTarget::NatGateway(nat), _)) => {
                self.via_nat(sp, &nat, daddr);
                Next::Done
            }
            Some((RouteTarget::EgressOnlyInternetGateway(eigw), _)) => {
                if self.exit_egress_only(sp, &eigw, daddr, dst, dp) {
                    Next::Internet
                } else {
                    Next::Lost
                }
            }
            Some((RouteTarget::TransitGateway(tgw), _)) => {
                self.routed_to_transit_gateway(sp, &tgw, daddr)
            }
            Some((RouteTarget::VpnGateway(vgw), _)) => {
                if self.vpn_gateway(PathLeg::Forward, &vgw, &sp.vpc_id, (&sp.addr, daddr)) {
                    self.delivered = true;
                    Next::Internet
                } else {
                    Next::Lost
                }
            }
            Some((RouteTarget::VpcEndpoint(vpce), _)) => {
                match self.endpoint_or_unknown(&vpce, &sp.vpc_id) {
                    None => Next::Done,
                    Some(e) if e.is_gateway() => {
                        if self.via_gateway_endpoint(sp, e, daddr) {
                            Next::Internet
                        } else {
                            Next::Done
                        }
                    }
                    Some(e) => self.via_appliance(sp, e, daddr, dst, dp, via_public),
                }
            }
            Some((RouteTarget::Other(kind, id), _)) => {
                let mut h = hop(PathLeg::Forward, HopKind::RouteTable, &id, Decision::Unknown,
                    format!("the packet leaves the VPC through {kind} {id}; netpath does not follow paths beyond it"));
                h.missing
                    .push(format!("what lies beyond {kind} {id} (not modelled)"));
                self.hops.push(h);
                Next::Done
            }
            Some((RouteTarget::None, _)) => Next::Lost,
        };
        match next {
            Next::Vpc(vpc) => self.enter_vpc(sp, &vpc, daddr, dst, private_dp, None),
            Next::TransitGateway(exit) => {
                self.enter_vpc(sp, &exit.vpc_id, daddr, dst, private_dp, Some(&exit))
            }
            Next::Internet | Next::Done => {}
            Next::Lost => {
                // Walk on as if the route were fixed, to find the other blockers.
                if let Some(d) = dp {
                    if via_public {
                        self.outside_leg(
                            &AddrSet::single(sp.public_ip.unwrap_or_else(|| sp.addr.first())),
                            dst,
                            d,
                        );
                    } else {
                        self.arrive(sp, d, dst, Crossing::Subnet);
                    }
                }
            }
        }
    }

    /// True when two placements are one host: the same ENI, or two ENIs of
    /// the same instance.
    fn same_host(&self, a: &Placement<'a>, b: &Placement<'a>) -> bool {
        match (a.eni, b.eni) {
            (Some(x), Some(y)) => {
                x.network_interface_id == y.network_interface_id
                    || matches!(
                        (self.topo.instance_of(x), self.topo.instance_of(y)),
                        (Some(i), Some(j)) if i.instance_id == j.instance_id
                    )
            }
            _ => false,
        }
    }
}
