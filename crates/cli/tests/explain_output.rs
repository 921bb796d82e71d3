//! The shapes `explain` prints besides the table and JSON: the path as
//! Mermaid and DOT, the verified fixes as a bash script (run against a fake
//! `aws` that answers like EC2 does), colour and width under a real
//! pseudo-terminal, and input warnings on stderr.

mod common;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{run, workspace};

const WAR_STORY: [&str; 8] = [
    "explain",
    "--snapshot",
    "fixtures/war-story-sg-drift/aws",
    "--from",
    "app-server",
    "--to",
    "prod-db",
    "--output",
];

fn war_story(output: &str) -> String {
    let (code, out, err) = run(&[&WAR_STORY[..], &[output]].concat());
    assert_eq!(code, Some(1), "{err}");
    out
}

#[test]
fn mermaid_draws_the_path_with_the_block_in_red_and_the_reply_dashed() {
    let m = war_story("mermaid");
    assert!(m.starts_with("flowchart LR\n"), "{m}");
    // The blocking hop, named, is the one node of class `block`.
    let block = m
        .lines()
        .find(|l| l.contains("security-group ingress<br/>sg-0a00000000000d001 (sg-db)"))
        .expect("the sg-db hop");
    let id = block.trim().split('[').next().unwrap();
    assert!(m.contains(&format!("class {id} block")), "{m}");
    assert!(m.contains("near miss: "), "{m}");
    assert!(m.contains("-.->"), "the return path is dashed: {m}");
    assert!(m.contains("class ") && m.contains(" iffixed"), "{m}");
    // Every edge names declared nodes.
    for l in m
        .lines()
        .filter(|l| l.contains("-->") || l.contains("-.->"))
    {
        for n in l.split_whitespace().filter(|w| w.starts_with('n')) {
            assert!(
                m.contains(&format!("  {n}["))
                    || m.contains(&format!("  {n}("))
                    || m.contains(&format!("  {n}>")),
                "{n} undeclared"
            );
        }
    }
}

#[test]
fn dot_draws_the_path_and_graphviz_renders_it() {
    let d = war_story("dot");
    assert!(d.starts_with("digraph path {"), "{d}");
    assert!(d.contains("(sg-db)") && d.contains("color=red"), "{d}");
    assert!(d.contains("style=dashed"), "{d}");
    let Ok(mut dot) = Command::new("dot")
        .arg("-Tpng")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("graphviz `dot` is not installed: the DOT was checked by shape only");
        return;
    };
    use std::io::Write;
    dot.stdin.take().unwrap().write_all(d.as_bytes()).unwrap();
    let out = dot.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"\x89PNG"), "not a PNG");
}

/// A fake `aws` in `dir` that logs its arguments to `dir/calls` and answers
/// a dry run with EC2's `DryRunOperation` error, or with `error` when set.
fn fake_aws(dir: &Path, error: &str) {
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> {}/calls\necho 'An error occurred ({error}) when calling the operation' >&2\nexit 254\n",
        dir.display()
    );
    let p = dir.join("aws");
    std::fs::write(&p, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn run_script(script: &str, dir: &Path) -> (bool, String) {
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("PATH", path)
        .env("DRY_RUN", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_fix_script_dry_runs_the_verified_fixes_and_stops_on_a_refusal() {
    let script = war_story("fix-script");
    assert!(script.starts_with("#!/usr/bin/env bash\n"), "{script}");
    assert!(script.contains("set -euo pipefail"), "{script}");
    assert!(script.contains("# 1. allow tcp 5432 from group sg-0a00000000000a002 (sg-app-v2)"));
    let check = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .status()
        .unwrap();
    assert!(check.success(), "bash -n rejects the script");

    let ok = tempfile::tempdir().unwrap();
    fake_aws(ok.path(), "DryRunOperation");
    let (passed, err) = run_script(&script, ok.path());
    assert!(passed, "{err}");
    let calls = std::fs::read_to_string(ok.path().join("calls")).unwrap();
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(calls.contains("ec2 authorize-security-group-ingress --group-id sg-0a00000000000d001"));
    assert!(calls.trim_end().ends_with("--dry-run"), "{calls}");

    let refused = tempfile::tempdir().unwrap();
    fake_aws(refused.path(), "UnauthorizedOperation");
    let (passed, err) = run_script(&script, refused.path());
    assert!(!passed, "a refused dry run must fail the script");
    assert!(err.contains("UnauthorizedOperation"), "{err}");

    // Advice that could not be verified is a comment, never a step.
    let (_, advice, _) = run(&[
        "explain",
        "--snapshot",
        "fixtures/public-web-ssh-only/aws",
        "--from",
        "internet",
        "--to",
        "203.0.113.10",
        "--port",
        "80",
        "--output",
        "fix-script",
    ]);
    assert!(!advice.lines().any(|l| l.starts_with("run ")), "{advice}");
    assert!(
        advice.contains("# not scripted (advice netpath could not verify)"),
        "{advice}"
    );

    // A new peering: the create call keeps the new id; the steps naming it
    // can only be printed in a dry run.
    let (_, peering, _) = run(&[
        "explain",
        "--snapshot",
        "fixtures/peering-deleted-blackhole/aws",
        "--from",
        "app-server",
        "--to",
        "cache",
        "--port",
        "6379",
        "--output",
        "fix-script",
    ]);
    assert!(
        peering.contains("\nnew_id PCX aws ec2 create-vpc-peering-connection "),
        "{peering}"
    );
    assert_eq!(peering.matches("\nlater aws ec2 ").count(), 3, "{peering}");
    let dir = tempfile::tempdir().unwrap();
    fake_aws(dir.path(), "DryRunOperation");
    let (passed, err) = run_script(&peering, dir.path());
    assert!(passed, "{err}");
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    assert_eq!(
        calls.lines().count(),
        1,
        "only the create call is dry-run: {calls}"
    );
}

/// Runs `netpath ARGS` with standard output on a pseudo-terminal of
/// `cols` columns; returns everything written to it.
fn under_pty(args: &[&str], cols: u16, env: &[(&str, &str)]) -> String {
    let mut master = 0;
    let mut slave = 0;
    let size = libc::winsize {
        ws_row: 50,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors we then own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned here only.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netpath"));
    cmd.current_dir(workspace())
        .args(args)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .stdout(Stdio::from(slave))
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    let mut out = Vec::new();
    let mut f = std::fs::File::from(master);
    let mut buf = [0u8; 4096];
    loop {
        // Linux answers EIO once the child closed the terminal.
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    child.wait().unwrap();
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

/// `s` without ANSI colour sequences.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn on_a_terminal_the_verdict_is_coloured_first_and_every_line_fits() {
    let args = &WAR_STORY[..7];
    let text = under_pty(args, 80, &[]);
    assert!(text.contains("\u{1b}["), "no colour on a terminal: {text}");
    let text = plain(&text);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("BLOCKED (times out)") && first.contains("(sg-db)"),
        "{first}"
    );
    for line in text.lines() {
        // One argument of a command cannot be broken and still paste.
        if line.trim_start().starts_with("--ip-permissions '") {
            continue;
        }
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let wide = plain(&under_pty(args, 160, &[]));
    assert!(
        wide.lines().map(|l| l.chars().count()).max() > Some(100),
        "a wide terminal is used"
    );
    // NO_COLOR and --color never turn it off; --color always turns it on in a pipe.
    assert!(!under_pty(args, 80, &[("NO_COLOR", "1")]).contains("\u{1b}["));
    assert!(!under_pty(&[args, &["--color", "never"]].concat(), 80, &[]).contains("\u{1b}["));
    let (_, piped, _) = run(&[args, &["--color", "always"]].concat());
    assert!(piped.contains("\u{1b}["), "{piped}");
    let (_, piped, _) = run(args);
    assert!(!piped.contains("\u{1b}["), "{piped}");
}

#[test]
fn files_netpath_does_not_read_are_one_warning_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let src = workspace().join("fixtures/war-story-sg-drift/aws");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    for key in ["AvailabilityZones", "DhcpOptions", "PlacementGroups"] {
        std::fs::write(
            dir.path().join(format!("{key}.json")),
            format!("{{\"{key}\": []}}"),
        )
        .unwrap();
    }
    let snap = dir.path().to_str().unwrap();
    let (code, out, err) = run(&[
        "explain",
        "--snapshot",
        snap,
        "--from",
        "app-server",
        "--to",
        "prod-db",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(!out.contains("AvailabilityZones"), "{out}");
    let folded: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("does not read"))
        .collect();
    assert_eq!(folded.len(), 1, "{err}");
    assert!(
        folded[0].contains("skipped 3 files")
            && folded[0].contains("AvailabilityZones, DhcpOptions, PlacementGroups"),
        "{err}"
    );
    // JSON keeps them, for programs.
    let (_, json, _) = run(&[
        "explain",
        "--snapshot",
        snap,
        "--from",
        "app-server",
        "--to",
        "prod-db",
        "--output",
        "json",
    ]);
    assert!(
        json.contains("unknown top-level key `DhcpOptions`"),
        "{json}"
    );
}

/// The members of each Reachability Analyzer shape, from the EC2 API
/// Reference (the CLI prints them in PascalCase):
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInsightsAnalysis.html>,
/// `API_PathComponent.html`, `API_Explanation.html`, `API_AnalysisComponent.html`,
/// `API_AnalysisAclRule.html`, `API_AnalysisSecurityGroupRule.html`,
/// `API_AnalysisRouteTableRoute.html`, `API_AnalysisPacketHeader.html`,
/// `API_PortRange.html`.
fn ra_members(shape: &str) -> &'static [&'static str] {
    match shape {
        "NetworkInsightsAnalysis" => &[
            "NetworkInsightsAnalysisId",
            "NetworkInsightsAnalysisArn",
            "NetworkInsightsPathId",
            "AdditionalAccounts",
            "FilterInArns",
            "FilterOutArns",
            "StartDate",
            "Status",
            "StatusMessage",
            "WarningMessage",
            "NetworkPathFound",
            "ForwardPathComponents",
            "ReturnPathComponents",
            "Explanations",
            "AlternatePathHints",
            "SuggestedAccounts",
            "Tags",
        ],
        "PathComponent" => &[
            "SequenceNumber",
            "AclRule",
            "AttachedTo",
            "Component",
            "DestinationVpc",
            "OutboundHeader",
            "InboundHeader",
            "RouteTableRoute",
            "SecurityGroupRule",
            "SourceVpc",
            "Subnet",
            "Vpc",
            "AdditionalDetails",
            "TransitGateway",
            "TransitGatewayRouteTableRoute",
            "Explanations",
            "ElasticLoadBalancerListener",
            "FirewallStatelessRule",
            "FirewallStatefulRule",
            "ServiceName",
        ],
        "Explanation" => &[
            "Acl",
            "AclRule",
            "Address",
            "Addresses",
            "AttachedTo",
            "AvailabilityZones",
            "Cidrs",
            "Component",
            "CustomerGateway",
            "Destination",
            "DestinationVpc",
            "Direction",
            "ExplanationCode",
            "IngressRouteTable",
            "InternetGateway",
            "LoadBalancerArn",
            "ClassicLoadBalancerListener",
            "LoadBalancerListenerPort",
            "LoadBalancerTarget",
            "LoadBalancerTargetGroup",
            "LoadBalancerTargetGroups",
            "LoadBalancerTargetPort",
            "ElasticLoadBalancerListener",
            "MissingComponent",
            "NatGateway",
            "NetworkInterface",
            "PacketField",
            "VpcPeeringConnection",
            "Port",
            "PortRanges",
            "PrefixList",
            "Protocols",
            "RouteTableRoute",
            "RouteTable",
            "SecurityGroup",
            "SecurityGroupRule",
            "SecurityGroups",
            "SourceVpc",
            "State",
            "Subnet",
            "SubnetRouteTable",
            "Vpc",
            "VpcEndpoint",
            "VpnConnection",
            "VpnGateway",
            "TransitGateway",
            "TransitGatewayRouteTable",
            "TransitGatewayRouteTableRoute",
            "TransitGatewayAttachment",
            "ComponentAccount",
            "ComponentRegion",
            "FirewallStatelessRule",
            "FirewallStatefulRule",
        ],
        "AnalysisComponent" => &["Id", "Arn", "Name"],
        "AnalysisAclRule" => &[
            "Cidr",
            "Egress",
            "PortRange",
            "Protocol",
            "RuleAction",
            "RuleNumber",
        ],
        "AnalysisSecurityGroupRule" => &[
            "Cidr",
            "Direction",
            "SecurityGroupId",
            "PortRange",
            "PrefixListId",
            "Protocol",
        ],
        "AnalysisRouteTableRoute" => &[
            "DestinationCidr",
            "DestinationPrefixListId",
            "EgressOnlyInternetGatewayId",
            "GatewayId",
            "InstanceId",
            "NatGatewayId",
            "NetworkInterfaceId",
            "Origin",
            "TransitGatewayId",
            "VpcPeeringConnectionId",
            "State",
            "CarrierGatewayId",
            "CoreNetworkArn",
            "LocalGatewayId",
        ],
        "AnalysisPacketHeader" => &[
            "DestinationAddresses",
            "DestinationPortRanges",
            "Protocol",
            "SourceAddresses",
            "SourcePortRanges",
        ],
        "PortRange" => &["From", "To"],
        other => panic!("no shape {other}"),
    }
}

/// The shape of the value under `key` (objects, or arrays of them).
fn ra_shape_of(key: &str) -> Option<&'static str> {
    Some(match key {
        "ForwardPathComponents" | "ReturnPathComponents" => "PathComponent",
        "Explanations" => "Explanation",
        "Component" | "Acl" | "RouteTable" | "SecurityGroups" | "Vpc" | "Subnet" => {
            "AnalysisComponent"
        }
        "AclRule" => "AnalysisAclRule",
        "SecurityGroupRule" => "AnalysisSecurityGroupRule",
        "RouteTableRoute" => "AnalysisRouteTableRoute",
        "OutboundHeader" | "InboundHeader" => "AnalysisPacketHeader",
        "PortRange" | "PortRanges" | "DestinationPortRanges" | "SourcePortRanges" => "PortRange",
        _ => return None,
    })
}

fn check_ra(v: &serde_json::Value, shape: &str, at: &str) {
    match v {
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_ra(item, shape, &format!("{at}[{i}]"));
            }
        }
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                if shape == "NetworkInsightsAnalysis" && k == "Netpath" {
                    continue;
                }
                assert!(
                    ra_members(shape).contains(&k.as_str()),
                    "{at}.{k} is not a member of {shape}"
                );
                if let Some(s) = ra_shape_of(k) {
                    check_ra(child, s, &format!("{at}.{k}"));
                }
            }
        }
        _ => {}
    }
}

#[test]
fn the_reachability_analyzer_output_uses_only_aws_field_names() {
    let doc: serde_json::Value = serde_json::from_str(&war_story("reachability-analyzer")).unwrap();
    check_ra(&doc, "NetworkInsightsAnalysis", "$");
    assert_eq!(doc["NetworkPathFound"], false);
    assert_eq!(doc["Status"], "succeeded");
    let e = &doc["Explanations"][0];
    assert_eq!(e["ExplanationCode"], "ENI_SG_RULES_MISMATCH");
    assert_eq!(e["Direction"], "ingress");
    assert_eq!(e["SecurityGroups"][0]["Id"], "sg-0a00000000000d001");
    assert_eq!(e["SecurityGroups"][0]["Name"], "sg-db");
    // Like Reachability Analyzer, the components stop at the block.
    let fwd = doc["ForwardPathComponents"].as_array().unwrap();
    assert_eq!(
        fwd.last().unwrap()["Component"]["Id"],
        "acl-0a0000000000000001"
    );
    assert!(doc.get("ReturnPathComponents").is_none());
    assert_eq!(fwd[2]["AclRule"]["RuleNumber"], 100);
    assert_eq!(fwd[3]["RouteTableRoute"]["GatewayId"], "local");

    // A reachable flow: both legs, numbered from 1, and no explanation.
    let (code, out, err) = run(&[
        "explain",
        "--snapshot",
        "fixtures/nacl-windows-range-linux-client/aws",
        "--from",
        "app-server",
        "--to",
        "prod-db",
        "--client-os",
        "windows",
        "--output",
        "reachability-analyzer",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    check_ra(&doc, "NetworkInsightsAnalysis", "$");
    assert_eq!(doc["NetworkPathFound"], true);
    assert_eq!(doc["ReturnPathComponents"][0]["SequenceNumber"], 1);
    let reply = &doc["ReturnPathComponents"][0]["OutboundHeader"];
    assert_eq!(reply["SourcePortRanges"][0]["From"], 5432);
    assert_eq!(reply["DestinationPortRanges"][0]["From"], 49152);
    assert!(doc.get("Explanations").is_none());
}
