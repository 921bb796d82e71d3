//! `netpath reach` / `netpath exposure --output table`.

use std::fmt::Write;

use netpath_engine::Verdict;

use super::word::word;

/// Writes `netpath reach` / `netpath exposure` as text, one block per entry,
/// as it goes (no table is built in memory): the answer, who, then one line
/// per port range with the rules on the way. `members` lists every member.
pub fn reach(
    out: &mut impl std::io::Write,
    r: &netpath_engine::Reach,
    members: bool,
) -> std::io::Result<()> {
    let ports = |a: &netpath_engine::PortAccess| {
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
    let direct = r.entries.iter().filter(|e| e.through.is_none()).count();
    if direct == 0 {
        let none = match r.query {
            "to" if direct < r.entries.len() => {
                "no source reaches it directly on any port considered"
            }
            "to" => "no source reaches it on any port considered",
            "from" => "it reaches no destination on any port considered",
            _ => "nothing is reachable from the internet",
        };
        writeln!(out, "{none}")?;
    }
    let mut through: Option<&str> = None;
    for e in &r.entries {
        // Sources through a load balancer: a heading per load balancer
        // listener (their ports are the listener's).
        if e.through.is_some() && e.through.as_deref() != through {
            through = e.through.as_deref();
            writeln!(out, "\nthrough {}:", through.unwrap_or_default())?;
        }
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
                netpath_engine::EntryKind::Internet
                    | netpath_engine::EntryKind::Cidr
                    | netpath_engine::EntryKind::DbInstances
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
            // The rules that decide: security groups, routes and VPN
            // connections (JSON has every hop).
            for v in a
                .via
                .iter()
                .filter(|v| v.starts_with("sg-") || v.starts_with("vgw-") || v.contains(" -> "))
            {
                writeln!(out, "{:<12} via {v}", "")?;
            }
        }
    }
    // Through internet-facing load balancers: targets are exposed even
    // without a public address of their own.
    if !r.load_balancers.is_empty() {
        writeln!(out, "\nthrough internet-facing load balancers:")?;
    }
    for l in &r.load_balancers {
        writeln!(
            out,
            "{:<10} {} {}{}",
            word(&l.verdict).to_uppercase(),
            l.load_balancer,
            l.listener,
            l.dns_name
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )?;
        if !l.exposed_targets.is_empty() {
            writeln!(
                out,
                "{:<10} targets exposed: {}",
                "",
                l.exposed_targets.join(", ")
            )?;
        }
        if let Some(n) = &l.note {
            writeln!(out, "{:<10} {n}", "")?;
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
    // The counts are of direct paths; sources through load balancers are
    // counted apart (a source may reach both ways).
    let mut via_lb: Vec<&str> = r
        .entries
        .iter()
        .filter(|e| e.through.is_some())
        .flat_map(|e| e.members.iter().map(String::as_str))
        .collect();
    via_lb.sort_unstable();
    via_lb.dedup();
    if !via_lb.is_empty() {
        writeln!(
            out,
            "through load balancers: {} source{} (counted apart from the direct paths above)",
            via_lb.len(),
            if via_lb.len() == 1 { "" } else { "s" }
        )?;
    }
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
