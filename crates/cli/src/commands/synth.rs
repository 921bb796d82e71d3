//! `netpath synth --out FILE`: a synthetic snapshot for benchmarks (same
//! arguments, same bytes), optionally with random rule edits.

use netpath_synth as synth;

use crate::args::SynthArgs;

/// Exit status 0 (errors aside); each edit is logged on stderr.
pub fn run(args: SynthArgs) -> anyhow::Result<u8> {
    let mut snap = synth::generate(&synth::SynthParams {
        enis: args.enis,
        vpcs: args.vpcs,
        seed: args.seed,
    });
    if args.edits > 0 {
        let (edited, log) = synth::perturb(&snap, args.edits, args.seed.wrapping_add(1));
        for l in log {
            eprintln!("netpath: edit: {l}");
        }
        snap = edited;
    }
    super::write_output(args.out.path(), &snap.to_json())?;
    Ok(0)
}
