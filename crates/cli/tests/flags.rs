//! The output flags: `--output FORMAT` in every command that prints an
//! answer, `--out FILE` in those that write a snapshot, and `-o`, kept for
//! one release as a deprecated alias of either (same output, plus one
//! warning line on stderr). Built without the `live` feature, netpath says
//! so when asked to collect.

mod common;

use common::run;

const FX: &str = "fixtures/war-story-sg-drift/aws";
const FORMAT_WARNING: &str = "netpath: warning: -o is deprecated; use --output FORMAT";
const FILE_WARNING: &str = "netpath: warning: -o is deprecated here; use --out FILE";

fn with(args: &[&str], more: &[&str]) -> Vec<String> {
    args.iter().chain(more).map(|s| s.to_string()).collect()
}

fn run_owned(args: &[String]) -> (Option<i32>, String, String) {
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn dash_o_is_a_deprecated_spelling_of_output_format() {
    let cases: [&[&str]; 5] = [
        &[
            "explain",
            "-s",
            FX,
            "--from",
            "app-server",
            "--to",
            "prod-db",
        ],
        &["reach", "-s", FX, "--to", "prod-db"],
        &["exposure", "-s", FX],
        &["diff", FX, FX],
        &["check", "-s", FX, "fixtures/policies/prod.toml"],
    ];
    for args in cases {
        let (code, out, err) = run_owned(&with(args, &["--output", "json"]));
        assert!(out.starts_with('{'), "{args:?}: {out}");
        assert!(!err.contains("deprecated"), "{args:?}: {err}");
        let (code_o, out_o, err_o) = run_owned(&with(args, &["-o", "json"]));
        assert_eq!(code_o, code, "{args:?}: {err_o}");
        assert_eq!(out_o, out, "{args:?}");
        assert_eq!(err_o, format!("{FORMAT_WARNING}\n{err}"), "{args:?}");
        // Both at once is a usage error.
        let (code, _, err) = run_owned(&with(args, &["-o", "json", "--output", "table"]));
        assert_eq!(code, Some(2), "{args:?}: {err}");
    }
}

#[test]
fn out_names_the_file_and_dash_o_is_its_deprecated_alias() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 2] = [
        ("import", &["import", FX]),
        ("synth", &["synth", "--enis", "40", "--vpcs", "2"]),
    ];
    for (name, args) in cases {
        let new = dir.path().join(format!("{name}-out.json"));
        let old = dir.path().join(format!("{name}-o.json"));
        let (new_s, old_s) = (new.to_str().unwrap(), old.to_str().unwrap());
        let (code, _, err) = run_owned(&with(args, &["--out", new_s]));
        assert_eq!(code, Some(0), "{name}: {err}");
        assert!(!err.contains("deprecated"), "{name}: {err}");
        let (code, _, err) = run_owned(&with(args, &["-o", old_s]));
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(err.lines().next(), Some(FILE_WARNING), "{name}: {err}");
        let written = std::fs::read_to_string(&new).unwrap();
        assert!(written.starts_with('{'), "{name}");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), written, "{name}");
        // `--out -` is standard output.
        let (code, out, err) = run_owned(&with(args, &["--out", "-"]));
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(out, written, "{name}");
        // The file is required, and `--output` is not its name.
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(err.contains("--out <FILE>"), "{name}: {err}");
        let (code, _, err) = run_owned(&with(args, &["--output", new_s]));
        assert_eq!(code, Some(2), "{name}: {err}");
    }
}

/// Built with `--no-default-features`: collection is a clear usage error
/// (exit 2), and saved snapshots still work.
#[cfg(not(feature = "live"))]
#[test]
fn without_the_live_feature_collection_is_a_clear_error() {
    const NO_LIVE: &str = "netpath: error: this netpath was built without live collection (the `live` feature); pass --snapshot FILE|DIR, or build with default features";
    let cases: [&[&str]; 4] = [
        &["snapshot", "--out", "never-written.json"],
        &["explain", "--from", "app-server", "--to", "prod-db"],
        &["reach", "--to", "prod-db"],
        &["exposure"],
    ];
    for args in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.trim_end(), NO_LIVE, "{args:?}");
    }
    assert!(!common::workspace().join("never-written.json").exists());
    let (code, _, err) = run(&[
        "explain",
        "-s",
        FX,
        "--from",
        "app-server",
        "--to",
        "prod-db",
    ]);
    assert_eq!(code, Some(1), "{err}");
}

/// Bad flow questions are bad input (exit 2) with a message that says what
/// to change: port 0, ports on ICMP, ICMP fields on TCP, IPv6 ends.
#[test]
fn bad_flow_questions_are_refused_with_the_reason() {
    let icmp = "fixtures/icmp-echo/aws";
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "explain",
                "-s",
                FX,
                "--from",
                "app-server",
                "--to",
                "prod-db",
                "--port",
                "0",
            ],
            "0 is not in 1..=65535",
        ),
        (
            &[
                "explain",
                "-s",
                icmp,
                "--from",
                "bastion",
                "--to",
                "app-1",
                "--protocol",
                "icmp",
                "--port",
                "80",
            ],
            "ICMP has no ports",
        ),
        (
            &[
                "explain",
                "-s",
                icmp,
                "--from",
                "bastion",
                "--to",
                "app-1",
                "--icmp-type",
                "8",
            ],
            "--icmp-type applies to --protocol icmp or icmpv6 only",
        ),
        (
            &[
                "explain",
                "-s",
                icmp,
                "--from",
                "bastion",
                "--to",
                "app-1",
                "--protocol",
                "icmpv6",
            ],
            "has no IPv6 address",
        ),
        (
            &[
                "explain",
                "-s",
                icmp,
                "--from",
                "2600:1f18::10",
                "--to",
                "10.0.1.5",
                "--port",
                "80",
            ],
            "both ends of a flow are in one address family",
        ),
        (
            &[
                "explain",
                "-s",
                icmp,
                "--from",
                "bastion",
                "--to",
                "app-1",
                "--ipv6",
                "--protocol",
                "icmp",
            ],
            "use --protocol icmpv6",
        ),
    ];
    for (args, said) in cases {
        let (code, _, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
}

/// `netpath synth --dual-stack` writes a world whose exposure holds IPv6
/// entries, the same bytes for the same arguments.
#[test]
fn synth_dual_stack_is_deterministic_and_answers_over_ipv6() {
    let dir = tempfile::tempdir().unwrap();
    let out = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    for f in ["a.json", "b.json"] {
        let (code, _, err) = run(&[
            "synth",
            "--enis",
            "500",
            "--vpcs",
            "3",
            "--seed",
            "3",
            "--dual-stack",
            "--out",
            &out(f),
        ]);
        assert_eq!(code, Some(0), "{err}");
    }
    let a = std::fs::read(out("a.json")).unwrap();
    assert_eq!(a, std::fs::read(out("b.json")).unwrap());
    let (code, json, err) = run(&["exposure", "-s", &out("a.json"), "-6", "--output", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{v:#}");
    assert!(entries.iter().all(|e| e["ip_version"] == "ipv6"));
}

/// `synth --tgw` joins every VPC to one transit gateway hub, the same bytes
/// for the same arguments, and a flow between two VPCs is walked through it.
#[test]
fn synth_tgw_is_deterministic_and_routes_between_vpcs_through_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let out = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    for f in ["a.json", "b.json"] {
        let (code, _, err) = run(&[
            "synth",
            "--enis",
            "400",
            "--vpcs",
            "4",
            "--seed",
            "5",
            "--tgw",
            "--out",
            &out(f),
        ]);
        assert_eq!(code, Some(0), "{err}");
    }
    let a = std::fs::read(out("a.json")).unwrap();
    assert_eq!(a, std::fs::read(out("b.json")).unwrap());
    let snap: serde_json::Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(
        snap["transit_gateway_vpc_attachments"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // An instance outside the DB's VPC asks for the DB: the route leads to
    // the hub, whose route table decides.
    let db = &snap["db_instances"][0];
    let db_vpc = db["db_subnet_group"]["vpc_id"].as_str().unwrap();
    let eni_vpc = |eni: &str| {
        snap["network_interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["network_interface_id"] == eni)
            .map(|e| e["vpc_id"].as_str().unwrap().to_string())
    };
    let client = snap["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            eni_vpc(i["network_interface_ids"][0].as_str().unwrap()).as_deref() != Some(db_vpc)
        })
        .expect("an instance in another VPC");
    let (_, json, err) = run(&[
        "explain",
        "-s",
        &out("a.json"),
        "--from",
        client["instance_id"].as_str().unwrap(),
        "--to",
        db["db_instance_identifier"].as_str().unwrap(),
        "--output",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|_| panic!("{err}"));
    assert!(
        v["hops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "transit-gateway-route-table"),
        "{v:#}"
    );
}
