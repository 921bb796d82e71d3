//! nftables match syntax shared by the security-group and network-ACL
//! rulesets.

use netpath_model::IpProtocol;

/// The nftables match for a protocol and an inclusive destination-port range,
/// e.g. `tcp dport 80-443`; `meta l4proto tcp` when the range is absent or
/// covers every port; empty for every protocol (`-1`). Ports are ignored for
/// protocols without them.
pub(super) fn proto_match(proto: IpProtocol, ports: Option<(u16, u16)>) -> String {
    let range = |name: &str| match ports {
        Some((a, b)) if (a, b) != (0, 65535) => {
            if a == b {
                format!("{name} dport {a}")
            } else {
                format!("{name} dport {a}-{b}")
            }
        }
        _ => format!("meta l4proto {name}"),
    };
    match proto {
        IpProtocol::All => String::new(),
        IpProtocol::Tcp => range("tcp"),
        IpProtocol::Udp => range("udp"),
        IpProtocol::Icmp => "meta l4proto icmp".into(),
        IpProtocol::Icmpv6 => "meta l4proto ipv6-icmp".into(),
        IpProtocol::Number(n) => format!("meta l4proto {n}"),
    }
}

/// The nftables match for an ICMP rule or entry: `icmp type T icmp code C`,
/// `icmp type T` (code -1 or absent: every code), or `meta l4proto icmp`
/// (type -1 or absent: every message). For security-group rules the type is
/// `FromPort` and the code `ToPort`; for NACL entries `IcmpTypeCode`.
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>
pub(super) fn icmp_match(proto: IpProtocol, icmp_type: Option<i32>, code: Option<i32>) -> String {
    let (family, type_kw, code_kw) = match proto {
        IpProtocol::Icmpv6 => ("ipv6-icmp", "icmpv6 type", "icmpv6 code"),
        _ => ("icmp", "icmp type", "icmp code"),
    };
    match (icmp_type.filter(|t| *t >= 0), code.filter(|c| *c >= 0)) {
        (None, _) => format!("meta l4proto {family}"),
        (Some(t), None) => format!("{type_kw} {t}"),
        (Some(t), Some(c)) => format!("{type_kw} {t} {code_kw} {c}"),
    }
}

/// Accepts IPv6 neighbour discovery (RFC 4861), which in AWS is the VPC's
/// own business: no security group or network ACL sees it, and without it
/// no IPv6 packet reaches the next hop.
pub(super) const NEIGHBOUR_DISCOVERY: &str =
    "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept";

/// The address match of a CIDR in a packet's source (`saddr`) or
/// destination (`daddr`): `ip saddr 10.0.0.0/8`, `ip6 daddr 2600::/56`.
pub(super) fn addr_match(dir: &str, cidr: &str) -> String {
    if cidr.contains(':') {
        format!("ip6 {dir} {cidr}")
    } else {
        format!("ip {dir} {cidr}")
    }
}

/// The type of a set of IPv4 five-tuples (source, destination, protocol,
/// source port, destination port), added to as packets pass: what the
/// lab's flow logs read (`flow_log.rs`).
pub(crate) const FLOW_SET: &str =
    "type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic";

/// The element a packet adds to a [`FLOW_SET`].
pub(crate) const FLOW_KEY: &str = "{ ip saddr . ip daddr . meta l4proto . th sport . th dport }";

/// The name of the set that records the packets a network-ACL rule drops
/// at a subnet boundary: `d_<acl>_<subnet>_<in|out>_<rule number, or x
/// for *>`, ids with `-` written `_` ([`parse_acl_set`] reads it back).
pub(crate) fn acl_set(acl: &str, subnet: &str, egress: bool, rule: Option<u16>) -> String {
    format!(
        "d_{}_{}_{}_{}",
        acl.replace('-', "_"),
        subnet.replace('-', "_"),
        if egress { "out" } else { "in" },
        rule.map_or("x".to_string(), |r| r.to_string())
    )
}

/// (ACL, subnet, egress, rule) from an [`acl_set`] name; `None` for
/// another name. AWS ids have one `-`, after their prefix.
pub(crate) fn parse_acl_set(name: &str) -> Option<(String, String, bool, Option<u16>)> {
    let w: Vec<&str> = name.strip_prefix("d_")?.split('_').collect();
    let [a1, a2, s1, s2, dir, rule] = w.as_slice() else {
        return None;
    };
    Some((
        format!("{a1}-{a2}"),
        format!("{s1}-{s2}"),
        *dir == "out",
        rule.parse().ok(),
    ))
}
