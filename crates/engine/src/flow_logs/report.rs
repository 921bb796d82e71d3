//! The answer of `netpath flowlogs`: the stable JSON contract of
//! `docs/flowlogs-json.md`.

use serde::Serialize;

use crate::answer::Blocking;

/// Records read, by action and by log status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordCounts {
    /// Every record read (header lines are not records).
    pub total: u64,
    /// `action` ACCEPT.
    pub accept: u64,
    /// `action` REJECT.
    pub reject: u64,
    /// `log-status` OK.
    pub ok: u64,
    /// `log-status` NODATA: no traffic in the window; never attributed.
    pub nodata: u64,
    /// `log-status` SKIPDATA: records were skipped in the window; never
    /// attributed.
    pub skipdata: u64,
    /// Left out by `--interface`, `--since` or `--until`.
    pub filtered: u64,
    /// REJECTs tied to the rule that drops them (in `causes`).
    pub attributed: u64,
    /// ACCEPTs the snapshot agrees with.
    pub consistent: u64,
    /// Records the snapshot contradicts (in `disagreements`).
    pub disagreeing: u64,
    /// Records netpath cannot decide (in `unknown`).
    pub undecided: u64,
    /// Records whose interface is not in the snapshot (in `unattributed`).
    pub unattributed: u64,
}

/// Whether a record is a connection's request or its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    /// Client to server (the first packet of a connection goes this way).
    Request,
    /// Server to client, to the client's ephemeral port.
    Reply,
}

/// One distinct flow of a cause, as recorded (addresses and ports as in
/// the record, after `pkt-srcaddr`/`pkt-dstaddr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowTuple {
    /// The interface the record is from.
    pub interface_id: String,
    /// Source address.
    pub srcaddr: String,
    /// Destination address.
    pub dstaddr: String,
    /// Source port (0 for ICMP).
    pub srcport: u16,
    /// Destination port (0 for ICMP).
    pub dstport: u16,
    /// `tcp`, `udp` or `icmp`.
    pub protocol: String,
    /// Request or reply.
    pub leg: Leg,
}

/// A source and destination pair, with how many records it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Talker {
    /// Source address.
    pub srcaddr: String,
    /// Destination address.
    pub dstaddr: String,
    /// Records.
    pub records: u64,
}

/// The blocking hop of a cause: `explain`'s [`Blocking`], plus the
/// component's name (a group's `GroupName`, a `Name` tag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseBlocking {
    /// The hop, as `explain` reports it.
    #[serde(flatten)]
    pub blocking: Blocking,
    /// The component's name, when it has one.
    pub name: Option<String>,
}

/// One reason records were rejected: the hop and rule that drop them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// `blocked`, or `partial` when the rule drops only part of the
    /// client's ephemeral range (a return-path network ACL).
    pub verdict: String,
    /// The hop and rule that drop the records.
    pub blocking: CauseBlocking,
    /// One sentence for a human.
    pub summary: String,
    /// Records attributed to this cause.
    pub records: u64,
    /// Packets in those records.
    pub packets: u64,
    /// Bytes in those records.
    pub bytes: u64,
    /// Earliest `start`, epoch seconds.
    pub first: Option<u64>,
    /// Latest `end`, epoch seconds.
    pub last: Option<u64>,
    /// Distinct flows, at most 20.
    pub flows: Vec<FlowTuple>,
    /// The pairs with the most records, largest first (`--top`).
    pub top_talkers: Vec<Talker>,
    /// The fix `explain` gives for this hop, for the first flow of the
    /// cause; `null` when it has none.
    pub fix: Option<CauseFix>,
}

/// The fix of a cause: what `explain` proposes for its hop, applied to a
/// copy of the snapshot and the cause's first flow walked again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseFix {
    /// What to change, in a sentence.
    pub summary: String,
    /// The `aws` CLI command that applies it: only when `verified`.
    pub command: Option<String>,
    /// True when the change, applied to a copy of the snapshot, stops this
    /// hop from dropping the cause's first flow.
    pub verified: bool,
}

/// Records whose action the snapshot contradicts: the snapshot is stale,
/// or the model is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The first such record, as read.
    pub record: String,
    /// The interface.
    pub interface_id: String,
    /// The flow of the first record.
    pub flow: FlowTuple,
    /// `ACCEPT` or `REJECT`: what the traffic did.
    pub action: String,
    /// What netpath says of the hops at this interface: `allowed` or
    /// `blocked`.
    pub netpath: String,
    /// Why netpath says so.
    pub why: String,
    /// Records of this flow class that disagree.
    pub records: u64,
}

/// Records netpath cannot decide, by reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecided {
    /// What is missing or not modelled.
    pub reason: String,
    /// Records.
    pub records: u64,
    /// REJECTs among them.
    pub rejects: u64,
    /// The first such record, as read.
    pub example: String,
}

/// Records of an interface that is not in the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unattributed {
    /// `interface-id`.
    pub interface_id: String,
    /// Records.
    pub records: u64,
    /// REJECTs among them.
    pub rejects: u64,
}

/// The whole answer: `docs/flowlogs-json.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowLogReport {
    /// Counts by action, log status and outcome.
    pub records: RecordCounts,
    /// Causes, largest first.
    pub causes: Vec<Cause>,
    /// Records the snapshot contradicts, largest first.
    pub disagreements: Vec<Disagreement>,
    /// Records netpath cannot decide, largest first.
    pub unknown: Vec<Undecided>,
    /// Records of interfaces not in the snapshot, largest first.
    pub unattributed: Vec<Unattributed>,
    /// Warnings about the input or the answer.
    pub warnings: Vec<String>,
}

impl FlowLogReport {
    /// True when every REJECT was tied to a rule and nothing disagrees: the
    /// `flowlogs` exit status 0.
    pub fn clean(&self) -> bool {
        self.disagreements.is_empty()
            && self.unknown.iter().all(|u| u.rejects == 0)
            && self.unattributed.iter().all(|u| u.rejects == 0)
    }
}
