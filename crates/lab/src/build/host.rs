//! The host itself, as an administrator set it up: listening sockets bound
//! to the wildcard, to loopback or to the ENI's address, and a host
//! firewall (`table ip host`) in the ENI's namespace. The firewall's chains
//! sit at priority 10, after the security groups' (priority 0), because in
//! AWS the group filters outside the instance, before its own firewall sees
//! a packet (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>).
//!
//! `netpath host-facts` then reads the result from inside the namespace
//! (`Lab::collect_host_facts`), as it would on an instance: the lab never
//! tells the engine what it built.

use std::fmt::Write;

/// Where a listener binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind {
    /// `0.0.0.0`: every address.
    Any,
    /// `127.0.0.1` only.
    Loopback,
    /// The ENI's primary private address.
    Interface,
}

/// What the host's firewall does with new TCP connections to a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAction {
    /// `accept`.
    Accept,
    /// `drop`: silence.
    Drop,
    /// `reject with tcp reset`.
    RejectReset,
    /// `reject with icmp type port-unreachable`.
    RejectPortUnreachable,
    /// `reject with icmp type admin-prohibited` ("No route to host").
    RejectProhibited,
}

/// One host's setup.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostSetup {
    /// TCP listeners: where and on which port.
    pub listeners: Vec<(Bind, u16)>,
    /// Input rules on TCP destination ports, in order.
    pub input: Vec<(u16, HostAction)>,
    /// The input chain's policy: drop when true.
    pub input_policy_drop: bool,
    /// Whether the input chain starts with `ct state established,related accept`.
    pub input_allows_established: bool,
    /// The output chain's policy: drop when true (then it needs the
    /// established rule, or replies die).
    pub output_policy_drop: bool,
    /// Whether the output chain accepts `ct state established` (replies).
    pub output_allows_established: bool,
    /// Whether the output chain accepts `ct state related` (the answers a
    /// REJECT sends).
    pub output_allows_related: bool,
    /// A whole `iptables-save` ruleset loaded with `iptables-restore`
    /// instead (a real ufw host, say), besides the rules above.
    pub iptables_restore: Option<String>,
}

impl HostSetup {
    /// True when the host has a firewall to load.
    pub fn has_firewall(&self) -> bool {
        !self.input.is_empty() || self.input_policy_drop || self.output_policy_drop
    }

    /// The nftables script for the host firewall.
    pub fn script(&self) -> String {
        let mut s = String::from("table ip host {\n");
        let policy = |drop: bool| if drop { "drop" } else { "accept" };
        let _ = writeln!(
            s,
            "  chain input {{\n    type filter hook input priority 10; policy {};",
            policy(self.input_policy_drop)
        );
        if self.input_allows_established {
            s.push_str("    ct state established,related accept\n");
        }
        s.push_str("    iifname \"lo\" accept\n");
        for (port, action) in &self.input {
            let verdict = match action {
                HostAction::Accept => "accept",
                HostAction::Drop => "drop",
                HostAction::RejectReset => "reject with tcp reset",
                HostAction::RejectPortUnreachable => "reject with icmp type port-unreachable",
                HostAction::RejectProhibited => "reject with icmp type admin-prohibited",
            };
            let _ = writeln!(s, "    tcp dport {port} {verdict}");
        }
        s.push_str("  }\n");
        let _ = writeln!(
            s,
            "  chain output {{\n    type filter hook output priority 10; policy {};",
            policy(self.output_policy_drop)
        );
        let states: Vec<&str> = [
            (self.output_allows_established, "established"),
            (self.output_allows_related, "related"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, st)| *st)
        .collect();
        if !states.is_empty() {
            let _ = writeln!(s, "    ct state {} accept", states.join(","));
        }
        s.push_str("    oifname \"lo\" accept\n  }\n}\n");
        s
    }
}
