//! Host facts: what one instance's own operating system says about the last
//! hop, collected on the instance by `netpath host-facts` (crate
//! `netpath-host`) and read beside a snapshot by `netpath explain
//! --host-facts`. The file format is documented in `docs/host-facts.md`.
//!
//! Three things decide whether a packet that passed every AWS layer gets an
//! answer:
//! - the host firewall (nftables, or iptables and the front ends built on
//!   it: ufw, firewalld): its `input` hook for the request, its `output`
//!   hook for the reply, normalised into [`FirewallChain`]s of
//!   [`FirewallRule`]s;
//! - the listening sockets ([`Listener`]): something must be bound to the
//!   destination address (or the wildcard) on the port;
//! - the host's own addresses ([`HostAddress`]), which name the interface a
//!   packet arrives on.
//!
//! This module is data only: parsing lives in `netpath-host`, evaluation in
//! `netpath-engine`.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The `format` field of a host-facts file.
pub const HOST_FACTS_FORMAT: &str = "netpath-host-facts";
/// The current `version` of the host-facts format.
pub const HOST_FACTS_VERSION: u32 = 1;

/// Everything `netpath host-facts` collected on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    /// Always [`HOST_FACTS_FORMAT`].
    pub format: String,
    /// [`HOST_FACTS_VERSION`].
    pub version: u32,
    /// When the facts were collected, RFC 3339 UTC (e.g. `2026-12-03T07:38:51Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The host name, as `uname -n` gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The EC2 instance id (`i-…`), from IMDSv2 or `--instance-id`; the key
    /// that ties these facts to an instance of the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The host's interface addresses.
    #[serde(default)]
    pub addresses: Vec<HostAddress>,
    /// The listening sockets.
    pub listeners: Listeners,
    /// The host firewall.
    pub firewall: HostFirewall,
    /// What collection could not read, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One address of one interface (`ip -j addr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostAddress {
    /// The interface name, e.g. `eth0`, `ens5`, `lo`.
    pub interface: String,
    /// The address.
    pub address: IpAddr,
    /// The prefix length of the interface's network (0-32 or 0-128).
    pub prefix_len: u8,
}

/// The listening sockets, and whether the list is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listeners {
    /// False when a table could not be read (then "nothing listens" is not
    /// known, and the listener hop is unknown).
    pub complete: bool,
    /// Where they were read, e.g. `/proc/net/tcp, /proc/net/tcp6, /proc/net/udp`.
    #[serde(default)]
    pub source: String,
    /// TCP sockets in state LISTEN, and bound UDP sockets.
    pub sockets: Vec<Listener>,
}

/// The transport protocol of a listener or a firewall match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum L4 {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP (1).
    Icmp,
    /// ICMPv6 (58).
    Icmpv6,
}

impl L4 {
    /// The lowercase name, e.g. `tcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            L4::Tcp => "tcp",
            L4::Udp => "udp",
            L4::Icmp => "icmp",
            L4::Icmpv6 => "icmpv6",
        }
    }
}

/// One socket bound to an address and port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// `tcp` or `udp`.
    pub protocol: L4,
    /// The bound address: `0.0.0.0` or `::` for every address, `127.0.0.1`
    /// or `::1` for loopback only, or one interface address.
    pub address: IpAddr,
    /// The port.
    pub port: u16,
    /// The owning process's name, where it could be read (root sees all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// The owning process id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
}

/// Which tool the firewall was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FirewallSource {
    /// `nft -j list ruleset`.
    Nftables,
    /// `iptables-save` and `ip6tables-save`.
    Iptables,
    /// Neither tool is installed and the kernel has no rules to show: the
    /// host filters nothing.
    None,
    /// The firewall could not be read (no permission, a tool that failed):
    /// the host-firewall hop is unknown.
    Unreadable,
}

/// The host firewall, as the chains each packet meets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFirewall {
    /// What it was read from.
    pub source: FirewallSource,
    /// Why it could not be read, for [`FirewallSource::Unreadable`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every chain: base chains carry a hook and a policy; the others are
    /// reached by `jump` and `goto`.
    #[serde(default)]
    pub chains: Vec<FirewallChain>,
}

/// The netfilter hook a base chain is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hook {
    /// Packets addressed to this host (iptables `INPUT`).
    Input,
    /// Packets this host sends (iptables `OUTPUT`).
    Output,
}

/// Which address families a chain sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 only (`iptables`, nftables `ip`).
    Ip,
    /// IPv6 only (`ip6tables`, nftables `ip6`).
    Ip6,
    /// Both (nftables `inet`).
    Inet,
}

/// One chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallChain {
    /// The family.
    pub family: Family,
    /// The table, e.g. `filter`.
    pub table: String,
    /// The chain, e.g. `INPUT`, `ufw-user-input`, `input`.
    pub name: String,
    /// The hook of a base chain; `None` for a chain reached by jumps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<Hook>,
    /// The base chain's priority (lower runs first; iptables' filter is 0).
    #[serde(default)]
    pub priority: i32,
    /// The base chain's policy (`accept` or `drop`) when no rule decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Action>,
    /// The rules, in evaluation order.
    #[serde(default)]
    pub rules: Vec<FirewallRule>,
}

/// One rule: every match must hold, then the action applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallRule {
    /// The rule as the tool printed it (an `iptables-save` line, or the
    /// nftables rule rebuilt as text), for people.
    pub text: String,
    /// Where it is: `line 12` of `iptables-save`, or `handle 7` in nftables.
    pub origin: String,
    /// The conditions, all of which must hold.
    #[serde(default)]
    pub matches: Vec<Match>,
    /// What happens to a packet that matches.
    pub action: Action,
}

/// A port range, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ports {
    /// First port.
    pub from: u16,
    /// Last port.
    pub to: u16,
}

/// A connection-tracking state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CtState {
    /// The first packet of a connection.
    New,
    /// A packet of a connection that has seen traffic both ways.
    Established,
    /// A new connection related to an existing one, or an ICMP error about one.
    Related,
    /// A packet conntrack could not place.
    Invalid,
    /// A packet exempted from tracking.
    Untracked,
}

/// The type of an address, as the `addrtype` match and nftables `fib … type` see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddrType {
    /// An address of this host.
    Local,
    /// A unicast address.
    Unicast,
    /// A broadcast address.
    Broadcast,
    /// A multicast address.
    Multicast,
    /// An anycast address.
    Anycast,
}

/// One condition of a rule. Each carries `negate` (iptables `!`, nftables `!=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "kebab-case")]
pub enum Match {
    /// The transport protocol.
    Protocol {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// One of these.
        protocols: Vec<L4>,
    },
    /// The source address is in one of these networks.
    Source {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// CIDRs.
        nets: Vec<IpNet>,
    },
    /// The destination address is in one of these networks.
    Destination {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// CIDRs.
        nets: Vec<IpNet>,
    },
    /// The source port is in one of these ranges (TCP or UDP only).
    SourcePort {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// Ranges.
        ports: Vec<Ports>,
    },
    /// The destination port is in one of these ranges (TCP or UDP only).
    DestinationPort {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// Ranges.
        ports: Vec<Ports>,
    },
    /// The interface the packet arrived on (`-i`, `iifname`); a trailing
    /// `+` matches any name with that prefix.
    InInterface {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// The name.
        name: String,
    },
    /// The interface the packet leaves by (`-o`, `oifname`).
    OutInterface {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// The name.
        name: String,
    },
    /// The connection-tracking state is one of these.
    CtState {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// States.
        states: Vec<CtState>,
    },
    /// ICMP (or ICMPv6) type, and code when given.
    IcmpType {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// The type.
        icmp_type: u8,
        /// The code; `None` for every code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<u8>,
    },
    /// A TCP packet with SYN set and ACK, RST, FIN clear (`--syn`): the
    /// first packet of a connection.
    TcpSyn {
        /// `!`.
        #[serde(default)]
        negate: bool,
    },
    /// The destination (or source) address type.
    AddrType {
        /// `!`.
        #[serde(default)]
        negate: bool,
        /// True for `--dst-type`, false for `--src-type`.
        destination: bool,
        /// One of these.
        types: Vec<AddrType>,
    },
    /// A condition netpath does not evaluate (a rate limit, a `recent` list,
    /// a mark, an owner), kept as text: a rule holding one is undecided for
    /// a packet its other matches accept.
    Unsupported {
        /// The condition as written.
        text: String,
    },
}

/// What a rule (or a base chain's policy) does with a packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Accept: ends this chain (later base chains still see the packet).
    Accept,
    /// Drop silently: the sender times out.
    Drop,
    /// Drop and answer: a TCP reset or an ICMP error.
    Reject {
        /// What is sent back.
        with: RejectWith,
    },
    /// Back to the calling chain (or the policy, in a base chain).
    Return,
    /// Evaluate another chain, then continue here if it returns.
    Jump {
        /// The chain, in the same table.
        chain: String,
    },
    /// Evaluate another chain and do not come back.
    Goto {
        /// The chain, in the same table.
        chain: String,
    },
    /// No verdict (`LOG`, `counter`, a mark): go on with the next rule.
    Continue,
    /// A verdict netpath does not evaluate (`QUEUE`, `NFQUEUE`), as text.
    Unsupported {
        /// The target as written.
        text: String,
    },
}

/// The answer a `REJECT` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectWith {
    /// A TCP reset: the client sees "connection refused".
    TcpReset,
    /// ICMP port unreachable (iptables' default): refused.
    IcmpPortUnreachable,
    /// ICMP host unreachable, host or net prohibited, admin prohibited, net
    /// unreachable: the client sees "no route to host".
    IcmpHostUnreachable,
}

impl RejectWith {
    /// The ICMP type and code sent, for an ICMP error (IPv4 numbering); `None` for a reset.
    pub fn icmp(self) -> Option<(u8, u8)> {
        match self {
            RejectWith::TcpReset => None,
            RejectWith::IcmpPortUnreachable => Some((3, 3)),
            RejectWith::IcmpHostUnreachable => Some((3, 13)),
        }
    }
}

impl HostFacts {
    /// Empty facts for `instance_id`: no listeners known, no firewall read.
    pub fn empty(instance_id: Option<String>) -> HostFacts {
        HostFacts {
            format: HOST_FACTS_FORMAT.into(),
            version: HOST_FACTS_VERSION,
            collected_at: None,
            hostname: None,
            instance_id,
            addresses: Vec::new(),
            listeners: Listeners {
                complete: false,
                source: String::new(),
                sockets: Vec::new(),
            },
            firewall: HostFirewall {
                source: FirewallSource::Unreadable,
                error: Some("not collected".into()),
                chains: Vec::new(),
            },
            warnings: Vec::new(),
        }
    }

    /// Reads a host-facts file's text. Errors name `origin` (the file) and
    /// the field, e.g. `facts.json: listeners.sockets[2].port: invalid value`.
    pub fn from_json(origin: &str, text: &str) -> Result<HostFacts, String> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let facts: HostFacts = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            format!("{origin}: {path}: {}", e.inner())
        })?;
        if facts.format != HOST_FACTS_FORMAT {
            return Err(format!(
                "{origin}: format is `{}`, not `{HOST_FACTS_FORMAT}`: write it with `netpath host-facts`",
                facts.format
            ));
        }
        if facts.version != HOST_FACTS_VERSION {
            return Err(format!(
                "{origin}: version {} is not supported (this netpath reads version {HOST_FACTS_VERSION})",
                facts.version
            ));
        }
        Ok(facts)
    }
}
