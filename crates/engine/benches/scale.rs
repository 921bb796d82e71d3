//! Criterion benchmarks of the scale figures on synthetic snapshots of
//! 10,000 and 100,000 ENIs (`netpath_synth`, seed 1, 8 VPCs):
//!
//! - `load/value`: a bare `serde_json::from_slice` into `serde_json::Value`
//!   (the baseline); `load/netpath`: netpath's typed parse and validation;
//!   `load/index`: `Topology::new`;
//! - `explain`: one instance to the first DB, the walk alone;
//! - `reach-to-db`: `reach --to` the first DB;
//! - `exposure`.
//!
//! `diff` has its own bench (`benches/diff.rs`). `benches/scale.py` prints
//! every figure, with process-level times and peak memory, as one table.
//! Run: `cargo bench -p netpath-engine --bench scale`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use netpath_engine::{explain, reach, ExplainOptions, ReachOptions, ReachQuery, Topology};
use netpath_model::Snapshot;
use netpath_synth::{generate, SynthParams};

fn bench_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for enis in [10_000usize, 100_000] {
        let snap = generate(&SynthParams {
            enis,
            vpcs: 8,
            seed: 1,
        });
        let bytes = snap.to_json().into_bytes();
        let path = Path::new("synth.json");
        group.bench_with_input(BenchmarkId::new("load/value", enis), &bytes, |b, bytes| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(bytes).expect("JSON"))
        });
        group.bench_with_input(
            BenchmarkId::new("load/netpath", enis),
            &bytes,
            |b, bytes| b.iter(|| Snapshot::from_json_bytes(path, bytes).expect("snapshot")),
        );
        group.bench_with_input(BenchmarkId::new("load/index", enis), &snap, |b, snap| {
            b.iter(|| Topology::new(snap))
        });
        let topo = Topology::new(&snap);
        let db = snap.db_instances.as_ref().expect("DBs")[0]
            .db_instance_identifier
            .clone();
        let inst = snap.instances.as_ref().expect("instances")[0]
            .instance_id
            .clone();
        group.bench_function(BenchmarkId::new("explain", enis), |b| {
            b.iter(|| explain(&topo, &inst, &db, &ExplainOptions::default()).expect("explain"))
        });
        group.bench_function(BenchmarkId::new("reach-to-db", enis), |b| {
            b.iter(|| {
                reach(&topo, &ReachQuery::To(db.clone()), &ReachOptions::default()).expect("reach")
            })
        });
        group.bench_function(BenchmarkId::new("exposure", enis), |b| {
            b.iter(|| {
                reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).expect("exposure")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scale);
criterion_main!(benches);
