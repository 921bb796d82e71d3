//! Dual-stack worlds: about half the random worlds get IPv6, drawn from a
//! generator of its own so the IPv4 world is the same as without it. Each
//! VPC gets a /56 and each subnet a /64 of it; instances an IPv6 address;
//! route tables the IPv6 `local` route, peering routes, `::/0` to the
//! internet gateway or to an egress-only gateway; groups `Ipv6Ranges`
//! rules (TCP and ICMPv6 echo); network ACLs IPv6 entries (out of order,
//! allow and deny, cutting the ephemeral ranges) and the IPv6 `*` (32768);
//! and flows over IPv6: TCP and ping between instances, from the internet
//! and out to it.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-migrate-ipv6.html>

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::{EPHEMERAL_CUTS, PORT_RANGES, SERVICE_PORTS};

/// The world's resources as JSON, to extend in place.
pub(super) struct World<'w> {
    pub vpcs: &'w mut Vec<Value>,
    pub subnets: &'w mut Vec<Value>,
    pub sgs: &'w mut Vec<Value>,
    pub acls: &'w mut Vec<Value>,
    pub rtbs: &'w mut Vec<Value>,
    pub enis: &'w mut Vec<Value>,
    pub eigws: &'w mut Vec<Value>,
    pub flows: &'w mut Vec<(String, String, crate::Ask)>,
    /// The instances.
    pub insts: &'w [String],
    /// Whether VPC 0 has an internet gateway, and VPCs 0 and 1 a peering.
    pub igw: bool,
    pub peered: bool,
}

pub(super) fn vpc6(v: usize) -> String {
    format!("2600:1f18:{v}::/56")
}

pub(super) fn subnet6(v: usize, s: usize) -> String {
    format!("2600:1f18:{v}:{s}::/64")
}

/// (VPC, subnet) of a generated subnet id, `subnet-<v><s>` (one digit each).
fn subnet_position(id: &Value) -> (usize, usize) {
    let d: Vec<usize> = id
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("subnet-")
        .chars()
        .filter_map(|c| c.to_digit(10).map(|d| d as usize))
        .collect();
    (d[0], d[1])
}

/// Makes world `seed` dual-stack, or leaves it IPv4 only.
pub(super) fn dual_stack(seed: u64, w: World) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x61a6_6666);
    if !rng.gen_bool(0.5) {
        return;
    }
    for (v, vpc) in w.vpcs.iter_mut().enumerate() {
        vpc["ipv6_cidr_blocks"] = json!([vpc6(v)]);
    }
    let mut subnet6s: Vec<String> = Vec::new();
    for s in w.subnets.iter_mut() {
        let (v, k) = subnet_position(&s["subnet_id"]);
        s["ipv6_cidr_blocks"] = json!([subnet6(v, k)]);
        subnet6s.push(subnet6(v, k));
    }
    // Instances' ENIs (not the DBs').
    for e in w.enis.iter_mut().filter(|e| e["attachment"].is_object()) {
        let (v, k) = subnet_position(&e["subnet_id"]);
        let n: usize = e["network_interface_id"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("eni-")
            .parse()
            .unwrap_or(0);
        e["ipv6_addresses"] = json!([format!("2600:1f18:{v}:{k}::{:x}", 0x10 + n)]);
    }
    // An egress-only gateway for VPC 0, sometimes.
    let eigw = rng.gen_bool(0.5);
    if eigw {
        w.eigws
            .push(json!({ "egress_only_internet_gateway_id": "eigw-0",
            "attachments": [{ "vpc_id": "vpc-0", "state": "attached" }] }));
    }
    for rt in w.rtbs.iter_mut() {
        let vid = rt["vpc_id"].as_str().unwrap_or_default().to_string();
        let v: usize = vid.trim_start_matches("vpc-").parse().unwrap_or(0);
        let main = rt["associations"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["main"] == true));
        let routes = rt["routes"].as_array_mut().expect("routes");
        routes.push(json!({ "destination_ipv6_cidr_block": vpc6(v), "gateway_id": "local", "state": "active" }));
        if w.peered && v <= 1 && rng.gen_bool(0.6) {
            routes.push(json!({ "destination_ipv6_cidr_block": vpc6(1 - v),
                "vpc_peering_connection_id": "pcx-0000000000000001", "state": "active" }));
        }
        if v == 0 {
            match (w.igw, eigw, main) {
                (true, _, true) => routes.push(json!({ "destination_ipv6_cidr_block": "::/0", "gateway_id": "igw-0", "state": "active" })),
                (_, true, false) | (false, true, true) => routes.push(json!({ "destination_ipv6_cidr_block": "::/0",
                    "egress_only_internet_gateway_id": "eigw-0", "state": "active" })),
                _ => {}
            }
        }
    }
    // Network ACLs: the default ones allow IPv6 as well; custom ones get
    // random IPv6 entries.
    for a in w.acls.iter_mut() {
        let default = a["is_default"] == true;
        let v: usize = a["vpc_id"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("vpc-")
            .parse()
            .unwrap_or(0);
        let entries = a["entries"].as_array_mut().expect("entries");
        for egress in [false, true] {
            if default {
                entries.push(
                    json!({ "rule_number": 101, "egress": egress, "rule_action": "allow",
                    "ipv6_cidr_block": "::/0", "protocol": "-1" }),
                );
            } else {
                let mut numbers: Vec<u16> = (1..=30).map(|k| k * 10 + 5).collect();
                numbers.shuffle(&mut rng);
                for &n in numbers.iter().take(rng.gen_range(0..=3)) {
                    let cidr = match rng.gen_range(0..4) {
                        0 => "::/0".to_string(),
                        1 => vpc6(v),
                        2 => subnet6s
                            .choose(&mut rng)
                            .cloned()
                            .unwrap_or_else(|| "::/0".into()),
                        _ => "2600:1f18::/32".to_string(),
                    };
                    let deny = rng.gen_bool(0.4);
                    let (lo, hi) = if deny && rng.gen_bool(0.7) {
                        EPHEMERAL_CUTS[rng.gen_range(0..EPHEMERAL_CUTS.len())]
                    } else {
                        PORT_RANGES[rng.gen_range(0..PORT_RANGES.len())]
                    };
                    entries.push(json!({ "rule_number": n, "egress": egress,
                        "rule_action": if deny { "deny" } else { "allow" }, "ipv6_cidr_block": cidr,
                        "protocol": "6", "port_range": { "from": lo, "to": hi } }));
                }
                if rng.gen_bool(0.7) {
                    entries.push(
                        json!({ "rule_number": 505, "egress": egress, "rule_action": "allow",
                        "ipv6_cidr_block": "::/0", "protocol": "-1" }),
                    );
                }
            }
            entries.push(
                json!({ "rule_number": 32768, "egress": egress, "rule_action": "deny",
                "ipv6_cidr_block": "::/0", "protocol": "-1" }),
            );
        }
    }
    // Security groups: IPv6 rules beside the IPv4 ones; egress that allows
    // all IPv4 allows all IPv6 too, as the console's default does.
    for g in w.sgs.iter_mut() {
        if let Some(out) = g["ip_permissions_egress"].as_array_mut() {
            for p in out.iter_mut() {
                if p["ip_protocol"] == "-1"
                    && p["ip_ranges"] == json!(["0.0.0.0/0"])
                    && rng.gen_bool(0.85)
                {
                    p["ipv6_ranges"] = json!(["::/0"]);
                }
            }
        }
        let rules = g["ip_permissions"].as_array_mut().expect("ingress");
        for _ in 0..rng.gen_range(0..=2) {
            let (lo, hi) = PORT_RANGES[rng.gen_range(0..PORT_RANGES.len())];
            let cidr = match rng.gen_range(0..4) {
                0 if w.igw => "::/0".to_string(),
                1 => subnet6s
                    .choose(&mut rng)
                    .cloned()
                    .unwrap_or_else(|| "::/0".into()),
                _ => "2600:1f18::/32".to_string(),
            };
            rules.push(json!({ "ip_protocol": "tcp", "from_port": lo, "to_port": hi, "ipv6_ranges": [cidr] }));
        }
        if rng.gen_bool(0.3) {
            rules.push(json!({ "ip_protocol": "icmpv6", "from_port": 128, "to_port": -1, "ipv6_ranges": ["2600:1f18::/32"] }));
        }
    }
    // Flows over IPv6.
    let insts = w.insts;
    for _ in 0..rng.gen_range(2..=5) {
        let a = insts[rng.gen_range(0..insts.len())].clone();
        let b = insts[rng.gen_range(0..insts.len())].clone();
        let port = SERVICE_PORTS[rng.gen_range(0..SERVICE_PORTS.len())];
        let ask = if rng.gen_bool(0.25) {
            crate::Ask::Ping6
        } else {
            crate::Ask::Tcp6(Some(if rng.gen_bool(0.5) {
                port
            } else {
                rng.gen_range(1..=65535)
            }))
        };
        let f = (a.clone(), b.clone(), ask);
        if a != b && !w.flows.contains(&f) {
            w.flows.push(f);
        }
    }
    if w.igw || eigw {
        let a = insts[rng.gen_range(0..insts.len())].clone();
        w.flows.push((
            a,
            "2606:4700:4700::1111".to_string(),
            crate::Ask::Tcp6(Some(443)),
        ));
        let b = insts[rng.gen_range(0..insts.len())].clone();
        let port = SERVICE_PORTS[rng.gen_range(0..SERVICE_PORTS.len())];
        w.flows
            .push(("internet".to_string(), b, crate::Ask::Tcp6(Some(port))));
    }
}
