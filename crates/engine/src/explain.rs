//! `explain()`: one question, every walk, one verdict.
//!
//! Input: a [`Topology`], two references and [`ExplainOptions`]. It resolves
//! both ends, walks every (source placement, destination placement) pair
//! with [`crate::walk`], judges each walk, merges the verdicts, and builds the
//! [`Explanation`]: the blocking hop, every blocker, the symptom and the fixes.
//!
//! Verdict rules: a certain block beats unknown; a return path that drops
//! part of the client's ephemeral range is `partial`, all of it `blocked`
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>);
//! placements that disagree make the answer `unknown`.

use netpath_model::{IcmpMessage, IpProtocol, PortRange};

use crate::answer::{
    Blocking, Decision, Explanation, ExplanationCode, Hop, PathLeg, Symptom, Verdict,
};
use crate::ephemeral::{self, ClientOs};
use crate::fix;
use crate::resolve::{resolve_in, Placement, ResolveError};
use crate::topology::Topology;
use crate::walk::{self, Flow};

/// What `explain` is asked, besides the two references.
#[derive(Debug, Clone, Default)]
pub struct ExplainOptions {
    /// `tcp` (default), `udp` or `icmp`.
    pub protocol: Option<IpProtocol>,
    /// For `icmp`: the message sent (default echo request, 8/0).
    pub icmp: Option<IcmpMessage>,
    /// Destination port; defaults to a DB destination's endpoint port.
    pub port: Option<u16>,
    /// Overrides the client kind (and so the ephemeral range).
    pub client_os: Option<ClientOs>,
    /// Overrides the ephemeral range outright.
    pub ephemeral_ports: Option<PortRange>,
    /// Host facts (`netpath host-facts`), matched to instances by their
    /// `instance_id`: the walk goes on past those instances' ENIs to their
    /// own firewall and listeners. Empty: hosts are not checked.
    pub host_facts: Vec<netpath_model::host::HostFacts>,
    /// Ask over IPv6: instances, ENIs and DB instances stand at their IPv6
    /// address and `internet` is the IPv6 internet. Implied by an IPv6
    /// address as either end, or `--protocol icmpv6`.
    pub ipv6: bool,
    /// Only what a verdict needs: no names beside ids in the sentences, and
    /// no fixes. `reach` asks this of every class it walks, and reads only
    /// verdicts, blocked ports, missing data and matched rules, which are
    /// the same either way.
    pub terse: bool,
    /// Only the connections a load balancer on the path sends to the
    /// target registered at this IPv4 address: an IP target, or an instance
    /// target whose primary private address it is
    /// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html>).
    /// The load balancer's other targets are left out, so its target group
    /// passes only when this target takes the connection. `reach --to` an
    /// instance asks this of the load balancers in front of it.
    pub lb_target: Option<std::net::Ipv4Addr>,
    /// Walk on through Gateway Load Balancer endpoints as if the appliances
    /// behind them pass every packet (`--assume-appliance-allows`): the
    /// packet comes back out of the endpoint and follows the route table
    /// of the endpoint's subnet. Off (the default), a path through one is
    /// unknown beyond it, since netpath does not see the appliances.
    /// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>.
    pub assume_appliance_allows: bool,
}

/// Why `explain` could not answer (bad usage, not a network verdict).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// A reference did not resolve.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// The question itself is incomplete or contradictory.
    #[error("{0}")]
    Usage(String),
}

struct Judged {
    verdict: Verdict,
    blockers: Vec<usize>,
    blocking: Option<usize>,
}

fn judge(hops: &[Hop], ephemeral: PortRange) -> Judged {
    let blockers: Vec<usize> = hops
        .iter()
        .enumerate()
        .filter(|(_, h)| matches!(h.decision, Decision::Deny | Decision::Partial))
        .map(|(i, _)| i)
        .collect();
    let any = |d: Decision| hops.iter().any(|h| h.decision == d);
    let verdict = if any(Decision::Deny) {
        Verdict::Blocked
    } else if any(Decision::Partial) {
        if walk::return_ports_allowed(hops, ephemeral).is_empty() {
            Verdict::Blocked
        } else {
            Verdict::Partial
        }
    } else if any(Decision::Unknown) {
        Verdict::Unknown
    } else {
        Verdict::Reachable
    };
    Judged {
        verdict,
        blocking: blockers.first().copied(),
        blockers,
    }
}

/// Answers "can `from` reach `to`?" on `topo`.
///
/// Input: two references (instance id, ENI id, Name tag, RDS identifier or
/// endpoint, IPv4 address, or `internet`) and [`ExplainOptions`]. Output: an
/// [`Explanation`] with the verdict, every hop, the first blocking hop, every
/// blocker, the symptom, one fix per blocker, missing data and warnings.
///
/// Errors: [`ExplainError::Resolve`] when a reference matches nothing or
/// several things; [`ExplainError::Usage`] when `--port` is needed and
/// missing, or neither end is inside the snapshot.
pub fn explain(
    topo: &Topology,
    from: &str,
    to: &str,
    opts: &ExplainOptions,
) -> Result<Explanation, ExplainError> {
    explain_with(topo, from, to, opts, &mut |r, prefer, v6| {
        resolve_in(topo, r, prefer, v6)
    })
}

/// How [`explain_with`] resolves a reference: `(reference, prefer_vpc,
/// v6)` to an endpoint, as [`resolve_in`] does.
pub(crate) type Resolver<'r, 'a> = dyn FnMut(
        &str,
        Option<&str>,
        bool,
    ) -> Result<crate::resolve::Endpoint<'a>, crate::resolve::ResolveError>
    + 'r;

/// [`explain`], resolving each reference with `resolve` (called as
/// `resolve(reference, prefer_vpc, v6)`, and expected to answer as
/// [`resolve_in`] does): `reach` passes a memo of it, so that the end it
/// asks about in every walk is resolved once, not once per walk (resolving
/// a name or DB identifier scans every instance and DB instance).
pub(crate) fn explain_with<'a>(
    topo: &Topology<'a>,
    from: &str,
    to: &str,
    opts: &ExplainOptions,
    resolve: &mut Resolver<'_, 'a>,
) -> Result<Explanation, ExplainError> {
    let protocol = opts.protocol.unwrap_or(IpProtocol::Tcp);
    let literal = |r: &str| r.trim().parse::<std::net::IpAddr>().ok();
    let v6 = opts.ipv6
        || protocol == IpProtocol::Icmpv6
        || [from, to]
            .iter()
            .any(|r| literal(r).is_some_and(|a| a.is_ipv6()));
    if let Some(r) = [from, to]
        .into_iter()
        .find(|r| literal(r).is_some_and(|a| a.is_ipv6() != v6))
    {
        let asked = if v6 {
            crate::addr::IpVersion::Ipv6
        } else {
            crate::addr::IpVersion::Ipv4
        };
        let lit = crate::addr::IpVersion::of_literal(r).unwrap_or(asked);
        return Err(ExplainError::Usage(lit.conflict(r, asked)));
    }
    if protocol == IpProtocol::Icmp && v6 {
        return Err(ExplainError::Usage(
            "ping over IPv6 is ICMPv6: use --protocol icmpv6".into(),
        ));
    }
    let src = resolve(from, None, v6)?;
    let dst = resolve(to, src.placements.first().map(|p| p.vpc_id.as_str()), v6)?;
    if src.is_outside() && dst.is_outside() {
        return Err(ExplainError::Usage(format!(
            "neither `{from}` nor `{to}` is inside the snapshot; one end must be an instance, ENI, DB instance or private IP"
        )));
    }
    if !protocol.has_ports() && !matches!(protocol, IpProtocol::Icmp | IpProtocol::Icmpv6) {
        return Err(ExplainError::Usage(
            "--protocol must be tcp, udp, icmp or icmpv6".into(),
        ));
    }
    if matches!(protocol, IpProtocol::Icmp | IpProtocol::Icmpv6) {
        if opts.port.is_some() {
            return Err(ExplainError::Usage(
                "ICMP has no ports: drop --port, and give --icmp-type/--icmp-code if the message is not an echo request".into(),
            ));
        }
        return explain_flow(topo, src, dst, opts, protocol, 0);
    }
    let port = match (opts.port, dst.db.and_then(|d| d.endpoint.as_ref())) {
        (Some(p), _) => p,
        (None, Some(ep)) => ep.port,
        (None, None) => {
            return Err(ExplainError::Usage(format!(
                "--port is required: `{to}` is not a DB instance with an endpoint port"
            )))
        }
    };
    explain_flow(topo, src, dst, opts, protocol, port)
}

/// The walk and verdict of one resolved question: `port` for TCP/UDP; for
/// ICMP the message's key (and the reply's key stands for the ephemeral
/// range on the way back).
fn explain_flow<'a>(
    topo: &Topology<'a>,
    src: crate::resolve::Endpoint<'a>,
    dst: crate::resolve::Endpoint<'a>,
    opts: &ExplainOptions,
    protocol: IpProtocol,
    port: u16,
) -> Result<Explanation, ExplainError> {
    let icmp = match protocol {
        IpProtocol::Icmp => Some(opts.icmp.unwrap_or(IcmpMessage::ECHO_REQUEST)),
        IpProtocol::Icmpv6 => Some(opts.icmp.unwrap_or(IcmpMessage::ECHO_REQUEST_V6)),
        _ => None,
    };
    let port = icmp.map_or(port, IcmpMessage::key);
    let mut warnings: Vec<String> = src.warnings.iter().chain(&dst.warnings).cloned().collect();
    for g in &topo.snapshot.metadata.gaps {
        warnings.push(format!(
            "the snapshot is partial: {g}; hops that need it are unknown"
        ));
    }
    let client_os = opts
        .client_os
        .unwrap_or_else(|| ephemeral::client_os_of(&src));
    if opts.client_os.is_none() && opts.ephemeral_ports.is_none() && src.is_outside() {
        warnings.push("the client's OS is unknown: its ephemeral ports are assumed to be Linux's 32768-60999; pass --client-os or --ephemeral-ports to change that".into());
    }
    let mut ephemeral = opts
        .ephemeral_ports
        .unwrap_or_else(|| client_os.ephemeral_ports());
    let mut expects_reply = true;
    if let Some(m) = icmp {
        // NACLs are stateless: the reply message must pass both on the way
        // back (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
        // Security groups track ICMP like connections. A message that gets
        // no reply is walked one way only.
        match m.reply() {
            Some(reply) => ephemeral = PortRange::new(reply.key(), reply.key()),
            None => expects_reply = false,
        }
    }
    let flow = Flow {
        protocol,
        port,
        expects_reply,
        ephemeral,
        lb_target: opts.lb_target,
        assume_appliance_allows: opts.assume_appliance_allows,
        terse: opts.terse,
    };

    let sps: Vec<Option<&Placement>> = if src.placements.is_empty() {
        vec![None]
    } else {
        src.placements.iter().map(Some).collect()
    };
    let dps: Vec<Option<&Placement>> = if dst.placements.is_empty() {
        vec![None]
    } else {
        dst.placements.iter().map(Some).collect()
    };
    let mut walks = Vec::new();
    for sp in &sps {
        for dp in &dps {
            let hops = walk::walk(topo, &flow, &src, *sp, &dst, *dp, &opts.host_facts);
            let j = judge(&hops, ephemeral);
            walks.push((*sp, *dp, hops, j));
        }
    }
    let verdicts: Vec<Verdict> = walks.iter().map(|w| w.3.verdict).collect();
    let merged = if verdicts.iter().all(|v| *v == verdicts[0]) {
        verdicts[0]
    } else {
        Verdict::Unknown
    };
    let rep = walks
        .iter()
        .position(|w| w.3.verdict == merged)
        .unwrap_or(0);
    let mut missing: Vec<String> = Vec::new();
    if walks.len() > 1 {
        let label = |sp: Option<&Placement>, dp: Option<&Placement>| {
            format!(
                "{} -> {}",
                sp.map_or("outside", |p| p.label()),
                dp.map_or("outside", |p| p.label())
            )
        };
        let summary: Vec<String> = walks
            .iter()
            .map(|(sp, dp, _, j)| format!("{}: {:?}", label(*sp, *dp), j.verdict).to_lowercase())
            .collect();
        if merged == Verdict::Unknown && verdicts.iter().any(|v| *v != Verdict::Unknown) {
            missing.push(format!(
                "which placement is in use; the answers differ ({})",
                summary.join("; ")
            ));
        } else {
            warnings.push(format!("answer per placement: {}", summary.join("; ")));
        }
    }
    let placements = walks.len();
    let (sp, dp, hops, j) = walks.swap_remove(rep);
    // Names beside ids, in the hops and in every sentence the answer says.
    let hops: Vec<Hop> = if opts.terse {
        hops
    } else {
        hops.into_iter()
            .map(|h| Hop {
                name: topo
                    .name_of(&h.component)
                    .map(str::to_string)
                    .or_else(|| h.name.clone()),
                detail: topo.with_names(&h.detail),
                near_miss: h.near_miss.as_ref().map(|n| topo.with_names(n)),
                ..h
            })
            .collect()
    };
    warnings.extend(crate::walk::asymmetric_warnings(topo, &hops));
    for h in &hops {
        for m in &h.missing {
            if !missing.contains(m) {
                missing.push(m.clone());
            }
        }
    }
    let blockers: Vec<Blocking> = j
        .blockers
        .iter()
        .map(|&i| Blocking::from_hop(&hops[i]))
        .collect();
    // The near misses of the blocking hops, in path order, once each.
    let mut near_misses: Vec<String> = Vec::new();
    for &i in j.blockers.iter().filter(|_| !opts.terse) {
        if let Some(n) = &hops[i].near_miss {
            let n = topo.with_names(n);
            if !near_misses.contains(&n) {
                near_misses.push(n);
            }
        }
    }
    let blocking = if merged == Verdict::Unknown && placements > 1 {
        None
    } else {
        j.blocking.map(|i| Blocking::from_hop(&hops[i]))
    };
    let symptom = match merged {
        Verdict::Reachable if icmp.is_some() => Symptom::Replies,
        Verdict::Blocked | Verdict::Partial if icmp.is_some() => Symptom::NoReply,
        Verdict::Reachable => Symptom::Connects,
        Verdict::Partial => Symptom::Intermittent,
        Verdict::Unknown => Symptom::Unknown,
        Verdict::Blocked => match (&blocking, j.blocking.map(|i| &hops[i])) {
            // The hop itself checked how its answer gets back (an ICMP
            // error from a host, `walk/host.rs`); a reply that the return
            // path's routes cannot carry is silence all the same.
            (Some(_), Some(h)) if h.symptom.is_some() => {
                let lost = hops.iter().any(|r| {
                    r.path == PathLeg::Return
                        && r.kind == crate::answer::HopKind::RouteTable
                        && r.decision == Decision::Deny
                });
                if lost {
                    Symptom::Timeout
                } else {
                    h.symptom.unwrap_or(Symptom::Unknown)
                }
            }
            // The host answers with a TCP reset, but the reset travels the
            // return path like any reply: where that path drops it, the
            // client only ever sees silence. (Found by the lab: a DB on
            // the wrong port behind a missing return route times out.)
            // NACLs and routes act on the reply like on any packet:
            // <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>.
            (Some(b), _) if b.code == ExplanationCode::NetpathNoListener => {
                let ret = hops.iter().filter(|h| h.path == PathLeg::Return);
                let mut worst = Symptom::Refused;
                for h in ret {
                    match h.decision {
                        Decision::Deny => worst = Symptom::Timeout,
                        Decision::Partial if worst == Symptom::Refused => {
                            worst = Symptom::Intermittent
                        }
                        Decision::Unknown if worst == Symptom::Refused => worst = Symptom::Unknown,
                        _ => {}
                    }
                }
                worst
            }
            _ => Symptom::Timeout,
        },
    };
    // An answer from the far end (refused, no route to host) is what the
    // client sees only if nothing before it drops the packet: an undecided
    // hop on the way there may turn it into silence.
    let symptom = match (symptom, j.blocking) {
        (Symptom::Refused | Symptom::Unreachable | Symptom::Intermittent, Some(b))
            if merged == Verdict::Blocked
                && hops[..b].iter().any(|h| h.decision == Decision::Unknown) =>
        {
            Symptom::Unknown
        }
        (s, _) => s,
    };
    let dst_instance = dp
        .and_then(|p| p.eni)
        .and_then(|e| topo.instance_of(e))
        .or(dst.instance);
    let host_checked = dst_instance.is_some_and(|i| {
        opts.host_facts
            .iter()
            .any(|f| f.instance_id.as_deref() == Some(i.instance_id.as_str()))
    });
    if merged == Verdict::Reachable && dst.db.is_none() && !dst.is_outside() && !host_checked {
        warnings.push(match icmp {
            Some(m) => format!("the network allows it; whether the host answers {m} (its own firewall; Windows blocks echo requests by default) was not checked: run `netpath host-facts` on it and pass --host-facts"),
            None => format!("the network allows it; the host itself was not checked (whether a process listens on {protocol} {port}, bound to the right address, and what its own firewall does): run `netpath host-facts` on it and pass --host-facts"),
        });
    }
    let ctx = fix::FixContext {
        topo,
        flow: &flow,
        src: &src,
        sp,
        dst: &dst,
        dp,
    };
    let mut fixes: Vec<crate::answer::Fix> = if opts.terse {
        Vec::new()
    } else {
        j.blockers
            .iter()
            .zip(&blockers)
            .enumerate()
            .map(|(n, (&i, b))| ctx.fix(n, &hops[i], b))
            .collect()
    };
    for f in &mut fixes {
        f.summary = topo.with_names(&f.summary);
    }
    // One advice without a command, said once (a private destination's).
    // One change that removes several blockers (a new peering routes both
    // ways) is listed once, under the first.
    fixes.dedup_by(|a, b| a.summary == b.summary && a.command == b.command);
    let missing: Vec<String> = missing.iter().map(|m| topo.with_names(m)).collect();
    let warnings: Vec<String> = if opts.terse {
        warnings
    } else {
        warnings.iter().map(|w| topo.with_names(w)).collect()
    };
    Ok(Explanation {
        verdict: merged,
        source: src.info(topo),
        destination: dst.info(topo),
        protocol: protocol.to_string(),
        port: if icmp.is_some() { 0 } else { port },
        icmp: icmp.map(|m| crate::answer::IcmpExchange {
            request: m,
            reply: m.reply(),
        }),
        client_os: if opts.ephemeral_ports.is_some() {
            "custom".into()
        } else {
            client_os.name().into()
        },
        ephemeral_ports: ephemeral,
        assume_appliance_allows: opts.assume_appliance_allows,
        hops,
        blocking,
        blockers,
        near_misses,
        symptom,
        fixes,
        after_fixes: None,
        missing,
        warnings,
    })
}
