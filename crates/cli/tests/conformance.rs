//! Conformance: every flow of `../shared/reference/batfish/*/expected.json`
//! (and of the landed scenarios of `../shared/reference/batfish-gateways/`)
//! (real AWS snapshots with hand-derived answers) must give the documented
//! verdict, and the documented blocking hop when one is pinned down.
//!
//! The reference set lives outside the repository. When it is absent the test
//! says so and passes, unless `NETPATH_REQUIRE_REFERENCE=1` (as `.ci/run` sets).
//! `NETPATH_REFERENCE` overrides its location.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn reference_dir() -> PathBuf {
    if let Ok(p) = std::env::var("NETPATH_REFERENCE") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/batfish")
}

/// The scenarios of `../shared/reference/batfish-gateways/` whose components
/// netpath models (all of them now).
const LANDED_GATEWAY_SCENARIOS: &[&str] = &[
    "test-load-balancer",
    "test-public-subnet",
    "test-transit-gateway",
    "test-transit-gateway-multi-table",
    "test-vpc-endpoint-gateway",
    "test-vpc-endpoint-interface",
    "test-vpn-gateway",
];

#[test]
fn batfish_reference_flows() {
    let dir = reference_dir();
    if !dir.is_dir() {
        assert!(
            std::env::var("NETPATH_REQUIRE_REFERENCE").as_deref() != Ok("1"),
            "reference set not found at {} but NETPATH_REQUIRE_REFERENCE=1",
            dir.display()
        );
        eprintln!(
            "skipping conformance: no reference set at {}",
            dir.display()
        );
        return;
    }
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    scenarios.sort();
    // The gateway captures beside it join as the issues that model them land.
    let gateways = dir.with_file_name("batfish-gateways");
    for name in LANDED_GATEWAY_SCENARIOS {
        let p = gateways.join(name);
        assert!(
            p.join("expected.json").is_file()
                || std::env::var("NETPATH_REQUIRE_REFERENCE").as_deref() != Ok("1"),
            "reference scenario {} not found but NETPATH_REQUIRE_REFERENCE=1",
            p.display()
        );
        if p.join("expected.json").is_file() {
            scenarios.push(p);
        }
    }
    assert!(
        !scenarios.is_empty(),
        "no scenarios under {}",
        dir.display()
    );
    let mut failures = Vec::new();
    let mut checked = 0;
    for scenario in scenarios {
        let expected: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(scenario.join("expected.json")).unwrap())
                .unwrap();
        for flow in expected {
            checked += 1;
            let id = flow["id"].as_str().unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_netpath"))
                .args(["explain", "--snapshot"])
                .arg(scenario.join("aws_configs"))
                .args(["--from", flow["from"].as_str().unwrap()])
                .args(["--to", flow["to"].as_str().unwrap()])
                .args(["--port", &flow["port"].to_string()])
                .args(["--protocol", flow["protocol"].as_str().unwrap()])
                .args(["--client-os", flow["client_os"].as_str().unwrap()])
                .args(["--output", "json"])
                .output()
                .unwrap();
            let got: Value = match serde_json::from_slice(&out.stdout) {
                Ok(v) => v,
                Err(_) => {
                    failures.push(format!(
                        "{id}: no JSON; stderr: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                    continue;
                }
            };
            let want_code = match flow["verdict"].as_str().unwrap() {
                "reachable" => 0,
                _ => 1,
            };
            if got["verdict"] != flow["verdict"] || out.status.code() != Some(want_code) {
                failures.push(format!(
                    "{id}: verdict {} (exit {:?}), expected {}",
                    got["verdict"],
                    out.status.code(),
                    flow["verdict"]
                ));
                continue;
            }
            if let Some(want) = flow["blocking"].as_object() {
                for key in ["path", "kind", "component", "direction"] {
                    if got["blocking"][key] != want[key] {
                        failures.push(format!(
                            "{id}: blocking.{key} = {}, expected {}",
                            got["blocking"][key], want[key]
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} reference flows disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("conformance: {checked} reference flows agree");
}
