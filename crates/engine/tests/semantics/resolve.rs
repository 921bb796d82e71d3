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

/// Service DNS names from describe-vpc-endpoint-services: a name only an
/// endpoint with private DNS answers, asked where no such endpoint is, is
/// not placed anywhere; the error names the service and why.
/// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns>.
#[test]
fn service_dns_names_resolve_only_where_private_dns_answers() {
    let s = load("interface-endpoint-private-dns");
    let topo = Topology::new(&s);
    let err = |to: &str| {
        explain(&topo, "app-1", to, &ExplainOptions::default())
            .unwrap_err()
            .to_string()
    };
    let kms = err("kms.us-east-1.amazonaws.com");
    assert!(
        kms.contains("com.amazonaws.us-east-1.kms") && kms.contains("no VPC endpoint"),
        "{kms}"
    );
    let nb = err("nb1.notebook.us-east-1.sagemaker.aws");
    assert!(nb.contains("aws.sagemaker.us-east-1.notebook"), "{nb}");

    // Private DNS off: the public name is no longer the endpoint's.
    let mut off = s.clone();
    for e in off.vpc_endpoints.iter_mut().flatten() {
        e.private_dns_enabled = false;
    }
    let topo_off = Topology::new(&off);
    let msg = explain(
        &topo_off,
        "app-1",
        "ssm.us-east-1.amazonaws.com",
        &ExplainOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(msg.contains("private DNS off"), "{msg}");

    // The endpoint in another VPC: its private DNS does not answer here.
    let mut moved = s.clone();
    for e in moved.vpc_endpoints.iter_mut().flatten() {
        e.vpc_id = "vpc-0other".into();
    }
    let topo_moved = Topology::new(&moved);
    let msg = explain(
        &topo_moved,
        "app-1",
        "ssm.us-east-1.amazonaws.com",
        &ExplainOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        msg.contains("other VPCs") && msg.contains("vpc-0other"),
        "{msg}"
    );
    // ... while the service's own name still means the endpoint.
    let e = ask(&moved, "app-1", "com.amazonaws.us-east-1.ssm", Some(443));
    assert_eq!(e.destination.eni.as_deref(), Some("eni-0e500000000000e001"));
}
