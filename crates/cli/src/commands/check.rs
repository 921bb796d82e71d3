//! `netpath check --snapshot S POLICY.toml`: every intent of a policy,
//! PASS or FAIL (table, docs/policy.md's JSON, or JUnit XML).

use anyhow::Context;
use netpath_engine::Policy;
use netpath_engine::Topology;

use crate::args::{CheckArgs, CheckOutput};
use crate::render::{self, Envelope};

/// Exit status: 1 when an intent fails, else 0.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("cannot read policy {}", args.policy.display()))?;
    let mut parsed =
        Policy::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.policy.display()))?;
    parsed.assume_appliance_allows |= args.appliances.assume_appliance_allows;
    let mut imported = super::load_path(&args.snapshot)?;
    if let Some(p) = &args.plan {
        let plan = netpath_model::terraform::Plan::read(p)?;
        let o = netpath_model::terraform::overlay(&imported.snapshot, &plan);
        for w in o.warnings.iter().chain(&o.drift).chain(&o.unsupported) {
            eprintln!("netpath: warning: {}: {w}", p.display());
        }
        imported.snapshot = o.after;
    }
    let topo = Topology::new(&imported.snapshot);
    let report = netpath_engine::check(&topo, &parsed);
    super::warn_input(&imported.warnings);
    for g in &imported.snapshot.metadata.gaps {
        eprintln!("netpath: warning: collection gap: {g}; intents that need it fail as unknown");
    }
    let policy_name = args.policy.display().to_string();
    match args.output {
        CheckOutput::Table => super::print_stdout(&render::check(&report, &policy_name))?,
        CheckOutput::Json => {
            let inputs = vec![
                ("snapshot", args.snapshot.display().to_string()),
                ("policy", policy_name),
            ];
            Envelope::v1("netpath-check", inputs, &report).write(std::io::stdout().lock())?;
        }
        CheckOutput::Junit => super::print_stdout(&render::junit(&report, &policy_name)?)?,
    }
    Ok(u8::from(report.failed > 0))
}
