//! `netpath explain`: can `--from` reach `--to`, hop by hop (table, the JSON
//! of docs/explain-json.md, or the topology in DOT).

use anyhow::Context;
use netpath_engine::{explain, ExplainError, ExplainOptions, Topology, Verdict};

use crate::args::{ExplainArgs, Output};
use crate::render;

/// Exit status: 0 reachable, 1 blocked or partial, 3 unknown (0 for DOT).
pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let (imported, source) = args.source.load()?;
    let topo = Topology::new(&imported.snapshot);
    if args.output == Output::Dot {
        print!("{}", render::dot(&topo));
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
    };
    if args.icmp_type.is_some() && args.protocol != crate::args::Proto::Icmp {
        anyhow::bail!("--icmp-type applies to --protocol icmp only");
    }
    let mut exp = match explain(&topo, &args.from, &args.to, &opts) {
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
    exp.warnings
        .extend(imported.warnings.iter().map(|w| w.to_string()));
    match args.output {
        // The explain document is the explanation itself (docs/explain-json.md):
        // no envelope.
        Output::Json => println!("{}", serde_json::to_string_pretty(&exp)?),
        Output::Table | Output::Dot => print!("{}", render::table(&exp)),
    }
    Ok(match exp.verdict {
        Verdict::Reachable => 0,
        Verdict::Blocked | Verdict::Partial => 1,
        Verdict::Unknown => 3,
    })
}
