//! The `netpath` binary against moto's server mode: `netpath snapshot`
//! (atomic, mode 0600, gaps and exit codes) and `netpath explain` without
//! `--snapshot` (collect live with the default credential chain, then answer
//! from the cache). The emulator and proxy come from the collect crate's
//! test support. Only with the `live` feature.
#![cfg(feature = "live")]

#[path = "../../collect/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{build_world, env_vars, moto, proxy, Faults};

fn netpath(endpoint: &str, home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netpath"));
    for (k, v) in env_vars(endpoint, home) {
        cmd.env(k, v);
    }
    cmd.env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_REGION");
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_writes_a_private_file_and_reports_gaps() {
    let m = moto();
    build_world(&m.url).await;
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("prod.json");
    let out_s = out.to_str().unwrap();
    // Through the test proxy: it answers the Direct Connect calls moto lacks.
    let p = proxy(&m.url, Faults::default());
    let (code, _, stderr) = netpath(&p.url, home.path(), &["snapshot", "--out", out_s]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("wrote"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(snap["format"], "netpath-snapshot");
    assert_eq!(snap["metadata"]["source"], "aws-sdk");
    assert!(snap["metadata"]["operations"].as_array().unwrap().len() >= 13);
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".netpath-snapshot"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Credentials never reach the file.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains("testing"),
        "credentials leaked into the snapshot"
    );

    // A denied operation: the snapshot is written, the gap is printed and
    // recorded, and the exit status is 1 unless --allow-partial.
    let p = proxy(
        &m.url,
        Faults {
            deny: Some("DescribeDBInstances".into()),
            ..Default::default()
        },
    );
    let (code, _, stderr) = netpath(&p.url, home.path(), &["snapshot", "--out", out_s]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("gap: rds:DescribeDBInstances failed in us-east-1 (AccessDenied"),
        "{stderr}"
    );
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        snap["metadata"]["gaps"][0]["operation"],
        "rds:DescribeDBInstances"
    );
    let (code, _, stderr) = netpath(
        &p.url,
        home.path(),
        // `-o FILE` still works for one release, with a warning.
        &["snapshot", "-o", out_s, "--allow-partial"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("netpath: warning: -o is deprecated here; use --out FILE"),
        "{stderr}"
    );
    // The CLI, too, only ever read.
    for a in p.actions() {
        let name = a.split(':').nth(1).unwrap();
        assert!(
            name.starts_with("Describe") || name.starts_with("Get"),
            "{a}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_without_snapshot_collects_then_uses_the_cache() {
    let m = moto();
    let w = build_world(&m.url).await;
    let home = tempfile::tempdir().unwrap();
    let args = [
        "explain",
        "--from",
        "app-server",
        "--to",
        "prod-db",
        "--output",
        "json",
    ];
    let p = proxy(&m.url, Faults::default());
    let (code, json, stderr) = netpath(&p.url, home.path(), &args);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("collecting live"), "{stderr}");
    let e: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(e["verdict"], "blocked");
    assert_eq!(e["blocking"]["component"], w.sg_db.as_str());
    assert_eq!(e["symptom"], "timeout");
    // The cached snapshot is private.
    let cache = home.path().join("cache/netpath");
    let files: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // Keyed by the credentials' account (moto's default), so another
    // account's credentials never get this answer.
    let cached_name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        cached_name.starts_with("123456789012--default--"),
        "{cached_name}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Second question: from the cache, even with the emulator gone.
    let url = p.url.clone();
    drop(p);
    drop(m);
    let (code, json, stderr) = netpath(&url, home.path(), &args);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("using the cached snapshot"), "{stderr}");
    let e2: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(e2["verdict"], "blocked");
    // Offline, the answer says whose snapshot it is and how old, and that the
    // credentials were not confirmed.
    let said = e2["warnings"].to_string();
    assert!(
        said.contains("cached snapshot of account 123456789012")
            && said.contains("ago")
            && said.contains("without confirming"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_logs_or_the_snapshot() {
    let m = moto();
    build_world(&m.url).await;
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("s.json");
    let p = proxy(&m.url, Faults::default());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netpath"));
    for (k, v) in env_vars(&p.url, home.path()) {
        cmd.env(k, v);
    }
    let secret_key = "netpath-secret-key-DO-NOT-LOG";
    let token = "netpath-session-token-DO-NOT-LOG";
    let o = cmd
        .env("AWS_SECRET_ACCESS_KEY", secret_key)
        .env("AWS_SESSION_TOKEN", token)
        .env("RUST_LOG", "trace")
        .args(["snapshot", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("calling"), "trace logs are on: {stderr}");
    let snapshot = std::fs::read_to_string(&out).unwrap();
    for s in [secret_key, token, "X-Amz-Signature", "Signature="] {
        assert!(!stderr.contains(s), "{s} in the logs");
        assert!(!snapshot.contains(s), "{s} in the snapshot");
    }
}
