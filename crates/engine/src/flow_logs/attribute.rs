//! One record's place in a connection, and what the hops at its interface
//! decide for it.
//!
//! A flow log record is written at one interface and reflects its security
//! groups and its subnet's network ACL: an ACCEPT passed both, a REJECT was
//! dropped by one of them.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html>

use std::net::IpAddr;

use netpath_model::{Direction, NetworkInterface, PortRange};

use crate::answer::{Blocking, Decision, Explanation, HopKind, PathLeg};
use crate::explain::{explain, ExplainOptions};
use crate::flow_logs::report::Leg;
use crate::topology::Topology;

/// The flow class a record belongs to: records with one key share one walk.
/// The client's port matters only to a reply, and only through the network
/// ACL port ranges it falls between (`piece`).
///
/// `eni` is always the snapshot's own `NetworkInterfaceId` string, one
/// allocation per ENI, so keys compare and hash it by address.
#[derive(Debug, Clone, Copy)]
pub(super) struct Key<'a> {
    pub eni: &'a str,
    pub leg: Leg,
    pub direction: Direction,
    pub peer: IpAddr,
    /// The interface's own address in the record, for IPv6 records (IPv4
    /// ones stand at the ENI's primary address).
    pub own: Option<IpAddr>,
    pub protocol: u8,
    pub service_port: u16,
    pub piece: u32,
}

impl PartialEq for Key<'_> {
    fn eq(&self, o: &Self) -> bool {
        std::ptr::eq(self.eni.as_ptr(), o.eni.as_ptr())
            && self.leg == o.leg
            && self.direction == o.direction
            && self.peer == o.peer
            && self.own == o.own
            && self.protocol == o.protocol
            && self.service_port == o.service_port
            && self.piece == o.piece
    }
}

impl Eq for Key<'_> {}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.eni.as_ptr() as usize).hash(h);
        self.leg.hash(h);
        (self.direction == Direction::Egress).hash(h);
        self.peer.hash(h);
        self.own.hash(h);
        self.protocol.hash(h);
        self.service_port.hash(h);
        self.piece.hash(h);
    }
}

/// A record placed in its connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Placed<'a> {
    pub key: Key<'a>,
    /// The client's port, as recorded (0 for ICMP).
    pub client_port: u16,
    /// Neither TCP flags nor the ports alone told the leg.
    pub ambiguous: bool,
}

/// What the hops at the interface decide for one flow class.
#[derive(Debug, Clone)]
pub(super) enum AtInterface {
    /// Every security-group and network-ACL hop at the interface passes it.
    Allowed,
    /// This hop drops it.
    Blocked(Box<Blocking>),
    /// The walk never gets there: an earlier hop drops the packet, so no
    /// record of it could exist at this interface.
    NeverArrives(String),
    /// Cannot be decided, and why.
    Unknown(String),
}

/// True for a port clients pick theirs from: the top of the range, where
/// every documented ephemeral range (Linux 32768-60999, Windows
/// 49152-65535) lies.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>
fn ephemeral_like(p: u16) -> bool {
    p >= 32768
}

/// The leg when the ports alone tell it: exactly one of them in the
/// ephemeral range.
pub(super) fn leg_by_clear_ports(sport: u16, dport: u16) -> Option<Leg> {
    match (ephemeral_like(sport), ephemeral_like(dport)) {
        (true, false) => Some(Leg::Request),
        (false, true) => Some(Leg::Reply),
        _ => None,
    }
}

/// Whether a record of `protocol` from `sport` to `dport` is a request or
/// a reply, when neither TCP flags nor an earlier ACCEPT of the reverse
/// flow says: a source port in the ephemeral range towards a port outside
/// it is a request, the opposite a reply; otherwise the lower port is the
/// service's.
pub(super) fn leg_by_ports(sport: u16, dport: u16) -> Leg {
    match (ephemeral_like(sport), ephemeral_like(dport)) {
        (true, false) => Leg::Request,
        (false, true) => Leg::Reply,
        _ if sport > dport => Leg::Request,
        _ if sport < dport => Leg::Reply,
        _ => Leg::Request,
    }
}

/// The leg from TCP flags, when they say: SYN-ACK (18) only ever answers,
/// a SYN without it only ever asks.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html>
pub(super) fn leg_by_flags(flags: u16) -> Option<Leg> {
    if flags & 18 == 18 {
        Some(Leg::Reply)
    } else if flags & 2 == 2 {
        Some(Leg::Request)
    } else {
        None
    }
}

/// True when `eni` holds `ip` as one of its private addresses (flow logs
/// record an instance's private address, also for traffic to its public
/// one).
pub(super) fn holds(eni: &NetworkInterface, ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => eni
            .private_ip_addresses
            .iter()
            .any(|p| p.private_ip_address == ip),
        IpAddr::V6(ip) => eni.ipv6_addresses.contains(&ip),
    }
}

/// True for the ICMP protocols, whose records carry no ports: ICMP (1) and
/// ICMPv6 (58).
pub(super) fn is_icmp(protocol: u8) -> bool {
    protocol == 1 || protocol == 58
}

/// The path leg and direction at the interface where a record of `leg`
/// crossing it in `direction` is judged: requests on the forward path,
/// replies on the return path.
pub(super) fn path_of(leg: Leg) -> PathLeg {
    match leg {
        Leg::Request => PathLeg::Forward,
        Leg::Reply => PathLeg::Return,
    }
}

/// The `explain` question for a key: from the client to the server, where
/// the interface is the client of a request it sends or a reply it
/// receives, and the server otherwise. `client_port` narrows the ephemeral
/// range to the recorded port for a reply.
pub(super) fn ask(
    topo: &Topology,
    key: &Key,
    client_port: Option<u16>,
    base: &ExplainOptions,
) -> Result<Explanation, String> {
    let eni_is_client = matches!(
        (key.leg, key.direction),
        (Leg::Request, Direction::Egress) | (Leg::Reply, Direction::Ingress)
    );
    let peer = key.peer.to_string();
    // Over IPv6 the interface stands at the address the record names (an
    // ENI's id alone stands at its first IPv6 address).
    let own = match (key.peer, key.own) {
        (IpAddr::V6(_), Some(a)) => a.to_string(),
        _ => key.eni.to_string(),
    };
    let (from, to) = if eni_is_client {
        (own.as_str(), peer.as_str())
    } else {
        (peer.as_str(), own.as_str())
    };
    let mut opts = base.clone();
    opts.protocol = Some(match netpath_model::IpProtocol::from_number(key.protocol) {
        p @ (netpath_model::IpProtocol::Tcp
        | netpath_model::IpProtocol::Udp
        | netpath_model::IpProtocol::Icmp
        | netpath_model::IpProtocol::Icmpv6) => p,
        p => {
            return Err(format!(
                "protocol {p} ({}) is not evaluated; netpath walks tcp (6), udp (17), icmp (1) and icmpv6 (58)",
                key.protocol
            ))
        }
    });
    if !is_icmp(key.protocol) {
        opts.port = Some(key.service_port);
        if let Some(p) = client_port {
            opts.ephemeral_ports = Some(PortRange::new(p, p));
        }
    }
    explain(topo, from, to, &opts).map_err(|e| e.to_string())
}

/// What the security-group and network-ACL hops at the interface decide,
/// in `e`, for a record of `key`.
pub(super) fn at_interface(e: &Explanation, key: &Key) -> AtInterface {
    let path = path_of(key.leg);
    let at = |h: &&crate::answer::Hop| {
        h.path == path
            && h.direction == Some(key.direction)
            && matches!(h.kind, HopKind::SecurityGroup | HopKind::NetworkAcl)
    };
    if !e.hops.iter().any(|h| at(&h)) {
        // Between two ENIs of one subnet no network ACL applies, either
        // way, and a reply passes the groups because they are stateful: a
        // reply with no hop here passes.
        // <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>
        let same_subnet = e
            .hops
            .iter()
            .any(|h| h.kind == HopKind::NetworkAcl && h.decision == Decision::NotApplicable);
        if key.leg == Leg::Reply && same_subnet {
            return AtInterface::Allowed;
        }
        // The walk has no hop here: it stopped before, or the interface is
        // one security groups do not filter.
        if let Some(b) = &e.blocking {
            return AtInterface::NeverArrives(format!(
                "netpath says the packet never reaches {} ({}: {})",
                key.eni, b.component, b.detail
            ));
        }
        return AtInterface::Unknown(format!(
            "netpath's walk has no security-group or network-ACL hop at the interface for this flow{}",
            if e.missing.is_empty() {
                String::new()
            } else {
                format!(" (missing: {})", e.missing.join("; "))
            }
        ));
    }
    let mine: Vec<&crate::answer::Hop> = e.hops.iter().filter(at).collect();
    if let Some(h) = mine
        .iter()
        .find(|h| matches!(h.decision, Decision::Deny | Decision::Partial))
    {
        return AtInterface::Blocked(Box::new(Blocking::from_hop(h)));
    }
    if let Some(h) = mine.iter().find(|h| h.decision == Decision::Unknown) {
        let what = if h.missing.is_empty() {
            h.detail.clone()
        } else {
            h.missing.join("; ")
        };
        return AtInterface::Unknown(format!("{} {}: {what}", h.kind.as_str(), h.component));
    }
    AtInterface::Allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_tell_requests_from_replies() {
        assert_eq!(leg_by_ports(49761, 3389), Leg::Request);
        assert_eq!(leg_by_ports(5432, 40000), Leg::Reply);
        assert_eq!(leg_by_ports(1025, 22), Leg::Request);
        assert_eq!(leg_by_ports(22, 1025), Leg::Reply);
        assert_eq!(leg_by_flags(2), Some(Leg::Request));
        assert_eq!(leg_by_flags(3), Some(Leg::Request));
        assert_eq!(leg_by_flags(19), Some(Leg::Reply));
        assert_eq!(leg_by_flags(1), None);
    }
}
