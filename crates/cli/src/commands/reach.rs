//! `netpath reach` (who reaches `--to`, what `--from` reaches) and
//! `netpath exposure` (what the internet reaches): a table, or the JSON of
//! docs/reach-json.md.

use std::io::Write;

use anyhow::Context;
use netpath_engine::{ReachOptions, ReachQuery, Topology};

use crate::args::{ExposureArgs, FamilyArgs, Proto, ReachArgs, ReachOutput, SourceArgs};
use crate::render::{self, Envelope};

/// `netpath reach`. Exit status 0 (errors aside).
pub fn run(args: ReachArgs) -> anyhow::Result<u8> {
    let query = match (args.to, args.from) {
        (Some(t), _) => ReachQuery::To(t),
        (None, Some(f)) => ReachQuery::From(f),
        (None, None) => unreachable!("clap requires --to or --from"),
    };
    let opts = options(
        args.port,
        args.protocol,
        args.family,
        args.appliances.assume_appliance_allows,
    );
    answer(&args.source, query, &opts, args.members, args.output)
}

/// `netpath exposure`. Exit status 0 (errors aside).
pub fn run_exposure(args: ExposureArgs) -> anyhow::Result<u8> {
    let opts = options(
        args.port,
        args.protocol,
        args.family,
        args.appliances.assume_appliance_allows,
    );
    answer(
        &args.source,
        ReachQuery::Exposure,
        &opts,
        args.members,
        args.output,
    )
}

/// What every walk of the question shares besides its ends.
fn options(port: Option<u16>, protocol: Proto, family: FamilyArgs, assume: bool) -> ReachOptions {
    ReachOptions {
        port,
        protocol: Some(super::proto(protocol)),
        ip_version: family.version(),
        assume_appliance_allows: assume,
    }
}

fn answer(
    source: &SourceArgs,
    query: ReachQuery,
    opts: &ReachOptions,
    members: bool,
    output: ReachOutput,
) -> anyhow::Result<u8> {
    let (imported, name) = source.load()?;
    let topo = Topology::new(&imported.snapshot);
    let mut r = netpath_engine::reach(&topo, &query, opts)
        .map_err(anyhow::Error::new)
        .with_context(|| format!("in {name}"))?;
    super::warn_input(&imported.warnings);
    if output == ReachOutput::Json {
        r.warnings
            .extend(imported.warnings.iter().map(|w| w.to_string()));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match output {
        ReachOutput::Json => {
            Envelope::v1("netpath-reach", vec![("snapshot", name)], &r).write(&mut out)?
        }
        ReachOutput::Table => render::reach(&mut out, &r, members)?,
        ReachOutput::Mermaid => out.write_all(render::reach_mermaid(&r).as_bytes())?,
    }
    out.flush()?;
    Ok(0)
}
