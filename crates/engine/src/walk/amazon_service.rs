//! Amazon-provided services inside the VPC, which security groups and
//! network ACLs do not filter: the Amazon DNS server (Route 53 Resolver) at
//! the base of the VPC's primary IPv4 CIDR plus two and at 169.254.169.253,
//! the instance metadata service at 169.254.169.254, and the Amazon Time Sync
//! Service at 169.254.169.123; on Nitro instances also at fd00:ec2::253,
//! fd00:ec2::254 and fd00:ec2::123 over IPv6.
//!
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>
//! (security groups do not filter traffic to and from Amazon DNS, instance
//! metadata and Time Sync), <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-basics.html>
//! (nor do network ACLs), <https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html>
//! (the resolver's addresses),
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>
//! (IMDS, TCP 80), <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html>
//! (Time Sync, UDP 123).

use std::net::Ipv4Addr;

use netpath_model::IpProtocol;

use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, HopKind, PathLeg};
use crate::resolve::Placement;

/// An Amazon-provided service: its name and the (protocol, port) pairs it answers.
struct AmazonService {
    name: &'static str,
    serves: &'static [(IpProtocol, u16)],
}

const DNS: AmazonService = AmazonService {
    name: "the Amazon DNS server (Route 53 Resolver)",
    serves: &[(IpProtocol::Udp, 53), (IpProtocol::Tcp, 53)],
};
const METADATA: AmazonService = AmazonService {
    name: "the instance metadata service",
    serves: &[(IpProtocol::Tcp, 80)],
};
const TIME_SYNC: AmazonService = AmazonService {
    name: "the Amazon Time Sync Service",
    serves: &[(IpProtocol::Udp, 123)],
};

/// The VPC's DNS server: the base of its primary IPv4 CIDR plus two.
fn vpc_resolver(cidr: ipnet::Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.network()).wrapping_add(2))
}

impl<'a> Walker<'_, 'a> {
    /// When `daddr` is an Amazon-provided service for the source's VPC,
    /// pushes its hop and returns true: no security group, network ACL or
    /// route applies, and the service answers on its own ports.
    pub(super) fn amazon_service(&mut self, sp: &Placement<'a>, daddr: &AddrSet) -> bool {
        let Some(ip) = daddr.as_single() else {
            return false;
        };
        // The same services at their IPv6 addresses on Nitro instances:
        // fd00:ec2::253 (DNS), fd00:ec2::254 (metadata), fd00:ec2::123
        // (Time Sync)
        // (<https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html>,
        // <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>,
        // <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html>).
        let ip = match ip {
            std::net::IpAddr::V4(a) => a,
            std::net::IpAddr::V6(a) => {
                let service = match a.segments() {
                    [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x253] => DNS,
                    [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] => METADATA,
                    [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x123] => TIME_SYNC,
                    _ => return false,
                };
                self.service_hop(service, &a.to_string());
                return true;
            }
        };
        let vpc = self.topo.vpc(&sp.vpc_id);
        let resolver = vpc
            .and_then(|v| v.cidr_blocks.first().copied())
            .map(vpc_resolver);
        // A VPC CIDR is /16 to /28, so its base + 2 ends in binary 0010.
        if vpc.is_none() && u32::from(ip) & 0xF == 2 {
            let m = format!(
                "the CIDRs of {} (no DescribeVpcs output), to tell whether {ip} is its Amazon DNS server",
                sp.vpc_id
            );
            self.unknown(PathLeg::Forward, HopKind::AmazonService, &ip.to_string(), m);
            return true;
        }
        let service = match ip.octets() {
            [169, 254, 169, 253] => DNS,
            [169, 254, 169, 254] => METADATA,
            [169, 254, 169, 123] => TIME_SYNC,
            _ if Some(ip) == resolver => DNS,
            _ => return false,
        };
        self.service_hop(service, &ip.to_string());
        true
    }

    /// Pushes the hop of `service` at address `ip`: allowed on the ports it
    /// serves, unknown on others.
    fn service_hop(&mut self, service: AmazonService, ip: &str) {
        let (proto, port) = (self.proto(), self.flow.port);
        let what =
            netpath_model::describe_traffic(proto, netpath_model::PortRange::new(port, port));
        let served = service.serves.iter().any(|&(p, n)| p == proto && n == port);
        let mut h = hop(
            PathLeg::Forward,
            HopKind::AmazonService,
            ip,
            if served {
                Decision::Allow
            } else {
                Decision::Unknown
            },
            if served {
                format!("{ip} is {}, which answers {what}: security groups and network ACLs do not filter this traffic", service.name)
            } else {
                format!(
                    "{ip} is {}; netpath does not know what it does with {what} (it serves {})",
                    service.name,
                    service
                        .serves
                        .iter()
                        .map(|(p, n)| format!("{p} {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        );
        if !served {
            h.missing
                .push(format!("what {} does with {what}", service.name));
        }
        self.hops.push(h);
    }
}
