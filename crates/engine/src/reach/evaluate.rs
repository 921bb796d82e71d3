//! One class against the fixed end: one `explain` per port piece, and
//! the address ranges outside the snapshot that a group names.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use netpath_model::{IpProtocol, PortRange};

use crate::addr::IpVersion;
use crate::answer::{Decision, HopKind, Verdict};
use crate::classes::{piece_options, pieces, port_cuts, rule_cidrs, End};
use crate::explain::{explain_with, ExplainOptions};
use crate::resolve::{resolve_in, Endpoint, ResolveError};
use crate::topology::Topology;

/// [`resolve_in`] remembered: `reach` asks about the same fixed end (and
/// the same representatives) in every walk, and resolving a name or a DB
/// identifier scans every instance and DB instance, a cost that grew with
/// the estate. A pure function of its key, so the answers are the same.
#[derive(Default)]
pub(super) struct Resolved<'a> {
    memo: std::collections::HashMap<
        (String, Option<String>, bool),
        Result<Endpoint<'a>, ResolveError>,
    >,
}

impl<'a> Resolved<'a> {
    fn get(
        &mut self,
        topo: &Topology<'a>,
        r: &str,
        prefer: Option<&str>,
        v6: bool,
    ) -> Result<Endpoint<'a>, ResolveError> {
        // Only the fixed ends repeat (once per VPC a source is in, as
        // `prefer`); ENI and instance ids resolve by index and are not
        // kept, so the memo never fills with them and the fixed end is
        // never scanned for again.
        if topo.eni(r).is_some() || topo.instance(r).is_some() {
            return resolve_in(topo, r, prefer, v6);
        }
        let key = (r.to_string(), prefer.map(str::to_string), v6);
        if let Some(hit) = self.memo.get(&key) {
            return hit.clone();
        }
        let out = resolve_in(topo, r, prefer, v6);
        if self.memo.len() < 65_536 {
            self.memo.insert(key, out.clone());
        }
        out
    }
}

use super::PortAccess;

/// Answers every item of `items` with `answer` (one class's walks against
/// the fixed end), on up to as many threads as the machine has cores (at
/// most 4), each with its own [`Resolved`] memo. The answers come back in
/// `items`' order (`None`s dropped) and `walks` counts every walk. The
/// walks are independent and `answer` is a pure function of its inputs, so
/// the output is the same as one thread's; fewer than 256 items are
/// answered on this thread.
pub(super) fn answer_all<'a, T: Sync, R: Send>(
    items: &[T],
    walks: &mut usize,
    answer: impl Fn(&mut Resolved<'a>, &T, &mut usize) -> Option<R> + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4);
    let threads = if items.len() < 256 { 1 } else { threads };
    answer_on(threads, items, walks, answer)
}

/// [`answer_all`] on `threads` threads (1: this one).
fn answer_on<'a, T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    walks: &mut usize,
    answer: impl Fn(&mut Resolved<'a>, &T, &mut usize) -> Option<R> + Sync,
) -> Vec<R> {
    if threads <= 1 {
        let mut resolved = Resolved::default();
        return items
            .iter()
            .filter_map(|x| answer(&mut resolved, x, walks))
            .collect();
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let answer = &answer;
    let parts: Vec<(Vec<R>, usize)> = std::thread::scope(|sc| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                sc.spawn(move || {
                    let mut resolved = Resolved::default();
                    let mut n = 0;
                    let out: Vec<R> = part
                        .iter()
                        .filter_map(|x| answer(&mut resolved, x, &mut n))
                        .collect();
                    (out, n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut out = Vec::with_capacity(items.len());
    for (part, n) in parts {
        out.extend(part);
        *walks += n;
    }
    out
}

/// What every walk of one `reach` question shares besides its ports (see
/// [`crate::ExplainOptions`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Asked {
    /// Only the connections load balancers send to this target.
    pub lb_target: Option<Ipv4Addr>,
    /// Gateway Load Balancer endpoints' appliances pass every packet.
    pub assume_appliance_allows: bool,
}

/// Answers one (source, destination) class pair on every port piece, over
/// family `v`.
/// Output: one [`PortAccess`] per run of pieces with the same answer,
/// blocked runs included (the caller drops them).
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate<'a>(
    topo: &Topology<'a>,
    resolved: &mut Resolved<'a>,
    src_ref: &str,
    src: &End,
    dst_ref: &str,
    dst: &End,
    ranges: &[(IpProtocol, PortRange)],
    v: IpVersion,
    asked: Asked,
    walks: &mut usize,
) -> Vec<PortAccess> {
    let mut cuts = BTreeSet::new();
    port_cuts(topo, src, dst, 0, &mut cuts);
    let mut out: Vec<PortAccess> = Vec::new();
    for &(proto, range) in ranges {
        for piece in pieces(range, &cuts) {
            *walks += 1;
            let opts = ExplainOptions {
                terse: true,
                lb_target: asked.lb_target,
                assume_appliance_allows: asked.assume_appliance_allows,
                ..piece_options(proto, piece, v)
            };
            let explained = explain_with(topo, src_ref, dst_ref, &opts, &mut |r, p, v6| {
                resolved.get(topo, r, p, v6)
            });
            let acc = match explained {
                Ok(e) => {
                    let mut via = Vec::new();
                    let mut igw = None;
                    for h in &e.hops {
                        let Some(m) = &h.matched else { continue };
                        if h.kind == HopKind::RouteTable {
                            if let Some(t) = m.target.as_deref().filter(|t| t.starts_with("igw-")) {
                                igw = Some(t.to_string());
                            }
                        }
                        if h.decision == Decision::Allow {
                            // Rule texts name their group or ACL; a route
                            // names only its destination and target.
                            let v = if h.kind == HopKind::RouteTable {
                                format!("{}: {}", h.component, m.text)
                            } else {
                                m.text.clone()
                            };
                            // A route table met on both legs is named once.
                            if !via.contains(&v) {
                                via.push(v);
                            }
                        }
                    }
                    PortAccess {
                        protocol: proto.to_string(),
                        ports: piece,
                        verdict: e.verdict,
                        blocked_ports: if e.verdict == Verdict::Partial {
                            e.blocking
                                .as_ref()
                                .map(|b| b.blocked_ports.clone())
                                .unwrap_or_default()
                        } else {
                            Vec::new()
                        },
                        missing: if e.verdict == Verdict::Unknown {
                            e.missing
                        } else {
                            Vec::new()
                        },
                        via: if matches!(e.verdict, Verdict::Reachable | Verdict::Partial) {
                            via
                        } else {
                            Vec::new()
                        },
                        internet_gateway: igw,
                    }
                }
                Err(err) => PortAccess {
                    protocol: proto.to_string(),
                    ports: piece,
                    verdict: Verdict::Unknown,
                    blocked_ports: Vec::new(),
                    missing: vec![err.to_string()],
                    via: Vec::new(),
                    internet_gateway: None,
                },
            };
            match out.last_mut() {
                Some(l)
                    if l.protocol == acc.protocol
                        && u32::from(l.ports.to) + 1 == u32::from(acc.ports.from)
                        && l.verdict == acc.verdict
                        && l.blocked_ports == acc.blocked_ports
                        && l.missing == acc.missing
                        && l.via == acc.via
                        && l.internet_gateway == acc.internet_gateway =>
                {
                    l.ports.to = acc.ports.to
                }
                _ => out.push(acc),
            }
        }
    }
    out
}

/// The integer bounds of a CIDR (IPv4 widened to `u128`).
fn bounds(n: &IpNet) -> (u128, u128) {
    match n {
        IpNet::V4(n) => (
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
    }
}

fn addr_of(v: IpVersion, bits: u128) -> IpAddr {
    match v {
        IpVersion::Ipv4 => IpAddr::V4(Ipv4Addr::from(bits as u32)),
        IpVersion::Ipv6 => IpAddr::V6(Ipv6Addr::from(bits)),
    }
}

/// Address ranges of family `v` outside the snapshot that `groups` admit
/// on some port, cut at every CIDR of the snapshot that overlaps them. Each
/// item: the range's first and last address. A range as wide as the
/// internet (wider than an IPv4 /8 or an IPv6 /16) is `internet`, not a
/// range of its own.
pub(super) fn outside_ranges(
    topo: &Topology,
    groups: &[String],
    v: IpVersion,
) -> Vec<(IpAddr, IpAddr)> {
    let snap = topo.snapshot;
    let vpc_cidrs: Vec<IpNet> = snap
        .vpcs
        .iter()
        .flatten()
        .flat_map(|x| match v {
            IpVersion::Ipv4 => x
                .cidr_blocks
                .iter()
                .map(|c| IpNet::V4(*c))
                .collect::<Vec<_>>(),
            IpVersion::Ipv6 => x.ipv6_cidr_blocks.iter().map(|c| IpNet::V6(*c)).collect(),
        })
        .collect();
    let widest = if v.is_v6() { 16 } else { 8 };
    let mut ranges: BTreeSet<IpNet> = BTreeSet::new();
    for g in groups {
        let Some(sg) = topo.security_group(g) else {
            continue;
        };
        for p in &sg.ip_permissions {
            let named: Vec<IpNet> = match v {
                IpVersion::Ipv4 => p.ip_ranges.iter().map(|c| IpNet::V4(*c)).collect(),
                IpVersion::Ipv6 => p.ipv6_ranges.iter().map(|c| IpNet::V6(*c)).collect(),
            };
            for c in named {
                if c.prefix_len() >= widest
                    && !vpc_cidrs.iter().any(|x| x.contains(&c) || c.contains(x))
                {
                    ranges.insert(c);
                }
            }
        }
    }
    // Every CIDR the snapshot's rules, entries, routes and prefix lists name.
    let all = rule_cidrs(snap, v);
    let mut out = Vec::new();
    let mut covered: Vec<(u128, u128)> = Vec::new();
    for r in &ranges {
        let (lo, hi) = bounds(r);
        if covered.iter().any(|(a, b)| *a <= lo && hi <= *b) {
            continue; // inside a wider range already cut
        }
        covered.push((lo, hi));
        let mut starts: BTreeSet<u128> = BTreeSet::from([lo]);
        for c in &all {
            let (a, b) = bounds(c);
            if a > lo && a <= hi {
                starts.insert(a);
            }
            if b >= lo && b < hi {
                starts.insert(b + 1);
            }
        }
        let starts: Vec<u128> = starts.into_iter().collect();
        for (i, s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(hi, |n| n - 1);
            out.push((addr_of(v, *s), addr_of(v, e)));
        }
    }
    out
}

/// The CIDRs covering `first..=last` (both of one family).
pub(super) fn cidrs_of(first: IpAddr, last: IpAddr) -> Vec<String> {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            Ipv4Subnets::new(a, b, 0).map(|n| n.to_string()).collect()
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            Ipv6Subnets::new(a, b, 0).map(|n| n.to_string()).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads answer in the items' order, drop the same `None`s and count
    /// every walk: the same as one thread.
    #[test]
    fn threads_answer_as_one_thread_does() {
        let items: Vec<u32> = (0..1000).collect();
        let answer = |_: &mut Resolved<'_>, x: &u32, walks: &mut usize| {
            *walks += (*x % 3) as usize;
            (x % 7 != 0).then(|| x * 2)
        };
        let mut one = 0;
        let want = answer_on(1, &items, &mut one, answer);
        for threads in [2, 3, 4] {
            let mut n = 0;
            assert_eq!(answer_on(threads, &items, &mut n, answer), want);
            assert_eq!(n, one);
        }
        assert_eq!(want.len(), 1000 - 143);
    }
}
