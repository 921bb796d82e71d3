//! Every scenario in `fixtures/` gives its documented answer (`flows.json`),
//! and its table and JSON outputs match the golden files (insta).

mod common;

use common::{run, workspace};

use serde_json::Value;

#[test]
fn fixtures_give_documented_answers() {
    let root = workspace().join("fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("flows.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(
        names.len() >= 9,
        "expected at least 9 fixture scenarios, found {}",
        names.len()
    );
    let mut failures = Vec::new();
    for name in names {
        let flows: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(root.join(&name).join("flows.json")).unwrap(),
        )
        .unwrap();
        for (i, flow) in flows.iter().enumerate() {
            let snap = format!("fixtures/{name}/aws");
            let mut args = vec!["explain", "--snapshot", &snap];
            let from = flow["from"].as_str().unwrap();
            let to = flow["to"].as_str().unwrap();
            args.extend(["--from", from, "--to", to]);
            let port = flow["port"].as_u64().map(|p| p.to_string());
            if let Some(p) = &port {
                args.extend(["--port", p]);
            }
            if let Some(os) = flow["client_os"].as_str() {
                args.extend(["--client-os", os]);
            }
            if let Some(proto) = flow["protocol"].as_str() {
                args.extend(["--protocol", proto]);
            }
            if flow["ipv6"] == true {
                args.push("--ipv6");
            }
            if flow["assume_appliance_allows"] == true {
                args.push("--assume-appliance-allows");
            }
            let (code, json, stderr) = run(&[args.as_slice(), &["--output", "json"]].concat());
            let got: Value = serde_json::from_str(&json)
                .unwrap_or_else(|_| panic!("{name}#{i}: no JSON: {stderr}"));
            let want = &flow["expect"];
            let want_code = match want["verdict"].as_str().unwrap() {
                "reachable" => 0,
                "unknown" => 3,
                _ => 1,
            };
            if code != Some(want_code) {
                failures.push(format!("{name}#{i}: exit {code:?}, expected {want_code}"));
            }
            for key in ["verdict", "symptom"] {
                if got[key] != want[key] {
                    failures.push(format!(
                        "{name}#{i}: {key} = {}, expected {}",
                        got[key], want[key]
                    ));
                }
            }
            if want["blocking"].is_null() {
                if !got["blocking"].is_null() {
                    failures.push(format!(
                        "{name}#{i}: blocking = {}, expected null",
                        got["blocking"]
                    ));
                }
            } else {
                for key in ["path", "kind", "component", "direction"] {
                    if got["blocking"][key] != want["blocking"][key] {
                        failures.push(format!(
                            "{name}#{i}: blocking.{key} = {}, expected {}",
                            got["blocking"][key], want["blocking"][key]
                        ));
                    }
                }
            }
            let (_, table, _) = run(&args);
            insta::assert_snapshot!(format!("{name}-{i}-table"), table);
            insta::assert_snapshot!(format!("{name}-{i}-json"), json);
        }
    }
    assert!(
        failures.is_empty(),
        "fixture answers differ:\n{}",
        failures.join("\n")
    );
}
