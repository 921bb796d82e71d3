//! Output that cannot be written never panics: a reader that goes away
//! (`| head`) ends the command quietly with status 0, as for any Unix
//! filter; a full disk (`> /dev/full`) is an error naming standard output,
//! status 2. Files are written atomically with mode 0600.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{run, workspace};

/// Runs `netpath ARGS`, reads `keep` bytes of its output, closes the pipe,
/// and returns (exit code, stderr).
fn closed_after(args: &[&str], keep: usize) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpath"))
        .current_dir(workspace())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; keep];
    out.read_exact(&mut buf).unwrap();
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // Megabytes of output, so the writer meets the closed pipe.
    for args in [
        vec!["synth", "--out", "-", "--enis", "20000"],
        vec!["synth", "--out", "-", "--enis", "5000", "--seed", "7"],
    ] {
        let (code, err) = closed_after(&args, 100);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        vec![
            "explain",
            "--snapshot",
            "fixtures/war-story-sg-drift/aws",
            "--from",
            "app-server",
            "--to",
            "prod-db",
            "--output",
            "json",
        ],
        vec![
            "explain",
            "--snapshot",
            "fixtures/war-story-sg-drift/aws",
            "--from",
            "app-server",
            "--to",
            "prod-db",
        ],
        vec![
            "diff",
            "fixtures/diff/sg-app-v2-deploy/before/aws",
            "fixtures/diff/sg-app-v2-deploy/after/aws",
            "--output",
            "json",
        ],
        vec![
            "reach",
            "--snapshot",
            "fixtures/war-story-sg-drift/aws",
            "--to",
            "prod-db",
        ],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_netpath"))
            .current_dir(workspace())
            .args(&args)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("No space left"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn import_writes_atomically_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let (code, _, err) = run(&[
        "import",
        "fixtures/war-story-sg-drift/aws",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Nothing but the file itself is left in the folder.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
