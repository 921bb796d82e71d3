//! Ground truth for `netpath flowlogs`: real TCP connections in the lab,
//! the flow log records that what the kernel saw implies (the nftables
//! sets each packet's five-tuple went to: which rule dropped which packet,
//! `netpath_lab::flow_log`), and `flowlogs`' attribution of every REJECT
//! among them, which must name the very rule whose set holds the packet.
//! Covered: a network ACL dropping the reply on the client's ephemeral port (the stateless return case), a numbered NACL
//! deny on the way in, a security group dropping the request on the way in,
//! and one dropping it on the way out; then the same over random worlds.

mod common;

use std::time::Duration;

use common::{lab_available, workspace};
use netpath_engine::{FlowLogAnalysis, FlowLogOptions, HopKind, Topology};
use netpath_lab::{random, Ask, Dropper, Lab, LabRecord};
use netpath_model::flow_log::FlowLogFormat;
use netpath_model::{Direction, Snapshot};

const TIMEOUT: Duration = Duration::from_millis(250);
const APP: &str = "eni-0a00000000000a001";
const DB: &str = "eni-0a00000000000d001";

fn fixture(name: &str) -> Snapshot {
    netpath_model::load(&workspace().join("fixtures").join(name).join("aws"))
        .unwrap()
        .snapshot
}

/// Attributes `records` with `flowlogs`, and checks that every REJECT
/// among them is tied to the rule whose set the kernel added it to. Returns how many
/// REJECTs were checked.
fn check(where_: &str, snap: &Snapshot, records: &[LabRecord]) -> usize {
    let topo = Topology::new(snap);
    let format = FlowLogFormat::default_v2();
    let mut checked = 0;
    for (i, rec) in records.iter().enumerate() {
        let Some(dropper) = &rec.dropped_by else {
            continue;
        };
        // The record with the records before it on its connection (the
        // accepted request a rejected reply answers).
        let mut a = FlowLogAnalysis::new(&topo, FlowLogOptions::default());
        for r in &records[..=i] {
            a.add(&format.record(&r.line).unwrap(), &r.line);
        }
        let report = a.finish();
        assert!(
            report.disagreements.is_empty(),
            "{where_}: {}: the snapshot disagrees with the kernel: {:#?}",
            rec.line,
            report.disagreements
        );
        let cause = report
            .causes
            .iter()
            .find(|c| {
                c.flows.iter().any(|f| {
                    rec.line.contains(&format!(" {} {} ", f.srcaddr, f.dstaddr))
                        && f.interface_id == rec.eni
                })
            })
            .unwrap_or_else(|| {
                panic!(
                    "{where_}: {} (dropped by {dropper:?}) is not attributed: {report:#?}",
                    rec.line
                )
            });
        let b = &cause.blocking.blocking;
        match dropper {
            Dropper::SecurityGroup { eni, direction } => {
                assert_eq!(
                    b.kind,
                    HopKind::SecurityGroup,
                    "{where_}: {}: {b:?}",
                    rec.line
                );
                assert_eq!(b.direction, Some(*direction), "{where_}: {}", rec.line);
                assert_eq!(&rec.eni, eni, "{where_}");
            }
            Dropper::NetworkAcl {
                acl,
                direction,
                rule,
                ..
            } => {
                assert_eq!(b.kind, HopKind::NetworkAcl, "{where_}: {}: {b:?}", rec.line);
                assert_eq!(&b.component, acl, "{where_}: {}", rec.line);
                assert_eq!(b.direction, Some(*direction), "{where_}: {}", rec.line);
                // The kernel's `*` is the catch-all entry (32767).
                let got = b.rule_number.filter(|n| *n < 32767);
                assert_eq!(got, *rule, "{where_}: {}: rule number", rec.line);
            }
        }
        checked += 1;
    }
    checked
}

fn probe(snap: &Snapshot, client: &str, server: &str, port: u16, sport: u16) -> Vec<LabRecord> {
    let mut lab = Lab::build(snap).expect("build the lab");
    lab.listen(server, port).unwrap();
    let (_, records) = lab
        .flow_log_records(client, server, sport, port, TIMEOUT)
        .unwrap();
    records
}

#[test]
fn flowlogs_names_the_rule_the_kernel_dropped_with() {
    if !lab_available() {
        return;
    }
    // 1. The DB subnet's ACL lets 5432 in but only 80/443 out: the request
    //    is accepted, the SYN-ACK rejected leaving the DB's subnet.
    let snap = fixture("nacl-ephemeral-return");
    let recs = probe(&snap, APP, DB, 5432, 40001);
    let reply_out = recs
        .iter()
        .find(|r| r.eni == DB && r.action == "REJECT")
        .unwrap_or_else(|| panic!("the reply is rejected at the DB's ENI: {recs:#?}"));
    assert!(matches!(
        &reply_out.dropped_by,
        Some(Dropper::NetworkAcl {
            direction: Direction::Egress,
            rule: None,
            ..
        })
    ));
    assert!(
        recs.iter().any(|r| r.eni == DB && r.action == "ACCEPT"),
        "{recs:#?}"
    );
    assert_eq!(check("nacl-ephemeral-return", &snap, &recs), 1);

    // 2. A numbered deny on the way in (rule 50, before the allow).
    let mut snap2 = snap.clone();
    for acl in snap2.network_acls.iter_mut().flatten() {
        if acl.network_acl_id == "acl-0a00000000000000d1" {
            let mut e = acl
                .entries
                .iter()
                .find(|e| !e.egress && e.rule_number == 100)
                .unwrap()
                .clone();
            e.rule_number = 50;
            e.rule_action = netpath_model::RuleAction::Deny;
            acl.entries.push(e);
        }
    }
    let recs = probe(&snap2, APP, DB, 5432, 40002);
    assert!(
        recs.iter().any(|r| matches!(
            &r.dropped_by,
            Some(Dropper::NetworkAcl {
                direction: Direction::Ingress,
                rule: Some(50),
                ..
            })
        )),
        "{recs:#?}"
    );
    assert_eq!(check("nacl-numbered-deny", &snap2, &recs), 1);

    // 3. The DB's group admits sg-app, the app now carries sg-app-v2.
    let snap3 = fixture("war-story-sg-drift");
    let recs = probe(&snap3, APP, DB, 5432, 40003);
    assert!(
        recs.iter().any(|r| matches!(
            &r.dropped_by,
            Some(Dropper::SecurityGroup {
                direction: Direction::Ingress,
                ..
            })
        )),
        "{recs:#?}"
    );
    assert_eq!(check("war-story-sg-drift", &snap3, &recs), 1);

    // 4. The app's group lets nothing out.
    let mut snap4 = snap.clone();
    for g in snap4.security_groups.iter_mut().flatten() {
        if g.group_id == "sg-0a00000000000a002" {
            g.ip_permissions_egress.clear();
        }
    }
    let recs = probe(&snap4, APP, DB, 5432, 40004);
    assert_eq!(recs.len(), 1, "only the rejected request: {recs:#?}");
    assert!(matches!(
        &recs[0].dropped_by,
        Some(Dropper::SecurityGroup {
            direction: Direction::Egress,
            ..
        })
    ));
    assert_eq!(check("sg-egress", &snap4, &recs), 1);
}

#[test]
fn random_worlds_flowlogs_agree_with_the_kernel() {
    if !lab_available() {
        return;
    }
    let worlds: u64 = std::env::var("NETPATH_LAB_FLOWLOG_WORLDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut rejects = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..worlds {
        let world = random::world(seed);
        let snap = &world.snapshot;
        let mut lab = Lab::build(snap).expect("build the lab");
        if lab.incomplete().is_some() || !lab.unsupported().is_empty() {
            continue;
        }
        let eni_of = |iid: &str| {
            snap.network_interfaces
                .iter()
                .flatten()
                .find(|e| e.attachment.as_ref().and_then(|a| a.instance_id.as_deref()) == Some(iid))
                .map(|e| e.network_interface_id.clone())
        };
        for (k, (from, to, ask)) in world.flows.iter().enumerate() {
            let Ask::Tcp(Some(port)) = ask else { continue };
            let (Some(c), Some(s)) = (eni_of(from), eni_of(to)) else {
                continue;
            };
            if c == s || !lab.eni(&c).is_some_and(|e| e.up) || !lab.eni(&s).is_some_and(|e| e.up) {
                continue;
            }
            lab.listen(&s, *port).unwrap();
            // Above the service port and at the top of the range, so that
            // the ports alone tell the request from the reply in the
            // default format (the lower port is the service's).
            let base = u32::from(*port).max(60_999) + 1 + (seed as u32 % 40) * 100 + k as u32 % 100;
            let Ok(sport) = u16::try_from(base) else {
                continue;
            };
            let (_, recs) = lab.flow_log_records(&c, &s, sport, *port, TIMEOUT).unwrap();
            for r in recs.iter().filter_map(|r| r.dropped_by.as_ref()) {
                kinds.insert(match r {
                    Dropper::SecurityGroup { direction, .. } => format!("sg {direction:?}"),
                    Dropper::NetworkAcl { direction, .. } => format!("nacl {direction:?}"),
                });
            }
            rejects += check(&format!("world {seed}: {c} -> {s}:{port}"), snap, &recs);
        }
    }
    eprintln!("{rejects} kernel REJECTs attributed over {worlds} worlds: {kinds:?}");
    if worlds >= 20 {
        assert_eq!(
            kinds.len(),
            4,
            "every kind of drop (SG and NACL, in and out) is met in 20 worlds: {kinds:?}"
        );
    }
}
