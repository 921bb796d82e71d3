//! `netpath reach` and `netpath exposure` end to end on the fixtures: who
//! reaches the DB (partial answers marked, with the dropped client ports),
//! what the internet reaches (with the gateway and rule), unknown answers
//! when a collection gap hides the NACLs, usage errors, and the table and
//! JSON outputs (insta goldens).

mod common;

use common::{run, workspace};

use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--output", "json"]);
    let (code, out, err) = run(&a);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn reach_to_marks_partial_sources_with_the_dropped_ports() {
    let fx = "fixtures/nacl-windows-range-linux-client/aws";
    let (code, table, err) = run(&["reach", "-s", fx, "--to", "prod-db"]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("reach_to_partial_table", table);
    let doc = json(&["reach", "-s", fx, "--to", "prod-db"]);
    assert_eq!(doc["format"], "netpath-reach");
    assert_eq!(doc["query"], "to");
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{doc:#}");
    let a = &entries[0]["access"][0];
    assert_eq!(a["verdict"], "partial");
    assert_eq!(a["ports"], serde_json::json!({"from": 5432, "to": 5432}));
    assert_eq!(
        a["blocked_ports"],
        serde_json::json!([{"from": 32768, "to": 49151}])
    );
    assert_eq!(doc["summary"]["partial"], 1);
    assert_eq!(doc["summary"]["reachable"], 0);
    insta::assert_json_snapshot!("reach_to_partial_json", doc);
}

#[test]
fn reach_to_lists_the_sources_explain_admits_per_fixture() {
    // Each fixture's documented flow, seen from the destination's side:
    // the source is listed with exactly the documented verdict, or not
    // listed when the documented verdict is blocked.
    let root = workspace().join("fixtures");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        // `reach` walks the network only; a fixture with host facts (which
        // `explain` reads beside the snapshot) answers past the ENI.
        if dir.join("host-facts").is_dir() {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(dir.join("flows.json")) else {
            continue;
        };
        let flows: Value = serde_json::from_str(&text).unwrap();
        let flows = flows
            .as_array()
            .cloned()
            .or_else(|| flows["flows"].as_array().cloned())
            .unwrap();
        let aws = dir.join("aws");
        let aws = aws.to_str().unwrap();
        for f in flows {
            let (from, to) = (f["from"].as_str().unwrap(), f["to"].as_str().unwrap());
            if f.get("client_os").is_some() || f.get("ephemeral_ports").is_some() {
                continue; // reach uses each source's own client kind
            }
            if from == to {
                continue; // loopback: reach never pairs an end with itself
            }
            if f["protocol"] == "icmp" || f["protocol"] == "icmpv6" {
                continue; // reach answers TCP and UDP; ICMP is explain's
            }
            let v6 = |k: &str| {
                f[k].as_str()
                    .is_some_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok())
            };
            // An IPv6 flow is asked over IPv6 and read from the IPv6 entries.
            let ipv6 = f["ipv6"] == true || v6("from") || v6("to");
            let family = if ipv6 { "ipv6" } else { "ipv4" };
            let want = f["verdict"]
                .as_str()
                .or_else(|| f["expect"]["verdict"].as_str())
                .unwrap();
            let mut args = vec!["reach", "-s", aws, "--to", to];
            args.push(if ipv6 { "--ipv6" } else { "--ipv4" });
            let assume = f["assume_appliance_allows"] == true;
            if assume {
                args.push("--assume-appliance-allows");
            }
            let port = f["port"].as_u64().map(|p| p.to_string());
            if let Some(p) = &port {
                args.extend(["--port", p.as_str()]);
            }
            let proto = f["protocol"].as_str();
            if let Some(p) = proto {
                args.extend(["--protocol", p]);
            }
            let doc = json(&args);
            // The source's ids: ask explain for them.
            let mut e_args = vec![
                "explain", "-s", aws, "--from", from, "--to", to, "--output", "json",
            ];
            if let Some(p) = &port {
                e_args.extend(["--port", p.as_str()]);
            }
            if let Some(p) = proto {
                e_args.extend(["--protocol", p]);
            }
            if ipv6 {
                e_args.push("--ipv6");
            }
            if assume {
                e_args.push("--assume-appliance-allows");
            }
            let (_, e_out, _) = run(&e_args);
            let exp: Value = serde_json::from_str(&e_out).unwrap();
            let src = &exp["source"];
            let names: Vec<&str> = ["instance_id", "eni"]
                .iter()
                .filter_map(|k| src[*k].as_str())
                .chain(from.eq("internet").then_some("internet"))
                .collect();
            let listed: Vec<&Value> = doc["entries"]
                .as_array()
                .unwrap()
                .iter()
                // Direct paths only: explain asks the destination itself,
                // not the load balancers in front of it.
                .filter(|e| e["through"].is_null())
                .filter(|e| {
                    assert!(
                        e["ip_version"] == family,
                        "{}: reach {args:?} answered {} flows",
                        dir.display(),
                        e["ip_version"]
                    );
                    e["members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| names.contains(&m.as_str().unwrap()))
                })
                .collect();
            let got = listed
                .first()
                .map_or("blocked", |e| e["access"][0]["verdict"].as_str().unwrap());
            if names.is_empty() {
                continue; // an address source: not an end reach lists by name
            }
            assert_eq!(got, want, "{}: {from} -> {to}: {doc:#}", dir.display());
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} fixture flows checked");
}

#[test]
fn exposure_names_the_gateway_and_the_rule() {
    let fx = "fixtures/public-web-ssh-only/aws";
    let (code, table, err) = run(&["exposure", "-s", fx]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("exposure_table", table);
    let doc = json(&["exposure", "-s", fx]);
    let e = &doc["entries"][0];
    assert_eq!(e["kind"], "network-interfaces");
    let a = &e["access"][0];
    assert_eq!(a["ports"], serde_json::json!({"from": 22, "to": 22}));
    assert_eq!(a["verdict"], "reachable");
    assert!(a["internet_gateway"].as_str().unwrap().starts_with("igw-"));
    assert!(a["via"].as_array().unwrap().iter().any(|v| v
        .as_str()
        .unwrap()
        .contains("inbound tcp 22 from 0.0.0.0/0")));
    // Port 80 is open in the group but the NACL drops it: not listed.
    assert_eq!(e["access"].as_array().unwrap().len(), 1, "{doc:#}");
}

#[test]
fn exposure_lists_the_targets_behind_an_internet_facing_load_balancer() {
    // web-1 and web-2 have no public address; the ALB exposes them on 8080.
    let fx = "fixtures/alb-internet-facing/aws";
    let (code, table, err) = run(&["exposure", "-s", fx]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("exposure_load_balancer_table", table);
    let doc = json(&["exposure", "-s", fx]);
    let lbs = doc["load_balancers"].as_array().unwrap();
    assert_eq!(lbs.len(), 1, "{doc:#}");
    assert_eq!(lbs[0]["load_balancer"], "web-alb");
    assert_eq!(lbs[0]["listener"], "HTTPS 443");
    assert_eq!(lbs[0]["verdict"], "reachable");
    let targets: Vec<&str> = lbs[0]["exposed_targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "i-0f6000000000000e01:8080 (web-1)",
            "i-0f6000000000000e02:8080 (web-2)"
        ]
    );
    // An internal load balancer exposes nothing.
    let doc = json(&["exposure", "-s", "fixtures/alb-healthy/aws"]);
    assert!(doc.get("load_balancers").is_none(), "{doc:#}");
}

#[test]
fn a_gap_makes_answers_unknown_never_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("gap.json");
    let (code, _, err) = run(&[
        "import",
        "fixtures/same-subnet-deny-all-nacl/aws",
        "--out",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    v["metadata"]["gaps"] = serde_json::json!([
        {"operation": "ec2:DescribeNetworkAcls", "error": "UnauthorizedOperation"}
    ]);
    std::fs::write(&snap, v.to_string()).unwrap();
    let doc = json(&["reach", "-s", snap.to_str().unwrap(), "--to", "prod-db"]);
    let verdicts: Vec<&str> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["access"].as_array().unwrap())
        .map(|a| a["verdict"].as_str().unwrap())
        .collect();
    // batch-worker shares the DB's subnet (no NACL on its path): reachable;
    // app-server crosses the subnet edge, whose NACL was not read: unknown.
    assert!(verdicts.contains(&"unknown"), "{doc:#}");
    assert_eq!(doc["summary"]["unknown"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["reachable"], 1, "{doc:#}");
    let unknown = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["access"].as_array().unwrap())
        .find(|a| a["verdict"] == "unknown")
        .unwrap();
    assert!(
        unknown["missing"][0]
            .as_str()
            .unwrap()
            .contains("DescribeNetworkAcls"),
        "{doc:#}"
    );
    assert!(doc["warnings"][0].as_str().unwrap().contains("partial"));
}

#[test]
fn reach_from_lists_destinations_and_ports() {
    let fx = "fixtures/same-subnet-deny-all-nacl/aws";
    let (code, table, err) = run(&["reach", "-s", fx, "--from", "batch-worker"]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("reach_from_table", table);
    let doc = json(&["reach", "-s", fx, "--from", "batch-worker"]);
    assert_eq!(doc["query"], "from");
    let db = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "db-instances")
        .expect("the DB is reachable from its own subnet");
    assert_eq!(db["access"][0]["ports"]["from"], 5432);
}

#[test]
fn usage_errors_name_the_problem() {
    let (code, _, err) = run(&[
        "reach",
        "-s",
        "fixtures/stopped-db/aws",
        "--to",
        "no-such-thing",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no-such-thing") && err.contains("fixtures/stopped-db/aws"),
        "{err}"
    );
    let (code, _, err) = run(&["reach", "-s", "fixtures/stopped-db/aws"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--to") && err.contains("--from"), "{err}");
}

#[test]
fn reach_mermaid_draws_the_groups_that_reach_the_target() {
    let (code, out, err) = run(&[
        "reach",
        "--snapshot",
        "fixtures/public-web-ssh-only/aws",
        "--to",
        "web-1",
        "--port",
        "22",
        "--output",
        "mermaid",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("flowchart LR\n  t([\"web-1\"])\n"), "{out}");
    // Every group is a node with an edge into the target, labelled with its ports.
    let groups = out
        .lines()
        .filter(|l| l.trim_start().starts_with('g') && l.contains("[\""))
        .count();
    let edges = out.lines().filter(|l| l.contains("-->|\"tcp 22")).count();
    assert!(groups >= 1 && groups == edges, "{out}");
}

/// A dual-stack web server is exposed twice: at its public IPv4 address
/// through NAT at the internet gateway, and at its global IPv6 address
/// directly. Each family is its own entry, and `-4`/`-6` pick one.
#[test]
fn exposure_lists_each_address_family_apart() {
    let fx = "fixtures/dual-stack-ipv6-flows/aws";
    let (code, table, err) = run(&["exposure", "-s", fx]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("exposure_dual_stack_table", table);
    let doc = json(&["exposure", "-s", fx]);
    let families: Vec<&str> = doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ip_version"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["ipv4", "ipv6"], "{doc:#}");
    let v6 = &doc["entries"][1];
    assert_eq!(v6["members"], serde_json::json!(["i-0e6000000000000a1"]));
    let a = &v6["access"][0];
    assert_eq!(a["ports"], serde_json::json!({"from": 443, "to": 443}));
    assert!(a["via"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v.as_str().unwrap().contains("::/0 -> igw-")));
    for (flag, want) in [("-4", "ipv4"), ("-6", "ipv6")] {
        let doc = json(&["exposure", "-s", fx, flag]);
        let entries = doc["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        assert!(entries.iter().all(|e| e["ip_version"] == want), "{doc:#}");
    }
    // An address of one family with the other's flag is bad usage.
    let (code, _, err) = run(&["reach", "-s", fx, "--to", "2600:1f18:7000:ff01::10", "-4"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("one address family"), "{err}");
}

/// A target behind a load balancer: `reach --to` it lists, apart from the
/// direct paths, the sources that reach it through each load balancer that
/// forwards to it (the listener reached, and the second leg to this target
/// passing); a load balancer nothing gets through is a warning; an end no
/// load balancer forwards to gets neither.
#[test]
fn reach_to_a_target_counts_sources_through_its_load_balancers() {
    let through = |doc: &serde_json::Value| -> Vec<(String, Vec<String>, u64)> {
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                Some((
                    e["through"].as_str()?.to_string(),
                    e["members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_str().unwrap().to_string())
                        .collect(),
                    e["access"][0]["ports"]["from"].as_u64().unwrap(),
                ))
            })
            .collect()
    };
    // An internal ALB whose targets admit its group: every instance reaches
    // web-1 through it, on the listener's port; none directly.
    let doc = json(&["reach", "-s", "fixtures/alb-healthy/aws", "--to", "web-1"]);
    let via = through(&doc);
    let members: Vec<&str> = via
        .iter()
        .flat_map(|(_, m, _)| m.iter().map(String::as_str))
        .collect();
    assert!(
        via.iter().all(|(t, _, port)| t.starts_with(
            "load balancer web-alb (application, internal): HTTPS 443 forwards to i-0f6000000000000e01 port 8080"
        ) && *port == 443),
        "{via:?}"
    );
    for i in ["i-0f6000000000000c01", "i-0f6000000000000e02"] {
        assert!(members.contains(&i), "{members:?}");
    }
    assert!(
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["through"].is_string()),
        "web-1's group admits only the load balancer: {doc:#}"
    );
    // The target's group does not admit the target group's port: nobody
    // gets through, and the answer says so.
    let doc = json(&[
        "reach",
        "-s",
        "fixtures/alb-target-port-not-admitted/aws",
        "--to",
        "web-1",
    ]);
    assert!(through(&doc).is_empty(), "{doc:#}");
    assert!(
        doc["warnings"].to_string().contains(
            "load balancer web-alb forwards HTTPS 443 to i-0f6000000000000e01 on port 8080 (healthy); no source reaches it through web-alb"
        ),
        "{}",
        doc["warnings"]
    );
    // An NLB that preserves the client's address: web-1 itself does not
    // get through to itself (hairpinning), web-2 and the client do.
    let doc = json(&["reach", "-s", "fixtures/nlb-healthy/aws", "--to", "web-1"]);
    let members: Vec<String> = through(&doc).into_iter().flat_map(|(_, m, _)| m).collect();
    assert!(
        members.contains(&"i-0f6000000000000e02".to_string()),
        "{members:?}"
    );
    assert!(
        members.contains(&"i-0f6000000000000c01".to_string()),
        "{members:?}"
    );
    assert!(
        !members.contains(&"i-0f6000000000000e01".to_string()),
        "{members:?}"
    );
    // Asked on a port no load balancer forwards to: none of it.
    let doc = json(&[
        "reach",
        "-s",
        "fixtures/alb-healthy/aws",
        "--to",
        "web-1",
        "--port",
        "22",
    ]);
    assert!(through(&doc).is_empty(), "{doc:#}");
    assert!(
        !doc["warnings"].to_string().contains("load balancer"),
        "{}",
        doc["warnings"]
    );
    let doc = json(&[
        "reach",
        "-s",
        "fixtures/alb-healthy/aws",
        "--to",
        "client-1",
        "--port",
        "22",
    ]);
    assert!(!doc.to_string().contains("load balancer"), "{doc:#}");
    // The table heads them apart and counts them apart.
    let (code, out, err) = run(&["reach", "-s", "fixtures/alb-healthy/aws", "--to", "web-1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("no source reaches it directly on any port considered"),
        "{out}"
    );
    assert!(
        out.contains("\nthrough load balancer web-alb (application, internal): HTTPS 443"),
        "{out}"
    );
    assert!(out.contains("through load balancers: 3 sources"), "{out}");
}
