//! `netpath check` end to end: the policy fixtures in `fixtures/policies/`
//! pass and fail as documented (`cases.json`), bad policy files are named
//! with the line and field, and the table, JSON and JUnit outputs match
//! their golden files (insta). A reference snapshot from
//! `../shared/reference/batfish` is checked before and after an edit.

mod common;
#[path = "common/reference.rs"]
mod reference;

use common::{run, workspace};
use reference::{edit_json, reference_dir};
use std::path::Path;

use serde_json::Value;

#[test]
fn policy_cases_pass_and_fail_as_documented() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("fixtures/policies/cases.json")).unwrap(),
    )
    .unwrap();
    for (i, case) in cases.iter().enumerate() {
        let snap = case["snapshot"].as_str().unwrap();
        let policy = case["policy"].as_str().unwrap();
        let (code, json, stderr) = run(&["check", "--snapshot", snap, policy, "--output", "json"]);
        assert_eq!(
            code,
            case["exit"].as_i64().map(|c| c as i32),
            "case {i}: {stderr}"
        );
        let got: Value = serde_json::from_str(&json).unwrap();
        let statuses: Vec<&str> = got["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = case["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(statuses, want, "case {i} ({snap}, {policy})");
        // A failed must-reach carries the same explanation `explain` gives.
        for r in got["results"].as_array().unwrap() {
            for v in r["violations"].as_array().unwrap() {
                assert_eq!(v["explanation"]["verdict"], v["verdict"]);
                if r["kind"] != "reach" && v["verdict"] == "reachable" {
                    assert!(!v["allowed_by"].as_array().unwrap().is_empty());
                }
            }
        }
        let (_, table, _) = run(&["check", "--snapshot", snap, policy]);
        let (_, junit, _) = run(&["check", "--snapshot", snap, policy, "--output", "junit"]);
        let stem = Path::new(policy)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!(format!("check-{i}-{stem}-table"), table);
        insta::assert_snapshot!(format!("check-{i}-{stem}-json"), json);
        insta::assert_snapshot!(format!("check-{i}-{stem}-junit"), junit);
        // JUnit: one test case per intent, failures counted.
        let failures = want.iter().filter(|s| **s == "fail").count();
        assert!(junit.starts_with("<?xml"), "{junit}");
        assert!(
            junit.contains(&format!("tests=\"{}\"", want.len()))
                && junit.contains(&format!("failures=\"{failures}\"")),
            "{junit}"
        );
        assert_eq!(junit.matches("<testcase ").count(), want.len());
    }
}

#[test]
fn bad_policy_files_name_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let snap = "fixtures/war-story-sg-drift/aws";
    let cases = [
        (
            "[[reach]]\nfrom = \"a\"\nto = \"b\"\nport = 70000\n",
            "70000",
        ),
        (
            "[[reach]]\nfrom = \"a\"\nto = \"b\"\nport = 5432\nprot = \"tcp\"\n",
            "prot",
        ),
        (
            "[[reach]]\nfrom = \"a\"\nto = \"b\"\nport = 5432\nprotocol = \"icmp\"\n",
            "reach[0]",
        ),
        (
            "[[isolate]]\nfrom = \"a\"\nto = \"b\"\nports = [\"9-1\"]\n",
            "9-1",
        ),
        ("[[no-internet-exposure]]\nkind = \"db\"\n", "kind `db`"),
        (
            "[[no-internet-exposure]]\nkind = \"db-instance\"\ntag = \"a=b\"\n",
            "exactly one",
        ),
        ("[[reach\n", "line 1"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("p{i}.toml"));
        std::fs::write(&p, text).unwrap();
        let (code, _, stderr) = run(&["check", "--snapshot", snap, p.to_str().unwrap()]);
        assert_eq!(code, Some(2), "case {i}: {stderr}");
        assert!(stderr.contains(&format!("p{i}.toml")), "case {i}: {stderr}");
        assert!(
            stderr.contains(needle),
            "case {i}: want {needle:?} in {stderr}"
        );
    }
}

#[test]
fn selectors_that_match_nothing_fail_the_intent() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        "[[reach]]\nfrom = \"tag:Tier=none\"\nto = \"prod-db\"\nport = 5432\n\n[[isolate]]\nfrom = \"no-such-host\"\nto = \"prod-db\"\n",
    )
    .unwrap();
    let (code, out, _) = run(&[
        "check",
        "-s",
        "fixtures/war-story-sg-drift/aws",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(out.contains("matches nothing"), "{out}");
    assert!(out.contains("no-such-host"), "{out}");
}

#[test]
fn selectors_by_group_and_kind_expand_to_members() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    // Everything in sg-app-v2 (the app server and the batch worker) reaches the DB.
    std::fs::write(
        &p,
        "[[reach]]\nfrom = \"sg:sg-app-v2\"\nto = \"kind:db-instance\"\nport = 5432\n",
    )
    .unwrap();
    let (code, json, stderr) = run(&[
        "check",
        "-s",
        "fixtures/same-subnet-deny-all-nacl/aws",
        p.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let got: Value = serde_json::from_str(&json).unwrap();
    let r = &got["results"][0];
    assert_eq!(r["flows_checked"], 2);
    // The batch worker shares the DB's subnet (no NACL); the app server crosses the deny-all NACL.
    assert_eq!(r["violations_total"], 1);
    assert_eq!(r["violations"][0]["from"], "i-0a00000000000a001");
    assert_eq!(
        r["violations"][0]["explanation"]["blocking"]["kind"],
        "network-acl"
    );
}

/// `check` on a reference snapshot, before and after deleting a peering:
/// the must-reach intent across the peering fails only after, and the
/// non-transitive isolation holds throughout.
#[test]
fn check_on_a_reference_snapshot_and_its_edit() {
    let Some(refdir) = reference_dir() else {
        return;
    };
    let src = refdir.join("test-vpc-peering/aws_configs");
    let tmp = tempfile::tempdir().unwrap();
    let edited = tmp.path().join("edited");
    std::fs::create_dir(&edited).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), edited.join(e.file_name())).unwrap();
    }
    edit_json(&edited.join("VpcPeeringConnections.json"), |v| {
        let p = v["VpcPeeringConnections"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["VpcPeeringConnectionId"] == "pcx-0d5b836985ac8ca8c")
            .unwrap();
        p["Status"] = serde_json::json!({"Code": "deleted", "Message": "Deleted"});
    });
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        r#"
[[reach]]
name = "A reaches B over the peering (reference test-vpc-peering/3)"
from = "i-06ba034d88c84ef07"
to = "i-04a292ff83b3aa833"
port = 22

[[isolate]]
name = "peering is not transitive: C cannot reach B (reference test-vpc-peering/8)"
from = "i-0b14080af811fda3d"
to = "i-04a292ff83b3aa833"
ports = [22]
"#,
    )
    .unwrap();
    let statuses = |snap: &Path| -> (Option<i32>, Vec<String>) {
        let (code, json, stderr) = run(&[
            "check",
            "-s",
            snap.to_str().unwrap(),
            policy.to_str().unwrap(),
            "--output",
            "json",
        ]);
        let got: Value = serde_json::from_str(&json).unwrap_or_else(|_| panic!("{stderr}"));
        let s = got["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect();
        (code, s)
    };
    assert_eq!(
        statuses(&src),
        (Some(0), vec!["pass".into(), "pass".into()])
    );
    assert_eq!(
        statuses(&edited),
        (Some(1), vec!["fail".into(), "pass".into()])
    );
}

/// Gateway Load Balancer endpoints: without the assumption a must-reach
/// through the appliances fails as unknown (nothing proves it); with
/// `check --assume-appliance-allows` (or the policy's own
/// `assume-appliance-allows = true`, `cases.json`) it passes.
#[test]
fn the_appliance_assumption_can_come_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("p.toml");
    std::fs::write(
        &policy,
        "[[reach]]\nfrom = \"app-1\"\nto = \"db-1\"\nport = 5432\n",
    )
    .unwrap();
    let snap = "fixtures/gwlb-east-west-inspection/aws";
    let p = policy.to_str().unwrap();
    let (code, out, err) = run(&["check", "--snapshot", snap, p, "--output", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        got["results"][0]["violations"][0]["verdict"], "unknown",
        "{got:#}"
    );
    let (code, _, err) = run(&["check", "--snapshot", snap, p, "--assume-appliance-allows"]);
    assert_eq!(code, Some(0), "{err}");
}
