//! `netpath flowlogs`: from VPC Flow Logs records to the rule that dropped
//! each REJECT, grouped by cause, and the records the snapshot contradicts.
//!
//! Input: records one at a time ([`FlowLogAnalysis::add`]), already parsed
//! by [`netpath_model::flow_log`]; the engine reads no file. Output: a
//! [`FlowLogReport`] (`docs/flowlogs-json.md`).
//!
//! For each record: the interface it was written at, the direction
//! (`flow-direction`, else whether the interface holds the destination),
//! and whether it is a connection's request or its reply (TCP flags, else
//! an earlier ACCEPT of the reverse flow, else the ports). Records of one
//! flow class (interface, leg, direction, peer address, protocol, service
//! port, and for replies the network-ACL port piece of the client's port)
//! share one `explain`; the security-group and network-ACL hops at the
//! interface then decide. A REJECT there names the hop and rule; an ACCEPT
//! netpath would drop, or a REJECT it would pass, is a disagreement.
//! AWS documents an ACCEPT of a request followed by a REJECT of its reply
//! as a stateless network ACL dropping the return traffic:
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html>.

mod attribute;
mod cause;
mod report;

use std::collections::HashMap;
use std::net::IpAddr;

use rustc_hash::{FxHashMap, FxHashSet};

use netpath_model::flow_log::{FlowDirection, FlowLogAction, FlowLogRecord, LogStatus};
use netpath_model::Direction;

pub use report::{
    Cause, CauseBlocking, CauseFix, Disagreement, FlowLogReport, FlowTuple, Leg, RecordCounts,
    Talker, Unattributed, Undecided,
};

use crate::explain::ExplainOptions;
use crate::topology::Topology;
use attribute::{at_interface, AtInterface, Key, Placed};

/// What `flowlogs` is asked besides the records.
#[derive(Debug, Clone, Default)]
pub struct FlowLogOptions {
    /// Only records of this interface (`--interface eni-…`).
    pub interface: Option<String>,
    /// Only records whose window ends at or after this time (epoch seconds).
    pub since: Option<u64>,
    /// Only records whose window starts at or before this time (epoch seconds).
    pub until: Option<u64>,
    /// Top talkers per cause (`--top`, default 5).
    pub top: usize,
    /// The `explain` options each walk starts from (client OS, host facts).
    pub explain: ExplainOptions,
}

/// Distinct flows kept per cause.
const MAX_FLOWS: usize = 20;
/// Source and destination pairs counted per cause; later pairs are not
/// ranked.
const MAX_TALKERS: usize = 10_000;
/// Accepted requests remembered to recognise their replies.
const MAX_SEEN: usize = 1_000_000;
/// Distinct disagreeing flow classes listed.
const MAX_DISAGREEMENTS: usize = 1_000;
/// Distinct reasons for undecided records listed; later ones are counted
/// under one "other reasons" entry.
const MAX_REASONS: usize = 100;

struct CauseAcc {
    cause: Cause,
    talkers: HashMap<(IpAddr, IpAddr), u64>,
}

/// Why a record disagrees, resolved to a sentence only for the first
/// record of its class.
#[derive(Clone, Copy)]
enum Why {
    /// netpath passes what the traffic rejected.
    Allowed,
    /// netpath drops it: `details[i]`.
    Detail(usize),
    /// netpath says it never gets here: `never[i]`.
    Never(usize),
}

/// What the cache holds per flow class.
#[derive(Clone, Copy)]
enum Outcome {
    Allowed,
    /// The cause, and this flow class's own sentence (in `details`).
    Cause(usize, usize),
    NeverArrives(usize),
    Unknown(usize),
}

/// The streaming analysis: feed records with [`add`](Self::add), then call
/// [`finish`](Self::finish).
pub struct FlowLogAnalysis<'t, 'a> {
    topo: &'t Topology<'a>,
    opts: FlowLogOptions,
    /// The network-ACL port boundaries of the whole snapshot, ascending: a
    /// client port's piece is the number of boundaries at or below it.
    cuts: Vec<u32>,
    enis: FxHashMap<&'a str, &'a netpath_model::NetworkInterface>,
    cache: FxHashMap<Key<'a>, Outcome>,
    seen: FxHashSet<(IpAddr, IpAddr, u16, u16, u8)>,
    counts: RecordCounts,
    causes: Vec<CauseAcc>,
    cause_index: HashMap<String, usize>,
    never: Vec<String>,
    details: Vec<String>,
    unknown: Vec<Undecided>,
    unknown_index: HashMap<String, usize>,
    disagreements: Vec<Disagreement>,
    disagreement_index: FxHashMap<(Key<'a>, bool), usize>,
    unattributed: HashMap<String, Unattributed>,
    warnings: Vec<String>,
}

impl<'t, 'a> FlowLogAnalysis<'t, 'a> {
    /// A new analysis over `topo`.
    pub fn new(topo: &'t Topology<'a>, opts: FlowLogOptions) -> Self {
        let mut cuts: Vec<u32> = topo
            .snapshot
            .network_acls
            .iter()
            .flatten()
            .flat_map(|a| &a.entries)
            .filter_map(|e| e.port_range)
            .flat_map(|r| [u32::from(r.from), u32::from(r.to) + 1])
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        FlowLogAnalysis {
            topo,
            opts,
            cuts,
            enis: topo
                .snapshot
                .network_interfaces
                .iter()
                .flatten()
                .map(|e| (e.network_interface_id.as_str(), e))
                .collect(),
            cache: FxHashMap::default(),
            seen: FxHashSet::default(),
            counts: RecordCounts::default(),
            causes: Vec::new(),
            cause_index: HashMap::new(),
            never: Vec::new(),
            details: Vec::new(),
            unknown: Vec::new(),
            unknown_index: HashMap::new(),
            disagreements: Vec::new(),
            disagreement_index: FxHashMap::default(),
            unattributed: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Adds one record; `line` is its text, kept for examples.
    pub fn add(&mut self, r: &FlowLogRecord<'_>, line: &str) {
        self.counts.total += 1;
        match r.action {
            Some(FlowLogAction::Accept) => self.counts.accept += 1,
            Some(FlowLogAction::Reject) => self.counts.reject += 1,
            None => {}
        }
        match r.log_status {
            Some(LogStatus::NoData) => {
                self.counts.nodata += 1;
                return;
            }
            Some(LogStatus::SkipData) => {
                self.counts.skipdata += 1;
                return;
            }
            Some(LogStatus::Ok) | None => self.counts.ok += 1,
        }
        let Some(iface) = r.interface_id else {
            self.undecided("the record has no interface-id".into(), r, line);
            return;
        };
        if self.opts.interface.as_deref().is_some_and(|i| i != iface)
            || self
                .opts
                .since
                .is_some_and(|s| r.end.or(r.start).is_some_and(|e| e < s))
            || self
                .opts
                .until
                .is_some_and(|u| r.start.or(r.end).is_some_and(|s| s > u))
        {
            self.counts.filtered += 1;
            return;
        }
        let Some(action) = r.action else {
            self.undecided("the record has no action".into(), r, line);
            return;
        };
        let Some(&eni) = self.enis.get(iface) else {
            self.counts.unattributed += 1;
            let u = self
                .unattributed
                .entry(iface.to_string())
                .or_insert_with(|| Unattributed {
                    interface_id: iface.to_string(),
                    records: 0,
                    rejects: 0,
                });
            u.records += 1;
            u.rejects += u64::from(action == FlowLogAction::Reject);
            return;
        };
        let placed = match self.place(eni, r) {
            Ok(p) => p,
            Err(reason) => {
                self.undecided(reason, r, line);
                return;
            }
        };
        let outcome = match self.cache.get(&placed.key) {
            Some(o) => *o,
            None => {
                let o = self.judge(&placed);
                self.cache.insert(placed.key, o);
                o
            }
        };
        if action == FlowLogAction::Accept && placed.key.leg == Leg::Request && placed.ambiguous {
            if let (Some(s), Some(d)) = (src_of(r), dst_of(r)) {
                if self.seen.len() < MAX_SEEN {
                    self.seen.insert((
                        s,
                        d,
                        r.srcport.unwrap_or(0),
                        r.dstport.unwrap_or(0),
                        r.protocol.unwrap_or(0),
                    ));
                }
            }
        }
        match (outcome, action) {
            (Outcome::Cause(i, _), FlowLogAction::Reject) => {
                self.counts.attributed += 1;
                self.count_cause(i, r, &placed, iface);
            }
            (Outcome::Allowed, FlowLogAction::Accept) => self.counts.consistent += 1,
            (Outcome::Unknown(i), _) => self.count_undecided(i, r, line),
            (Outcome::Allowed, FlowLogAction::Reject) => {
                self.disagree(&placed, r, line, iface, Why::Allowed)
            }
            (Outcome::Cause(_, d), FlowLogAction::Accept) => {
                self.disagree(&placed, r, line, iface, Why::Detail(d))
            }
            (Outcome::NeverArrives(i), _) => self.disagree(&placed, r, line, iface, Why::Never(i)),
        }
    }

    /// Places a record in its connection: direction, leg and flow class.
    fn place(
        &self,
        eni: &'a netpath_model::NetworkInterface,
        r: &FlowLogRecord<'_>,
    ) -> Result<Placed<'a>, String> {
        let (Some(src), Some(dst)) = (src_of(r), dst_of(r)) else {
            return Err("the record has no source or destination address".into());
        };
        if src.is_ipv6() != dst.is_ipv6() {
            return Err("the record's addresses are of two families".into());
        }
        let direction = match r.flow_direction {
            Some(FlowDirection::Ingress) if attribute::holds(eni, dst) => Direction::Ingress,
            Some(FlowDirection::Egress) if attribute::holds(eni, src) => Direction::Egress,
            None if attribute::holds(eni, dst) => Direction::Ingress,
            None if attribute::holds(eni, src) => Direction::Egress,
            _ => {
                return Err(format!(
                    "traffic through {}, which holds neither address of the packet (a NAT gateway, load balancer or other middlebox), is not attributed yet",
                    eni.network_interface_id
                ))
            }
        };
        let protocol = r.protocol.unwrap_or(0);
        let (sport, dport) = (r.srcport.unwrap_or(0), r.dstport.unwrap_or(0));
        // TCP flags decide when present; then ports, when exactly one is
        // in the ephemeral range; then an earlier ACCEPT of the reverse
        // flow; then the lower port is the service's. Only records that
        // reach the third step are remembered, which keeps the set small.
        let reverse_seen = || self.seen.contains(&(dst, src, dport, sport, protocol));
        let by_flags = (protocol == 6)
            .then(|| r.tcp_flags.and_then(attribute::leg_by_flags))
            .flatten();
        let ported = protocol == 6 || protocol == 17;
        let (leg, ambiguous) = match (by_flags, ported) {
            (Some(l), _) => (l, false),
            (None, true) => match attribute::leg_by_clear_ports(sport, dport) {
                Some(l) => (l, false),
                None if reverse_seen() => (Leg::Reply, true),
                None => (attribute::leg_by_ports(sport, dport), true),
            },
            (None, false) if reverse_seen() => (Leg::Reply, true),
            (None, false) => (Leg::Request, true),
        };
        let (peer, own) = match direction {
            Direction::Ingress => (src, dst),
            Direction::Egress => (dst, src),
        };
        let (service_port, client_port) = match leg {
            Leg::Request => (dport, sport),
            Leg::Reply => (sport, dport),
        };
        let piece = match leg {
            Leg::Reply if protocol == 6 || protocol == 17 => {
                self.cuts.partition_point(|c| *c <= u32::from(client_port)) as u32
            }
            _ => 0,
        };
        Ok(Placed {
            key: Key {
                eni: eni.network_interface_id.as_str(),
                leg,
                direction,
                peer,
                own: own.is_ipv6().then_some(own),
                protocol,
                service_port: if attribute::is_icmp(protocol) {
                    0
                } else {
                    service_port
                },
                piece,
            },
            client_port,
            ambiguous,
        })
    }

    /// Walks one flow class and records what the hops at the interface say.
    fn judge(&mut self, p: &Placed<'a>) -> Outcome {
        let exact = (p.key.leg == Leg::Reply).then_some(p.client_port);
        let e = match attribute::ask(self.topo, &p.key, exact, &self.opts.explain) {
            Ok(e) => e,
            Err(reason) => return Outcome::Unknown(self.unknown_slot(reason, "")),
        };
        match at_interface(&e, &p.key) {
            AtInterface::Allowed => Outcome::Allowed,
            AtInterface::Unknown(reason) => Outcome::Unknown(self.unknown_slot(reason, "")),
            AtInterface::NeverArrives(why) => {
                self.never.push(why);
                Outcome::NeverArrives(self.never.len() - 1)
            }
            AtInterface::Blocked(b) => {
                self.details.push(b.detail.clone());
                Outcome::Cause(self.cause_for(p, *b), self.details.len() - 1)
            }
        }
    }

    fn count_cause(&mut self, i: usize, r: &FlowLogRecord<'_>, p: &Placed<'a>, iface: &str) {
        let acc = &mut self.causes[i];
        let c = &mut acc.cause;
        c.records += 1;
        c.packets += r.packets.unwrap_or(0);
        c.bytes += r.bytes.unwrap_or(0);
        if let Some(s) = r.start {
            c.first = Some(c.first.map_or(s, |f| f.min(s)));
        }
        if let Some(e) = r.end.or(r.start) {
            c.last = Some(c.last.map_or(e, |l| l.max(e)));
        }
        let (Some(s), Some(d)) = (src_of(r), dst_of(r)) else {
            return;
        };
        if c.flows.len() < MAX_FLOWS {
            let t = tuple(iface, s, d, r, p.key.leg);
            if !c.flows.contains(&t) {
                c.flows.push(t);
            }
        }
        let n = acc.talkers.len();
        match acc.talkers.get_mut(&(s, d)) {
            Some(v) => *v += 1,
            None if n < MAX_TALKERS => {
                acc.talkers.insert((s, d), 1);
            }
            None => {}
        }
    }

    fn unknown_slot(&mut self, reason: String, example: &str) -> usize {
        if let Some(i) = self.unknown_index.get(&reason) {
            return *i;
        }
        if self.unknown.len() >= MAX_REASONS {
            let other = format!("other reasons (only the first {MAX_REASONS} are listed)");
            if let Some(i) = self.unknown_index.get(&other) {
                return *i;
            }
            self.unknown.push(Undecided {
                reason: other.clone(),
                records: 0,
                rejects: 0,
                example: example.into(),
            });
            self.unknown_index.insert(other, self.unknown.len() - 1);
            return self.unknown.len() - 1;
        }
        self.unknown.push(Undecided {
            reason: reason.clone(),
            records: 0,
            rejects: 0,
            example: example.into(),
        });
        self.unknown_index.insert(reason, self.unknown.len() - 1);
        self.unknown.len() - 1
    }

    fn undecided(&mut self, reason: String, r: &FlowLogRecord<'_>, line: &str) {
        let i = self.unknown_slot(reason, line);
        self.count_undecided(i, r, line);
    }

    fn count_undecided(&mut self, i: usize, r: &FlowLogRecord<'_>, line: &str) {
        self.counts.undecided += 1;
        let u = &mut self.unknown[i];
        if u.example.is_empty() {
            u.example = line.trim().to_string();
        }
        u.records += 1;
        u.rejects += u64::from(r.action == Some(FlowLogAction::Reject));
    }

    fn disagree(
        &mut self,
        p: &Placed<'a>,
        r: &FlowLogRecord<'_>,
        line: &str,
        iface: &str,
        why: Why,
    ) {
        self.counts.disagreeing += 1;
        let key = (p.key, r.action == Some(FlowLogAction::Accept));
        if let Some(i) = self.disagreement_index.get(&key) {
            self.disagreements[*i].records += 1;
            return;
        }
        if self.disagreements.len() >= MAX_DISAGREEMENTS {
            if self.warnings.is_empty() {
                self.warnings.push(format!("more than {MAX_DISAGREEMENTS} flow classes disagree with the snapshot; only the first are listed, all are counted"));
            }
            return;
        }
        let (Some(s), Some(d)) = (src_of(r), dst_of(r)) else {
            return;
        };
        let (netpath_blocks, why) = match why {
            Why::Allowed => (
                false,
                "no security-group rule or network-ACL entry at this interface drops it in the snapshot".to_string(),
            ),
            Why::Detail(i) => (true, self.details[i].clone()),
            Why::Never(i) => (true, self.never[i].clone()),
        };
        self.disagreements.push(Disagreement {
            record: line.trim().to_string(),
            interface_id: iface.to_string(),
            flow: tuple(iface, s, d, r, p.key.leg),
            action: match r.action {
                Some(FlowLogAction::Accept) => "ACCEPT",
                _ => "REJECT",
            }
            .into(),
            netpath: if netpath_blocks { "blocked" } else { "allowed" }.into(),
            why,
            records: 1,
        });
        self.disagreement_index
            .insert(key, self.disagreements.len() - 1);
    }

    /// The report: causes, disagreements, unknowns and unattributed
    /// interfaces, each largest first.
    pub fn finish(self) -> FlowLogReport {
        let top = if self.opts.top == 0 { 5 } else { self.opts.top };
        let mut causes: Vec<Cause> = self
            .causes
            .into_iter()
            .filter(|c| c.cause.records > 0)
            .map(|mut acc| {
                let mut t: Vec<_> = acc.talkers.into_iter().collect();
                t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                acc.cause.top_talkers = t
                    .into_iter()
                    .take(top)
                    .map(|((s, d), n)| Talker {
                        srcaddr: s.to_string(),
                        dstaddr: d.to_string(),
                        records: n,
                    })
                    .collect();
                acc.cause
            })
            .collect();
        causes.sort_by(|a, b| b.records.cmp(&a.records).then(a.summary.cmp(&b.summary)));
        let mut disagreements = self.disagreements;
        disagreements.sort_by(|a, b| b.records.cmp(&a.records).then(a.record.cmp(&b.record)));
        let mut unknown: Vec<Undecided> =
            self.unknown.into_iter().filter(|u| u.records > 0).collect();
        unknown.sort_by(|a, b| b.records.cmp(&a.records).then(a.reason.cmp(&b.reason)));
        let mut unattributed: Vec<Unattributed> = self.unattributed.into_values().collect();
        unattributed.sort_by(|a, b| {
            b.records
                .cmp(&a.records)
                .then(a.interface_id.cmp(&b.interface_id))
        });
        let mut warnings = self.warnings;
        for g in &self.topo.snapshot.metadata.gaps {
            warnings.push(format!(
                "the snapshot is partial: {g}; records whose hops need it are unknown"
            ));
        }
        FlowLogReport {
            records: self.counts,
            causes,
            disagreements,
            unknown,
            unattributed,
            warnings,
        }
    }
}

/// The packet's source: `pkt-srcaddr` when recorded (it differs from
/// `srcaddr` through middleboxes), else `srcaddr`.
fn src_of(r: &FlowLogRecord<'_>) -> Option<IpAddr> {
    r.pkt_srcaddr.or(r.srcaddr)
}

/// The packet's destination: `pkt-dstaddr`, else `dstaddr`.
fn dst_of(r: &FlowLogRecord<'_>) -> Option<IpAddr> {
    r.pkt_dstaddr.or(r.dstaddr)
}

fn tuple(iface: &str, s: IpAddr, d: IpAddr, r: &FlowLogRecord<'_>, leg: Leg) -> FlowTuple {
    FlowTuple {
        interface_id: iface.to_string(),
        srcaddr: s.to_string(),
        dstaddr: d.to_string(),
        srcport: r.srcport.unwrap_or(0),
        dstport: r.dstport.unwrap_or(0),
        protocol: r.protocol.map_or("-".into(), |n| {
            netpath_model::IpProtocol::from_number(n).to_string()
        }),
        leg,
    }
}
