//! `netpath host-facts` on this machine, and `explain --host-facts` with
//! the file it wrote: the real binary, the real /proc and firewall tools.

mod common;

use common::{run, workspace};

#[test]
fn host_facts_writes_a_private_file_that_explain_reads() {
    // Something of ours listens, so the facts must list it.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pg-server.json");
    let out_s = out.to_str().unwrap();
    let (code, _, stderr) = run(&[
        "host-facts",
        "--out",
        out_s,
        "--instance-id",
        "i-0f0000000000000b01",
        "--no-imds",
    ]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert!(stderr.contains("wrote"), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let facts = netpath_model::host::HostFacts::from_json(out_s, &text).unwrap();
    assert_eq!(facts.instance_id.as_deref(), Some("i-0f0000000000000b01"));
    assert!(facts.listeners.complete);
    assert!(
        facts
            .listeners
            .sockets
            .iter()
            .any(|s| s.port == port && s.address.is_loopback()),
        "our listener on 127.0.0.1:{port} is missing"
    );
    drop(l);
    // The facts of this machine, given as pg-server's: explain walks them.
    let snap = workspace().join("fixtures/host-last-hop/aws");
    let (_, json, stderr) = run(&[
        "explain",
        "--snapshot",
        snap.to_str().unwrap(),
        "--from",
        "app-server",
        "--to",
        "pg-server",
        "--port",
        &port.to_string(),
        "--host-facts",
        out_s,
        "--output",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|_| panic!("{stderr}"));
    let kinds: Vec<&str> = v["hops"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"listener"), "{kinds:?}");
}

#[test]
fn bad_host_facts_name_the_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format":"netpath-host-facts","version":1,"instance_id":"i-1","listeners":{"complete":true,"sockets":[{"protocol":"tcp","address":"127.0.0.1","port":70000}]},"firewall":{"source":"none"}}"#,
    )
    .unwrap();
    let snap = workspace().join("fixtures/host-last-hop/aws");
    let (code, _, stderr) = run(&[
        "explain",
        "--snapshot",
        snap.to_str().unwrap(),
        "--from",
        "app-server",
        "--to",
        "pg-server",
        "--port",
        "22",
        "--host-facts",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("bad.json"), "{stderr}");
    assert!(stderr.contains("listeners.sockets[0].port"), "{stderr}");
}

#[test]
fn observed_prints_the_reconciliation_after_the_verdict() {
    let snap = workspace().join("fixtures/host-last-hop/aws");
    let (code, out, stderr) = run(&[
        "explain",
        "--snapshot",
        snap.to_str().unwrap(),
        "--from",
        "app-server",
        "--to",
        "pg-server",
        "--port",
        "5432",
        "--observed",
        "connection refused",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        out.contains("observed: refused (agrees with netpath's prediction: refused)"),
        "{out}"
    );
    assert!(out.contains("127.0.0.1:5432 only"), "{out}");
}
