//! One flow, two judges: `netpath explain` and a real TCP handshake in the
//! lab. The expected kernel outcome follows from the verdict and symptom:
//!
//! | explain | probes |
//! |---|---|
//! | reachable | connects, from an ephemeral port, and from the first and last port of the client's ephemeral range |
//! | blocked, symptom timeout | times out |
//! | blocked, symptom refused | is refused (a reset or ICMP port unreachable: no listener, or a host firewall's REJECT) |
//! | blocked, symptom unreachable | fails with "no route to host" (a host firewall's ICMP prohibited) |
//! | blocked, symptom intermittent (a reset dropped on part of the return range) | refused from a port outside the dropped sub-ranges, times out from inside them |
//! | partial | connects from a source port outside every blocked sub-range; times out from the first and last port of each blocked sub-range |
//! | partial by target (a load balancer's targets differ) | `2n + 1` connections to a node with `n` targets, which it takes in turn: at least one succeeds and at least one fails |
//! | blocked, symptom HTTP 5xx (an Application Load Balancer) | connects, and the load balancer node answers a 5xx status itself |
//!
//! To an Application Load Balancer node, "connects" means the node's own
//! connection to a target completed too: it answers `200` (see
//! [`crate::relay`]).
//! | unknown | not probed: the lab cannot decide what the snapshot does not say |

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Result;
use netpath_engine::{Symptom, Topology, Verdict};

use crate::{Lab, Outcome};

mod plan;
use plan::plan;

/// How many times the caller's wait a timed-out probe that contradicts
/// explain gets on its one retry.
const RETRY_FACTOR: u32 = 8;

/// How many times the handshake's wait a probe of an Application Load
/// Balancer waits for its HTTP answer: longer than the lab's relay waits
/// for a target ([`crate::relay::TARGET_CONNECT_TIMEOUT`]) on the retry.
const HTTP_READ_FACTOR: u32 = 10;

/// One connection attempt: from which source port (0: ephemeral), what
/// explain implies, what the kernel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Source port; 0 lets the kernel pick from the client's ephemeral range.
    pub sport: u16,
    /// What explain's verdict implies.
    pub expect: Outcome,
    /// What happened.
    pub got: Outcome,
}

/// The result of checking one flow.
#[derive(Debug, Clone)]
pub struct FlowCheck {
    /// `FROM -> TO tcp PORT`.
    pub flow: String,
    /// explain's verdict.
    pub verdict: Verdict,
    /// explain's symptom.
    pub symptom: Symptom,
    /// The probes made (empty when skipped).
    pub probes: Vec<Probe>,
    /// Why the flow was not probed, if it was not.
    pub skipped: Option<String>,
    /// explain's blocking hop, for the report.
    pub blocking: Option<String>,
    /// explain's answer depends on which target of a load balancer a
    /// connection lands on (partial by target, not by port): each probe
    /// expects success, and the flow agrees when the probes see at least
    /// one success and at least one failure (a timeout, a reset or a 5xx).
    pub by_target: bool,
}

impl FlowCheck {
    /// True when every probe saw what explain implies.
    pub fn agrees(&self) -> bool {
        if self.by_target {
            let failed = |o: &Outcome| {
                matches!(o, Outcome::Timeout | Outcome::Refused)
                    || matches!(o, Outcome::Http(c) if *c >= 500)
            };
            return self.probes.iter().any(|p| p.expect.admits(&p.got))
                && self.probes.iter().any(|p| failed(&p.got));
        }
        self.probes.iter().all(|p| p.expect.admits(&p.got))
    }

    /// A report of the disagreement, one line per probe.
    pub fn report(&self) -> String {
        let mut s = format!(
            "{}: explain says {:?} ({:?}){}\n",
            self.flow,
            self.verdict,
            self.symptom,
            self.blocking
                .as_ref()
                .map_or(String::new(), |b| format!(", blocked at {b}"))
        );
        for p in &self.probes {
            s.push_str(&format!(
                "  source port {:>5}: expected {:?}, kernel {:?}{}\n",
                p.sport,
                p.expect,
                p.got,
                if self.by_target || p.expect.admits(&p.got) {
                    ""
                } else {
                    "   <-- disagreement"
                }
            ));
        }
        if self.by_target {
            s.push_str(
                "  the answer depends on the target: the probes must see a success and a failure\n",
            );
        }
        s
    }
}

/// What a flow asks the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ask {
    /// A TCP handshake to this port (`None`: a DB's endpoint port).
    Tcp(Option<u16>),
    /// An ICMP echo request (`ping`).
    Ping,
    /// A TCP handshake over IPv6 (ENIs at their IPv6 addresses, `internet`
    /// the IPv6 internet).
    Tcp6(Option<u16>),
    /// An ICMPv6 echo request (`ping -6`).
    Ping6,
}

impl Ask {
    fn is_ping(self) -> bool {
        matches!(self, Ask::Ping | Ask::Ping6)
    }
    fn is_v6(self) -> bool {
        matches!(self, Ask::Tcp6(_) | Ask::Ping6)
    }
}

impl From<Option<u16>> for Ask {
    fn from(port: Option<u16>) -> Ask {
        Ask::Tcp(port)
    }
}

/// Where a probe connects from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Src {
    /// An ENI of the snapshot, by id.
    Eni(String),
    /// An address on the internet.
    Internet(IpAddr),
}

/// Checks the flow `from -> to` on TCP `port` (default: a DB's endpoint
/// port) against the lab. Starts a listener on the destination when it is
/// not a DB (a DB listens on its endpoint port only).
///
/// Errors: explain refusing the question, or a lab command failing.
pub fn check_flow(
    lab: &mut Lab,
    topo: &Topology,
    from: &str,
    to: &str,
    ask: Ask,
    timeout: Duration,
) -> Result<FlowCheck> {
    let flows = [(from.to_string(), to.to_string(), ask)];
    Ok(check_flows(lab, topo, &flows, timeout)?.remove(0))
}

/// Checks several flows: explains and listeners first, then every probe,
/// in parallel across sources (one source's probes run one after another,
/// so explicit source ports never collide). Output: one [`FlowCheck`] per
/// flow, in order.
///
/// Errors: as [`check_flow`].
pub fn check_flows(
    lab: &mut Lab,
    topo: &Topology,
    flows: &[(String, String, Ask)],
    timeout: Duration,
) -> Result<Vec<FlowCheck>> {
    let mut planned = Vec::new();
    for (from, to, ask) in flows {
        planned.push(plan(lab, topo, from, to, *ask)?);
    }
    // Probes by source ENI.
    let mut by_src: std::collections::BTreeMap<Src, Vec<(usize, usize)>> =
        std::collections::BTreeMap::new();
    for (f, p) in planned.iter().enumerate() {
        for (k, probe) in p.probes.iter().enumerate() {
            by_src.entry(probe.0.clone()).or_default().push((f, k));
        }
    }
    let lab_ref: &Lab = lab;
    /// (flow index, probe index) and what the probe saw.
    type Seen = ((usize, usize), Result<Outcome>);
    let results: Vec<Vec<Seen>> = std::thread::scope(|sc| {
        let handles: Vec<_> = by_src
            .values()
            .map(|items| {
                let planned = &planned;
                sc.spawn(move || {
                    items
                        .iter()
                        .map(|&(f, k)| {
                            let (src, sport, dst, port, expect) = &planned[f].probes[k];
                            let attempt = |wait: Duration| match (src, planned[f].ping) {
                                (_, false) if planned[f].http => lab_ref.connect_http(
                                    src,
                                    *sport,
                                    *dst,
                                    *port,
                                    wait,
                                    wait * HTTP_READ_FACTOR,
                                ),
                                (Src::Eni(e), false) => {
                                    lab_ref.connect(e, *sport, *dst, *port, wait)
                                }
                                (Src::Internet(a), false) => {
                                    lab_ref.connect_from_internet(*a, *sport, *dst, *port, wait)
                                }
                                (Src::Eni(e), true) => lab_ref.ping(e, *dst, wait),
                                (Src::Internet(a), true) => {
                                    lab_ref.ping_from_internet(*a, *dst, wait)
                                }
                            };
                            // A probe of a flow partial by target expects
                            // either: a retry would land on the next target,
                            // so it gets the long wait at once instead.
                            if planned[f].check.by_target {
                                return ((f, k), attempt(timeout * RETRY_FACTOR));
                            }
                            let mut r = attempt(timeout);
                            // A timeout is only "no answer yet". On a loaded
                            // machine (CI runs the lab beside other tests) a
                            // first handshake can wait on neighbour discovery
                            // past the short wait. When it contradicts explain,
                            // ask once more with a long wait: a real drop
                            // times out again, a slow kernel answers.
                            if matches!(r, Ok(Outcome::Timeout))
                                && !expect.admits(&Outcome::Timeout)
                            {
                                r = attempt(timeout * RETRY_FACTOR);
                            }
                            ((f, k), r)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut got: std::collections::HashMap<(usize, usize), Outcome> =
        std::collections::HashMap::new();
    for r in results.into_iter().flatten() {
        got.insert(r.0, r.1?);
    }
    Ok(planned
        .into_iter()
        .enumerate()
        .map(|(f, p)| {
            let mut check = p.check;
            for (k, (_, sport, _, _, expect)) in p.probes.into_iter().enumerate() {
                let got = got
                    .remove(&(f, k))
                    .unwrap_or(Outcome::Other("not run".into()));
                check.probes.push(Probe { sport, expect, got });
            }
            check
        })
        .collect())
}
