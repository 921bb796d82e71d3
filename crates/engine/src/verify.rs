//! Fixes verified before they are shown.
//!
//! Each fix that netpath can express as a change ([`FixEdit`]) is applied,
//! in blocker order, to an in-memory copy of the snapshot that already holds
//! the earlier verified fixes, and the same question is asked again. A fix
//! is verified when its blocker no longer appears among the new answer's
//! blockers; only then does it keep its command. Advice netpath cannot
//! apply (create a peering, attach a gateway, rebind a listener) keeps its
//! sentence and loses its command. Unverified advice for a blocker that the
//! verified fixes cleared (a consequence of one of them, such as a load
//! balancer's target group failing because a target's group drops the
//! load balancer) is dropped.
//!
//! NACL rule numbers are made unique across the set: an entry whose number
//! an earlier fix took moves to the next free number before the blocking
//! rule, since entries are evaluated in ascending order
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>) and
//! `CreateNetworkAclEntry` refuses a number in use
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html>).
//!
//! A security-group fix that admits the client's group is replaced by the
//! same rule for the client's `/32` when the group would open more other
//! flows (the group's other members): of the candidates, the one that
//! opens least, the group on a tie.
//!
//! The blast radius is the `diff` between the snapshot and the copy with
//! every verified fix, on the asked protocol and port: the flows the fix
//! set opens besides the one asked.

use netpath_model::{Direction, Snapshot};

use crate::addr::IpVersion;
use crate::answer::{AfterFixes, Blocking, Explanation, Fix, FixEdit};
use crate::diff::{diff, ChangeKind, DiffOptions};
use crate::explain::{explain, ExplainError, ExplainOptions};
use crate::network_acl::free_rule_number;
use crate::topology::Topology;

/// At most this many of the other flows a fix set opens are listed.
pub const ALSO_OPENS_SHOWN: usize = 20;

/// [`explain`], then every fix verified before it is shown (see the module
/// docs): `verified` and `verdict_after` set, the command dropped from what
/// could not be verified, the narrower choice taken, and `after_fixes`
/// filled. `diff`, `reach` and `check` ask [`explain`] per class and need
/// only the verdicts; `netpath explain` asks this.
///
/// Errors: those of [`explain`].
pub fn explain_verified(
    topo: &Topology,
    from: &str,
    to: &str,
    opts: &ExplainOptions,
) -> Result<Explanation, ExplainError> {
    let mut exp = explain(topo, from, to, opts)?;
    verify(topo, &mut exp, |t| explain(t, from, to, opts).ok());
    Ok(exp)
}

/// Verifies `exp`'s fixes in place; `ask` asks the same question on a
/// patched topology (`None` when it cannot be answered).
fn verify(topo: &Topology, exp: &mut Explanation, ask: impl Fn(&Topology) -> Option<Explanation>) {
    if exp.fixes.is_empty() {
        return;
    }
    let mut copy: Snapshot = topo.snapshot.clone();
    let mut last: Option<Explanation> = None;
    // The blast radius of a fix measured on the unpatched snapshot while
    // choosing between it and its narrower variant: (fix index, edit,
    // radius). When that fix is the only one verified, it is the set's.
    let mut measured_alone: Option<(usize, FixEdit, Radius)> = None;
    for i in 0..exp.fixes.len() {
        let blocker = exp.blockers.get(exp.fixes[i].blocker).cloned();
        let (Some(edit), Some(blocker)) = (exp.fixes[i].edit.clone(), blocker) else {
            exp.fixes[i].command = None;
            continue;
        };
        // The snapshot as patched so far: the original until a fix is verified.
        let choice = if last.is_none() {
            narrower_is_better(topo, &edit, &exp.fixes[i], exp)
        } else {
            narrower_is_better(&topo.patched(&copy), &edit, &exp.fixes[i], exp)
        };
        let edit = match choice {
            Some((narrower, chosen)) => {
                if let Some(n) = narrower {
                    exp.fixes[i] = n;
                }
                let edit = exp.fixes[i].edit.clone().unwrap_or(edit);
                if last.is_none() {
                    measured_alone = Some((i, edit.clone(), chosen));
                }
                edit
            }
            None => edit,
        };
        let edit = renumber(&copy, edit, &blocker, &mut exp.fixes[i]);
        let mut trial = copy.clone();
        let after = if edit.apply(&mut trial) {
            ask(&topo.patched(&trial))
        } else {
            None
        };
        let fix = &mut exp.fixes[i];
        match after {
            Some(after) if !after.blockers.iter().any(|b| b.same_place(&blocker)) => {
                fix.verified = true;
                fix.verdict_after = Some(after.verdict);
                fix.edit = Some(edit);
                copy = trial;
                last = Some(after);
            }
            _ => fix.command = None,
        }
    }
    let Some(last) = last else {
        return;
    };
    // A blocker the verified fixes cleared though its own fix was not
    // applied is a consequence of one they fixed (a load balancer's target
    // group fails because its target's group drops the second leg): its
    // advice would send the reader after a problem that is gone.
    let blockers = &exp.blockers;
    exp.fixes.retain(|f| {
        f.verified
            || blockers
                .get(f.blocker)
                .is_none_or(|b| last.blockers.iter().any(|l| l.same_place(b)))
    });
    // A diff that could not run has not looked: it never says "nothing else".
    // A transit gateway change reaches every attached VPC: measuring it is
    // a diff of the whole hub, seconds to minutes at scale, so it is left
    // to `netpath diff`; an allowed prefix opens a customer network, which
    // the diff does not enumerate (not measured, and said so).
    let hub_wide = exp.fixes.iter().filter(|f| f.verified).any(|f| {
        f.edit
            .as_ref()
            .is_some_and(|e| e.unmeasured_reason().is_some())
    });
    let verified: Vec<usize> = (0..exp.fixes.len())
        .filter(|&i| exp.fixes[i].verified)
        .collect();
    let radius = if hub_wide {
        Err(None)
    } else {
        match measured_alone {
            // The set is that one fix, as measured: the same diff again
            // would give the same flows.
            Some((i, edit, r)) if verified == [i] && exp.fixes[i].edit.as_ref() == Some(&edit) => {
                Ok(r)
            }
            _ => blast_radius_or_why(topo, &copy, exp),
        }
    };
    let measured = radius.is_ok();
    let not_measured = radius.as_ref().err().cloned().flatten();
    let (also_opens, also_opens_flows) = radius.unwrap_or_default();
    exp.after_fixes = Some(AfterFixes {
        also_opens_measured: measured,
        also_opens_not_measured: not_measured,
        verdict: last.verdict,
        blockers: last.blockers,
        also_opens,
        also_opens_flows,
    });
}

/// True for an IPv6 question: an end inside the snapshot stands at an IPv6
/// address (both ends are one family).
fn is_ipv6(exp: &Explanation) -> bool {
    [&exp.source.ip, &exp.destination.ip]
        .iter()
        .any(|ip| ip.as_deref().is_some_and(|s| s.contains(':')))
}

/// `edit`, with a NACL entry's rule number moved to a free one when an
/// earlier fix took it in `copy`; the fix's sentence and command follow.
fn renumber(copy: &Snapshot, edit: FixEdit, blocker: &Blocking, fix: &mut Fix) -> FixEdit {
    let FixEdit::NetworkAclEntry {
        network_acl_id,
        mut entry,
    } = edit
    else {
        return edit;
    };
    let Some(acl) = copy
        .network_acls
        .iter()
        .flatten()
        .find(|a| a.network_acl_id == network_acl_id)
    else {
        return FixEdit::NetworkAclEntry {
            network_acl_id,
            entry,
        };
    };
    let taken = acl
        .entries
        .iter()
        .any(|e| e.egress == entry.egress && e.rule_number == entry.rule_number);
    let direction = if entry.egress {
        Direction::Egress
    } else {
        Direction::Ingress
    };
    if taken {
        let before = blocker
            .rule_number
            .unwrap_or(netpath_model::DEFAULT_RULE_NUMBER);
        if let Some(n) = free_rule_number(acl, direction, before) {
            let old = entry.rule_number;
            fix.summary = fix
                .summary
                .replace(&format!("rule {old} "), &format!("rule {n} "));
            fix.command = fix.command.as_ref().map(|c| {
                c.replace(
                    &format!("--rule-number {old} "),
                    &format!("--rule-number {n} "),
                )
            });
            entry.rule_number = n;
        }
    }
    FixEdit::NetworkAclEntry {
        network_acl_id,
        entry,
    }
}

/// The fix's narrower variant (a group rule's `/32`), when the group would
/// open more other flows than the address does on `before` (the snapshot
/// with the fixes verified so far): "prefer the one
/// that opens least", and the group on a tie. The variant's sentence says
/// why.
///
/// Output: `None` when the fix has no narrower variant or either radius
/// could not be measured; otherwise the variant to use instead (`None`:
/// keep the fix) and the blast radius of the one kept, on `before`.
fn narrower_is_better(
    before: &Topology,
    edit: &FixEdit,
    fix: &Fix,
    exp: &Explanation,
) -> Option<(Option<Fix>, Radius)> {
    let narrower = fix.narrower.as_deref()?;
    let opens = |e: &FixEdit| {
        let mut trial = before.snapshot.clone();
        if !e.apply(&mut trial) {
            return None;
        }
        blast_radius(before, &trial, exp)
    };
    let narrow_edit = narrower.edit.as_ref()?;
    // Two independent diffs of the same snapshot: measured side by side.
    let (wide, narrow) = std::thread::scope(|sc| {
        let wide = sc.spawn(|| opens(edit));
        let narrow = opens(narrow_edit);
        (wide.join().ok().flatten(), narrow)
    });
    let (wide, narrow) = (wide?, narrow?);
    if narrow.0 >= wide.0 {
        return Some((None, wide));
    }
    let mut n = narrower.clone();
    n.summary = format!(
        "{} (the group rule, \"{}\", would also open {} other flow{})",
        n.summary,
        fix.summary,
        wide.0,
        if wide.0 == 1 { "" } else { "s" }
    );
    Some((Some(n), narrow))
}

/// A blast radius: how many other flows a fix set opens, and the first
/// [`ALSO_OPENS_SHOWN`] of them as sentences.
type Radius = (usize, Vec<String>);

/// The flows that `patched` opens besides the one asked, compared with
/// `topo`: a `diff`, its `opened` changes, minus the question's own pair.
fn blast_radius(topo: &Topology, patched: &Snapshot, exp: &Explanation) -> Option<Radius> {
    blast_radius_or_why(topo, patched, exp).ok()
}

/// Class pairs a blast radius may walk (each on both sides) before it is
/// left unmeasured: about a second at this machine's 20-50 µs a walk. A fix
/// that opens a route or a whole subnet's ACL between large estates (a
/// merged organization) would otherwise take minutes inside `explain`.
const BLAST_RADIUS_MAX_PAIRS: usize = 20_000;

/// [`blast_radius`], or why it was not measured: `Some` sentence when the
/// diff would walk too much, `None` when it cannot compare this flow (ICMP,
/// which `diff` does not compare).
fn blast_radius_or_why(
    topo: &Topology,
    patched: &Snapshot,
    exp: &Explanation,
) -> Result<Radius, Option<String>> {
    let after = topo.patched(patched);
    // The fixes concern the asked protocol, port and address family: the
    // flows compared are those.
    let opts = DiffOptions {
        port: (exp.port != 0).then_some(exp.port),
        protocol: netpath_model::IpProtocol::parse(&exp.protocol),
        ip_version: Some(if is_ipv6(exp) {
            IpVersion::Ipv6
        } else {
            IpVersion::Ipv4
        }),
        // Only the opened flows are counted: the ends no fix can act on
        // need no classes.
        changes_only: true,
        max_pairs: Some(BLAST_RADIUS_MAX_PAIRS),
        // Under the answer's own assumption about appliances.
        assume_appliance_allows: exp.assume_appliance_allows,
        ..DiffOptions::default()
    };
    let d = match diff(topo, &after, &opts) {
        Ok(d) => d,
        Err(e @ crate::diff::DiffError::TooLarge(_)) => {
            return Err(Some(format!(
                "{e} (netpath diff BEFORE AFTER, AFTER being the snapshot with these fixes applied)"
            )))
        }
        Err(_) => return Err(None),
    };
    let ids = |e: &crate::answer::EndpointInfo| -> Vec<String> {
        [
            Some(&e.reference),
            e.instance_id.as_ref(),
            e.eni.as_ref(),
            e.db_instance_identifier.as_ref(),
            e.ip.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        // `diff` names every outside address `internet`.
        .chain(
            (e.eni.is_none() && matches!(e.kind.as_str(), "internet" | "ip"))
                .then(|| "internet".to_string()),
        )
        .collect()
    };
    let (src, dst) = (ids(&exp.source), ids(&exp.destination));
    // A class-level change counts its (source, destination) pairs; the
    // pair asked about is not "another" flow.
    let mut count = 0;
    let mut others: Vec<String> = Vec::new();
    for c in d.changes.iter().filter(|c| c.change == ChangeKind::Opened) {
        let ours = c.from.iter().any(|f| src.contains(f))
            && c.to.iter().any(|t| dst.contains(t))
            && c.ports.contains(exp.port);
        let n = c.flow_count() - usize::from(ours);
        if n == 0 {
            continue;
        }
        count += n;
        let short = |v: &[String]| match v {
            [a, b, c, rest @ ..] if !rest.is_empty() => {
                format!("{a}, {b}, {c} and {} more", rest.len())
            }
            _ => v.join(", "),
        };
        others.push(format!(
            "{} -> {} {} {}{}",
            short(&c.from),
            short(&c.to),
            c.protocol,
            c.ports,
            if ours { " (besides this flow)" } else { "" }
        ));
    }
    others.truncate(ALSO_OPENS_SHOWN);
    Ok((count, others))
}
