//! `netpath explain --output table`: a hop table (tabled), then the verdict,
//! symptom, blockers, fixes, missing data and warnings.

use std::fmt::Write;

use netpath_engine::{Decision, Explanation, Reconciliation, Symptom, Verdict};
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};
use tabled::{Table, Tabled};

use super::word::word;

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "#")]
    n: usize,
    #[tabled(rename = "path")]
    path: String,
    #[tabled(rename = "hop")]
    kind: String,
    #[tabled(rename = "component")]
    component: String,
    #[tabled(rename = "dir")]
    direction: String,
    #[tabled(rename = "decision")]
    decision: String,
    #[tabled(rename = "why")]
    detail: String,
}

/// Renders `exp` as a table and a summary, ending with a newline.
pub fn table(exp: &Explanation) -> String {
    let mut out = String::new();
    let end = |e: &netpath_engine::EndpointInfo| {
        let mut s = e.reference.clone();
        let mut parts = Vec::new();
        for v in [&e.eni, &e.ip, &e.subnet, &e.vpc].into_iter().flatten() {
            if v != &e.reference {
                parts.push(v.clone());
            }
        }
        if !parts.is_empty() {
            s.push_str(&format!(" ({})", parts.join(", ")));
        }
        s
    };
    let _ = writeln!(out, "from: {}", end(&exp.source));
    let _ = writeln!(out, "to:   {}", end(&exp.destination));
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
    let rows: Vec<Row> = exp
        .hops
        .iter()
        .enumerate()
        .map(|(i, h)| Row {
            n: i + 1,
            path: word(&h.path),
            kind: word(&h.kind),
            component: h.component.clone(),
            direction: h.direction.as_ref().map(word).unwrap_or_default(),
            decision: match h.decision {
                Decision::Deny => "DENY".into(),
                Decision::Partial => "PARTIAL".into(),
                Decision::Unknown => "UNKNOWN".into(),
                d => word(&d),
            },
            detail: h.detail.clone(),
        })
        .collect();
    let mut t = Table::new(rows);
    t.with(Style::sharp())
        .with(Modify::new(Columns::last()).with(Width::wrap(72).keep_words(true)));
    let _ = writeln!(out, "{t}\n");
    let verdict = match exp.verdict {
        Verdict::Reachable => "REACHABLE",
        Verdict::Blocked => "BLOCKED",
        Verdict::Partial => "PARTIAL",
        Verdict::Unknown => "UNKNOWN",
    };
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
        Symptom::Intermittent => {
            "some connections work and some time out, depending on the client's source port"
        }
        Symptom::Unknown => "cannot be said until the missing data is supplied",
        Symptom::Replies => "the echo request is answered (ping works)",
        Symptom::NoReply => "no reply: ping waits and reports 100% packet loss (ICMP has no refused; a drop is silent)",
    };
    let _ = writeln!(out, "verdict: {verdict}");
    let _ = writeln!(out, "symptom: {symptom}");
    if let Some(b) = &exp.blocking {
        let _ = writeln!(
            out,
            "blocked at: {} {} {}{} [{}]: {}",
            word(&b.path),
            word(&b.kind),
            b.component,
            b.rule_number
                .map(|n| format!(" rule {n}"))
                .unwrap_or_default(),
            b.code,
            b.detail
        );
    }
    if exp.blockers.len() > 1 {
        let _ = writeln!(
            out,
            "blockers: {} (each found as if the earlier ones were fixed)",
            exp.blockers.len()
        );
    }
    if !exp.fixes.is_empty() {
        let _ = writeln!(out, "\nfixes:");
        for f in &exp.fixes {
            let _ = writeln!(out, "  {}. {}", f.blocker + 1, f.summary);
            if let Some(c) = &f.command {
                let _ = writeln!(out, "     {c}");
            }
        }
    }
    if !exp.missing.is_empty() {
        let _ = writeln!(out, "\nmissing data:");
        for m in &exp.missing {
            let _ = writeln!(out, "  - {m}");
        }
    }
    if !exp.warnings.is_empty() {
        let _ = writeln!(out, "\nwarnings:");
        for w in &exp.warnings {
            let _ = writeln!(out, "  - {w}");
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
