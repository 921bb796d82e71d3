//! `flowlogs` attribution agrees with `explain`: synthetic connections on
//! `netpath synth` worlds are turned into the flow log records AWS would
//! write for them, as `explain` says each packet fares (records at every
//! interface the packet passes, ACCEPT; a REJECT where `explain`'s first
//! blocking hop drops it; nothing after). Every REJECT must then be
//! attributed to exactly that hop, and no record may disagree.

use std::collections::BTreeMap;

use netpath_engine::{
    explain, Decision, ExplainOptions, FlowLogAnalysis, FlowLogOptions, HopKind, PathLeg, Topology,
    Verdict,
};
use netpath_model::flow_log::FlowLogFormat;
use netpath_model::{Direction, PortRange};
use netpath_synth::{connections, generate, perturb, RecordPoint, SynthParams};

/// Where a packet with this first blocking hop is dropped: the record
/// point that REJECTs it, or for a route, the last point it passes.
fn drop_point(path: PathLeg, kind: HopKind, dir: Option<Direction>) -> Option<(usize, bool)> {
    use RecordPoint::*;
    let idx = |p: RecordPoint| RecordPoint::ALL.iter().position(|x| *x == p).unwrap();
    Some(match (path, kind, dir) {
        (
            PathLeg::Forward,
            HopKind::SecurityGroup | HopKind::NetworkAcl,
            Some(Direction::Egress),
        ) => (idx(RequestOut), true),
        (
            PathLeg::Forward,
            HopKind::SecurityGroup | HopKind::NetworkAcl,
            Some(Direction::Ingress),
        ) => (idx(RequestIn), true),
        (PathLeg::Return, HopKind::NetworkAcl, Some(Direction::Egress)) => (idx(ReplyOut), true),
        (PathLeg::Return, HopKind::NetworkAcl, Some(Direction::Ingress)) => (idx(ReplyIn), true),
        // A route drops after the packet left the sender's interface.
        (PathLeg::Forward, HopKind::RouteTable, _) => (idx(RequestOut), false),
        (PathLeg::Return, HopKind::RouteTable, _) => (idx(ReplyOut), false),
        _ => return None,
    })
}

#[test]
fn attribution_agrees_with_explain_on_generated_records() {
    let mut total_rejects = 0;
    let mut kinds_seen = std::collections::BTreeSet::new();
    for seed in [1u64, 2, 3] {
        // Random NACL entry and group rule edits, so that network ACLs
        // drop some requests and replies too.
        let (snap, _) = perturb(
            &generate(&SynthParams {
                enis: 150,
                vpcs: 2,
                seed,
            }),
            60,
            seed,
        );
        let topo = Topology::new(&snap);
        let format = FlowLogFormat::default_v2();
        let mut analysis = FlowLogAnalysis::new(&topo, FlowLogOptions::default());
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        let mut rejects = 0u64;
        for c in connections(&snap, 400, 200, seed) {
            let opts = ExplainOptions {
                port: Some(c.port),
                ephemeral_ports: Some(PortRange::new(c.client_port, c.client_port)),
                ..ExplainOptions::default()
            };
            let Ok(e) = explain(&topo, &c.client_eni, &c.server_eni, &opts) else {
                continue;
            };
            let records: Vec<(RecordPoint, &str)> = match (e.verdict, &e.blocking) {
                (Verdict::Reachable, _) => {
                    RecordPoint::ALL.iter().map(|p| (*p, "ACCEPT")).collect()
                }
                (Verdict::Blocked, Some(b)) => {
                    // An undecided hop before the block: the packet's fate
                    // there is not known, so neither are its records.
                    let first = e.hops.iter().position(|h| h.decision == Decision::Deny);
                    if first.is_some_and(|i| {
                        e.hops[..i].iter().any(|h| h.decision == Decision::Unknown)
                    }) {
                        continue;
                    }
                    let Some((at, rejected)) = drop_point(b.path, b.kind, b.direction) else {
                        continue;
                    };
                    let mut v: Vec<(RecordPoint, &str)> = RecordPoint::ALL[..at]
                        .iter()
                        .map(|p| (*p, "ACCEPT"))
                        .collect();
                    v.push((
                        RecordPoint::ALL[at],
                        if rejected { "REJECT" } else { "ACCEPT" },
                    ));
                    if rejected {
                        kinds_seen.insert(format!("{:?} {:?} {:?}", b.path, b.kind, b.direction));
                        *want
                            .entry(format!(
                                "{:?} {:?} {} {:?}",
                                b.path, b.kind, b.component, b.direction
                            ))
                            .or_default() += 1;
                        rejects += 1;
                    }
                    v
                }
                _ => continue,
            };
            for (point, action) in records {
                let line = c.record(point, action);
                let r = format.record(&line).unwrap();
                analysis.add(&r, &line);
            }
        }
        let report = analysis.finish();
        assert_eq!(report.records.reject, rejects, "seed {seed}");
        assert_eq!(
            report.records.attributed, rejects,
            "seed {seed}: every REJECT is attributed: {:#?}",
            report.unknown
        );
        assert_eq!(
            report.records.undecided, 0,
            "seed {seed}: records of decided connections are decided: {:#?}",
            report.unknown
        );
        assert!(
            report.disagreements.is_empty(),
            "seed {seed}: {:#?}",
            report.disagreements
        );
        let got: BTreeMap<String, u64> = report
            .causes
            .iter()
            .map(|c| {
                let b = &c.blocking.blocking;
                (
                    format!(
                        "{:?} {:?} {} {:?}",
                        b.path, b.kind, b.component, b.direction
                    ),
                    c.records,
                )
            })
            .collect();
        assert_eq!(got, want, "seed {seed}");
        total_rejects += rejects;
    }
    assert!(
        total_rejects >= 50,
        "too few REJECTs to mean anything: {total_rejects}"
    );
    for kind in ["Forward SecurityGroup", "Return NetworkAcl"] {
        assert!(
            kinds_seen.iter().any(|k| k.starts_with(kind)),
            "no {kind} drop among {kinds_seen:?}"
        );
    }
}

/// The fix of a cause is applied to a copy of the snapshot and the flow
/// walked again; only a fix that works keeps its command.
#[test]
fn a_cause_fix_is_verified_on_a_copy_of_the_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/flowlogs/aws-docs-ping-nacl");
    let snap = netpath_model::load(&dir.join("aws")).unwrap().snapshot;
    let lines = std::fs::read_to_string(dir.join("records.log")).unwrap();
    let format = FlowLogFormat::default_v2();
    let run = |snap: &netpath_model::Snapshot| {
        let topo = Topology::new(snap);
        let mut a = FlowLogAnalysis::new(&topo, FlowLogOptions::default());
        for l in lines.lines() {
            a.add(&format.record(l).unwrap(), l);
        }
        a.finish()
    };
    let report = run(&snap);
    let fix = report.causes[0].fix.as_ref().expect("a fix");
    assert!(fix.verified, "{fix:?}");
    assert!(fix
        .command
        .as_deref()
        .unwrap()
        .starts_with("aws ec2 create-network-acl-entry"));

    // The same drop by an outbound entry numbered 1: no rule number is free
    // before it, so no entry can be added that works: no command.
    let mut blocked_first = snap.clone();
    for acl in blocked_first.network_acls.iter_mut().flatten() {
        for e in acl.entries.iter_mut().filter(|e| e.egress) {
            if e.rule_number == 100 {
                e.rule_number = 1;
                e.rule_action = netpath_model::RuleAction::Deny;
                e.protocol = netpath_model::IpProtocol::All;
                e.port_range = None;
            }
        }
    }
    let report = run(&blocked_first);
    let fix = report.causes[0].fix.as_ref().expect("advice");
    assert!(!fix.verified, "{fix:?}");
    assert_eq!(fix.command, None);
}
