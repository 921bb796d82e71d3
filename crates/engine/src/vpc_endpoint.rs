//! VPC endpoints, indexed, and what each kind of endpoint serves.
//!
//! - A **gateway endpoint** (S3, DynamoDB) is the target of a prefix-list
//!   route; it carries TCP and ICMP echo from the VPC's own addresses to
//!   the service's prefix list, and nothing in
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>,
//!   and Reachability Analyzer's `VPCE_GATEWAY_PROTOCOL_RESTRICTION` and
//!   `VPCE_GATEWAY_EGRESS_SOURCE_ADDRESS_RESTRICTION`,
//!   <https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html>).
//! - An **interface endpoint** is one ENI per subnet with the endpoint's
//!   security groups; it serves TCP only, on the service's ports: HTTPS 443
//!   for AWS services
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>,
//!   considerations; <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html>).
//!   A PrivateLink service of another account serves what its Network Load
//!   Balancer listens on, which the snapshot does not hold.

use std::collections::HashMap;

use netpath_model::{IpProtocol, Snapshot, VpcEndpoint, VpcEndpointService};

/// The snapshot's VPC endpoints, by id and by the ENIs of interface
/// endpoints, and the endpoint services (`DescribeVpcEndpointServices`).
#[derive(Debug, Default)]
pub struct VpcEndpoints<'a> {
    by_id: HashMap<&'a str, &'a VpcEndpoint>,
    by_eni: HashMap<&'a str, &'a VpcEndpoint>,
    services: Vec<&'a VpcEndpointService>,
    /// `DescribeVpcEndpoints` output was read.
    pub(crate) present: bool,
}

impl<'a> VpcEndpoints<'a> {
    /// Indexes `snapshot.vpc_endpoints`.
    pub fn new(snapshot: &'a Snapshot) -> VpcEndpoints<'a> {
        let mut by_id = HashMap::new();
        let mut by_eni = HashMap::new();
        for e in snapshot.vpc_endpoints.iter().flatten() {
            by_id.insert(e.vpc_endpoint_id.as_str(), e);
            for eni in &e.network_interface_ids {
                by_eni.insert(eni.as_str(), e);
            }
        }
        VpcEndpoints {
            by_id,
            by_eni,
            services: snapshot.vpc_endpoint_services.iter().flatten().collect(),
            present: snapshot.vpc_endpoints.is_some(),
        }
    }

    /// The endpoint `vpce-…`, if the snapshot lists it.
    pub fn get(&self, id: &str) -> Option<&'a VpcEndpoint> {
        self.by_id.get(id).copied()
    }

    /// The interface (or Gateway Load Balancer) endpoint that owns ENI `eni_id`.
    pub fn of_network_interface(&self, eni_id: &str) -> Option<&'a VpcEndpoint> {
        self.by_eni.get(eni_id).copied()
    }

    /// The endpoint service named `r`: its id (`vpce-svc-…`) or its name
    /// (`com.amazonaws.us-east-1.ssm`), any case; the one in `region` first.
    pub fn service(&self, r: &str, region: Option<&str>) -> Option<&'a VpcEndpointService> {
        self.preferring(region, |s| {
            s.service_id.eq_ignore_ascii_case(r) || s.service_name.eq_ignore_ascii_case(r)
        })
    }

    /// The endpoint service whose private DNS name is `dns`
    /// (`ssm.us-east-1.amazonaws.com`, or a name under a wildcard one), or
    /// the `Gateway` service whose public name it is or is under
    /// (`bucket.s3.us-east-1.amazonaws.com`); the one in `region` first.
    /// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns>.
    pub fn service_answering(
        &self,
        dns: &str,
        region: Option<&str>,
    ) -> Option<&'a VpcEndpointService> {
        self.preferring(region, |s| s.answers_for(dns) || s.gateway_answers_for(dns))
    }

    /// The endpoint named by an endpoint-specific DNS name
    /// (`vpce-0abc-1x2y.ssm.us-east-1.vpce.amazonaws.com`), when a service's
    /// base DNS name ends it and the snapshot lists the endpoint.
    pub fn of_dns_name(&self, dns: &str) -> Option<&'a VpcEndpoint> {
        self.services
            .iter()
            .filter_map(|s| s.endpoint_of_dns_name(dns))
            .find_map(|id| self.get(&id))
    }

    /// The first service passing `f`, one in `region` before others.
    fn preferring(
        &self,
        region: Option<&str>,
        f: impl Fn(&VpcEndpointService) -> bool,
    ) -> Option<&'a VpcEndpointService> {
        let mut hits = self.services.iter().copied().filter(|s| f(s));
        let first = hits.next()?;
        if region.is_none() || first.region.as_deref() == region {
            return Some(first);
        }
        Some(
            hits.find(|s| s.region.as_deref() == region)
                .unwrap_or(first),
        )
    }

    /// Every endpoint, in snapshot order.
    pub fn all(&self) -> impl Iterator<Item = &'a VpcEndpoint> + '_ {
        let mut v: Vec<&'a VpcEndpoint> = self.by_id.values().copied().collect();
        v.sort_by(|a, b| a.vpc_endpoint_id.cmp(&b.vpc_endpoint_id));
        v.into_iter()
    }
}

/// What an interface endpoint answers, for `(protocol, port)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serves {
    /// The service answers on this port.
    Yes,
    /// It does not: the ports it serves, as a phrase (`TCP 443`).
    No(String),
    /// netpath cannot tell: why.
    Unknown(String),
}

/// AWS services reached through an interface endpoint on ports other than
/// HTTPS 443, and the TCP ports they serve. Sources:
/// <https://docs.aws.amazon.com/ses/latest/dg/send-email-set-up-vpc-endpoints.html>
/// (SMTP: 25, 465, 587, 2465, 2587),
/// <https://docs.aws.amazon.com/codecommit/latest/userguide/codecommit-and-interface-VPC.html>
/// (Git over HTTPS 443 and SSH 22).
const OTHER_PORTS: &[(&str, &[u16])] = &[
    ("email-smtp", &[25, 465, 587, 2465, 2587]),
    ("git-codecommit", &[22, 443]),
    ("git-codecommit-fips", &[22, 443]),
];

/// AWS services whose interface endpoint ports are set by the customer's
/// own resource (an AWS Transfer Family server listens on its protocols'
/// ports), so netpath cannot tell from the endpoint alone.
const CUSTOMER_PORTS: &[&str] = &["transfer.server"];

/// What interface endpoint `e` answers on `(protocol, port)`: TCP only;
/// HTTPS 443 for AWS services, except the few of [`OTHER_PORTS`].
pub fn interface_serves(e: &VpcEndpoint, protocol: IpProtocol, port: u16) -> Serves {
    let Some(short) = e.aws_service() else {
        return Serves::Unknown(format!(
            "{} is a PrivateLink service: it answers on its provider's Network Load Balancer listeners, which the snapshot does not hold",
            e.service_name
        ));
    };
    if CUSTOMER_PORTS.contains(&short) {
        return Serves::Unknown(format!(
            "{} listens on the ports of the customer's own server, which the snapshot does not hold",
            e.service_name
        ));
    }
    let ports: &[u16] = OTHER_PORTS
        .iter()
        .find(|(s, _)| *s == short)
        .map_or(&[443], |(_, p)| p);
    let phrase = format!(
        "TCP {}",
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if protocol == IpProtocol::Tcp && ports.contains(&port) {
        Serves::Yes
    } else {
        Serves::No(phrase)
    }
}

/// The TCP ports a gateway endpoint's service (S3, DynamoDB) answers on:
/// HTTP 80 and HTTPS 443. Sources:
/// <https://docs.aws.amazon.com/general/latest/gr/s3.html>,
/// <https://docs.aws.amazon.com/general/latest/gr/ddb.html> (the endpoints
/// take HTTP and HTTPS).
pub const GATEWAY_SERVICE_PORTS: [u16; 2] = [80, 443];

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(service: &str) -> VpcEndpoint {
        VpcEndpoint {
            vpc_endpoint_id: "vpce-1".into(),
            vpc_endpoint_type: "Interface".into(),
            vpc_id: "vpc-1".into(),
            service_name: service.into(),
            state: "available".into(),
            route_table_ids: vec![],
            subnet_ids: vec![],
            network_interface_ids: vec![],
            groups: vec![],
            private_dns_enabled: true,
            policy_document: None,
            owner_id: None,
            tags: Default::default(),
        }
    }

    #[test]
    fn aws_services_serve_tcp_443_only_with_documented_exceptions() {
        let ssm = interface("com.amazonaws.us-east-1.ssm");
        assert_eq!(interface_serves(&ssm, IpProtocol::Tcp, 443), Serves::Yes);
        assert_eq!(
            interface_serves(&ssm, IpProtocol::Tcp, 22),
            Serves::No("TCP 443".into())
        );
        assert!(matches!(
            interface_serves(&ssm, IpProtocol::Udp, 443),
            Serves::No(_)
        ));
        let smtp = interface("com.amazonaws.us-east-1.email-smtp");
        assert_eq!(interface_serves(&smtp, IpProtocol::Tcp, 587), Serves::Yes);
        let mine = interface("com.amazonaws.vpce.us-east-1.vpce-svc-0abc");
        assert!(matches!(
            interface_serves(&mine, IpProtocol::Tcp, 443),
            Serves::Unknown(_)
        ));
    }
}
