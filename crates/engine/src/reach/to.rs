//! `reach --to`: every source that reaches a destination (see the
//! module docs of `reach`), and the sources that reach an instance through
//! the load balancers that forward to it.

use netpath_model::{IpProtocol, PortRange};

use crate::addr::IpVersion;
use crate::classes::{End, EndKind};
use crate::resolve::{resolve_in, Endpoint};
use crate::topology::Topology;

use super::classes::{egress_ports, ends_of, fixed_end, Class, Member};
use super::entries::{entries, Answered};
use super::evaluate::{self, cidrs_of, evaluate, outside_ranges, Asked};
use super::load_balancer::in_front;
use super::{EntryKind, ReachEntry, ReachError, ReachOptions, ReachSummary};

/// The sources that reach `reference` over family `v`, on `only` (else
/// the ports its groups open), as entries, each walk asked as `asked` says
/// (its `lb_target` narrows every load balancer on the way to that one
/// target: [`crate::ExplainOptions::lb_target`]). Counts go to `summary`,
/// warnings to `warnings`. Output: the destination resolved, and the
/// entries (ENI classes, `internet`, then the outside CIDRs its groups
/// name).
///
/// Errors: [`ReachError::Resolve`] when `reference` names nothing or
/// several things.
#[allow(clippy::too_many_arguments)]
pub(super) fn reach_to<'a>(
    topo: &Topology<'a>,
    all: &[Class<'a>],
    reference: &str,
    only: Option<&[(IpProtocol, PortRange)]>,
    v: IpVersion,
    asked: Asked,
    summary: &mut ReachSummary,
    warnings: &mut Vec<String>,
) -> Result<(Endpoint<'a>, Vec<ReachEntry>), ReachError> {
    let internet = Class::internet();
    let mut answered: Vec<Answered> = Vec::new();
    let mut walks = 0usize;
    let mut resolved = evaluate::Resolved::default();
    let ep = resolve_in(topo, reference, None, v.is_v6())?;
    let (fixed, ids) = fixed_end(topo, &ep);
    let ranges = only.map_or_else(|| fixed.ports[0].clone(), <[_]>::to_vec);
    if ranges.is_empty() && fixed.kind != EndKind::Internet {
        warnings.push(format!(
            "no inbound rule of {reference}'s security groups opens a TCP or UDP port; pass --port"
        ));
    }
    // ENIs of AWS services originate no connections of their own.
    let sources: Vec<&Class> = all
        .iter()
        .filter(|c| c.kind == EntryKind::NetworkInterfaces && !c.end.managed)
        .collect();
    answered.extend(evaluate::answer_all(
        &sources,
        &mut walks,
        |resolved, c, walks| {
            let (rep, members) = ends_of(c, &ids);
            let (Some(rep), false) = (rep, members.is_empty()) else {
                return None;
            };
            let r = if fixed.kind == EndKind::Internet {
                only.map(<[_]>::to_vec)
                    .unwrap_or_else(|| egress_ports(topo, &c.end.groups[0]))
            } else {
                ranges.clone()
            };
            let acc = evaluate(
                topo, resolved, &rep, &c.end, reference, &fixed, &r, v, asked, walks,
            );
            Some((c.kind, *c, acc, members))
        },
    ));
    if fixed.kind != EndKind::Internet {
        let acc = evaluate(
            topo,
            &mut resolved,
            "internet",
            &internet.end,
            reference,
            &fixed,
            &ranges,
            v,
            asked,
            &mut walks,
        );
        answered.push((
            EntryKind::Internet,
            &internet,
            acc,
            vec![Member::named("internet".into(), Vec::new())],
        ));
    }
    // Address ranges outside the snapshot that the groups name.
    let mut cidr_classes: Vec<(Class, Vec<String>)> = Vec::new();
    let groups = match ep.db {
        Some(db) => db.vpc_security_group_ids.clone(),
        None => fixed.groups[0].iter().map(|g| g.to_string()).collect(),
    };
    for (first, last) in outside_ranges(topo, &groups, v) {
        let addr = first.to_string();
        let key = cidrs_of(first, last).join(" ");
        let end = End::new(addr.clone().into(), EndKind::Address);
        cidr_classes.push((
            Class {
                kind: EntryKind::Cidr,
                refs: vec![addr],
                members: vec![Member::named(key.clone(), Vec::new())],
                end,
            },
            vec![key],
        ));
    }
    let mut cidr_answers = Vec::new();
    for (c, members) in &cidr_classes {
        let acc = evaluate(
            topo,
            &mut resolved,
            &c.refs[0],
            &c.end,
            reference,
            &fixed,
            &ranges,
            v,
            asked,
            &mut walks,
        );
        let members = members
            .iter()
            .map(|m| Member::named(m.clone(), Vec::new()))
            .collect();
        cidr_answers.push((EntryKind::Cidr, c, acc, members));
    }
    summary.classes += answered.len() + cidr_answers.len();
    let mut entries_out = entries(topo, answered, summary, v);
    let mut cidr_entries = entries(topo, cidr_answers, &mut ReachSummary::default(), v);
    // CIDR ranges are not counted as ends; merge adjacent ranges with one answer.
    cidr_entries.sort_by(|a, b| a.members.cmp(&b.members));
    entries_out.extend(cidr_entries);
    summary.walks += walks;
    Ok((ep, entries_out))
}

/// The sources that reach `ep` through the load balancers that forward to
/// it (their nodes are AWS services' interfaces, never sources of their
/// own): for each listener whose default action forwards to `ep`, the
/// sources that reach the listener and whose connections the load
/// balancer can send to `ep` and `ep` takes (the second leg walked to
/// `ep` alone), as entries whose `through` names the load balancer,
/// listener and target port. Their ports are the listener's. With
/// `opts.port`, only the listeners that forward to that port of `ep`.
/// IPv4 only, as load balancers are walked. A listener no source gets
/// through is a warning; per-end counts in `summary` stay those of the
/// direct paths (walks and classes are added).
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-register-targets.html>.
pub(super) fn through_load_balancers<'a>(
    topo: &Topology<'a>,
    all: &[Class<'a>],
    ep: &Endpoint<'a>,
    opts: &ReachOptions,
    v: IpVersion,
    summary: &mut ReachSummary,
    warnings: &mut Vec<String>,
) -> Vec<ReachEntry> {
    let mut out = Vec::new();
    // An instance target stands at its primary private address.
    let addr = ep.instance.and_then(|i| i.private_ip_address).or_else(|| {
        ep.placements
            .first()
            .and_then(|p| p.eni)
            .and_then(|e| {
                let ips = &e.private_ip_addresses;
                ips.iter().find(|a| a.primary).or(ips.first())
            })
            .map(|a| a.private_ip_address)
    });
    let (false, Some(addr)) = (v.is_v6(), addr) else {
        return out;
    };
    for f in in_front(topo, ep) {
        if opts.port.is_some_and(|p| f.target_port != Some(p)) {
            continue;
        }
        let protocol = if f.protocol == "UDP" {
            IpProtocol::Udp
        } else {
            IpProtocol::Tcp
        };
        if opts.protocol.is_some_and(|p| p != protocol) {
            continue;
        }
        let only = [(protocol, PortRange::new(f.port, f.port))];
        let arn = f.lb.load_balancer_arn.as_str();
        let mut counts = ReachSummary::default();
        let mut said = Vec::new();
        match reach_to(
            topo,
            all,
            arn,
            Some(&only),
            v,
            Asked {
                lb_target: Some(addr),
                assume_appliance_allows: opts.assume_appliance_allows,
            },
            &mut counts,
            &mut said,
        ) {
            Err(e) => warnings.push(format!(
                "{}; who reaches it through {} cannot be answered: {e}",
                f.sentence(),
                f.lb.load_balancer_name
            )),
            Ok((_, entries)) => {
                summary.walks += counts.walks;
                summary.classes += counts.classes;
                for w in said {
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
                if entries.is_empty() {
                    warnings.push(format!(
                        "{}; no source reaches it through {}",
                        f.sentence(),
                        f.lb.load_balancer_name
                    ));
                }
                let through = format!(
                    "load balancer {} ({}, {}): {} {} forwards to {} port {} ({})",
                    f.lb.load_balancer_name,
                    f.lb.load_balancer_type,
                    f.lb.scheme,
                    f.protocol,
                    f.port,
                    f.target,
                    f.target_port.map_or("?".into(), |p| p.to_string()),
                    f.state
                );
                out.extend(entries.into_iter().map(|mut e| {
                    e.through = Some(through.clone());
                    e
                }));
            }
        }
    }
    out
}
