//! `netpath plan` against real Terraform: each scenario of
//! `fixtures/plans/terraform/` is a world applied into the AWS emulator
//! (moto) by real terraform and the hashicorp/aws provider, snapshotted
//! (before.json), changed as a pull request would, planned (plan.json),
//! applied, and snapshotted again (after.json). `netpath plan before plan`
//! must report exactly the flows `netpath diff before after` reports.
//! With terraform installed, the loop is also run live.
//!
//! Also: the real public plans of `fixtures/plans/public/`, the
//! sg-app → sg-app-v2 deploy with its Terraform fix, Markdown and JUnit
//! goldens, and `check --plan`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{run, workspace};
use serde_json::Value;

/// (change, from, to, protocol, ports, before verdict, after verdict) of
/// every changed flow of a diff or plan document.
fn flows(doc: &Value) -> BTreeSet<String> {
    doc["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            format!(
                "{} {} -> {} {} {}/{}-{} {} -> {}",
                c["change"],
                c["from"],
                c["to"],
                c["ip_version"],
                c["protocol"],
                c["ports"]["from"],
                c["ports"]["to"],
                c["before"]["verdict"],
                c["after"]["verdict"]
            )
        })
        .collect()
}

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let (code, out, err) = run(args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: no JSON ({e}): {err}"));
    (code, v)
}

/// The plan's flows with each placeholder instance id
/// (`i-(known after apply: aws_instance.worker)`) replaced by the id the
/// apply gave it (the instance in after.json with the same Name tag).
fn flows_after_apply(plan: &Value, plan_doc: &Value, after: &Value) -> BTreeSet<String> {
    let mut text: Vec<String> = flows(plan).into_iter().collect();
    for rc in plan_doc["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if rc["type"] != "aws_instance" {
            continue;
        }
        let address = rc["address"].as_str().unwrap_or_default();
        let placeholder = format!("i-(known after apply: {address})");
        let name = &rc["change"]["after"]["tags"]["Name"];
        let real = after["instances"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| &i["tags"]["Name"] == name && i["state"] == "running")
            .and_then(|i| i["instance_id"].as_str());
        if let Some(real) = real {
            for f in &mut text {
                *f = f.replace(&placeholder, real);
            }
        }
    }
    text.into_iter().collect()
}

/// Plan and diff of one scenario folder agree; returns the plan document.
fn agree(dir: &Path) -> Value {
    let (b, a, p) = (
        dir.join("before.json"),
        dir.join("after.json"),
        dir.join("plan.json"),
    );
    let (b, a, p) = (
        b.to_str().unwrap(),
        a.to_str().unwrap(),
        p.to_str().unwrap(),
    );
    let (dcode, diff) = json(&["diff", b, a, "--output", "json"]);
    let (pcode, plan) = json(&["plan", "--snapshot", b, p, "--output", "json"]);
    let read = |f: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    assert_eq!(
        flows_after_apply(&plan, &read("plan.json"), &read("after.json")),
        flows(&diff),
        "{}: the plan's flows differ from the applied diff's",
        dir.display()
    );
    assert_eq!(pcode, dcode, "{}: exit status", dir.display());
    plan
}

/// What each scenario must do, so agreement is not agreement on nothing:
/// (scenario, broken, opened).
const EXPECTED: &[(&str, usize, usize)] = &[
    ("sg-app-v2", 1, 0),
    ("rule-port-edited", 1, 1),
    ("db-new-group", 11, 0),
    ("nacl-deny-inserted", 1, 0),
    ("route-association-moved", 2, 0),
    ("peering-destroyed", 1, 0),
    ("nat-route-deleted", 4, 0),
    ("db-groups-replaced", 12, 0),
    ("inline-to-separate", 0, 0),
    ("group-replaced", 0, 0),
    ("instance-created", 0, 3),
    ("sg-attachment", 0, 1),
    ("association-removed", 2, 0),
    ("nacl-inline-edited", 1, 0),
    ("acl-created-for-app", 12, 0),
    ("vpc-created-and-peered", 0, 1),
    ("rds-created", 0, 2),
    ("public-web-created", 0, 5),
    ("egress-only-gateway-created", 0, 2),
];

#[test]
fn terraform_plans_report_what_applying_them_did() {
    let root = workspace().join("fixtures/plans/terraform");
    for (name, broken, opened) in EXPECTED {
        let plan = agree(&root.join(name));
        let s = &plan["payload"]["summary"];
        let s = if s.is_null() { &plan["summary"] } else { s };
        assert_eq!(
            (s["broken"].as_u64(), s["opened"].as_u64()),
            (Some(*broken as u64), Some(*opened as u64)),
            "{name}: {s}"
        );
        for c in plan["changes"].as_array().unwrap() {
            assert!(
                !c["addresses"].as_array().unwrap().is_empty(),
                "{name}: a change without a Terraform address: {c}"
            );
        }
    }
}

#[test]
fn the_sg_app_v2_deploy_is_broken_by_the_instance_with_a_verified_terraform_fix() {
    let dir = workspace().join("fixtures/plans/terraform/sg-app-v2");
    let plan = agree(&dir);
    let broken: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "broken")
        .collect();
    assert_eq!(broken.len(), 1);
    let c = broken[0];
    let addrs: Vec<&str> = c["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(addrs.contains(&"aws_instance.app"), "{addrs:?}");
    let fix = c["fix"]["terraform"].as_str().expect("a Terraform fix");
    assert!(
        fix.contains("resource \"aws_vpc_security_group_ingress_rule\""),
        "{fix}"
    );
    assert!(
        fix.contains("referenced_security_group_id = aws_security_group.app_v2.id"),
        "{fix}"
    );
    assert!(
        fix.contains("security_group_id            = aws_security_group.db.id"),
        "{fix}"
    );
    assert!(fix.contains("from_port                    = 5432"), "{fix}");
    // The new group's id is a placeholder naming its address.
    let edits = plan["edits"].to_string();
    assert!(
        edits.contains("sg-(known after apply: aws_security_group.app_v2)"),
        "{edits}"
    );
}

#[test]
fn mixing_inline_and_separate_rules_is_warned_about() {
    let dir = workspace().join("fixtures/plans/terraform/inline-to-separate");
    let plan = agree(&dir);
    let w = plan["warnings"].to_string();
    assert!(
        w.contains("aws_security_group.db configures inline ingress"),
        "{w}"
    );
    assert!(
        w.contains("aws_vpc_security_group_ingress_rule.db_from_app"),
        "{w}"
    );
}

#[test]
fn markdown_and_junit_goldens() {
    let dir = "fixtures/plans/terraform/sg-app-v2";
    let (code, md, _) = run(&[
        "plan",
        "--snapshot",
        &format!("{dir}/before.json"),
        &format!("{dir}/plan.json"),
        "--output",
        "markdown",
        "--fail-on",
        "broken",
    ]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("plan_sg_app_v2_markdown", md);
    let (_, xml, _) = run(&[
        "plan",
        "--snapshot",
        &format!("{dir}/before.json"),
        &format!("{dir}/plan.json"),
        "--output",
        "junit",
    ]);
    insta::assert_snapshot!("plan_sg_app_v2_junit", xml);
}

#[test]
fn a_public_plan_changing_two_rules_breaks_tcp_and_opens_udp() {
    // bridgecrewio/checkov's plan_change_keys (Apache-2.0): two
    // aws_security_group_rule updates, 5432 → 5432-5433 and tcp → udp 8888.
    let dir = "fixtures/plans/public/checkov-change-keys";
    let (code, plan) = json(&[
        "plan",
        "--snapshot",
        &format!("{dir}/aws"),
        &format!("{dir}/plan.json"),
        "--output",
        "json",
    ]);
    assert_eq!(code, Some(1));
    let f = flows(&plan);
    assert!(
        f.iter()
            .any(|x| x.starts_with("\"broken\"") && x.contains("\"tcp\"/8888-8888")),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|x| x.starts_with("\"opened\"") && x.contains("\"udp\"/8888-8888")),
        "{f:#?}"
    );
    assert!(plan["changes"]
        .to_string()
        .contains("aws_security_group_rule.bar"));
}

#[test]
fn a_public_plan_adding_an_all_ports_rule_opens_the_instance_to_the_internet() {
    // terraform-compliance's test_issue-sgr plan (MIT, format 0.1, Terraform
    // 0.12): an aws_security_group_rule on the existing sg-123456 opens tcp
    // 0-65535 to 0.0.0.0/0. Its source_security_group_id is unknown (the
    // provider computes it) but not configured: a CIDR rule, not a guess.
    let dir = "fixtures/plans/public/tfc-sgr";
    let (code, plan) = json(&[
        "plan",
        "--snapshot",
        &format!("{dir}/aws"),
        &format!("{dir}/plan.json"),
        "--output",
        "json",
    ]);
    assert_eq!(code, Some(1));
    let f = flows(&plan);
    assert!(
        f.iter()
            .any(|x| x.starts_with("\"opened\" [\"internet\"]") && x.contains("\"tcp\"/23-65535")),
        "{f:#?}"
    );
    assert!(
        plan["unresolved"].as_array().unwrap().is_empty(),
        "{}",
        plan["unresolved"]
    );
    assert!(plan["changes"]
        .to_string()
        .contains("aws_security_group_rule.allow_all"));
}

#[test]
fn a_public_create_only_plan_loads_and_names_its_addresses() {
    // trivy's terraformplan test plan (Apache-2.0, format 0.2): a new group
    // and two S3 resources (not network: ignored), against an empty snapshot.
    let (code, plan) = json(&[
        "plan",
        "--snapshot",
        "fixtures/plans/public/empty.json",
        "fixtures/plans/public/trivy-tfjson/plan.json",
        "--output",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let r = plan["resources"].to_string();
    assert!(r.contains("aws_security_group.sg"), "{r}");
    assert!(!r.contains("aws_s3_bucket"), "{r}");
    assert!(plan["unsupported"].as_array().unwrap().is_empty());
}

#[test]
fn bad_plans_are_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("tfplan");
    std::fs::write(&bin, b"PK\x03\x04binary").unwrap();
    let (code, _, err) = run(&[
        "plan",
        "--snapshot",
        "fixtures/plans/terraform/sg-app-v2/before.json",
        bin.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("terraform show -json"), "{err}");
}

#[test]
fn check_against_a_plan_checks_the_snapshot_after_apply() {
    let dir = "fixtures/plans/terraform/sg-app-v2";
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[[reach]]\nname = \"app reaches db\"\nfrom = \"app\"\nto = \"db\"\nport = 5432\n",
    )
    .unwrap();
    let snap = format!("{dir}/before.json");
    let (code, _, err) = run(&["check", "--snapshot", &snap, policy.to_str().unwrap()]);
    assert_eq!(code, Some(0), "before: {err}");
    let plan = format!("{dir}/plan.json");
    let (code, out, err) = run(&[
        "check",
        "--snapshot",
        &snap,
        "--plan",
        &plan,
        policy.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "after: {out} {err}");
}

/// The live loop: terraform apply into moto, snapshot, edit, plan, apply,
/// snapshot, and the plan must match the diff. Needs terraform, the
/// provider mirror and a Python with moto; skipped with one line without
/// them unless NETPATH_REQUIRE_TERRAFORM is set.
#[test]
fn live_terraform_loop_agrees() {
    let required = std::env::var_os("NETPATH_REQUIRE_TERRAFORM").is_some();
    let python = std::env::var("NETPATH_PYTHON").unwrap_or_else(|_| {
        let venv = workspace().join("target/moto-venv/bin/python");
        if venv.exists() {
            venv.display().to_string()
        } else {
            "python3".into()
        }
    });
    let has = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("terraform", &["version"]) || !has(&python, &["-c", "import moto"]) {
        assert!(
            !required,
            "NETPATH_REQUIRE_TERRAFORM is set but terraform or moto ({python}) is missing"
        );
        eprintln!("live terraform loop skipped: terraform or a Python with moto is missing");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("python3")
        .arg(workspace().join("fixtures/plans/terraform/generate.py"))
        .args(["--out", out.path().to_str().unwrap()])
        .args(["--netpath", env!("CARGO_BIN_EXE_netpath")])
        .args(["--python", &python])
        .args(["sg-app-v2", "nat-route-deleted"])
        .status()
        .unwrap();
    assert!(status.success(), "generate.py failed");
    for name in ["sg-app-v2", "nat-route-deleted"] {
        let plan = agree(&out.path().join(name));
        assert!(!plan["changes"].as_array().unwrap().is_empty(), "{name}");
    }
}

/// An egress-only internet gateway and its `::/0` route, planned for a
/// dual-stack VPC, are modelled rather than listed as unsupported: the plan
/// opens the instance's IPv6 flows to the internet, as applying it did.
#[test]
fn an_egress_only_gateway_in_a_plan_opens_ipv6_to_the_internet() {
    let dir = workspace().join("fixtures/plans/terraform/egress-only-gateway-created");
    let plan = agree(&dir);
    assert!(
        plan["unsupported"].as_array().is_none_or(|u| u.is_empty()),
        "{plan:#}"
    );
    let changes = plan["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{plan:#}");
    for c in changes {
        assert_eq!(c["change"], "opened", "{c}");
        assert_eq!(c["ip_version"], "ipv6", "{c}");
        assert_eq!(c["to"], serde_json::json!(["internet"]), "{c}");
    }
}
