//! VPC endpoints on the path.
//!
//! - **Gateway endpoints** (S3, DynamoDB): a prefix-list route in the source
//!   subnet's route table sends the packet to `vpce-…`. The endpoint must be
//!   `available`; it carries only TCP and ICMP echo, only from the VPC's own
//!   addresses, and only out: nothing starts a connection in through it.
//!   The endpoint policy is not evaluated; a policy other than full access
//!   is named as a possible deny. The reply crosses the source subnet's
//!   network ACL inbound on the client's ephemeral ports, as any reply.
//!   Sources: <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>,
//!   <https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html>,
//!   <https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html>
//!   (endpoint policies), Reachability Analyzer's
//!   `VPCE_GATEWAY_PROTOCOL_RESTRICTION` and
//!   `VPCE_GATEWAY_EGRESS_SOURCE_ADDRESS_RESTRICTION`
//!   (<https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html>).
//! - **Interface endpoints**: an ordinary ENI with the endpoint's groups, so
//!   the path to it is walked as to any ENI; the endpoint itself answers
//!   only TCP on its service's ports (HTTPS 443 for AWS services).
//!   Sources: <https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>,
//!   <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html>.
//! - **Gateway Load Balancer endpoints**: `gateway_load_balancer_endpoint.rs`.

use netpath_model::{IcmpMessage, IpProtocol, VpcEndpoint};

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, PathLeg};
use crate::resolve::Placement;
use crate::vpc_endpoint::{interface_serves, Serves, GATEWAY_SERVICE_PORTS};

/// "vpce-… (Gateway endpoint for com.amazonaws.us-east-1.s3)".
pub(super) fn label(e: &VpcEndpoint) -> String {
    format!(
        "{} ({} endpoint for {})",
        e.vpc_endpoint_id, e.vpc_endpoint_type, e.service_name
    )
}

impl<'a> Walker<'_, 'a> {
    /// The endpoint `vpce` from the topology, or an unknown hop naming what
    /// is missing (no `DescribeVpcEndpoints` output, an endpoint it does not
    /// list, two different copies of it).
    pub(super) fn endpoint_or_unknown(
        &mut self,
        vpce: &str,
        vpc_id: &str,
    ) -> Option<&'a VpcEndpoint> {
        let topo = self.topo;
        if let Some(m) = topo.missing(
            topo.endpoints.present,
            "ec2:DescribeVpcEndpoints",
            "VPC endpoints",
            Some(vpc_id),
        ) {
            self.unknown(PathLeg::Forward, HopKind::VpcEndpoint, vpce, m);
            return None;
        }
        let Some(e) = topo.endpoints.get(vpce) else {
            let m = format!("{vpce}, which DescribeVpcEndpoints does not list");
            self.unknown(PathLeg::Forward, HopKind::VpcEndpoint, vpce, m);
            return None;
        };
        if let Some(m) = topo.in_doubt(&[vpce]) {
            self.unknown(PathLeg::Forward, HopKind::VpcEndpoint, vpce, m);
            return None;
        }
        Some(e)
    }

    /// True, after pushing the blocking hop, when endpoint `e` (a route
    /// target: a gateway or Gateway Load Balancer endpoint) is not
    /// `available`: only an available endpoint carries traffic
    /// (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>,
    /// <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>).
    pub(super) fn endpoint_unavailable(&mut self, e: &VpcEndpoint) -> bool {
        if e.is_available() {
            return false;
        }
        let h = hop(
            PathLeg::Forward,
            HopKind::VpcEndpoint,
            &e.vpc_endpoint_id,
            Decision::Deny,
            format!(
                "{} is {}: only an available endpoint carries traffic",
                label(e),
                e.state
            ),
        );
        self.push(h, ExplanationCode::BadState);
        true
    }

    /// The source subnet's route sent the packet for `daddr` to gateway
    /// endpoint `e`. Returns true when the request left through it to its
    /// service (the reply comes back through the boundaries already
    /// crossed); false after a block or an unknown.
    pub(super) fn via_gateway_endpoint(
        &mut self,
        sp: &Placement<'a>,
        e: &'a VpcEndpoint,
        daddr: &AddrSet,
    ) -> bool {
        let vpce = e.vpc_endpoint_id.as_str();
        let what = label(e);
        if self.endpoint_unavailable(e) {
            return false;
        }
        // A gateway endpoint carries traffic from the VPC it belongs to.
        if e.vpc_id != sp.vpc_id {
            let h = hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                Decision::Deny,
                format!(
                    "{what} belongs to {}, and carries only traffic that starts in it, not from {}",
                    e.vpc_id, sp.vpc_id
                ),
            );
            self.push(
                h,
                ExplanationCode::VpceGatewayEgressSourceAddressRestriction,
            );
            return false;
        }
        let (proto, port) = (self.proto(), self.flow.port);
        let echo = matches!(proto, IpProtocol::Icmp) && port == IcmpMessage::ECHO_REQUEST.key();
        if proto != IpProtocol::Tcp && !echo {
            let h = hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                Decision::Deny,
                format!("{what} carries only TCP and ICMP echo requests, not {proto}: the packet is dropped"),
            );
            self.push(h, ExplanationCode::VpceGatewayProtocolRestriction);
            return false;
        }
        let served = proto == IpProtocol::Tcp && GATEWAY_SERVICE_PORTS.contains(&port);
        let policy = if e.policy_allows_all() {
            String::new()
        } else {
            format!("; its endpoint policy is not full access, and netpath does not evaluate it: it may still deny the request (aws ec2 describe-vpc-endpoints --vpc-endpoint-ids {vpce})")
        };
        let mut h = hop(
            PathLeg::Forward,
            HopKind::VpcEndpoint,
            vpce,
            if served {
                Decision::Allow
            } else {
                Decision::Unknown
            },
            if served {
                format!(
                    "{what} is available and carries TCP {port} from {} to {daddr} and the reply back{policy}",
                    sp.addr
                )
            } else {
                format!("{what} carries the packet, but {} answers only HTTP 80 and HTTPS 443 as far as AWS documents{policy}", e.service_name)
            },
        );
        if !served {
            h.missing.push(format!(
                "what {} does with {}",
                e.service_name,
                netpath_model::describe_traffic(proto, netpath_model::PortRange::new(port, port))
            ));
        }
        self.hops.push(h);
        self.delivered = true;
        true
    }

    /// The destination ENI belongs to interface endpoint `e`: pushes its
    /// hop, which allows only TCP on the service's ports.
    pub(super) fn interface_endpoint(&mut self, e: &'a VpcEndpoint) {
        let vpce = e.vpc_endpoint_id.as_str();
        if let Some(m) = self.topo.in_doubt(&[vpce]) {
            return self.unknown(PathLeg::Forward, HopKind::VpcEndpoint, vpce, m);
        }
        let what = label(e);
        if !e.is_available() {
            let h = hop(
                PathLeg::Forward,
                HopKind::VpcEndpoint,
                vpce,
                Decision::Deny,
                format!("{what} is {}: only an available endpoint answers", e.state),
            );
            return self.push(h, ExplanationCode::BadState);
        }
        let (proto, port) = (self.proto(), self.flow.port);
        let traffic =
            netpath_model::describe_traffic(proto, netpath_model::PortRange::new(port, port));
        let dns = if e.private_dns_enabled {
            format!(
                "; private DNS is on, so the public DNS name of {} resolves to this endpoint inside the VPC",
                e.service_name
            )
        } else {
            String::new()
        };
        match interface_serves(e, proto, port) {
            Serves::Yes => {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::VpcEndpoint,
                    vpce,
                    Decision::Allow,
                    format!("{what} is available and answers {traffic}{dns}"),
                );
                self.hops.push(h);
            }
            Serves::No(ports) => {
                let h = hop(
                    PathLeg::Forward,
                    HopKind::VpcEndpoint,
                    vpce,
                    Decision::Deny,
                    format!("{what} answers only {ports}: nothing behind it takes {traffic}, so the packet goes unanswered"),
                );
                self.push(h, ExplanationCode::NetpathVpcEndpointPortNotServed);
            }
            Serves::Unknown(why) => {
                let mut h = hop(
                    PathLeg::Forward,
                    HopKind::VpcEndpoint,
                    vpce,
                    Decision::Unknown,
                    format!("{what}: {why}"),
                );
                h.missing
                    .push(format!("the ports {} serves", e.service_name));
                self.hops.push(h);
            }
        }
    }
}
