//! `netpath merge` (issue 18) on the multi-account fixtures of
//! `fixtures/org/` (written by `fixtures/generate_org.py`): each flow names
//! the accounts to merge, and the answer `explain` must give on the merged
//! snapshot. Covers a cross-account peering with a cross-account group
//! reference, a shared VPC (a participant's instance under the owner's
//! network ACL), and the `unknown` answers, naming the account, when one
//! side was not merged.

mod common;

use common::{run, workspace};
use serde_json::Value;

#[test]
fn every_org_fixture_flow_gets_its_answer_on_the_merged_snapshot() {
    let root = workspace().join("fixtures/org");
    let mut asked = 0;
    let mut scenarios: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    scenarios.sort();
    let tmp = tempfile::tempdir().unwrap();
    for dir in scenarios {
        let flows: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("flows.json")).unwrap())
                .unwrap();
        for (i, f) in flows.iter().enumerate() {
            let out = tmp.path().join(format!("merged-{i}.json"));
            let mut args: Vec<String> = vec!["merge".into()];
            for a in f["accounts"].as_array().unwrap() {
                let p = dir.join("accounts").join(a.as_str().unwrap());
                args.push(p.display().to_string());
            }
            args.extend(["--out".into(), out.display().to_string()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, _, err) = run(&argv);
            assert_eq!(code, Some(0), "{argv:?}: {err}");
            let port = f["port"].as_u64().unwrap().to_string();
            let (_, json, err) = run(&[
                "explain",
                "--snapshot",
                out.to_str().unwrap(),
                "--from",
                f["from"].as_str().unwrap(),
                "--to",
                f["to"].as_str().unwrap(),
                "--port",
                &port,
                "--output",
                "json",
            ]);
            let answer: Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{f}: not JSON ({e}): {json}\n{err}"));
            let expect = &f["expect"];
            assert_eq!(answer["verdict"], expect["verdict"], "{f}\n{json}");
            if let Some(b) = expect.get("blocking") {
                let got = &answer["blocking"];
                assert_eq!(got["kind"], b["kind"], "{f}\n{json}");
                assert_eq!(got["component"], b["component"], "{f}\n{json}");
            }
            if let Some(m) = expect["mentions"].as_str() {
                let text = answer.to_string();
                assert!(text.contains(m), "{f}: the answer names {m}\n{json}");
            }
            asked += 1;
        }
    }
    assert!(asked >= 6, "{asked} flows asked");
}

#[test]
fn merging_keeps_shared_copies_once_and_flags_conflicts() {
    let dir = workspace().join("fixtures/org/cross-account/accounts");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("all.json");
    let app = dir.join("111111111111");
    let net = dir.join("222222222222");
    let (code, _, err) = run(&[
        "merge",
        app.to_str().unwrap(),
        net.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    // The shared VPC and subnet are listed by both accounts (the
    // participant's subnet without the owner's tags): one copy each, the
    // owner's, tagged one.
    assert!(err.contains("2 listed by several inputs"), "{err}");
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(snap["version"], 2);
    let shared: Vec<&Value> = snap["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["subnet_id"] == "subnet-0a900000000000b01")
        .collect();
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["tags"]["Name"], "shared", "{}", shared[0]);

    // A stale copy of the owner's network ACL: a conflict, exit 1, and a
    // gap naming the resource.
    let stale = tmp.path().join("stale");
    std::fs::create_dir(&stale).unwrap();
    for e in std::fs::read_dir(&net).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, stale.join(p.file_name().unwrap())).unwrap();
    }
    let acls = stale.join("NetworkAcls.json");
    let text = std::fs::read_to_string(&acls).unwrap().replacen(
        "\"RuleNumber\": 100",
        "\"RuleNumber\": 90",
        1,
    );
    std::fs::write(&acls, text).unwrap();
    let (code, _, err) = run(&[
        "merge",
        net.to_str().unwrap(),
        stale.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("1 conflict"), "{err}");
    let snap: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let gaps = snap["metadata"]["gaps"].as_array().unwrap();
    assert!(
        gaps.iter().any(|g| g["operation"] == "netpath:merge"
            && g["error"].as_str().unwrap().starts_with("conflict: ")),
        "{gaps:?}"
    );
}

/// `snapshot --accounts FILE`: a file of ids that holds something else is
/// refused before any call, naming the file and line.
#[test]
fn a_bad_accounts_file_is_named_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("accounts.txt");
    std::fs::write(&list, "# prod\n111111111111, 222222222222\n33333333333x\n").unwrap();
    let out = tmp.path().join("org.json");
    let (code, _, err) = run(&[
        "snapshot",
        "--accounts",
        list.to_str().unwrap(),
        "--region",
        "us-east-1",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("accounts.txt, line 3") && err.contains("33333333333x"),
        "{err}"
    );
    assert!(!out.exists());
}
