//! `netpath diff BEFORE AFTER`: the resource edits between two snapshots and
//! every flow whose reachability changed (table, or docs/diff-json.md).

use netpath_engine::Edit;
use netpath_engine::{DiffOptions, FailOn, Topology};
use netpath_engine::{DiffSummary, FlowChange};

use crate::args::{DiffArgs, DiffOutput, FailOnArg};
use crate::render::{self, Envelope};

/// The payload of the diff document, in its documented field order (which
/// is not the engine's `Diff` field order).
#[derive(serde::Serialize)]
struct DiffPayload<'a> {
    summary: &'a DiffSummary,
    edits: &'a [Edit],
    changes: &'a [FlowChange],
    warnings: &'a [String],
}

/// Exit status: 1 when a change counts under `--fail-on`, else 0.
pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let before = super::load_path(&args.before)?;
    let after = super::load_path(&args.after)?;
    let (tb, ta) = (
        Topology::new(&before.snapshot),
        Topology::new(&after.snapshot),
    );
    let opts = DiffOptions {
        from: args.from,
        to: args.to,
        port: args.port,
        protocol: Some(super::proto(args.protocol)),
        ip_version: args.family.version(),
        changes_only: false,
        max_pairs: None,
        assume_appliance_allows: args.appliances.assume_appliance_allows,
    };
    let mut d = netpath_engine::diff(&tb, &ta, &opts)?;
    for (label, imp) in [("BEFORE", &before), ("AFTER", &after)] {
        if args.output == DiffOutput::Json {
            d.warnings
                .extend(imp.warnings.iter().map(|w| format!("{label}: {w}")));
        } else {
            super::warn_input(&imp.warnings);
        }
        for g in &imp.snapshot.metadata.gaps {
            d.warnings.push(format!(
                "{label}: collection gap: {g}; flows that need it may show as unknown"
            ));
        }
    }
    let (before_name, after_name) = (
        args.before.display().to_string(),
        args.after.display().to_string(),
    );
    match args.output {
        DiffOutput::Json => {
            let payload = DiffPayload {
                summary: &d.summary,
                edits: &d.edits,
                changes: &d.changes,
                warnings: &d.warnings,
            };
            let inputs = vec![("before", before_name), ("after", after_name)];
            Envelope::v1("netpath-diff", inputs, &payload).write(std::io::stdout().lock())?;
        }
        DiffOutput::Table => super::print_stdout(&render::diff(&d, &before_name, &after_name))?,
    }
    let fail_on = match args.fail_on {
        FailOnArg::Broken => FailOn::Broken,
        FailOnArg::Opened => FailOn::Opened,
        FailOnArg::Any => FailOn::Any,
    };
    Ok(u8::from(d.fails(fail_on)))
}
