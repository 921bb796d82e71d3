//! Ground truth: every fixture, the reference snapshots, and random
//! topologies are rebuilt in network namespaces, and every flow's real TCP
//! outcome must match `netpath explain`'s verdict and symptom.
//!
//! Needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN), iproute2 and nftables.
//! Without them each test prints one line and passes, unless
//! `NETPATH_REQUIRE_LAB=1` (as `.ci/run` sets), when it fails.
//! `NETPATH_LAB_WORLDS` sets the number of random topologies (default 300).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{lab_available, workspace};
use netpath_engine::Topology;
use netpath_lab::build::{Bind, HostAction, HostSetup};
use netpath_lab::{check_flows, random, Ask, FlowCheck, Lab};
use netpath_model::Snapshot;
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_millis(250);

/// A flow to probe: from, to, and what is asked.
type Flow = (String, String, Ask);

#[derive(Default)]
struct Tally {
    probed: usize,
    probes: usize,
    skipped: Vec<String>,
    disagreements: Vec<String>,
    verdicts: std::collections::BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, where_: &str, fc: FlowCheck) {
        if let Some(why) = &fc.skipped {
            self.skipped.push(format!("{where_}: {}: {why}", fc.flow));
            return;
        }
        self.probed += 1;
        self.probes += fc.probes.len();
        *self
            .verdicts
            .entry(format!("{:?}", fc.verdict))
            .or_default() += 1;
        if std::env::var_os("NETPATH_LAB_VERBOSE").is_some() {
            eprint!("{where_}: {}", fc.report());
        }
        if !fc.agrees() {
            self.disagreements
                .push(format!("{where_}: {}", fc.report()));
        }
    }

    fn finish(&self, what: &str) {
        eprintln!(
            "{what}: {} flows probed ({} probes), verdicts {:?}, {} skipped",
            self.probed,
            self.probes,
            self.verdicts,
            self.skipped.len()
        );
        for s in &self.skipped {
            eprintln!("  skipped {s}");
        }
        assert!(
            self.disagreements.is_empty(),
            "{} disagreement(s) between explain and the kernel:\n{}",
            self.disagreements.len(),
            self.disagreements.join("\n")
        );
    }
}

fn run_flows(snap: &Snapshot, where_: &str, flows: &[(String, String, Ask)], tally: &mut Tally) {
    run_flows_with_hosts(snap, where_, flows, &[], tally);
}

/// The ENI of instance `iid` (its primary one).
fn eni_of(snap: &Snapshot, iid: &str) -> Option<String> {
    snap.network_interfaces
        .iter()
        .flatten()
        .find(|e| e.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(iid))
        .map(|e| e.network_interface_id.to_string())
}

/// As `run_flows`, after setting up `hosts` (by instance id) and reading
/// their facts back from inside their namespaces.
fn run_flows_with_hosts(
    snap: &Snapshot,
    where_: &str,
    flows: &[(String, String, Ask)],
    hosts: &[(String, HostSetup)],
    tally: &mut Tally,
) -> Vec<(String, netpath_engine::Symptom)> {
    let topo = Topology::new(snap);
    let mut lab = Lab::build(snap).unwrap_or_else(|e| panic!("{where_}: building the lab: {e:#}"));
    for (iid, setup) in hosts {
        if let Some(eni) = eni_of(snap, iid) {
            if lab.eni(&eni).is_some() {
                lab.setup_host(&eni, setup)
                    .unwrap_or_else(|e| panic!("{where_}: host {iid}: {e:#}"));
            }
        }
    }
    lab.collect_host_facts(|eni| {
        snap.network_interfaces
            .iter()
            .flatten()
            .find(|e| e.network_interface_id == eni)
            .and_then(|e| e.attachment.as_ref())
            .and_then(|a| a.instance_id.as_deref().map(str::to_string))
    })
    .unwrap_or_else(|e| panic!("{where_}: host facts: {e:#}"));
    let checks =
        check_flows(&mut lab, &topo, flows, TIMEOUT).unwrap_or_else(|e| panic!("{where_}: {e:#}"));
    let seen = checks
        .iter()
        .map(|fc| (fc.flow.clone(), fc.symptom))
        .collect();
    for fc in checks {
        tally.add(where_, fc);
    }
    seen
}

/// Every fixture folder with flows, and its TCP / ICMP echo flows (the lab
/// probes TCP from the snapshot's default client range, and ICMP echo; not
/// UDP).
fn fixture_flows() -> Vec<(String, Snapshot, Vec<Flow>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("flows.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10);
    // `NETPATH_LAB_ONLY=nlb` keeps the fixtures whose name holds it (while
    // working on one; CI runs them all).
    if let Ok(only) = std::env::var("NETPATH_LAB_ONLY") {
        dirs.retain(|d| {
            d.file_name()
                .is_some_and(|n| n.to_string_lossy().contains(&only))
        });
    }
    dirs.into_iter()
        .map(|dir| {
            let snap = netpath_model::load(&dir.join("aws")).unwrap().snapshot;
            let flows: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("flows.json")).unwrap())
                    .unwrap();
            let flows: Vec<Flow> = flows
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    f.get("client_os").is_none()
                        && f.get("ephemeral_ports").is_none()
                        && f.get("protocol")
                            .is_none_or(|p| p == "tcp" || p == "icmp" || p == "icmpv6")
                })
                .map(|f| {
                    (
                        f["from"].as_str().unwrap().to_string(),
                        f["to"].as_str().unwrap().to_string(),
                        match (f["protocol"].as_str(), is_ipv6(f)) {
                            (Some("icmp" | "icmpv6"), false) => Ask::Ping,
                            (Some("icmp" | "icmpv6"), true) => Ask::Ping6,
                            (_, false) => Ask::Tcp(f["port"].as_u64().map(|p| p as u16)),
                            (_, true) => Ask::Tcp6(f["port"].as_u64().map(|p| p as u16)),
                        },
                    )
                })
                .collect();
            // A flow asked twice (with and without an option the lab
            // always takes, such as --assume-appliance-allows) is probed
            // once: its fixed source ports would collide.
            let mut seen = std::collections::HashSet::new();
            let flows: Vec<Flow> = flows
                .into_iter()
                .filter(|f| seen.insert(f.clone()))
                .collect();
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            (name, snap, flows)
        })
        .collect()
}

/// An IPv6 flow: asked with `"ipv6": true`, or naming an IPv6 address.
fn is_ipv6(f: &Value) -> bool {
    f["ipv6"] == true
        || f["protocol"] == "icmpv6"
        || ["from", "to"].iter().any(|k| {
            f[*k]
                .as_str()
                .is_some_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok())
        })
}

#[test]
fn every_fixture_agrees_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let mut tally = Tally::default();
    for (name, snap, flows) in fixture_flows() {
        run_flows(&snap, &name, &flows, &mut tally);
    }
    tally.finish("fixtures");
    assert!(
        tally.probed >= 10 || std::env::var_os("NETPATH_LAB_ONLY").is_some(),
        "only {} fixture flows probed",
        tally.probed
    );
}

/// Several accounts (issue 18): each multi-account fixture of
/// `fixtures/org/` is merged as its flows say (`netpath_model::merge`, the
/// model's, not the engine's), rebuilt, and probed: the cross-account
/// peering with its cross-account group reference, and the participant's
/// instance in the owner's shared subnet under the owner's network ACL.
/// Flows whose answer is `unknown` (an account left out) are not probed.
#[test]
fn merged_organizations_agree_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let mut tally = Tally::default();
    let root = workspace().join("fixtures/org");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let flows: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("flows.json")).unwrap())
                .unwrap();
        // One merged snapshot per set of accounts the flows name.
        let mut by_accounts: std::collections::BTreeMap<Vec<String>, Vec<Flow>> =
            Default::default();
        for f in flows.as_array().unwrap() {
            let accounts: Vec<String> = f["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            by_accounts.entry(accounts).or_default().push((
                f["from"].as_str().unwrap().to_string(),
                f["to"].as_str().unwrap().to_string(),
                Ask::Tcp(f["port"].as_u64().map(|p| p as u16)),
            ));
        }
        for (accounts, flows) in by_accounts {
            let inputs = accounts
                .iter()
                .map(|a| {
                    let p = dir.join("accounts").join(a);
                    (a.clone(), netpath_model::load(&p).unwrap().snapshot)
                })
                .collect();
            let snap = netpath_model::merge(inputs).snapshot;
            let name = format!(
                "org/{} ({})",
                dir.file_name().unwrap().to_string_lossy(),
                accounts.join("+")
            );
            run_flows(&snap, &name, &flows, &mut tally);
        }
    }
    tally.finish("organizations");
    assert!(tally.probed >= 4, "only {} flows probed", tally.probed);
}

/// Advice is verified in the kernel too: for every fixture flow whose
/// answer has verified fixes, the snapshot with those fixes applied is
/// rebuilt, and the real packets must give the verdict `after_fixes`
/// promised (and agree with `explain` on the patched snapshot).
#[test]
fn verified_fixes_work_in_the_kernel() {
    if !lab_available() {
        return;
    }
    let mut tally = Tally::default();
    let mut patched_flows = 0;
    for (name, snap, flows) in fixture_flows() {
        let topo = Topology::new(&snap);
        for (from, to, ask) in &flows {
            let opts = netpath_engine::ExplainOptions {
                port: match ask {
                    Ask::Tcp(p) | Ask::Tcp6(p) => *p,
                    Ask::Ping | Ask::Ping6 => None,
                },
                protocol: match ask {
                    Ask::Ping => Some(netpath_model::IpProtocol::Icmp),
                    Ask::Ping6 => Some(netpath_model::IpProtocol::Icmpv6),
                    _ => None,
                },
                ipv6: matches!(ask, Ask::Tcp6(_) | Ask::Ping6),
                // As the lab's appliances do (`check_flows` asks the same).
                assume_appliance_allows: true,
                ..Default::default()
            };
            let Ok(e) = netpath_engine::explain_verified(&topo, from, to, &opts) else {
                continue;
            };
            let Some(after) = &e.after_fixes else {
                continue;
            };
            let mut patched = snap.clone();
            for f in e.fixes.iter().filter(|f| f.verified) {
                assert!(f.edit.as_ref().is_some_and(|ed| ed.apply(&mut patched)));
            }
            let where_ = format!("{name} with the fixes of {from} -> {to}");
            let mut one = Tally::default();
            let seen = run_flows_with_hosts(
                &patched,
                &where_,
                &[(from.clone(), to.clone(), *ask)],
                &[],
                &mut one,
            );
            if one.probed == 0 {
                tally.skipped.extend(one.skipped);
                continue;
            }
            patched_flows += 1;
            // `one` holds explain's verdict on the patched world; its
            // agreement with the real packets is checked by `finish` below.
            let patched_verdict = one.verdicts.keys().next().cloned().unwrap_or_default();
            assert_eq!(
                patched_verdict,
                format!("{:?}", after.verdict),
                "{where_}: after_fixes promised {:?}, the patched world is {patched_verdict} ({seen:?})",
                after.verdict
            );
            for (v, n) in &one.verdicts {
                *tally.verdicts.entry(v.clone()).or_default() += n;
            }
            tally.probed += one.probed;
            tally.probes += one.probes;
            tally.disagreements.extend(one.disagreements);
        }
    }
    tally.finish("verified fixes");
    assert!(
        patched_flows >= 5 || std::env::var_os("NETPATH_LAB_ONLY").is_some(),
        "only {patched_flows} patched fixture flows probed"
    );
}

#[test]
fn reference_snapshots_agree_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let dir = std::env::var("NETPATH_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("../shared/reference/batfish"));
    if !dir.is_dir() {
        assert!(
            std::env::var("NETPATH_REQUIRE_REFERENCE").as_deref() != Ok("1"),
            "reference set not found at {}",
            dir.display()
        );
        eprintln!("skipping reference snapshots: none at {}", dir.display());
        return;
    }
    let mut tally = Tally::default();
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    scenarios.sort();
    for s in scenarios {
        let snap = netpath_model::load(&s.join("aws_configs"))
            .unwrap()
            .snapshot;
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(s.join("expected.json")).unwrap())
                .unwrap();
        let flows: Vec<(String, String, Ask)> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["from"].as_str().unwrap().to_string(),
                    f["to"].as_str().unwrap().to_string(),
                    Ask::Tcp(f["port"].as_u64().map(|p| p as u16)),
                )
            })
            .collect();
        let name = s.file_name().unwrap().to_string_lossy().to_string();
        run_flows(&snap, &name, &flows, &mut tally);
    }
    tally.finish("reference snapshots");
    assert!(
        tally.probed >= 5,
        "only {} reference flows probed",
        tally.probed
    );
}

#[test]
fn random_topologies_agree_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let worlds: u64 = std::env::var("NETPATH_LAB_WORLDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut tally = Tally::default();
    for seed in 0..worlds {
        let w = random::world(seed);
        let _ = run_flows_with_hosts(
            &w.snapshot,
            &format!("random world {seed}"),
            &w.flows,
            &w.hosts,
            &mut tally,
        );
    }
    tally.finish(&format!("{worlds} random topologies"));
    let verdicts = &tally.verdicts;
    for v in ["Reachable", "Blocked", "Partial"] {
        assert!(
            verdicts.get(v).copied().unwrap_or(0) >= (worlds as usize / 50).max(1),
            "too few {v} flows in {worlds} worlds: {verdicts:?}"
        );
    }
}

/// The last hop in the kernel: `fixtures/host-last-hop`'s servers set up as
/// its host facts describe them (PostgreSQL on 127.0.0.1:5432; a web server
/// whose firewall accepts 80, resets 8080, answers 5000 with ICMP admin
/// prohibited and drops 9000), read back by the host-facts collector inside
/// their namespaces, and every flow probed.
#[test]
fn hosts_agree_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let dir = workspace().join("fixtures/host-last-hop");
    let snap = netpath_model::load(&dir.join("aws")).unwrap().snapshot;
    let pg = HostSetup {
        listeners: vec![
            (Bind::Loopback, 5432),
            (Bind::Any, 22),
            (Bind::Interface, 9000),
        ],
        // Its output policy drops all but established packets: the
        // kernel's own reset for a closed port gets out, a REJECT's
        // answer (state related) does not.
        input: vec![(5000, HostAction::RejectReset)],
        output_policy_drop: true,
        output_allows_established: true,
        ..HostSetup::default()
    };
    let web = HostSetup {
        listeners: [22, 80, 5000, 8080, 9000].map(|p| (Bind::Any, p)).to_vec(),
        input: vec![
            (22, HostAction::Accept),
            (80, HostAction::Accept),
            (8080, HostAction::RejectReset),
            (5000, HostAction::RejectProhibited),
        ],
        input_policy_drop: true,
        input_allows_established: true,
        output_policy_drop: true,
        output_allows_established: true,
        output_allows_related: true,
        iptables_restore: None,
    };
    let hosts = vec![
        ("i-0f0000000000000b01".to_string(), pg),
        ("i-0f0000000000000b02".to_string(), web),
    ];
    let tcp =
        |from: &str, to: &str, port: u16| (from.to_string(), to.to_string(), Ask::Tcp(Some(port)));
    let flows = vec![
        tcp("app-server", "pg-server", 5432),
        tcp("app-server", "pg-server", 22),
        tcp("ops-box", "pg-server", 9000),
        tcp("ops-box", "pg-server", 5000),
        tcp("app-server", "web-server", 80),
        tcp("app-server", "web-server", 8080),
        tcp("app-server", "web-server", 9000),
        tcp("ops-box", "web-server", 5000),
        tcp("app-server", "web-server", 5000),
        ("ops-box".to_string(), "web-server".to_string(), Ask::Ping),
    ];
    let mut tally = Tally::default();
    let seen = run_flows_with_hosts(&snap, "host-last-hop", &flows, &hosts, &mut tally);
    tally.finish("hosts");
    // What explain said on the collected facts (and the kernel agreed with).
    use netpath_engine::Symptom::*;
    let want = [
        ("app-server -> pg-server tcp 5432", Refused),
        ("app-server -> pg-server tcp 22", Connects),
        ("ops-box -> pg-server tcp 9000", Connects),
        ("ops-box -> pg-server tcp 5000", Timeout),
        ("app-server -> web-server tcp 80", Connects),
        ("app-server -> web-server tcp 8080", Refused),
        ("app-server -> web-server tcp 9000", Timeout),
        ("ops-box -> web-server tcp 5000", Unreachable),
        ("app-server -> web-server tcp 5000", Timeout),
        ("ops-box -> web-server icmp echo-request", NoReply),
    ];
    for (flow, symptom) in want {
        assert!(
            seen.contains(&(flow.to_string(), symptom)),
            "{flow}: expected {symptom:?}, got {seen:?}"
        );
    }
    assert_eq!(tally.probed, flows.len(), "every host flow is probed");
    for v in ["Reachable", "Blocked"] {
        assert!(tally.verdicts.contains_key(v), "{:?}", tally.verdicts);
    }
}

/// A real ufw host: the Debian 12 ufw ruleset captured in
/// `fixtures/host-facts/real/iptables-save.debian12-ufw.txt` (allow 22,
/// allow 5432 from 10.0.0.0/8, reject 8080, default deny) loaded with
/// `iptables-restore` on web-server; the collector reads it back (through
/// iptables-save, since nft cannot show its xt matches) and every flow
/// agrees with the kernel.
#[test]
fn a_real_ufw_host_agrees_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let dir = workspace().join("fixtures/host-last-hop");
    let snap = netpath_model::load(&dir.join("aws")).unwrap().snapshot;
    let ufw = std::fs::read_to_string(
        workspace().join("fixtures/host-facts/real/iptables-save.debian12-ufw.txt"),
    )
    .unwrap();
    let web = HostSetup {
        listeners: [22, 5432, 8080, 9000].map(|p| (Bind::Any, p)).to_vec(),
        iptables_restore: Some(ufw),
        ..HostSetup::default()
    };
    let hosts = vec![("i-0f0000000000000b02".to_string(), web)];
    let tcp =
        |from: &str, to: &str, port: u16| (from.to_string(), to.to_string(), Ask::Tcp(Some(port)));
    let flows = vec![
        tcp("app-server", "web-server", 22),
        tcp("app-server", "web-server", 5432),
        tcp("ops-box", "web-server", 5432),
        tcp("app-server", "web-server", 8080),
        tcp("app-server", "web-server", 9000),
    ];
    let mut tally = Tally::default();
    let seen = run_flows_with_hosts(&snap, "real ufw", &flows, &hosts, &mut tally);
    tally.finish("real ufw");
    assert_eq!(tally.probed, flows.len(), "every flow is probed: {seen:?}");
    use netpath_engine::Symptom::*;
    let want = [
        ("app-server -> web-server tcp 22", Connects),
        ("app-server -> web-server tcp 5432", Connects),
        ("ops-box -> web-server tcp 5432", Connects),
        ("app-server -> web-server tcp 8080", Refused),
        ("app-server -> web-server tcp 9000", Timeout),
    ];
    for (flow, symptom) in want {
        assert!(
            seen.contains(&(flow.to_string(), symptom)),
            "{flow}: expected {symptom:?}, got {seen:?}"
        );
    }
}

/// IPv6 in the kernel: the dual-stack fixtures are rebuilt with IPv6
/// addresses, routes, `ip6` rules and an egress-only gateway, and every
/// IPv6 flow is probed over IPv6 (TCP and ICMPv6 echo), never skipped, with
/// both outcomes seen: the internet gateway and the egress-only gateway
/// carry connections, and the stateless ACL drops what explain says.
#[test]
fn ipv6_flows_are_probed_over_ipv6_and_agree() {
    if !lab_available() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, snap, flows) in fixture_flows()
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("dual-stack-ipv6-"))
    {
        let flows: Vec<Flow> = flows
            .into_iter()
            .filter(|(_, _, a)| matches!(a, Ask::Tcp6(_) | Ask::Ping6))
            .collect();
        let topo = Topology::new(&snap);
        let mut lab = Lab::build(&snap).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let checks = check_flows(&mut lab, &topo, &flows, TIMEOUT).unwrap();
        for fc in &checks {
            assert!(
                fc.skipped.is_none(),
                "{name}: {} skipped: {:?}",
                fc.flow,
                fc.skipped
            );
            assert!(fc.agrees(), "{name}:\n{}", fc.report());
            seen.extend(fc.probes.iter().map(|p| format!("{:?}", p.got)));
        }
    }
    assert!(
        seen.contains("Connects") && seen.contains("Timeout"),
        "{seen:?}"
    );
}
