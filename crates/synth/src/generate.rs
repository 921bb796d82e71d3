//! [`generate`]: a synthetic account of a requested size.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use netpath_model::{Snapshot, DEFAULT_RULE_NUMBER};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthParams {
    /// Number of ENIs (instances' ENIs plus RDS ENIs), at least 1.
    pub enis: usize,
    /// Number of VPCs, 1-250.
    pub vpcs: usize,
    /// Seed of the random generator.
    pub seed: u64,
}

/// `{prefix}-{17 hex digits}`: `space` (an account's number in an
/// organization, 0 alone) in the high bits, so accounts never share an id.
pub(crate) fn id(space: u64, prefix: &str, n: u64) -> String {
    format!("{prefix}-{:017x}", space << 40 | n)
}

pub(crate) const PORTS: [(u16, u16); 10] = [
    (443, 443),
    (80, 80),
    (8080, 8080),
    (22, 22),
    (5432, 5432),
    (6379, 6379),
    (3306, 3306),
    (9000, 9100),
    (8443, 8443),
    (11211, 11211),
];

fn perm(proto: &str, ports: Option<(u16, u16)>, cidrs: &[String], groups: &[String]) -> Value {
    let mut p = json!({ "ip_protocol": proto });
    if let Some((a, b)) = ports {
        p["from_port"] = json!(a);
        p["to_port"] = json!(b);
    }
    if !cidrs.is_empty() {
        p["ip_ranges"] = json!(cidrs);
    }
    if !groups.is_empty() {
        p["user_id_group_pairs"] = json!(groups
            .iter()
            .map(|g| json!({ "group_id": g }))
            .collect::<Vec<_>>());
    }
    p
}

fn entry(
    n: u16,
    egress: bool,
    action: &str,
    cidr: &str,
    proto: &str,
    ports: Option<(u16, u16)>,
) -> Value {
    let mut e = json!({
        "rule_number": n, "egress": egress, "protocol": proto, "rule_action": action, "cidr_block": cidr
    });
    if let Some((a, b)) = ports {
        e["port_range"] = json!({ "from": a, "to": b });
    }
    e
}

/// Zipf-like weights 1/(k+1) for `n` items.
fn zipf(n: usize) -> Vec<f64> {
    (0..n).map(|k| 1.0 / (k as f64 + 1.0)).collect()
}

fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Builds a synthetic snapshot (see the module docs).
///
/// Input: [`SynthParams`]. Output: a valid [`Snapshot`] holding exactly
/// `enis` ENIs. Never fails: sizes are clamped (1-250 VPCs, at most 250
/// subnets of 250 ENIs per VPC, so at most 62,500 ENIs per VPC; more VPCs
/// are needed beyond that).
pub fn generate(p: &SynthParams) -> Snapshot {
    generate_account(p, "123456789012", 0)
}

/// [`generate`] for account `acct` of an organization, the `space`-th
/// (0-based; ids and DB identifiers carry it, so accounts never collide;
/// VPC CIDRs repeat across accounts, as they often do).
pub fn generate_account(p: &SynthParams, acct: &str, space: u64) -> Snapshot {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let nv = p.vpcs.clamp(1, 250);
    // ENIs per VPC: skewed, each at least 1.
    let vw = zipf(nv);
    let total_w: f64 = vw.iter().sum();
    let mut per_vpc: Vec<usize> = vw
        .iter()
        .map(|w| ((p.enis as f64) * w / total_w).floor() as usize)
        .collect();
    let assigned: usize = per_vpc.iter().sum();
    per_vpc[0] += p.enis.saturating_sub(assigned);

    let (mut vpcs, mut subnets, mut sgs, mut acls, mut rtbs, mut peerings) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut igws, mut enis, mut instances, mut dbs) = (vec![], vec![], vec![], vec![]);
    let mut counter: u64 = 0;
    let mut public_n: u32 = 0;
    let mut next = || {
        counter += 1;
        counter
    };

    // Peerings: v <-> v+1 for even v; every fifth one deleted.
    let mut peers_of: Vec<Vec<(usize, String, bool)>> = vec![Vec::new(); nv];
    for v in (0..nv.saturating_sub(1)).step_by(2) {
        let pid = id(space, "pcx", (v as u64) << 8 | 1);
        let active = v % 10 != 8;
        peers_of[v].push((v + 1, pid.clone(), active));
        peers_of[v + 1].push((v, pid.clone(), active));
        let side = |w: usize| json!({ "vpc_id": id(space, "vpc", w as u64 + 1), "owner_id": acct, "region": "us-east-1", "cidr_blocks": [format!("10.{w}.0.0/16")] });
        peerings.push(json!({
            "vpc_peering_connection_id": pid,
            "status_code": if active { "active" } else { "deleted" },
            "requester_vpc_info": side(v), "accepter_vpc_info": side(v + 1)
        }));
    }

    for (v, &n_enis) in per_vpc.iter().enumerate() {
        let vid = id(space, "vpc", v as u64 + 1);
        let vcidr = format!("10.{v}.0.0/16");
        vpcs.push(json!({ "vpc_id": vid, "owner_id": acct, "cidr_blocks": [vcidr], "is_default": false, "tags": { "Name": format!("vpc-{v}") } }));
        let igw = id(space, "igw", v as u64 + 1);
        igws.push(json!({ "internet_gateway_id": igw, "attachments": [{ "vpc_id": vid, "state": "available" }] }));

        let n_db = (n_enis / 400).max(usize::from(n_enis >= 8));
        let n_inst = n_enis - n_db;
        let n_sub = (n_inst.div_ceil(120) + 2).clamp(3, 250);
        let sub_ids: Vec<String> = (0..n_sub).map(|_| id(space, "subnet", next())).collect();
        for (s, sid) in sub_ids.iter().enumerate() {
            subnets.push(
                json!({ "subnet_id": sid, "vpc_id": vid, "cidr_block": format!("10.{v}.{s}.0/24"),
                "availability_zone": if s % 2 == 0 { "us-east-1a" } else { "us-east-1b" } }),
            );
        }
        // Roles and their groups.
        let n_roles = (n_inst / 40).clamp(4, 200);
        let base = id(space, "sg", next());
        sgs.push(json!({ "group_id": base, "group_name": format!("base-{v}"), "vpc_id": vid, "owner_id": acct,
            "ip_permissions": [perm("tcp", Some((22, 22)), std::slice::from_ref(&vcidr), &[])],
            "ip_permissions_egress": [perm("-1", None, &["0.0.0.0/0".to_string()], &[])] }));
        let role_sg: Vec<String> = (0..n_roles).map(|_| id(space, "sg", next())).collect();
        let peer_cidrs: Vec<String> = peers_of[v]
            .iter()
            .map(|(w, _, _)| format!("10.{w}.0.0/16"))
            .collect();
        for (r, gid) in role_sg.iter().enumerate() {
            let mut ingress = Vec::new();
            if r % 5 == 0 {
                ingress.push(perm(
                    "tcp",
                    Some((443, 443)),
                    &["0.0.0.0/0".to_string()],
                    &[],
                ));
            }
            for _ in 0..rng.gen_range(1..=3) {
                let ports = PORTS[rng.gen_range(0..PORTS.len())];
                match rng.gen_range(0..10) {
                    0..=5 if r > 0 => {
                        let src = &role_sg[rng.gen_range(0..r)];
                        ingress.push(perm("tcp", Some(ports), &[], std::slice::from_ref(src)));
                    }
                    6 => ingress.push(perm("tcp", Some(ports), std::slice::from_ref(&vcidr), &[])),
                    7 if !peer_cidrs.is_empty() => {
                        ingress.push(perm("tcp", Some(ports), &[peer_cidrs[0].clone()], &[]))
                    }
                    8 => {
                        let s = rng.gen_range(0..n_sub);
                        ingress.push(perm("tcp", Some(ports), &[format!("10.{v}.{s}.0/24")], &[]))
                    }
                    _ => ingress.push(perm("tcp", Some(ports), &[], std::slice::from_ref(gid))),
                }
            }
            let egress = if r % 10 == 9 {
                vec![
                    perm("tcp", Some((443, 443)), &["0.0.0.0/0".to_string()], &[]),
                    perm(
                        "tcp",
                        Some((1024, 65535)),
                        std::slice::from_ref(&vcidr),
                        &[],
                    ),
                ]
            } else {
                vec![perm("-1", None, &["0.0.0.0/0".to_string()], &[])]
            };
            sgs.push(json!({ "group_id": gid, "group_name": format!("role-{v}-{r}"), "vpc_id": vid, "owner_id": acct,
                "ip_permissions": ingress, "ip_permissions_egress": egress }));
        }
        // Network ACLs: the default allows all; every fourth subnet (from the second) gets a custom one.
        let default_acl = id(space, "acl", next());
        let mut default_subnets = Vec::new();
        for (s, sid) in sub_ids.iter().enumerate() {
            if s % 4 != 1 {
                default_subnets.push(sid.clone());
                continue;
            }
            let mut entries = Vec::new();
            let n = 100;
            for egress in [false, true] {
                let mut list = vec![
                    entry(n, egress, "allow", &vcidr, "-1", None),
                    entry(n + 10, egress, "deny", "0.0.0.0/0", "6", Some((3389, 3389))),
                    entry(n + 20, egress, "allow", "0.0.0.0/0", "6", Some((443, 443))),
                    entry(
                        n + 30,
                        egress,
                        "allow",
                        "0.0.0.0/0",
                        "6",
                        Some((1024, 65535)),
                    ),
                ];
                for (k, pc) in peer_cidrs.iter().enumerate() {
                    list.push(entry(
                        n + 40 + k as u16,
                        egress,
                        "allow",
                        pc,
                        "6",
                        Some((0, 65535)),
                    ));
                }
                for k in 0..rng.gen_range(5..20u16) {
                    let (a, b) = PORTS[rng.gen_range(0..PORTS.len())];
                    let action = if rng.gen_bool(0.3) { "deny" } else { "allow" };
                    let cidr = format!(
                        "10.{}.{}.0/24",
                        rng.gen_range(0..nv.min(255)),
                        rng.gen_range(0..255)
                    );
                    list.push(entry(
                        200 + 10 * k,
                        egress,
                        action,
                        &cidr,
                        "6",
                        Some((a, b)),
                    ));
                }
                list.push(entry(
                    DEFAULT_RULE_NUMBER,
                    egress,
                    "deny",
                    "0.0.0.0/0",
                    "-1",
                    None,
                ));
                list.shuffle(&mut rng);
                entries.extend(list);
            }
            acls.push(
                json!({ "network_acl_id": id(space, "acl", next()), "vpc_id": vid, "is_default": false,
                "entries": entries, "associated_subnet_ids": [sid] }),
            );
        }
        acls.push(json!({ "network_acl_id": default_acl, "vpc_id": vid, "is_default": true,
            "entries": [entry(100, false, "allow", "0.0.0.0/0", "-1", None), entry(DEFAULT_RULE_NUMBER, false, "deny", "0.0.0.0/0", "-1", None),
                        entry(100, true, "allow", "0.0.0.0/0", "-1", None), entry(DEFAULT_RULE_NUMBER, true, "deny", "0.0.0.0/0", "-1", None)],
            "associated_subnet_ids": default_subnets }));
        // Route tables: main (IGW, peerings) and a private one for odd subnets.
        let mut peer_routes: Vec<Value> = peers_of[v]
            .iter()
            .map(|(w, pid, active)| json!({ "destination_cidr_block": format!("10.{w}.0.0/16"),
                "vpc_peering_connection_id": pid, "state": if *active { "active" } else { "blackhole" } }))
            .collect();
        let local =
            json!({ "destination_cidr_block": vcidr, "gateway_id": "local", "state": "active" });
        let mut main_routes = vec![
            local.clone(),
            json!({ "destination_cidr_block": "0.0.0.0/0", "gateway_id": igw, "state": "active" }),
        ];
        main_routes.extend(peer_routes.clone());
        rtbs.push(
            json!({ "route_table_id": id(space, "rtb", next()), "vpc_id": vid, "routes": main_routes,
            "associations": [{ "main": true, "state": "associated" }] }),
        );
        let private_subnets: Vec<Value> = sub_ids
            .iter()
            .enumerate()
            .filter(|(s, _)| s % 2 == 1)
            .map(|(_, sid)| json!({ "main": false, "subnet_id": sid, "state": "associated" }))
            .collect();
        peer_routes.insert(0, local);
        rtbs.push(
            json!({ "route_table_id": id(space, "rtb", next()), "vpc_id": vid, "routes": peer_routes,
            "associations": private_subnets }),
        );

        // ENIs: roles by Zipf weight, each role in 1-3 consecutive subnets.
        let mut fill = vec![0usize; n_sub];
        let role_home: Vec<(usize, usize)> = (0..n_roles)
            .map(|_| (rng.gen_range(0..n_sub), rng.gen_range(1..=3)))
            .collect();
        let rw = zipf(n_roles);
        for _ in 0..n_inst {
            let r = pick(&mut rng, &rw);
            let (home, span) = role_home[r];
            let mut s = (home + rng.gen_range(0..span)) % n_sub;
            let mut tries = 0;
            while fill[s] >= 250 && tries < n_sub {
                s = (s + 1) % n_sub;
                tries += 1;
            }
            if fill[s] >= 250 {
                break; // VPC full
            }
            fill[s] += 1;
            let ip = format!("10.{v}.{s}.{}", fill[s] + 3);
            let eid = id(space, "eni", next());
            let iid = id(space, "i", next());
            let mut groups = vec![role_sg[r].clone()];
            if r % 2 == 0 {
                groups.push(base.clone());
            }
            let mut addr = json!({ "private_ip_address": ip, "primary": true });
            if r % 5 == 0 && s % 2 == 0 && rng.gen_bool(0.3) {
                public_n += 1;
                let a = std::net::Ipv4Addr::from(
                    u32::from(std::net::Ipv4Addr::new(198, 18, 0, 0)) + public_n,
                );
                addr["public_ip"] = json!(a.to_string());
            }
            enis.push(json!({ "network_interface_id": eid, "subnet_id": sub_ids[s], "vpc_id": vid,
                "description": "", "interface_type": "interface", "requester_managed": false, "status": "in-use",
                "private_ip_addresses": [addr], "groups": groups,
                "attachment": { "instance_id": iid, "status": "attached", "device_index": 0 } }));
            let mut inst = json!({ "instance_id": iid, "state": if rng.gen_bool(0.97) { "running" } else { "stopped" },
                "subnet_id": sub_ids[s], "vpc_id": vid, "private_ip_address": ip, "network_interface_ids": [eid],
                "tags": { "Name": format!("role-{v}-{r}"), "Role": format!("r{r}") } });
            if rng.gen_bool(0.05) {
                inst["platform"] = json!("windows");
            }
            instances.push(inst);
        }
        // RDS instances in the last subnet, admitting a few roles.
        let db_sub = n_sub - 1;
        for d in 0..n_db {
            let gid = id(space, "sg", next());
            let port: u16 = if d % 3 == 2 { 3306 } else { 5432 };
            let clients: Vec<String> = (0..rng.gen_range(1..=3))
                .map(|_| role_sg[rng.gen_range(0..n_roles)].clone())
                .collect();
            sgs.push(json!({ "group_id": gid, "group_name": format!("db-{v}-{d}"), "vpc_id": vid, "owner_id": acct,
                "ip_permissions": [perm("tcp", Some((port, port)), &[], &clients)],
                "ip_permissions_egress": [perm("-1", None, &["0.0.0.0/0".to_string()], &[])] }));
            fill[db_sub] = (fill[db_sub] + 1).min(251);
            let ip = format!("10.{v}.{db_sub}.{}", 255 - (d % 250) - 1);
            let ident = if space == 0 {
                format!("db-{v}-{d}")
            } else {
                format!("db-{space}-{v}-{d}")
            };
            enis.push(json!({ "network_interface_id": id(space, "eni", next()), "subnet_id": sub_ids[db_sub], "vpc_id": vid,
                "description": "RDSNetworkInterface", "interface_type": "interface", "requester_managed": true,
                "requester_id": "amazon-rds", "status": "in-use",
                "private_ip_addresses": [{ "private_ip_address": ip, "primary": true }], "groups": [gid] }));
            dbs.push(json!({ "db_instance_identifier": ident, "db_instance_status": "available",
                "engine": if port == 5432 { "postgres" } else { "mysql" },
                "endpoint": { "address": format!("{ident}.synthetic.us-east-1.rds.amazonaws.com"), "port": port },
                "db_subnet_group": { "name": format!("{ident}-subnets"), "vpc_id": vid, "subnet_ids": [sub_ids[db_sub]] },
                "vpc_security_group_ids": [gid], "multi_az": false, "publicly_accessible": false }));
        }
    }
    let doc = json!({
        "format": netpath_model::SNAPSHOT_FORMAT, "version": netpath_model::SNAPSHOT_VERSION,
        "metadata": { "source": "netpath-synth", "regions": ["us-east-1"], "account_ids": [acct],
            "tool_version": env!("CARGO_PKG_VERSION"), "operations": [], "gaps": [] },
        "vpcs": vpcs, "subnets": subnets, "security_groups": sgs, "network_acls": acls, "route_tables": rtbs,
        "network_interfaces": enis, "instances": instances, "vpc_peering_connections": peerings,
        "internet_gateways": igws, "nat_gateways": [], "prefix_lists": [], "db_instances": dbs,
    });
    let mut snap = Snapshot::from_value(Path::new("<synth>"), doc)
        .expect("the synthetic generator writes valid snapshots");
    snap.sort();
    snap
}
