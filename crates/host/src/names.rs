//! Names shared by the iptables and nftables parsers: protocols, ICMP types,
//! conntrack states, address types.

use netpath_model::host::{AddrType, CtState, RejectWith, L4};

/// What a protocol name or number means to a `Match::Protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// One of the protocols the model knows.
    L4(L4),
    /// Every protocol (`all`, `0`): no condition.
    Any,
    /// A protocol the model cannot name (gre, esp, sctp, …).
    Other,
}

/// Reads a protocol name or number (`tcp`, `6`, `ipv6-icmp`, `all`).
pub(crate) fn protocol(name: &str) -> Proto {
    match name.to_ascii_lowercase().as_str() {
        "tcp" | "6" => Proto::L4(L4::Tcp),
        "udp" | "17" => Proto::L4(L4::Udp),
        "icmp" | "1" => Proto::L4(L4::Icmp),
        "ipv6-icmp" | "icmpv6" | "icmp6" | "58" => Proto::L4(L4::Icmpv6),
        "all" | "0" => Proto::Any,
        _ => Proto::Other,
    }
}

/// IPv4 ICMP type names (iptables `--icmp-type`, nftables `icmp type`), with
/// the code where the name implies one.
const ICMP4: &[(&str, u8, Option<u8>)] = &[
    ("echo-reply", 0, None),
    ("pong", 0, None),
    ("destination-unreachable", 3, None),
    ("network-unreachable", 3, Some(0)),
    ("host-unreachable", 3, Some(1)),
    ("protocol-unreachable", 3, Some(2)),
    ("port-unreachable", 3, Some(3)),
    ("fragmentation-needed", 3, Some(4)),
    ("source-route-failed", 3, Some(5)),
    ("network-unknown", 3, Some(6)),
    ("host-unknown", 3, Some(7)),
    ("network-prohibited", 3, Some(9)),
    ("host-prohibited", 3, Some(10)),
    ("tos-network-unreachable", 3, Some(11)),
    ("tos-host-unreachable", 3, Some(12)),
    ("communication-prohibited", 3, Some(13)),
    ("host-precedence-violation", 3, Some(14)),
    ("precedence-cutoff", 3, Some(15)),
    ("source-quench", 4, None),
    ("redirect", 5, None),
    ("network-redirect", 5, Some(0)),
    ("host-redirect", 5, Some(1)),
    ("tos-network-redirect", 5, Some(2)),
    ("tos-host-redirect", 5, Some(3)),
    ("echo-request", 8, None),
    ("ping", 8, None),
    ("router-advertisement", 9, None),
    ("router-solicitation", 10, None),
    ("time-exceeded", 11, None),
    ("ttl-exceeded", 11, None),
    ("ttl-zero-during-transit", 11, Some(0)),
    ("ttl-zero-during-reassembly", 11, Some(1)),
    ("parameter-problem", 12, None),
    ("ip-header-bad", 12, Some(0)),
    ("required-option-missing", 12, Some(1)),
    ("timestamp-request", 13, None),
    ("timestamp-reply", 14, None),
    ("info-request", 15, None),
    ("info-reply", 16, None),
    ("address-mask-request", 17, None),
    ("address-mask-reply", 18, None),
];

/// ICMPv6 type names (ip6tables `--icmpv6-type`, nftables `icmpv6 type`).
const ICMP6: &[(&str, u8, Option<u8>)] = &[
    ("destination-unreachable", 1, None),
    ("no-route", 1, Some(0)),
    ("communication-prohibited", 1, Some(1)),
    ("beyond-scope", 1, Some(2)),
    ("address-unreachable", 1, Some(3)),
    ("port-unreachable", 1, Some(4)),
    ("failed-policy", 1, Some(5)),
    ("reject-route", 1, Some(6)),
    ("packet-too-big", 2, None),
    ("time-exceeded", 3, None),
    ("ttl-exceeded", 3, None),
    ("ttl-zero-during-transit", 3, Some(0)),
    ("ttl-zero-during-reassembly", 3, Some(1)),
    ("parameter-problem", 4, None),
    ("bad-header", 4, Some(0)),
    ("unknown-header-type", 4, Some(1)),
    ("unknown-option", 4, Some(2)),
    ("echo-request", 128, None),
    ("ping", 128, None),
    ("echo-reply", 129, None),
    ("pong", 129, None),
    ("mld-listener-query", 130, None),
    ("mld-listener-report", 131, None),
    ("mld-listener-done", 132, None),
    ("mld-listener-reduction", 132, None),
    ("router-solicitation", 133, None),
    ("nd-router-solicit", 133, None),
    ("router-advertisement", 134, None),
    ("nd-router-advert", 134, None),
    ("neighbour-solicitation", 135, None),
    ("neighbor-solicitation", 135, None),
    ("nd-neighbor-solicit", 135, None),
    ("neighbour-advertisement", 136, None),
    ("neighbor-advertisement", 136, None),
    ("nd-neighbor-advert", 136, None),
    ("redirect", 137, None),
    ("nd-redirect", 137, None),
    ("router-renumbering", 138, None),
    ("ind-neighbor-solicit", 141, None),
    ("ind-neighbor-advert", 142, None),
    ("mld2-listener-report", 143, None),
];

/// What an ICMP type argument means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcmpSpec {
    /// `any`: no condition.
    Any,
    /// A type, and a code when given.
    Type(u8, Option<u8>),
}

/// Reads an ICMP type: a name (`echo-request`), a number (`8`), `TYPE/CODE`
/// (`3/4`) or `any`. `v6` picks the ICMPv6 names. `None` when unreadable.
pub(crate) fn icmp_type(text: &str, v6: bool) -> Option<IcmpSpec> {
    let lower = text.to_ascii_lowercase();
    if lower == "any" {
        return Some(IcmpSpec::Any);
    }
    if let Some((t, c)) = lower.split_once('/') {
        return Some(IcmpSpec::Type(t.parse().ok()?, Some(c.parse().ok()?)));
    }
    if let Ok(t) = lower.parse::<u8>() {
        return Some(IcmpSpec::Type(t, None));
    }
    let table = if v6 { ICMP6 } else { ICMP4 };
    table
        .iter()
        .find(|(name, _, _)| *name == lower)
        .map(|&(_, t, c)| IcmpSpec::Type(t, c))
}

/// Reads one conntrack state name, any case (`ESTABLISHED`, `new`).
pub(crate) fn ct_state(name: &str) -> Option<CtState> {
    match name.to_ascii_lowercase().as_str() {
        "new" => Some(CtState::New),
        "established" => Some(CtState::Established),
        "related" => Some(CtState::Related),
        "invalid" => Some(CtState::Invalid),
        "untracked" => Some(CtState::Untracked),
        _ => None,
    }
}

/// Reads one address type name, any case (`LOCAL`, `unicast`).
pub(crate) fn addr_type(name: &str) -> Option<AddrType> {
    match name.to_ascii_lowercase().as_str() {
        "local" => Some(AddrType::Local),
        "unicast" => Some(AddrType::Unicast),
        "broadcast" => Some(AddrType::Broadcast),
        "multicast" => Some(AddrType::Multicast),
        "anycast" => Some(AddrType::Anycast),
        _ => None,
    }
}

/// Reads an ICMP error name used by a reject: iptables' `--reject-with`
/// (`icmp-port-unreachable`, `icmp6-adm-prohibited`, `tcp-reset`) or
/// nftables' reject `expr` (`port-unreachable`, `admin-prohibited`).
pub(crate) fn reject_with(name: &str) -> Option<RejectWith> {
    let lower = name.to_ascii_lowercase();
    let bare = lower
        .strip_prefix("icmp6-")
        .or_else(|| lower.strip_prefix("icmpv6-"))
        .or_else(|| lower.strip_prefix("icmp-"))
        .unwrap_or(&lower);
    match bare {
        "tcp-reset" | "tcp reset" => Some(RejectWith::TcpReset),
        "port-unreachable" | "port-unreach" => Some(RejectWith::IcmpPortUnreachable),
        "host-unreachable" | "net-unreachable" | "host-prohibited" | "net-prohibited"
        | "admin-prohibited" | "adm-prohibited" | "no-route" | "noroute" | "addr-unreachable"
        | "addr-unreach" | "host-unreach" | "net-unreach" | "admin-prohib" | "host-prohib"
        | "net-prohib" => Some(RejectWith::IcmpHostUnreachable),
        _ => None,
    }
}

/// True for iptables targets that do not end evaluation (they log, mark or
/// change a header and go on with the next rule).
pub(crate) fn is_non_terminating_target(target: &str) -> bool {
    matches!(
        target,
        "LOG"
            | "NFLOG"
            | "ULOG"
            | "CT"
            | "MARK"
            | "CONNMARK"
            | "TRACE"
            | "AUDIT"
            | "TCPMSS"
            | "CLASSIFY"
            | "DSCP"
            | "TOS"
            | "SET"
            | "SECMARK"
            | "CONNSECMARK"
            | "CHECKSUM"
            | "IDLETIMER"
            | "LED"
    )
}
