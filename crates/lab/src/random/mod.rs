//! Random topologies for the lab: 1-3 VPCs, an optional peering, 1-4
//! subnets each, random security-group rules (CIDRs and group references),
//! random network ACL entries (out of order, allow and deny, port ranges
//! straddling the Linux and Windows ephemeral ranges), random route tables
//! (main and explicit associations, blackholes, missing routes), instances
//! (some Windows, a few stopped), an optional DB, and random flows; about
//! half the worlds are dual-stack (`ipv6.rs`), and those with several VPCs
//! and no peering join them with a transit gateway, or two peered ones (`hub.rs`).
//! The same seed gives the same topology.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use netpath_model::Snapshot;

use crate::build::{Bind, HostAction, HostSetup};

mod hub;
mod ipv6;

/// A generated topology and the flows to check on it: (from, to, port).
pub struct RandomWorld {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Flows: source instance, destination (instance or DB), TCP port.
    pub flows: Vec<(String, String, crate::Ask)>,
    /// Hosts set up past their ENI (listeners and a host firewall), by
    /// instance id: the lab builds them and reads them back with `netpath
    /// host-facts`'s collector.
    pub hosts: Vec<(String, HostSetup)>,
}

const PORT_RANGES: [(u16, u16); 12] = [
    (22, 22),
    (80, 80),
    (443, 443),
    (5432, 5432),
    (0, 1023),
    (1024, 65535),
    (1024, 40000),
    (32768, 49151),
    (49152, 65535),
    (40000, 65535),
    (32768, 60999),
    (0, 65535),
];
/// Ranges that cut the Linux (32768-60999) or Windows (49152-65535)
/// ephemeral range without covering it.
const EPHEMERAL_CUTS: [(u16, u16); 6] = [
    (49152, 65535),
    (32768, 49151),
    (40000, 65535),
    (1024, 40000),
    (61000, 65535),
    (50000, 55000),
];
const SERVICE_PORTS: [u16; 5] = [22, 80, 443, 5432, 8080];

/// Generates world number `seed`.
pub fn world(seed: u64) -> RandomWorld {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let nv = rng.gen_range(1..=3usize);
    let peered = nv >= 2 && rng.gen_bool(0.7);
    let (mut vpcs, mut subnets, mut sgs, mut acls, mut rtbs) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut enis, mut instances, mut peerings, mut dbs) = (vec![], vec![], vec![], vec![]);
    let pcx = "pcx-0000000000000001";
    if peered {
        peerings.push(
            json!({ "vpc_peering_connection_id": pcx, "status_code": "active",
            "requester_vpc_info": { "vpc_id": "vpc-0", "cidr_blocks": ["10.0.0.0/16"] },
            "accepter_vpc_info": { "vpc_id": "vpc-1", "cidr_blocks": ["10.1.0.0/16"] } }),
        );
    }
    // VPC 0 may have an internet gateway, a default route to it in its main
    // table, and instances with public IPs.
    let igw = rng.gen_bool(0.5);
    let mut igws = Vec::new();
    if igw {
        igws.push(json!({ "internet_gateway_id": "igw-0", "attachments": [{ "vpc_id": "vpc-0", "state": "available" }] }));
    }
    let mut public: Vec<String> = Vec::new();
    let mut all_groups: Vec<(usize, String)> = Vec::new();
    let mut sub_cidrs: Vec<String> = Vec::new();
    let mut eni_n = 0;
    let mut insts: Vec<String> = Vec::new();
    for v in 0..nv {
        let vid = format!("vpc-{v}");
        let vcidr = format!("10.{v}.0.0/16");
        vpcs.push(json!({ "vpc_id": vid, "cidr_blocks": [vcidr] }));
        let ns = rng.gen_range(1..=4usize);
        let sids: Vec<String> = (0..ns).map(|s| format!("subnet-{v}{s}")).collect();
        for (s, sid) in sids.iter().enumerate() {
            subnets.push(json!({ "subnet_id": sid, "vpc_id": vid, "cidr_block": format!("10.{v}.{s}.0/24") }));
            sub_cidrs.push(format!("10.{v}.{s}.0/24"));
        }
        for g in 0..rng.gen_range(2..=3usize) {
            all_groups.push((v, format!("sg-{v}{g}")));
        }
        // Route tables: main, and maybe an explicit one.
        let peer_route = |rng: &mut ChaCha8Rng| -> Option<Value> {
            if !peered || v > 1 {
                return None;
            }
            let other = 1 - v;
            match rng.gen_range(0..4) {
                0 => None, // missing route
                1 => Some(
                    json!({ "destination_cidr_block": format!("10.{other}.0.0/16"),
                    "vpc_peering_connection_id": "pcx-0000000000000009", "state": "blackhole" }),
                ),
                2 => Some(
                    json!({ "destination_cidr_block": format!("10.{other}.{}.0/24", rng.gen_range(0..4)),
                    "vpc_peering_connection_id": pcx, "state": "active" }),
                ),
                _ => Some(
                    json!({ "destination_cidr_block": format!("10.{other}.0.0/16"),
                    "vpc_peering_connection_id": pcx, "state": "active" }),
                ),
            }
        };
        let local =
            json!({ "destination_cidr_block": vcidr, "gateway_id": "local", "state": "active" });
        let mut main = vec![local.clone()];
        main.extend(peer_route(&mut rng));
        if igw && v == 0 {
            main.push(json!({ "destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-0", "state": "active" }));
        }
        rtbs.push(
            json!({ "route_table_id": format!("rtb-{v}0"), "vpc_id": vid, "routes": main,
            "associations": [{ "main": true, "state": "associated" }] }),
        );
        if ns > 1 && rng.gen_bool(0.6) {
            let mut routes = vec![local];
            routes.extend(peer_route(&mut rng));
            let assoc: Vec<Value> = sids
                .iter()
                .filter(|_| rng.gen_bool(0.5))
                .map(|s| json!({ "main": false, "subnet_id": s, "state": "associated" }))
                .collect();
            rtbs.push(json!({ "route_table_id": format!("rtb-{v}1"), "vpc_id": vid, "routes": routes, "associations": assoc }));
        }
        // NACLs: the default allows everything; some subnets get a random one.
        let mut default_subs = Vec::new();
        for (s, sid) in sids.iter().enumerate() {
            if !rng.gen_bool(0.5) {
                default_subs.push(sid.clone());
                continue;
            }
            let mut entries = Vec::new();
            for egress in [false, true] {
                let mut numbers: Vec<u16> = (1..=30).map(|k| k * 10).collect();
                numbers.shuffle(&mut rng);
                for &n in numbers.iter().take(rng.gen_range(1..=5)) {
                    let cidr = match rng.gen_range(0..5) {
                        0 => "0.0.0.0/0".to_string(),
                        1 => format!("10.{}.0.0/16", rng.gen_range(0..nv)),
                        2 => sub_cidrs
                            .choose(&mut rng)
                            .cloned()
                            .unwrap_or_else(|| "0.0.0.0/0".into()),
                        3 => "10.0.0.0/8".to_string(),
                        _ => format!("10.{v}.{}.0/24", (s + 1) % ns),
                    };
                    let deny = rng.gen_bool(0.4);
                    let action = if deny { "deny" } else { "allow" };
                    let mut e = json!({ "rule_number": n, "egress": egress, "rule_action": action, "cidr_block": cidr });
                    if rng.gen_bool(if deny { 0.1 } else { 0.3 }) {
                        e["protocol"] = json!("-1");
                    } else {
                        // Denies mostly cut into the ephemeral ranges, which
                        // is where partial answers come from.
                        let (a, b) = if deny && rng.gen_bool(0.7) {
                            EPHEMERAL_CUTS[rng.gen_range(0..EPHEMERAL_CUTS.len())]
                        } else {
                            PORT_RANGES[rng.gen_range(0..PORT_RANGES.len())]
                        };
                        e["protocol"] = json!("6");
                        e["port_range"] = json!({ "from": a, "to": b });
                    }
                    entries.push(e);
                }
                // Usually a broad allow late in the list, so flows are not all blocked.
                if rng.gen_bool(0.8) {
                    entries.push(
                        json!({ "rule_number": 500, "egress": egress, "rule_action": "allow",
                        "cidr_block": "0.0.0.0/0", "protocol": "-1" }),
                    );
                }
                entries.push(
                    json!({ "rule_number": 32767, "egress": egress, "rule_action": "deny",
                    "cidr_block": "0.0.0.0/0", "protocol": "-1" }),
                );
            }
            entries.shuffle(&mut rng);
            acls.push(
                json!({ "network_acl_id": format!("acl-{v}{s}"), "vpc_id": vid, "is_default": false,
                "entries": entries, "associated_subnet_ids": [sid] }),
            );
        }
        let all = |egress: bool, n: u16, action: &str| {
            json!({ "rule_number": n, "egress": egress,
            "rule_action": action, "cidr_block": "0.0.0.0/0", "protocol": "-1" })
        };
        acls.push(json!({ "network_acl_id": format!("acl-{v}d"), "vpc_id": vid, "is_default": true,
            "entries": [all(false, 100, "allow"), all(false, 32767, "deny"), all(true, 100, "allow"), all(true, 32767, "deny")],
            "associated_subnet_ids": default_subs }));
        // Instances.
        for (s, sid) in sids.iter().enumerate() {
            for k in 0..rng.gen_range(1..=3u32) {
                let eid = format!("eni-{eni_n:04}");
                let iid = format!("i-{eni_n:04}");
                eni_n += 1;
                let mine: Vec<&String> = all_groups
                    .iter()
                    .filter(|(w, _)| *w == v)
                    .map(|(_, g)| g)
                    .collect();
                let mut groups: Vec<String> = vec![mine[rng.gen_range(0..mine.len())].clone()];
                if rng.gen_bool(0.3) {
                    let g = mine[rng.gen_range(0..mine.len())].clone();
                    if !groups.contains(&g) {
                        groups.push(g);
                    }
                }
                let ip = format!("10.{v}.{s}.{}", 10 + k);
                let mut addr = json!({ "private_ip_address": ip, "primary": true });
                if igw && v == 0 && rng.gen_bool(0.5) {
                    addr["public_ip"] = json!(format!("198.18.{s}.{}", 10 + k));
                    public.push(iid.clone());
                }
                enis.push(json!({ "network_interface_id": eid, "subnet_id": sid, "vpc_id": vid,
                    "interface_type": "interface", "status": "in-use",
                    "private_ip_addresses": [addr], "groups": groups,
                    "attachment": { "instance_id": iid, "device_index": 0, "status": "attached" } }));
                let mut inst = json!({ "instance_id": iid, "state": if rng.gen_bool(0.95) { "running" } else { "stopped" },
                    "subnet_id": sid, "vpc_id": vid, "private_ip_address": ip, "network_interface_ids": [eid] });
                if rng.gen_bool(0.25) {
                    inst["platform"] = json!("windows");
                }
                instances.push(inst);
                insts.push(iid);
            }
        }
        // Maybe a DB in the last subnet.
        if rng.gen_bool(0.5) {
            let ident = format!("db-{v}");
            let g = format!("sg-{v}db");
            all_groups.push((v, g.clone()));
            let s = ns - 1;
            let port = 5432;
            enis.push(json!({ "network_interface_id": format!("eni-db{v}"), "subnet_id": sids[s], "vpc_id": vid,
                "description": "RDSNetworkInterface", "interface_type": "interface", "requester_managed": true,
                "private_ip_addresses": [{ "private_ip_address": format!("10.{v}.{s}.200"), "primary": true }],
                "groups": [g] }));
            dbs.push(json!({ "db_instance_identifier": ident, "db_instance_status": if rng.gen_bool(0.9) { "available" } else { "stopped" },
                "endpoint": { "address": format!("{ident}.example"), "port": port },
                "db_subnet_group": { "name": "g", "vpc_id": vid, "subnet_ids": [sids[s]] },
                "vpc_security_group_ids": [g], "publicly_accessible": false }));
        }
    }
    // Security groups, now that every group id is known.
    for (v, gid) in &all_groups {
        let mut ingress = Vec::new();
        for _ in 0..rng.gen_range(1..=3) {
            let (a, b) = if gid.ends_with("db") && rng.gen_bool(0.7) {
                (5432, 5432)
            } else {
                PORT_RANGES[rng.gen_range(0..PORT_RANGES.len())]
            };
            let mut p = json!({ "ip_protocol": "tcp", "from_port": a, "to_port": b });
            match rng.gen_range(0..7) {
                0 | 1 => {
                    // A group in this VPC or, when peered, the other one.
                    let pool: Vec<&String> = all_groups
                        .iter()
                        .filter(|(w, _)| *w == *v || (peered && *w <= 1 && *v <= 1))
                        .map(|(_, g)| g)
                        .collect();
                    p["user_id_group_pairs"] =
                        json!([{ "group_id": pool[rng.gen_range(0..pool.len())] }]);
                }
                2 => p["ip_ranges"] = json!([format!("10.{}.0.0/16", rng.gen_range(0..nv))]),
                3 => {
                    p["ip_ranges"] =
                        json!([sub_cidrs.choose(&mut rng).cloned().unwrap_or_default()])
                }
                4 => p["ip_ranges"] = json!(["10.0.0.0/8"]),
                5 if rng.gen_bool(0.6) => p["ip_ranges"] = json!(["10.0.0.0/8"]),
                _ => {
                    p["ip_ranges"] = json!([format!("10.{v}.0.{}/30", rng.gen_range(0..4) * 4 + 8)])
                }
            }
            if rng.gen_bool(0.15) {
                p = json!({ "ip_protocol": "-1", "ip_ranges": ["10.0.0.0/8"] });
            } else if igw && rng.gen_bool(0.2) {
                p["ip_ranges"] = json!(["0.0.0.0/0"]);
                if let Some(o) = p.as_object_mut() {
                    o.remove("user_id_group_pairs");
                }
            }
            ingress.push(p);
        }
        let egress = if rng.gen_bool(0.8) {
            vec![json!({ "ip_protocol": "-1", "ip_ranges": ["0.0.0.0/0"] })]
        } else {
            let (a, b) = PORT_RANGES[rng.gen_range(0..PORT_RANGES.len())];
            vec![
                json!({ "ip_protocol": "tcp", "from_port": a, "to_port": b, "ip_ranges": ["10.0.0.0/8"] }),
            ]
        };
        sgs.push(
            json!({ "group_id": gid, "group_name": gid, "vpc_id": format!("vpc-{v}"),
            "ip_permissions": ingress, "ip_permissions_egress": egress }),
        );
    }
    // Flows: random instance pairs, mostly on a port the destination's
    // groups open (so that many flows get past the groups and the NACLs
    // and routes decide), else on a service port; and every DB.
    let groups_of = |iid: &str| -> Vec<String> {
        enis.iter()
            .find(|e| e["attachment"]["instance_id"] == iid)
            .and_then(|e| e["groups"].as_array())
            .map(|g| {
                g.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let open_ports = |groups: &[String]| -> Vec<(u16, u16)> {
        sgs.iter()
            .filter(|g| groups.iter().any(|x| g["group_id"] == x.as_str()))
            .flat_map(|g| g["ip_permissions"].as_array().cloned().unwrap_or_default())
            .map(|p| {
                let a = p["from_port"].as_u64().unwrap_or(0) as u16;
                let b = p["to_port"].as_u64().unwrap_or(65535) as u16;
                (a, b)
            })
            .collect()
    };
    let mut flows: Vec<(String, String, crate::Ask)> = Vec::new();
    for _ in 0..rng.gen_range(4..=8) {
        let a = insts[rng.gen_range(0..insts.len())].clone();
        let b = insts[rng.gen_range(0..insts.len())].clone();
        let open = open_ports(&groups_of(&b));
        let port = if !open.is_empty() && rng.gen_bool(0.75) {
            let (x, y) = open[rng.gen_range(0..open.len())];
            // Skip port 0, which no client connects to.
            rng.gen_range(x.max(1)..=y.max(1))
        } else {
            SERVICE_PORTS[rng.gen_range(0..SERVICE_PORTS.len())]
        };
        let f = (a.clone(), b.clone(), crate::Ask::Tcp(Some(port)));
        if a != b && !flows.contains(&f) {
            flows.push(f);
        }
    }
    // Internet flows: into public instances, and out to a server.
    if igw {
        for _ in 0..rng.gen_range(1..=3) {
            if let Some(b) = public.choose(&mut rng).cloned() {
                let open = open_ports(&groups_of(&b));
                let port = match open.choose(&mut rng) {
                    Some(&(x, y)) if rng.gen_bool(0.75) => rng.gen_range(x.max(1)..=y.max(1)),
                    _ => SERVICE_PORTS[rng.gen_range(0..SERVICE_PORTS.len())],
                };
                let f = ("internet".to_string(), b, crate::Ask::Tcp(Some(port)));
                if !flows.contains(&f) {
                    flows.push(f);
                }
            }
        }
        let a = insts[rng.gen_range(0..insts.len())].clone();
        flows.push((a, "203.0.113.50".to_string(), crate::Ask::Tcp(Some(443))));
    }
    for db in &dbs {
        let a = insts[rng.gen_range(0..insts.len())].clone();
        let ident = db["db_instance_identifier"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        flows.push((a.clone(), ident.clone(), crate::Ask::Tcp(None)));
        if rng.gen_bool(0.3) {
            flows.push((a, ident, crate::Ask::Tcp(Some(3306)))); // a DB listens on its port only
        }
    }
    // ICMP, drawn from a generator of its own so the rest of the world is
    // the same as without it: echo rules in some groups (all of ICMP, echo
    // request only, or echo reply only, which admits no ping), ICMP entries
    // early in some NACLs (an echo reply denied outbound drops the answer on
    // its way back), and ping flows between instances.
    let mut irng = ChaCha8Rng::seed_from_u64(seed ^ 0x1c4d_0ec0);
    const ICMP: [(i32, i32); 4] = [(-1, -1), (8, -1), (8, 0), (0, -1)];
    for g in sgs.iter_mut() {
        if irng.gen_bool(0.4) {
            let (t, c) = ICMP[irng.gen_range(0..ICMP.len())];
            if let Some(rules) = g["ip_permissions"].as_array_mut() {
                rules.push(json!({ "ip_protocol": "icmp", "from_port": t, "to_port": c, "ip_ranges": ["10.0.0.0/8"] }));
            }
        }
    }
    for a in acls.iter_mut().filter(|a| a["is_default"] == false) {
        if irng.gen_bool(0.3) {
            let egress = irng.gen_bool(0.5);
            let (t, c) = ICMP[irng.gen_range(0..ICMP.len())];
            let action = if irng.gen_bool(0.5) { "deny" } else { "allow" };
            if let Some(entries) = a["entries"].as_array_mut() {
                entries.push(json!({ "rule_number": 1, "egress": egress, "rule_action": action,
                    "cidr_block": "0.0.0.0/0", "protocol": "1", "icmp_type_code": { "type": t, "code": c } }));
            }
        }
    }
    for _ in 0..irng.gen_range(1..=2) {
        let a = insts[irng.gen_range(0..insts.len())].clone();
        let b = insts[irng.gen_range(0..insts.len())].clone();
        let f = (a.clone(), b, crate::Ask::Ping);
        if a != f.1 && !flows.contains(&f) {
            flows.push(f);
        }
    }
    let mut eigws = Vec::new();
    ipv6::dual_stack(
        seed,
        ipv6::World {
            vpcs: &mut vpcs,
            subnets: &mut subnets,
            sgs: &mut sgs,
            acls: &mut acls,
            rtbs: &mut rtbs,
            enis: &mut enis,
            eigws: &mut eigws,
            flows: &mut flows,
            insts: &insts,
            igw,
            peered,
        },
    );
    let hosts = hosts(seed, &flows);
    let hub = hub::hub(seed, nv, peered, &mut subnets, &mut rtbs);
    let doc = json!({ "format": netpath_model::SNAPSHOT_FORMAT, "version": netpath_model::SNAPSHOT_VERSION,
        "metadata": { "source": "netpath-lab-random", "regions": ["us-east-1"] },
        "vpcs": vpcs, "subnets": subnets, "security_groups": sgs, "network_acls": acls, "route_tables": rtbs,
        "network_interfaces": enis, "instances": instances, "vpc_peering_connections": peerings,
        "internet_gateways": igws, "egress_only_internet_gateways": eigws, "nat_gateways": [],
        "prefix_lists": [], "db_instances": dbs });
    let mut doc = doc;
    if let Some(h) = hub {
        doc["transit_gateways"] = json!(h.transit_gateways);
        doc["transit_gateway_attachments"] = json!(h.attachments);
        doc["transit_gateway_vpc_attachments"] = json!(h.vpc_attachments);
        doc["transit_gateway_route_tables"] = json!(h.route_tables);
        doc["transit_gateway_routes"] = json!(h.routes);
        doc["transit_gateway_propagations"] = json!(h.propagations);
        if !h.peering_attachments.is_empty() {
            doc["transit_gateway_peering_attachments"] = json!(h.peering_attachments);
        }
    }
    let snapshot = Snapshot::from_value(std::path::Path::new("<lab-random>"), doc)
        .expect("the lab generator writes valid snapshots");
    RandomWorld {
        snapshot,
        flows,
        hosts,
    }
}

/// Host setups for some instance destinations of TCP `flows`, from a
/// generator of their own (the rest of the world is the same without them):
/// a listener on the flow's port bound to every address, loopback only,
/// the interface, or nothing; a host firewall that accepts, drops or
/// rejects the port (a reset, port unreachable, admin prohibited), with a
/// drop or accept policy, with or without the usual established rule.
fn hosts(seed: u64, flows: &[(String, String, crate::Ask)]) -> Vec<(String, HostSetup)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4057_f4c7);
    let mut out: Vec<(String, HostSetup)> = Vec::new();
    for (_, to, ask) in flows {
        let crate::Ask::Tcp(Some(port)) = ask else {
            continue;
        };
        if !to.starts_with("i-") || out.iter().any(|(i, _)| i == to) || !rng.gen_bool(0.4) {
            continue;
        }
        let mut h = HostSetup::default();
        match rng.gen_range(0..20) {
            0..=9 => h.listeners.push((Bind::Any, *port)),
            10..=13 => h.listeners.push((Bind::Loopback, *port)),
            14..=16 => h.listeners.push((Bind::Interface, *port)),
            _ => {}
        }
        let action = match rng.gen_range(0..12) {
            0..=3 => None,
            4..=5 => Some(HostAction::Accept),
            6..=7 => Some(HostAction::Drop),
            8..=9 => Some(HostAction::RejectReset),
            10 => Some(HostAction::RejectPortUnreachable),
            _ => Some(HostAction::RejectProhibited),
        };
        if let Some(a) = action {
            h.input.push((*port, a));
        }
        h.input_policy_drop = rng.gen_bool(0.3);
        h.input_allows_established = rng.gen_bool(0.8);
        // A dropping output policy silences replies (state established)
        // and a REJECT's answers (state related) unless a rule lets them out.
        h.output_policy_drop = rng.gen_bool(0.25);
        h.output_allows_established = !h.output_policy_drop || rng.gen_bool(0.6);
        h.output_allows_related = !h.output_policy_drop || rng.gen_bool(0.5);
        out.push((to.clone(), h));
    }
    out
}
