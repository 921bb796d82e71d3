//! Criterion benchmark: the `flowlogs` parse-and-attribute loop, after the
//! snapshot is loaded. One million default-format records (250,000
//! synthetic TCP connections between 2,000 client/server pairs of a
//! 2,000-ENI `netpath_synth` world, four records each) are parsed with
//! `netpath_model::flow_log` and attributed with `FlowLogAnalysis`, starting
//! from an empty cache each time (so the `explain` of every flow class is
//! included). Throughput is records per second on one core.
//! Run: `cargo bench -p netpath-engine --bench flow_logs`; the figure is in
//! docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netpath_engine::{FlowLogAnalysis, FlowLogOptions, Topology};
use netpath_model::flow_log::FlowLogFormat;
use netpath_synth::{connections, generate, RecordPoint, SynthParams};

fn bench_flow_logs(c: &mut Criterion) {
    let snap = generate(&SynthParams {
        enis: 2_000,
        vpcs: 4,
        seed: 1,
    });
    let topo = Topology::new(&snap);
    let lines: Vec<String> = connections(&snap, 250_000, 2_000, 7)
        .iter()
        .flat_map(|c| RecordPoint::ALL.map(|p| c.record(p, "ACCEPT")))
        .collect();
    let format = FlowLogFormat::default_v2();
    let mut group = c.benchmark_group("flowlogs");
    group.sample_size(10);
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("1M-records-2000-enis", |b| {
        b.iter(|| {
            let mut a = FlowLogAnalysis::new(&topo, FlowLogOptions::default());
            for l in &lines {
                let r = format.record(l).expect("synthetic records parse");
                a.add(&r, l);
            }
            a.finish()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_flow_logs);
criterion_main!(benches);
