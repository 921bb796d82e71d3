//! One class against the fixed end: one `explain` per port piece, and
//! the address ranges outside the snapshot that a group names.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv4Subnets};
use netpath_model::{IpProtocol, PortRange};

use crate::answer::{Decision, HopKind, Verdict};
use crate::classes::{piece_options, pieces, port_cuts, rule_cidrs, End};
use crate::explain::explain;
use crate::topology::Topology;

use super::PortAccess;

/// Answers one (source, destination) class pair on every port piece.
/// Output: one [`PortAccess`] per run of pieces with the same answer,
/// blocked runs included (the caller drops them).
#[allow(clippy::too_many_arguments)]
pub(super) fn evaluate(
    topo: &Topology,
    src_ref: &str,
    src: &End,
    dst_ref: &str,
    dst: &End,
    ranges: &[(IpProtocol, PortRange)],
    walks: &mut usize,
) -> Vec<PortAccess> {
    let mut cuts = BTreeSet::new();
    port_cuts(topo, src, dst, 0, &mut cuts);
    let mut out: Vec<PortAccess> = Vec::new();
    for &(proto, range) in ranges {
        for piece in pieces(range, &cuts) {
            *walks += 1;
            let acc = match explain(topo, src_ref, dst_ref, &piece_options(proto, piece)) {
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

/// Address ranges outside the snapshot that `groups` admit on some port,
/// cut at every CIDR of the snapshot that overlaps them. Each item: the
/// range's first and last address.
pub(super) fn outside_ranges(topo: &Topology, groups: &[String]) -> Vec<(Ipv4Addr, Ipv4Addr)> {
    let snap = topo.snapshot;
    let vpc_cidrs: Vec<Ipv4Net> = snap
        .vpcs
        .iter()
        .flatten()
        .flat_map(|v| v.cidr_blocks.iter().copied())
        .collect();
    let mut ranges: BTreeSet<Ipv4Net> = BTreeSet::new();
    for g in groups {
        let Some(sg) = topo.security_group(g) else {
            continue;
        };
        for p in &sg.ip_permissions {
            for c in &p.ip_ranges {
                // 0.0.0.0/0 (and any range wider than a /8) is `internet`.
                if c.prefix_len() >= 8 && !vpc_cidrs.iter().any(|v| v.contains(c) || c.contains(v))
                {
                    ranges.insert(*c);
                }
            }
        }
    }
    // Every CIDR the snapshot's rules, entries, routes and prefix lists name.
    let all = rule_cidrs(snap);
    let mut out = Vec::new();
    let mut covered: Vec<(u32, u32)> = Vec::new();
    for r in &ranges {
        let (lo, hi) = (u32::from(r.network()), u32::from(r.broadcast()));
        if covered.iter().any(|(a, b)| *a <= lo && hi <= *b) {
            continue; // inside a wider range already cut
        }
        covered.push((lo, hi));
        let mut starts: BTreeSet<u32> = BTreeSet::from([lo]);
        for c in &all {
            let (a, b) = (u32::from(c.network()), u32::from(c.broadcast()));
            if a > lo && a <= hi {
                starts.insert(a);
            }
            if b >= lo && b < hi {
                starts.insert(b + 1);
            }
        }
        let starts: Vec<u32> = starts.into_iter().collect();
        for (i, s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).map_or(hi, |n| n - 1);
            out.push((Ipv4Addr::from(*s), Ipv4Addr::from(e)));
        }
    }
    out
}

/// The CIDRs covering `first..=last`.
pub(super) fn cidrs_of(first: Ipv4Addr, last: Ipv4Addr) -> Vec<String> {
    Ipv4Subnets::new(first, last, 0)
        .map(|n| n.to_string())
        .collect()
}
