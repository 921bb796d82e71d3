//! Shared by the CLI's integration tests: the workspace root, and running
//! the built `netpath` binary from it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (where `fixtures/` lives).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `netpath ARGS` from the workspace root; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netpath"))
        .current_dir(workspace())
        // Goldens are 80 columns wide and plain, whatever the caller's shell.
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
