//! The path walk: client to server and back, layer by layer.
//!
//! Forward path (request):
//! 1. the source's state (a stopped instance sends nothing);
//! 2. source ENI security groups, egress;
//! 3. source subnet NACL outbound, only when the packet leaves the subnet;
//! 4. route lookup in the source subnet's route table, and the next hop:
//!    `local`, a VPC peering connection, an internet gateway, a NAT gateway;
//! 5. destination subnet NACL inbound;
//! 6. destination ENI security groups, ingress;
//! 7. the destination itself (instance running; DB `available`, right port).
//!
//! Return path (reply), stateless layers only: destination subnet NACL
//! outbound and source subnet NACL inbound for the client's ephemeral ports,
//! and the route back from the destination subnet. Security groups are
//! stateful, so the reply needs no SG rule.
//!
//! The walk goes on past a hop it cannot decide and past a hop that blocks,
//! as if that block were fixed, so every blocker on the path is found.
//!
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/infrastructure-security.html>
//! (SGs vs NACLs), <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>
//! (peering routes on both sides), <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>
//! (no transitive peering, no edge-to-edge routing),
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>
//! (internet access needs a public IP and a route to an attached internet gateway),
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>
//! (NAT gateways, and their 1024-65535 source ports).

use netpath_model::{IpProtocol, PortRange, RouteState};

use crate::addr::{is_private, AddrSet, PortSet, Quantifier};
use crate::explain::{Decision, Direction, Hop, HopKind, Matched, PathLeg};
use crate::network_acl;
use crate::resolve::{Endpoint, Placement};
use crate::route_table::{self, RouteTarget};
use crate::security_group::{self, SgDirection, SgPeer};
use crate::topology::Topology;

/// The connection being asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// `tcp` or `udp`.
    pub protocol: IpProtocol,
    /// Destination port.
    pub port: u16,
    /// The client's ephemeral port range (the reply's destination ports).
    pub ephemeral: PortRange,
}

/// The source ports a NAT gateway uses towards the destination.
/// Source: <https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html>
/// and <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>.
pub const NAT_GATEWAY_PORTS: PortRange = PortRange::new(1024, 65535);

/// Where the forward route lookup sent the packet.
enum Next {
    /// Into this VPC (by `local` or a peering).
    Vpc(String),
    /// Out through an internet gateway (already checked).
    Internet,
    /// Through a NAT gateway (already walked).
    Done,
    /// Dropped or undecidable: continue to the intended destination, if known.
    Lost,
}

/// Walks one (source placement, destination placement) pair and returns its hops.
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
) -> Vec<Hop> {
    let mut w = Walker {
        topo,
        flow,
        hops: Vec::new(),
    };
    match sp {
        Some(sp) => w.walk_from_eni(src, sp, dst, dp),
        None => {
            let addr = src.address.clone().unwrap_or_else(AddrSet::internet);
            if let Some(dp) = dp {
                w.outside_leg(&addr, dst, dp);
            }
        }
    }
    w.hops
}

struct Walker<'t, 'a> {
    topo: &'t Topology<'a>,
    flow: &'t Flow,
    hops: Vec<Hop>,
}

fn hop(path: PathLeg, kind: HopKind, component: &str, decision: Decision, detail: String) -> Hop {
    Hop {
        path,
        kind,
        component: component.to_string(),
        direction: None,
        decision,
        matched: None,
        security_groups: Vec::new(),
        ports: None,
        blocked_ports: Vec::new(),
        code: None,
        missing: Vec::new(),
        peer: None,
        detail,
    }
}

/// The CIDR a fix should name for `addr`: `/32` for one address, the first
/// covering CIDR for an unknown one, `0.0.0.0/0` for the internet.
pub fn peer_cidr(addr: &AddrSet) -> String {
    if let Some(ip) = addr.as_single() {
        return format!("{ip}/32");
    }
    if addr.quantifier() == Quantifier::Every {
        return "0.0.0.0/0".to_string();
    }
    let s = addr.to_string();
    s.trim_start_matches("an address in ")
        .split(", ")
        .next()
        .unwrap_or("0.0.0.0/0")
        .to_string()
}

impl<'t, 'a> Walker<'t, 'a> {
    fn push(&mut self, mut h: Hop, code: &'static str) {
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

    fn proto(&self) -> IpProtocol {
        self.flow.protocol
    }

    // ----- layers -----------------------------------------------------------

    fn source_state(&mut self, src: &Endpoint<'a>, sp: &Placement<'a>) {
        if let Some(db) = src.db {
            self.db_state(PathLeg::Forward, db, false);
            return;
        }
        if let Some(inst) = sp
            .eni
            .and_then(|e| self.topo.instance_of(e))
            .or(src.instance)
        {
            self.instance_state(PathLeg::Forward, inst);
        }
    }

    /// An instance must be `running` to send or answer.
    /// Source: <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>.
    fn instance_state(&mut self, path: PathLeg, inst: &netpath_model::Instance) {
        let running = inst.state == "running";
        let h = hop(
            path,
            HopKind::Instance,
            &inst.instance_id,
            if running {
                Decision::Allow
            } else {
                Decision::Deny
            },
            if running {
                format!("{} is running", inst.instance_id)
            } else {
                format!(
                    "{} is {}, not running: nothing sends or answers on its interfaces",
                    inst.instance_id, inst.state
                )
            },
        );
        self.push(h, "BAD_STATE");
    }

    /// A DB answers only when `available`, and only on its endpoint port.
    /// Source: <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html>
    /// (DB instance status) and `Endpoint.Port` of `DescribeDBInstances`.
    fn db_state(&mut self, path: PathLeg, db: &netpath_model::DbInstance, check_port: bool) {
        let id = &db.db_instance_identifier;
        if db.db_instance_status != "available" {
            let h = hop(
                path,
                HopKind::DbInstance,
                id,
                Decision::Deny,
                format!(
                    "DB instance {id} is {}, not available: nothing answers",
                    db.db_instance_status
                ),
            );
            self.push(h, "BAD_STATE");
            return;
        }
        if check_port {
            if let Some(ep) = &db.endpoint {
                if ep.port != self.flow.port {
                    let h = hop(
                        path,
                        HopKind::DbInstance,
                        id,
                        Decision::Deny,
                        format!(
                            "{id} listens on port {}, not {}: the connection reaches the host and is refused",
                            ep.port, self.flow.port
                        ),
                    );
                    self.push(h, "NETPATH_NO_LISTENER");
                    return;
                }
            }
        }
        let h = hop(
            path,
            HopKind::DbInstance,
            id,
            Decision::Allow,
            format!("DB instance {id} is available on port {}", self.flow.port),
        );
        self.push(h, "");
    }

    fn security_groups(&mut self, p: &Placement<'a>, dir: SgDirection, peer: &SgPeer) {
        let out = security_group::evaluate(
            self.topo,
            &p.groups,
            p.eni.and_then(|e| e.interface_type.as_deref()),
            dir,
            peer,
            self.proto(),
            self.flow.port,
        );
        let component = match p.groups.as_slice() {
            [one] => one.clone(),
            _ => p.label().to_string(),
        };
        let mut h = hop(
            PathLeg::Forward,
            HopKind::SecurityGroup,
            &component,
            out.decision,
            out.detail,
        );
        h.direction = Some(match dir {
            SgDirection::Ingress => Direction::Ingress,
            SgDirection::Egress => Direction::Egress,
        });
        h.matched = out.matched;
        h.security_groups = p.groups.clone();
        h.missing = out.missing;
        self.push(h, "ENI_SG_RULES_MISMATCH");
    }

    /// Evaluates the NACL of `subnet_id` for `ports`; returns nothing, pushes a hop.
    fn network_acl(
        &mut self,
        path: PathLeg,
        subnet_id: &str,
        egress: bool,
        peer: &AddrSet,
        ports: PortRange,
        proto: IpProtocol,
    ) {
        let subnet = match self.topo.subnet(subnet_id) {
            Some(s) => s,
            None => {
                return self.unknown(
                    path,
                    HopKind::NetworkAcl,
                    subnet_id,
                    format!("subnet {subnet_id} (its network ACL is unknown)"),
                );
            }
        };
        let acl = match network_acl::network_acl_for_subnet(self.topo, subnet) {
            Ok(a) => a,
            Err(missing) => return self.unknown(path, HopKind::NetworkAcl, subnet_id, missing),
        };
        let out = network_acl::evaluate(acl, egress, peer, proto, ports);
        let dir_word = if egress { "outbound" } else { "inbound" };
        let peer_word = if egress { "to" } else { "from" };
        let what = if path == PathLeg::Return {
            format!("the reply ({proto} to ports {ports}) {peer_word} {peer}")
        } else {
            format!("{proto} {ports} {peer_word} {peer}")
        };
        let rule_text = |n: u16| {
            if n == 32767 {
                "*".to_string()
            } else {
                n.to_string()
            }
        };
        let (decision, detail, rule) = if out.denied.is_empty() && out.unknown.is_empty() {
            let r = out.first_allow_rule();
            (
                Decision::Allow,
                format!(
                    "{} {dir_word} rule {} allows {what}",
                    acl.network_acl_id,
                    r.map_or("?".into(), rule_text)
                ),
                r,
            )
        } else if out.allowed.is_empty() && out.unknown.is_empty() {
            let r = out.first_deny_rule();
            (
                Decision::Deny,
                format!(
                    "{} {dir_word} rule {} denies {what}",
                    acl.network_acl_id,
                    r.map_or("?".into(), rule_text)
                ),
                r,
            )
        } else if out.unknown.is_empty() {
            let r = out.first_deny_rule();
            (
                Decision::Partial,
                format!(
                    "{} {dir_word} allows {what} only on ports {}; rule {} denies ports {}",
                    acl.network_acl_id,
                    out.allowed,
                    r.map_or("?".into(), rule_text),
                    out.denied
                ),
                r,
            )
        } else {
            (
                Decision::Unknown,
                format!(
                    "{} {dir_word}: whether it allows {what} depends on the exact address",
                    acl.network_acl_id
                ),
                None,
            )
        };
        let mut h = hop(
            path,
            HopKind::NetworkAcl,
            &acl.network_acl_id,
            decision,
            detail,
        );
        h.direction = Some(if egress {
            Direction::Egress
        } else {
            Direction::Ingress
        });
        h.matched = rule.map(|n| Matched {
            text: format!("{} {dir_word} rule {}", acl.network_acl_id, rule_text(n)),
            rule_number: Some(n),
            ..Matched::default()
        });
        if path == PathLeg::Return {
            h.ports = Some(ports);
        }
        h.peer = Some(peer_cidr(peer));
        if decision != Decision::Allow {
            h.blocked_ports = out.denied.0.clone();
        }
        if decision == Decision::Unknown {
            h.missing.push(format!("the exact address of {peer}"));
        }
        self.push(h, "SUBNET_ACL_RESTRICTION");
    }

    fn acl_not_crossed(&mut self, subnet_id: &str) {
        let h = hop(
            PathLeg::Forward,
            HopKind::NetworkAcl,
            subnet_id,
            Decision::NotApplicable,
            format!("both ends are in {subnet_id}: network ACLs apply only at the subnet boundary"),
        );
        self.hops.push(h);
    }

    /// Route lookup of `dest` in the table of `subnet_id`. Pushes a
    /// route-table hop; returns the chosen route's target when it is usable.
    fn route(
        &mut self,
        path: PathLeg,
        subnet_id: &str,
        dest: &AddrSet,
    ) -> Option<(RouteTarget, Matched)> {
        let Some(subnet) = self.topo.subnet(subnet_id) else {
            self.unknown(
                path,
                HopKind::RouteTable,
                subnet_id,
                format!("subnet {subnet_id} (its route table is unknown)"),
            );
            return None;
        };
        let (rt, explicit) = match route_table::route_table_for_subnet(self.topo, subnet) {
            Ok(x) => x,
            Err(missing) => {
                self.unknown(path, HopKind::RouteTable, subnet_id, missing);
                return None;
            }
        };
        let how = if explicit {
            "explicitly associated"
        } else {
            "main"
        };
        let results = route_table::lookup_set(self.topo, rt, dest);
        let first = results[0].1;
        let uniform = results.iter().all(|(_, r)| {
            std::ptr::eq(
                r.map_or(std::ptr::null(), |r| r as *const _),
                first.map_or(std::ptr::null(), |r| r as *const _),
            )
        });
        if !uniform && dest.quantifier() == Quantifier::OneOf {
            let mut h = hop(
                path,
                HopKind::RouteTable,
                &rt.route_table_id,
                Decision::Unknown,
                format!(
                    "{} ({how}) routes {dest} differently depending on the exact address",
                    rt.route_table_id
                ),
            );
            h.missing.push(format!("the exact address of {dest}"));
            self.hops.push(h);
            return None;
        }
        // For `Every` sets, the first atom without a usable route decides.
        let chosen = if uniform {
            first
        } else {
            results
                .iter()
                .find(|(_, r)| r.is_none())
                .map_or(first, |(_, r)| *r)
        };
        let Some(route) = chosen else {
            let unknown_pl = route_table::unknown_prefix_lists(self.topo, rt);
            if !unknown_pl.is_empty() {
                let mut h = hop(path, HopKind::RouteTable, &rt.route_table_id, Decision::Unknown,
                    format!("no CIDR route of {} matches {dest}; prefix-list routes could not be checked", rt.route_table_id));
                h.missing.extend(
                    unknown_pl
                        .into_iter()
                        .map(|p| format!("entries of prefix list {p}")),
                );
                self.hops.push(h);
                return None;
            }
            let h = hop(
                path,
                HopKind::RouteTable,
                &rt.route_table_id,
                Decision::Deny,
                format!(
                    "{} ({how} route table of {subnet_id}) has no route to {dest}",
                    rt.route_table_id
                ),
            );
            self.push(h, "NO_ROUTE_TO_DESTINATION");
            return None;
        };
        let matched = Matched {
            text: route_table::describe(route),
            destination: route
                .destination_cidr_block
                .map(|c| c.to_string())
                .or_else(|| route.destination_prefix_list_id.clone()),
            target: route.target_id().map(str::to_string),
            ..Matched::default()
        };
        if route.state == RouteState::Blackhole {
            let mut h = hop(path, HopKind::RouteTable, &rt.route_table_id, Decision::Deny,
                format!("{} ({how}) sends {dest} to {}, a blackhole route: its target no longer exists, so packets are dropped", rt.route_table_id, matched.text));
            h.matched = Some(matched);
            self.push(h, "BAD_STATE_ROUTE");
            return None;
        }
        let mut h = hop(
            path,
            HopKind::RouteTable,
            &rt.route_table_id,
            Decision::Allow,
            format!(
                "{} ({how}) routes {dest} via {}",
                rt.route_table_id, matched.text
            ),
        );
        h.matched = Some(matched.clone());
        self.hops.push(h);
        Some((route_table::target(route), matched))
    }

    /// Follows a peering connection from `from_vpc`; returns the VPC on the other side.
    fn peering(
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
            self.push(h, "BAD_STATE");
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
            self.push(h, "BAD_STATE");
            return None;
        };
        if pcx.status_code != "active" {
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
            self.push(h, "BAD_STATE");
            return None;
        }
        // Not transitive: the peer VPC delivers only to its own CIDRs.
        let cidrs = if there.cidr_blocks.is_empty() {
            self.topo
                .vpc(&there.vpc_id)
                .map(|v| v.cidr_blocks.clone())
                .unwrap_or_default()
        } else {
            there.cidr_blocks.clone()
        };
        if !cidrs.is_empty() && !cidrs.iter().any(|c| dest.within(c)) {
            let h = hop(path, HopKind::VpcPeeringConnection, pcx_id, Decision::Deny,
                format!("{pcx_id} leads to {}, whose CIDRs ({}) do not contain {dest}; peering is not transitive", there.vpc_id,
                    cidrs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")));
            self.push(h, "CANNOT_ROUTE");
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

    /// Checks that `igw_id` is attached to `vpc_id`. Returns false after pushing a deny/unknown.
    fn igw_attached(&mut self, path: PathLeg, igw_id: &str, vpc_id: &str) -> bool {
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
            self.push(h, "BAD_STATE_ATTACHMENT");
            return false;
        }
        true
    }

    // ----- paths ------------------------------------------------------------

    fn walk_from_eni(
        &mut self,
        src: &Endpoint<'a>,
        sp: &Placement<'a>,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
    ) {
        self.source_state(src, sp);
        let via_public = dst.via_public_ip && dp.is_some_and(|d| d.public_ip.is_some());
        let daddr = match (dp, via_public) {
            (Some(d), true) => AddrSet::single(d.public_ip.expect("checked")),
            (Some(d), false) => d.addr.clone(),
            (None, _) => dst.address.clone().unwrap_or_else(AddrSet::internet),
        };
        let private_dp = dp.filter(|_| !via_public);
        let peer_groups = private_dp.map(|d| d.groups.clone()).unwrap_or_default();
        self.security_groups(
            sp,
            SgDirection::Egress,
            &SgPeer {
                addr: &daddr,
                groups: &peer_groups,
                vpc_id: private_dp.map(|d| d.vpc_id.as_str()),
            },
        );
        // Same subnet: delivered directly, no NACL, no route lookup.
        let same_subnet = match (private_dp, self.topo.subnet(&sp.subnet_id)) {
            (Some(d), _) => d.subnet_id == sp.subnet_id,
            (None, Some(s)) => daddr.within(&s.cidr_block),
            (None, None) => false,
        };
        if same_subnet {
            self.acl_not_crossed(&sp.subnet_id);
            match private_dp {
                Some(d) => self.arrive(sp, d, dst, false),
                None => self.no_destination(&sp.subnet_id, &daddr),
            }
            return;
        }
        self.network_acl(
            PathLeg::Forward,
            &sp.subnet_id,
            true,
            &daddr,
            PortRange::new(self.flow.port, self.flow.port),
            self.proto(),
        );
        let next = match self.route(PathLeg::Forward, &sp.subnet_id, &daddr) {
            None => Next::Lost,
            Some((RouteTarget::Local, _)) => Next::Vpc(sp.vpc_id.clone()),
            Some((RouteTarget::VpcPeeringConnection(pcx), _)) => {
                match self.peering(PathLeg::Forward, &pcx, &sp.vpc_id, &daddr) {
                    Some(v) => Next::Vpc(v),
                    None => Next::Lost,
                }
            }
            Some((RouteTarget::InternetGateway(igw), _)) => {
                if self.exit_to_internet(sp, &igw, &daddr, dst, dp, via_public) {
                    Next::Internet
                } else {
                    Next::Lost
                }
            }
            Some((RouteTarget::NatGateway(nat), _)) => {
                self.via_nat(sp, &nat, &daddr);
                Next::Done
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
            Next::Vpc(vpc) => self.enter_vpc(sp, &vpc, &daddr, dst, private_dp),
            Next::Internet | Next::Done => {}
            Next::Lost => {
                // Walk on as if the route were fixed, to find the other blockers.
                if let Some(d) = dp {
                    if via_public {
                        self.outside_leg(
                            &AddrSet::single(sp.public_ip.unwrap_or_else(|| sp.addr.atoms([])[0])),
                            dst,
                            d,
                        );
                    } else {
                        self.arrive(sp, d, dst, true);
                    }
                }
            }
        }
    }

    /// The packet entered `vpc` (by `local` or a peering): find who holds the address.
    fn enter_vpc(
        &mut self,
        sp: &Placement<'a>,
        vpc: &str,
        daddr: &AddrSet,
        dst: &Endpoint<'a>,
        dp: Option<&Placement<'a>>,
    ) {
        let Some(ip) = daddr.as_single() else {
            // Unknown DB address: the placement says where it is.
            match dp {
                Some(d) if d.vpc_id == vpc => self.arrive(sp, d, dst, true),
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
                    self.push(h, "CANNOT_ROUTE");
                    self.arrive(sp, d, dst, true);
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
                self.arrive(sp, d, dst, true);
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
            self.push(h, "NETPATH_NO_SUBNET");
            if let Some(d) = dp {
                self.arrive(sp, d, dst, true);
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
                    self.arrive(sp, d, dst, true);
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
                self.push(h, "CANNOT_ROUTE");
                self.arrive(sp, d, dst, true);
            }
            (Some(_), Some(d)) => self.arrive(sp, d, dst, true),
            (Some(e), None) => {
                if let Some(p) = Placement::of_eni(e, Some(ip)) {
                    self.arrive(sp, &p, dst, true);
                }
            }
        }
    }

    fn no_destination(&mut self, subnet_id: &str, daddr: &AddrSet) {
        let h = hop(
            PathLeg::Forward,
            HopKind::NoDestination,
            subnet_id,
            Decision::Deny,
            format!("the packet reaches {subnet_id}, but no network interface holds {daddr}"),
        );
        self.push(h, "NETPATH_NO_DESTINATION");
    }

    /// The packet reached the destination's subnet from a source ENI.
    fn arrive(
        &mut self,
        sp: &Placement<'a>,
        ap: &Placement<'a>,
        dst: &Endpoint<'a>,
        crossing: bool,
    ) {
        let port = PortRange::new(self.flow.port, self.flow.port);
        if crossing {
            self.network_acl(
                PathLeg::Forward,
                &ap.subnet_id,
                false,
                &sp.addr,
                port,
                self.proto(),
            );
        }
        self.security_groups(
            ap,
            SgDirection::Ingress,
            &SgPeer {
                addr: &sp.addr,
                groups: &sp.groups,
                vpc_id: Some(&sp.vpc_id),
            },
        );
        self.destination_state(ap, dst);
        if !crossing {
            return;
        }
        let eph = self.flow.ephemeral;
        self.network_acl(
            PathLeg::Return,
            &ap.subnet_id,
            true,
            &sp.addr,
            eph,
            self.proto(),
        );
        self.route_back(ap, sp);
        self.network_acl(
            PathLeg::Return,
            &sp.subnet_id,
            false,
            &ap.addr,
            eph,
            self.proto(),
        );
    }

    fn destination_state(&mut self, ap: &Placement<'a>, dst: &Endpoint<'a>) {
        if let Some(db) = dst.db {
            self.db_state(PathLeg::Forward, db, true);
        } else if let Some(inst) = ap.eni.and_then(|e| self.topo.instance_of(e)) {
            self.instance_state(PathLeg::Forward, inst);
        }
    }

    /// The reply must be routed from the destination subnet back to the source:
    /// `local` within a VPC, the same active peering across VPCs.
    fn route_back(&mut self, ap: &Placement<'a>, sp: &Placement<'a>) {
        let Some((target, _)) = self.route(PathLeg::Return, &ap.subnet_id, &sp.addr) else {
            return;
        };
        let ok = match &target {
            RouteTarget::Local => ap.vpc_id == sp.vpc_id,
            RouteTarget::VpcPeeringConnection(pcx) => self.topo.peering(pcx).is_some_and(|p| {
                let ends = [&p.requester_vpc_info.vpc_id, &p.accepter_vpc_info.vpc_id];
                p.status_code == "active"
                    && ends.contains(&&ap.vpc_id)
                    && ends.contains(&&sp.vpc_id)
            }),
            _ => false,
        };
        if !ok {
            let last = self.hops.last_mut().expect("route pushed a hop");
            last.decision = Decision::Deny;
            last.code = Some(if matches!(target, RouteTarget::VpcPeeringConnection(_)) {
                "CANNOT_ROUTE"
            } else {
                "NO_ROUTE_TO_DESTINATION"
            });
            last.detail = format!(
                "{}; the reply to {} in {} does not get back that way",
                last.detail, sp.addr, sp.vpc_id
            );
        }
    }

    /// Out through an internet gateway. Returns true when the flow left AWS
    /// (or reached a public IP of a snapshot ENI and was walked on).
    fn exit_to_internet(
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
            self.push(h, "NETPATH_NO_PUBLIC_IP");
            return false;
        };
        let all_private = daddr.atoms([]).iter().all(|ip| is_private(*ip));
        if all_private && !via_public {
            let h = hop(PathLeg::Forward, HopKind::InternetGateway, igw, Decision::Deny,
                format!("{daddr} is a private address: the internet does not route it, so sending it to {igw} drops it"));
            self.push(h, "CANNOT_ROUTE");
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
            _ => {
                // Outside AWS: nothing more can be seen. The reply must pass the source NACL.
                self.network_acl(
                    PathLeg::Return,
                    &sp.subnet_id,
                    false,
                    daddr,
                    self.flow.ephemeral,
                    self.proto(),
                );
            }
        }
        true
    }

    /// Through a NAT gateway to the internet.
    fn via_nat(&mut self, sp: &Placement<'a>, nat_id: &str, daddr: &AddrSet) {
        if let Some(m) = self.topo.missing(
            self.topo.snapshot.nat_gateways.is_some(),
            "ec2:DescribeNatGateways",
            "NAT gateways",
            Some(&sp.vpc_id),
        ) {
            return self.unknown(PathLeg::Forward, HopKind::NatGateway, nat_id, m);
        }
        let Some(nat) = self.topo.nat_gateway(nat_id) else {
            let h = hop(
                PathLeg::Forward,
                HopKind::NatGateway,
                nat_id,
                Decision::Deny,
                format!("the route targets {nat_id}, which is not in the snapshot"),
            );
            return self.push(h, "BAD_STATE");
        };
        if nat.state != "available" {
            let h = hop(
                PathLeg::Forward,
                HopKind::NatGateway,
                nat_id,
                Decision::Deny,
                format!("{nat_id} is {}, not available", nat.state),
            );
            return self.push(h, "BAD_STATE");
        }
        if nat.connectivity_type.as_deref() == Some("private")
            || daddr.atoms([]).iter().all(|ip| is_private(*ip))
        {
            let mut h = hop(PathLeg::Forward, HopKind::NatGateway, nat_id, Decision::Unknown,
                format!("{nat_id} forwards {daddr} onward; netpath follows NAT gateways only to the internet"));
            h.missing.push(format!(
                "the path beyond {nat_id} to a private address (not modelled)"
            ));
            return self.hops.push(h);
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::NatGateway,
            nat_id,
            Decision::Allow,
            format!(
                "{nat_id} in {} is available and translates the source to its public address",
                nat.subnet_id
            ),
        );
        self.hops.push(h);
        let port = PortRange::new(self.flow.port, self.flow.port);
        let crosses = nat.subnet_id != sp.subnet_id;
        if crosses {
            self.network_acl(
                PathLeg::Forward,
                &nat.subnet_id,
                false,
                &sp.addr,
                port,
                self.proto(),
            );
        }
        if let Some((RouteTarget::InternetGateway(igw), _)) =
            self.route(PathLeg::Forward, &nat.subnet_id, daddr)
        {
            if self.igw_attached(PathLeg::Forward, &igw, &nat.vpc_id) {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::InternetGateway,
                    &igw,
                    Decision::Allow,
                    format!("{igw} carries {nat_id}'s traffic to the internet"),
                );
                self.hops.push(h);
            }
        } else if let Some(last) = self
            .hops
            .last_mut()
            .filter(|h| h.kind == HopKind::RouteTable && h.decision == Decision::Allow)
        {
            last.decision = Decision::Deny;
            last.code = Some("NO_ROUTE_TO_DESTINATION");
            last.detail = format!(
                "{}; a NAT gateway needs a route to an internet gateway to reach the internet",
                last.detail
            );
        }
        self.network_acl(
            PathLeg::Forward,
            &nat.subnet_id,
            true,
            daddr,
            port,
            self.proto(),
        );
        self.network_acl(
            PathLeg::Return,
            &nat.subnet_id,
            false,
            daddr,
            NAT_GATEWAY_PORTS,
            self.proto(),
        );
        if crosses {
            self.network_acl(
                PathLeg::Return,
                &nat.subnet_id,
                true,
                &sp.addr,
                self.flow.ephemeral,
                self.proto(),
            );
        }
        self.network_acl(
            PathLeg::Return,
            &sp.subnet_id,
            false,
            daddr,
            self.flow.ephemeral,
            self.proto(),
        );
    }

    /// From an outside source (`internet` or an outside IP) to a placement.
    fn outside_leg(&mut self, src: &AddrSet, dst: &Endpoint<'a>, dp: &Placement<'a>) {
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
            self.push(h, "NETPATH_NO_INTERNET_GATEWAY");
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
            self.push(h, "NETPATH_NO_PUBLIC_IP");
        }
        let port = PortRange::new(self.flow.port, self.flow.port);
        self.network_acl(
            PathLeg::Forward,
            &dp.subnet_id,
            false,
            src,
            port,
            self.proto(),
        );
        self.security_groups(
            dp,
            SgDirection::Ingress,
            &SgPeer {
                addr: src,
                groups: &[],
                vpc_id: None,
            },
        );
        self.destination_state(dp, dst);
        self.network_acl(
            PathLeg::Return,
            &dp.subnet_id,
            true,
            src,
            self.flow.ephemeral,
            self.proto(),
        );
        // The reply needs a route to an attached internet gateway.
        if let Some((target, _)) = self.route(PathLeg::Return, &dp.subnet_id, src) {
            let ok = matches!(&target, RouteTarget::InternetGateway(g) if igws.iter().any(|x| &x.internet_gateway_id == g));
            if !ok {
                let last = self.hops.last_mut().expect("route pushed a hop");
                last.decision = Decision::Deny;
                last.code = Some("NO_ROUTE_TO_DESTINATION");
                last.detail = format!(
                    "{}; the reply to {src} needs a route to an attached internet gateway",
                    last.detail
                );
            }
        }
    }
}

/// The allowed part of the ephemeral range after every return-path NACL hop.
pub fn return_ports_allowed(hops: &[Hop], ephemeral: PortRange) -> PortSet {
    let mut allowed: PortSet = ephemeral.into();
    for h in hops
        .iter()
        .filter(|h| h.path == PathLeg::Return && h.kind == HopKind::NetworkAcl)
    {
        let blocked = PortSet(h.blocked_ports.clone());
        let Some(ports) = h.ports else { continue };
        // Hops over another range (a NAT gateway's ports) are judged on their own.
        if ports != ephemeral {
            continue;
        }
        allowed = allowed.minus(&blocked);
    }
    allowed
}
