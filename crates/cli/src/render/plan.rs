//! `netpath plan` output: the table (the diff table with Terraform
//! addresses), a pull-request comment in Markdown, and JUnit XML.

use std::fmt::Write;

use netpath_engine::{ChangeKind, PlanFlowChange, PlanReport, Verdict};

use super::word::{flow_ports, word};

/// The first line: what the plan does to connections, e.g.
/// `2 connections break, 1 opens`.
fn headline(r: &PlanReport) -> String {
    let s = &r.summary;
    let part = |n: usize, one: &str, many: &str| {
        format!(
            "{n} connection{} {}",
            if n == 1 { "" } else { "s" },
            if n == 1 { one } else { many }
        )
    };
    let mut parts = Vec::new();
    if s.broken > 0 {
        parts.push(part(s.broken, "breaks", "break"));
    }
    if s.opened > 0 {
        parts.push(part(s.opened, "opens", "open"));
    }
    if s.changed > 0 {
        parts.push(part(s.changed, "changes otherwise", "change otherwise"));
    }
    let mut h = if parts.is_empty() {
        format!(
            "No connection changes ({} flows compared)",
            s.flows_compared
        )
    } else {
        format!("{} ({} flows compared)", parts.join(", "), s.flows_compared)
    };
    if !r.unresolved.is_empty() {
        h.push_str(&format!(
            "; {} value(s) known only after apply leave flows unknown",
            r.unresolved.len()
        ));
    }
    h
}

fn diff_view(r: &PlanReport) -> netpath_engine::Diff {
    netpath_engine::Diff {
        edits: r
            .edits
            .iter()
            .map(|e| {
                let mut edit = e.edit.clone();
                if !e.addresses.is_empty() {
                    edit.detail = format!("{} ← {}", edit.detail, e.addresses.join(", "));
                }
                edit
            })
            .collect(),
        changes: r.changes.iter().map(|c| c.change.clone()).collect(),
        summary: r.summary.clone(),
        warnings: Vec::new(),
    }
}

fn lists(out: &mut String, r: &PlanReport, bullet: &str) {
    let sections: [(&str, &Vec<String>); 3] = [
        (
            "Drift (the plan's prior state differs from the snapshot)",
            &r.drift,
        ),
        (
            "Changed resources netpath does not model (flows through them are unknown)",
            &r.unsupported,
        ),
        ("Warnings", &r.warnings),
    ];
    if !r.unresolved.is_empty() {
        let _ = writeln!(
            out,
            "\nValues known only after apply (flows through them are unknown):"
        );
        for u in &r.unresolved {
            let _ = writeln!(
                out,
                "{bullet}{}.{} ({}) {}",
                u.address, u.attribute, u.resource, u.reason
            );
        }
    }
    for (title, items) in sections {
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for i in items {
                let _ = writeln!(out, "{bullet}{i}");
            }
        }
    }
}

/// The table: headline, then `diff`'s edits (each with its Terraform
/// addresses) and changed flows, then fixes, unresolved values, drift,
/// unsupported resources.
pub fn plan_table(r: &PlanReport, snapshot: &str, plan: &str) -> String {
    let mut out = format!("{}\n\n", headline(r));
    out.push_str(&super::diff(
        &diff_view(r),
        snapshot,
        &format!("{plan} (applied)"),
    ));
    let fixes: Vec<&PlanFlowChange> = r.changes.iter().filter(|c| c.fix.is_some()).collect();
    if !fixes.is_empty() {
        let _ = writeln!(
            out,
            "\nFixes in Terraform (each verified on the planned snapshot):"
        );
        for c in fixes {
            let f = c.fix.as_ref().expect("filtered");
            let _ = writeln!(
                out,
                "\n{} → {} {}: {}\n{}",
                names(r, &c.change.from),
                names(r, &c.change.to),
                flow_ports(c.change.ip_version, &c.change.protocol, c.change.ports),
                f.summary,
                f.terraform
            );
        }
    }
    lists(&mut out, r, "  - ");
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Up to three ends, each as `name (id)` when it has a Name tag.
fn names(r: &PlanReport, v: &[String]) -> String {
    let label = |id: &String| match r.names.get(id) {
        Some(n) => format!("{n} ({id})"),
        None => id.clone(),
    };
    let shown: Vec<String> = v.iter().take(3).map(label).collect();
    if v.len() <= 3 {
        shown.join(", ")
    } else {
        format!("{} and {} more", shown.join(", "), v.len() - 3)
    }
}

fn why(c: &PlanFlowChange) -> String {
    let a = &c.change.after;
    match (&a.blocking, a.verdict) {
        (Some(b), _) => format!(
            "{} {} {}: {}",
            word(&b.path),
            word(&b.kind),
            b.component,
            b.detail
        ),
        (None, Some(Verdict::Unknown)) => format!("unknown: {}", a.missing.join("; ")),
        (None, Some(v)) => word(&v),
        (None, None) => "(absent after apply)".into(),
    }
}

/// A pull-request comment: the headline, a table of changed flows with
/// the Terraform addresses that cause each (collapsed past 10 rows), the
/// verified fixes, then unresolved values, drift and warnings.
pub fn plan_markdown(r: &PlanReport, plan: &str) -> String {
    let mut out = String::new();
    let icon = if r.summary.broken > 0 {
        "❌"
    } else if r.changes.is_empty() {
        "✅"
    } else {
        "⚠️"
    };
    let _ = writeln!(out, "### {icon} netpath: {}\n", headline(r));
    let _ = writeln!(out, "Plan: `{plan}`\n");
    if !r.changes.is_empty() {
        let long = r.changes.len() > 10;
        if long {
            let _ = writeln!(
                out,
                "<details><summary>{} changed flows</summary>\n",
                r.changes.len()
            );
        }
        let _ = writeln!(
            out,
            "| change | from | to | port | after apply | caused by |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for c in &r.changes {
            let change = match c.change.change {
                ChangeKind::Broken => "**broken**".to_string(),
                ChangeKind::Opened => "opened".into(),
                ChangeKind::Changed => format!("changed ({})", word(&c.change.trend)),
            };
            let _ = writeln!(
                out,
                "| {change} | {} | {} | {} | {} | {} |",
                md_escape(&names(r, &c.change.from)),
                md_escape(&names(r, &c.change.to)),
                flow_ports(c.change.ip_version, &c.change.protocol, c.change.ports),
                md_escape(&why(c)),
                md_escape(
                    &c.addresses
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            );
        }
        if long {
            let _ = writeln!(out, "\n</details>");
        }
    }
    for c in r.changes.iter().filter(|c| c.fix.is_some()) {
        let f = c.fix.as_ref().expect("filtered");
        let _ = writeln!(
            out,
            "\n**Fix** for {} → {} {} ({}), verified on the planned snapshot:\n\n```hcl\n{}```",
            names(r, &c.change.from),
            names(r, &c.change.to),
            flow_ports(c.change.ip_version, &c.change.protocol, c.change.ports),
            f.summary,
            f.terraform
        );
    }
    let mut rest = String::new();
    lists(&mut rest, r, "- ");
    if !rest.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Notes</summary>\n{rest}\n</details>"
        );
    }
    out
}

/// JUnit XML: one test suite for the plan, one test case per changed
/// flow, failing for broken flows and for flows that became unknown or
/// worse; a single passing case when nothing changes.
pub fn plan_junit(r: &PlanReport, plan: &str) -> anyhow::Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("netpath plan");
    let mut suite = TestSuite::new(plan);
    if r.changes.is_empty() {
        let mut case = TestCase::new("no connection changes", TestCaseStatus::success());
        case.set_classname("netpath.plan");
        suite.add_test_case(case);
    }
    for c in &r.changes {
        let ch = &c.change;
        let name = format!(
            "{} -> {} {}",
            names(r, &ch.from),
            names(r, &ch.to),
            flow_ports(ch.ip_version, &ch.protocol, ch.ports)
        );
        let bad = ch.counts_under(netpath_engine::FailOn::Broken);
        let status = if bad {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!("{}: {}", word(&ch.change), why(c)));
            s.set_type(word(&ch.change));
            let mut body = vec![format!("caused by: {}", c.addresses.join(", "))];
            if let Some(f) = &c.fix {
                body.push(format!("fix ({}):\n{}", f.summary, f.terraform));
            }
            s.set_description(body.join("\n"));
            s
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(format!("netpath.plan.{}", word(&ch.change)));
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}
