//! `netpath flowlogs` on the scenarios of `fixtures/flowlogs/`: the records
//! from AWS's own Flow Logs examples, in every delivery format (plain, S3
//! gzip with a header, CloudWatch Logs export, a custom format), give the
//! causes, counts and exit status their `expect.json` documents; the table
//! and JSON match the golden files.

mod common;

use common::{run, workspace};
use serde_json::Value;

fn flowlogs(scenario: &str, file: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let snap = format!("fixtures/flowlogs/{scenario}/aws");
    let log = format!("fixtures/flowlogs/{scenario}/{file}");
    let mut args = vec!["flowlogs", "--snapshot", &snap, &log, "--output", "json"];
    args.extend(extra);
    let (code, out, err) = run(&args);
    let v: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{scenario}/{file}: no JSON ({e}): {err}"));
    (code, v, err)
}

#[test]
fn every_scenario_gives_its_documented_causes() {
    let root = workspace().join("fixtures/flowlogs");
    let mut scenarios: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 4, "{scenarios:?}");
    let mut checked = 0;
    for s in &scenarios {
        let expect: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(s).join("expect.json")).unwrap(),
        )
        .unwrap();
        for (file, want) in expect.as_object().unwrap() {
            // A string names the file whose expectation this one shares.
            let want = match want {
                Value::String(other) => &expect[other.as_str()],
                w => w,
            };
            let (code, got, err) = flowlogs(s, file, &[]);
            let at = format!("{s}/{file}");
            assert_eq!(code, want["exit"].as_i64().map(|c| c as i32), "{at}: {err}");
            for (k, v) in want["records"].as_object().unwrap() {
                assert_eq!(&got["records"][k], v, "{at}: records.{k}");
            }
            let causes = got["causes"].as_array().unwrap();
            let want_causes = want["causes"].as_array().unwrap();
            assert_eq!(causes.len(), want_causes.len(), "{at}: {causes:#?}");
            for (c, w) in causes.iter().zip(want_causes) {
                let b = &c["blocking"];
                for k in ["path", "kind", "component", "direction", "rule_number"] {
                    assert_eq!(&b[k], &w[k], "{at}: blocking.{k}");
                }
                assert_eq!(c["records"], w["records"], "{at}");
                assert_eq!(c["verdict"], w["verdict"], "{at}");
                assert_eq!(c["flows"][0]["leg"], w["leg"], "{at}");
                assert!(
                    c["fix"]["command"]
                        .as_str()
                        .is_some_and(|c| c.starts_with("aws ec2 ")),
                    "{at}: every cause here has a fix command: {c:#}"
                );
            }
            assert_eq!(
                got["disagreements"].as_array().unwrap().len() as u64,
                want["disagreements"].as_u64().unwrap(),
                "{at}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 7, "{checked}");
}

#[test]
fn the_stateless_nacl_return_case_is_named_as_such() {
    let (code, v, _) = flowlogs("aws-docs-ping-nacl", "records.log", &[]);
    assert_eq!(code, Some(0));
    let c = &v["causes"][0];
    assert_eq!(c["flows"][0]["leg"], "reply");
    assert!(c["summary"]
        .as_str()
        .unwrap()
        .contains("outbound rule * drops replies"));
    assert_eq!(
        c["fix"]["command"],
        "aws ec2 create-network-acl-entry --network-acl-id acl-0f10000000000d002 --egress --rule-number 110 --protocol 1 --icmp-type-code Type=0,Code=0 --cidr-block 203.0.113.12/32 --rule-action allow"
    );
}

#[test]
fn filters_and_unknown_interfaces() {
    // --interface keeps one ENI's records; the others are counted as filtered.
    let (code, v, _) = flowlogs(
        "custom-pkt-nat",
        "records.log",
        &["--interface", "eni-0f1000000000e0001"],
    );
    assert_eq!(code, Some(0));
    assert_eq!(v["records"]["filtered"], 2);
    assert_eq!(v["records"]["undecided"], 0);
    // --until before every record: all filtered, nothing attributed.
    let (_, v, _) = flowlogs(
        "custom-pkt-nat",
        "records.log",
        &["--until", "2019-08-26T00:00:00Z"],
    );
    assert_eq!(v["records"]["filtered"], 5);
    assert!(v["causes"].as_array().unwrap().is_empty());
    // Records of an interface the snapshot lacks are unattributed: a REJECT
    // among them makes the exit status 1.
    let (code, v, _) = flowlogs(
        "custom-pkt-nat",
        "../aws-docs-accept-reject/records.log",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        v["unattributed"][0]["interface_id"],
        "eni-1235b8ca123456789"
    );
    assert_eq!(v["unattributed"][0]["rejects"], 1);
}

#[test]
fn bad_input_names_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.log");
    std::fs::write(
        &bad,
        "2 1 eni-1 10.0.0.1 10.0.0.2 20641 22 6 20 4249 1 2 ACCEPT OK\n2 1 eni-1 10.0.0.1 10.0.0.999 20641 22 6 20 4249 1 2 ACCEPT OK\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "flowlogs",
        "--snapshot",
        "fixtures/flowlogs/aws-docs-ping-nacl/aws",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("bad.log:2") && err.contains("dstaddr"),
        "{err}"
    );
    let parquet = dir.path().join("x.parquet");
    std::fs::write(&parquet, b"PAR1\x15\x04").unwrap();
    let (code, _, err) = run(&[
        "flowlogs",
        "--snapshot",
        "fixtures/flowlogs/aws-docs-ping-nacl/aws",
        parquet.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("Parquet"), "{err}");
    let (code, _, err) = run(&[
        "flowlogs",
        "--snapshot",
        "fixtures/flowlogs/aws-docs-ping-nacl/aws",
        "--format",
        "${version} ${bogus}",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("bogus"), "{err}");
}

#[test]
fn table_and_json_goldens() {
    for s in ["aws-docs-ping-nacl", "custom-pkt-nat"] {
        let snap = format!("fixtures/flowlogs/{s}/aws");
        let log = format!("fixtures/flowlogs/{s}/records.log");
        let (_, table, _) = run(&["flowlogs", "--snapshot", &snap, &log]);
        insta::assert_snapshot!(format!("flowlogs_{s}_table"), table);
        let (_, json, _) = run(&["flowlogs", "--snapshot", &snap, &log, "--output", "json"]);
        insta::assert_snapshot!(format!("flowlogs_{s}_json"), json);
    }
}
