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
