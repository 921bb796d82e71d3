//! Fuzzes the policy (TOML) parser, then checks the policy against a small
//! fixed snapshot.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netpath_engine::{check, Policy};
use netpath_engine::Topology;

const SNAPSHOT: &[u8] = include_bytes!("../corpus/snapshot_file/war-story-sg-drift.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::parse(text) else {
        return;
    };
    let snap = netpath_model::Snapshot::from_json_bytes(std::path::Path::new("s.json"), SNAPSHOT)
        .expect("the seed snapshot parses");
    let _ = check(&Topology::new(&snap), &policy);
});
