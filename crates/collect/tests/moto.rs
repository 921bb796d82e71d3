//! The collector against a real AWS API emulator (moto's server mode), with
//! the real SDK, through a proxy that pages results, injects throttling and
//! server errors, and denies one operation. See `support/mod.rs`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use netpath_collect::{collect, CollectOptions, Progress, OPERATIONS};
use netpath_engine::{explain, ExplainOptions, Topology, Verdict};
use netpath_model::Snapshot;
use support::net::with_test_env;
use support::{build_world, moto, proxy, Faults, World};

fn options(endpoint: &str) -> CollectOptions {
    CollectOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(endpoint.into()),
        page_size: Some(5),
        initial_backoff: Duration::from_millis(20),
        call_timeout: Duration::from_secs(20),
        resolve_dns: false,
        ..CollectOptions::default()
    }
}

fn quiet() -> Arc<dyn Fn(Progress) + Send + Sync> {
    Arc::new(|_| {})
}

fn verdict(
    snap: &Snapshot,
    from: &str,
    to: &str,
    port: Option<u16>,
) -> netpath_engine::Explanation {
    let topo = Topology::new(snap);
    explain(
        &topo,
        from,
        to,
        &ExplainOptions {
            port,
            ..Default::default()
        },
    )
    .unwrap()
}

fn check_world(snap: &Snapshot, w: &World) {
    let find_sg = |id: &str| {
        snap.security_groups
            .iter()
            .flatten()
            .find(|g| g.group_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    let db_rule = &find_sg(&w.sg_db).ip_permissions;
    assert_eq!(db_rule.len(), 1);
    assert_eq!(db_rule[0].user_id_group_pairs[0].group_id, w.sg_app);
    assert!(
        snap.security_groups.as_ref().unwrap().len() >= w.bulk_groups + 4,
        "every page of groups was read"
    );
    assert!(
        snap.network_interfaces.as_ref().unwrap().len() >= w.bulk_enis + 3,
        "every page of ENIs was read"
    );
    let acl = snap
        .network_acls
        .iter()
        .flatten()
        .find(|a| a.network_acl_id == w.acl_db)
        .unwrap();
    let mut subnets = acl.associated_subnet_ids.clone();
    subnets.sort();
    let mut want = w.subnet_db.to_vec();
    want.sort();
    assert_eq!(subnets, want);
    let ingress: Vec<u16> = acl
        .entries
        .iter()
        .filter(|e| !e.egress)
        .map(|e| e.rule_number)
        .collect();
    assert!(
        ingress.contains(&100) && ingress.contains(&200),
        "{ingress:?}"
    );
    let rtb = snap
        .route_tables
        .iter()
        .flatten()
        .find(|r| r.route_table_id == w.rtb_app)
        .unwrap();
    assert!(rtb
        .associations
        .iter()
        .any(|a| a.subnet_id.as_deref() == Some(&w.subnet_app)));
    assert!(rtb
        .routes
        .iter()
        .any(|r| r.vpc_peering_connection_id.as_deref() == Some(&w.pcx)));
    assert!(snap
        .route_tables
        .iter()
        .flatten()
        .any(|r| r.vpc_id == w.vpc_data && r.associations.iter().any(|a| a.main)));
    let pcx = snap
        .vpc_peering_connections
        .iter()
        .flatten()
        .find(|p| p.vpc_peering_connection_id == w.pcx)
        .unwrap();
    assert_eq!(pcx.status_code, "active");
    let db = &snap.db_instances.as_ref().unwrap()[0];
    assert_eq!(db.db_instance_identifier, "prod-db");
    assert_eq!(db.endpoint.as_ref().unwrap().port, 5432);
    assert_eq!(db.vpc_security_group_ids, vec![w.sg_db.clone()]);
    let inst = snap
        .instances
        .iter()
        .flatten()
        .find(|i| i.instance_id == w.app_server)
        .unwrap();
    assert_eq!(inst.tags.get("Name"), Some("app-server"));
    assert_eq!(snap.metadata.source, "aws-sdk");
    assert_eq!(snap.metadata.regions, vec!["us-east-1".to_string()]);
    assert!(!snap.metadata.account_ids.is_empty());
    assert!(snap.metadata.collected_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_every_page_and_explain_answers_on_it() {
    with_test_env();
    let m = moto();
    let w = build_world(&m.url).await;
    let p = proxy(
        &m.url,
        Faults {
            paginate: true,
            ..Default::default()
        },
    );
    let snap = collect(&options(&p.url), quiet()).await.unwrap();
    check_world(&snap, &w);
    assert!(snap.metadata.gaps.is_empty(), "{:?}", snap.metadata.gaps);
    let mut called = snap.metadata.operations.clone();
    called.sort();
    let mut want: Vec<String> = OPERATIONS
        .iter()
        .filter(|o| **o != "ec2:DescribeRegions")
        .map(|s| s.to_string())
        .collect();
    want.sort();
    assert_eq!(called, want, "every operation is called and recorded");
    // Pagination really paged: 5 per page, 20+ groups and ENIs.
    let actions = p.actions();
    let n = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert!(n("ec2:DescribeSecurityGroups") >= 3, "{actions:?}");
    assert!(n("ec2:DescribeNetworkInterfaces") >= 3, "{actions:?}");

    // explain on the collected snapshot.
    let e = verdict(&snap, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked, "{e:#?}");
    assert_eq!(
        e.blocking.as_ref().unwrap().component,
        w.sg_db,
        "the sg-app-v2 drift"
    );
    let e = verdict(&snap, "app-old", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Partial, "{e:#?}");
    let b = e.blocking.as_ref().unwrap();
    assert_eq!(b.component, w.acl_db, "the Windows-only ephemeral rule");
    assert_eq!(b.blocked_ports[0].from, 32768);
    // The same path from a Windows instance: its ephemeral range is allowed.
    let e = verdict(&snap, "app-win", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");
    assert_eq!(e.client_os, "windows");
    let e = verdict(&snap, "app-server", "cache", Some(6379));
    assert_eq!(e.verdict, Verdict::Reachable, "across the peering: {e:#?}");
}

fn without_metadata(s: &Snapshot) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    v.as_object_mut().unwrap().remove("metadata");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_5xx_are_retried_and_a_denied_operation_is_a_gap() {
    with_test_env();
    let m = moto();
    build_world(&m.url).await;
    let clean = {
        let p = proxy(
            &m.url,
            Faults {
                paginate: true,
                ..Default::default()
            },
        );
        let s = collect(&options(&p.url), quiet()).await.unwrap();
        (s, p.actions().len())
    };
    let p = proxy(
        &m.url,
        Faults {
            first: 12,
            deny: Some("DescribeNatGateways".into()),
            paginate: true,
            ..Default::default()
        },
    );
    let snap = collect(&options(&p.url), quiet()).await.unwrap();
    // The denied operation is the only gap, named with its code.
    assert_eq!(snap.metadata.gaps.len(), 1, "{:?}", snap.metadata.gaps);
    let g = &snap.metadata.gaps[0];
    assert_eq!(g.operation, "ec2:DescribeNatGateways");
    assert_eq!(g.region.as_deref(), Some("us-east-1"));
    assert!(g.error.starts_with("UnauthorizedOperation"), "{}", g.error);
    assert!(
        snap.nat_gateways.is_none(),
        "no NAT data rather than an empty list"
    );
    // Nothing else was lost: every other collection equals the clean run's.
    let mut a = without_metadata(&snap);
    let mut b = without_metadata(&clean.0);
    a.as_object_mut().unwrap().remove("nat_gateways");
    b.as_object_mut().unwrap().remove("nat_gateways");
    assert_eq!(a, b);
    // The faults were answered and retried: 12 extra requests at least
    // (the denied call is not retried and does not count as a fault).
    assert!(
        p.actions().len() >= clean.1 + 12,
        "{} requests with faults, {} without",
        p.actions().len(),
        clean.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_makes_the_paths_that_need_it_unknown() {
    with_test_env();
    let m = moto();
    let w = build_world(&m.url).await;
    let p = proxy(
        &m.url,
        Faults {
            deny: Some("DescribeRouteTables".into()),
            ..Default::default()
        },
    );
    let snap = collect(&options(&p.url), quiet()).await.unwrap();
    assert_eq!(snap.metadata.gaps.len(), 1);
    let e = verdict(&snap, "app-server", "cache", Some(6379));
    assert_eq!(e.verdict, Verdict::Unknown, "{e:#?}");
    assert!(
        e.missing.iter().any(|m| m.contains("route tables")),
        "{:?}",
        e.missing
    );
    assert!(e
        .warnings
        .iter()
        .any(|w| w.contains("ec2:DescribeRouteTables failed in us-east-1")));
    // A certain block still wins over the unknown route: the drifted group
    // drops the request whatever the routes say.
    let e = verdict(&snap, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked, "{e:#?}");
    assert_eq!(e.blocking.as_ref().unwrap().component, w.sg_db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collector_only_reads() {
    with_test_env();
    let m = moto();
    build_world(&m.url).await;
    let p = proxy(
        &m.url,
        Faults {
            first: 3,
            paginate: true,
            ..Default::default()
        },
    );
    // --all-regions: DescribeRegions, then every region moto knows.
    let mut opts = options(&p.url);
    opts.all_regions = true;
    opts.regions.clear();
    opts.concurrency = 32;
    opts.page_size = None;
    let snap = collect(&opts, quiet()).await.unwrap();
    assert!(snap.metadata.regions.len() > 1);
    let actions = p.actions();
    assert!(!actions.is_empty());
    for a in &actions {
        let action = a.split(':').nth(1).unwrap();
        assert!(
            action.starts_with("Describe")
                || action.starts_with("Get")
                || action.starts_with("List")
                || action == "SearchTransitGatewayRoutes",
            "mutating call {a}"
        );
        assert!(
            OPERATIONS.contains(&a.as_str()),
            "{a} is not in OPERATIONS / the IAM policy"
        );
    }
}

/// A dual-stack VPC (an Amazon-provided IPv6 /56, a subnet with an IPv6 /64,
/// IPv6 NACL entries, an IPv6 security-group range and route): the snapshot
/// loads, and IPv4 questions on it are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dual_stack_vpc_loads_and_answers() {
    use aws_sdk_ec2::types as ec2t;
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.7.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap();
    let vpc_id = vpc.vpc_id.unwrap();
    let described = ec2.describe_vpcs().vpc_ids(&vpc_id).send().await.unwrap();
    let v6 = described.vpcs()[0].ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .expect("moto assigns an IPv6 /56")
        .to_string();
    let v6net: ipnet::Ipv6Net = v6.parse().unwrap();
    let sub6 = v6net.subnets(64).unwrap().next().unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.7.1.0/24")
        .ipv6_cidr_block(&sub6)
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    let acl = ec2
        .describe_network_acls()
        .filters(
            ec2t::Filter::builder()
                .name("vpc-id")
                .values(&vpc_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .network_acls()[0]
        .network_acl_id()
        .unwrap()
        .to_string();
    for egress in [false, true] {
        ec2.create_network_acl_entry()
            .network_acl_id(&acl)
            .rule_number(101)
            .egress(egress)
            .rule_action(ec2t::RuleAction::Allow)
            .protocol("-1")
            .ipv6_cidr_block("::/0")
            .send()
            .await
            .unwrap();
    }
    let group = |name: &'static str| support::create_group(&ec2, vpc_id.clone(), name);
    let sg_web = group("sg-web").await;
    let sg_client = group("sg-client").await;
    ec2.authorize_security_group_ingress()
        .group_id(&sg_web)
        .ip_permissions(
            ec2t::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ipv6_ranges(ec2t::Ipv6Range::builder().cidr_ipv6("::/0").build())
                .user_id_group_pairs(
                    ec2t::UserIdGroupPair::builder()
                        .group_id(&sg_client)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rtb = ec2
        .describe_route_tables()
        .filters(
            ec2t::Filter::builder()
                .name("vpc-id")
                .values(&vpc_id)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    let igw = support::net::internet_gateway(&ec2, &vpc_id).await;
    ec2.create_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let eigw = ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .egress_only_internet_gateway
        .unwrap()
        .egress_only_internet_gateway_id
        .unwrap();
    let run = |group: String, name: &'static str| {
        support::run_instance(&ec2, subnet.clone(), group, name, "ami-785db401")
    };
    run(sg_web.clone(), "web-6").await;
    run(sg_client.clone(), "client-6").await;

    // Through the proxy, which answers the Direct Connect calls moto lacks.
    let p = proxy(&m.url, Faults::default());
    let snap = collect(&options(&p.url), quiet()).await.unwrap();
    // The snapshot round-trips through its file format, as `netpath snapshot` writes it.
    let snap = Snapshot::from_json_bytes(
        std::path::Path::new("dual-stack.json"),
        snap.to_json().as_bytes(),
    )
    .expect("a dual-stack snapshot loads");
    let v = snap
        .vpcs
        .iter()
        .flatten()
        .find(|v| v.vpc_id == vpc_id)
        .unwrap();
    assert_eq!(v.ipv6_cidr_blocks, vec![v6net]);
    let a = snap
        .network_acls
        .iter()
        .flatten()
        .find(|a| a.network_acl_id == acl)
        .unwrap();
    assert!(
        a.entries.iter().any(|e| e.ipv6_cidr_block.is_some()),
        "{:?}",
        a.entries
    );
    // DescribeEgressOnlyInternetGateways is collected, with its attachment.
    let g = snap
        .egress_only_internet_gateways
        .iter()
        .flatten()
        .find(|g| g.egress_only_internet_gateway_id == eigw)
        .expect("the egress-only internet gateway is collected");
    assert!(g.attachments.iter().any(|a| a.vpc_id == vpc_id), "{g:?}");
    let e = verdict(&snap, "client-6", "web-6", Some(443));
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");
    let e = verdict(&snap, "client-6", "web-6", Some(22));
    assert_eq!(e.verdict, Verdict::Blocked, "{e:#?}");
    assert_eq!(e.blocking.as_ref().unwrap().component, sg_web);
}
