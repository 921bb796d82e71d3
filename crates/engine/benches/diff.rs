//! Criterion benchmark: `diff` of two synthetic snapshots of 1,000, 10,000
//! and 100,000 ENIs
//! that differ by 10 rule edits (security-group rules and NACL entries),
//! every relevant flow compared. The snapshots come from
//! `netpath_synth` (same seed, same bytes; `netpath synth` writes
//! them to files). Run: `cargo bench -p netpath-engine --bench diff`.

use criterion::{criterion_group, criterion_main, Criterion};
use netpath_engine::{diff, DiffOptions, Topology};
use netpath_synth::{generate, perturb, SynthParams};

fn bench_diff(c: &mut Criterion) {
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    for enis in [1_000usize, 10_000, 100_000] {
        let before = generate(&SynthParams {
            enis,
            vpcs: 6,
            seed: 1,
        });
        let (after, _) = perturb(&before, 10, 2);
        let (tb, ta) = (Topology::new(&before), Topology::new(&after));
        group.bench_function(format!("{enis}-enis-10-edits"), |b| {
            b.iter(|| diff(&tb, &ta, &DiffOptions::default()).expect("diff"))
        });
        group.bench_function(format!("{enis}-enis-identical"), |b| {
            b.iter(|| diff(&tb, &tb, &DiffOptions::default()).expect("diff"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_diff);
criterion_main!(benches);
