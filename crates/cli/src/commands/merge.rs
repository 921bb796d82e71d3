//! `netpath merge A.json B.json … --out all.json`: snapshots collected
//! separately (per account by different teams, per region, or by many
//! independent jobs) combined into one, each account and region keeping its
//! own collection time (`netpath_model::merge`).

use anyhow::Context;

use crate::args::MergeArgs;
use crate::render::plural;

/// Exit status 0 merged; 1 merged but some inputs hold different copies of
/// one resource (0 with `--allow-conflicts`). The summary and every gap go
/// to stderr.
pub fn run(args: MergeArgs) -> anyhow::Result<u8> {
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for path in &args.inputs {
        let imported = netpath_model::load(path)
            .with_context(|| format!("cannot merge {}", path.display()))?;
        super::warn_input(&imported.warnings);
        inputs.push((path.display().to_string(), imported.snapshot));
    }
    let merged = netpath_model::merge(inputs);
    let snap = &merged.snapshot;
    super::write_output(args.out.path(), &snap.to_json())?;
    let md = &snap.metadata;
    let resources: usize = md.partitions.iter().map(|p| p.resources.len()).sum();
    eprintln!(
        "netpath: merged {} input{} into {}: {} account{}, {} region{}, {} partition{} ({} resources), {} listed by several inputs, {} conflict{}, {} gap{}",
        args.inputs.len(),
        plural(args.inputs.len()),
        args.out.path().display(),
        md.account_ids.len(),
        plural(md.account_ids.len()),
        md.regions.len(),
        plural(md.regions.len()),
        md.partitions.len(),
        plural(md.partitions.len()),
        resources,
        merged.shared,
        merged.conflicts,
        plural(merged.conflicts),
        md.gaps.len(),
        plural(md.gaps.len()),
    );
    for p in &md.partitions {
        eprintln!(
            "  {}: collected {} ({}{})",
            p.label(),
            p.collected_at.as_deref().unwrap_or("at an unknown time"),
            if p.source.is_empty() {
                "unknown source"
            } else {
                &p.source
            },
            p.role_arn
                .as_deref()
                .map(|r| format!(", as {r}"))
                .unwrap_or_default()
        );
    }
    for g in &md.gaps {
        eprintln!("netpath: warning: {g}");
    }
    if merged.conflicts > 0 && !args.allow_conflicts {
        eprintln!(
            "netpath: {} resource{} differ between inputs; paths through them will be `unknown`. Pass --allow-conflicts to exit 0 anyway",
            merged.conflicts,
            plural(merged.conflicts)
        );
        return Ok(1);
    }
    Ok(0)
}
