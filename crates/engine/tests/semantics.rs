//! Per-layer semantics on real inputs: a fixture snapshot, edited in memory to
//! isolate one AWS rule at a time.

use std::net::Ipv4Addr;
use std::path::Path;

use netpath_engine::addr::AddrSet;
use netpath_engine::network_acl;
use netpath_engine::route_table;
use netpath_engine::security_group::{self, SgDirection, SgPeer};
use netpath_engine::*;
use netpath_model::*;
use proptest::prelude::*;

fn load(name: &str) -> Snapshot {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
        .join("aws");
    netpath_model::load(&p).unwrap().snapshot
}

fn ask(s: &Snapshot, from: &str, to: &str, port: Option<u16>) -> Explanation {
    let topo = Topology::new(s);
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

fn acl_entry(
    n: u16,
    egress: bool,
    action: RuleAction,
    cidr: &str,
    proto: IpProtocol,
    ports: Option<(u16, u16)>,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: n,
        egress,
        protocol: proto,
        rule_action: action,
        cidr_block: Some(cidr.parse().unwrap()),
        ipv6_cidr_block: None,
        port_range: ports.map(|(a, b)| PortRange::new(a, b)),
    }
}

#[test]
fn war_story_blocks_at_the_db_group_and_fix_uses_the_new_app_group() {
    let s = load("war-story-sg-drift");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.port, 5432, "port defaults to the DB endpoint port");
    let b = e.blocking.unwrap();
    assert_eq!(
        (b.kind, b.component.as_str(), b.code),
        (
            HopKind::SecurityGroup,
            "sg-0a00000000000d001",
            "ENI_SG_RULES_MISMATCH"
        )
    );
    assert_eq!(e.symptom, Symptom::Timeout);
    let cmd = e.fixes[0].command.as_deref().unwrap();
    assert!(
        cmd.contains("--group-id sg-0a00000000000d001")
            && cmd.contains("GroupId=sg-0a00000000000a002"),
        "{cmd}"
    );
    assert!(!cmd.contains("0.0.0.0/0"));
}

#[test]
fn security_groups_are_a_union_and_adding_a_rule_never_blocks() {
    let mut s = load("war-story-sg-drift");
    // Add sg-app-v2 to the DB group: now allowed.
    let db_sg = s
        .security_groups
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g.group_id == "sg-0a00000000000d001")
        .unwrap();
    db_sg.ip_permissions[0]
        .user_id_group_pairs
        .push(UserIdGroupPair {
            group_id: "sg-0a00000000000a002".into(),
            user_id: None,
            vpc_id: None,
            vpc_peering_connection_id: None,
            peering_status: None,
        });
    assert_eq!(
        ask(&s, "app-server", "prod-db", None).verdict,
        Verdict::Reachable
    );
}

#[test]
fn group_reference_matches_private_ips_only() {
    let s = load("war-story-sg-drift");
    let topo = Topology::new(&s);
    let groups = vec!["sg-0a00000000000d001".to_string()];
    let member = vec!["sg-0a00000000000a001".to_string()];
    let private = AddrSet::single(Ipv4Addr::new(10, 0, 1, 10));
    let public = AddrSet::single(Ipv4Addr::new(203, 0, 113, 9));
    let ev = |addr: &AddrSet, peer_groups: &[String]| {
        security_group::evaluate(
            &topo,
            &groups,
            None,
            SgDirection::Ingress,
            &SgPeer {
                addr,
                groups: peer_groups,
                vpc_id: Some("vpc-0a1b2c3d4e5f60001"),
            },
            IpProtocol::Tcp,
            5432,
        )
        .decision
    };
    assert_eq!(ev(&private, &member), Decision::Allow);
    // The same ENI seen by its public address (no group context) does not match.
    assert_eq!(ev(&public, &[]), Decision::Deny);
}

#[test]
fn missing_group_definition_is_unknown_never_reachable() {
    let mut s = load("war-story-sg-drift");
    s.security_groups
        .as_mut()
        .unwrap()
        .retain(|g| g.group_id != "sg-0a00000000000d001");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(
        e.missing.iter().any(|m| m.contains("sg-0a00000000000d001")),
        "{:?}",
        e.missing
    );
}

#[test]
fn definite_block_beats_unknown() {
    let mut s = load("stopped-db");
    s.route_tables = None; // routing now unknown, but the stopped DB still blocks for certain
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert!(e.hops.iter().any(|h| h.decision == Decision::Unknown));
    assert_eq!(
        e.fixes[0].command.as_deref(),
        Some("aws rds start-db-instance --db-instance-identifier prod-db")
    );
}

#[test]
fn no_nacl_data_is_unknown() {
    let mut s = load("nacl-ephemeral-return");
    s.network_acls = None;
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(e.missing.iter().any(|m| m.contains("network ACLs")));
}

#[test]
fn nacl_first_match_in_rule_number_order_and_icmp_never_matches_tcp() {
    let acl = NetworkAcl {
        network_acl_id: "acl-1".into(),
        vpc_id: "vpc-1".into(),
        is_default: false,
        entries: vec![
            acl_entry(
                200,
                false,
                RuleAction::Allow,
                "0.0.0.0/0",
                IpProtocol::All,
                None,
            ),
            acl_entry(
                50,
                false,
                RuleAction::Deny,
                "10.0.0.0/8",
                IpProtocol::Icmp,
                None,
            ),
            acl_entry(
                100,
                false,
                RuleAction::Deny,
                "10.0.1.0/24",
                IpProtocol::Tcp,
                Some((5432, 5432)),
            ),
        ],
        associated_subnet_ids: vec![],
        tags: Default::default(),
    };
    let peer = AddrSet::single(Ipv4Addr::new(10, 0, 1, 5));
    let out = network_acl::evaluate(
        &acl,
        false,
        &peer,
        IpProtocol::Tcp,
        PortRange::new(5432, 5432),
    );
    assert_eq!(out.first_deny_rule(), Some(100));
    let out = network_acl::evaluate(&acl, false, &peer, IpProtocol::Tcp, PortRange::new(22, 22));
    assert_eq!(out.first_allow_rule(), Some(200));
    // No matching entry at all falls to the implicit `*` deny.
    let out = network_acl::evaluate(&acl, true, &peer, IpProtocol::Tcp, PortRange::new(22, 22));
    assert_eq!(out.first_deny_rule(), Some(32767));
}

#[test]
fn nacl_partition_names_the_blocked_ephemeral_subrange() {
    let s = load("nacl-windows-range-linux-client");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Partial);
    assert_eq!(
        e.blocking.unwrap().blocked_ports,
        vec![PortRange::new(32768, 49151)]
    );
}

#[test]
fn same_subnet_never_consults_a_nacl() {
    let s = load("same-subnet-deny-all-nacl");
    let e = ask(&s, "batch-worker", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Reachable);
    assert!(e
        .hops
        .iter()
        .filter(|h| h.kind == HopKind::NetworkAcl)
        .all(|h| h.decision == Decision::NotApplicable));
}

#[test]
fn longest_prefix_wins_and_blackhole_drops() {
    let s = load("peering-deleted-blackhole");
    let topo = Topology::new(&s);
    let rt = topo.route_table("rtb-0b0000000000000a01").unwrap();
    let r = route_table::lookup(&topo, rt, Ipv4Addr::new(10, 20, 1, 10)).unwrap();
    assert_eq!(
        r.destination_cidr_block.unwrap().to_string(),
        "10.20.0.0/16"
    );
    assert_eq!(r.state, RouteState::Blackhole);
    let r = route_table::lookup(&topo, rt, Ipv4Addr::new(10, 10, 9, 9)).unwrap();
    assert_eq!(r.gateway_id.as_deref(), Some("local"));
    assert!(route_table::lookup(&topo, rt, Ipv4Addr::new(8, 8, 8, 8)).is_none());
}

#[test]
fn peering_must_be_active_and_routed_both_ways() {
    let s = load("peering-missing-return-route");
    let e = ask(&s, "app-server", "cache", Some(6379));
    let b = e.blocking.unwrap();
    assert_eq!((b.path, b.kind), (PathLeg::Return, HopKind::RouteTable));
    let cmd = e.fixes[0].command.as_deref().unwrap();
    assert!(
        cmd.contains("--route-table-id rtb-0b0000000000000b01")
            && cmd.contains("10.10.0.0/16")
            && cmd.contains("pcx-0b00000000000000ab"),
        "{cmd}"
    );
}

#[test]
fn internet_needs_public_ip_and_igw_route() {
    let mut s = load("public-web-ssh-only");
    assert_eq!(
        ask(&s, "internet", "web-1", Some(22)).verdict,
        Verdict::Reachable
    );
    // Drop the default route: the reply has no way out.
    s.route_tables.as_mut().unwrap()[0]
        .routes
        .retain(|r| r.gateway_id.as_deref() == Some("local"));
    let e = ask(&s, "internet", "web-1", Some(22));
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.blocking.unwrap().kind, HopKind::RouteTable);
}

#[test]
fn windows_client_uses_its_own_ephemeral_range() {
    let s = load("nacl-windows-range-linux-client");
    let topo = Topology::new(&s);
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
    assert_eq!(e.ephemeral_ports, PortRange::new(49152, 65535));
    assert_eq!(e.verdict, Verdict::Reachable);
}

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

proptest! {
    /// NACL evaluation does not depend on the order entries appear in the file.
    #[test]
    fn nacl_order_invariant(perm in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(), port in 1u16..65535, last in 0u8..=255) {
        let entries = [
            acl_entry(10, false, RuleAction::Deny, "10.0.1.0/28", IpProtocol::Tcp, Some((1000, 40000))),
            acl_entry(20, false, RuleAction::Allow, "10.0.1.0/24", IpProtocol::Tcp, Some((30000, 65535))),
            acl_entry(30, false, RuleAction::Deny, "10.0.0.0/16", IpProtocol::Udp, None),
            acl_entry(40, false, RuleAction::Allow, "10.0.0.0/8", IpProtocol::All, None),
            acl_entry(50, false, RuleAction::Deny, "0.0.0.0/0", IpProtocol::Icmp, None),
            acl_entry(32767, false, RuleAction::Deny, "0.0.0.0/0", IpProtocol::All, None),
        ];
        let mk = |order: &[usize]| NetworkAcl { network_acl_id: "acl".into(), vpc_id: "v".into(), is_default: false,
            entries: order.iter().map(|&i| entries[i].clone()).collect(), associated_subnet_ids: vec![], tags: Default::default() };
        let peer = AddrSet::single(Ipv4Addr::new(10, 0, 1, last));
        let a = network_acl::evaluate(&mk(&[0, 1, 2, 3, 4, 5]), false, &peer, IpProtocol::Tcp, PortRange::new(port, port));
        let b = network_acl::evaluate(&mk(&perm), false, &peer, IpProtocol::Tcp, PortRange::new(port, port));
        prop_assert_eq!(a.allowed, b.allowed);
        prop_assert_eq!(a.denied, b.denied);
    }
}

#[test]
fn a_stale_db_endpoint_address_is_warned_about() {
    let mut s = load("nacl-windows-range-linux-client");
    let ep = s.db_instances.as_mut().unwrap()[0]
        .endpoint
        .as_mut()
        .unwrap();
    // The DNS answer at collection time matches the DB's ENI: no warning.
    ep.resolved_addresses = vec![Ipv4Addr::new(10, 0, 2, 20)];
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(
        !e.warnings.iter().any(|w| w.contains("stale")),
        "{:?}",
        e.warnings
    );
    // After a failover the name points elsewhere than the ENI in the snapshot.
    let ep = s.db_instances.as_mut().unwrap()[0]
        .endpoint
        .as_mut()
        .unwrap();
    ep.resolved_addresses = vec![Ipv4Addr::new(10, 0, 3, 99)];
    let e = ask(&s, "app-server", "prod-db", None);
    let w = e
        .warnings
        .iter()
        .find(|w| w.contains("stale"))
        .expect("a warning");
    assert!(w.contains("10.0.3.99") && w.contains("10.0.2.20"), "{w}");
}

#[test]
fn a_collection_gap_makes_the_layer_unknown_in_its_region_only() {
    let mut s = load("war-story-sg-drift");
    // Only the DB's route table matters to this flow; its VPC is in us-east-1.
    for v in s.vpcs.as_mut().unwrap() {
        v.region = Some("us-east-1".into());
    }
    // A gap in another region changes nothing.
    s.metadata.gaps = vec![Gap {
        operation: "ec2:DescribeRouteTables".into(),
        region: Some("eu-west-1".into()),
        error: "UnauthorizedOperation: denied".into(),
    }];
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(e.missing.is_empty(), "{:?}", e.missing);
    // The same gap in the VPC's region makes the route hops unknown, names
    // the gap, and still lets the certain block at the DB's group win.
    s.metadata.gaps[0].region = Some("us-east-1".into());
    let e = ask(&s, "app-server", "prod-db", None);
    assert!(
        e.missing
            .iter()
            .any(|m| m.contains("ec2:DescribeRouteTables failed in us-east-1")),
        "{:?}",
        e.missing
    );
    assert_eq!(e.verdict, Verdict::Blocked);
    assert!(e
        .warnings
        .iter()
        .any(|w| w.contains("the snapshot is partial")));
}
