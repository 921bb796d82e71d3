//! The smallest safe fix for each blocker, as an `aws` CLI command.
//!
//! - A security-group fix admits the client's own group (same VPC, or a
//!   same-region active peering) or its `/32`, never `0.0.0.0/0`
//!   (<https://docs.aws.amazon.com/cli/latest/reference/ec2/authorize-security-group-ingress.html>).
//! - A NACL fix adds an allow entry with a free rule number before the
//!   blocking one, for exactly the blocked ports and the peer's `/32`
//!   (<https://docs.aws.amazon.com/cli/latest/reference/ec2/create-network-acl-entry.html>).
//! - A route fix points the destination CIDR at the right peering or gateway
//!   (`create-route`, or `replace-route` over a blackhole).
//! - A transit gateway fix names the attachment, association, propagation
//!   or route that decides (`fix/transit_gateway.rs`).
//! - A stopped DB gets `aws rds start-db-instance`, a stopped instance
//!   `aws ec2 start-instances`.

use netpath_model::DEFAULT_RULE_NUMBER;

use crate::answer::{Blocking, Direction, ExplanationCode, Fix, FixEdit, Hop, HopKind, PathLeg};
use crate::network_acl::free_rule_number;
use crate::resolve::{Endpoint, Placement};
use crate::topology::Topology;
use crate::walk::Flow;

mod direct_connect;
mod load_balancer;
mod peering;
mod route;
mod security_group;
mod transit_gateway;
mod vpc_endpoint;

/// What a fix needs to know about the flow.
pub struct FixContext<'t, 'a> {
    /// The topology.
    pub topo: &'t Topology<'a>,
    /// The flow.
    pub flow: &'t Flow,
    /// Source endpoint and the placement walked.
    pub src: &'t Endpoint<'a>,
    /// Source placement (`None` for an outside source).
    pub sp: Option<&'t Placement<'a>>,
    /// Destination endpoint.
    pub dst: &'t Endpoint<'a>,
    /// Destination placement (`None` for an outside destination).
    pub dp: Option<&'t Placement<'a>>,
}

/// A change as a fix proposes it: its sentence, its `aws` command and the
/// same change as data.
type Change = (String, Option<String>, Option<FixEdit>);

impl FixContext<'_, '_> {
    /// True for an IPv6 question (both ends are one family).
    pub(super) fn ipv6(&self) -> bool {
        self.sp
            .or(self.dp)
            .map(|p| p.addr.is_v6())
            .or_else(|| self.src.address.as_ref().map(|a| a.is_v6()))
            .unwrap_or(false)
    }

    fn acl_fix(&self, h: &Hop, b: &Blocking) -> (String, Option<String>, Option<FixEdit>) {
        let Some(acl) = self.topo.network_acl(&h.component) else {
            return (format!("allow the traffic in {}", h.component), None, None);
        };
        let direction = h.direction.unwrap_or(Direction::Ingress);
        let egress = direction == Direction::Egress;
        let blocking = b.rule_number.unwrap_or(DEFAULT_RULE_NUMBER);
        let Some(n) = free_rule_number(acl, direction, blocking) else {
            return (
                format!(
                    "no free rule number before {blocking} in {}: renumber its entries",
                    acl.network_acl_id
                ),
                None,
                None,
            );
        };
        let any = if self.ipv6() { "::/0" } else { "0.0.0.0/0" };
        let cidr = h.peer.clone().unwrap_or_else(|| any.into());
        let ports = match (h.path, h.blocked_ports.as_slice()) {
            (PathLeg::Return, [first, ..]) => {
                let last = h.blocked_ports.last().expect("non-empty");
                netpath_model::PortRange::new(first.from, last.to)
            }
            _ => netpath_model::PortRange::new(self.flow.port, self.flow.port),
        };
        let flag = if egress { "--egress" } else { "--ingress" };
        // An IPv6 peer is matched by an `Ipv6CidrBlock` entry.
        let cidr_flag = if cidr.contains(':') {
            "--ipv6-cidr-block"
        } else {
            "--cidr-block"
        };
        // The same entry as data.
        let entry = |port_range, icmp_type_code| {
            let (cidr_block, ipv6_cidr_block) = match cidr.parse().ok()? {
                ipnet::IpNet::V4(n) => (Some(n), None),
                ipnet::IpNet::V6(n) => (None, Some(n)),
            };
            Some(FixEdit::NetworkAclEntry {
                network_acl_id: acl.network_acl_id.clone(),
                entry: netpath_model::NetworkAclEntry {
                    rule_number: n,
                    egress,
                    protocol: self.flow.protocol,
                    rule_action: netpath_model::RuleAction::Allow,
                    cidr_block,
                    ipv6_cidr_block,
                    port_range,
                    icmp_type_code,
                },
            })
        };
        let dir_word = if egress { "outbound" } else { "inbound" };
        if !self.flow.protocol.has_ports() {
            // ICMP: the entry names the message (`--icmp-type-code`), not
            // ports; on the way back it is the reply.
            let m = match h.path {
                PathLeg::Return => netpath_model::IcmpMessage::from_key(self.flow.ephemeral.from),
                PathLeg::Forward => netpath_model::IcmpMessage::from_key(self.flow.port),
            };
            return (
                format!(
                    "add {dir_word} rule {n} to {} allowing {} {m} {} {cidr}{}",
                    acl.network_acl_id,
                    self.flow.protocol,
                    if egress { "to" } else { "from" },
                    if h.path == PathLeg::Return { " (the reply)" } else { "" }
                ),
                Some(format!(
                    "aws ec2 create-network-acl-entry --network-acl-id {} {flag} --rule-number {n} --protocol {} --icmp-type-code Type={},Code={} {cidr_flag} {cidr} --rule-action allow",
                    acl.network_acl_id,
                    self.flow.protocol.api_number(),
                    m.icmp_type,
                    m.code
                )),
                entry(
                    None,
                    Some(netpath_model::IcmpTypeCode {
                        icmp_type: i32::from(m.icmp_type),
                        code: i32::from(m.code),
                    }),
                ),
            );
        }
        (
            format!(
                "add {dir_word} rule {n} to {} allowing {} ports {ports} {} {cidr}{}",
                acl.network_acl_id,
                self.flow.protocol,
                if egress { "to" } else { "from" },
                if h.path == PathLeg::Return { " (the reply to the client's ephemeral ports)" } else { "" }
            ),
            Some(format!(
                "aws ec2 create-network-acl-entry --network-acl-id {} {flag} --rule-number {n} --protocol {} --port-range From={},To={} {cidr_flag} {cidr} --rule-action allow",
                acl.network_acl_id,
                self.flow.protocol.api_number(),
                ports.from,
                ports.to
            )),
            entry(Some(ports), None),
        )
    }

    /// The fix for blocker `index`, whose hop is `h`.
    pub fn fix(&self, index: usize, h: &Hop, b: &Blocking) -> Fix {
        if let Some(private) = self.private_destination() {
            return Fix {
                blocker: index,
                summary: format!(
                    "{private} is private, so the internet is not meant to reach it; netpath proposes no change that would expose it (reach it from inside the VPC, over a VPN or through a load balancer instead)"
                ),
                command: None,
                edit: None,
                verified: false,
                verdict_after: None,
                narrower: None,
            };
        }
        self.fix_hop(index, h, b)
    }

    /// The destination, named, when it is an IPv6 address in a subnet whose
    /// route to the client leads to an egress-only internet gateway: private
    /// by design, outbound only
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>).
    fn egress_only_destination(&self) -> Option<String> {
        let dp = self.dp.filter(|d| d.addr.is_v6())?;
        let client = self.src.address.as_ref()?;
        let subnet = self.topo.subnet(&dp.subnet_id)?;
        let (rt, _) = crate::route_table::route_table_for_subnet(self.topo, subnet).ok()?;
        let (_, route) = crate::route_table::lookup_set(self.topo, rt, client)
            .into_iter()
            .next()?;
        let eigw = route?.egress_only_internet_gateway_id.as_deref()?;
        Some(format!(
            "{} (its subnet {} sends IPv6 to the internet through egress-only gateway {eigw}: outbound only)",
            dp.label(),
            dp.subnet_id
        ))
    }

    /// The destination, named, when the client is on the internet and the
    /// destination is private: a DB instance that is not `PubliclyAccessible`,
    /// or an ENI with no public IP. No fix may make it public.
    fn private_destination(&self) -> Option<String> {
        if self.sp.is_some() || !self.src.is_outside() {
            return None;
        }
        // A private outside address (RFC 1918) is an on-premises client, not
        // the internet: opening a private resource to it exposes nothing
        // (<https://www.rfc-editor.org/rfc/rfc1918#section-3>).
        // So is a declared on-premises network.
        let on_premises = self.src.address.as_ref().is_some_and(|a| {
            a.as_single().is_some_and(crate::addr::is_private_ip)
                || self.topo.onprem_network(a).is_some()
        });
        if on_premises {
            return None;
        }
        if let Some(why) = self.egress_only_destination() {
            return Some(why);
        }
        if let Some(db) = self.dst.db {
            return (!db.publicly_accessible).then(|| {
                format!(
                    "DB instance {} (PubliclyAccessible: false)",
                    db.db_instance_identifier
                )
            });
        }
        let dp = self.dp?;
        dp.public_ip
            .is_none()
            .then(|| format!("{} (no public IP)", dp.label()))
    }

    /// What to change in the host's own firewall: accept the flow before
    /// the rule that stops it. Advice, run on the instance.
    fn host_firewall_advice(&self, h: &Hop) -> String {
        let rule = h.matched.as_ref().map_or("", |m| m.text.as_str());
        let peer = match self.sp {
            Some(s) => crate::walk::peer_cidr(&s.addr),
            None => self
                .src
                .address
                .as_ref()
                .map_or_else(|| "0.0.0.0/0".into(), crate::walk::peer_cidr),
        };
        let proto = self.flow.protocol;
        let port = self.flow.port;
        let (add, dir) = if h.direction == Some(Direction::Egress) {
            (
                format!("-A OUTPUT -p {proto} --sport {port} -d {peer} -j ACCEPT"),
                "output",
            )
        } else {
            (
                format!("-A INPUT -p {proto} --dport {port} -s {peer} -j ACCEPT"),
                "input",
            )
        };
        format!(
            "on {}, accept it in the host firewall's {dir} before `{rule}`: with iptables, `sudo iptables -I {}` above that rule (then save it: `iptables-save`, or `ufw allow from {peer} to any port {port} proto {proto}` where ufw manages it); with nftables, `sudo nft insert rule` the same match with `accept` before it",
            h.component,
            add.trim_start_matches("-A ")
        )
    }

    fn fix_hop(&self, index: usize, h: &Hop, b: &Blocking) -> Fix {
        let mut edit = None;
        let mut narrower: Option<Box<Fix>> = None;
        let (summary, command) = match (h.kind, b.code) {
            (HopKind::SecurityGroup, _) if h.load_balancer_leg.is_some() => {
                match self.leg_sg_fix(h) {
                    Some((s, c, e)) => {
                        edit = e;
                        (s, c)
                    }
                    None => (h.detail.clone(), None),
                }
            }
            // Other hops of a load balancer's second leg: the ends of the
            // asked flow are not this leg's, so only the finding is shown.
            _ if h.load_balancer_leg.is_some() => (h.detail.clone(), None),
            (HopKind::SecurityGroup, _) => {
                let ((s, c, e), n) = self.sg_fix(h, if h.direction == Some(Direction::Ingress) { Direction::Ingress } else { Direction::Egress });
                edit = e;
                narrower = n.map(|(summary, command, edit)| {
                    Box::new(Fix {
                        blocker: index,
                        summary,
                        command,
                        edit,
                        verified: false,
                        verdict_after: None,
                        narrower: None,
                    })
                });
                (s, c)
            }
            (HopKind::NetworkAcl, _) => {
                let (s, c, e) = self.acl_fix(h, b);
                edit = e;
                (s, c)
            }
            (HopKind::RouteTable, ExplanationCode::NoRouteToDestination | ExplanationCode::BadStateRoute) => {
                let (s, c, e) = self.route_fix(h);
                edit = e;
                (s, c)
            }
            (HopKind::RouteTable, _) => (h.detail.clone(), None),
            // A tunnel comes up from the customer's side; nothing in AWS
            // to change, so advice without a command.
            (HopKind::VpnGateway, ExplanationCode::BadStateVpn) => (
                format!(
                    "bring a tunnel of {} up: the customer gateway must establish IKE and IPsec with the tunnel outside addresses (its logs say why not; `aws ec2 describe-vpn-connections --vpn-connection-ids {}` shows each tunnel's status message)",
                    h.component, h.component
                ),
                None,
            ),
            (HopKind::DirectConnectGateway, ExplanationCode::NetpathDirectConnectPrefixNotAllowed) => {
                let (s, c, e) = self.direct_connect_fix(h);
                edit = e;
                (s, c)
            }
            (HopKind::TransitGatewayAttachment | HopKind::TransitGatewayRouteTable, code) => {
                let (s, c, e) = self.tgw_fix(h, code);
                edit = e;
                (s, c)
            }
            // The host is not AWS: advice to carry out on the instance, never
            // an `aws` command (`walk/host.rs`).
            (HopKind::HostFirewall, _) => (self.host_firewall_advice(h), None),
            (HopKind::VpcPeeringConnection, _) => match self.topo.peering(&h.component) {
                Some(p) if p.is_pending_acceptance() => {
                    edit = Some(FixEdit::AcceptVpcPeeringConnection {
                        vpc_peering_connection_id: p.vpc_peering_connection_id.clone(),
                    });
                    (
                    format!("accept {}", p.vpc_peering_connection_id),
                    Some(format!("aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id {}", p.vpc_peering_connection_id)),
                )
                }
                Some(p) if !p.is_active() => match self.new_peering() {
                    Some((s, c, e)) => {
                        edit = e;
                        (format!("{} is {}; {s}", p.vpc_peering_connection_id, p.status_code), c)
                    }
                    None => (
                        format!("{} is {}: create a new peering, accept it, and point the routes at it", p.vpc_peering_connection_id, p.status_code),
                        None,
                    ),
                },
                _ => (h.detail.clone(), None),
            },
            (HopKind::InternetGateway, ExplanationCode::NetpathNoPublicIp) => {
                let source_side = h.path == PathLeg::Forward
                    && self.sp.is_some_and(|s| s.public_ip.is_none())
                    && self.src.address.is_none();
                let eni = if source_side { self.sp } else { self.dp };
                let eni_id = eni
                    .and_then(|p| p.eni)
                    .map_or("the interface", |e| e.network_interface_id.as_str());
                // A public address exposes the interface to the internet, and
                // RDS manages its own: never proposed as a command.
                let summary = match self.dst.db {
                    _ if source_side => format!(
                        "{eni_id} has no public IP: send its internet traffic through a NAT gateway (route 0.0.0.0/0 to it) rather than giving it a public address"
                    ),
                    Some(db) => format!(
                        "DB instance {} has no public address the internet can use; RDS assigns one only when the DB is PubliclyAccessible",
                        db.db_instance_identifier
                    ),
                    None => format!("{eni_id} has no public IP, so the internet cannot address it"),
                };
                (summary, None)
            }
            (HopKind::InternetGateway, ExplanationCode::NetpathNoInternetGateway) => (
                format!("create an internet gateway and attach it to {}", h.component),
                Some(format!("aws ec2 create-internet-gateway && aws ec2 attach-internet-gateway --internet-gateway-id <IGW_ID> --vpc-id {}", h.component)),
            ),
            (HopKind::Instance, _) => match self.topo.instance(&h.component) {
                Some(i) if i.is_stopped() => {
                    edit = Some(FixEdit::StartInstance {
                        instance_id: i.instance_id.to_string(),
                    });
                    (
                        format!("start {}", i.instance_id),
                        Some(format!("aws ec2 start-instances --instance-ids {}", i.instance_id)),
                    )
                }
                _ => (h.detail.clone(), None),
            },
            (HopKind::DbInstance, ExplanationCode::NetpathNoListener) => {
                let port = self.dst.db.and_then(|d| d.endpoint.as_ref()).map(|e| e.port);
                (
                    format!("connect to port {} (the DB's endpoint port), or change the DB's port", port.map_or("?".into(), |p| p.to_string())),
                    None,
                )
            }
            (HopKind::DbInstance, _) => match self.topo.db_instance(&h.component) {
                Some(d) if d.is_stopped() => {
                    edit = Some(FixEdit::StartDbInstance {
                        db_instance_identifier: d.db_instance_identifier.clone(),
                    });
                    (
                        format!("start {}", d.db_instance_identifier),
                        Some(format!("aws rds start-db-instance --db-instance-identifier {}", d.db_instance_identifier)),
                    )
                }
                Some(d) => (format!("wait for {} to become available (it is {})", d.db_instance_identifier, d.db_instance_status), None),
                None => (h.detail.clone(), None),
            },
            (HopKind::LoadBalancer, ExplanationCode::NetpathLoadBalancerNoListener) => {
                (self.no_listener_advice(h), None)
            }
            // Which requests fail is the request's business: the fix is
            // the failing rule's target group, or the rule.
            (HopKind::LoadBalancer, ExplanationCode::NetpathLoadBalancerRuleDependent) => (
                format!(
                    "requests that match a rule that fails (above) fail at {}, the others pass: fix what blocks that rule's target group (named above, as for any target group), or point the rule at a target group that works",
                    h.name.as_deref().unwrap_or(&h.component)
                ),
                None,
            ),
            (HopKind::VpcEndpoint, ExplanationCode::NetpathVpcEndpointPortNotServed) => {
                (self.endpoint_port_advice(h), None)
            }
            // An endpoint waiting for the service's owner: they accept it
            // (<https://docs.aws.amazon.com/vpc/latest/privatelink/configure-endpoint-service.html#accept-reject-connection-requests>).
            (HopKind::VpcEndpoint, ExplanationCode::BadState) => {
                match self.topo.endpoints.get(&h.component) {
                    Some(e) if e.state.eq_ignore_ascii_case("pendingAcceptance") => {
                        // The service's id and owner from
                        // DescribeVpcEndpointServices when read; else the id
                        // ends a PrivateLink service's name.
                        let known = self.topo.endpoints.service(&e.service_name, None);
                        let service = known.map_or_else(
                            || e.service_name.rsplit('.').next().unwrap_or_default(),
                            |s| s.service_id.as_str(),
                        );
                        let owner = known
                            .and_then(|s| s.owner.as_deref())
                            .map_or("the service owner's account".to_string(), |o| format!("account {o}"));
                        edit = Some(FixEdit::AcceptVpcEndpointConnection {
                            vpc_endpoint_id: e.vpc_endpoint_id.clone(),
                        });
                        (
                            format!("the owner of endpoint service {service} accepts {} (in {owner})", e.vpc_endpoint_id),
                            Some(format!("aws ec2 accept-vpc-endpoint-connections --service-id {service} --vpc-endpoint-ids {}", e.vpc_endpoint_id)),
                        )
                    }
                    _ => (h.detail.clone(), None),
                }
            }
            (HopKind::NoDestination, _) => (
                format!("nothing holds the address in {}: check the address (the host may have been replaced and got a new IP)", h.component),
                None,
            ),
            _ => (h.detail.clone(), None),
        };
        Fix {
            blocker: index,
            summary,
            command,
            edit,
            verified: false,
            verdict_after: None,
            narrower,
        }
    }
}
