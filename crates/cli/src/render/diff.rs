//! `netpath diff --output table`: the resource edits, then a table of the
//! flows whose reachability changed.

use std::fmt::Write;

use netpath_engine::Verdict;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};
use tabled::{Table, Tabled};

use super::word::{flow_ports, word};

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

fn side(s: &netpath_engine::FlowSide) -> String {
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
    use netpath_engine::ChangeKind;
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
                port: flow_ports(c.ip_version, &c.protocol, c.ports),
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
