//! `netpath plan --snapshot S PLAN.json`: the flows a Terraform plan
//! breaks, opens or changes, before apply (table, docs/plan.md's JSON,
//! Markdown for a pull request, or JUnit).

use netpath_engine::{DiffOptions, FailOn};
use netpath_model::terraform::Plan;

use crate::args::{FailOnArg, PlanArgs, PlanOutput};
use crate::render::{self, Envelope};

/// Exit status: 1 when a change counts under `--fail-on`, else 0.
pub fn run(args: PlanArgs) -> anyhow::Result<u8> {
    let imported = super::load_path(&args.snapshot)?;
    let plan = Plan::read(&args.plan)?;
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
    let mut report = netpath_engine::plan(&imported.snapshot, &plan, &opts)?;
    report
        .warnings
        .extend(imported.warnings.iter().map(|w| format!("snapshot: {w}")));
    for g in &imported.snapshot.metadata.gaps {
        report.warnings.push(format!(
            "snapshot: collection gap: {g}; flows that need it may show as unknown"
        ));
    }
    let (snap_name, plan_name) = (
        args.snapshot.display().to_string(),
        args.plan.display().to_string(),
    );
    if args.output != PlanOutput::Json {
        for w in &report.warnings {
            eprintln!("netpath: warning: {w}");
        }
    }
    match args.output {
        PlanOutput::Json => {
            let inputs = vec![("snapshot", snap_name), ("plan", plan_name)];
            Envelope::v1("netpath-plan", inputs, &report).write(std::io::stdout().lock())?;
        }
        PlanOutput::Table => {
            super::print_stdout(&render::plan_table(&report, &snap_name, &plan_name))?
        }
        PlanOutput::Markdown => super::print_stdout(&render::plan_markdown(&report, &plan_name))?,
        PlanOutput::Junit => super::print_stdout(&render::plan_junit(&report, &plan_name)?)?,
    }
    let fail_on = match args.fail_on {
        FailOnArg::Broken => FailOn::Broken,
        FailOnArg::Opened => FailOn::Opened,
        FailOnArg::Any => FailOn::Any,
    };
    Ok(u8::from(report.fails(fail_on)))
}
