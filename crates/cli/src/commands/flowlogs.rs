//! `netpath flowlogs --snapshot S FILE...`: the rule behind every REJECT in
//! VPC Flow Logs, grouped by cause, and the records the snapshot
//! contradicts (a report, or docs/flowlogs-json.md).

use std::io::Write;

use anyhow::Context;
use netpath_engine::{ExplainOptions, FlowLogAnalysis, FlowLogOptions, Topology};
use netpath_model::flow_log::{self, FlowLogFormat};

use crate::args::{FlowlogsArgs, FlowlogsOutput};
use crate::render::{self, Envelope};

/// Exit status: 0 when every REJECT is attributed and nothing disagrees,
/// else 1; bad input is an error (status 2).
pub fn run(args: FlowlogsArgs) -> anyhow::Result<u8> {
    let format = args
        .format
        .as_deref()
        .map(FlowLogFormat::parse)
        .transpose()
        .context("--format")?;
    let (imported, name) = args.source.load()?;
    let topo = Topology::new(&imported.snapshot);
    let opts = FlowLogOptions {
        interface: args.interface.clone(),
        since: args.since,
        until: args.until,
        top: args.top,
        explain: ExplainOptions {
            client_os: args.client_os,
            ..ExplainOptions::default()
        },
    };
    let mut analysis = FlowLogAnalysis::new(&topo, opts);
    for file in &args.files {
        flow_log::read_file(file, format.as_ref(), |r, line| analysis.add(r, line))?;
    }
    let mut report = analysis.finish();
    super::warn_input(&imported.warnings);
    if args.output == FlowlogsOutput::Json {
        report
            .warnings
            .extend(imported.warnings.iter().map(|w| w.to_string()));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let files = args
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match args.output {
        FlowlogsOutput::Json => Envelope::v1(
            "netpath-flowlogs",
            vec![("snapshot", name), ("files", files)],
            &report,
        )
        .write(&mut out)?,
        FlowlogsOutput::Table => {
            for w in &report.warnings {
                eprintln!("netpath: warning: {w}");
            }
            render::flowlogs(&mut out, &report)?;
        }
    }
    out.flush()?;
    Ok(u8::from(!report.clean()))
}
