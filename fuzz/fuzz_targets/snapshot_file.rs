//! Fuzzes the snapshot-file parser (both the fast typed pass and the
//! general path), then indexes and explains what parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netpath_model::Snapshot;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.json");
    let _ = Snapshot::from_reader_fast(path, data);
    if let Ok(snap) = Snapshot::from_json_bytes(path, data) {
        common::exercise(&snap);
    }
});
