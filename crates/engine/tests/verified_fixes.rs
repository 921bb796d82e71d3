//! Advice is verified: on every fixture flow and every reference flow, each
//! fix that keeps a command was applied to a copy of the snapshot and its
//! blocker is gone; applying the verified fixes in order really gives the
//! verdict `after_fixes` reports; an unverified fix has no command; NACL
//! rule numbers are unique across one answer's fixes.
//!
//! The reference set (`../shared/reference/`) is read where it is; when it
//! is absent only the fixtures are checked, unless
//! `NETPATH_REQUIRE_REFERENCE=1` (as `.ci/run` sets).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use netpath_engine::{
    explain, explain_verified, ClientOs, ExplainOptions, FixEdit, Topology, Verdict,
};
use netpath_model::IpProtocol;
use serde_json::Value;

/// (snapshot folder, flows) for every fixture and reference scenario.
fn cases() -> Vec<(PathBuf, Vec<Value>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let read = |p: &Path| -> Vec<Value> {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    for e in std::fs::read_dir(root.join("fixtures")).unwrap() {
        let dir = e.unwrap().path();
        if dir.join("flows.json").is_file() {
            out.push((dir.join("aws"), read(&dir.join("flows.json"))));
        }
    }
    let reference = std::env::var("NETPATH_REFERENCE")
        .map_or_else(|_| root.join("../shared/reference/batfish"), PathBuf::from);
    let required = std::env::var("NETPATH_REQUIRE_REFERENCE").as_deref() == Ok("1");
    assert!(
        reference.is_dir() || !required,
        "reference set not found at {} but NETPATH_REQUIRE_REFERENCE=1",
        reference.display()
    );
    if let Ok(rd) = std::fs::read_dir(&reference) {
        for e in rd {
            let dir = e.unwrap().path();
            if dir.join("expected.json").is_file() {
                out.push((dir.join("aws_configs"), read(&dir.join("expected.json"))));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn options(flow: &Value) -> ExplainOptions {
    ExplainOptions {
        port: flow["port"].as_u64().map(|p| p as u16),
        client_os: flow["client_os"]
            .as_str()
            .map(|s| ClientOs::parse(s).expect("client_os")),
        protocol: flow["protocol"]
            .as_str()
            .map(|s| IpProtocol::parse(s).expect("protocol")),
        ipv6: flow["ipv6"] == true,
        ..Default::default()
    }
}

#[test]
fn every_fix_shown_as_a_command_was_verified_and_works_when_applied() {
    let mut verified = 0;
    let mut flows = 0;
    for (dir, list) in cases() {
        let snapshot = netpath_model::load(&dir).unwrap().snapshot;
        let topo = Topology::new(&snapshot);
        for flow in &list {
            let (from, to) = (flow["from"].as_str().unwrap(), flow["to"].as_str().unwrap());
            let Ok(e) = explain_verified(&topo, from, to, &options(flow)) else {
                continue;
            };
            flows += 1;
            let at = format!("{} {from} -> {to}", dir.display());
            let mut numbers = BTreeSet::new();
            let mut copy = snapshot.clone();
            for f in &e.fixes {
                if !f.verified {
                    assert!(
                        f.command.is_none(),
                        "{at}: unverified fix has a command: {f:?}"
                    );
                    continue;
                }
                verified += 1;
                let edit = f.edit.as_ref().expect("a verified fix is a change");
                if let FixEdit::NetworkAclEntry {
                    network_acl_id,
                    entry,
                } = edit
                {
                    assert!(
                        numbers.insert((network_acl_id.clone(), entry.egress, entry.rule_number)),
                        "{at}: two fixes use rule {} of {network_acl_id}",
                        entry.rule_number
                    );
                }
                assert!(edit.apply(&mut copy), "{at}: {edit:?} names nothing");
                let again = explain(&Topology::new(&copy), from, to, &options(flow)).unwrap();
                let b = &e.blockers[f.blocker];
                assert!(
                    !again.blockers.iter().any(|a| a.path == b.path
                        && a.kind == b.kind
                        && a.component == b.component
                        && a.direction == b.direction),
                    "{at}: after {}, {} {} still blocks",
                    f.summary,
                    b.component,
                    b.detail
                );
                assert_eq!(Some(again.verdict), f.verdict_after, "{at}: {}", f.summary);
            }
            if let Some(a) = &e.after_fixes {
                let again = explain(&Topology::new(&copy), from, to, &options(flow)).unwrap();
                assert_eq!(again.verdict, a.verdict, "{at}");
                assert_eq!(again.blockers, a.blockers, "{at}");
                if a.verdict == Verdict::Reachable {
                    assert!(a.blockers.is_empty(), "{at}");
                }
            }
        }
    }
    assert!(flows > 40, "only {flows} flows were asked");
    assert!(verified > 10, "only {verified} fixes were verified");
}

#[test]
fn two_nacl_fixes_in_one_acl_get_different_rule_numbers() {
    // In the war story one ACL serves both subnets. Without its outbound
    // entries it blocks the request leaving the app subnet and the reply
    // leaving the DB subnet: two fixes to the same ACL and direction, whose
    // first free number is the same; the second must take another.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/war-story-sg-drift/aws");
    let mut s = netpath_model::load(&dir).unwrap().snapshot;
    let acl_id = "acl-0a0000000000000001";
    let acl = s
        .network_acls
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a.network_acl_id == acl_id)
        .unwrap();
    acl.entries.retain(|e| !e.egress);
    let flow = serde_json::json!({});
    let e = explain_verified(&Topology::new(&s), "app-server", "prod-db", &options(&flow)).unwrap();
    let numbers: Vec<u16> = e
        .fixes
        .iter()
        .filter_map(|f| match &f.edit {
            Some(FixEdit::NetworkAclEntry {
                network_acl_id,
                entry,
            }) if network_acl_id == acl_id && entry.egress => Some(entry.rule_number),
            _ => None,
        })
        .collect();
    assert_eq!(numbers.len(), 2, "{:#?}", e.fixes);
    assert_ne!(numbers[0], numbers[1], "{:#?}", e.fixes);
    let commands: Vec<&str> = e
        .fixes
        .iter()
        .filter_map(|f| f.command.as_deref())
        .collect();
    for n in &numbers {
        assert!(
            commands
                .iter()
                .any(|c| c.contains(&format!("--rule-number {n} "))),
            "{commands:#?}"
        );
    }
    // The security-group block remains; its fix is verified too.
    assert!(e.fixes.iter().all(|f| f.verified), "{:#?}", e.fixes);
    assert_eq!(
        e.after_fixes.as_ref().map(|a| a.verdict),
        Some(Verdict::Reachable)
    );
}

fn load(rel: &str) -> netpath_model::Snapshot {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    netpath_model::load(&dir).unwrap().snapshot
}

#[test]
fn a_client_without_a_public_ip_gets_a_nat_route_never_an_internet_gateway_route() {
    let s = load("diff/nat-route-deleted/after/aws");
    let opts = ExplainOptions {
        port: Some(443),
        ..Default::default()
    };
    let e = explain_verified(&Topology::new(&s), "i-01234567890123456", "8.8.8.8", &opts).unwrap();
    let f = &e.fixes[0];
    assert!(f.verified, "{f:?}");
    match &f.edit {
        Some(FixEdit::Route {
            destination,
            target,
            ..
        }) => {
            assert_eq!(destination.to_string(), "0.0.0.0/0");
            assert!(target.starts_with("nat-"), "{target}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.after_fixes.as_ref().map(|a| a.verdict),
        Some(Verdict::Reachable)
    );
    // The flow itself is not counted among the other flows it opens.
    assert_eq!(e.after_fixes.as_ref().map(|a| a.also_opens), Some(0));

    // Without a NAT gateway: advice to create one, and no command at all.
    let mut none = s.clone();
    none.nat_gateways = Some(Vec::new());
    let e = explain(
        &Topology::new(&none),
        "i-01234567890123456",
        "8.8.8.8",
        &opts,
    )
    .unwrap();
    let f = &e.fixes[0];
    assert!(f.command.is_none() && !f.verified, "{f:?}");
    assert!(
        f.summary.contains("no available NAT gateway"),
        "{}",
        f.summary
    );
    assert!(
        e.fixes.iter().all(|f| !f.summary.contains("igw-")),
        "{:?}",
        e.fixes
    );
}

/// `s` with a copy of ENI `eni` (and its instance, when it has one) under
/// new ids at `ip`, carrying `groups`.
fn twin(s: &mut netpath_model::Snapshot, eni: &str, id: &str, ip: &str, groups: &[&str]) {
    let mut e = s
        .network_interfaces
        .as_ref()
        .unwrap()
        .iter()
        .find(|e| e.network_interface_id == eni)
        .unwrap()
        .clone();
    e.network_interface_id = format!("eni-{id}").into();
    e.private_ip_addresses[0].private_ip_address = ip.parse().unwrap();
    e.groups = groups.iter().map(|g| (*g).into()).collect();
    e.description = Default::default();
    if let Some(a) = e.attachment.as_mut() {
        let mut inst = s
            .instances
            .as_ref()
            .unwrap()
            .iter()
            .find(|i| Some(&i.instance_id) == a.instance_id.as_ref())
            .unwrap()
            .clone();
        inst.instance_id = format!("i-{id}").into();
        inst.private_ip_address = Some(ip.parse().unwrap());
        inst.network_interface_ids = vec![e.network_interface_id.clone()];
        inst.tags.insert("Name".into(), format!("twin-{id}"));
        a.instance_id = Some(inst.instance_id.clone());
        s.instances.as_mut().unwrap().push(inst);
    }
    s.network_interfaces.as_mut().unwrap().push(e);
}

#[test]
fn the_fix_that_opens_least_is_chosen_and_its_blast_radius_named() {
    let opts = ExplainOptions {
        ..Default::default()
    };
    let ask = |s: &netpath_model::Snapshot| {
        explain_verified(&Topology::new(s), "app-server", "prod-db", &opts).unwrap()
    };
    let admits = |f: &netpath_engine::Fix| match &f.edit {
        Some(FixEdit::SecurityGroupRule { permission, .. }) => {
            if let Some(g) = permission.user_id_group_pairs.first() {
                g.group_id.clone()
            } else {
                permission.ip_ranges[0].to_string()
            }
        }
        other => panic!("{other:?}"),
    };
    // Only app-server carries sg-app-v2: the group opens no more than the
    // address, and the group wins the tie.
    let base = load("war-story-sg-drift/aws");
    let e = ask(&base);
    assert_eq!(admits(&e.fixes[0]), "sg-0a00000000000a002");
    assert_eq!(e.after_fixes.as_ref().map(|a| a.also_opens), Some(0));

    // A worker carries sg-app-v2 too: the group rule would admit it, so the
    // client's /32 is proposed, and the sentence says why.
    let mut s = base.clone();
    twin(
        &mut s,
        "eni-0a00000000000a001",
        "0a00000000000a0ff",
        "10.0.1.99",
        &["sg-0a00000000000a002"],
    );
    let e = ask(&s);
    let f = &e.fixes[0];
    assert!(f.verified, "{f:?}");
    assert_eq!(admits(f), "10.0.1.10/32");
    assert!(
        f.summary.contains("would also open 1 other flow"),
        "{}",
        f.summary
    );
    assert_eq!(e.after_fixes.as_ref().map(|a| a.also_opens), Some(0));

    // An instance that also carries sg-db: any rule in sg-db admits the
    // client to it too, and the blast radius names it.
    let mut s = base.clone();
    twin(
        &mut s,
        "eni-0a00000000000a001",
        "0a00000000000d0ff",
        "10.0.1.98",
        &["sg-0a00000000000d001"],
    );
    let e = ask(&s);
    let a = e.after_fixes.as_ref().expect("verified");
    assert_eq!(a.verdict, Verdict::Reachable);
    assert!(a.also_opens >= 1, "{a:?}");
    assert!(
        a.also_opens_flows
            .iter()
            .any(|f| f.contains("0a00000000000d0ff")),
        "{a:?}"
    );
}
