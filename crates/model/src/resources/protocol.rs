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

    /// The protocol with IANA number `n` (6 TCP, 17 UDP, 1 ICMP, 58
    /// ICMPv6, any other as [`IpProtocol::Number`]), as flow log records
    /// give it.
    pub fn from_number(n: u8) -> IpProtocol {
        match n {
            6 => IpProtocol::Tcp,
            17 => IpProtocol::Udp,
            1 => IpProtocol::Icmp,
            58 => IpProtocol::Icmpv6,
            n => IpProtocol::Number(n),
        }
    }

    /// The protocol as the EC2 API writes it in rules and analyses: its
    /// IANA number (`6`, `17`, `1`, `58`, any other number), or `-1` for
    /// all protocols
    /// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>).
    pub fn api_number(self) -> String {
        match self {
            IpProtocol::All => "-1".into(),
            IpProtocol::Tcp => "6".into(),
            IpProtocol::Udp => "17".into(),
            IpProtocol::Icmp => "1".into(),
            IpProtocol::Icmpv6 => "58".into(),
            IpProtocol::Number(n) => n.to_string(),
        }
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

/// One kind of ICMP message: its type and code (RFC 792; echo request is
/// 8/0, echo reply 0/0).
///
/// The evaluators cut ICMP messages like ports: each message is one point
/// of a 16-bit key space, `type × 256 + code` ([`IcmpMessage::key`]), and an
/// ICMP match (a security-group rule's `FromPort`/`ToPort`, a NACL entry's
/// `IcmpTypeCode`, -1 meaning all) covers a [`PortRange`] of keys
/// ([`icmp_keys`]). Source:
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>
/// (for ICMP, `FromPort` is the type and `ToPort` the code, -1 for all) and
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IcmpTypeCode.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IcmpMessage {
    /// ICMP type, 0-255.
    #[serde(rename = "type")]
    pub icmp_type: u8,
    /// ICMP code, 0-255.
    pub code: u8,
}

impl IcmpMessage {
    /// Echo request (`ping`), type 8 code 0
    /// (<https://www.rfc-editor.org/rfc/rfc792>).
    pub const ECHO_REQUEST: IcmpMessage = IcmpMessage {
        icmp_type: 8,
        code: 0,
    };
    /// Echo reply, type 0 code 0.
    pub const ECHO_REPLY: IcmpMessage = IcmpMessage {
        icmp_type: 0,
        code: 0,
    };

    /// ICMPv6 echo request, type 128 code 0
    /// (<https://www.rfc-editor.org/rfc/rfc4443#section-4.1>).
    pub const ECHO_REQUEST_V6: IcmpMessage = IcmpMessage {
        icmp_type: 128,
        code: 0,
    };
    /// ICMPv6 echo reply, type 129 code 0.
    pub const ECHO_REPLY_V6: IcmpMessage = IcmpMessage {
        icmp_type: 129,
        code: 0,
    };

    /// The message's point in the key space: `type × 256 + code`.
    pub fn key(self) -> u16 {
        u16::from(self.icmp_type) << 8 | u16::from(self.code)
    }

    /// The message at `key` (the inverse of [`IcmpMessage::key`]).
    pub fn from_key(key: u16) -> IcmpMessage {
        IcmpMessage {
            icmp_type: (key >> 8) as u8,
            code: (key & 0xff) as u8,
        }
    }

    /// The message a host answers with, which a stateless network ACL must
    /// let back: echo reply for an echo request (ICMP 8 to 0, ICMPv6 128 to
    /// 129); `None` for messages that get no reply.
    pub fn reply(self) -> Option<IcmpMessage> {
        match self {
            IcmpMessage::ECHO_REQUEST => Some(IcmpMessage::ECHO_REPLY),
            IcmpMessage::ECHO_REQUEST_V6 => Some(IcmpMessage::ECHO_REPLY_V6),
            _ => None,
        }
    }
}

impl fmt::Display for IcmpMessage {
    /// `echo-request (8/0)`, `echo-reply (0/0)`, else `type 3 code 4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.icmp_type, self.code) {
            (8, 0) => f.write_str("echo-request (8/0)"),
            (0, 0) => f.write_str("echo-reply (0/0)"),
            (128, 0) => f.write_str("echo-request (128/0)"),
            (129, 0) => f.write_str("echo-reply (129/0)"),
            (t, c) => write!(f, "type {t} code {c}"),
        }
    }
}

/// The ICMP keys (see [`IcmpMessage`]) an ICMP match covers: `icmp_type`
/// -1 (or absent) is every message, a type with code -1 (or absent) every
/// code of that type, else one message. Values outside 0-255 match nothing
/// the API can produce and are clamped.
pub fn icmp_keys(icmp_type: Option<i32>, code: Option<i32>) -> PortRange {
    let byte = |v: i32| v.clamp(0, 255) as u16;
    match (icmp_type.filter(|t| *t >= 0), code.filter(|c| *c >= 0)) {
        (None, _) => PortRange::ALL,
        (Some(t), None) => PortRange::new(byte(t) << 8, byte(t) << 8 | 0xff),
        (Some(t), Some(c)) => {
            let k = byte(t) << 8 | byte(c);
            PortRange::new(k, k)
        }
    }
}

/// Traffic as a human reads it: `tcp 5432`, `udp 1024-65535`, or for ICMP
/// (whose "ports" are message keys, see [`IcmpMessage`]) `icmp
/// echo-request (8/0)`.
pub fn describe_traffic(proto: IpProtocol, ports: PortRange) -> String {
    match proto {
        IpProtocol::Icmp | IpProtocol::Icmpv6 if ports.from == ports.to => {
            format!("{proto} {}", IcmpMessage::from_key(ports.from))
        }
        IpProtocol::Icmp | IpProtocol::Icmpv6 if ports == PortRange::ALL => format!("{proto}"),
        IpProtocol::Icmp | IpProtocol::Icmpv6 => format!(
            "{proto} {} to {}",
            IcmpMessage::from_key(ports.from),
            IcmpMessage::from_key(ports.to)
        ),
        _ => format!("{proto} {ports}"),
    }
}

/// A NACL entry's `IcmpTypeCode`: type and code, -1 for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IcmpTypeCode {
    /// ICMP type, -1 for all.
    #[serde(rename = "type")]
    pub icmp_type: i32,
    /// ICMP code, -1 for all.
    pub code: i32,
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

#[cfg(test)]
mod icmp_tests {
    use super::{icmp_keys, IcmpMessage, PortRange};

    #[test]
    fn icmp_matches_cover_the_right_messages() {
        let echo = IcmpMessage::ECHO_REQUEST.key();
        let reply = IcmpMessage::ECHO_REPLY.key();
        // -1 (or absent) type: every message.
        assert_eq!(icmp_keys(Some(-1), Some(-1)), PortRange::ALL);
        assert_eq!(icmp_keys(None, None), PortRange::ALL);
        // Type 8, any code: the echo request, not the reply.
        assert!(icmp_keys(Some(8), Some(-1)).contains(echo));
        assert!(!icmp_keys(Some(8), Some(-1)).contains(reply));
        // Type 0 only: the reply, which no ping sends.
        assert!(!icmp_keys(Some(0), Some(-1)).contains(echo));
        // One message.
        assert_eq!(
            icmp_keys(Some(3), Some(4)),
            PortRange::new(3 << 8 | 4, 3 << 8 | 4)
        );
        assert_eq!(IcmpMessage::from_key(echo), IcmpMessage::ECHO_REQUEST);
        assert_eq!(
            IcmpMessage::ECHO_REQUEST.reply(),
            Some(IcmpMessage::ECHO_REPLY)
        );
        assert_eq!(IcmpMessage::from_key(3 << 8 | 4).reply(), None);
    }
}
