//! Services in the path collected live (issue 14): VPC endpoints and load
//! balancers built in moto with the SDK's create calls are read back by the
//! collector (`DescribeVpcEndpoints`; `DescribeLoadBalancers`,
//! `DescribeListeners`, `DescribeLoadBalancerAttributes`,
//! `DescribeTargetGroups`, `DescribeTargetHealth`), and the walk goes
//! through them.

mod support;

use aws_sdk_ec2::types as ec2t;
use netpath_engine::{HopKind, Verdict};
use support::moto;
use support::net::{ask, collect_all, spoke, subnet_b, with_test_env};

/// VPC endpoints (issue 14): an S3 gateway endpoint on a private subnet's
/// route table and an SSM interface endpoint, created with the SDK, are
/// read back by `DescribeVpcEndpoints`; the walk takes the prefix-list route
/// to the gateway endpoint, and reaches the interface endpoint's ENI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_endpoints_are_collected_and_walked() {
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let (vpc, sub, rtb) = spoke(&ec2, "10.90.0.0/16", "10.90.1.0/24").await;
    let sg_app = support::create_group(&ec2, vpc.clone(), "app").await;
    support::run_instance(&ec2, sub.clone(), sg_app, "ep-app", "ami-785db401").await;
    let s3 = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(ec2t::VpcEndpointType::Gateway)
        .service_name("com.amazonaws.us-east-1.s3")
        .route_table_ids(&rtb)
        .send()
        .await
        .unwrap()
        .vpc_endpoint
        .unwrap()
        .vpc_endpoint_id
        .unwrap();
    let ssm = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc)
        .vpc_endpoint_type(ec2t::VpcEndpointType::Interface)
        .service_name("com.amazonaws.us-east-1.ssm")
        .subnet_ids(&sub)
        .private_dns_enabled(true)
        .send()
        .await
        .unwrap()
        .vpc_endpoint
        .unwrap()
        .vpc_endpoint_id
        .unwrap();

    let snap = collect_all(&m.url).await;
    let endpoints = snap
        .vpc_endpoints
        .as_ref()
        .expect("DescribeVpcEndpoints was read");
    let gw = endpoints.iter().find(|e| e.vpc_endpoint_id == s3).unwrap();
    assert!(gw.is_gateway(), "{gw:?}");
    assert_eq!(gw.route_table_ids, vec![rtb.clone()]);
    let itf = endpoints.iter().find(|e| e.vpc_endpoint_id == ssm).unwrap();
    assert!(itf.is_interface() && itf.private_dns_enabled, "{itf:?}");
    assert!(snap
        .metadata
        .operations
        .iter()
        .any(|o| o == "ec2:DescribeVpcEndpoints"));

    // The route table carries the S3 prefix list's route to the endpoint,
    // and the walk takes it.
    let table = snap
        .route_tables
        .iter()
        .flatten()
        .find(|t| t.route_table_id == rtb)
        .unwrap();
    let route = table
        .routes
        .iter()
        .find(|r| r.gateway_id.as_deref() == Some(s3.as_str()))
        .expect("moto adds the prefix-list route");
    let pl = route.destination_prefix_list_id.clone().unwrap();
    let list = snap
        .prefix_lists
        .iter()
        .flatten()
        .find(|p| p.prefix_list_id == pl)
        .expect("the S3 prefix list is collected");
    let addr = match list.cidrs.as_ref().and_then(|c| c.first()) {
        Some(ipnet::IpNet::V4(n)) => n.network().to_string(),
        other => panic!("the S3 prefix list has IPv4 entries: {other:?}"),
    };
    let e = ask(&snap, "ep-app", &addr, 443);
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");
    let hop = e
        .hops
        .iter()
        .find(|h| h.kind == HopKind::VpcEndpoint)
        .expect("the walk passes the gateway endpoint");
    assert_eq!(hop.component, s3);
    let e = ask(&snap, "ep-app", "s3", 443);
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");

    // DescribeVpcEndpointServices: the services moto offers are read, with
    // their types and DNS names, and SSM's private DNS name means the
    // interface endpoint inside the VPC.
    let services = snap
        .vpc_endpoint_services
        .as_ref()
        .expect("DescribeVpcEndpointServices was read");
    let svc = services
        .iter()
        .find(|s| s.service_name == "com.amazonaws.us-east-1.ssm")
        .expect("moto lists SSM");
    assert!(
        svc.offers("Interface") && svc.service_id.starts_with("vpce-svc-"),
        "{svc:?}"
    );
    assert_eq!(svc.region.as_deref(), Some("us-east-1"));
    assert!(snap
        .metadata
        .operations
        .iter()
        .any(|o| o == "ec2:DescribeVpcEndpointServices"));
    let e = ask(&snap, "ep-app", &svc.service_id, 443);
    assert!(
        e.destination.eni.is_some()
            && e.hops
                .iter()
                .any(|h| h.kind == HopKind::VpcEndpoint && h.component == ssm),
        "{e:#?}"
    );
    if let Some(dns) = svc.private_dns_names.first() {
        let by_dns = ask(&snap, "ep-app", dns, 443);
        assert_eq!(by_dns.destination.eni, e.destination.eni, "{by_dns:#?}");
    }
}

/// Load balancers (issue 14): an internet-facing ALB with an HTTP 80
/// listener forwarding to an instance target on 8080, built with the SDK,
/// is read back with its listener, attributes, target group and target
/// health.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_balancer_is_collected() {
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&conf);
    let (vpc, sub_a, rtb) = spoke(&ec2, "10.91.0.0/16", "10.91.1.0/24").await;
    let sub_b = subnet_b(&ec2, &vpc, "10.91.2.0/24").await;
    let sg_alb = support::create_group(&ec2, vpc.clone(), "alb").await;
    let sg_web = support::create_group(&ec2, vpc.clone(), "web").await;
    support::run_instance(
        &ec2,
        sub_a.clone(),
        sg_web.clone(),
        "lb-web",
        "ami-785db401",
    )
    .await;
    let web = ec2
        .describe_instances()
        .filters(
            ec2t::Filter::builder()
                .name("tag:Name")
                .values("lb-web")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .reservations()[0]
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    let lb = elb
        .create_load_balancer()
        .name("web-alb")
        .subnets(&sub_a)
        .subnets(&sub_b)
        .security_groups(&sg_alb)
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::InternetFacing)
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Application)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let tg = elb
        .create_target_group()
        .name("web-tg")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    elb.register_targets()
        .target_group_arn(&tg)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(&web)
                .port(8080)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let listener_arn = elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                .target_group_arn(&tg)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners
        .unwrap()[0]
        .listener_arn
        .clone()
        .unwrap();
    // A listener rule: /old/* answers 404 itself (DescribeRules).
    elb.create_rule()
        .listener_arn(&listener_arn)
        .priority(10)
        .conditions(
            aws_sdk_elasticloadbalancingv2::types::RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(
                    aws_sdk_elasticloadbalancingv2::types::PathPatternConditionConfig::builder()
                        .values("/old/*")
                        .build(),
                )
                .build(),
        )
        .actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    aws_sdk_elasticloadbalancingv2::types::FixedResponseActionConfig::builder()
                        .status_code("404")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let snap = collect_all(&m.url).await;
    for op in [
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeRules",
    ] {
        assert!(snap.metadata.operations.iter().any(|o| o == op), "{op}");
    }
    let lbs = snap
        .load_balancers
        .as_ref()
        .expect("DescribeLoadBalancers was read");
    let alb = lbs.iter().find(|l| l.load_balancer_arn == lb).unwrap();
    assert!(
        alb.is_application() && alb.is_internet_facing() && alb.is_active(),
        "{alb:?}"
    );
    assert_eq!(alb.security_groups, vec![sg_alb.clone()]);
    assert_eq!(alb.availability_zones.len(), 2);
    let listener = snap
        .load_balancer_listeners
        .iter()
        .flatten()
        .find(|l| l.load_balancer_arn == lb)
        .expect("the listener is collected");
    assert_eq!((listener.port, listener.protocol.as_str()), (80, "HTTP"));
    assert_eq!(listener.default_actions[0].action_type, "forward");
    assert_eq!(
        listener.default_actions[0].target_group_arns,
        vec![tg.clone()]
    );
    // Its rules: the one created, tied to the listener by its ARN, and the
    // default rule that holds the default actions.
    let rules: Vec<_> = snap
        .load_balancer_rules
        .iter()
        .flatten()
        .filter(|r| r.listener_arn == listener_arn)
        .collect();
    let old = rules
        .iter()
        .find(|r| r.priority == "10")
        .unwrap_or_else(|| panic!("the rule is collected: {rules:?}"));
    assert_eq!(old.conditions[0].field, "path-pattern");
    assert_eq!(old.conditions[0].values, vec!["/old/*".to_string()]);
    assert_eq!(old.actions[0].action_type, "fixed-response");
    assert_eq!(old.actions[0].status_code.as_deref(), Some("404"));
    assert!(rules.iter().any(|r| r.is_default), "{rules:?}");
    assert!(snap
        .load_balancer_attributes
        .iter()
        .flatten()
        .any(|a| a.load_balancer_arn == lb && !a.attributes.is_empty()));
    let group = snap
        .target_groups
        .iter()
        .flatten()
        .find(|g| g.target_group_arn == tg)
        .unwrap();
    assert_eq!(
        (group.target_type.as_str(), group.port),
        ("instance", Some(8080))
    );
    // The target group's attributes (client IP preservation for an NLB).
    assert!(
        snap.target_group_attributes
            .iter()
            .flatten()
            .any(|a| a.target_group_arn == tg),
        "DescribeTargetGroupAttributes was read: {:?}",
        snap.target_group_attributes
    );
    let health = snap
        .target_health
        .iter()
        .flatten()
        .find(|h| h.target_group_arn == tg)
        .expect("DescribeTargetHealth was read");
    assert_eq!(health.targets.len(), 1);
    assert_eq!(
        (health.targets[0].id.as_str(), health.targets[0].port),
        (web.as_str(), Some(8080))
    );
    // moto creates no network interfaces for a load balancer's nodes, so
    // the walk cannot place it: explain says so, naming the load balancer,
    // and never answers (fixtures cover the walk itself).
    let err = netpath_engine::explain(
        &netpath_engine::Topology::new(&snap),
        "internet",
        "web-alb",
        &netpath_engine::ExplainOptions {
            port: Some(80),
            ..Default::default()
        },
    )
    .expect_err("no node ENI in moto");
    assert!(
        err.to_string().contains("web-alb has no network interface"),
        "{err}"
    );

    // What AWS does and moto does not: a node ENI per subnet, described
    // `ELB app/NAME/ID`, with the ALB's group and (internet-facing) a
    // public address. With them, an internet gateway route, the ALB's
    // group open on 80 and the target's group open to the ALB's on 8080,
    // `exposure` lists the target behind the ALB, though it has no public
    // address of its own.
    alb_nodes(&ec2, &lb, &[&sub_a, &sub_b], &sg_alb).await;
    open_to_internet(&ec2, &vpc, &rtb).await;
    allow(
        &ec2,
        &sg_alb,
        80,
        ec2t::IpRange::builder().cidr_ip("0.0.0.0/0").build(),
        None,
    )
    .await;
    let from_alb = ec2t::UserIdGroupPair::builder().group_id(&sg_alb).build();
    allow(&ec2, &sg_web, 8080, None, Some(from_alb)).await;
    let snap = collect_all(&m.url).await;
    let exposure = netpath_engine::reach(
        &netpath_engine::Topology::new(&snap),
        &netpath_engine::ReachQuery::Exposure,
        &netpath_engine::ReachOptions::default(),
    )
    .unwrap();
    let through = exposure
        .load_balancers
        .iter()
        .find(|l| l.load_balancer_arn == lb && l.port == 80)
        .unwrap_or_else(|| panic!("exposure lists web-alb's listener: {exposure:#?}"));
    assert_eq!(through.verdict, Verdict::Reachable, "{through:#?}");
    assert!(
        through
            .exposed_targets
            .iter()
            .any(|t| t.contains(&web) && t.contains("8080")),
        "{through:#?}"
    );
    // A request to /old/* is answered by the ALB itself; the rest reach
    // web-1: both pass, so the answer is certain.
    let e = ask(&snap, "internet", "web-alb", 80);
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");
}

/// Creates what AWS creates for load balancer `lb_arn` and moto does not:
/// in each of `subnets` a node ENI described `ELB <tail of the ARN>`, in
/// group `sg`, with an Elastic IP (the nodes of an internet-facing one have
/// public addresses).
async fn alb_nodes(ec2: &aws_sdk_ec2::Client, lb_arn: &str, subnets: &[&String], sg: &str) {
    let tail = lb_arn.split_once(":loadbalancer/").unwrap().1;
    for s in subnets {
        let eni = ec2
            .create_network_interface()
            .subnet_id(*s)
            .groups(sg)
            .description(format!("ELB {tail}"))
            .send()
            .await
            .unwrap()
            .network_interface
            .unwrap()
            .network_interface_id
            .unwrap();
        let eip = ec2
            .allocate_address()
            .domain(ec2t::DomainType::Vpc)
            .send()
            .await
            .unwrap()
            .allocation_id
            .unwrap();
        ec2.associate_address()
            .allocation_id(eip)
            .network_interface_id(eni)
            .send()
            .await
            .unwrap();
    }
}

/// An internet gateway on `vpc`, and the default route to it in `rtb`.
async fn open_to_internet(ec2: &aws_sdk_ec2::Client, vpc: &str, rtb: &str) {
    let igw = support::net::internet_gateway(ec2, vpc).await;
    ec2.create_route()
        .route_table_id(rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
}

/// Opens TCP `port` of group `sg` to `cidr` or to group pair `group`.
async fn allow(
    ec2: &aws_sdk_ec2::Client,
    sg: &str,
    port: i32,
    cidr: impl Into<Option<ec2t::IpRange>>,
    group: Option<ec2t::UserIdGroupPair>,
) {
    let perm = ec2t::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .set_ip_ranges(cidr.into().map(|c| vec![c]))
        .set_user_id_group_pairs(group.map(|g| vec![g]));
    ec2.authorize_security_group_ingress()
        .group_id(sg)
        .ip_permissions(perm.build())
        .send()
        .await
        .unwrap();
}
