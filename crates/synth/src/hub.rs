//! [`transit_gateway_hub`]: the synthetic account with every VPC joined to
//! one transit gateway, for `reach`, `exposure` and `diff` at scale through
//! a hub (issue 13) and for the equivalence tests.
//!
//! One transit gateway `tgw-0synth0000000001` with one route table. Each
//! VPC gets an attachment with one subnet per Availability Zone of its
//! subnets, associated with the table and propagating into it; every route
//! table of the VPC routes each other VPC's CIDR through the gateway (in
//! place of the generator's peering routes). Deterministically for a `seed`, about one VPC in eight leaves
//! out its second zone's attachment subnet (the Availability Zone rule then
//! drops that zone's traffic), and about one in ten does not propagate (the
//! table has no route back to it).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use netpath_model::{
    Route, Snapshot, TransitGateway, TransitGatewayAttachment, TransitGatewayAttachmentAssociation,
    TransitGatewayOptions, TransitGatewayPropagation, TransitGatewayRouteTable,
    TransitGatewayRouteTablePropagations, TransitGatewayRouteTableRoutes,
    TransitGatewayVpcAttachment,
};

/// The hub's transit gateway id.
pub const HUB_TGW: &str = "tgw-0synth0000000001";
/// The hub's route table id.
pub const HUB_RTB: &str = "tgw-rtb-0synth00000001";

/// Joins every VPC of `snap` (made by [`crate::generate`]) to one transit
/// gateway hub, as the module docs say.
pub fn transit_gateway_hub(snap: &mut Snapshot, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7_6a7e);
    // Per VPC: its first subnet in each zone.
    let mut zones: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for s in snap.subnets.iter().flatten() {
        let zone = s
            .availability_zone
            .clone()
            .unwrap_or_else(|| "us-east-1a".into());
        zones
            .entry(s.vpc_id.clone())
            .or_default()
            .entry(zone)
            .or_insert_with(|| s.subnet_id.clone());
    }
    let vpcs: Vec<(String, Vec<ipnet::Ipv4Net>)> = snap
        .vpcs
        .iter()
        .flatten()
        .map(|v| (v.vpc_id.clone(), v.cidr_blocks.clone()))
        .collect();
    let mut atts = Vec::new();
    let mut vpc_atts = Vec::new();
    let mut props = Vec::new();
    for (i, (vpc, _)) in vpcs.iter().enumerate() {
        let id = format!("tgw-attach-0synth{i:011}");
        let mut subnet_ids: Vec<String> = zones
            .get(vpc)
            .map(|z| z.values().cloned().collect())
            .unwrap_or_default();
        if subnet_ids.len() > 1 && rng.gen_range(0..8) == 0 {
            subnet_ids.truncate(1);
        }
        atts.push(TransitGatewayAttachment {
            transit_gateway_attachment_id: id.clone(),
            transit_gateway_id: HUB_TGW.into(),
            resource_type: "vpc".into(),
            resource_id: Some(vpc.clone()),
            resource_owner_id: None,
            state: "available".into(),
            association: Some(TransitGatewayAttachmentAssociation {
                transit_gateway_route_table_id: HUB_RTB.into(),
                state: "associated".into(),
            }),
            tags: Default::default(),
        });
        vpc_atts.push(TransitGatewayVpcAttachment {
            transit_gateway_attachment_id: id.clone(),
            transit_gateway_id: HUB_TGW.into(),
            vpc_id: vpc.clone(),
            vpc_owner_id: None,
            state: "available".into(),
            subnet_ids,
            appliance_mode_support: Some("disable".into()),
            security_group_referencing_support: Some("disable".into()),
            ipv6_support: Some("disable".into()),
            tags: Default::default(),
        });
        if rng.gen_range(0..10) != 0 {
            props.push(TransitGatewayPropagation {
                transit_gateway_attachment_id: id,
                resource_id: Some(vpc.clone()),
                resource_type: Some("vpc".into()),
                state: "enabled".into(),
            });
        }
    }
    for rt in snap.route_tables.iter_mut().flatten() {
        for (vpc, cidrs) in &vpcs {
            if *vpc == rt.vpc_id {
                continue;
            }
            for c in cidrs {
                // The hub replaces the generator's peering routes.
                rt.routes.retain(|r| r.destination_cidr_block != Some(*c));
                rt.routes.push(Route::to_target(*c, HUB_TGW, "CreateRoute"));
            }
        }
    }
    snap.transit_gateways = Some(vec![TransitGateway {
        transit_gateway_id: HUB_TGW.into(),
        owner_id: None,
        state: "available".into(),
        options: TransitGatewayOptions {
            association_default_route_table_id: Some(HUB_RTB.into()),
            propagation_default_route_table_id: Some(HUB_RTB.into()),
            security_group_referencing_support: Some("disable".into()),
        },
        tags: Default::default(),
    }]);
    snap.transit_gateway_attachments = Some(atts);
    snap.transit_gateway_vpc_attachments = Some(vpc_atts);
    snap.transit_gateway_route_tables = Some(vec![TransitGatewayRouteTable {
        transit_gateway_route_table_id: HUB_RTB.into(),
        transit_gateway_id: HUB_TGW.into(),
        state: "available".into(),
        default_association_route_table: true,
        default_propagation_route_table: true,
        tags: Default::default(),
    }]);
    snap.transit_gateway_routes = Some(vec![TransitGatewayRouteTableRoutes {
        transit_gateway_route_table_id: HUB_RTB.into(),
        routes: Vec::new(),
        additional_routes_available: false,
    }]);
    snap.transit_gateway_propagations = Some(vec![TransitGatewayRouteTablePropagations {
        transit_gateway_route_table_id: HUB_RTB.into(),
        propagations: props,
    }]);
}
