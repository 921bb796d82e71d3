//! `netpath diff` end to end: the before/after fixture pairs in
//! `fixtures/diff/` report the documented changes and causes
//! (`expect.json`), exit codes follow `--fail-on`, and the table and JSON
//! outputs match their golden files (insta). A reference snapshot from
//! `../shared/reference/batfish` is edited in a temporary folder and diffed
//! against the original.

mod common;
#[path = "common/reference.rs"]
mod reference;

use common::{run, workspace};
use reference::{edit_json, reference_dir};

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
        // Options the fixture is asked with (`"args"`).
        let extra: Vec<&str> = expect["args"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let args = [
            &["diff", before.as_str(), after.as_str(), "--output", "json"],
            extra.as_slice(),
        ]
        .concat();
        let (code, json, stderr) = run(&args);
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
            for key in ["change", "from", "to", "trend", "ip_version"] {
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
        let (_, table, _) =
            run(&[&["diff", before.as_str(), after.as_str()], extra.as_slice()].concat());
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
    let (code, json, _) = run(&["diff", snap, snap, "--output", "json"]);
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
    let (code, json, stderr) = run(&["diff", b, a, "--from", "app-server", "--output", "json"]);
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
    let (code, json, stderr) = run(&["diff", src.to_str().unwrap(), after, "--output", "json"]);
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
