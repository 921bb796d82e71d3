//! `netpath explain --output table`: the verdict first (with the symptom and
//! the blocking hop's name), near misses, then the hop table (tabled, fitted
//! to the terminal), the symptom, blockers, fixes, missing data and notes.

use std::fmt::Write;

use anstyle::AnsiColor;
use netpath_engine::{
    Decision, Explanation, HopKind, PathLeg, Reconciliation, Symptom, Topology, Verdict,
};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};

use super::term;
use super::word::word;

/// The hop table: step, hop, decision and why, with only the last column
/// wrapped (at word boundaries) so that the whole fits `width` columns.
fn hop_table(rows: &[[String; 4]], width: usize) -> String {
    let build = |with_why: bool| {
        let mut b = Builder::default();
        let head = ["step", "hop", "decision", "why"];
        let n = if with_why { 4 } else { 3 };
        b.push_record(head[..n].iter().map(|s| s.to_string()));
        for r in rows {
            b.push_record(r[..n].iter().cloned());
        }
        let mut t = b.build();
        t.with(Style::sharp());
        t
    };
    // The other columns keep their width; `why` gets the rest (its padding
    // and border take 3), but never fewer than 24 columns.
    let why = width.saturating_sub(build(false).total_width() + 3).max(24);
    let mut t = build(true);
    t.with(Modify::new(Columns::last()).with(Width::wrap(why).keep_words(true)));
    t.to_string()
}

/// What the client sees, in a few words for the first line; the same
/// [`Symptom`] as the sentence below it, so the two never disagree.
fn symptom_word(s: Symptom) -> &'static str {
    match s {
        Symptom::Connects => "connects",
        Symptom::Timeout => "times out",
        Symptom::Refused => "refused",
        Symptom::Unreachable => "no route to host",
        Symptom::Intermittent => "intermittent",
        Symptom::Unknown => "cannot be said yet",
        Symptom::Replies => "ping is answered",
        Symptom::NoReply => "ping gets no reply",
        Symptom::Http5xx => "HTTP 5xx from the load balancer",
    }
}

/// The first line: verdict, symptom and the blocking hop with its name.
pub(super) fn headline(exp: &Explanation) -> String {
    let (verdict, color) = match exp.verdict {
        Verdict::Reachable => ("REACHABLE", AnsiColor::Green),
        Verdict::Blocked => ("BLOCKED", AnsiColor::Red),
        Verdict::Partial => ("PARTIAL", AnsiColor::Yellow),
        Verdict::Unknown => ("UNKNOWN", AnsiColor::Yellow),
    };
    let mut line = format!(
        "{} ({})",
        term::paint(verdict, color, true),
        symptom_word(exp.symptom)
    );
    match (&exp.blocking, exp.verdict) {
        (Some(b), _) => {
            let name = b
                .name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let dir = b
                .direction
                .as_ref()
                .map(|d| format!(" {}", word(d)))
                .unwrap_or_default();
            let rule = b
                .rule_number
                .map(|n| {
                    format!(
                        ", rule {}",
                        if netpath_model::is_default_rule_number(n) {
                            "*".into()
                        } else {
                            n.to_string()
                        }
                    )
                })
                .unwrap_or_default();
            let leg = if b.path == PathLeg::Return {
                "on the way back, "
            } else {
                ""
            };
            line.push_str(&format!(
                ": {leg}{}{dir} {}{name}{rule}",
                word(&b.kind),
                b.component
            ));
        }
        (None, Verdict::Unknown) => {
            if let Some(m) = exp.missing.first() {
                line.push_str(&format!(": missing {m}"));
            }
        }
        (None, Verdict::Reachable) => {
            let what = match &exp.icmp {
                Some(i) => format!("{} {}", exp.protocol, i.request),
                None => format!("{} {}", exp.protocol, exp.port),
            };
            line.push_str(&format!(
                ": {} reaches {} on {what}",
                endpoint_name(&exp.source),
                endpoint_name(&exp.destination),
            ));
        }
        _ => {}
    }
    line
}

/// An end as people name it: what they typed, with its Name tag if that
/// differs; `the internet` for `internet`.
pub(super) fn endpoint_name(e: &netpath_engine::EndpointInfo) -> String {
    match &e.name {
        _ if e.kind == "internet" => "the internet".into(),
        Some(n) if n != &e.reference => format!("{} ({n})", e.reference),
        _ => e.reference.clone(),
    }
}

/// Renders `exp` verdict first: the headline, near misses, the two ends and
/// the flow, the hop table fitted to the terminal (hops after the first
/// block marked `(if fixed)`), then the symptom, blockers, fixes, missing
/// data and notes. Ends with a newline. `topo` names the ends' subnets and
/// VPCs.
pub fn table(exp: &Explanation, topo: &Topology) -> String {
    let term = term::get();
    let mut out = String::new();
    out.push_str(&term::wrap("", &headline(exp), 2));
    for n in &exp.near_misses {
        out.push_str(&term::wrap("near miss: ", n, 2));
    }
    out.push('\n');
    let end = |e: &netpath_engine::EndpointInfo| {
        let mut s = endpoint_name(e);
        let mut parts = Vec::new();
        for v in [&e.eni, &e.ip].into_iter().flatten() {
            if v != &e.reference {
                parts.push(v.clone());
            }
        }
        for v in [&e.subnet, &e.vpc].into_iter().flatten() {
            parts.push(topo.label(v));
        }
        if !parts.is_empty() {
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        s
    };
    out.push_str(&term::wrap("from: ", &end(&exp.source), 6));
    out.push_str(&term::wrap("to:   ", &end(&exp.destination), 6));
    match &exp.icmp {
        Some(i) => {
            let _ = writeln!(
                out,
                "flow: {} {}{}\n",
                exp.protocol,
                i.request,
                i.reply.map_or_else(
                    || ", which gets no reply".to_string(),
                    |r| format!(", answered by {r}")
                )
            );
        }
        None => {
            let _ = writeln!(
                out,
                "flow: {} {} (client {} ephemeral ports {})\n",
                exp.protocol, exp.port, exp.client_os, exp.ephemeral_ports
            );
        }
    }
    // Hops after the first that does not pass are what the walk found by
    // going on as if it had: hypothetical.
    let first_stop = exp.first_stop();
    let rows: Vec<[String; 4]> = exp
        .hops
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let hypothetical = match first_stop {
                Some(f) if i > f => match exp.hops[f].decision {
                    Decision::Unknown => "\n(if known)",
                    _ => "\n(if fixed)",
                },
                _ => "",
            };
            let arrow = if h.path == PathLeg::Return {
                "←"
            } else {
                "→"
            };
            // The sentence names its component; say it first when not.
            let detail = if h.detail.contains(&h.component) {
                h.detail.clone()
            } else {
                let name = h
                    .name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                format!("{}{name}: {}", h.component, h.detail)
            };
            [
                format!("{} {arrow}", i + 1),
                match &h.direction {
                    Some(d) => format!("{}\n{}", word(&h.kind), word(d)),
                    None => word(&h.kind),
                },
                match h.decision {
                    Decision::Deny => term::paint("DENY", AnsiColor::Red, true),
                    Decision::Partial => term::paint("PARTIAL", AnsiColor::Yellow, true),
                    Decision::Unknown => term::paint("UNKNOWN", AnsiColor::Yellow, true),
                    d => format!("{}{hypothetical}", word(&d)),
                },
                detail,
            ]
        })
        .collect();
    let _ = writeln!(out, "{}\n", hop_table(&rows, term.width));
    out.push_str(&term::wrap(
        "",
        "→ the request, ← the reply; \"(if fixed)\": what the walk finds past the first block.",
        0,
    ));
    out.push('\n');
    let symptom = match exp.symptom {
        Symptom::Connects => "the connection is established",
        Symptom::Timeout => {
            "the client hangs, then times out (packets are dropped silently, no reset)"
        }
        Symptom::Refused
            if exp
                .blocking
                .as_ref()
                .is_some_and(|b| b.code == netpath_engine::ExplanationCode::NetpathHostFirewallReject) =>
        {
            "connection refused (the host's own firewall rejects it and answers)"
        }
        Symptom::Refused
            if exp
                .blocking
                .as_ref()
                .is_some_and(|b| b.kind == netpath_engine::HopKind::Listener) =>
        {
            "connection refused (the host answers: nothing listens on that address and port)"
        }
        Symptom::Refused => {
            "connection refused (the host answers with a reset: nothing listens on that port)"
        }
        Symptom::Unreachable => {
            "no route to host (the host's firewall answers with an ICMP host-unreachable or prohibited error)"
        }
        Symptom::Intermittent if exp.verdict == Verdict::Blocked => {
            "some attempts are refused and some time out, depending on the client's source port (the reset is dropped on the way back for part of the range)"
        }
        Symptom::Intermittent
            if exp
                .blocking
                .as_ref()
                .is_some_and(|b| b.kind == HopKind::LoadBalancer) =>
        {
            "the connection to the load balancer is established; whether the request gets an answer from a target or an HTTP 5xx from the load balancer depends on the request (the listener rule it matches)"
        }
        Symptom::Intermittent
            if exp
                .blocking
                .as_ref()
                .is_some_and(|b| b.kind == HopKind::LoadBalancerTarget) =>
        {
            "some connections work and some fail, depending on which target the load balancer picks"
        }
        Symptom::Intermittent => {
            "some connections work and some time out, depending on the client's source port"
        }
        Symptom::Unknown => "cannot be said until the missing data is supplied",
        Symptom::Replies => "the echo request is answered (ping works)",
        Symptom::NoReply => "no reply: ping waits and reports 100% packet loss (ICMP has no refused; a drop is silent)",
        Symptom::Http5xx => "the connection to the load balancer is established, and it answers HTTP 502, 503 or 504 itself (no target takes the request)",
    };
    out.push_str(&term::wrap("symptom: ", symptom, 2));
    if let Some(b) = &exp.blocking {
        let line = format!(
            "{} {} {}{}{} [{}]: {}",
            word(&b.path),
            word(&b.kind),
            b.component,
            b.name
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            b.rule_number
                .map(|n| format!(" rule {n}"))
                .unwrap_or_default(),
            b.code,
            b.detail
        );
        out.push_str(&term::wrap("blocked at: ", &line, 2));
    }
    if exp.blockers.len() > 1 {
        // Blockers with no fix of their own clear with an earlier one's
        // (one change for both, or a consequence of the earlier block).
        let own = (0..exp.blockers.len())
            .filter(|i| exp.fixes.iter().any(|f| f.blocker == *i))
            .count();
        let cleared = if exp.fixes.is_empty() || own == exp.blockers.len() {
            String::new()
        } else {
            format!(
                "; {} covered by the fix for an earlier one",
                exp.blockers.len() - own
            )
        };
        let _ = writeln!(
            out,
            "blockers: {} (each found as if the earlier ones were fixed{cleared})",
            exp.blockers.len()
        );
    }
    if !exp.fixes.is_empty() {
        let _ = writeln!(out, "\nfixes:");
        for f in &exp.fixes {
            let mark = match (f.verified, f.verdict_after) {
                (true, Some(v)) => format!(" [verified: then {}]", v.as_str()),
                (true, None) => " [verified]".to_string(),
                (false, _) => " [advice: netpath could not verify it]".to_string(),
            };
            out.push_str(&term::wrap(
                &format!("  {}. ", f.blocker + 1),
                &format!("{}{mark}", f.summary),
                5,
            ));
            if let Some(c) = &f.command {
                out.push_str(&term::command(c, 5));
            }
        }
        if let Some(a) = &exp.after_fixes {
            let mut line = format!("with the verified fixes: {}", a.verdict.as_str());
            if let Some(b) = a.blockers.first() {
                line.push_str(&format!(
                    "; still blocked at {} {}{} (no fix netpath can verify)",
                    word(&b.kind),
                    b.component,
                    b.name
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ));
            }
            line.push_str(&match a.also_opens {
                _ if !a.also_opens_measured && unmeasured(exp).is_some() => {
                    format!(
                        "; what else they open was not measured: {}",
                        unmeasured(exp).unwrap_or_default()
                    )
                }
                _ if !a.also_opens_measured => match &a.also_opens_not_measured {
                    Some(why) => format!("; what else they open was not measured: {why}"),
                    None => "; what else they open was not measured: review each CIDR".to_string(),
                },
                0 => "; they open no other flow".to_string(),
                n => format!(
                    "; they also open {n} other flow{}: {}{}",
                    if n == 1 { "" } else { "s" },
                    a.also_opens_flows[..a.also_opens_flows.len().min(3)].join("; "),
                    if a.also_opens_flows.len() > 3 {
                        "; … (--output json lists more)"
                    } else {
                        ""
                    }
                ),
            });
            out.push_str(&term::wrap("  ", &line, 2));
        }
    }
    if !exp.missing.is_empty() {
        let _ = writeln!(out, "\nmissing data:");
        for m in &exp.missing {
            out.push_str(&term::wrap("  - ", m, 4));
        }
    }
    if !exp.warnings.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for w in &exp.warnings {
            out.push_str(&term::wrap("  - ", w, 4));
        }
    }
    out
}

/// Renders `--observed`'s reconciliation: whether netpath agrees with what
/// the user saw, the finding, and what to check, in order.
pub fn observed(r: &Reconciliation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "observed: {} ({} netpath's prediction: {})",
        r.observed.as_str(),
        if r.agrees {
            "agrees with"
        } else {
            "differs from"
        },
        r.predicted.as_str()
    );
    let _ = writeln!(out, "finding: {}", r.finding);
    for (i, c) in r.checks.iter().enumerate() {
        let _ = writeln!(out, "  {}. {c}", i + 1);
    }
    out
}

/// Why the blast radius of the verified fixes was not measured (a transit
/// gateway or Direct Connect change: see `netpath_engine::explain_verified`).
fn unmeasured(exp: &netpath_engine::Explanation) -> Option<&'static str> {
    exp.fixes
        .iter()
        .filter(|f| f.verified)
        .find_map(|f| f.edit.as_ref().and_then(|e| e.unmeasured_reason()))
}
