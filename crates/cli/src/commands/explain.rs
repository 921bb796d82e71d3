//! `netpath explain`: can `--from` reach `--to`, hop by hop (table, the JSON
//! of docs/explain-json.md, or the topology in DOT).

use anyhow::Context;
use netpath_engine::{explain_verified, ExplainError, ExplainOptions, Topology, Verdict};

use crate::args::{ExplainArgs, Output};
use crate::render;

/// Exit status: 0 reachable, 1 blocked or partial, 3 unknown (0 for the
/// topology graph).
pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let (imported, source) = args.source.load()?;
    let topo = Topology::new(&imported.snapshot);
    if args.output == Output::Topology {
        super::print_stdout(&render::dot(&topo))?;
        return Ok(0);
    }
    let opts = ExplainOptions {
        protocol: Some(super::proto(args.protocol)),
        port: args.port,
        client_os: args.client_os,
        ephemeral_ports: args.ephemeral_ports,
        icmp: args.icmp_type.map(|t| netpath_model::IcmpMessage {
            icmp_type: t,
            code: args.icmp_code.unwrap_or(0),
        }),
        host_facts: super::load_host_facts(&args.host_facts, args.source.snapshot.as_deref())?,
        ipv6: args.ipv6,
        terse: false,
        lb_target: None,
        assume_appliance_allows: args.appliances.assume_appliance_allows,
    };
    let mut facts_warnings: Vec<String> = Vec::new();
    for f in &opts.host_facts {
        let id = f.instance_id.as_deref().unwrap_or("?");
        if !imported
            .snapshot
            .instances
            .iter()
            .flatten()
            .any(|i| i.instance_id == id)
        {
            facts_warnings.push(format!(
                "host facts for {id} name an instance that is not in {source}: they are not used"
            ));
        }
        for w in &f.warnings {
            facts_warnings.push(format!("host facts of {id}: {w}"));
        }
    }
    if args.icmp_type.is_some()
        && !matches!(
            args.protocol,
            crate::args::Proto::Icmp | crate::args::Proto::Icmpv6
        )
    {
        anyhow::bail!("--icmp-type applies to --protocol icmp or icmpv6 only");
    }
    let mut exp = match explain_verified(&topo, &args.from, &args.to, &opts) {
        Ok(e) => e,
        Err(e @ (ExplainError::Resolve(_) | ExplainError::Usage(_))) => {
            let gaps: Vec<String> = imported
                .snapshot
                .metadata
                .gaps
                .iter()
                .map(|g| format!("{} in {}", g.operation, g.region.as_deref().unwrap_or("?")))
                .collect();
            let partial = if gaps.is_empty() {
                String::new()
            } else {
                format!(" (the snapshot is partial: {} failed)", gaps.join(", "))
            };
            return Err(anyhow::anyhow!(e)).with_context(|| format!("in {source}{partial}"));
        }
    };
    // Warnings about the input go to stderr; the JSON document keeps them
    // too, for programs. The answer's own notes stay in `warnings`.
    super::warn_input(&imported.warnings);
    for w in &facts_warnings {
        eprintln!("netpath: warning: {w}");
    }
    if args.output == Output::Json {
        exp.warnings
            .extend(imported.warnings.iter().map(|w| w.to_string()));
        exp.warnings.extend(facts_warnings);
    }
    scope_commands(
        &mut exp,
        &imported.snapshot.metadata.regions,
        &args.source.live,
    );
    let reconciliation = args.observed.as_ref().map(|o| {
        netpath_engine::reconcile(
            &exp,
            o,
            &netpath_engine::ReconcileContext {
                snapshot_age: imported
                    .snapshot
                    .metadata
                    .collected_at
                    .as_deref()
                    .and_then(age_of),
            },
        )
    });
    match args.output {
        // The explain document is the explanation itself (docs/explain-json.md):
        // no envelope; `--observed` adds an `observed` member.
        Output::Json => {
            /// The explanation, then `observed` (members in that order).
            #[derive(serde::Serialize)]
            struct WithObserved<'e> {
                #[serde(flatten)]
                explanation: &'e netpath_engine::Explanation,
                #[serde(skip_serializing_if = "Option::is_none")]
                observed: Option<&'e netpath_engine::Reconciliation>,
            }
            let doc = WithObserved {
                explanation: &exp,
                observed: reconciliation.as_ref(),
            };
            super::print_stdout(&(serde_json::to_string_pretty(&doc)? + "\n"))?;
        }
        Output::FixScript => super::print_stdout(&render::fix_script(&exp))?,
        Output::Mermaid => super::print_stdout(&render::mermaid(&exp))?,
        Output::ReachabilityAnalyzer => {
            super::print_stdout(&render::reachability_analyzer(&exp, &topo)?)?
        }
        Output::Dot => super::print_stdout(&render::dot_path(&exp))?,
        Output::Table | Output::Topology => {
            let mut text = render::table(&exp, &topo);
            if let Some(r) = &reconciliation {
                text.push('\n');
                text.push_str(&render::observed(r));
            }
            super::print_stdout(&text)?;
        }
    }
    Ok(match exp.verdict {
        Verdict::Reachable => 0,
        Verdict::Blocked | Verdict::Partial => 1,
        Verdict::Unknown => 3,
    })
}

/// Every `aws` command of `exp`'s fixes gets `--region` (the snapshot's one
/// region, else the one `--region` given) and `--profile` when one was
/// given, shell-quoted; with several regions and none chosen, a note says
/// the commands carry none.
fn scope_commands(
    exp: &mut netpath_engine::Explanation,
    regions: &[String],
    live: &crate::args::LiveArgs,
) {
    let region = match (regions, live.regions.as_slice()) {
        ([one], _) | ([], [one]) => Some(one.clone()),
        _ => None,
    };
    let mut flags = String::new();
    for (flag, value) in [("--region", &region), ("--profile", &live.profile)] {
        if let Some(v) = value {
            let quoted = shlex::try_quote(v).map_or_else(|_| v.clone(), |q| q.into_owned());
            flags.push_str(&format!(" {flag} {quoted}"));
        }
    }
    let mut unscoped = false;
    for f in &mut exp.fixes {
        let Some(cmd) = &f.command else { continue };
        unscoped |= region.is_none();
        f.command = Some(
            cmd.split(" && ")
                .map(|part| match part.strip_suffix(')') {
                    // `PCX=$(aws … --output text)`: the flags go inside.
                    Some(inner) if part.contains("=$(") => format!("{inner}{flags})"),
                    _ => format!("{part}{flags}"),
                })
                .collect::<Vec<_>>()
                .join(" && "),
        );
    }
    if unscoped {
        exp.warnings.push(format!(
            "the commands carry no --region: the snapshot {}; add the resource's region",
            if regions.is_empty() {
                "does not say which region it is from".to_string()
            } else {
                format!("spans {}", regions.join(", "))
            }
        ));
    }
}

/// How long ago `collected_at` (RFC 3339, UTC) was, in words (`3 days`,
/// `5 hours`, `12 minutes`); `None` when it cannot be read.
fn age_of(collected_at: &str) -> Option<String> {
    let t = humantime::parse_rfc3339_weak(collected_at).ok()?;
    let secs = std::time::SystemTime::now()
        .duration_since(t)
        .ok()?
        .as_secs();
    Some(match secs {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3_600 => format!("{} hours", s / 3_600),
        s => format!("{} minutes", s / 60),
    })
}
