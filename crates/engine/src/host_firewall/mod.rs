//! The host firewall evaluator: netfilter as the host's own `nftables` or
//! `iptables` rules describe it, for one packet.
//!
//! Input: the chains of a [`HostFirewall`] (normalised by `netpath-host`),
//! a [`Hook`] and a [`HostPacket`]. Output: a [`Verdict`] with the rule (or
//! chain policy) that decided, or why it cannot be decided.
//!
//! Semantics, following the netfilter documentation:
//! - every base chain registered at the hook sees the packet, in ascending
//!   priority; `accept` ends one chain only, while `drop` and `reject` are
//!   final (<https://wiki.nftables.org/wiki-nftables/index.php/Configuring_chains>,
//!   "base chain priority");
//! - rules are tried in order, the first whose matches all hold applies its
//!   action; `jump` returns to the next rule when the called chain falls off
//!   its end or says `return`, `goto` does not; a base chain that falls off
//!   its end applies its policy (iptables(8), "TARGETS"; nft(8), "VERDICT
//!   STATEMENT");
//! - `REJECT` drops and answers with a TCP reset or an ICMP error
//!   (iptables-extensions(8), "REJECT"); `DROP` answers nothing.
//!
//! A rule whose matches cannot be decided for this packet (a rate limit, an
//! interface netpath cannot name, a source range that covers only some
//! clients) is followed both ways; when the two ways end differently the
//! answer is [`Verdict::Unknown`], naming the rule. Absence of a readable
//! firewall is never taken for "accept".

use ipnet::IpNet;
use netpath_model::host::{
    Action, AddrType, CtState, Family, FirewallChain, FirewallRule, FirewallSource, Hook,
    HostFirewall, Match, Ports, RejectWith, L4,
};
use netpath_model::PortRange;

use crate::addr::AddrSet;

/// One packet as the host sees it at a hook.
#[derive(Debug, Clone)]
pub(crate) struct HostPacket<'p> {
    /// `tcp`, `udp` or `icmp`.
    pub protocol: L4,
    /// The source address (one address, or a set of possible clients).
    pub saddr: &'p AddrSet,
    /// The destination address.
    pub daddr: &'p AddrSet,
    /// Source ports (the client's ephemeral range for a request).
    pub sport: PortRange,
    /// Destination ports.
    pub dport: PortRange,
    /// ICMP type and code, for ICMP.
    pub icmp: Option<(u8, u8)>,
    /// The connection-tracking state the packet has.
    pub ct: CtState,
    /// A TCP SYN without ACK (the first packet of a connection).
    pub syn: bool,
    /// The interface it arrives on (input hook), when known.
    pub iif: Option<&'p str>,
    /// The interface it leaves by (output hook), when known.
    pub oif: Option<&'p str>,
    /// The hook: input (the host is the destination) or output (the source).
    pub hook: Hook,
}

/// What the firewall does with the packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Every base chain accepts it.
    Accept,
    /// Dropped silently by `by`.
    Drop { by: String },
    /// Rejected by `by`, with a reset or an ICMP error.
    Reject { by: String, with: RejectWith },
    /// Cannot be decided: `why`.
    Unknown { why: String },
}

/// What evaluation decided, with what decided it: `by` for accept is the
/// last rule or policy that accepted (for the hop's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Judged {
    pub verdict: Verdict,
    /// The rule or policy that accepted, for [`Verdict::Accept`].
    pub accepted_by: Vec<String>,
}

/// Three-valued match result.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe(String),
}

impl Tri {
    fn negate(self, negate: bool) -> Tri {
        match (self, negate) {
            (Tri::Yes, true) => Tri::No,
            (Tri::No, true) => Tri::Yes,
            (t, _) => t,
        }
    }
}

/// How a chain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    /// Fell off the end, or `return`.
    Fallthrough,
    Accept(String),
    Drop(String),
    Reject(String, RejectWith),
    Unknown(String),
}

/// Evaluation state: the firewall and a budget against loops and blow-up.
struct Eval<'f> {
    fw: &'f [FirewallChain],
    budget: u32,
}

/// Where a rule is, for people: `filter INPUT line 12: -A INPUT … -j DROP`.
fn rule_label(chain: &FirewallChain, r: &FirewallRule) -> String {
    format!("{} {} {}: {}", chain.table, chain.name, r.origin, r.text)
}

fn ports_in(set: &[Ports], range: PortRange) -> Tri {
    let (lo, hi) = (range.from, range.to);
    if set.iter().any(|p| p.from <= lo && hi <= p.to) {
        return Tri::Yes;
    }
    if set.iter().all(|p| p.to < lo || p.from > hi) {
        return Tri::No;
    }
    Tri::Maybe(format!("ports {lo}-{hi} are matched only in part"))
}

fn addr_in(nets: &[IpNet], addr: &AddrSet) -> Tri {
    // A match of the other family never matches (`AddrSet::within`).
    if nets.iter().any(|n| addr.within(n)) {
        return Tri::Yes;
    }
    if !nets.iter().any(|n| addr.overlaps(n)) {
        return Tri::No;
    }
    Tri::Maybe(format!("{addr} is matched only in part"))
}

fn iface(name: &str, actual: Option<&str>) -> Tri {
    // The packets netpath asks about come from or go to another host:
    // never over loopback, whichever interface carries them.
    if actual.is_none() && name == "lo" {
        return Tri::No;
    }
    let Some(actual) = actual else {
        return Tri::Maybe(format!(
            "the interface `{name}` (the host facts do not say which interface holds the address)"
        ));
    };
    let hit = match name.strip_suffix('+') {
        Some(prefix) => actual.starts_with(prefix),
        None => actual == name,
    };
    if hit {
        Tri::Yes
    } else {
        Tri::No
    }
}

impl<'f> Eval<'f> {
    fn chain(&self, table: &str, family: Family, name: &str) -> Option<&'f FirewallChain> {
        self.fw
            .iter()
            .find(|c| c.table == table && c.family == family && c.name == name)
    }

    fn matches(m: &Match, p: &HostPacket) -> Tri {
        match m {
            Match::Protocol { negate, protocols } => {
                let t = if protocols.contains(&p.protocol) {
                    Tri::Yes
                } else {
                    Tri::No
                };
                t.negate(*negate)
            }
            Match::Source { negate, nets } => addr_in(nets, p.saddr).negate(*negate),
            Match::Destination { negate, nets } => addr_in(nets, p.daddr).negate(*negate),
            Match::SourcePort { negate, ports } | Match::DestinationPort { negate, ports } => {
                if !matches!(p.protocol, L4::Tcp | L4::Udp) {
                    // A port match implies TCP or UDP (iptables needs `-p`).
                    return Tri::No;
                }
                let range = if matches!(m, Match::SourcePort { .. }) {
                    p.sport
                } else {
                    p.dport
                };
                ports_in(ports, range).negate(*negate)
            }
            Match::InInterface { negate, name } => iface(name, p.iif).negate(*negate),
            Match::OutInterface { negate, name } => iface(name, p.oif).negate(*negate),
            Match::CtState { negate, states } => {
                let t = if states.contains(&p.ct) {
                    Tri::Yes
                } else {
                    Tri::No
                };
                t.negate(*negate)
            }
            Match::IcmpType {
                negate,
                icmp_type,
                code,
            } => {
                let t = match p.icmp {
                    Some((ty, c)) if ty == *icmp_type && code.is_none_or(|x| x == c) => Tri::Yes,
                    _ => Tri::No,
                };
                t.negate(*negate)
            }
            Match::TcpSyn { negate } => {
                let t = if p.protocol == L4::Tcp && p.syn {
                    Tri::Yes
                } else {
                    Tri::No
                };
                t.negate(*negate)
            }
            Match::AddrType {
                negate,
                destination,
                types,
            } => {
                // The packets netpath asks about are unicast; the host's own
                // address is LOCAL at the input hook's destination and the
                // output hook's source.
                let local = *destination == (p.hook == Hook::Input);
                let t = if types.contains(&AddrType::Unicast)
                    || (local && types.contains(&AddrType::Local))
                {
                    Tri::Yes
                } else {
                    Tri::No
                };
                t.negate(*negate)
            }
            Match::Unsupported { text } => {
                Tri::Maybe(format!("`{text}`, which netpath does not evaluate"))
            }
        }
    }

    /// Runs `chain` from rule `from`.
    fn run(&mut self, chain: &'f FirewallChain, from: usize, p: &HostPacket, depth: u32) -> End {
        if depth > 64 {
            return End::Unknown(format!("chain {} nests too deep (a loop?)", chain.name));
        }
        for i in from..chain.rules.len() {
            if self.budget == 0 {
                return End::Unknown("too many undecided rules to follow every way".into());
            }
            self.budget -= 1;
            let r = &chain.rules[i];
            let mut maybe: Option<String> = None;
            let mut hit = true;
            for m in &r.matches {
                match Self::matches(m, p) {
                    Tri::Yes => {}
                    Tri::No => {
                        hit = false;
                        break;
                    }
                    Tri::Maybe(why) => maybe = maybe.or(Some(why)),
                }
            }
            if !hit {
                continue;
            }
            let taken = self.act(chain, r, i, p, depth);
            match maybe {
                None => match taken {
                    Some(end) => return end,
                    None => continue,
                },
                Some(why) => {
                    // Follow both ways: the rule applies, or it does not.
                    let not_taken = self.run(chain, i + 1, p, depth);
                    let taken = taken.unwrap_or_else(|| self.run(chain, i + 1, p, depth));
                    return if same_end(&taken, &not_taken) {
                        taken
                    } else {
                        End::Unknown(format!("{} depends on {why}", rule_label(chain, r)))
                    };
                }
            }
        }
        End::Fallthrough
    }

    /// The action of rule `i`: `Some(end)` when it ends this chain, `None`
    /// when evaluation goes on with the next rule.
    fn act(
        &mut self,
        chain: &'f FirewallChain,
        r: &FirewallRule,
        i: usize,
        p: &HostPacket,
        depth: u32,
    ) -> Option<End> {
        let label = rule_label(chain, r);
        match &r.action {
            Action::Accept => Some(End::Accept(label)),
            Action::Drop => Some(End::Drop(label)),
            Action::Reject { with } => Some(End::Reject(label, *with)),
            Action::Return => Some(End::Fallthrough),
            Action::Continue => None,
            Action::Unsupported { text } => Some(End::Unknown(format!(
                "{label}: target `{text}`, which netpath does not evaluate"
            ))),
            Action::Jump { chain: target } | Action::Goto { chain: target } => {
                let Some(t) = self.chain(&chain.table, chain.family, target) else {
                    return Some(End::Unknown(format!(
                        "{label}: chain {target} is not in the host facts"
                    )));
                };
                match self.run(t, 0, p, depth + 1) {
                    End::Fallthrough if matches!(r.action, Action::Jump { .. }) => {
                        // Back in the caller: the next rule.
                        Some(self.run(chain, i + 1, p, depth))
                    }
                    end => Some(end),
                }
            }
        }
    }
}

fn same_end(a: &End, b: &End) -> bool {
    match (a, b) {
        (End::Accept(_), End::Accept(_)) | (End::Drop(_), End::Drop(_)) => true,
        (End::Reject(_, x), End::Reject(_, y)) => x == y,
        (End::Fallthrough, End::Fallthrough) => true,
        _ => false,
    }
}

/// True when a chain of `family` sees a packet of `addr`'s family.
fn sees(family: Family, v4: bool) -> bool {
    match family {
        Family::Inet => true,
        Family::Ip => v4,
        Family::Ip6 => !v4,
    }
}

/// Evaluates `fw` for `p`: every base chain at `p.hook`, in ascending
/// priority (chains of equal priority in file order).
pub(crate) fn evaluate(fw: &HostFirewall, p: &HostPacket) -> Judged {
    match fw.source {
        FirewallSource::Unreadable => {
            return Judged {
                verdict: Verdict::Unknown {
                    why: format!(
                        "the host firewall could not be read ({})",
                        fw.error.as_deref().unwrap_or("no reason given")
                    ),
                },
                accepted_by: Vec::new(),
            }
        }
        FirewallSource::None => {
            return Judged {
                verdict: Verdict::Accept,
                accepted_by: vec![
                    "no firewall rules (neither nft nor iptables is installed)".into()
                ],
            }
        }
        FirewallSource::Nftables | FirewallSource::Iptables => {}
    }
    // netpath's flows are IPv4 so far.
    let v4 = !p.daddr.is_v6();
    let mut bases: Vec<&FirewallChain> = fw
        .chains
        .iter()
        .filter(|c| c.hook == Some(p.hook) && sees(c.family, v4))
        .collect();
    bases.sort_by_key(|c| c.priority);
    let mut ev = Eval {
        fw: &fw.chains,
        budget: 100_000,
    };
    let mut accepted_by = Vec::new();
    for c in bases {
        let end = match ev.run(c, 0, p, 0) {
            End::Fallthrough => match &c.policy {
                Some(Action::Drop) => End::Drop(format!("{} {}: policy drop", c.table, c.name)),
                _ => End::Accept(format!("{} {}: policy accept", c.table, c.name)),
            },
            e => e,
        };
        match end {
            End::Accept(by) => accepted_by.push(by),
            End::Drop(by) => {
                return Judged {
                    verdict: Verdict::Drop { by },
                    accepted_by,
                }
            }
            End::Reject(by, with) => {
                return Judged {
                    verdict: Verdict::Reject { by, with },
                    accepted_by,
                }
            }
            End::Unknown(why) => {
                return Judged {
                    verdict: Verdict::Unknown { why },
                    accepted_by,
                }
            }
            End::Fallthrough => unreachable!("mapped to the policy above"),
        }
    }
    if accepted_by.is_empty() {
        accepted_by.push(format!("no {} chain filters it", hook_name(p.hook)));
    }
    Judged {
        verdict: Verdict::Accept,
        accepted_by,
    }
}

/// `input` or `output`.
pub(crate) fn hook_name(h: Hook) -> &'static str {
    match h {
        Hook::Input => "input",
        Hook::Output => "output",
    }
}

#[cfg(test)]
mod tests;
