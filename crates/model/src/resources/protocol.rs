//! The vocabulary security-group rules and network ACL entries share: the
//! IP protocol, a port range and the direction of traffic.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An IP protocol as the EC2 API writes it in security-group rules
/// (`IpProtocol`) and network ACL entries (`Protocol`).
///
/// The API accepts names (`tcp`, `udp`, `icmp`, `icmpv6`) or IANA numbers
/// (`6`, `17`, `1`, `58`), and `-1` for all protocols. Both spellings parse to
/// the same value; it serializes as the name where one exists, else the number.
/// Source: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpProtocol {
    /// `-1`: every protocol, every port.
    All,
    /// IANA 6.
    Tcp,
    /// IANA 17.
    Udp,
    /// IANA 1.
    Icmp,
    /// IANA 58.
    Icmpv6,
    /// Any other IANA protocol number (0-255).
    Number(u8),
}

impl IpProtocol {
    /// Parses an API protocol string: `-1`/`all`, a name, or a number 0-255.
    ///
    /// Returns `None` for anything else (an unknown name, a number above 255).
    pub fn parse(s: &str) -> Option<IpProtocol> {
        let t = s.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "-1" | "all" => IpProtocol::All,
            "tcp" | "6" => IpProtocol::Tcp,
            "udp" | "17" => IpProtocol::Udp,
            "icmp" | "1" => IpProtocol::Icmp,
            "icmpv6" | "58" => IpProtocol::Icmpv6,
            other => IpProtocol::Number(other.parse::<u8>().ok()?),
        })
    }

    /// True for TCP and UDP, the protocols whose rules carry port ranges.
    pub fn has_ports(self) -> bool {
        matches!(self, IpProtocol::Tcp | IpProtocol::Udp)
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpProtocol::All => f.write_str("-1"),
            IpProtocol::Tcp => f.write_str("tcp"),
            IpProtocol::Udp => f.write_str("udp"),
            IpProtocol::Icmp => f.write_str("icmp"),
            IpProtocol::Icmpv6 => f.write_str("icmpv6"),
            IpProtocol::Number(n) => write!(f, "{n}"),
        }
    }
}

impl Serialize for IpProtocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpProtocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        IpProtocol::parse(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown IP protocol {raw:?}: expected -1, tcp, udp, icmp, icmpv6 or a number 0-255"
            ))
        })
    }
}

/// An inclusive range of TCP/UDP ports, `from..=to` (units: port numbers 0-65535).
///
/// Used for NACL `PortRange` and for the client's ephemeral ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRange {
    /// First port, inclusive.
    pub from: u16,
    /// Last port, inclusive.
    pub to: u16,
}

impl PortRange {
    /// The range `from..=to`. Callers must keep `from <= to`.
    pub const fn new(from: u16, to: u16) -> PortRange {
        PortRange { from, to }
    }

    /// Every port, 0-65535.
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };

    /// True when `port` lies in the range.
    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// Number of ports in the range (1 to 65536).
    pub fn len(&self) -> u32 {
        u32::from(self.to) - u32::from(self.from) + 1
    }

    /// Always false: a range holds at least one port. Present for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// The direction of a security-group rule or network ACL entry, as seen
/// from the resource: `ingress` (inbound) or `egress` (outbound).
/// Serializes and displays lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound: `IpPermissions`, NACL entries with `Egress: false`.
    Ingress,
    /// Outbound: `IpPermissionsEgress`, NACL entries with `Egress: true`.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
