//! The last hop: the host itself, from host facts (`netpath host-facts`).
//!
//! When facts are given for an instance at either end, the walk goes past
//! its ENI:
//! - the destination's firewall `input` hook for the request (a new
//!   connection), then its listener: something must be bound to the
//!   destination address, or to the wildcard `0.0.0.0`/`::`, on the port.
//!   A socket bound to `127.0.0.1` only receives loopback traffic
//!   (ip(7), "INADDR_LOOPBACK"; `bind(2)`); a TCP segment for a port with
//!   no socket is answered with a reset (RFC 9293 §3.10.7.1), a UDP
//!   datagram with ICMP port unreachable (RFC 1122 §4.1.3.1);
//! - the destination's `output` hook for the reply (an established
//!   connection), on the way back;
//! - the source's `output` hook for the request and its `input` hook for
//!   the reply.
//!
//! A firewall `DROP` is a timeout; a `REJECT` answers. A reset travels the
//! return path like any reply, so the existing return-path hops say
//! whether it gets back. An ICMP error is its own packet: network ACLs are
//! stateless and must let ICMP type 3 through on the way back
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>),
//! while security groups track it as part of the connection it answers
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html>).
//! This hop checks that way back itself and records what the client sees
//! in [`crate::answer::Hop::symptom`].
//!
//! Without facts for an instance nothing here runs, and the answer says
//! once that the host was not checked.

use netpath_model::host::{CtState, Hook, HostFacts, Listener, RejectWith, L4};
use netpath_model::{Direction, IcmpMessage, Instance, IpProtocol, PortRange};

use super::return_path::{HostReply, Step};
use super::{hop, Walker};
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, HopKind, Matched, PathLeg, Symptom};
use crate::host_firewall::{self, HostPacket, Verdict};
use crate::network_acl;

/// The protocol as host facts name it; `None` for protocols netpath does
/// not walk on hosts.
fn l4(p: IpProtocol) -> Option<L4> {
    match p {
        IpProtocol::Tcp => Some(L4::Tcp),
        IpProtocol::Udp => Some(L4::Udp),
        IpProtocol::Icmp => Some(L4::Icmp),
        _ => None,
    }
}

/// The interface holding `addr` on the host, from its facts.
fn interface_of<'f>(facts: &'f HostFacts, addr: &AddrSet) -> Option<&'f str> {
    let ip = addr.as_single()?;
    facts
        .addresses
        .iter()
        .find(|a| a.address == ip)
        .map(|a| a.interface.as_str())
}

impl<'a> Walker<'_, 'a> {
    /// The facts given for instance `id`, if any.
    fn facts_of(&self, id: &str) -> Option<&'_ HostFacts> {
        self.hosts
            .iter()
            .find(|f| f.instance_id.as_deref() == Some(id))
    }

    /// `i-… (Name)` for people, the id alone when the instance has no Name.
    fn host_name(&self, id: &str) -> String {
        match self.topo.instance(id).and_then(|i| i.tags.get("Name")) {
            Some(n) => format!("{id} ({n})"),
            None => id.to_string(),
        }
    }

    /// A packet of this flow, in its request or reply form.
    #[allow(clippy::too_many_arguments)]
    fn host_packet<'p>(
        &self,
        facts: &'p HostFacts,
        hook: Hook,
        reply: bool,
        local: &'p AddrSet,
        saddr: &'p AddrSet,
        daddr: &'p AddrSet,
    ) -> Option<HostPacket<'p>> {
        let protocol = l4(self.flow.protocol)?;
        let port = PortRange::new(self.flow.port, self.flow.port);
        let (sport, dport) = if reply {
            (port, self.flow.ephemeral)
        } else {
            (self.flow.ephemeral, port)
        };
        let icmp = (protocol == L4::Icmp).then(|| {
            let key = if reply {
                self.flow.ephemeral.from
            } else {
                self.flow.port
            };
            let m = IcmpMessage::from_key(key);
            (m.icmp_type, m.code)
        });
        let ifname = interface_of(facts, local);
        Some(HostPacket {
            protocol,
            saddr,
            daddr,
            sport,
            dport,
            icmp,
            ct: if reply {
                CtState::Established
            } else {
                CtState::New
            },
            syn: protocol == L4::Tcp && !reply,
            iif: if hook == Hook::Input { ifname } else { None },
            oif: if hook == Hook::Output { ifname } else { None },
            hook,
        })
    }

    /// Pushes the host-firewall hop for `pkt` on `inst`'s facts. Output: the
    /// verdict, for the caller's next step.
    fn firewall_hop(
        &mut self,
        path: PathLeg,
        inst: &str,
        facts: &HostFacts,
        pkt: &HostPacket,
    ) -> Verdict {
        let name = self.host_name(inst);
        let judged = host_firewall::evaluate(&facts.firewall, pkt);
        let what = if pkt.hook == Hook::Input {
            "input"
        } else {
            "output"
        };
        let (decision, text, detail) = match &judged.verdict {
            Verdict::Accept => (
                Decision::Allow,
                judged.accepted_by.join("; "),
                format!(
                    "{name}'s firewall ({}) {what} accepts it: {}",
                    source_name(facts),
                    judged.accepted_by.join("; ")
                ),
            ),
            Verdict::Drop { by } => (
                Decision::Deny,
                by.clone(),
                format!("{name}'s firewall {what} drops it silently: {by}"),
            ),
            Verdict::Reject { by, with } => (
                Decision::Deny,
                by.clone(),
                format!(
                    "{name}'s firewall {what} rejects it ({}): {by}",
                    reject_name(*with)
                ),
            ),
            Verdict::Unknown { why } => (
                Decision::Unknown,
                String::new(),
                format!("{name}'s firewall {what} cannot be decided: {why}"),
            ),
        };
        let mut h = hop(path, HopKind::HostFirewall, inst, decision, detail);
        h.direction = Some(if pkt.hook == Hook::Input {
            Direction::Ingress
        } else {
            Direction::Egress
        });
        if !text.is_empty() {
            h.matched = Some(Matched {
                text,
                ..Matched::default()
            });
        }
        if let Verdict::Unknown { why } = &judged.verdict {
            h.missing.push(format!("{name}'s host firewall: {why}"));
        }
        let code = match judged.verdict {
            Verdict::Reject { with, .. } => {
                h.symptom = Some(match (pkt.hook, path) {
                    // The destination answers: the answer must get back.
                    (Hook::Input, PathLeg::Forward) => {
                        self.answers.push((self.hops.len(), with.icmp()));
                        self.answer_back(facts, pkt.daddr, pkt.saddr, with)
                    }
                    // The client's own firewall answers its own socket.
                    (Hook::Output, PathLeg::Forward) => base_symptom(with),
                    // A rejected reply answers the server, not the client.
                    _ => Symptom::Timeout,
                });
                ExplanationCode::NetpathHostFirewallReject
            }
            _ => ExplanationCode::NetpathHostFirewallDrop,
        };
        self.push(h, code);
        judged.verdict
    }

    /// What the client sees of the answer a destination host sends when it
    /// refuses (`with`): a TCP reset or an ICMP error, from `local` back to
    /// `peer`. The answer is a packet like any other:
    /// - it leaves through the host's output hook as conntrack state
    ///   `related` (the kernel marks a firewall's REJECT answers so; the lab
    ///   shows a dropping output policy without a `related` rule silences
    ///   them);
    /// - it crosses every boundary the request crossed, the other way: a
    ///   reset on the client's ephemeral ports, an ICMP error as ICMP type 3,
    ///   which stateless NACLs must allow
    ///   (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>);
    /// - a client with host facts receives it through its input hook, as
    ///   `related`.
    ///
    /// Any drop turns the answer into silence (timeout); a drop on part of
    /// the ephemeral range makes it intermittent.
    fn answer_back(
        &self,
        facts: &HostFacts,
        local: &AddrSet,
        peer: &AddrSet,
        with: RejectWith,
    ) -> Symptom {
        let base = base_symptom(with);
        let port = PortRange::new(self.flow.port, self.flow.port);
        let (protocol, icmp) = match with.icmp() {
            Some(tc) => (L4::Icmp, Some(tc)),
            None => (L4::Tcp, None),
        };
        let answer = |hook: Hook, saddr: &'_ AddrSet, daddr: &'_ AddrSet, f: &HostFacts| {
            let pkt = HostPacket {
                protocol,
                saddr,
                daddr,
                sport: port,
                dport: self.flow.ephemeral,
                icmp,
                ct: CtState::Related,
                syn: false,
                iif: if hook == Hook::Input {
                    interface_of(f, daddr)
                } else {
                    None
                },
                oif: if hook == Hook::Output {
                    interface_of(f, saddr)
                } else {
                    None
                },
                hook,
            };
            host_firewall::evaluate(&f.firewall, &pkt).verdict
        };
        let mut worst = base;
        match answer(Hook::Output, local, peer, facts) {
            Verdict::Accept => {}
            Verdict::Unknown { .. } => worst = Symptom::Unknown,
            _ => return Symptom::Timeout,
        }
        let icmp_key = icmp.map(|(t, c)| {
            IcmpMessage {
                icmp_type: t,
                code: c,
            }
            .key()
        });
        for step in self.steps.iter().rev() {
            let (subnet_id, direction, boundary_peer, reply_ports) = match step {
                Step::Boundary {
                    subnet_id,
                    direction,
                    peer,
                    reply_ports,
                } => (subnet_id, direction, peer, reply_ports),
                Step::Host(r) if r.hook == Hook::Input => {
                    // The client's own firewall receives the answer.
                    if let Some(cf) = self.facts_of(&r.instance_id) {
                        match answer(Hook::Input, &r.remote, &r.local, cf) {
                            Verdict::Accept => {}
                            Verdict::Unknown { .. } => worst = Symptom::Unknown,
                            _ => return Symptom::Timeout,
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(subnet) = self.topo.subnet(subnet_id) else {
                return Symptom::Unknown;
            };
            let Ok(acl) = network_acl::network_acl_for_subnet(self.topo, subnet) else {
                return Symptom::Unknown;
            };
            let back = match direction {
                Direction::Ingress => Direction::Egress,
                Direction::Egress => Direction::Ingress,
            };
            let (proto, ports) = match icmp_key {
                Some(k) => (IpProtocol::Icmp, PortRange::new(k, k)),
                None => (IpProtocol::Tcp, *reply_ports),
            };
            let (eval, _) = network_acl::judge(
                acl,
                back,
                boundary_peer,
                proto,
                ports,
                PathLeg::Return,
                false,
            );
            match eval.decision {
                Decision::Deny => return Symptom::Timeout,
                Decision::Partial if worst == base => worst = Symptom::Intermittent,
                Decision::Unknown if worst == base => worst = Symptom::Unknown,
                _ => {}
            }
        }
        worst
    }

    /// The client's own firewall on the request, before it leaves the host.
    pub(super) fn host_request_out(
        &mut self,
        inst: Option<&Instance>,
        local: &AddrSet,
        daddr: &AddrSet,
    ) {
        let Some(inst) = inst else { return };
        let Some(facts) = self.facts_of(&inst.instance_id) else {
            return;
        };
        let facts = facts.clone();
        let Some(pkt) = self.host_packet(&facts, Hook::Output, false, local, local, daddr) else {
            return;
        };
        self.firewall_hop(PathLeg::Forward, &inst.instance_id, &facts, &pkt);
        if self.flow.expects_reply {
            self.steps.push(Step::Host(HostReply {
                instance_id: inst.instance_id.to_string(),
                hook: Hook::Input,
                local: local.clone(),
                remote: daddr.clone(),
            }));
        }
    }

    /// The destination host: its firewall's input hook, then its listener.
    /// `peer` is the client's address as the host sees it.
    pub(super) fn host_arrival(&mut self, inst: &Instance, local: &AddrSet, peer: &AddrSet) {
        let Some(facts) = self.facts_of(&inst.instance_id) else {
            return;
        };
        let facts = facts.clone();
        let id = inst.instance_id.as_str();
        if let Some(pkt) = self.host_packet(&facts, Hook::Input, false, local, peer, local) {
            self.firewall_hop(PathLeg::Forward, id, &facts, &pkt);
        }
        if self.flow.protocol.has_ports() {
            self.listener_hop(id, &facts, local, peer);
        }
        if self.flow.expects_reply {
            self.steps.push(Step::Host(HostReply {
                instance_id: id.to_string(),
                hook: Hook::Output,
                local: local.clone(),
                remote: peer.clone(),
            }));
        }
    }

    /// The reply passes a host's firewall (replayed by the return path).
    pub(super) fn host_reply(&mut self, r: &HostReply) {
        let Some(facts) = self.facts_of(&r.instance_id).cloned() else {
            return;
        };
        let (saddr, daddr) = match r.hook {
            Hook::Output => (&r.local, &r.remote),
            Hook::Input => (&r.remote, &r.local),
        };
        if let Some(pkt) = self.host_packet(&facts, r.hook, true, &r.local, saddr, daddr) {
            self.firewall_hop(PathLeg::Return, &r.instance_id, &facts, &pkt);
        }
    }

    /// Is something listening on the flow's port at `local`?
    fn listener_hop(&mut self, inst: &str, facts: &HostFacts, local: &AddrSet, peer: &AddrSet) {
        let name = self.host_name(inst);
        let proto = l4(self.flow.protocol).unwrap_or(L4::Tcp);
        let port = self.flow.port;
        let pname = proto.as_str();
        if !facts.listeners.complete {
            let mut h = hop(
                PathLeg::Forward,
                HopKind::Listener,
                inst,
                Decision::Unknown,
                format!("whether anything listens on {pname} {port} on {name} is unknown: its socket tables were not all read"),
            );
            h.missing
                .push(format!("{name}'s listening sockets (not all read)"));
            return self.hops.push(h);
        }
        let ip = local.as_single();
        let on_port: Vec<&Listener> = facts
            .listeners
            .sockets
            .iter()
            .filter(|l| l.protocol == proto && l.port == port)
            .collect();
        let who = |l: &Listener| {
            l.process
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        };
        // "postgres on i-… (pg-server)", or the host alone.
        let subject = |l: &Listener| match l.process.as_deref() {
            Some(p) => format!("{p} on {name}"),
            None => name.clone(),
        };
        let serving = on_port
            .iter()
            .find(|l| l.address.is_unspecified() || Some(l.address) == ip);
        if let Some(l) = serving {
            let h = hop(
                PathLeg::Forward,
                HopKind::Listener,
                inst,
                Decision::Allow,
                format!("{} listens on {pname} {}:{port}", subject(l), l.address),
            );
            let mut h = h;
            h.matched = Some(Matched {
                text: format!("{pname} {}:{port}{}", l.address, who(l)),
                ..Matched::default()
            });
            return self.hops.push(h);
        }
        let detail = if let Some(l) = on_port.iter().find(|l| l.address.is_loopback()) {
            format!(
                "{} listens on {pname} {}:{port} only, so traffic to {local} is refused: bind to 0.0.0.0 or the interface address (for PostgreSQL: `listen_addresses`, then a restart)",
                subject(l),
                l.address
            )
        } else if let Some(l) = on_port.first() {
            format!(
                "{} listens on {pname} {}:{port}, not on {local}, so the connection is refused: bind to 0.0.0.0 or {local}",
                subject(l),
                l.address
            )
        } else {
            let mut others: Vec<String> = facts
                .listeners
                .sockets
                .iter()
                .filter(|l| l.protocol == proto && !l.address.is_loopback())
                .map(|l| format!("{}{}", l.port, who(l)))
                .collect();
            others.dedup();
            others.truncate(8);
            let instead = if others.is_empty() {
                String::new()
            } else {
                format!(" (it listens on {pname} {} instead)", others.join(", "))
            };
            format!(
                "nothing listens on {pname} {port} on {name}, so the connection is refused: the process is not running, or listens on another port{instead}"
            )
        };
        let mut h = hop(
            PathLeg::Forward,
            HopKind::Listener,
            inst,
            Decision::Deny,
            detail,
        );
        if proto == L4::Udp {
            // A closed UDP port answers ICMP port unreachable (RFC 1122
            // §4.1.3.1), which must get back through the NACLs.
            self.answers
                .push((self.hops.len(), RejectWith::IcmpPortUnreachable.icmp()));
            h.symptom = Some(self.answer_back(facts, local, peer, RejectWith::IcmpPortUnreachable));
        }
        self.push(h, ExplanationCode::NetpathNoListener);
    }
}

impl Walker<'_, '_> {
    /// A host's answer (a reset or an ICMP error) takes the reply's way
    /// back, part of which is known only once the return path is walked:
    /// its routes and transit gateways (a drop there drops the answer too)
    /// and the network ACLs of the attachment subnets it crosses. A reset
    /// is judged as the reply was (the same ports); an ICMP error again as
    /// ICMP type 3, which stateless ACLs must allow
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
    /// A drop silences the answer: the client times out.
    pub(super) fn answers_on_the_way_back(&mut self) {
        let answers = std::mem::take(&mut self.answers);
        for (i, icmp) in answers {
            let Some(Symptom::Refused | Symptom::Unreachable | Symptom::Intermittent) =
                self.hops.get(i).and_then(|h| h.symptom)
            else {
                continue;
            };
            let silenced = self.hops[i + 1..]
                .iter()
                .filter(|h| h.path == PathLeg::Return)
                .any(|h| match (h.kind, icmp) {
                    (HopKind::NetworkAcl, Some((t, c))) => self.icmp_denied(h, t, c),
                    (HopKind::NetworkAcl, None) => h.decision == Decision::Deny,
                    (HopKind::HostFirewall | HopKind::Listener, _) => false,
                    _ => h.decision == Decision::Deny,
                });
            if silenced {
                self.hops[i].symptom = Some(Symptom::Timeout);
            }
        }
    }

    /// True when the network ACL of return hop `h` denies ICMP type `t`
    /// code `c` toward its peer.
    fn icmp_denied(&self, h: &crate::answer::Hop, t: u8, c: u8) -> bool {
        let (Some(acl), Some(direction), Some(peer)) = (
            self.topo.network_acl(&h.component),
            h.direction,
            h.peer
                .as_deref()
                .and_then(|p| p.parse::<ipnet::IpNet>().ok()),
        ) else {
            return false;
        };
        let key = IcmpMessage {
            icmp_type: t,
            code: c,
        }
        .key();
        let peer = match peer {
            ipnet::IpNet::V4(n) => AddrSet::one_of(&[n]),
            ipnet::IpNet::V6(n) if n.prefix_len() == 128 => AddrSet::single(n.addr()),
            ipnet::IpNet::V6(_) => return false,
        };
        let (eval, _) = network_acl::judge(
            acl,
            direction,
            &peer,
            IpProtocol::Icmp,
            PortRange::new(key, key),
            PathLeg::Return,
            false,
        );
        eval.decision == Decision::Deny
    }
}

/// What the client sees of a host's answer when nothing drops it.
fn base_symptom(with: RejectWith) -> Symptom {
    match with {
        RejectWith::IcmpHostUnreachable => Symptom::Unreachable,
        RejectWith::TcpReset | RejectWith::IcmpPortUnreachable => Symptom::Refused,
    }
}

fn source_name(f: &HostFacts) -> &'static str {
    match f.firewall.source {
        netpath_model::host::FirewallSource::Nftables => "nftables",
        netpath_model::host::FirewallSource::Iptables => "iptables",
        netpath_model::host::FirewallSource::None => "none installed",
        netpath_model::host::FirewallSource::Unreadable => "unreadable",
    }
}

fn reject_name(w: RejectWith) -> &'static str {
    match w {
        RejectWith::TcpReset => "with a TCP reset: the client sees connection refused",
        RejectWith::IcmpPortUnreachable => {
            "with ICMP port unreachable: the client sees connection refused"
        }
        RejectWith::IcmpHostUnreachable => {
            "with ICMP host unreachable or prohibited: the client sees no route to host"
        }
    }
}
