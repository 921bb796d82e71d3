//! The reference set `../shared/reference/batfish` (real AWS snapshots;
//! `NETPATH_REFERENCE` overrides the location) and editing its JSON files,
//! for the `diff` and `check` tests.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The reference set, or `None` (with a note on stderr) when it is absent
/// and `NETPATH_REQUIRE_REFERENCE` is not `1`.
pub fn reference_dir() -> Option<PathBuf> {
    let dir = std::env::var("NETPATH_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/batfish")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("NETPATH_REQUIRE_REFERENCE").as_deref() != Ok("1"),
        "reference set not found at {} but NETPATH_REQUIRE_REFERENCE=1",
        dir.display()
    );
    eprintln!("skipping: no reference set at {}", dir.display());
    None
}

/// Rewrites the JSON file `path` through `f`.
pub fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}
