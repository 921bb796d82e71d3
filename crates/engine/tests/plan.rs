//! `netpath_engine::plan` on hand-edited copies of a real plan
//! (fixtures/plans/terraform/sg-app-v2, made by terraform against moto):
//! no changes report nothing, an ambiguous after-apply value is unknown
//! and named (never guessed), and drift is reported.

use std::path::{Path, PathBuf};

use netpath_engine::{plan, DiffOptions};
use netpath_model::terraform::Plan;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/plans/terraform/sg-app-v2")
}

fn load() -> (netpath_model::Snapshot, Value) {
    let snap = netpath_model::load(&dir().join("before.json"))
        .unwrap()
        .snapshot;
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("plan.json")).unwrap()).unwrap();
    (snap, doc)
}

fn parse(doc: &Value) -> Plan {
    Plan::parse(doc.to_string().as_bytes(), Path::new("plan.json")).unwrap()
}

#[test]
fn a_plan_without_resource_changes_reports_nothing() {
    let (snap, mut doc) = load();
    doc["resource_changes"] = Value::Array(Vec::new());
    let r = plan(&snap, &parse(&doc), &DiffOptions::default()).unwrap();
    assert!(r.changes.is_empty() && r.edits.is_empty() && r.resources.is_empty());
    // No-op changes only: the same.
    let (_, mut doc) = load();
    for rc in doc["resource_changes"].as_array_mut().unwrap() {
        rc["change"]["actions"] = serde_json::json!(["no-op"]);
    }
    let r = plan(&snap, &parse(&doc), &DiffOptions::default()).unwrap();
    assert!(r.changes.is_empty(), "{:?}", r.changes);
}

#[test]
fn an_ambiguous_after_apply_value_is_unknown_and_named() {
    let (snap, mut doc) = load();
    // `var.blue ? [aws_security_group.app_v2.id] : [aws_security_group.app.id]`
    for r in doc["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
    {
        if r["address"] == "aws_instance.app" {
            r["expressions"]["vpc_security_group_ids"]["references"] = serde_json::json!([
                "var.blue",
                "aws_security_group.app_v2.id",
                "aws_security_group.app_v2",
                "aws_security_group.app.id",
                "aws_security_group.app"
            ]);
        }
    }
    let r = plan(&snap, &parse(&doc), &DiffOptions::default()).unwrap();
    assert_eq!(r.unresolved.len(), 1, "{:?}", r.unresolved);
    assert_eq!(r.unresolved[0].attribute, "vpc_security_group_ids");
    assert_eq!(r.summary.broken, 0, "never a confident answer from a guess");
    let unknown: Vec<_> = r
        .changes
        .iter()
        .filter(|c| c.change.after.verdict == Some(netpath_engine::Verdict::Unknown))
        .collect();
    assert!(!unknown.is_empty(), "{:?}", r.changes);
    let missing = unknown[0].change.after.missing.join(" ");
    assert!(
        missing.contains("aws_instance.app.vpc_security_group_ids"),
        "{missing}"
    );
}

#[test]
fn drift_between_the_prior_state_and_the_snapshot_is_reported() {
    let (snap, mut doc) = load();
    for rc in doc["resource_changes"].as_array_mut().unwrap() {
        if rc["address"] == "aws_instance.app" {
            rc["change"]["before"]["vpc_security_group_ids"] = serde_json::json!(["sg-0000"]);
        }
    }
    let r = plan(&snap, &parse(&doc), &DiffOptions::default()).unwrap();
    assert!(
        r.drift.iter().any(|d| d.starts_with("aws_instance.app")),
        "{:?}",
        r.drift
    );
    // The change is still applied to the snapshot's copy: the flow breaks.
    assert_eq!(r.summary.broken, 1);
}

/// (change, from, to, protocol, ports, before verdict, after verdict) of
/// every changed flow.
fn flow_set(changes: impl Iterator<Item = netpath_engine::FlowChange>) -> Vec<String> {
    let mut v: Vec<String> = changes
        .map(|c| {
            format!(
                "{:?} {:?} -> {:?} {} {}-{} {:?} -> {:?}",
                c.change,
                c.from,
                c.to,
                c.protocol,
                c.ports.from,
                c.ports.to,
                c.before.verdict,
                c.after.verdict
            )
        })
        .collect();
    v.sort();
    v
}

/// Property: on synthetic worlds, a random plan (instances' groups, inline
/// ingress, rule resources created and destroyed, NACL entries, routes
/// destroyed, associations moved) reports exactly the flows `diff` finds
/// between the world and a copy edited the same way by hand
/// (`netpath_synth::random_plan`, written apart from the overlay).
#[test]
fn applying_a_random_plan_equals_diff_against_the_same_edits_by_hand() {
    use netpath_engine::{diff, Topology};
    use netpath_synth::{generate, random_plan, SynthParams};
    let mut nonempty = 0;
    for seed in 0..24u64 {
        let before = generate(&SynthParams {
            enis: 30,
            vpcs: 2,
            seed,
        });
        let (doc, edited, log) = random_plan(&before, 4, seed + 7);
        let p = parse(&doc);
        let r = plan(&before, &p, &DiffOptions::default()).unwrap();
        assert!(
            r.drift.is_empty(),
            "seed {seed}: drift {:?} ({log:?})",
            r.drift
        );
        assert!(r.unresolved.is_empty(), "seed {seed}: {:?}", r.unresolved);
        let d = diff(
            &Topology::new(&before),
            &Topology::new(&edited),
            &DiffOptions::default(),
        )
        .unwrap();
        let (got, want) = (
            flow_set(r.changes.iter().map(|c| c.change.clone())),
            flow_set(d.changes.into_iter()),
        );
        assert_eq!(got, want, "seed {seed}: {log:#?}");
        if !want.is_empty() {
            nonempty += 1;
        }
        for c in &r.changes {
            assert!(
                !c.addresses.is_empty(),
                "seed {seed}: no address for {:?}",
                c.change
            );
        }
    }
    assert!(nonempty >= 12, "only {nonempty} worlds changed any flow");
}
