//! Times each stage of netpath on one snapshot (and a second one for
//! `diff`), in one process, for `benches/scale.py`.
//!
//! Usage: `scale --load-only SNAPSHOT` loads and indexes the snapshot the
//! way `netpath` does, then exits (the baseline for `explain` end to end).
//! `scale SNAPSHOT [AFTER]` prints one JSON object (seconds):
//! `value_parse` (a bare `serde_json::from_slice` into `serde_json::Value`
//! of the same bytes, the baseline), `load` (netpath's parse, validation and
//! dangling-reference checks), `index` (`Topology::new`), `explain` (one
//! instance to the first DB), `reach_to` (`reach --to` the first DB),
//! `exposure`, and with AFTER, `diff` (AFTER loaded and indexed outside the
//! timing). Also `enis`, `classes` and `walks` for context.

use std::path::Path;
use std::time::Instant;

use netpath_engine::{explain, reach, ExplainOptions, ReachOptions, ReachQuery, Topology};

/// The allocator the `netpath` binary uses, so the figures are its.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--load-only") {
        let imported = netpath_model::load(Path::new(&args[2])).expect("load");
        let topo = Topology::new(&imported.snapshot);
        std::hint::black_box(&topo);
        return;
    }
    let Some(path) = args.get(1) else {
        eprintln!("usage: scale SNAPSHOT [AFTER]");
        std::process::exit(2);
    };
    let path = Path::new(path);
    let bytes = std::fs::read(path).expect("read the snapshot");
    let t = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let value_parse = t.elapsed().as_secs_f64();
    drop(v);
    drop(bytes);

    let t = Instant::now();
    let imported = netpath_model::load(path).expect("load");
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let topo = Topology::new(&imported.snapshot);
    let index = t.elapsed().as_secs_f64();
    let snap = &imported.snapshot;
    let db = snap
        .db_instances
        .iter()
        .flatten()
        .next()
        .map(|d| d.db_instance_identifier.clone())
        .expect("a DB instance");
    let inst = snap
        .instances
        .iter()
        .flatten()
        .next()
        .map(|i| i.instance_id.clone())
        .expect("an instance");

    let t = Instant::now();
    let e = explain(&topo, &inst, &db, &ExplainOptions::default()).expect("explain");
    let explain_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let r = reach(&topo, &ReachQuery::To(db.clone()), &ReachOptions::default()).expect("reach");
    let reach_to = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let x = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).expect("exposure");
    let exposure = t.elapsed().as_secs_f64();

    let mut out = serde_json::json!({
        "enis": snap.network_interfaces.as_ref().map_or(0, |v| v.len()),
        "value_parse": value_parse,
        "load": load,
        "index": index,
        "explain": explain_s,
        "explain_verdict": e.verdict,
        "reach_to": reach_to,
        "reach_to_classes": r.summary.classes,
        "reach_to_walks": r.summary.walks,
        "exposure": exposure,
        "exposure_walks": x.summary.walks,
        "db": db,
        "instance": inst,
    });
    if let Some(after) = args.get(2) {
        let after = netpath_model::load(Path::new(after)).expect("load AFTER");
        let ta = Topology::new(&after.snapshot);
        let t = Instant::now();
        let d = netpath_engine::diff(&topo, &ta, &netpath_engine::DiffOptions::default())
            .expect("diff");
        out["diff"] = serde_json::json!(t.elapsed().as_secs_f64());
        out["diff_pairs_walked"] = serde_json::json!(d.summary.pairs_walked);
        out["diff_changes"] = serde_json::json!(d.changes.len());
    }
    println!("{out}");
}
