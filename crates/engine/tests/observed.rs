//! `--observed`: one test per row of the reconciliation table
//! (`src/observed.rs`, docs/semantics.md "The host itself"), on real
//! fixture answers.

use std::path::Path;

use netpath_engine::*;
use netpath_model::host::HostFacts;

fn ask(fixture: &str, from: &str, to: &str, port: Option<u16>, facts: bool) -> Explanation {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(fixture);
    let snap = netpath_model::load(&root.join("aws")).unwrap().snapshot;
    let host_facts: Vec<HostFacts> = if facts {
        std::fs::read_dir(root.join("host-facts"))
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                HostFacts::from_json("f", &std::fs::read_to_string(p).unwrap()).unwrap()
            })
            .collect()
    } else {
        Vec::new()
    };
    let topo = Topology::new(&snap);
    explain(
        &topo,
        from,
        to,
        &ExplainOptions {
            port,
            host_facts,
            ..Default::default()
        },
    )
    .unwrap()
}

fn saw(e: &Explanation, what: &str) -> Reconciliation {
    let ctx = ReconcileContext {
        snapshot_age: Some("3 days".into()),
    };
    reconcile(e, &what.parse().unwrap(), &ctx)
}

#[test]
fn the_words_users_paste_are_understood() {
    assert_eq!(
        "Connection refused".parse::<Observed>(),
        Ok(Observed::Refused)
    );
    assert_eq!(
        "connect: Connection timed out".parse::<Observed>(),
        Ok(Observed::Timeout)
    );
    assert_eq!(
        "No route to host".parse::<Observed>(),
        Ok(Observed::Unreachable)
    );
    assert_eq!(
        "connection reset by peer".parse::<Observed>(),
        Ok(Observed::Reset)
    );
    assert!(matches!(
        "FATAL: no pg_hba.conf entry for host \"10.0.1.10\"".parse::<Observed>(),
        Ok(Observed::ServerError(_))
    ));
    let err = "banana".parse::<Observed>().unwrap_err();
    assert!(err.contains("refused, timeout"), "{err}");
}

#[test]
fn predicted_connects_seen_refused_is_the_host() {
    let e = ask(
        "host-last-hop",
        "app-server",
        "pg-server",
        Some(5432),
        false,
    );
    assert_eq!(e.symptom, Symptom::Connects);
    let r = saw(&e, "refused");
    assert!(!r.agrees);
    assert!(r.finding.contains("comes from the host"), "{}", r.finding);
    let all = r.checks.join("\n");
    for what in [
        "ss -ltnp",
        "127.0.0.1",
        "REJECT",
        "netpath host-facts",
        "stale DNS",
    ] {
        assert!(all.contains(what), "{what} missing from {all}");
    }
}

#[test]
fn predicted_connects_seen_timeout_is_a_drop_or_a_stale_snapshot() {
    let e = ask("host-last-hop", "app-server", "web-server", Some(80), false);
    let r = saw(&e, "timeout");
    assert!(!r.agrees);
    let all = r.checks.join("\n");
    assert!(all.contains("DROP"), "{all}");
    assert!(all.contains("3 days old"), "{all}");
    assert!(all.contains("proxy") && all.contains("DNS"), "{all}");
}

#[test]
fn predicted_timeout_seen_refused_is_never_blamed_on_a_security_group() {
    let e = ask("war-story-sg-drift", "app-server", "prod-db", None, false);
    assert_eq!(e.symptom, Symptom::Timeout);
    let r = saw(&e, "connection refused");
    assert!(!r.agrees);
    assert!(r.finding.contains("never refuses"), "{}", r.finding);
    assert!(
        r.checks.iter().any(|c| c.contains("localhost")),
        "{:?}",
        r.checks
    );
}

#[test]
fn a_server_error_means_the_network_path_works() {
    let e = ask("host-last-hop", "app-server", "web-server", Some(80), true);
    assert_eq!(e.verdict, Verdict::Reachable);
    let r = saw(&e, "FATAL: no pg_hba.conf entry for host");
    assert!(r.agrees);
    assert!(
        r.finding.contains("the network path works"),
        "{}",
        r.finding
    );
    assert!(r.checks[0].contains("pg_hba.conf"), "{:?}", r.checks);
    // Predicted blocked, yet the server answered: the snapshot or the client is off.
    let blocked = ask("war-story-sg-drift", "app-server", "prod-db", None, false);
    let r = saw(&blocked, "password authentication failed for user app");
    assert!(!r.agrees);
    assert!(
        r.checks.iter().any(|c| c.contains("3 days old")),
        "{:?}",
        r.checks
    );
}

#[test]
fn agreement_names_the_blocking_hop() {
    let e = ask(
        "host-last-hop",
        "app-server",
        "web-server",
        Some(8080),
        true,
    );
    let r = saw(&e, "refused");
    assert!(r.agrees);
    assert!(r.finding.contains("line 11"), "{}", r.finding);
    let e = ask("host-last-hop", "ops-box", "web-server", Some(5000), true);
    assert!(saw(&e, "no route to host").agrees);
    let e = ask(
        "host-last-hop",
        "app-server",
        "web-server",
        Some(9000),
        true,
    );
    assert!(saw(&e, "timed out").agrees);
}

#[test]
fn predicted_refused_seen_timeout_suspects_a_drop_or_a_stale_snapshot() {
    let e = ask("host-last-hop", "app-server", "pg-server", Some(5432), true);
    assert_eq!(e.symptom, Symptom::Refused);
    let r = saw(&e, "timeout");
    assert!(!r.agrees);
    assert!(
        r.checks.iter().any(|c| c.contains("DROP")),
        "{:?}",
        r.checks
    );
}

#[test]
fn a_timeout_behind_an_open_path_names_the_stale_address_the_snapshot_saw() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/nacl-windows-range-linux-client/aws");
    let mut snap = netpath_model::load(&root).unwrap().snapshot;
    let ep = snap.db_instances.as_mut().unwrap()[0]
        .endpoint
        .as_mut()
        .unwrap();
    // After a failover the name points elsewhere than the ENI in the snapshot.
    ep.resolved_addresses = vec![std::net::Ipv4Addr::new(10, 0, 3, 99)];
    let topo = Topology::new(&snap);
    let e = explain(
        &topo,
        "app-server",
        "prod-db",
        &ExplainOptions {
            client_os: Some(ClientOs::Windows),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.symptom, Symptom::Connects, "{:?}", e.blocking);
    let r = saw(&e, "timeout");
    assert!(
        r.checks.iter().any(|c| c.contains("10.0.3.99")),
        "{:?}",
        r.checks
    );
}
