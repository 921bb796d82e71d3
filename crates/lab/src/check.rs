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

use anyhow::{Context, Result};
use netpath_engine::{explain, ExplainOptions, HopKind, Symptom, Topology, Verdict};
use netpath_model::PortRange;

use crate::{Lab, Outcome};

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

fn outside(r: PortRange, blocked: &[PortRange]) -> Option<u16> {
    (r.from..=r.to).find(|p| !blocked.iter().any(|b| b.contains(*p)))
}

/// A flow ready to probe: its check (probes not yet run) and the probes to
/// make: (source ENI, source port, destination, port, expected outcome).
struct Planned {
    check: FlowCheck,
    probes: Vec<(Src, u16, IpAddr, u16, Outcome)>,
    /// ICMP echo probes (source and destination ports unused).
    ping: bool,
    /// The destination is an Application Load Balancer node of the lab:
    /// each probe also reads the HTTP status it answers.
    http: bool,
}

/// What a flow asks the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

fn plan(lab: &mut Lab, topo: &Topology, from: &str, to: &str, ask: Ask) -> Result<Planned> {
    let ping = ask.is_ping();
    let v6 = ask.is_v6();
    let exp = explain(
        topo,
        from,
        to,
        &ExplainOptions {
            port: match ask {
                Ask::Tcp(p) | Ask::Tcp6(p) => p,
                Ask::Ping | Ask::Ping6 => None,
            },
            protocol: match ask {
                Ask::Ping => Some(netpath_model::IpProtocol::Icmp),
                Ask::Ping6 => Some(netpath_model::IpProtocol::Icmpv6),
                _ => None,
            },
            host_facts: lab.host_facts().to_vec(),
            ipv6: v6,
            ..ExplainOptions::default()
        },
    )
    .with_context(|| format!("explain {from} -> {to}"))?;
    let fc = FlowCheck {
        flow: match ask {
            Ask::Ping => format!("{from} -> {to} icmp echo-request"),
            Ask::Ping6 => format!("{from} -> {to} icmpv6 echo-request"),
            Ask::Tcp6(_) => format!("{from} -> {to} tcp {} over IPv6", exp.port),
            Ask::Tcp(_) => format!("{from} -> {to} tcp {}", exp.port),
        },
        verdict: exp.verdict,
        symptom: exp.symptom,
        probes: Vec::new(),
        skipped: None,
        blocking: exp
            .blocking
            .as_ref()
            .map(|b| format!("{:?} {} [{}]", b.kind, b.component, b.code)),
        by_target: false,
    };
    let skipped = |mut fc: FlowCheck, why: String| -> Result<Planned> {
        fc.skipped = Some(why);
        Ok(Planned {
            check: fc,
            probes: Vec::new(),
            ping,
            http: false,
        })
    };
    if let Some(why) = lab.incomplete() {
        return skipped(fc, why.to_string());
    }
    if exp.verdict == Verdict::Unknown {
        return skipped(fc, "explain says unknown".into());
    }
    // Load balancers the lab did not build (`build/load_balancer.rs`) are
    // not probed; nor is an answer that depends on which target a
    // connection lands on (some pass, some not).
    if let Some(h) = exp
        .hops
        .iter()
        .find(|h| h.kind == HopKind::LoadBalancer && !lab.load_balancer_built(&h.component))
    {
        let why = format!(
            "the path uses load balancer {} (not built in the lab)",
            h.component
        );
        return skipped(fc, why);
    }
    // Partial by target, not by port: the load balancer takes its targets
    // in turn, so enough connections land on each.
    let by_target = exp.verdict == Verdict::Partial
        && exp
            .hops
            .iter()
            .any(|h| h.kind == HopKind::LoadBalancerTarget);
    let mut fc = fc;
    fc.by_target = by_target;
    let has_internet = lab.internet().is_some();
    if let Some(h) = exp.hops.iter().find(|h| {
        h.kind == HopKind::NatGateway
            || (matches!(
                h.kind,
                HopKind::InternetGateway | HopKind::EgressOnlyInternetGateway
            ) && !has_internet)
            || h.matched
                .as_ref()
                .and_then(|m| m.target.as_deref())
                // A Direct Connect hop names its association: built with
                // its gateway's side.
                .filter(|_| {
                    !(h.kind == HopKind::DirectConnectGateway
                        && lab.direct_connect_built(&h.component))
                })
                .is_some_and(|t| {
                    !(t == "local"
                        || t.starts_with("pcx-")
                        || t.starts_with("tgw-")
                        || (t.starts_with("vgw-") && lab.vpn_gateway_built(t))
                        || (t.starts_with("vpce-") && lab.gateway_endpoint_built(t))
                        || (has_internet && (t.starts_with("igw-") || t.starts_with("eigw-"))))
                })
    }) {
        let why = format!("the path uses {} (not built in the lab)", h.component);
        return skipped(fc, why);
    }
    // Outside: `internet`, or an address in no VPC of the snapshot.
    let vpc_cidrs: Vec<ipnet::IpNet> = topo
        .snapshot
        .vpcs
        .iter()
        .flatten()
        .flat_map(|v| {
            v.cidr_blocks
                .iter()
                .map(|c| ipnet::IpNet::V4(*c))
                .chain(v.ipv6_cidr_blocks.iter().map(|c| ipnet::IpNet::V6(*c)))
        })
        .collect();
    let is_outside = |e: &netpath_engine::EndpointInfo| {
        e.eni.is_none()
            && (e.kind == "internet"
                || e.ip
                    .as_deref()
                    .and_then(|i| i.parse::<IpAddr>().ok())
                    .is_some_and(|ip| !vpc_cidrs.iter().any(|c| c.contains(&ip))))
    };
    let (src_outside, dst_outside) = (is_outside(&exp.source), is_outside(&exp.destination));
    // An outside end lives on premises (a VPN's customer network) or on
    // the internet; the lab needs the namespace it lives in.
    let outside_ip =
        |e: &netpath_engine::EndpointInfo| e.ip.as_deref().and_then(|i| i.parse::<IpAddr>().ok());
    let has_outside = |e: &netpath_engine::EndpointInfo| match outside_ip(e) {
        Some(ip) => lab.outside_namespace(ip).is_some(),
        None => has_internet,
    };
    if (src_outside && !has_outside(&exp.source)) || (dst_outside && !has_outside(&exp.destination))
    {
        return skipped(
            fc,
            "an end is outside the snapshot, which has no internet gateway".into(),
        );
    }
    let src = if src_outside {
        // `internet` is probed from one public address.
        Src::Internet(
            exp.source
                .ip
                .as_deref()
                .and_then(|i| i.parse().ok())
                .unwrap_or(if v6 {
                    IpAddr::V6(crate::build::INTERNET_CLIENT6)
                } else {
                    IpAddr::V4(crate::build::INTERNET_CLIENT)
                }),
        )
    } else {
        match exp.source.eni.clone() {
            Some(e) => Src::Eni(e),
            None => return skipped(fc, "the source has no ENI in the snapshot".into()),
        }
    };
    // A destination address no ENI holds is probed as it is: nothing answers.
    let dst = exp.destination.eni.clone();
    // From outside, the packet carries the address the user typed when it
    // is one (an internet client may well use a private IP, which nothing on
    // the internet routes), else the destination's public IP.
    let typed = exp
        .destination
        .reference
        .parse::<IpAddr>()
        .is_ok()
        .then_some(exp.destination.reference.as_str());
    let dst_addr = if src_outside {
        typed
            .or(exp.destination.public_ip.as_deref())
            .or(exp.destination.ip.as_deref())
    } else {
        exp.destination.ip.as_deref()
    };
    let Some(dst_ip) = dst_addr.and_then(|i| i.parse::<IpAddr>().ok()).or_else(|| {
        let e = dst.as_deref().and_then(|d| lab.eni(d))?;
        if v6 {
            e.ip6.map(IpAddr::V6)
        } else {
            Some(IpAddr::V4(e.ip))
        }
    }) else {
        return skipped(fc, "the destination has no single address".into());
    };
    if let Src::Eni(id) = &src {
        match lab.eni(id) {
            None => return skipped(fc, "the source's ENI was not built".into()),
            Some(s) if !s.up => {
                let why = format!("the source {id} is not running: it sends nothing");
                return skipped(fc, why);
            }
            Some(_) => {}
        }
    }
    if dst.as_deref().is_some_and(|d| lab.eni(d).is_none()) {
        return skipped(fc, "the destination's ENI was not built".into());
    }
    if ping && dst_outside {
        return skipped(fc, "the lab pings only ENIs of the snapshot".into());
    }
    if ping {
        // The kernel answers echo requests itself: no listener.
        let expect = match exp.verdict {
            Verdict::Reachable => Outcome::Connects,
            Verdict::Blocked | Verdict::Partial => Outcome::Timeout,
            Verdict::Unknown => return skipped(fc, "explain says unknown".into()),
        };
        return Ok(Planned {
            check: fc,
            probes: vec![(src, 0, dst_ip, 0, expect)],
            ping,
            http: false,
        });
    }
    if let (Some(d), None) = (&dst, &exp.destination.db_instance_identifier) {
        match lab.load_balancer_targets(d).map(<[_]>::to_vec) {
            // A load balancer node: its targets listen, on their ports.
            Some(targets) => {
                for (t, port) in targets {
                    if !lab.is_host(&t) {
                        lab.listen(&t, port)?;
                    }
                }
            }
            // A host the lab set up listens only where its setup says.
            None if !lab.is_host(d) => lab.listen(d, exp.port)?,
            None => {}
        }
    }
    if dst_outside {
        // A server on the internet that listens on the port.
        lab.listen_internet(dst_ip, exp.port)?;
    }
    let eph = exp.ephemeral_ports;
    let plan: Vec<(u16, Outcome)> = match exp.verdict {
        // Twice round the node's targets, and once more.
        Verdict::Partial if by_target => {
            let n = dst
                .as_deref()
                .and_then(|d| lab.load_balancer_targets(d))
                .map_or(0, <[_]>::len);
            if n < 2 {
                return skipped(
                    fc,
                    "partial by target, but the node forwards to fewer than two targets".into(),
                );
            }
            vec![(0, Outcome::Connects); 2 * n + 1]
        }
        Verdict::Reachable => vec![
            (0, Outcome::Connects),
            (eph.from, Outcome::Connects),
            (eph.to, Outcome::Connects),
        ],
        // A reset dropped on part of the return range: refused from a port
        // outside the dropped sub-ranges, silence from inside them.
        Verdict::Blocked if exp.symptom == Symptom::Intermittent => {
            let dropped: Vec<PortRange> = exp
                .hops
                .iter()
                .filter(|h| h.path == netpath_engine::PathLeg::Return)
                .flat_map(|h| h.blocked_ports.iter().copied())
                .collect();
            let mut v = Vec::new();
            if let Some(ok) = outside(eph, &dropped) {
                v.push((ok, Outcome::Refused));
            }
            for b in &dropped {
                let p = b.from.max(eph.from);
                if eph.contains(p) {
                    v.push((p, Outcome::Timeout));
                }
            }
            v
        }
        Verdict::Blocked => vec![(
            0,
            match exp.symptom {
                Symptom::Refused => Outcome::Refused,
                Symptom::Unreachable => Outcome::Unreachable,
                // Any 5xx: the engine does not say which.
                Symptom::Http5xx => Outcome::Http(500),
                Symptom::Unknown => {
                    return skipped(fc, "explain cannot say what the client sees".into())
                }
                _ => Outcome::Timeout,
            },
        )],
        Verdict::Partial => {
            let blocked: Vec<PortRange> = exp
                .blockers
                .iter()
                .flat_map(|b| b.blocked_ports.iter().copied())
                .collect();
            let mut v = Vec::new();
            if let Some(ok) = outside(eph, &blocked) {
                v.push((ok, Outcome::Connects));
            }
            for b in &blocked {
                for p in [b.from.max(eph.from), b.to.min(eph.to)] {
                    if eph.contains(p) && !v.iter().any(|(q, _)| *q == p) {
                        v.push((p, Outcome::Timeout));
                    }
                }
            }
            v
        }
        Verdict::Unknown => Vec::new(),
    };
    // An ALB node answers HTTP itself: a connection that completes is
    // only a success when the target took the node's own connection.
    let http = dst.as_deref().is_some_and(|d| lab.http_node(d));
    Ok(Planned {
        check: fc,
        probes: plan
            .into_iter()
            .map(|(sport, expect)| {
                let expect = match expect {
                    Outcome::Connects if http => Outcome::Http(200),
                    e => e,
                };
                (src.clone(), sport, dst_ip, exp.port, expect)
            })
            .collect(),
        ping,
        http,
    })
}
