//! `netpath diff` and `netpath check` end to end: the before/after fixture
//! pairs in `fixtures/diff/` report the documented changes and causes
//! (`expect.json`), the policy fixtures in `fixtures/policies/` pass and fail
//! as documented (`cases.json`), exit codes follow `--fail-on`, and the
//! table, JSON and JUnit outputs match their golden files (insta). A
//! reference snapshot from `../shared/reference/batfish` is edited in a
//! temporary folder and diffed against the original.

mod common;

use common::{run, workspace};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn diff_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("fixtures/diff"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

fn port_text(p: &Value) -> String {
    let (from, to) = (p["from"].as_u64().unwrap(), p["to"].as_u64().unwrap());
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

#[test]
fn diff_fixtures_report_documented_changes() {
    let names = diff_fixtures();
    assert!(
        names.len() >= 5,
        "expected 5+ diff fixtures, found {names:?}"
    );
    let mut failures = Vec::new();
    for name in &names {
        let dir = workspace().join("fixtures/diff").join(name);
        let expect: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap())
                .unwrap();
        let before = format!("fixtures/diff/{name}/before/aws");
        let after = format!("fixtures/diff/{name}/after/aws");
        let (code, json, stderr) = run(&["diff", &before, &after, "--output", "json"]);
        if code != expect["exit"].as_i64().map(|c| c as i32) {
            failures.push(format!("{name}: exit {code:?}: {stderr}"));
        }
        let got: Value =
            serde_json::from_str(&json).unwrap_or_else(|_| panic!("{name}: no JSON: {stderr}"));
        assert_eq!(got["format"], "netpath-diff");
        let changes = got["changes"].as_array().unwrap();
        let want = expect["changes"].as_array().unwrap();
        if changes.len() != want.len() {
            failures.push(format!(
                "{name}: {} changes, expected {}: {}",
                changes.len(),
                want.len(),
                serde_json::to_string_pretty(changes).unwrap()
            ));
            continue;
        }
        for (c, w) in changes.iter().zip(want) {
            for key in ["change", "from", "to", "trend"] {
                if !w[key].is_null() && c[key] != w[key] {
                    failures.push(format!("{name}: {key} = {}, expected {}", c[key], w[key]));
                }
            }
            if port_text(&c["ports"]) != w["ports"].as_str().unwrap() {
                failures.push(format!("{name}: ports = {}", c["ports"]));
            }
            if !w["after_verdict"].is_null() && c["after"]["verdict"] != w["after_verdict"] {
                failures.push(format!("{name}: after verdict = {}", c["after"]["verdict"]));
            }
            if let Some(b) = w["after_blocking"].as_object() {
                for (k, v) in b {
                    if &c["after"]["blocking"][k] != v {
                        failures.push(format!(
                            "{name}: after.blocking.{k} = {}, expected {v}",
                            c["after"]["blocking"][k]
                        ));
                    }
                }
            }
            if c["change"] == "opened"
                && c["after"]["allowed_by"]
                    .as_array()
                    .is_none_or(Vec::is_empty)
            {
                failures.push(format!("{name}: an opened flow must name what allows it"));
            }
            // Every expected cause type is among the edits the change cites.
            let cited: Vec<&str> = c["caused_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    got["edits"][i.as_u64().unwrap() as usize]["resource_type"]
                        .as_str()
                        .unwrap()
                })
                .collect();
            for t in w["caused_by"].as_array().unwrap() {
                if !cited.contains(&t.as_str().unwrap()) {
                    failures.push(format!("{name}: caused_by {cited:?} lacks {t}"));
                }
            }
        }
        let (_, table, _) = run(&["diff", &before, &after]);
        insta::assert_snapshot!(format!("diff-{name}-table"), table);
        insta::assert_snapshot!(format!("diff-{name}-json"), json);
    }
    assert!(
        failures.is_empty(),
        "diff fixtures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn diff_of_a_snapshot_with_itself_is_empty_and_exits_0() {
    let snap = "fixtures/war-story-sg-drift/aws";
    let (code, json, _) = run(&["diff", snap, snap, "-o", "json"]);
    assert_eq!(code, Some(0));
    let got: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(got["edits"].as_array().unwrap().len(), 0);
    assert_eq!(got["changes"].as_array().unwrap().len(), 0);
    assert!(got["summary"]["flows_compared"].as_u64().unwrap() >= 1);
}

#[test]
fn fail_on_picks_what_counts() {
    let pair = |n: &str| {
        (
            format!("fixtures/diff/{n}/before/aws"),
            format!("fixtures/diff/{n}/after/aws"),
        )
    };
    let cases = [
        // (fixture, --fail-on, exit)
        ("db-open-to-internet", "broken", 0),
        ("db-open-to-internet", "opened", 1),
        ("db-open-to-internet", "any", 1),
        ("sg-app-v2-deploy", "broken", 1),
        ("sg-app-v2-deploy", "opened", 0),
        // reachable -> partial is a degradation: it fails --fail-on broken.
        ("nacl-ephemeral-narrowed", "broken", 1),
        ("nacl-ephemeral-narrowed", "opened", 0),
    ];
    for (name, fail_on, want) in cases {
        let (b, a) = pair(name);
        let (code, _, stderr) = run(&["diff", &b, &a, "--fail-on", fail_on]);
        assert_eq!(code, Some(want), "{name} --fail-on {fail_on}: {stderr}");
    }
}

#[test]
fn diff_filters_narrow_the_flows() {
    let (b, a) = (
        "fixtures/diff/db-open-to-internet/before/aws",
        "fixtures/diff/db-open-to-internet/after/aws",
    );
    // Only the app server as a source: the internet exposure is out of scope.
    let (code, json, stderr) = run(&["diff", b, a, "--from", "app-server", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let got: Value = serde_json::from_str(&json).unwrap();
    assert!(got["changes"].as_array().unwrap().is_empty());
    // Only port 22: nothing listens there and nothing changed on it.
    let (code, _, _) = run(&["diff", b, a, "--port", "22"]);
    assert_eq!(code, Some(0));
    // The DB as destination, on its port: the opening shows.
    let (code, _, _) = run(&["diff", b, a, "--to", "prod-db", "--port", "5432"]);
    assert_eq!(code, Some(1));
    // A reference that names nothing is an error (exit 2) that says so.
    let (code, _, stderr) = run(&["diff", b, a, "--to", "nope-db"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nope-db"), "{stderr}");
}

#[test]
fn diff_reports_bad_input_with_exit_2() {
    let (code, _, stderr) = run(&[
        "diff",
        "fixtures/does-not-exist",
        "fixtures/war-story-sg-drift/aws",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("does-not-exist"), "{stderr}");
}

fn reference_dir() -> Option<PathBuf> {
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

fn edit_json(path: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Copies a reference scenario, deletes one peering and opens port 80 in one
/// group, and checks the diff names exactly the flows those edits change.
#[test]
fn diff_on_an_edited_reference_snapshot() {
    let Some(refdir) = reference_dir() else {
        return;
    };
    let src = refdir.join("test-vpc-peering/aws_configs");
    let tmp = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.path().join(e.file_name())).unwrap();
    }
    edit_json(&tmp.path().join("VpcPeeringConnections.json"), |v| {
        let p = v["VpcPeeringConnections"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|p| p["VpcPeeringConnectionId"] == "pcx-0d5b836985ac8ca8c")
            .unwrap();
        p["Status"] = serde_json::json!({"Code": "deleted", "Message": "Deleted"});
    });
    edit_json(&tmp.path().join("SecurityGroups.json"), |v| {
        let g = v["SecurityGroups"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|g| g["GroupId"] == "sg-065c26b39e45ae384")
            .unwrap();
        g["IpPermissions"].as_array_mut().unwrap().push(serde_json::json!({
            "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
            "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "UserIdGroupPairs": [], "PrefixListIds": [], "Ipv6Ranges": []
        }));
    });
    let after = tmp.path().to_str().unwrap();
    let (code, json, stderr) = run(&["diff", src.to_str().unwrap(), after, "-o", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let got: Value = serde_json::from_str(&json).unwrap();
    let edits = got["edits"].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{edits:?}");
    let summary = |c: &Value| {
        format!(
            "{} {} -> {} {}/{} by {}",
            c["change"].as_str().unwrap(),
            c["from"][0].as_str().unwrap(),
            c["to"][0].as_str().unwrap(),
            c["protocol"].as_str().unwrap(),
            port_text(&c["ports"]),
            c["caused_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| edits[i.as_u64().unwrap() as usize]["resource_type"]
                    .as_str()
                    .unwrap())
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let got: Vec<String> = got["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(summary)
        .collect();
    assert_eq!(
        got,
        vec![
            // A (i-06ba...) and B (i-04a2...) peered through the deleted connection.
            "broken i-04a292ff83b3aa833 -> i-06ba034d88c84ef07 tcp/22 by vpc-peering-connection",
            "broken i-06ba034d88c84ef07 -> i-04a292ff83b3aa833 tcp/22 by vpc-peering-connection",
            // Reference flow test-vpc-peering/4 was blocked by this group; now open.
            "opened i-06ba034d88c84ef07 -> i-0b14080af811fda3d tcp/80 by security-group-rule",
        ]
    );
}

#[test]
fn policy_cases_pass_and_fail_as_documented() {
    let cases: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("fixtures/policies/cases.json")).unwrap(),
    )
    .unwrap();
    for (i, case) in cases.iter().enumerate() {
        let snap = case["snapshot"].as_str().unwrap();
        let policy = case["policy"].as_str().unwrap();
        let (code, json, stderr) = run(&["check", "--snapshot", snap, policy, "-o", "json"]);
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
        let (_, junit, _) = run(&["check", "--snapshot", snap, policy, "-o", "junit"]);
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
        "-o",
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
            "-o",
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
