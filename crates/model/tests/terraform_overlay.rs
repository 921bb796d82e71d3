//! Hand-written plans (format per
//! <https://developer.hashicorp.com/terraform/internals/json-format>) for
//! the resource types the terraform-against-moto scenarios do not reach,
//! laid over a snapshot that terraform made (fixtures/plans/terraform):
//! each pins what the provider does to AWS, read back from AFTER.

use std::path::Path;

use netpath_model::terraform::{overlay, Plan};
use netpath_model::{RouteState, Snapshot, VpcPeeringConnectionStateReasonCode};
use serde_json::{json, Value};

fn snapshot(scenario: &str, file: &str) -> Snapshot {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/plans/terraform")
        .join(scenario)
        .join(file);
    netpath_model::load(&p).unwrap().snapshot
}

fn plan(changes: Value, config: Value) -> Plan {
    let doc = json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config}},
    });
    Plan::parse(doc.to_string().as_bytes(), Path::new("hand.json")).unwrap()
}

fn rc(address: &str, actions: &[&str], before: Value, after: Value, unknown: Value) -> Value {
    let (t, name) = address.split_once('.').unwrap();
    json!({"address": address, "mode": "managed", "type": t, "name": name,
           "change": {"actions": actions, "before": before, "after": after, "after_unknown": unknown}})
}

/// vpc-a: the VPC holding the group named `app`.
fn vpc_a(s: &Snapshot) -> String {
    s.security_groups
        .iter()
        .flatten()
        .find(|g| g.group_name == "app")
        .unwrap()
        .vpc_id
        .clone()
        .unwrap()
}

fn subnet(s: &Snapshot, cidr: &str) -> String {
    s.subnets
        .iter()
        .flatten()
        .find(|x| x.cidr_block.to_string() == cidr)
        .unwrap()
        .subnet_id
        .clone()
}

fn instance(s: &Snapshot, name: &str) -> netpath_model::Instance {
    s.instances
        .iter()
        .flatten()
        .find(|i| i.tags.get("Name") == Some(name))
        .unwrap()
        .clone()
}

#[test]
fn the_default_network_acl_gets_exactly_its_configured_entries() {
    let s = snapshot("sg-app-v2", "before.json");
    let vpc = vpc_a(&s);
    let acl = s
        .network_acls
        .iter()
        .flatten()
        .find(|a| a.is_default && a.vpc_id == vpc)
        .unwrap();
    let deny = json!({"rule_no": 100, "action": "deny", "protocol": "-1", "cidr_block": "0.0.0.0/0", "from_port": 0, "to_port": 0});
    let p = plan(
        json!([rc(
            "aws_default_network_acl.a",
            &["update"],
            json!({"id": acl.network_acl_id, "default_network_acl_id": acl.network_acl_id, "ingress": [], "egress": []}),
            json!({"id": acl.network_acl_id, "default_network_acl_id": acl.network_acl_id, "ingress": [deny], "egress": []}),
            json!({})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let after = o
        .after
        .network_acls
        .iter()
        .flatten()
        .find(|a| a.network_acl_id == acl.network_acl_id)
        .unwrap();
    let kept: Vec<(u16, bool)> = after
        .entries
        .iter()
        .map(|e| (e.rule_number, e.egress))
        .collect();
    assert_eq!(
        kept,
        [(100, false), (32767, false), (32767, true)],
        "{:?}",
        after.entries
    );
    assert!(o.unresolved.is_empty() && o.drift.is_empty(), "{o:?}");
}

#[test]
fn the_main_route_table_association_moves() {
    let s = snapshot("sg-app-v2", "before.json");
    let vpc = vpc_a(&s);
    let tables: Vec<_> = s
        .route_tables
        .iter()
        .flatten()
        .filter(|t| t.vpc_id == vpc)
        .collect();
    let old = tables
        .iter()
        .find(|t| t.associations.iter().any(|a| a.main))
        .unwrap();
    let new = tables.iter().find(|t| t.associations.is_empty()).unwrap();
    let p = plan(
        json!([rc(
            "aws_main_route_table_association.a",
            &["create"],
            Value::Null,
            json!({"vpc_id": vpc, "route_table_id": new.route_table_id}),
            json!({"id": true, "original_route_table_id": true})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let main: Vec<&str> = o
        .after
        .route_tables
        .iter()
        .flatten()
        .filter(|t| t.vpc_id == vpc && t.associations.iter().any(|a| a.main))
        .map(|t| t.route_table_id.as_str())
        .collect();
    assert_eq!(
        main,
        [new.route_table_id.as_str()],
        "was {}",
        old.route_table_id
    );
}

#[test]
fn a_new_nat_gateway_is_routed_to_through_its_reference() {
    let s = snapshot("sg-app-v2", "before.json");
    let public = subnet(&s, "10.0.0.0/24");
    let vpc = vpc_a(&s);
    let table = s
        .route_tables
        .iter()
        .flatten()
        .find(|t| t.vpc_id == vpc && t.associations.is_empty())
        .unwrap();
    let p = plan(
        json!([
            rc(
                "aws_nat_gateway.n",
                &["create"],
                Value::Null,
                json!({"subnet_id": public, "connectivity_type": "public"}),
                json!({"id": true, "public_ip": true})
            ),
            rc(
                "aws_route.r",
                &["create"],
                Value::Null,
                json!({"route_table_id": table.route_table_id, "destination_cidr_block": "0.0.0.0/0"}),
                json!({"id": true, "nat_gateway_id": true, "gateway_id": true})
            ),
        ]),
        json!([{"address": "aws_route.r", "mode": "managed", "type": "aws_route", "name": "r",
                "expressions": {"nat_gateway_id": {"references": ["aws_nat_gateway.n.id", "aws_nat_gateway.n"]},
                                "route_table_id": {"constant_value": table.route_table_id}}}]),
    );
    let o = overlay(&s, &p);
    assert!(o.unresolved.is_empty(), "{:?}", o.unresolved);
    let nat = "nat-(known after apply: aws_nat_gateway.n)";
    assert!(o
        .after
        .nat_gateways
        .iter()
        .flatten()
        .any(|n| n.nat_gateway_id == nat && n.is_available()));
    let t = o
        .after
        .route_tables
        .iter()
        .flatten()
        .find(|t| t.route_table_id == table.route_table_id)
        .unwrap();
    let r = t
        .routes
        .iter()
        .find(|r| r.destination_cidr_block.map(|c| c.to_string()) == Some("0.0.0.0/0".into()))
        .unwrap();
    assert_eq!(r.nat_gateway_id.as_deref(), Some(nat));
    assert!(
        r.gateway_id.is_none(),
        "an unconfigured computed target is unset"
    );
}

#[test]
fn a_destroyed_internet_gateway_leaves_blackhole_routes() {
    let s = snapshot("sg-app-v2", "before.json");
    let igw = s
        .internet_gateways
        .iter()
        .flatten()
        .next()
        .unwrap()
        .internet_gateway_id
        .clone();
    let p = plan(
        json!([rc(
            "aws_internet_gateway.a",
            &["delete"],
            json!({"id": igw, "vpc_id": vpc_a(&s)}),
            Value::Null,
            json!({})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    assert!(!o
        .after
        .internet_gateways
        .iter()
        .flatten()
        .any(|g| g.internet_gateway_id == igw));
    let routes: Vec<RouteState> = o
        .after
        .route_tables
        .iter()
        .flatten()
        .flat_map(|t| t.routes.iter())
        .filter(|r| r.gateway_id.as_deref() == Some(&igw))
        .map(|r| r.state)
        .collect();
    assert_eq!(routes, [RouteState::Blackhole]);
}

#[test]
fn an_eip_association_gives_the_primary_interface_its_address() {
    let s = snapshot("sg-app-v2", "before.json");
    let app = instance(&s, "app");
    let p = plan(
        json!([rc(
            "aws_eip_association.app",
            &["create"],
            Value::Null,
            json!({"instance_id": app.instance_id, "public_ip": "198.51.100.7"}),
            json!({"id": true})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let eni = o
        .after
        .network_interfaces
        .iter()
        .flatten()
        .find(|e| e.network_interface_id == app.network_interface_ids[0])
        .unwrap();
    assert_eq!(
        eni.public_ip().map(|a| a.to_string()).as_deref(),
        Some("198.51.100.7")
    );
}

#[test]
fn a_new_network_interface_has_its_addresses_and_groups() {
    let s = snapshot("sg-app-v2", "before.json");
    let app_subnet = subnet(&s, "10.0.1.0/24");
    let app_group = s
        .security_groups
        .iter()
        .flatten()
        .find(|g| g.group_name == "app")
        .unwrap()
        .group_id
        .clone();
    let p = plan(
        json!([rc(
            "aws_network_interface.extra",
            &["create"],
            Value::Null,
            json!({"subnet_id": app_subnet, "private_ips": ["10.0.1.50"], "security_groups": [app_group]}),
            json!({"id": true, "mac_address": true})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let e = o
        .after
        .network_interfaces
        .iter()
        .flatten()
        .find(|e| e.network_interface_id == "eni-(known after apply: aws_network_interface.extra)")
        .unwrap();
    assert_eq!(e.primary_ip().unwrap().to_string(), "10.0.1.50");
    assert_eq!(e.groups, [app_group]);
}

#[test]
fn the_default_security_group_loses_every_unconfigured_rule() {
    let s = snapshot("sg-app-v2", "before.json");
    let vpc = vpc_a(&s);
    let g = s
        .security_groups
        .iter()
        .flatten()
        .find(|g| g.group_name == "default" && g.vpc_id.as_deref() == Some(&vpc))
        .unwrap();
    assert!(!g.ip_permissions.is_empty() || !g.ip_permissions_egress.is_empty());
    let p = plan(
        json!([rc(
            "aws_default_security_group.a",
            &["update"],
            json!({"id": g.group_id, "vpc_id": vpc}),
            json!({"id": g.group_id, "vpc_id": vpc, "ingress": [], "egress": []}),
            json!({})
        )]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let after = o
        .after
        .security_groups
        .iter()
        .flatten()
        .find(|x| x.group_id == g.group_id)
        .unwrap();
    assert!(
        after.ip_permissions.is_empty() && after.ip_permissions_egress.is_empty(),
        "{after:?}"
    );
}

#[test]
fn a_peering_waits_for_its_accepter() {
    let s = snapshot("sg-app-v2", "before.json");
    let a = vpc_a(&s);
    let b = s
        .security_groups
        .iter()
        .flatten()
        .find(|g| g.group_name == "reports")
        .unwrap()
        .vpc_id
        .clone()
        .unwrap();
    let create = rc(
        "aws_vpc_peering_connection.x",
        &["create"],
        Value::Null,
        json!({"vpc_id": a, "peer_vpc_id": b, "auto_accept": false}),
        json!({"id": true, "accept_status": true}),
    );
    let accept = rc(
        "aws_vpc_peering_connection_accepter.x",
        &["create"],
        Value::Null,
        json!({"auto_accept": true}),
        json!({"id": true, "vpc_peering_connection_id": true}),
    );
    let config = json!([{"address": "aws_vpc_peering_connection_accepter.x", "mode": "managed",
        "type": "aws_vpc_peering_connection_accepter", "name": "x",
        "expressions": {"vpc_peering_connection_id": {"references": ["aws_vpc_peering_connection.x.id", "aws_vpc_peering_connection.x"]}}}]);
    let id = "pcx-(known after apply: aws_vpc_peering_connection.x)";
    let status = |o: &netpath_model::terraform::PlanOverlay| {
        o.after
            .vpc_peering_connections
            .iter()
            .flatten()
            .find(|p| p.vpc_peering_connection_id == id)
            .unwrap()
            .status_code
            .clone()
    };
    let alone = overlay(&s, &plan(json!([create.clone()]), config.clone()));
    assert!(matches!(
        status(&alone),
        VpcPeeringConnectionStateReasonCode::PendingAcceptance
    ));
    let both = overlay(&s, &plan(json!([accept, create]), config));
    assert!(matches!(
        status(&both),
        VpcPeeringConnectionStateReasonCode::Active
    ));
}

#[test]
fn a_db_subnet_group_and_instance_update_move_and_reopen_the_database() {
    let s = snapshot("rds-created", "after.json");
    let db = s.db_instances.iter().flatten().next().unwrap().clone();
    let app_subnet = subnet(&s, "10.0.1.0/24");
    let group = db.db_subnet_group.clone().unwrap();
    let p = plan(
        json!([
            rc(
                "aws_db_subnet_group.orders",
                &["update"],
                json!({"name": group.name, "subnet_ids": group.subnet_ids}),
                json!({"name": group.name, "subnet_ids": [app_subnet]}),
                json!({})
            ),
            rc(
                "aws_db_instance.orders",
                &["update"],
                json!({"identifier": db.db_instance_identifier, "port": 5432, "publicly_accessible": false,
                      "db_subnet_group_name": group.name, "vpc_security_group_ids": db.vpc_security_group_ids}),
                json!({"identifier": db.db_instance_identifier, "port": 5433, "publicly_accessible": true,
                      "db_subnet_group_name": group.name, "vpc_security_group_ids": db.vpc_security_group_ids}),
                json!({})
            ),
        ]),
        json!([]),
    );
    let o = overlay(&s, &p);
    let after = o.after.db_instances.iter().flatten().next().unwrap();
    assert_eq!(after.endpoint.as_ref().unwrap().port, 5433);
    assert!(after.publicly_accessible);
    assert_eq!(
        after.db_subnet_group.as_ref().unwrap().subnet_ids,
        [app_subnet]
    );
}
