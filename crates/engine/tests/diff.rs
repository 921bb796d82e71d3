//! `diff` against brute force: on small synthetic worlds with random edits,
//! the equivalence-class diff must report exactly the flows whose answer a
//! pair-by-pair `explain` says changed, with the same verdicts on both
//! sides. Plus unit checks of the edit summary.

use std::collections::BTreeSet;

use netpath_engine::{compare, EditChange};
use netpath_engine::{diff, explain, DiffOptions, ExplainOptions, Topology, Verdict};
use netpath_engine::{ChangeKind, FlowChange, IpVersion};
use netpath_model::{IpProtocol, Snapshot};
use netpath_synth::{dual_stack, generate, perturb, SynthParams};

/// The ends brute force walks in family `fam`: every instance (by id) and
/// DB (by identifier) with an address of the family in both snapshots.
fn ends(snaps: [&Snapshot; 2], fam: IpVersion) -> Vec<String> {
    let s = snaps[0];
    let has = |id: &str| {
        snaps.iter().all(|x| {
            x.network_interfaces
                .iter()
                .flatten()
                .any(|e| e.network_interface_id == id && fam.eni_address(e).is_some())
        })
    };
    let mut v: Vec<String> = s
        .instances
        .iter()
        .flatten()
        .filter(|i| i.network_interface_ids.first().is_some_and(|e| has(e)))
        .map(|i| i.instance_id.to_string())
        .collect();
    let topo = Topology::new(s);
    v.extend(
        s.db_instances
            .iter()
            .flatten()
            .filter(|d| {
                topo.db_network_interfaces(d)
                    .iter()
                    .any(|e| has(&e.network_interface_id))
            })
            .map(|d| d.db_instance_identifier.clone()),
    );
    v
}

/// Ports to sample for a destination: both ends of every TCP ingress range
/// of its groups in either snapshot (a DB: its endpoint port).
fn sample_ports(snaps: [&Snapshot; 2], dst: &str) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    for s in snaps {
        if let Some(db) = s
            .db_instances
            .iter()
            .flatten()
            .find(|d| d.db_instance_identifier == dst)
        {
            out.extend(db.endpoint.as_ref().map(|e| e.port));
            continue;
        }
        let Some(inst) = s.instances.iter().flatten().find(|i| i.instance_id == dst) else {
            continue;
        };
        let eni = s
            .network_interfaces
            .iter()
            .flatten()
            .find(|e| inst.network_interface_ids.contains(&e.network_interface_id))
            .unwrap();
        for g in s
            .security_groups
            .iter()
            .flatten()
            .filter(|g| eni.groups.iter().any(|x| x == g.group_id))
        {
            for p in g
                .ip_permissions
                .iter()
                .filter(|p| p.ip_protocol == IpProtocol::Tcp)
            {
                out.insert(p.from_port.unwrap() as u16);
                out.insert(p.to_port.unwrap() as u16);
            }
        }
    }
    out
}

type Key = (Verdict, Option<String>);

fn answer(topo: &Topology, from: &str, to: &str, port: u16, fam: IpVersion) -> Key {
    let opts = ExplainOptions {
        protocol: Some(IpProtocol::Tcp),
        port: Some(port),
        ipv6: fam.is_v6(),
        ..Default::default()
    };
    let e = explain(topo, from, to, &opts).unwrap();
    (e.verdict, e.blocking.map(|b| b.component))
}

fn covering<'a>(
    changes: &'a [FlowChange],
    from: &str,
    to: &str,
    port: u16,
    fam: IpVersion,
) -> Option<&'a FlowChange> {
    changes.iter().find(|c| {
        c.ip_version == fam
            && c.protocol == "tcp"
            && c.ports.contains(port)
            && c.from.iter().any(|f| f == from)
            && c.to.iter().any(|t| t == to)
    })
}

/// Random edits to a (dual-stack, when `dual`) world; every flow of both
/// families whose `explain` answer changed must be reported, with both
/// verdicts.
fn check_world(seed: u64, dual: bool) -> usize {
    let mut before = generate(&SynthParams {
        enis: 30,
        vpcs: 2,
        seed,
    });
    if dual {
        dual_stack(&mut before, seed);
    }
    let (mut after, _) = perturb(&before, 6, seed + 100);
    if dual {
        ipv6_edits(&mut after);
    }
    // Also move one instance's ENI to another group and stop another
    // instance: both change the ENI's equivalence class.
    {
        let groups: Vec<String> = after
            .security_groups
            .iter()
            .flatten()
            .filter(|g| {
                g.vpc_id.as_deref() == Some(&after.network_interfaces.as_ref().unwrap()[0].vpc_id)
            })
            .map(|g| g.group_id.clone())
            .collect();
        let enis = after.network_interfaces.as_mut().unwrap();
        let e = enis.iter_mut().find(|e| e.attachment.is_some()).unwrap();
        e.groups = vec![groups.last().unwrap().as_str().into()];
        let insts = after.instances.as_mut().unwrap();
        let last = insts.len() - 1;
        insts[last].state = "stopped".into();
    }
    let (tb, ta) = (Topology::new(&before), Topology::new(&after));
    let d = diff(&tb, &ta, &DiffOptions::default()).unwrap();

    let mut checked = 0;
    let mut problems = Vec::new();
    let families: &[IpVersion] = if dual {
        &IpVersion::BOTH
    } else {
        &[IpVersion::Ipv4]
    };
    for &fam in families {
        let all = ends([&before, &after], fam);
        for src in all.iter().filter(|s| s.starts_with("i-")) {
            for dst in &all {
                if src == dst {
                    continue;
                }
                for port in sample_ports([&before, &after], dst) {
                    checked += 1;
                    let (b, a) = (
                        answer(&tb, src, dst, port, fam),
                        answer(&ta, src, dst, port, fam),
                    );
                    let cover = covering(&d.changes, src, dst, port, fam);
                    match (b != a, cover) {
                    (true, None) => problems.push(format!(
                        "seed {seed}: {src} -> {dst} tcp/{port} over {fam} changed {b:?} -> {a:?} but diff does not report it"
                    )),
                    (_, Some(c)) => {
                        if c.before.verdict != Some(b.0) || c.after.verdict != Some(a.0) {
                            problems.push(format!(
                                "seed {seed}: {src} -> {dst} tcp/{port} over {fam}: diff says {:?} -> {:?}, explain says {b:?} -> {a:?}",
                                c.before.verdict, c.after.verdict
                            ));
                        }
                    }
                    (false, None) => {}
                }
                }
            }
        }
    }
    assert!(checked > 100, "seed {seed}: only {checked} flows sampled");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The edits do change something in these worlds.
    assert!(!d.edits.is_empty());
    d.changes
        .iter()
        .filter(|c| c.ip_version == IpVersion::Ipv6)
        .count()
}

/// IPv6-only edits: one rule's IPv6 ranges dropped, one IPv6 NACL entry
/// flipped, one IPv6 route deleted.
fn ipv6_edits(s: &mut Snapshot) {
    if let Some(p) = s
        .security_groups
        .iter_mut()
        .flatten()
        .flat_map(|g| g.ip_permissions.iter_mut())
        .find(|p| !p.ipv6_ranges.is_empty())
    {
        p.ipv6_ranges.clear();
    }
    if let Some(e) = s
        .network_acls
        .iter_mut()
        .flatten()
        .flat_map(|a| a.entries.iter_mut())
        .find(|e| e.ipv6_cidr_block.is_some() && e.rule_number < 32767)
    {
        e.rule_action = match e.rule_action {
            netpath_model::RuleAction::Allow => netpath_model::RuleAction::Deny,
            netpath_model::RuleAction::Deny => netpath_model::RuleAction::Allow,
        };
    }
    if let Some(rt) = s.route_tables.iter_mut().flatten().find(|r| {
        r.routes.iter().any(|x| {
            x.destination_ipv6_cidr_block
                .is_some_and(|c| c.prefix_len() < 56)
        })
    }) {
        rt.routes.retain(|x| {
            x.destination_ipv6_cidr_block
                .is_none_or(|c| c.prefix_len() >= 56)
        });
    }
}

#[test]
fn class_diff_agrees_with_pairwise_explain() {
    for seed in [1, 2, 3] {
        check_world(seed, false);
    }
}

#[test]
fn class_diff_agrees_with_pairwise_explain_over_ipv4_and_ipv6() {
    let v6: usize = [1, 4, 6].into_iter().map(|s| check_world(s, true)).sum();
    assert!(v6 > 0, "no IPv6 flow changed in any world");
}

#[test]
fn identical_snapshots_have_no_edits_and_no_changes() {
    let s = generate(&SynthParams {
        enis: 60,
        vpcs: 3,
        seed: 9,
    });
    let t = Topology::new(&s);
    let d = diff(&t, &t, &DiffOptions::default()).unwrap();
    assert!(d.edits.is_empty());
    assert!(d.changes.is_empty());
    assert_eq!(d.summary.pairs_walked, 0, "nothing touched: nothing walked");
    assert!(d.summary.flows_compared > 0);
}

#[test]
fn edits_name_rules_entries_routes_and_associations() {
    let before = generate(&SynthParams {
        enis: 40,
        vpcs: 2,
        seed: 5,
    });
    let mut after = before.clone();
    // Remove one ingress rule, flip one NACL entry, blackhole one route,
    // move one subnet's route-table association, delete a peering.
    let sg = after
        .security_groups
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|g| !g.ip_permissions.is_empty())
        .unwrap();
    sg.ip_permissions.remove(0);
    let sg_id = sg.group_id.clone();
    let acl = after
        .network_acls
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|a| !a.is_default)
        .unwrap();
    let e = acl
        .entries
        .iter_mut()
        .find(|e| e.rule_number != 32767)
        .unwrap();
    e.rule_action = match e.rule_action {
        netpath_model::RuleAction::Allow => netpath_model::RuleAction::Deny,
        netpath_model::RuleAction::Deny => netpath_model::RuleAction::Allow,
    };
    let acl_id = acl.network_acl_id.clone();
    let rts = after.route_tables.as_mut().unwrap();
    let (moved_subnet, from_rt) = {
        let rt = rts
            .iter_mut()
            .find(|r| r.associations.iter().any(|a| a.subnet_id.is_some()))
            .unwrap();
        let i = rt
            .associations
            .iter()
            .position(|a| a.subnet_id.is_some())
            .unwrap();
        let a = rt.associations.remove(i);
        (a.subnet_id.unwrap(), rt.route_table_id.clone())
    };
    let pcx = after.vpc_peering_connections.as_mut().unwrap();
    pcx[0].status_code = "deleted".into();
    let pcx_id = pcx[0].vpc_peering_connection_id.clone();

    let edits = compare(&before, &after);
    let has = |ty: &str, id: &str, ch: EditChange| {
        edits
            .iter()
            .any(|e| e.resource_type == ty && e.resource_id == id && e.change == ch)
    };
    assert!(
        has("security-group-rule", &sg_id, EditChange::Removed),
        "{edits:#?}"
    );
    assert!(
        has("network-acl-entry", &acl_id, EditChange::Modified),
        "{edits:#?}"
    );
    assert!(
        has(
            "route-table-association",
            &moved_subnet,
            EditChange::Modified
        ),
        "{edits:#?}"
    );
    let assoc = edits
        .iter()
        .find(|e| e.resource_type == "route-table-association")
        .unwrap();
    assert_eq!(assoc.before.as_deref(), Some(from_rt.as_str()));
    assert!(
        has("vpc-peering-connection", &pcx_id, EditChange::Modified),
        "{edits:#?}"
    );
    assert_eq!(edits.len(), 4, "{edits:#?}");
}

#[test]
fn broken_and_opened_are_classified_by_verdict() {
    let before = generate(&SynthParams {
        enis: 30,
        vpcs: 1,
        seed: 11,
    });
    // Remove every ingress rule of every group: whatever was reachable breaks,
    // and nothing opens.
    let mut after = before.clone();
    for g in after.security_groups.as_mut().unwrap() {
        g.ip_permissions.clear();
    }
    let (tb, ta) = (Topology::new(&before), Topology::new(&after));
    let d = diff(&tb, &ta, &DiffOptions::default()).unwrap();
    assert!(d.summary.broken > 0);
    assert_eq!(d.summary.opened, 0);
    for c in &d.changes {
        assert_ne!(c.change, ChangeKind::Opened);
        assert_eq!(c.after.verdict, Some(Verdict::Blocked), "{c:#?}");
        assert!(
            !c.caused_by.is_empty(),
            "every change names its cause: {c:#?}"
        );
    }
    // And the reverse diff opens exactly what was broken.
    let r = diff(&ta, &tb, &DiffOptions::default()).unwrap();
    assert_eq!(r.summary.opened, d.summary.broken);
    assert_eq!(r.summary.broken, 0);
}

/// `changes_only` (the blast radius's diff) drops the ends no
/// security-group rule edit can act on: the changes it reports are exactly
/// those of the full diff, on worlds whose only edits are group rules.
#[test]
fn a_diff_of_rule_edits_scoped_to_their_ends_reports_the_same_changes() {
    let mut scoped_worlds = 0;
    for seed in 0..12u64 {
        let before = generate(&SynthParams {
            enis: 60,
            vpcs: 3,
            seed,
        });
        let (perturbed, _) = perturb(&before, 6, seed + 100);
        // Only the groups' rules change.
        let mut after = before.clone();
        after.security_groups = perturbed.security_groups.clone();
        let (tb, ta) = (Topology::new(&before), Topology::new(&after));
        let full = diff(&tb, &ta, &DiffOptions::default()).unwrap();
        let scoped = diff(
            &tb,
            &ta,
            &DiffOptions {
                changes_only: true,
                ..DiffOptions::default()
            },
        )
        .unwrap();
        if full
            .edits
            .iter()
            .all(|e| e.resource_type == "security-group-rule")
        {
            scoped_worlds += 1;
            assert!(
                scoped.summary.flows_compared <= full.summary.flows_compared,
                "seed {seed}"
            );
        }
        assert_eq!(scoped.changes, full.changes, "seed {seed}");
    }
    assert!(scoped_worlds > 0, "no world had only rule edits");
}
