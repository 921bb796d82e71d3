//! Helpers shared by the lab's test files.

use std::path::{Path, PathBuf};

use netpath_lab::netns;

/// True when the lab can run here. Without root, iproute2 or nftables it
/// prints one line and returns false, unless `NETPATH_REQUIRE_LAB=1` (as
/// `.ci/run` sets), when it fails.
pub fn lab_available() -> bool {
    match netns::unavailable() {
        None => true,
        Some(why) => {
            assert!(
                std::env::var("NETPATH_REQUIRE_LAB").as_deref() != Ok("1"),
                "the lab cannot run ({why}) but NETPATH_REQUIRE_LAB=1"
            );
            eprintln!("skipping the lab: {why}");
            false
        }
    }
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
