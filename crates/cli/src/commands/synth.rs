//! `netpath synth --out FILE`: a synthetic snapshot for benchmarks (same
//! arguments, same bytes), optionally with random rule edits.

use netpath_synth as synth;

use crate::args::SynthArgs;

/// Exit status 0 (errors aside); each edit is logged on stderr.
pub fn run(args: SynthArgs) -> anyhow::Result<u8> {
    let params = synth::SynthParams {
        enis: args.enis,
        vpcs: args.vpcs,
        seed: args.seed,
    };
    let mut snap = match args.accounts {
        Some(n) => synth::organization(&params, n),
        None => synth::generate(&params),
    };
    if args.dual_stack {
        synth::dual_stack(&mut snap, args.seed);
    }
    if args.tgw {
        synth::transit_gateway_hub(&mut snap, args.seed);
    }
    if args.edits > 0 {
        let (edited, log) = synth::perturb(&snap, args.edits, args.seed.wrapping_add(1));
        for l in log {
            eprintln!("netpath: edit: {l}");
        }
        snap = edited;
    }
    super::write_output(args.out.path(), &snap.to_json())?;
    if let Some(path) = &args.flow_logs {
        write_flow_logs(&snap, path, args.flow_log_records, args.seed)?;
    }
    Ok(0)
}

/// Streams `records` default-format records (four per connection, between
/// at most 2,000 client/server pairs) to `path`.
fn write_flow_logs(
    snap: &netpath_model::Snapshot,
    path: &std::path::Path,
    records: usize,
    seed: u64,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let file = std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut left = records;
    let mut round = 0u64;
    // In rounds of 250,000 connections, so memory stays bounded.
    while left > 0 {
        let n = left.div_ceil(4).min(250_000);
        let conns = synth::connections(snap, n, 2_000, seed.wrapping_add(round));
        if conns.is_empty() {
            anyhow::bail!("the synthetic world has no VPC with two ENIs; raise --enis");
        }
        for c in &conns {
            for p in synth::RecordPoint::ALL {
                if left == 0 {
                    break;
                }
                writeln!(out, "{}", c.record(p, "ACCEPT"))
                    .with_context(|| format!("write {}", path.display()))?;
                left -= 1;
            }
        }
        round += 1;
    }
    out.flush()
        .with_context(|| format!("write {}", path.display()))?;
    eprintln!(
        "netpath: wrote {records} flow log records to {}",
        path.display()
    );
    Ok(())
}
