//! Properties of the evaluator's algebra, on random synthetic accounts
//! (proptest picks the account's seed and the edit):
//!
//! - a security-group union is monotone: adding a rule never blocks a flow;
//! - NACL evaluation does not depend on the order entries appear in the file
//!   (only on rule numbers);
//! - a flow between two ENIs of one subnet never consults a NACL;
//! - removing a route never opens a flow.
//!
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>
//! (allow-only, union), <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>
//! (ascending rule number), <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>
//! (NACLs filter traffic entering and leaving a subnet),
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>.

use netpath_engine::{explain, Decision, ExplainOptions, HopKind, Topology, Verdict};
use netpath_model::{IpPermission, IpProtocol, Snapshot};
use netpath_synth::{generate, SynthParams};
use proptest::prelude::*;

fn world(seed: u64) -> Snapshot {
    generate(&SynthParams {
        enis: 60,
        vpcs: 2,
        seed,
    })
}

/// Flows to check: pairs among the first instances and every DB, on a few ports.
fn flows(s: &Snapshot) -> Vec<(String, String, u16)> {
    let inst: Vec<String> = s
        .instances
        .iter()
        .flatten()
        .take(8)
        .map(|i| i.instance_id.to_string())
        .collect();
    let mut dests = inst.clone();
    dests.extend(
        s.db_instances
            .iter()
            .flatten()
            .map(|d| d.db_instance_identifier.clone()),
    );
    let mut out = Vec::new();
    for a in &inst {
        for b in &dests {
            if a != b {
                for port in [22u16, 443, 5432, 8080] {
                    out.push((a.clone(), b.clone(), port));
                }
            }
        }
    }
    out
}

fn verdicts(s: &Snapshot, flows: &[(String, String, u16)]) -> Vec<Verdict> {
    let topo = Topology::new(s);
    flows
        .iter()
        .map(|(a, b, port)| {
            explain(
                &topo,
                a,
                b,
                &ExplainOptions {
                    port: Some(*port),
                    ..ExplainOptions::default()
                },
            )
            .expect("explain")
            .verdict
        })
        .collect()
}

/// Blocked < partial < reachable; unknown has no rank.
fn rank(v: Verdict) -> Option<u8> {
    match v {
        Verdict::Blocked => Some(0),
        Verdict::Partial => Some(1),
        Verdict::Reachable => Some(2),
        Verdict::Unknown => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_security_group_rule_never_blocks_a_flow(
        seed in 0u64..10_000,
        group in any::<prop::sample::Index>(),
        egress in any::<bool>(),
        from in 0u16..65535,
        width in 0u16..2000,
        cidr in prop::sample::select(vec!["10.0.0.0/16", "10.1.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "10.0.3.0/24"]),
        all_traffic in any::<bool>(),
    ) {
        let before = world(seed);
        let f = flows(&before);
        let mut after = before.clone();
        let groups = after.security_groups.as_mut().unwrap();
        let g = group.index(groups.len());
        let rule = IpPermission {
            ip_protocol: if all_traffic { IpProtocol::All } else { IpProtocol::Tcp },
            from_port: (!all_traffic).then_some(i32::from(from)),
            to_port: (!all_traffic).then_some(i32::from(from.saturating_add(width))),
            ip_ranges: vec![cidr.parse().unwrap()],
            ipv6_ranges: Vec::new(),
            prefix_list_ids: Vec::new(),
            user_id_group_pairs: Vec::new(),
        };
        if egress {
            groups[g].ip_permissions_egress.push(rule);
        } else {
            groups[g].ip_permissions.push(rule);
        }
        let (vb, va) = (verdicts(&before, &f), verdicts(&after, &f));
        for ((flow, b), a) in f.iter().zip(&vb).zip(&va) {
            if let (Some(rb), Some(ra)) = (rank(*b), rank(*a)) {
                prop_assert!(ra >= rb, "{flow:?}: {b:?} became {a:?} after adding a rule");
            }
        }
    }

    #[test]
    fn nacl_evaluation_ignores_the_order_of_entries_in_the_file(seed in 0u64..10_000, shuffle in any::<u64>()) {
        let before = world(seed);
        let f = flows(&before);
        let mut after = before.clone();
        let mut x = shuffle | 1;
        for acl in after.network_acls.iter_mut().flatten() {
            // A deterministic permutation from the proptest value.
            let n = acl.entries.len();
            for i in (1..n).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                acl.entries.swap(i, (x % (i as u64 + 1)) as usize);
            }
        }
        let (tb, ta) = (Topology::new(&before), Topology::new(&after));
        for (a, b, port) in &f {
            let o = ExplainOptions { port: Some(*port), ..ExplainOptions::default() };
            let (eb, ea) = (explain(&tb, a, b, &o).unwrap(), explain(&ta, a, b, &o).unwrap());
            prop_assert_eq!(eb.verdict, ea.verdict);
            prop_assert_eq!(eb.blocking, ea.blocking);
        }
    }

    #[test]
    fn a_flow_inside_one_subnet_never_consults_a_nacl(seed in 0u64..10_000) {
        let s = world(seed);
        let topo = Topology::new(&s);
        let enis: Vec<_> = s.network_interfaces.iter().flatten().collect();
        let mut checked = 0;
        for a in &enis {
            for b in enis.iter().filter(|b| b.subnet_id == a.subnet_id && b.network_interface_id != a.network_interface_id).take(3) {
                let e = explain(&topo, &a.network_interface_id, &b.network_interface_id,
                    &ExplainOptions { port: Some(443), ..ExplainOptions::default() }).unwrap();
                for h in e.hops.iter().filter(|h| h.kind == HopKind::NetworkAcl) {
                    prop_assert_eq!(h.decision, Decision::NotApplicable, "{:?}", h);
                }
                checked += 1;
            }
        }
        prop_assert!(checked > 0);
    }

    #[test]
    fn removing_a_route_never_opens_a_flow(seed in 0u64..10_000, table in any::<prop::sample::Index>(), route in any::<prop::sample::Index>()) {
        let before = world(seed);
        let f = flows(&before);
        let mut after = before.clone();
        let tables = after.route_tables.as_mut().unwrap();
        let t = table.index(tables.len());
        if !tables[t].routes.is_empty() {
            let r = route.index(tables[t].routes.len());
            tables[t].routes.remove(r);
        }
        let (vb, va) = (verdicts(&before, &f), verdicts(&after, &f));
        for ((flow, b), a) in f.iter().zip(&vb).zip(&va) {
            if let (Some(rb), Some(ra)) = (rank(*b), rank(*a)) {
                prop_assert!(ra <= rb, "{flow:?}: {b:?} became {a:?} after removing a route");
            }
        }
    }
}
