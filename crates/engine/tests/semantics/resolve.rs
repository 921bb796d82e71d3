//! References: Name tags, ids, addresses; an ambiguous one fails and lists the candidates.

use super::*;

#[test]
fn ambiguous_name_tag_fails_and_lists_candidates() {
    let mut s = load("war-story-sg-drift");
    let mut twin = s.instances.as_ref().unwrap()[0].clone();
    twin.instance_id = "i-0twin".into();
    s.instances.as_mut().unwrap().push(twin);
    let topo = Topology::new(&s);
    let err = explain(&topo, "app-server", "prod-db", &ExplainOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("i-0a00000000000a001") && msg.contains("i-0twin"),
        "{msg}"
    );
}

#[test]
fn pasted_arns_and_ec2_dns_names_resolve_like_ids() {
    let s = load("war-story-sg-drift");
    let by_id = ask(&s, "i-0a00000000000a001", "prod-db", None);
    for pasted in [
        "arn:aws:ec2:us-east-1:111122223333:instance/i-0a00000000000a001",
        "arn:aws:ec2:us-east-1:111122223333:network-interface/eni-0a00000000000a001",
        "ip-10-0-1-10.ec2.internal",
        "ip-10-0-1-10.us-east-1.compute.internal",
        "i-0a00000000000a001.us-east-1.compute.internal",
    ] {
        let e = ask(&s, pasted, "prod-db", None);
        assert_eq!(e.source.reference, pasted);
        assert_eq!(e.source.eni, by_id.source.eni, "{pasted}");
        assert_eq!(e.verdict, by_id.verdict, "{pasted}");
        assert_eq!(e.blocking, by_id.blocking, "{pasted}");
    }
    let db = ask(
        &s,
        "app-server",
        "arn:aws:rds:us-east-1:111122223333:db:prod-db",
        None,
    );
    assert_eq!(
        db.destination.db_instance_identifier.as_deref(),
        Some("prod-db")
    );
    assert_eq!(db.port, 5432);
    let topo = Topology::new(&s);
    let lb =
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
    let err = explain(&topo, lb, "prod-db", &ExplainOptions::default()).unwrap_err();
    assert!(err.to_string().contains("load balancer"), "{err}");
}

#[test]
fn a_name_in_the_wrong_case_matches_with_a_note_and_a_typo_gets_did_you_mean() {
    let s = load("war-story-sg-drift");
    let e = ask(&s, "App-Server", "prod-db", None);
    assert_eq!(e.source.instance_id.as_deref(), Some("i-0a00000000000a001"));
    assert!(
        e.warnings.iter().any(|w| w.contains("only ignoring case")),
        "{:?}",
        e.warnings
    );
    let topo = Topology::new(&s);
    let err = explain(&topo, "app-srever", "prod-db", &ExplainOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("did you mean `app-server`"), "{msg}");
    let err = explain(&topo, "zzzzzz", "prod-db", &ExplainOptions::default()).unwrap_err();
    assert!(!err.to_string().contains("did you mean"), "{err}");
}

#[test]
fn an_ambiguous_name_lists_ten_candidates_and_the_total() {
    let mut s = load("war-story-sg-drift");
    let first = s.instances.as_ref().unwrap()[0].clone();
    for n in 0..300 {
        let mut twin = first.clone();
        twin.instance_id = format!("i-0twin{n:04}").into();
        s.instances.as_mut().unwrap().push(twin);
    }
    let topo = Topology::new(&s);
    let msg = explain(&topo, "app-server", "prod-db", &ExplainOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("matches 301 resources"), "{msg}");
    assert!(msg.contains("and 291 more"), "{msg}");
    assert!(msg.len() < 1000, "{} bytes: {msg}", msg.len());
}
