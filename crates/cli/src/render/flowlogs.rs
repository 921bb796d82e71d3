//! `netpath flowlogs --output table`: the verdict line, then one block per
//! cause (the rule, when, which flows, who, the fix), then what the
//! snapshot contradicts, what netpath cannot decide, and interfaces it does
//! not know.

use netpath_engine::{FlowLogReport, FlowTuple, Leg};

/// Thousands separators: `1,204`.
fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn time(t: Option<u64>) -> String {
    t.map_or("?".into(), |t| {
        humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t))
            .to_string()
    })
}

fn flow(f: &FlowTuple) -> String {
    let leg = match f.leg {
        Leg::Request => "request",
        Leg::Reply => "reply",
    };
    if matches!(f.protocol.as_str(), "icmp" | "icmpv6") {
        format!(
            "{} {} -> {} {} ({leg})",
            f.interface_id, f.srcaddr, f.dstaddr, f.protocol
        )
    } else {
        // An IPv6 address takes brackets before its port (RFC 3986 section 3.2.2).
        let at = |addr: &str, port: u16| {
            if addr.contains(':') {
                format!("[{addr}]:{port}")
            } else {
                format!("{addr}:{port}")
            }
        };
        format!(
            "{} {} -> {} {} ({leg})",
            f.interface_id,
            at(&f.srcaddr, f.srcport),
            at(&f.dstaddr, f.dstport),
            f.protocol
        )
    }
}

/// The verdict line: whether every REJECT is explained and whether the
/// snapshot agrees with the traffic.
pub fn headline(r: &FlowLogReport) -> String {
    let c = &r.records;
    let rejects = c.reject;
    let causes = r.causes.len();
    let mut s = if rejects == 0 {
        format!("no REJECT among {} records", n(c.total))
    } else if c.attributed == rejects {
        format!(
            "every REJECT explained: {} REJECT{}, {} cause{}",
            n(rejects),
            if rejects == 1 { "" } else { "s" },
            causes,
            if causes == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{} of {} REJECTs explained by {} cause{}",
            n(c.attributed),
            n(rejects),
            causes,
            if causes == 1 { "" } else { "s" }
        )
    };
    if c.disagreeing > 0 {
        s.push_str(&format!(
            "; {} records disagree with the snapshot",
            n(c.disagreeing)
        ));
    }
    if c.undecided > 0 {
        s.push_str(&format!("; {} undecided", n(c.undecided)));
    }
    if c.unattributed > 0 {
        s.push_str(&format!(
            "; {} on interfaces not in the snapshot",
            n(c.unattributed)
        ));
    }
    s
}

/// Writes the report.
pub fn flowlogs(out: &mut impl std::io::Write, r: &FlowLogReport) -> std::io::Result<()> {
    writeln!(out, "{}", headline(r))?;
    let c = &r.records;
    writeln!(
        out,
        "records: {} ({} ACCEPT, {} REJECT; {} NODATA, {} SKIPDATA never attributed; {} filtered out)",
        n(c.total),
        n(c.accept),
        n(c.reject),
        n(c.nodata),
        n(c.skipdata),
        n(c.filtered)
    )?;
    for (i, cause) in r.causes.iter().enumerate() {
        writeln!(
            out,
            "\n{}. {} REJECT{}, {} to {} ({}, {})",
            i + 1,
            n(cause.records),
            if cause.records == 1 { "" } else { "s" },
            time(cause.first),
            time(cause.last),
            cause.verdict,
            cause.blocking.blocking.code
        )?;
        writeln!(out, "   {}", cause.summary)?;
        for f in cause.flows.iter().take(3) {
            writeln!(out, "   flow: {}", flow(f))?;
        }
        if cause.flows.len() > 3 {
            writeln!(
                out,
                "   … and {} more flows (--output json lists up to 20)",
                cause.flows.len() - 3
            )?;
        }
        if !cause.top_talkers.is_empty() {
            let t: Vec<String> = cause
                .top_talkers
                .iter()
                .map(|t| format!("{} -> {} ({})", t.srcaddr, t.dstaddr, n(t.records)))
                .collect();
            writeln!(out, "   top talkers: {}", t.join(", "))?;
        }
        match &cause.fix {
            Some(f) => {
                let note = if f.verified {
                    " (verified: applied to a copy of the snapshot, the flow passes this hop)"
                } else {
                    " (not verified, so no command: netpath could not apply it to a copy of the snapshot and see the flow pass)"
                };
                writeln!(out, "   fix: {}{note}", f.summary)?;
                if let Some(cmd) = &f.command {
                    writeln!(out, "     $ {cmd}")?;
                }
            }
            None => writeln!(out, "   fix: none known")?,
        }
    }
    if !r.disagreements.is_empty() {
        writeln!(
            out,
            "\nthe snapshot disagrees with traffic (stale snapshot, or a model error):"
        )?;
        for d in &r.disagreements {
            writeln!(
                out,
                "  {} {} record{}: {}, but netpath says {}: {}",
                n(d.records),
                d.action,
                if d.records == 1 { "" } else { "s" },
                flow(&d.flow),
                d.netpath,
                d.why
            )?;
        }
    }
    if !r.unknown.is_empty() {
        writeln!(out, "\nundecided:")?;
        for u in &r.unknown {
            writeln!(
                out,
                "  {} records ({} REJECT): {}",
                n(u.records),
                n(u.rejects),
                u.reason
            )?;
        }
    }
    if !r.unattributed.is_empty() {
        writeln!(out, "\ninterfaces not in the snapshot:")?;
        for u in r.unattributed.iter().take(10) {
            writeln!(
                out,
                "  {}: {} records ({} REJECT)",
                u.interface_id,
                n(u.records),
                n(u.rejects)
            )?;
        }
        if r.unattributed.len() > 10 {
            writeln!(out, "  … and {} more interfaces", r.unattributed.len() - 10)?;
        }
    }
    Ok(())
}
