//! `reach` and `exposure` against brute force: on synthetic worlds of about
//! 500 ENIs, every (source, destination, port) answer the class-based
//! `reach` implies must equal what `explain` says for that one flow. A flow
//! `reach` does not list must be blocked; a listed one must have exactly the
//! listed verdict (so partial and unknown are never rounded to reachable).

use std::collections::{BTreeMap, BTreeSet};

use netpath_engine::{
    explain, reach, ExplainOptions, IpVersion, ReachOptions, ReachQuery, Topology, Verdict,
};
use netpath_engine::{PortAccess, Reach};
use netpath_model::{IpProtocol, PortRange, Snapshot};
use netpath_synth::{dual_stack, generate, SynthParams};

const V4: IpVersion = IpVersion::Ipv4;
const V6: IpVersion = IpVersion::Ipv6;

fn world(seed: u64) -> Snapshot {
    generate(&SynthParams {
        enis: 500,
        vpcs: 3,
        seed,
    })
}

/// The same world with IPv6 added ([`dual_stack`]).
fn dual_world(seed: u64) -> Snapshot {
    let mut s = world(seed);
    dual_stack(&mut s, seed);
    s
}

/// True when the ENI `id` has an address of family `v`.
fn has_address(s: &Snapshot, id: &str, v: IpVersion) -> bool {
    s.network_interfaces
        .iter()
        .flatten()
        .find(|e| e.network_interface_id == id)
        .is_some_and(|e| v.eni_address(e).is_some())
}

/// The far ends brute force walks in family `v`, as `reach` names them:
/// instances (by id, for their primary ENI; a terminated one has none)
/// whose primary ENI has an address of the family.
fn instances(s: &Snapshot, v: IpVersion) -> Vec<String> {
    s.instances
        .iter()
        .flatten()
        .filter(|i| !i.is_terminated())
        .filter(|i| {
            !v.is_v6()
                || i.network_interface_ids
                    .first()
                    .is_some_and(|e| has_address(s, e, v))
        })
        .map(|i| i.instance_id.to_string())
        .collect()
}

/// DB instances (by identifier) with an ENI that has an address of family `v`.
fn dbs(s: &Snapshot, v: IpVersion) -> Vec<String> {
    let topo = Topology::new(s);
    s.db_instances
        .iter()
        .flatten()
        .filter(|d| {
            !v.is_v6()
                || topo
                    .db_network_interfaces(d)
                    .iter()
                    .any(|e| v.eni_address(e).is_some())
        })
        .map(|d| d.db_instance_identifier.clone())
        .collect()
}

/// Every port where an answer may change inside `range`: both ends of every
/// port range a rule or NACL entry names, clipped to `range`, plus the
/// range's own ends.
fn sample(s: &Snapshot, range: PortRange) -> BTreeSet<u16> {
    let mut out = BTreeSet::from([range.from, range.to]);
    let mut add = |a: u16, b: u16| {
        for p in [a.saturating_sub(1), a, b, b.saturating_add(1)] {
            if range.contains(p) {
                out.insert(p);
            }
        }
    };
    for g in s.security_groups.iter().flatten() {
        for p in g.ip_permissions.iter().chain(&g.ip_permissions_egress) {
            if let (Some(a), Some(b)) = (p.from_port, p.to_port) {
                if a >= 0 && b >= 0 {
                    add(a as u16, b as u16);
                }
            }
        }
    }
    for acl in s.network_acls.iter().flatten() {
        for e in &acl.entries {
            if let Some(r) = e.port_range {
                add(r.from, r.to);
            }
        }
    }
    out
}

/// What `reach` says of (member, protocol, port) in family `v`: the listed
/// verdict, or blocked when not listed.
fn implied(r: &Reach, v: IpVersion) -> BTreeMap<String, Vec<PortAccess>> {
    let mut out: BTreeMap<String, Vec<PortAccess>> = BTreeMap::new();
    // Direct paths: entries through a load balancer in front of the
    // destination answer another question (`crates/cli/tests/reach.rs`).
    for e in r
        .entries
        .iter()
        .filter(|e| e.ip_version == v && e.through.is_none())
    {
        for m in &e.members {
            out.entry(m.clone())
                .or_default()
                .extend(e.access.iter().cloned());
        }
    }
    out
}

fn verdict_at(access: Option<&Vec<PortAccess>>, proto: IpProtocol, port: u16) -> Verdict {
    access
        .into_iter()
        .flatten()
        .find(|a| a.protocol == proto.to_string() && a.ports.contains(port))
        .map_or(Verdict::Blocked, |a| a.verdict)
}

#[allow(clippy::too_many_arguments)]
fn check(
    topo: &Topology,
    from: &str,
    to: &str,
    proto: IpProtocol,
    port: u16,
    want: Verdict,
    v: IpVersion,
    tally: &mut BTreeMap<String, usize>,
) {
    let opts = ExplainOptions {
        protocol: Some(proto),
        port: Some(port),
        ipv6: v.is_v6(),
        ..ExplainOptions::default()
    };
    let got = explain(topo, from, to, &opts)
        .unwrap_or_else(|e| panic!("explain {from} -> {to}: {e}"))
        .verdict;
    assert_eq!(
        got, want,
        "{from} -> {to} {proto} {port} over {v}: explain says {got:?}, reach implies {want:?}"
    );
    *tally.entry(format!("{got:?}")).or_default() += 1;
}

#[test]
fn reach_to_agrees_with_explain_on_every_flow() {
    // IPv4 on an IPv4 world and on a dual-stack one, and IPv6.
    for (seed, dual, v) in [
        (3, false, V4),
        (11, true, V4),
        (11, true, V6),
        (3, true, V6),
    ] {
        let snap = if dual { dual_world(seed) } else { world(seed) };
        let topo = Topology::new(&snap);
        let sources = instances(&snap, v);
        let mut tally = BTreeMap::new();
        // Every DB on its endpoint port, and a spread of instances on every
        // port their groups open.
        let mut targets: Vec<String> = dbs(&snap, v);
        targets.extend(instances(&snap, v).into_iter().step_by(37));
        for to in &targets {
            let r = reach(&topo, &ReachQuery::To(to.clone()), &ReachOptions::default()).unwrap();
            let got = implied(&r, v);
            // The ports reach considered for this destination.
            let ranges: BTreeSet<(String, PortRange)> = r
                .entries
                .iter()
                .flat_map(|e| e.access.iter().map(|a| (a.protocol.clone(), a.ports)))
                .collect();
            let db_port = snap
                .db_instances
                .iter()
                .flatten()
                .find(|d| &d.db_instance_identifier == to)
                .and_then(|d| d.endpoint.as_ref().map(|e| e.port));
            let mut ports: BTreeSet<u16> = BTreeSet::new();
            match db_port {
                Some(p) => {
                    ports.insert(p);
                }
                None => {
                    for (_, r) in &ranges {
                        ports.extend(sample(&snap, *r));
                    }
                    ports.extend([22, 443, 8080]);
                }
            }
            for from in &sources {
                if from == to {
                    continue;
                }
                for &port in &ports {
                    let want = verdict_at(got.get(from), IpProtocol::Tcp, port);
                    // Ports outside every range reach looked at are only
                    // claimed blocked when reach was asked about them.
                    if db_port.is_none()
                        && !ranges.iter().any(|(p, r)| p == "tcp" && r.contains(port))
                        && want == Verdict::Blocked
                    {
                        continue;
                    }
                    check(&topo, from, to, IpProtocol::Tcp, port, want, v, &mut tally);
                }
            }
            // Internet as a source.
            for &port in &ports {
                let want = verdict_at(got.get("internet"), IpProtocol::Tcp, port);
                if db_port.is_none() && want == Verdict::Blocked {
                    continue;
                }
                check(
                    &topo,
                    "internet",
                    to,
                    IpProtocol::Tcp,
                    port,
                    want,
                    v,
                    &mut tally,
                );
            }
        }
        eprintln!("seed {seed} over {v}: reach --to checked {tally:?}");
        assert!(
            tally.get("Reachable").copied().unwrap_or(0) > 50,
            "{tally:?}"
        );
        assert!(tally.get("Blocked").copied().unwrap_or(0) > 50, "{tally:?}");
    }
}

#[test]
fn reach_to_with_a_port_lists_exactly_the_sources_explain_admits() {
    for (dual, v) in [(false, V4), (true, V6)] {
        let snap = if dual { dual_world(5) } else { world(5) };
        let topo = Topology::new(&snap);
        let mut tally = BTreeMap::new();
        for to in instances(&snap, v).into_iter().step_by(53) {
            for port in [22u16, 443, 5432, 9050] {
                let opts = ReachOptions {
                    port: Some(port),
                    protocol: Some(IpProtocol::Tcp),
                    ip_version: None,
                    assume_appliance_allows: false,
                };
                let r = reach(&topo, &ReachQuery::To(to.clone()), &opts).unwrap();
                let got = implied(&r, v);
                for from in instances(&snap, v) {
                    if from != to {
                        let want = verdict_at(got.get(&from), IpProtocol::Tcp, port);
                        check(
                            &topo,
                            &from,
                            &to,
                            IpProtocol::Tcp,
                            port,
                            want,
                            v,
                            &mut tally,
                        );
                    }
                }
                // Counts add up to every source considered.
                let s = &r.summary;
                assert_eq!(
                    s.reachable + s.partial + s.unknown + s.blocked,
                    s.considered
                );
            }
        }
        eprintln!("reach --to --port checked {tally:?}");
        assert!(
            tally.get("Reachable").copied().unwrap_or(0) > 20,
            "{tally:?}"
        );
    }
}

#[test]
fn reach_from_agrees_with_explain_on_every_flow() {
    for (dual, v) in [(false, V4), (true, V6)] {
        let snap = if dual { dual_world(7) } else { world(7) };
        let topo = Topology::new(&snap);
        let mut tally = BTreeMap::new();
        let mut dests = instances(&snap, v);
        dests.extend(dbs(&snap, v));
        for from in instances(&snap, v).into_iter().step_by(41) {
            let r = reach(
                &topo,
                &ReachQuery::From(from.clone()),
                &ReachOptions::default(),
            )
            .unwrap();
            let got = implied(&r, v);
            for to in &dests {
                if *to == from {
                    continue;
                }
                // Every port the destination's entry lists, at its ends and cuts.
                for a in got.get(to).into_iter().flatten() {
                    let proto = if a.protocol == "tcp" {
                        IpProtocol::Tcp
                    } else {
                        IpProtocol::Udp
                    };
                    for port in sample(&snap, a.ports) {
                        let want = verdict_at(got.get(to), proto, port);
                        check(&topo, &from, to, proto, port, want, v, &mut tally);
                    }
                }
                // And the common service ports, which must be blocked when not listed.
                for port in [22u16, 443, 5432, 6379, 8080] {
                    let want = verdict_at(got.get(to), IpProtocol::Tcp, port);
                    check(&topo, &from, to, IpProtocol::Tcp, port, want, v, &mut tally);
                }
            }
        }
        eprintln!("reach --from over {v} checked {tally:?}");
        assert!(
            tally.get("Reachable").copied().unwrap_or(0) > 50,
            "{tally:?}"
        );
        assert!(tally.get("Blocked").copied().unwrap_or(0) > 50, "{tally:?}");
    }
}

#[test]
fn exposure_agrees_with_explain_on_every_public_end() {
    for (seed, dual, v) in [
        (3, false, V4),
        (13, false, V4),
        (3, true, V6),
        (7, true, V6),
    ] {
        let snap = if dual { dual_world(seed) } else { world(seed) };
        let topo = Topology::new(&snap);
        let r = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).unwrap();
        let got = implied(&r, v);
        let mut tally = BTreeMap::new();
        let mut ends = instances(&snap, v);
        ends.extend(dbs(&snap, v));
        for to in &ends {
            for port in [22u16, 80, 443, 3306, 5432, 6379, 8080, 9050] {
                let want = verdict_at(got.get(to), IpProtocol::Tcp, port);
                check(
                    &topo,
                    "internet",
                    to,
                    IpProtocol::Tcp,
                    port,
                    want,
                    v,
                    &mut tally,
                );
            }
        }
        eprintln!("seed {seed} over {v}: exposure checked {tally:?}");
        assert!(
            tally.get("Reachable").copied().unwrap_or(0) > 5,
            "{tally:?}"
        );
        for e in &r.entries {
            for a in &e.access {
                if a.verdict == Verdict::Reachable {
                    assert!(
                        a.internet_gateway
                            .as_deref()
                            .is_some_and(|g| g.starts_with("igw-")),
                        "{} reachable from the internet without a gateway named",
                        e.summary
                    );
                }
            }
        }
    }
}

/// Every fixture (and each with a collection gap injected, which makes the
/// NACL layer unknown): `reach --to` each instance and DB, and `exposure`,
/// agree with `explain` for every source, including partial and unknown
/// answers.
#[test]
fn reach_agrees_with_explain_on_every_fixture_with_partial_and_unknown() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let mut tally = BTreeMap::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path().join("aws"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "fixtures not found under {}",
        root.display()
    );
    for dir in dirs {
        let base = netpath_model::load(&dir).unwrap().snapshot;
        let mut gapped = base.clone();
        gapped.metadata.gaps.push(netpath_model::Gap {
            account_id: None,
            operation: "ec2:DescribeNetworkAcls".into(),
            region: None,
            error: "AccessDenied".into(),
            resource: None,
        });
        for (snap, v) in [
            (base.clone(), V4),
            (gapped.clone(), V4),
            (base, V6),
            (gapped, V6),
        ] {
            let topo = Topology::new(&snap);
            let mut ends = instances(&snap, v);
            ends.extend(dbs(&snap, v));
            let mut sources = instances(&snap, v);
            sources.push("internet".into());
            for to in &ends {
                let r = match reach(&topo, &ReachQuery::To(to.clone()), &ReachOptions::default()) {
                    Ok(r) => r,
                    Err(e) => panic!("{}: reach --to {to}: {e}", dir.display()),
                };
                let got = implied(&r, v);
                let ranges: Vec<(String, PortRange)> = r
                    .entries
                    .iter()
                    .flat_map(|e| e.access.iter().map(|a| (a.protocol.clone(), a.ports)))
                    .collect();
                for from in &sources {
                    if from == to {
                        continue;
                    }
                    for (proto, range) in &ranges {
                        let proto = if proto == "tcp" {
                            IpProtocol::Tcp
                        } else {
                            IpProtocol::Udp
                        };
                        for port in [range.from, range.to] {
                            let want = verdict_at(got.get(from), proto, port);
                            check(&topo, from, to, proto, port, want, v, &mut tally);
                        }
                    }
                }
            }
            let r = reach(&topo, &ReachQuery::Exposure, &ReachOptions::default()).unwrap();
            let got = implied(&r, v);
            for (to, access) in &got {
                for a in access {
                    let want = verdict_at(Some(access), IpProtocol::Tcp, a.ports.from);
                    check(
                        &topo,
                        "internet",
                        to,
                        IpProtocol::Tcp,
                        a.ports.from,
                        want,
                        v,
                        &mut tally,
                    );
                }
            }
        }
    }
    eprintln!("fixtures: checked {tally:?}");
    for v in ["Reachable", "Partial", "Unknown"] {
        assert!(
            tally.get(v).copied().unwrap_or(0) > 0,
            "no {v} answer checked: {tally:?}"
        );
    }
}
