//! The human-readable rendering of an explanation: a hop table (tabled), then
//! the verdict, symptom, blockers, fixes, missing data and warnings.

use std::fmt::Write;

use netpath_engine::{Decision, Explanation, Symptom, Verdict};
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};
use tabled::{Table, Tabled};

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

fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
    let _ = writeln!(
        out,
        "flow: {} {} (client {} ephemeral ports {})\n",
        exp.protocol, exp.port, exp.client_os, exp.ephemeral_ports
    );
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
        Symptom::Refused => {
            "connection refused (the host answers with a reset: nothing listens on that port)"
        }
        Symptom::Intermittent if exp.verdict == Verdict::Blocked => {
            "some attempts are refused and some time out, depending on the client's source port (the reset is dropped on the way back for part of the range)"
        }
        Symptom::Intermittent => {
            "some connections work and some time out, depending on the client's source port"
        }
        Symptom::Unknown => "cannot be said until the missing data is supplied",
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

#[derive(Tabled)]
struct EditRow {
    #[tabled(rename = "#")]
    n: usize,
    #[tabled(rename = "edit")]
    change: String,
    #[tabled(rename = "type")]
    kind: String,
    #[tabled(rename = "detail")]
    detail: String,
}

#[derive(Tabled)]
struct ChangeRow {
    #[tabled(rename = "change")]
    change: String,
    #[tabled(rename = "from")]
    from: String,
    #[tabled(rename = "to")]
    to: String,
    #[tabled(rename = "port")]
    port: String,
    #[tabled(rename = "before")]
    before: String,
    #[tabled(rename = "after")]
    after: String,
    #[tabled(rename = "why (in AFTER)")]
    why: String,
    #[tabled(rename = "caused by")]
    caused_by: String,
}

fn names(v: &[String]) -> String {
    const SHOWN: usize = 4;
    if v.len() <= SHOWN {
        v.join(", ")
    } else {
        format!("{} … ({} in all)", v[..SHOWN].join(", "), v.len())
    }
}

fn side(s: &netpath_engine::diff::FlowSide) -> String {
    match (s.verdict, s.symptom) {
        (None, _) => "(absent)".into(),
        (Some(v), Some(sym)) if v != Verdict::Reachable => format!("{} ({})", word(&v), word(&sym)),
        (Some(v), _) => word(&v),
    }
}

fn blocking_text(b: &netpath_engine::Blocking) -> String {
    let mut s = format!("{} {} {}", word(&b.path), word(&b.kind), b.component);
    if let Some(d) = &b.direction {
        s.push_str(&format!(" {}", word(d)));
    }
    if let Some(r) = b.rule_number {
        s.push_str(&format!(" rule {r}"));
    }
    if !b.blocked_ports.is_empty() {
        let p: Vec<String> = b.blocked_ports.iter().map(|r| r.to_string()).collect();
        s.push_str(&format!(" drops ports {}", p.join(", ")));
    }
    s.push_str(&format!(": {}", b.detail));
    s
}

/// Renders a diff: the edit summary, then the reachability changes.
pub fn diff(d: &netpath_engine::Diff, before: &str, after: &str) -> String {
    use netpath_engine::diff::ChangeKind;
    let mut out = String::new();
    let _ = writeln!(out, "before: {before}\nafter:  {after}\n");
    if d.edits.is_empty() {
        let _ = writeln!(out, "Resource edits: none\n");
    } else {
        let _ = writeln!(out, "Resource edits ({}):", d.edits.len());
        let rows: Vec<EditRow> = d
            .edits
            .iter()
            .enumerate()
            .map(|(i, e)| EditRow {
                n: i + 1,
                change: word(&e.change),
                kind: e.resource_type.to_string(),
                detail: e.detail.clone(),
            })
            .collect();
        let mut t = Table::new(rows);
        t.with(Style::sharp())
            .with(Modify::new(Columns::last()).with(Width::wrap(90).keep_words(true)));
        let _ = writeln!(out, "{t}\n");
    }
    let s = &d.summary;
    let _ = writeln!(
        out,
        "Reachability: {} broken, {} changed, {} opened, of {} flows compared",
        s.broken, s.changed, s.opened, s.flows_compared
    );
    if !d.changes.is_empty() {
        let rows: Vec<ChangeRow> = d
            .changes
            .iter()
            .map(|c| ChangeRow {
                change: match c.change {
                    ChangeKind::Changed => format!("changed ({})", word(&c.trend)),
                    k => word(&k).to_uppercase(),
                },
                from: names(&c.from),
                to: names(&c.to),
                port: format!("{}/{}", c.protocol, c.ports),
                before: side(&c.before),
                after: side(&c.after),
                why: match (&c.after.blocking, c.after.allowed_by.is_empty()) {
                    (Some(b), _) => blocking_text(b),
                    (None, false) => format!(
                        "allowed by: {}",
                        c.after
                            .allowed_by
                            .iter()
                            .filter(|a| {
                                // The table keeps the forward security-group and
                                // routing decisions; JSON has every hop.
                                a.starts_with("forward security-group")
                                    || a.starts_with("forward route-table")
                            })
                            .map(|a| a.trim_start_matches("forward "))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    (None, true) if !c.after.missing.is_empty() => {
                        format!("missing: {}", c.after.missing.join("; "))
                    }
                    _ => String::new(),
                },
                caused_by: c
                    .caused_by
                    .iter()
                    .map(|i| format!("#{}", i + 1))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
        let mut t = Table::new(rows);
        t.with(Style::sharp())
            .with(Modify::new(Columns::single(6)).with(Width::wrap(60).keep_words(true)))
            .with(Modify::new(Columns::single(1)).with(Width::wrap(30).keep_words(true)));
        let _ = writeln!(out, "{t}");
    }
    for w in &d.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

fn violation_text(v: &netpath_engine::policy::Violation) -> String {
    format!(
        "{} -> {} {}/{}: {} — {}",
        v.from,
        v.to,
        v.protocol,
        v.ports,
        word(&v.verdict),
        v.reason
    )
}

/// Renders a policy check: one PASS/FAIL line per intent, then the violations.
pub fn check(r: &netpath_engine::policy::CheckReport, policy: &str) -> String {
    use netpath_engine::policy::Status;
    let mut out = String::new();
    for res in &r.results {
        let status = match res.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
        };
        let _ = writeln!(
            out,
            "{status}  {}[{}] {}: {}",
            res.kind, res.index, res.name, res.summary
        );
        for v in &res.violations {
            let _ = writeln!(out, "      {}", violation_text(v));
            for f in &v.explanation.fixes {
                let _ = writeln!(out, "        fix: {}", f.summary);
            }
        }
        if res.violations_total > res.violations.len() {
            let _ = writeln!(
                out,
                "      ... and {} more",
                res.violations_total - res.violations.len()
            );
        }
    }
    let _ = writeln!(out, "\n{policy}: {} passed, {} failed", r.passed, r.failed);
    out
}

/// Renders a policy check as JUnit XML: one test suite for the policy, one
/// test case per intent (classname = intent kind), a `<failure>` per failed
/// intent carrying every violation.
pub fn junit(r: &netpath_engine::policy::CheckReport, policy: &str) -> anyhow::Result<String> {
    use netpath_engine::policy::Status;
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("netpath check");
    let mut suite = TestSuite::new(policy);
    for res in &r.results {
        let status = match res.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(res.summary.clone());
                s.set_type(res.kind);
                let mut body: Vec<String> = res.violations.iter().map(violation_text).collect();
                if res.violations_total > res.violations.len() {
                    body.push(format!(
                        "... and {} more",
                        res.violations_total - res.violations.len()
                    ));
                }
                s.set_description(body.join("\n"));
                s
            }
        };
        let mut case = TestCase::new(res.name.clone(), status);
        case.set_classname(format!("{}[{}]", res.kind, res.index));
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

/// Writes `netpath reach` / `netpath exposure` as text, one block per entry,
/// as it goes (no table is built in memory): the answer, who, then one line
/// per port range with the rules on the way. `members` lists every member.
pub fn reach(
    out: &mut impl std::io::Write,
    r: &netpath_engine::Reach,
    members: bool,
) -> std::io::Result<()> {
    let ports = |a: &netpath_engine::reach::PortAccess| {
        if a.ports.from == a.ports.to {
            format!("{} {}", a.protocol, a.ports.from)
        } else {
            format!("{} {}-{}", a.protocol, a.ports.from, a.ports.to)
        }
    };
    match (&r.target, r.query) {
        (Some(t), q) => {
            let mut s = t.reference.clone();
            let details: Vec<&str> = [&t.eni, &t.ip, &t.subnet, &t.vpc]
                .into_iter()
                .filter_map(|x| x.as_deref())
                .collect();
            if !details.is_empty() {
                s = format!("{s} ({})", details.join(", "));
            }
            let what = if q == "to" {
                "who can reach"
            } else {
                "what is reachable from"
            };
            writeln!(out, "{what}: {s}\n")?;
        }
        (None, _) => writeln!(out, "reachable from the internet:\n")?,
    }
    if r.entries.is_empty() {
        let none = match r.query {
            "to" => "no source reaches it on any port considered",
            "from" => "it reaches no destination on any port considered",
            _ => "nothing is reachable from the internet",
        };
        writeln!(out, "{none}")?;
    }
    for e in &r.entries {
        let best = e
            .access
            .iter()
            .map(|a| a.verdict)
            .min_by_key(|v| match v {
                Verdict::Reachable => 0,
                Verdict::Partial => 1,
                _ => 2,
            })
            .unwrap_or(Verdict::Unknown);
        writeln!(out, "{:<10} {}", word(&best).to_uppercase(), e.summary)?;
        // Small groups always name their members.
        if (members || e.count <= 8)
            && !matches!(
                e.kind,
                netpath_engine::reach::EntryKind::Internet
                    | netpath_engine::reach::EntryKind::Cidr
                    | netpath_engine::reach::EntryKind::DbInstances
            )
        {
            writeln!(out, "{:<10} members: {}", "", e.members.join(", "))?;
        }
        for a in &e.access {
            let mut line = format!("{:<10} {} {}", "", ports(a), word(&a.verdict));
            if let Some(g) = &a.internet_gateway {
                let _ = write!(line, " through {g}");
            }
            if !a.blocked_ports.is_empty() {
                let b: Vec<String> = a.blocked_ports.iter().map(|p| p.to_string()).collect();
                let _ = write!(
                    line,
                    "; replies to client ports {} are dropped",
                    b.join(", ")
                );
            }
            if !a.missing.is_empty() {
                let _ = write!(line, "; missing: {}", a.missing.join("; "));
            }
            writeln!(out, "{line}")?;
            // The rules that decide: security groups and routes (JSON has every hop).
            for v in a
                .via
                .iter()
                .filter(|v| v.starts_with("sg-") || v.contains(" -> "))
            {
                writeln!(out, "{:<12} via {v}", "")?;
            }
        }
    }
    let s = &r.summary;
    let noun = if r.query == "from" {
        "destinations"
    } else {
        "sources"
    };
    let noun = if r.query == "exposure" {
        "public ends"
    } else {
        noun
    };
    writeln!(
        out,
        "\n{} {noun} considered: {} reachable, {} partial, {} unknown, {} blocked ({} equivalence classes, {} walks)",
        s.considered, s.reachable, s.partial, s.unknown, s.blocked, s.classes, s.walks
    )?;
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
