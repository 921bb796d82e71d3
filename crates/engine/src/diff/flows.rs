//! The flows of one address family compared between BEFORE and AFTER:
//! ends grouped into (BEFORE class, AFTER class) pairs, one representative
//! pair walked per port piece, only where an edit can act (see the parent
//! module's docs).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use netpath_model::{CompactString, IpProtocol, PortRange};

use super::outbound;
use super::outcome::{classify, outcome, side, Outcome};
use super::prune::{footprint, load_balancer_footprint, FootprintCache, Hot, HotItem};
use super::select::select;
use super::{DiffError, DiffOptions, DiffSummary, FlowChange};
use crate::addr::IpVersion;
use crate::answer::{Symptom, Verdict};
use crate::classes::{
    collect_ends, merge_ranges, piece_options, pieces, port_cuts, ClassKey, End, EndKind, KeepEnd,
};
use crate::edits::{Edit, EditRole, FlowFootprint};
use crate::explain::{explain, ExplainOptions};
use crate::topology::Topology;

/// The changed flows of family `v`, unsorted and uncounted, with the
/// warnings of its `--from`/`--to` selection; `summary` gains the flows
/// compared and the pairs walked.
///
/// Errors: [`DiffError`] for a protocol other than TCP/UDP, or a filter
/// that names nothing in this family.
pub(super) fn compare_flows(
    before: &Topology,
    after: &Topology,
    opts: &DiffOptions,
    edits: &[Edit],
    v: IpVersion,
    summary: &mut DiffSummary,
) -> Result<(Vec<FlowChange>, Vec<String>), DiffError> {
    let topos = [before, after];
    let max_pairs = opts.max_pairs;
    let mut ends: BTreeMap<CompactString, End> = BTreeMap::new();
    // A load balancer carries flows to its targets from ends that carry
    // none of the targets' groups: with one in either snapshot, every end
    // is compared.
    let balanced = topos.iter().any(|t| {
        t.snapshot
            .load_balancers
            .as_ref()
            .is_some_and(|l| !l.is_empty())
    });
    let scope = if opts.changes_only && !balanced {
        super::prune::Scope::of(edits)
    } else {
        None
    };
    let keep = scope.as_ref().map(|sc| {
        move |vpc: &str, subnets: &[CompactString], groups: &[CompactString], addrs: &[IpAddr]| {
            sc.keeps(vpc, subnets, groups, addrs)
        }
    });
    let keep_ref = keep.as_ref().map(|k| k as &KeepEnd<'_>);
    let (cb, ca) = match &scope {
        Some(sc) => (sc.candidates(before, v), sc.candidates(after, v)),
        None => (None, None),
    };
    collect_ends(before, 0, &mut ends, v, keep_ref, cb.as_deref());
    collect_ends(after, 1, &mut ends, v, keep_ref, ca.as_deref());
    outbound::set_internet_ports(topos, &mut ends);
    let protocol = opts.protocol.unwrap_or(IpProtocol::Tcp);
    if !protocol.has_ports() {
        return Err(DiffError::Protocol);
    }
    let from_sel = opts
        .from
        .as_deref()
        .map(|r| select(r, topos, &mut ends, v))
        .transpose()?;
    let to_sel = opts
        .to
        .as_deref()
        .map(|r| select(r, topos, &mut ends, v))
        .transpose()?;

    // Components the edits touch, by the end of a flow they act on, and on
    // which ports: a security-group rule edit matters only to flows on the
    // ports it covers (groups are stateful: replies never meet the rules),
    // a NACL entry below port 1024 only to requests on its ports; every
    // other edit may matter on any port. ENI and instance edits are
    // left out: they change the ENI's class instead.
    let mut t_src: HashMap<&str, Vec<HotItem>> = HashMap::new();
    let mut t_dst: HashMap<&str, Vec<HotItem>> = HashMap::new();
    let mut global = false;
    let outbound = outbound::touched(topos, edits);
    for e in edits {
        if matches!(e.resource_type, "network-interface" | "instance") {
            continue;
        }
        if matches!(e.resource_type, "prefix-list" | "unresolved") {
            global = true;
        }
        let ports = match (e.resource_type, e.ports) {
            ("security-group-rule", p) => p,
            // A NACL entry matches destination ports: the request's port,
            // and on the return leg the client's ephemeral port (1024 and up
            // for every client kind). An entry below 1024 can only act on
            // requests to those ports.
            ("network-acl-entry", Some((p, r))) if r.to < 1024 => Some((p, r)),
            _ => None,
        };
        for t in &e.touches {
            if e.role != EditRole::Destination {
                t_src.entry(t).or_default().push((ports, e.peers.clone()));
            }
            if e.role != EditRole::Source {
                t_dst.entry(t).or_default().push((ports, e.peers.clone()));
            }
        }
    }
    // How a class (by its representative) is touched, as a source and as a
    // destination. A side no edit touches needs no footprint: the common
    // case of a single rule edit (a fix's blast radius) touches one side.
    let mut cache = FootprintCache::default();
    let mut hot = |e: &End, as_dst: bool| -> Hot {
        if global
            || e.class[0] != e.class[1]
            || matches!(e.kind, EndKind::Address | EndKind::OnPrem)
            || as_dst && e.kind == EndKind::Internet && outbound
        {
            return Hot::all();
        }
        let touched = if as_dst { &t_dst } else { &t_src };
        let mut out = Hot::default();
        if !touched.is_empty() {
            let mut fp: Vec<CompactString> = Vec::new();
            for (sd, topo) in topos.iter().enumerate() {
                footprint(topo, e, sd, &mut fp, &mut cache);
                // A load balancer's second leg runs on the targets' ports,
                // not the flow's: any edit on it touches every port.
                if as_dst
                    && load_balancer_footprint(topo, e, &mut cache, sd)
                        .iter()
                        .any(|x| touched.contains_key(x.as_str()))
                {
                    return Hot::all();
                }
            }
            for x in &fp {
                out.items
                    .extend(touched.get(x.as_str()).into_iter().flatten().cloned());
            }
        }
        out
    };

    // Sources and destinations, grouped by (BEFORE class, AFTER class).
    type Groups = BTreeMap<(Option<ClassKey>, Option<ClassKey>), Vec<CompactString>>;
    let mut srcs: Groups = BTreeMap::new();
    let mut dsts: Groups = BTreeMap::new();
    for (k, e) in &ends {
        let joint = (e.class[0].clone(), e.class[1].clone());
        let as_src = match &from_sel {
            Some(sel) => sel.contains(k),
            None => {
                matches!(e.kind, EndKind::Eni | EndKind::Internet | EndKind::OnPrem) && !e.managed
            }
        };
        let as_dst = match &to_sel {
            Some(sel) => sel.contains(k),
            None => matches!(
                e.kind,
                EndKind::Eni | EndKind::Db | EndKind::Internet | EndKind::OnPrem
            ),
        };
        if as_src {
            srcs.entry(joint.clone())
                .or_default()
                .push(k.to_string().into());
        }
        if as_dst {
            dsts.entry(joint).or_default().push(k.to_string().into());
        }
    }

    let mut warnings = Vec::new();
    let mut changes = Vec::new();
    // Per destination class: its ports (both sides) and whether it is touched.
    // (members, first member's end, ranges, hot as a destination); the
    // inner loop below runs once per class pair, so nothing in it may look
    // anything up by name.
    type DstInfo<'m> = (
        &'m Vec<CompactString>,
        &'m End,
        Vec<(IpProtocol, PortRange)>,
        Hot,
    );
    let dinfo: Vec<DstInfo> = dsts
        .values()
        .map(|m| {
            let d = &ends[&m[0]];
            let ranges = match opts.port {
                Some(p) => vec![(protocol, PortRange::new(p, p))],
                None => merge_ranges(d.ports[0].iter().chain(&d.ports[1]).copied().collect()),
            };
            (m, d, ranges, hot(d, true))
        })
        .collect();
    /// What the pair loop needs of a destination class, packed so that the
    /// loop over every (source class, destination class) stays cheap.
    struct Lite<'e> {
        end: &'e End,
        address: bool,
        internet: bool,
        public: bool,
        present: bool,
        members: usize,
        ranges: usize,
        hot: bool,
    }
    let lite: Vec<Lite> = dinfo
        .iter()
        .map(|(m, d, r, h)| Lite {
            end: d,
            address: matches!(d.kind, EndKind::Address | EndKind::OnPrem),
            internet: d.kind == EndKind::Internet,
            public: d.public.iter().any(|p| *p),
            present: d.refs[1].is_some(),
            members: m.len(),
            ranges: r.len(),
            hot: h.any(),
        })
        .collect();
    // Which destination classes a source of each kind is compared with:
    // a source outside the snapshot only with ends inside it, the internet
    // only with ends that have a public address (unless asked by name); a
    // destination gone in AFTER is reported as a removed resource.
    let compared = |dl: &Lite, s_outside: bool, s_internet: bool| {
        dl.ranges > 0
            && dl.present
            && !(s_outside && (dl.address || dl.internet))
            && !(s_internet && !dl.public && to_sel.is_none())
    };
    // Flows compared per source member, by source kind (inside, outside,
    // the internet): every pair counts, walked or not, so the sums are
    // taken once and the loop below visits only the pairs an edit touches.
    let per_member = |s_outside: bool, s_internet: bool| -> usize {
        lite.iter()
            .filter(|dl| compared(dl, s_outside, s_internet))
            .map(|dl| dl.members * dl.ranges)
            .sum()
    };
    let totals = [
        per_member(false, false),
        per_member(true, false),
        per_member(true, true),
    ];
    let hot_dsts: Vec<usize> = (0..lite.len()).filter(|&i| lite[i].hot).collect();
    let every_dst: Vec<usize> = (0..lite.len()).collect();
    let dst_index: HashMap<*const End, usize> = lite
        .iter()
        .enumerate()
        .map(|(i, dl)| (std::ptr::from_ref(dl.end), i))
        .collect();
    // Which edits touch an id of a class's members (ENIs, instances, DB
    // instances), and the members' keys: per class, once, not per change.
    let touched_by = |members: &[CompactString]| -> Vec<bool> {
        edits
            .iter()
            .map(|e| {
                members
                    .iter()
                    .any(|m| e.touches.iter().any(|t| ends[m].ids.contains(t.as_str())))
            })
            .collect()
    };
    let keys_of = |members: &[CompactString]| -> Vec<String> {
        members.iter().map(|m| ends[m].key.to_string()).collect()
    };
    // Each source class: its hot set (a memo shared by all, so computed
    // here, in order) and the flows it is compared on.
    let mut work: Vec<(&Vec<CompactString>, Hot)> = Vec::new();
    for smembers in srcs.values() {
        let s0 = &ends[&smembers[0]];
        let src_hot = hot(s0, false);
        let (s_outside, s_internet) = (
            matches!(
                s0.kind,
                EndKind::Internet | EndKind::Address | EndKind::OnPrem
            ),
            s0.kind == EndKind::Internet,
        );
        if s0.refs[1].is_none() {
            continue; // gone in AFTER: reported as a removed resource
        }
        let kind = usize::from(s_outside) + usize::from(s_internet);
        summary.flows_compared += smembers.len() * totals[kind];
        // A source is not its own peer: its class pair with itself has
        // one flow fewer per member.
        if let Some(&i) = dst_index.get(&std::ptr::from_ref(s0)) {
            if compared(&lite[i], s_outside, s_internet) {
                summary.flows_compared -= smembers.len() * lite[i].ranges;
            }
        }
        work.push((smembers, src_hot));
    }
    let walked = AtomicUsize::new(summary.pairs_walked);
    // One source class's pair walks: its changes, in the order the pieces
    // were met, each told with names. `dst_cache` is the calling thread's
    // memo of destination classes' touches and keys.
    type DstCache = Vec<Option<(Vec<bool>, Vec<String>)>>;
    let class_changes = |smembers: &Vec<CompactString>,
                         src_hot: &Hot,
                         dst_cache: &mut DstCache|
     -> Result<Vec<FlowChange>, DiffError> {
        let s0 = &ends[&smembers[0]];
        let (s_outside, s_internet) = (
            matches!(
                s0.kind,
                EndKind::Internet | EndKind::Address | EndKind::OnPrem
            ),
            s0.kind == EndKind::Internet,
        );
        let mut src_cache: Option<(Vec<bool>, Vec<String>)> = None;
        let mut changes: Vec<FlowChange> = Vec::new();
        // Nothing on a pair's path changed unless one of its ends is hot.
        let visit = if src_hot.any() { &every_dst } else { &hot_dsts };
        for &i in visit {
            let dl = &lite[i];
            if !compared(dl, s_outside, s_internet) {
                continue;
            }
            let same_class = std::ptr::eq(s0, dl.end);
            let (dmembers, _, ranges, dst_hot) = &dinfo[i];
            // Representatives: distinct ends (a class pair with itself needs two members).
            let (sk, dk) = if !same_class {
                (&smembers[0], &dmembers[0])
            } else if smembers.len() > 1 {
                (&smembers[1], &dmembers[0])
            } else {
                continue;
            };
            let (s, d) = (&ends[sk], &ends[dk]);
            // No edit can act on this pair on any of its ports: skip it
            // before cutting ranges.
            if !ranges.iter().any(|&(proto, range)| {
                src_hot.covers(proto, range, d) || dst_hot.covers(proto, range, s)
            }) {
                continue;
            }
            let mut cuts = BTreeSet::new();
            for (sd, topo) in topos.iter().enumerate() {
                port_cuts(topo, s, d, sd, &mut cuts);
            }
            // Sides where both ends exist.
            for &(proto, range) in ranges {
                let mut last: Option<FlowChange> = None;
                for piece in pieces(range, &cuts) {
                    if !(src_hot.covers(proto, piece, d) || dst_hot.covers(proto, piece, s)) {
                        // Nothing that acts on this port changed; the answer
                        // stands, and it closes any run of merged changes.
                        if let Some(c) = last.take() {
                            changes.push(c);
                        }
                        continue;
                    }
                    // Compared tersely (no names beside ids, no fixes: the
                    // same verdicts, blockers and footprints); a change
                    // found is told with names (`named`).
                    let opts = ExplainOptions {
                        assume_appliance_allows: opts.assume_appliance_allows,
                        terse: true,
                        ..piece_options(proto, piece, v)
                    };
                    let run = |sd: usize| walk(topos[sd], s, d, sd, &opts);
                    let n = walked.fetch_add(1, Ordering::Relaxed);
                    if max_pairs.is_some_and(|m| n >= m) {
                        return Err(DiffError::TooLarge(n));
                    }
                    let (ob, oa) = (run(0), run(1));
                    let Some(oa) = oa else { continue };
                    // To the internet, a flow blocked on both sides (another
                    // blocker, say a route table without a default route
                    // swapped for another) never left through a gateway:
                    // not a change worth a review.
                    let never_out = d.kind == EndKind::Internet
                        && oa.verdict == Verdict::Blocked
                        && ob.as_ref().is_none_or(|b| b.verdict == Verdict::Blocked);
                    let classified = classify(ob.as_ref(), &oa).filter(|_| !never_out);
                    let Some((kind, trend)) = classified else {
                        if let Some(c) = last.take() {
                            changes.push(c);
                        }
                        continue;
                    };
                    let fp = FlowFootprint {
                        ids: oa
                            .footprint_ids()
                            .into_iter()
                            .chain(ob.iter().flat_map(Outcome::footprint_ids))
                            .collect(),
                        protocol: Some(proto),
                        ports: vec![piece, oa.ephemeral],
                        addrs: oa.addrs(),
                    };
                    let (s_touch, s_keys) =
                        src_cache.get_or_insert_with(|| (touched_by(smembers), keys_of(smembers)));
                    let (d_touch, d_keys) = dst_cache[i]
                        .get_or_insert_with(|| (touched_by(dmembers), keys_of(dmembers)));
                    let caused_by: Vec<usize> = edits
                        .iter()
                        .enumerate()
                        .filter(|(k, e)| e.relevant_to_flow(&fp, s_touch[*k] || d_touch[*k]))
                        .map(|(k, _)| k)
                        .collect();
                    let change = FlowChange {
                        change: kind,
                        trend,
                        from: s_keys.clone(),
                        to: d_keys.clone(),
                        ip_version: v,
                        protocol: proto.to_string(),
                        ports: piece,
                        before: side(ob.as_ref()),
                        after: side(Some(&oa)),
                        caused_by,
                    };
                    match &mut last {
                        Some(l)
                            if l.change == change.change
                                && l.trend == change.trend
                                && l.before == change.before
                                && l.after == change.after
                                && u32::from(l.ports.to) + 1 == u32::from(piece.from) =>
                        {
                            l.ports.to = piece.to;
                            for c in change.caused_by {
                                if !l.caused_by.contains(&c) {
                                    l.caused_by.push(c);
                                }
                            }
                            l.caused_by.sort();
                        }
                        _ => {
                            if let Some(c) = last.replace(change) {
                                changes.push(c);
                            }
                        }
                    }
                }
                if let Some(c) = last.take() {
                    changes.push(c);
                }
            }
        }
        for c in &mut changes {
            named(topos[0], &mut c.before);
            named(topos[1], &mut c.after);
        }
        Ok(changes)
    };
    // The classes on every core, taken in turn; their changes joined in
    // class order, as one loop over them would give.
    let n_dst = lite.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, work.len().max(1));
    /// One thread's classes: (class index, its changes).
    type Done = Vec<(usize, Vec<FlowChange>)>;
    let per_thread: Vec<Result<Done, DiffError>> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (work, class_changes) = (&work, &class_changes);
                sc.spawn(move || {
                    let mut dst_cache: DstCache = vec![None; n_dst];
                    let mut out = Vec::new();
                    for (i, (smembers, src_hot)) in work.iter().enumerate().skip(t).step_by(threads)
                    {
                        out.push((i, class_changes(smembers, src_hot, &mut dst_cache)?));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a diff thread panicked"))
            .collect()
    });
    let mut per_class: Done = Vec::new();
    for r in per_thread {
        per_class.extend(r?);
    }
    per_class.sort_by_key(|(i, _)| *i);
    for (_, c) in per_class {
        changes.extend(c);
    }
    summary.pairs_walked = walked.load(Ordering::Relaxed);
    for (k, e) in &ends {
        let selected = from_sel.as_ref().is_some_and(|s| s.contains(k))
            || to_sel.as_ref().is_some_and(|s| s.contains(k));
        if !selected || e.kind == EndKind::Internet {
            continue;
        }
        if e.refs[0].is_none() && e.refs[1].is_some() {
            warnings.push(format!("{} exists only in AFTER", e.key));
        }
        if e.refs[1].is_none() && e.refs[0].is_some() {
            warnings.push(format!(
                "{} exists only in BEFORE; its flows are not compared",
                e.key
            ));
        }
    }
    Ok((changes, warnings))
}

/// Names beside ids in side `s` of a change, as a full (not terse)
/// explain on `topo` says them: the blocking hop's name and sentence; the
/// rest is the same either way.
fn named(topo: &Topology, s: &mut super::FlowSide) {
    if let Some(b) = &mut s.blocking {
        b.name = topo
            .name_of(&b.component)
            .map(str::to_string)
            .or_else(|| b.name.take());
        b.detail = topo.with_names(&b.detail);
    }
}

/// The outcome of the flow from end `s` to end `d` on side `sd` (0 BEFORE,
/// 1 AFTER) of `topo`, asked with `opts`; `None` when an end does not exist
/// on that side. An explain error is an unknown outcome carrying its message.
fn walk(topo: &Topology, s: &End, d: &End, sd: usize, opts: &ExplainOptions) -> Option<Outcome> {
    let (from, to) = (s.refs[sd].as_deref()?, d.refs[sd].as_deref()?);
    Some(match explain(topo, from, to, opts) {
        Ok(e) => outcome(e),
        Err(err) => Outcome {
            verdict: Verdict::Unknown,
            symptom: Symptom::Unknown,
            blocking: None,
            blocked_ports: Vec::new(),
            missing: vec![err.to_string()],
            ephemeral: PortRange::ALL,
            rest: None,
        },
    })
}
