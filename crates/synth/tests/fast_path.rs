//! The model's typed one-pass reader of snapshot files must give exactly
//! what its general (JSON tree) path gives, on a synthetic account; and the
//! generator must be deterministic. (The model's own `tests/fast_path.rs`
//! checks that the fast path steps aside for other input.)

use std::path::Path;

use netpath_model::snapshot::parse_json;
use netpath_model::Snapshot;
use netpath_synth::{generate, perturb, SynthParams};

#[test]
fn fast_and_general_paths_agree_on_a_synthetic_snapshot() {
    let snap = generate(&SynthParams {
        enis: 800,
        vpcs: 3,
        seed: 9,
    });
    let json = snap.to_json();
    let p = Path::new("synth.json");
    let fast = Snapshot::from_json_bytes_fast(p, json.as_bytes())
        .unwrap()
        .expect("a snapshot file takes the fast path");
    let fast_reader = Snapshot::from_reader_fast(p, json.as_bytes())
        .unwrap()
        .expect("and the streaming one");
    let general = Snapshot::from_value(p, parse_json(p, json.as_bytes()).unwrap()).unwrap();
    assert_eq!(fast, general);
    assert_eq!(fast_reader, general);
    // Same bytes back out.
    assert_eq!(fast.to_json(), json);
}

#[test]
fn same_params_same_bytes() {
    let p = SynthParams {
        enis: 300,
        vpcs: 2,
        seed: 4,
    };
    let (a, b) = (generate(&p), generate(&p));
    assert_eq!(a.to_json(), b.to_json());
    let (ea, la) = perturb(&a, 10, 5);
    let (eb, lb) = perturb(&b, 10, 5);
    assert_eq!(la, lb);
    assert_eq!(ea.to_json(), eb.to_json());
    let enis = a.network_interfaces.as_ref().map_or(0, |v| v.len());
    assert_eq!(enis, 300);
}
