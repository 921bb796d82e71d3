//! Fuzzes the import of one `aws ... describe-*` JSON file (or a snapshot
//! file: the importer accepts both), then indexes and explains the result.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(imported) =
        netpath_model::import::import_bytes(std::path::Path::new("fuzz.json"), data)
    {
        common::exercise(&imported.snapshot);
    }
});
