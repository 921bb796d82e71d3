//! Transit gateways and Site-to-Site VPN collected live (issue 13): a hub
//! and spoke built in moto with the SDK's create calls is read back by the
//! collector (`DescribeTransitGateway*`, `SearchTransitGatewayRoutes`,
//! `GetTransitGatewayRouteTablePropagations`, `DescribeVpnGateways`,
//! `DescribeVpnConnections`), and `explain` answers a flow through the
//! transit gateway on it. Direct Connect gateways, which moto does not
//! serve, are answered by the test proxy in the API's own shape, and read
//! through the real SDK.

mod support;

use aws_sdk_ec2::types as ec2t;
use netpath_engine::{HopKind, Verdict};
use support::moto;
use support::net::{ask, collect_all, collect_with, spoke, with_test_env, Spoke};

/// Two VPCs, 10.N.0.0/16 and 10.N+1.0.0/16, each with a spoke subnet: an
/// app instance in the first, a DB host in the second whose group admits
/// tcp 5432 from the first VPC. Returns both spokes and the DB's group.
async fn app_and_db(
    ec2: &aws_sdk_ec2::Client,
    n: u8,
    (app, db): (&str, &str),
) -> (Spoke, Spoke, String) {
    let a = spoke(ec2, &format!("10.{n}.0.0/16"), &format!("10.{n}.1.0/24")).await;
    let m = n + 1;
    let b = spoke(ec2, &format!("10.{m}.0.0/16"), &format!("10.{m}.1.0/24")).await;
    let sg_app = support::create_group(ec2, a.0.clone(), "app").await;
    let sg_db = support::create_group(ec2, b.0.clone(), "db").await;
    ec2.authorize_security_group_ingress()
        .group_id(&sg_db)
        .ip_permissions(
            ec2t::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .ip_ranges(
                    ec2t::IpRange::builder()
                        .cidr_ip(format!("10.{n}.0.0/16"))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    support::run_instance(ec2, a.1.clone(), sg_app, app, "ami-785db401").await;
    support::run_instance(ec2, b.1.clone(), sg_db.clone(), db, "ami-785db401").await;
    (a, b, sg_db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_and_spoke_and_a_vpn_are_collected_and_answered() {
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let ((va, sa, ra), (vb, sb, rb), sg_db) = app_and_db(&ec2, 60, ("hub-app", "hub-db")).await;

    // The transit gateway: both attachments associated with its default
    // table (moto associates a new attachment with it whatever the options
    // say, and an attachment has one association), and propagating into it.
    let tgw = ec2
        .create_transit_gateway()
        .send()
        .await
        .unwrap()
        .transit_gateway
        .unwrap();
    let table = tgw
        .options()
        .and_then(|o| o.association_default_route_table_id())
        .expect("a default association table")
        .to_string();
    let tgw = tgw.transit_gateway_id.unwrap();
    let mut attachments = Vec::new();
    for (vpc, sub) in [(&va, &sa), (&vb, &sb)] {
        let att = ec2
            .create_transit_gateway_vpc_attachment()
            .transit_gateway_id(&tgw)
            .vpc_id(vpc)
            .subnet_ids(sub)
            .send()
            .await
            .unwrap()
            .transit_gateway_vpc_attachment
            .unwrap()
            .transit_gateway_attachment_id
            .unwrap();
        ec2.enable_transit_gateway_route_table_propagation()
            .transit_gateway_route_table_id(&table)
            .transit_gateway_attachment_id(&att)
            .send()
            .await
            .unwrap();
        attachments.push(att);
    }
    for (rtb, dest) in [(&ra, "10.61.0.0/16"), (&rb, "10.60.0.0/16")] {
        ec2.create_route()
            .route_table_id(rtb)
            .destination_cidr_block(dest)
            .transit_gateway_id(&tgw)
            .send()
            .await
            .unwrap();
    }
    // A VPN to the customer network 192.168.0.0/16 on VPC A.
    // (moto 5.2.5 answers CreateVpnConnectionRoute with a 500, so the way
    // to the customer network is a route in VPC A's table instead.)
    let vgw = vgw_routed(&ec2, &va, &ra, "192.168.0.0/16").await;
    let cgw = ec2
        .create_customer_gateway()
        .r#type(ec2t::GatewayType::Ipsec1)
        .bgp_asn(65000)
        .public_ip("203.0.113.1")
        .send()
        .await
        .unwrap()
        .customer_gateway
        .unwrap()
        .customer_gateway_id
        .unwrap();
    let vpn = ec2
        .create_vpn_connection()
        .r#type("ipsec.1")
        .customer_gateway_id(&cgw)
        .vpn_gateway_id(&vgw)
        .options(
            ec2t::VpnConnectionOptionsSpecification::builder()
                .static_routes_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .vpn_connection
        .unwrap()
        .vpn_connection_id
        .unwrap();

    let snap = collect_all(&m.url).await;

    // What was collected.
    let vpc_atts = snap.transit_gateway_vpc_attachments.as_ref().unwrap();
    for (att, sub) in attachments.iter().zip([&sa, &sb]) {
        let a = vpc_atts
            .iter()
            .find(|a| &a.transit_gateway_attachment_id == att)
            .expect("the VPC attachment is collected");
        assert_eq!(&a.subnet_ids, &vec![sub.clone()]);
    }
    let atts = snap.transit_gateway_attachments.as_ref().unwrap();
    for att in &attachments {
        let a = atts
            .iter()
            .find(|a| &a.transit_gateway_attachment_id == att)
            .unwrap();
        assert_eq!(a.associated_route_table(), Some(table.as_str()), "{a:?}");
    }
    let props = snap.transit_gateway_propagations.as_ref().unwrap();
    let p = props
        .iter()
        .find(|p| p.transit_gateway_route_table_id == table)
        .expect("the table's propagations are collected");
    assert_eq!(p.propagations.len(), 2, "{p:?}");
    assert!(snap
        .transit_gateway_routes
        .as_ref()
        .unwrap()
        .iter()
        .any(|r| r.transit_gateway_route_table_id == table));
    let conn = snap
        .vpn_connections
        .iter()
        .flatten()
        .find(|c| c.vpn_connection_id == vpn)
        .expect("the VPN connection is collected");
    // (moto 5.2.5 keeps neither Options.StaticRoutesOnly nor tunnel telemetry.)
    assert_eq!(
        conn.vpn_gateway_id.as_deref(),
        Some(vgw.as_str()),
        "{conn:?}"
    );
    assert_eq!(conn.state, "available", "{conn:?}");
    assert!(snap
        .vpn_gateways
        .iter()
        .flatten()
        .any(|g| g.vpn_gateway_id == vgw && g.vpc_attachments.iter().any(|a| a.vpc_id == va)));

    // The flow through the hub, both ways, and a block beyond it.
    let e = ask(&snap, "hub-app", "hub-db", 5432);
    assert_eq!(e.verdict, Verdict::Reachable, "{e:#?}");
    assert!(e
        .hops
        .iter()
        .any(|h| h.kind == HopKind::TransitGatewayRouteTable && h.component == table));
    let e = ask(&snap, "hub-app", "hub-db", 22);
    assert_eq!(e.verdict, Verdict::Blocked, "{e:#?}");
    assert_eq!(e.blocking.as_ref().unwrap().component, sg_db);
    // An on-premises client, routed back to the VGW, is judged at the VPN
    // hop, whatever the emulator's tunnels say.
    let e = ask(&snap, "192.168.1.5", "hub-app", 22);
    assert!(
        e.hops
            .iter()
            .any(|h| h.kind == HopKind::VpnGateway && h.component == vpn),
        "{e:#?}"
    );
}

/// A virtual private gateway attached to `vpc`, and a route in `rtb`
/// sending `cidr` (a customer network) to it; returns its id.
async fn vgw_routed(ec2: &aws_sdk_ec2::Client, vpc: &str, rtb: &str, cidr: &str) -> String {
    let vgw = ec2
        .create_vpn_gateway()
        .r#type(ec2t::GatewayType::Ipsec1)
        .send()
        .await
        .unwrap()
        .vpn_gateway
        .unwrap()
        .vpn_gateway_id
        .unwrap();
    ec2.attach_vpn_gateway()
        .vpn_gateway_id(&vgw)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap();
    ec2.create_route()
        .route_table_id(rtb)
        .destination_cidr_block(cidr)
        .gateway_id(&vgw)
        .send()
        .await
        .unwrap();
    vgw
}

/// A transit gateway and its default route table.
async fn gateway(ec2: &aws_sdk_ec2::Client) -> (String, String) {
    let tgw = ec2
        .create_transit_gateway()
        .send()
        .await
        .unwrap()
        .transit_gateway
        .unwrap();
    let table = tgw
        .options()
        .and_then(|o| o.association_default_route_table_id())
        .expect("a default association table")
        .to_string();
    (tgw.transit_gateway_id.unwrap(), table)
}

/// Two gateways peered in moto: the peering is collected with both
/// gateways, VPC attachments are not taken for peerings (moto lists every
/// attachment in `DescribeTransitGatewayPeeringAttachments`), and a flow
/// across it is walked onto the peer gateway. moto lists a same-account
/// peering once, on the requester's gateway, where AWS lists it on both:
/// without the accepter's side and its association, the answer is unknown
/// and names the attachment, never reachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transit_gateway_peering_is_collected_and_walked() {
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let ((va, sa, ra), (vb, sb, rb), _) = app_and_db(&ec2, 70, ("east-app", "west-db")).await;
    let (east, east_table) = gateway(&ec2).await;
    let (west, west_table) = gateway(&ec2).await;
    for (tgw, vpc, sub) in [(&east, &va, &sa), (&west, &vb, &sb)] {
        ec2.create_transit_gateway_vpc_attachment()
            .transit_gateway_id(tgw)
            .vpc_id(vpc)
            .subnet_ids(sub)
            .send()
            .await
            .unwrap();
    }
    let account = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .account
        .unwrap();
    let peering = ec2
        .create_transit_gateway_peering_attachment()
        .transit_gateway_id(&east)
        .peer_transit_gateway_id(&west)
        .peer_account_id(&account)
        .peer_region("us-east-1")
        .send()
        .await
        .unwrap()
        .transit_gateway_peering_attachment
        .unwrap()
        .transit_gateway_attachment_id
        .unwrap();
    ec2.accept_transit_gateway_peering_attachment()
        .transit_gateway_attachment_id(&peering)
        .send()
        .await
        .unwrap();
    for (table, dest) in [(&east_table, "10.71.0.0/16"), (&west_table, "10.70.0.0/16")] {
        ec2.create_transit_gateway_route()
            .transit_gateway_route_table_id(table)
            .destination_cidr_block(dest)
            .transit_gateway_attachment_id(&peering)
            .send()
            .await
            .unwrap();
    }
    for (rtb, dest, tgw) in [(&ra, "10.71.0.0/16", &east), (&rb, "10.70.0.0/16", &west)] {
        ec2.create_route()
            .route_table_id(rtb)
            .destination_cidr_block(dest)
            .transit_gateway_id(tgw)
            .send()
            .await
            .unwrap();
    }

    let mut snap = collect_all(&m.url).await;
    // Without its attachment an active route is unknown, not a way out.
    let e = ask(&snap, "east-app", "west-db", 5432);
    assert_eq!(e.verdict, Verdict::Unknown, "{e:#?}");
    // moto 5.2 stores a static route's `TransitGatewayAttachments` as one
    // object, not a list, so SearchTransitGatewayRoutes gives the route with
    // no attachment (checked above); the test puts back what AWS returns.
    for t in snap.transit_gateway_routes.iter_mut().flatten() {
        for r in &mut t.routes {
            if r.route_type == "static" && r.transit_gateway_attachments.is_empty() {
                r.transit_gateway_attachments
                    .push(netpath_model::TransitGatewayRouteAttachment {
                        transit_gateway_attachment_id: peering.clone(),
                        resource_id: None,
                        resource_type: Some("peering".into()),
                    });
            }
        }
    }

    let peerings = snap.transit_gateway_peering_attachments.as_ref().unwrap();
    assert_eq!(peerings.len(), 1, "only the peering: {peerings:#?}");
    let p = &peerings[0];
    assert_eq!(p.transit_gateway_attachment_id, peering);
    assert_eq!(p.state, "available", "{p:?}");
    assert_eq!(p.requester_tgw_info.transit_gateway_id, east);
    assert_eq!(p.accepter_tgw_info.transit_gateway_id, west);
    assert_eq!(p.attachment_on(&west), Some(peering.as_str()));

    let e = ask(&snap, "east-app", "west-db", 5432);
    assert!(
        e.hops
            .iter()
            .any(|h| h.kind == HopKind::TransitGatewayAttachment
                && h.component == peering
                && h.detail.contains(&west)),
        "the walk crosses the peering to {west}: {e:#?}"
    );
    assert_eq!(e.verdict, Verdict::Unknown, "{e:#?}");
    assert!(
        e.hops
            .iter()
            .flat_map(|h| &h.missing)
            .any(|m| m.contains(&peering)),
        "the unknown names the peering attachment: {e:#?}"
    );
}

/// A Direct Connect gateway associated with a VPC's virtual private
/// gateway (`DescribeDirectConnectGateways`, then per gateway
/// `DescribeDirectConnectGatewayAssociations`, each followed over its
/// `nextToken` pages): the association and its allowed prefixes are read,
/// and decide an on-premises client's flow; a gateway whose associations
/// cannot be read is a gap naming it, and the flow is then unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_connect_gateway_associations_are_collected_and_walked() {
    with_test_env();
    let m = moto();
    let conf = support::config(&m.url).await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let (vpc, sub, rtb) = spoke(&ec2, "10.80.0.0/16", "10.80.1.0/24").await;
    let sg = support::create_group(&ec2, vpc.clone(), "dx-app").await;
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            ec2t::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(ec2t::IpRange::builder().cidr_ip("192.168.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    support::run_instance(&ec2, sub, sg, "dx-app", "ami-785db401").await;
    let vgw = vgw_routed(&ec2, &vpc, &rtb, "192.168.0.0/16").await;
    let (dxgw, other) = (
        "5f294f92-bafb-4011-916d-9b0bexample",
        "8a3b1c4d-0000-4011-916d-9b0bexample",
    );
    let dx = |allowed: &str| {
        serde_json::json!({
            "gateways": [
                {"directConnectGatewayId": dxgw, "directConnectGatewayName": "dc1",
                 "amazonSideAsn": 64512, "ownerAccount": "123456789012",
                 "directConnectGatewayState": "available"},
                {"directConnectGatewayId": other, "directConnectGatewayName": "unused",
                 "amazonSideAsn": 64513, "ownerAccount": "123456789012",
                 "directConnectGatewayState": "available"}
            ],
            "associations": [
                {"directConnectGatewayId": dxgw, "directConnectGatewayOwnerAccount": "123456789012",
                 "associationState": "associated", "associationId": "a1b2c3d4-dx-assoc",
                 "associatedGateway": {"id": vgw, "type": "virtualPrivateGateway",
                                       "ownerAccount": "123456789012", "region": "us-east-1"},
                 "allowedPrefixesToDirectConnectGateway": [{"cidr": allowed}]}
            ]
        })
    };
    let faults = |allowed: &str| support::Faults {
        direct_connect: Some(dx(allowed)),
        ..support::Faults::default()
    };

    // The association allows the VPC's CIDR: read as AWS returns it.
    let (snap, calls) = collect_with(&m.url, faults("10.80.0.0/16")).await;
    assert!(snap.metadata.gaps.is_empty(), "{:?}", snap.metadata.gaps);
    let count = |a: &str| calls.iter().filter(|c| *c == a).count();
    // Two gateways, one a page; one associations call per gateway.
    assert_eq!(
        count("directconnect:DescribeDirectConnectGateways"),
        2,
        "{calls:?}"
    );
    assert_eq!(
        count("directconnect:DescribeDirectConnectGatewayAssociations"),
        2,
        "{calls:?}"
    );
    let assoc = snap.direct_connect_gateway_associations.as_ref().unwrap();
    assert_eq!(assoc.len(), 1, "{assoc:?}");
    let a = &assoc[0];
    assert_eq!(
        (
            a.direct_connect_gateway_id.as_str(),
            a.associated_gateway_id.as_str(),
            a.associated_gateway_type.as_str(),
            a.association_state.as_str()
        ),
        (dxgw, vgw.as_str(), "virtualPrivateGateway", "associated")
    );
    assert_eq!(
        a.allowed_prefixes,
        vec!["10.80.0.0/16".parse::<ipnet::IpNet>().unwrap()]
    );
    // The Direct Connect gateway passes the VPC's side; the customer
    // network's route is a static one, not learned over BGP, so whether it
    // is advertised is unknown (never reachable).
    let e = ask(&snap, "192.168.1.5", "dx-app", 22);
    let hop = e
        .hops
        .iter()
        .find(|h| h.kind == HopKind::DirectConnectGateway)
        .unwrap_or_else(|| panic!("a Direct Connect hop: {e:#?}"));
    assert_ne!(hop.decision, netpath_engine::Decision::Deny, "{hop:#?}");
    assert_eq!(e.verdict, Verdict::Unknown, "{e:#?}");

    // Allowed prefixes that leave the VPC out: the gateway never
    // advertises it, and the flow is blocked there.
    let (snap, _) = collect_with(&m.url, faults("10.99.0.0/16")).await;
    let e = ask(&snap, "192.168.1.5", "dx-app", 22);
    assert_eq!(e.verdict, Verdict::Blocked, "{e:#?}");
    assert_eq!(
        e.blocking.as_ref().map(|b| b.kind),
        Some(HopKind::DirectConnectGateway),
        "{e:#?}"
    );

    // The associations call denied: a gap per gateway, naming it, and the
    // answer no longer certain.
    let (snap, _) = collect_with(
        &m.url,
        support::Faults {
            deny: Some("DescribeDirectConnectGatewayAssociations".into()),
            ..faults("10.99.0.0/16")
        },
    )
    .await;
    let gaps = &snap.metadata.gaps;
    assert_eq!(gaps.len(), 2, "{gaps:?}");
    assert!(
        gaps.iter()
            .all(|g| g.operation == "directconnect:DescribeDirectConnectGatewayAssociations"),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|g| g.resource.as_deref() == Some(dxgw)),
        "{gaps:?}"
    );
    let e = ask(&snap, "192.168.1.5", "dx-app", 22);
    assert_ne!(e.verdict, Verdict::Blocked, "{e:#?}");
}
