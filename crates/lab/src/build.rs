//! Rebuilds a snapshot's topology with the closest kernel equivalent of each
//! AWS layer:
//!
//! | AWS | here |
//! |---|---|
//! | ENI | a namespace with the ENI's private IPs on `eth0`, default route via the subnet's router address (the subnet's first host, as AWS reserves it) |
//! | security groups | nftables in the ENI's namespace: `ct state established,related accept`, then one accept per rule and peer, then drop (stateful, allow-only, union of the ENI's groups) |
//! | VPC router | one namespace per VPC, forwarding |
//! | subnet | a bridge in the VPC router; traffic between two ENIs of one subnet is bridged and never meets the NACL |
//! | network ACL | stateless nftables chains on the router's forward hook: the source subnet's outbound entries on the way in from its bridge, the destination subnet's inbound entries on the way out to its bridge, ascending rule number, first match wins, `*` drops |
//! | route table | policy routing: `ip rule iif <subnet bridge> lookup <table of the subnet's route table>` (explicit association, else the main table); `local` becomes the VPC's subnet routes; blackhole routes become `blackhole` routes; no route means a silent drop |
//! | VPC peering | a veth between two VPC routers, only when `active`; traffic arriving over it is delivered by the VPC's local routes only (peering is not transitive) |
//! | stopped instance, unavailable DB | the ENI's link stays down: nothing answers |
//! | DB instance | a listener on its endpoint port only |
//! | internet gateway | a veth from the VPC router to one "internet" namespace; the gateway's one-to-one NAT between an ENI's public and private address on the router's gateway link (so NACLs and groups see private addresses); traffic in from the gateway is delivered by local routes; the internet drops what it cannot route |
//!
//! NAT gateways, transit gateways, VPN gateways, endpoints and prefix-list
//! routes are not built; [`Lab::unsupported`] names them, and flows whose
//! walk meets them are not probed. `internet` as a source is probed from
//! one address ([`INTERNET_CLIENT`]).
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>,
//! <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use ipnet::Ipv4Net;
use netpath_engine::network_acl::network_acl_for_subnet;
use netpath_engine::resolve::db_enis;
use netpath_engine::Topology;
use netpath_model::{IpPermission, IpProtocol, NetworkAcl, RouteState, RuleAction, Snapshot};

use crate::netns::Namespaces;
use crate::probe::{self, Outcome};

static LABS: AtomicUsize = AtomicUsize::new(0);

/// One ENI as built.
#[derive(Debug, Clone)]
pub struct LabEni {
    /// Its namespace.
    pub ns: String,
    /// Its primary private IP.
    pub ip: Ipv4Addr,
    /// Whether its link is up (a running instance, an available DB, a free ENI).
    pub up: bool,
}

/// A snapshot rebuilt in namespaces; every namespace is removed on drop.
pub struct Lab {
    ns: Namespaces,
    enis: HashMap<String, LabEni>,
    listeners: Vec<TcpListener>,
    unsupported: BTreeSet<String>,
    incomplete: Option<String>,
    /// The internet's namespace, when some VPC has an internet gateway.
    internet: Option<String>,
}

/// The address the internet namespace connects from for `internet` (TEST-NET-1).
pub const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 77);

fn first_host(net: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + 1)
}

/// The nftables match for a protocol and port range, e.g. `tcp dport 80-443`.
fn proto_match(proto: IpProtocol, ports: Option<(u16, u16)>) -> String {
    let range = |name: &str| match ports {
        Some((a, b)) if (a, b) != (0, 65535) => {
            if a == b {
                format!("{name} dport {a}")
            } else {
                format!("{name} dport {a}-{b}")
            }
        }
        _ => format!("meta l4proto {name}"),
    };
    match proto {
        IpProtocol::All => String::new(),
        IpProtocol::Tcp => range("tcp"),
        IpProtocol::Udp => range("udp"),
        IpProtocol::Icmp => "meta l4proto icmp".into(),
        IpProtocol::Icmpv6 => "meta l4proto ipv6-icmp".into(),
        IpProtocol::Number(n) => format!("meta l4proto {n}"),
    }
}

fn perm_ports(p: &IpPermission) -> (u16, u16) {
    let r = netpath_engine::security_group::permission_ports(p);
    (r.from, r.to)
}

impl Lab {
    /// Builds `snap` in fresh namespaces.
    ///
    /// Errors: a command that fails (with its output), or a snapshot the lab
    /// cannot lay out (an ENI outside every subnet).
    pub fn build(snap: &Snapshot) -> Result<Lab> {
        let topo = Topology::new(snap);
        let tag = format!(
            "np{:x}x{}",
            std::process::id(),
            LABS.fetch_add(1, Ordering::Relaxed)
        );
        let mut lab = Lab {
            ns: Namespaces::default(),
            enis: HashMap::new(),
            listeners: Vec::new(),
            unsupported: BTreeSet::new(),
            incomplete: None,
            internet: None,
        };
        let absent: Vec<&str> = [
            ("VPCs", snap.vpcs.is_some()),
            ("subnets", snap.subnets.is_some()),
            ("security groups", snap.security_groups.is_some()),
            ("network ACLs", snap.network_acls.is_some()),
            ("route tables", snap.route_tables.is_some()),
            ("network interfaces", snap.network_interfaces.is_some()),
        ]
        .iter()
        .filter(|(_, present)| !present)
        .map(|(what, _)| *what)
        .collect();
        if !absent.is_empty() || !snap.metadata.gaps.is_empty() {
            lab.incomplete = Some(format!(
                "the snapshot is incomplete ({}); the lab would have to invent the missing layers",
                if absent.is_empty() {
                    "collection gaps".to_string()
                } else {
                    format!("no {}", absent.join(", "))
                }
            ));
        }
        let vpcs: Vec<&str> = snap
            .vpcs
            .iter()
            .flatten()
            .map(|v| v.vpc_id.as_str())
            .collect();
        let vidx: HashMap<&str, usize> = vpcs.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let router = |v: usize| format!("{tag}r{v}");
        let subnets: Vec<_> = snap.subnets.iter().flatten().collect();
        let sidx: HashMap<&str, usize> = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.subnet_id.as_str(), i))
            .collect();

        // Routers and subnet bridges.
        let mut router_lines: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for (v, _) in vpcs.iter().enumerate() {
            lab.ns.add(&router(v))?;
            lab.ns.sysctl(
                &router(v),
                &[
                    "net.ipv4.ip_forward=1",
                    "net.ipv4.conf.all.send_redirects=0",
                    "net.ipv4.conf.default.send_redirects=0",
                    "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0",
                ],
            )?;
            // Bridged traffic (two ENIs of one subnet) must never meet the
            // NACL: when br_netfilter is loaded it would pass the IP hooks,
            // so it is switched off in this namespace (the setting is per
            // namespace; without the module the keys do not exist).
            let _ = lab.ns.sysctl(
                &router(v),
                &[
                    "net.bridge.bridge-nf-call-iptables=0",
                    "net.bridge.bridge-nf-call-arptables=0",
                ],
            );
            router_lines.insert(v, Vec::new());
        }
        for (i, s) in subnets.iter().enumerate() {
            let Some(&v) = vidx.get(s.vpc_id.as_str()) else {
                continue;
            };
            let l = router_lines.get_mut(&v).expect("router");
            l.push(format!("link add b{i} type bridge"));
            l.push(format!(
                "addr add {}/{} dev b{i}",
                first_host(&s.cidr_block),
                s.cidr_block.prefix_len()
            ));
            l.push(format!("link set b{i} up"));
        }
        for (v, lines) in &router_lines {
            lab.ns.ip_batch(&router(*v), lines)?;
        }

        // Which ENIs RDS owns, per DB: state and endpoint port.
        let mut db_of: HashMap<String, (bool, Option<u16>)> = HashMap::new();
        for db in snap.db_instances.iter().flatten() {
            for e in db_enis(&topo, db) {
                db_of.insert(
                    e.network_interface_id.clone(),
                    (
                        db.db_instance_status == "available",
                        db.endpoint.as_ref().map(|x| x.port),
                    ),
                );
            }
        }

        // Active peerings between built VPCs: a veth between the two routers.
        let mut peer_links: HashMap<String, Vec<(usize, String, Ipv4Addr)>> = HashMap::new();
        for (k, p) in snap.vpc_peering_connections.iter().flatten().enumerate() {
            let (Some(&a), Some(&b)) = (
                vidx.get(p.requester_vpc_info.vpc_id.as_str()),
                vidx.get(p.accepter_vpc_info.vpc_id.as_str()),
            ) else {
                continue;
            };
            if p.status_code != "active" || a == b {
                continue;
            }
            let base = u32::from(Ipv4Addr::new(169, 254, 0, 0)) + 4 * k as u32;
            let (ia, ib) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
            crate::netns::run(
                "ip",
                &[
                    "link",
                    "add",
                    "name",
                    &format!("p{k}"),
                    "netns",
                    &router(a),
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &format!("p{k}"),
                    "netns",
                    &router(b),
                ],
                None,
            )?;
            for (v, mine) in [(a, ia), (b, ib)] {
                lab.ns.ip_batch(
                    &router(v),
                    &[
                        format!("addr add {mine}/30 dev p{k}"),
                        format!("link set p{k} up"),
                    ],
                )?;
            }
            // Per side: (link index, peering id, the other router's address).
            peer_links.entry(vpcs[a].to_string()).or_default().push((
                k,
                p.vpc_peering_connection_id.clone(),
                ib,
            ));
            peer_links.entry(vpcs[b].to_string()).or_default().push((
                k,
                p.vpc_peering_connection_id.clone(),
                ia,
            ));
        }
        let active_peer_vpcs = |v: &str| -> BTreeSet<String> {
            let mut out = BTreeSet::from([v.to_string()]);
            for p in snap.vpc_peering_connections.iter().flatten() {
                if p.status_code == "active" {
                    if p.requester_vpc_info.vpc_id == v {
                        out.insert(p.accepter_vpc_info.vpc_id.clone());
                    }
                    if p.accepter_vpc_info.vpc_id == v {
                        out.insert(p.requester_vpc_info.vpc_id.clone());
                    }
                }
            }
            out
        };

        // Internet gateways: one namespace stands for the internet, linked to
        // each VPC router whose VPC has an attached gateway. The gateway's
        // one-to-one NAT between an ENI's public and private address is
        // done on the router, on the gateway link, so network ACLs and
        // security groups see private addresses, as in AWS.
        // <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>
        let mut igw_link: HashMap<String, (usize, Ipv4Addr)> = HashMap::new();
        for g in snap.internet_gateways.iter().flatten() {
            for a in &g.attachments {
                let Some(&v) = vidx.get(a.vpc_id.as_str()) else {
                    continue;
                };
                if !matches!(a.state.as_str(), "available" | "attached") {
                    continue;
                }
                let inet = format!("{tag}i");
                if lab.internet.is_none() {
                    lab.ns.add(&inet)?;
                    lab.ns.sysctl(
                        &inet,
                        &[
                            "net.ipv4.ip_forward=1",
                            "net.ipv4.ip_local_port_range=32768 60999",
                        ],
                    )?;
                    // Addresses the internet does not route (a VPC's private
                    // ones) are dropped silently, as an internet gateway does.
                    lab.ns.ip_batch(
                        &inet,
                        &[
                            format!("addr add {INTERNET_CLIENT}/32 dev lo"),
                            "route add blackhole default".to_string(),
                        ],
                    )?;
                    lab.internet = Some(inet.clone());
                }
                let (rip, iip) = (
                    Ipv4Addr::new(100, 127, v as u8, 1),
                    Ipv4Addr::new(100, 127, v as u8, 2),
                );
                crate::netns::run(
                    "ip",
                    &[
                        "link",
                        "add",
                        "name",
                        &format!("g{v}"),
                        "netns",
                        &router(v),
                        "type",
                        "veth",
                        "peer",
                        "name",
                        &format!("r{v}"),
                        "netns",
                        &inet,
                    ],
                    None,
                )?;
                lab.ns.ip_batch(
                    &router(v),
                    &[
                        format!("addr add {rip}/30 dev g{v}"),
                        format!("link set g{v} up"),
                    ],
                )?;
                lab.ns.ip_batch(
                    &inet,
                    &[
                        format!("addr add {iip}/30 dev r{v}"),
                        format!("link set r{v} up"),
                    ],
                )?;
                igw_link.insert(g.internet_gateway_id.clone(), (v, iip));
            }
        }
        let mut nat_rules: BTreeMap<usize, Vec<String>> = BTreeMap::new();

        // ENIs.
        for (i, eni) in snap.network_interfaces.iter().flatten().enumerate() {
            let (Some(&s), Some(ip)) = (sidx.get(eni.subnet_id.as_str()), eni.primary_ip()) else {
                continue;
            };
            let subnet = subnets[s];
            let Some(&v) = vidx.get(subnet.vpc_id.as_str()) else {
                continue;
            };
            let ns = format!("{tag}e{i}");
            lab.ns.add(&ns)?;
            crate::netns::run(
                "ip",
                &[
                    "link",
                    "add",
                    "name",
                    "eth0",
                    "netns",
                    &ns,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &format!("e{i}"),
                    "netns",
                    &router(v),
                ],
                None,
            )?;
            lab.ns.ip_batch(
                &router(v),
                &[
                    format!("link set e{i} master b{s}"),
                    format!("link set e{i} up"),
                ],
            )?;
            let inst = topo.instance_of(eni);
            let (up, db_port) = match (db_of.get(&eni.network_interface_id), inst) {
                (Some((available, port)), _) => (*available, *port),
                (None, Some(i)) => (i.state == "running", None),
                (None, None) => (true, None),
            };
            let prefix = subnet.cidr_block.prefix_len();
            let mut lines: Vec<String> = eni
                .private_ip_addresses
                .iter()
                .map(|p| format!("addr add {}/{prefix} dev eth0", p.private_ip_address))
                .collect();
            if up {
                lines.push("link set eth0 up".into());
                lines.push(format!(
                    "route add default via {}",
                    first_host(&subnet.cidr_block)
                ));
            }
            lab.ns.ip_batch(&ns, &lines)?;
            let windows = inst
                .and_then(|i| i.platform.as_deref())
                .is_some_and(|p| p.eq_ignore_ascii_case("windows"));
            lab.ns.sysctl(
                &ns,
                &[if windows {
                    "net.ipv4.ip_local_port_range=49152 65535"
                } else {
                    "net.ipv4.ip_local_port_range=32768 60999"
                }],
            )?;
            // Security groups.
            let peers_ok = active_peer_vpcs(&eni.vpc_id);
            let members = |g: &str| -> Vec<String> {
                snap.network_interfaces
                    .iter()
                    .flatten()
                    .filter(|m| m.groups.iter().any(|x| x == g) && peers_ok.contains(&m.vpc_id))
                    .flat_map(|m| {
                        m.private_ip_addresses
                            .iter()
                            .map(|p| p.private_ip_address.to_string())
                    })
                    .collect()
            };
            let mut script = String::from("table inet sg {\n");
            for (chain, hook, egress) in [("in", "input", false), ("out", "output", true)] {
                let lo = if egress {
                    "oif lo accept"
                } else {
                    "iif lo accept"
                };
                let _ = writeln!(
                    script,
                    "  chain {chain} {{\n    type filter hook {hook} priority 0; policy drop;\n    {lo}\n    ct state established,related accept"
                );
                let filtered = !eni.groups.is_empty()
                    || eni.interface_type.as_deref().unwrap_or("interface") == "interface";
                if !filtered {
                    let _ = writeln!(script, "    accept");
                }
                for g in &eni.groups {
                    let Some(sg) = topo.security_group(g) else {
                        lab.unsupported
                            .insert(format!("security group {g} (not in the snapshot)"));
                        continue;
                    };
                    let perms = if egress {
                        &sg.ip_permissions_egress
                    } else {
                        &sg.ip_permissions
                    };
                    for p in perms {
                        let m = proto_match(p.ip_protocol, Some(perm_ports(p)));
                        let dir = if egress { "daddr" } else { "saddr" };
                        let mut peers: Vec<String> =
                            p.ip_ranges.iter().map(|c| c.to_string()).collect();
                        for pair in &p.user_id_group_pairs {
                            peers.extend(members(&pair.group_id));
                        }
                        for pl in &p.prefix_list_ids {
                            match topo.prefix_list(pl) {
                                Some(l) => {
                                    peers.extend(l.cidrs.iter().flatten().filter_map(|c| match c {
                                        ipnet::IpNet::V4(c) => Some(c.to_string()),
                                        _ => None,
                                    }))
                                }
                                None => {
                                    lab.unsupported.insert(format!("prefix list {pl}"));
                                }
                            }
                        }
                        for peer in peers {
                            let _ = writeln!(script, "    ip {dir} {peer} {m} accept");
                        }
                    }
                }
                let _ = writeln!(script, "  }}");
            }
            script.push_str("}\n");
            lab.ns
                .nft(&ns, &script)
                .with_context(|| format!("security groups of {}", eni.network_interface_id))?;
            if let Some(pubip) = eni.public_ip() {
                if igw_link.values().any(|(w, _)| *w == v) {
                    let inet = lab.internet.clone().expect("internet namespace");
                    lab.ns.ip_batch(
                        &inet,
                        &[format!(
                            "route add {pubip}/32 via {} dev r{v}",
                            Ipv4Addr::new(100, 127, v as u8, 1)
                        )],
                    )?;
                    let r = nat_rules.entry(v).or_default();
                    r.push(format!(
                        "    iifname \"g{v}\" ip daddr {pubip} dnat to {ip}"
                    ));
                    r.push(format!(
                        "    oifname \"g{v}\" ip saddr {ip} snat to {pubip}"
                    ));
                }
            }
            if let (true, Some(port)) = (up, db_port) {
                let l = probe::listen(&ns, ip, port)?;
                lab.listeners.push(l);
            }
            lab.enis
                .insert(eni.network_interface_id.clone(), LabEni { ns, ip, up });
        }

        // Route tables and network ACLs, per VPC router.
        let rtbs: Vec<_> = snap.route_tables.iter().flatten().collect();
        let rtb_table: HashMap<&str, usize> = rtbs
            .iter()
            .enumerate()
            .map(|(i, r)| (r.route_table_id.as_str(), 100 + i))
            .collect();
        for (v, vpc_id) in vpcs.iter().enumerate() {
            let mut lines: Vec<String> = Vec::new();
            let local_table = 50 + v;
            let vsubs: Vec<(usize, Ipv4Net)> = subnets
                .iter()
                .enumerate()
                .filter(|(_, s)| s.vpc_id == *vpc_id)
                .map(|(i, s)| (i, s.cidr_block))
                .collect();
            // Traffic arriving over a peering: the VPC's own subnets only.
            for (i, c) in &vsubs {
                lines.push(format!("route add {c} dev b{i} table {local_table}"));
            }
            lines.push(format!("route add blackhole default table {local_table}"));
            for (k, _, _) in peer_links.get(*vpc_id).into_iter().flatten() {
                lines.push(format!(
                    "rule add iif p{k} lookup {local_table} priority 100"
                ));
            }
            // Traffic in from the internet gateway is delivered by local routes.
            if igw_link.values().any(|(w, _)| *w == v) {
                lines.push(format!(
                    "rule add iif g{v} lookup {local_table} priority 100"
                ));
            }
            for rt in rtbs.iter().filter(|r| r.vpc_id == *vpc_id) {
                let t = rtb_table[rt.route_table_id.as_str()];
                lines.push(format!(
                    "route add blackhole default metric 65535 table {t}"
                ));
                for r in &rt.routes {
                    let Some(dest) = r.destination_cidr_block else {
                        if r.destination_prefix_list_id.is_some() {
                            lab.unsupported
                                .insert(format!("prefix-list route in {}", rt.route_table_id));
                        }
                        continue;
                    };
                    if r.state == RouteState::Blackhole {
                        lines.push(format!("route replace blackhole {dest} table {t}"));
                        continue;
                    }
                    if r.gateway_id.as_deref() == Some("local") {
                        lines.push(format!("route replace blackhole {dest} table {t}"));
                        for (i, c) in &vsubs {
                            if dest.contains(c) {
                                lines.push(format!("route replace {c} dev b{i} table {t}"));
                            }
                        }
                        continue;
                    }
                    if let Some(pcx) = &r.vpc_peering_connection_id {
                        match peer_links
                            .get(*vpc_id)
                            .into_iter()
                            .flatten()
                            .find(|(_, id, _)| id == pcx)
                        {
                            Some((k, _, via)) => lines
                                .push(format!("route replace {dest} via {via} dev p{k} table {t}")),
                            None => lines.push(format!("route replace blackhole {dest} table {t}")),
                        }
                        continue;
                    }
                    if let Some((w, via)) = r.gateway_id.as_ref().and_then(|g| igw_link.get(g)) {
                        if *w == v {
                            lines
                                .push(format!("route replace {dest} via {via} dev g{v} table {t}"));
                            continue;
                        }
                    }
                    lab.unsupported.insert(format!(
                        "route {dest} -> {} in {}",
                        r.target_id().unwrap_or("?"),
                        rt.route_table_id
                    ));
                }
            }
            let main = rtbs
                .iter()
                .find(|r| r.vpc_id == *vpc_id && r.associations.iter().any(|a| a.main));
            for (i, _) in &vsubs {
                let sid = subnets[*i].subnet_id.as_str();
                let rt = rtbs
                    .iter()
                    .find(|r| {
                        r.associations
                            .iter()
                            .any(|a| a.subnet_id.as_deref() == Some(sid))
                    })
                    .or(main);
                match rt {
                    Some(rt) => lines.push(format!(
                        "rule add iif b{i} lookup {} priority 100",
                        rtb_table[rt.route_table_id.as_str()]
                    )),
                    None => {
                        lab.unsupported
                            .insert(format!("subnet {sid} has no route table"));
                    }
                }
            }
            lab.ns.ip_batch(&router(v), &lines)?;

            // Network ACLs: stateless, in rule-number order.
            let mut acls: BTreeMap<String, &NetworkAcl> = BTreeMap::new();
            let mut fwd_out = String::new();
            let mut fwd_in = String::new();
            for (i, _) in &vsubs {
                match network_acl_for_subnet(&topo, subnets[*i]) {
                    Ok(acl) => {
                        acls.entry(acl.network_acl_id.clone()).or_insert(acl);
                        let name = acl.network_acl_id.replace('-', "_");
                        let _ = writeln!(fwd_out, "    iifname \"b{i}\" jump {name}_out");
                        let _ = writeln!(fwd_in, "    oifname \"b{i}\" jump {name}_in");
                    }
                    Err(m) => {
                        lab.unsupported.insert(m);
                    }
                }
            }
            let mut script = String::from("table inet acl {\n");
            for acl in acls.values() {
                let name = acl.network_acl_id.replace('-', "_");
                for (egress, suffix, dir) in [(false, "in", "saddr"), (true, "out", "daddr")] {
                    let _ = writeln!(script, "  chain {name}_{suffix} {{");
                    let mut entries: Vec<_> =
                        acl.entries.iter().filter(|e| e.egress == egress).collect();
                    entries.sort_by_key(|e| e.rule_number);
                    for e in entries {
                        let Some(c) = e.cidr_block else { continue };
                        let ports = e.port_range.map(|r| (r.from, r.to));
                        let m = proto_match(
                            e.protocol,
                            if e.protocol.has_ports() { ports } else { None },
                        );
                        let verdict = match e.rule_action {
                            RuleAction::Allow => "return",
                            RuleAction::Deny => "drop",
                        };
                        let _ = writeln!(script, "    ip {dir} {c} {m} {verdict}");
                    }
                    let _ = writeln!(script, "    drop\n  }}");
                }
            }
            // The VPC router forwards; like AWS's (the subnet's first
            // address), it answers no TCP itself.
            let _ = writeln!(
                script,
                "  chain route_filter {{\n    type filter hook forward priority 0; policy accept;\n{fwd_out}{fwd_in}  }}\n  chain router_input {{\n    type filter hook input priority 0; policy drop;\n  }}\n}}"
            );
            if let Some(rules) = nat_rules.get(&v) {
                let (pre, post): (Vec<&String>, Vec<&String>) =
                    rules.iter().partition(|r| r.contains("dnat"));
                let join =
                    |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
                let _ = writeln!(
                    script,
                    "table ip igw {{\n  chain pre {{\n    type nat hook prerouting priority -100; policy accept;\n{}\n  }}\n  chain post {{\n    type nat hook postrouting priority 100; policy accept;\n{}\n  }}\n}}",
                    join(pre),
                    join(post)
                );
            }
            lab.ns.nft(&router(v), &script).context("network ACLs")?;
        }
        Ok(lab)
    }

    /// The namespace and address of an ENI, when it was built.
    pub fn eni(&self, eni_id: &str) -> Option<&LabEni> {
        self.enis.get(eni_id)
    }

    /// Why the snapshot cannot be rebuilt faithfully (a collection missing),
    /// if it cannot.
    pub fn incomplete(&self) -> Option<&str> {
        self.incomplete.as_deref()
    }

    /// The internet's namespace, when the snapshot has an attached internet gateway.
    pub fn internet(&self) -> Option<&str> {
        self.internet.as_deref()
    }

    /// Listens on `ip:port` in the internet's namespace (an internet server).
    pub fn listen_internet(&mut self, ip: Ipv4Addr, port: u16) -> Result<()> {
        let Some(inet) = self.internet.clone() else {
            return Ok(());
        };
        // The address may be added already (a second flow to it).
        let _ = self
            .ns
            .ip_batch(&inet, &[format!("addr add {ip}/32 dev lo")]);
        match probe::listen(&inet, ip, port) {
            Ok(l) => self.listeners.push(l),
            Err(err) if err.chain().any(|c| c.to_string().contains("in use")) => {}
            Err(err) => return Err(err),
        }
        Ok(())
    }

    /// Connects from the internet (from `src`, added to the internet's
    /// namespace) to `dst:port`.
    pub fn connect_from_internet(
        &self,
        src: Ipv4Addr,
        sport: u16,
        dst: Ipv4Addr,
        port: u16,
        timeout: Duration,
    ) -> Result<Outcome> {
        let inet = self
            .internet
            .as_deref()
            .context("no internet gateway in the lab")?;
        let _ = self
            .ns
            .ip_batch(inet, &[format!("addr add {src}/32 dev lo")]);
        probe::connect(inet, src, sport, dst, port, timeout)
    }

    /// Features the snapshot uses that the lab does not build.
    pub fn unsupported(&self) -> &BTreeSet<String> {
        &self.unsupported
    }

    /// Starts a listener on `port` at ENI `eni_id` (no-op when its link is down).
    pub fn listen(&mut self, eni_id: &str, port: u16) -> Result<()> {
        let e = self.enis.get(eni_id).context("ENI not built")?.clone();
        if e.up {
            match probe::listen(&e.ns, e.ip, port) {
                Ok(l) => self.listeners.push(l),
                // Already listening on it (a DB's own port, an earlier flow).
                Err(err) if err.chain().any(|c| c.to_string().contains("in use")) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Connects from ENI `src` (source port `sport`, 0 for an ephemeral one)
    /// to `dst:port`, waiting at most `timeout`.
    pub fn connect(
        &self,
        src: &str,
        sport: u16,
        dst: Ipv4Addr,
        port: u16,
        timeout: Duration,
    ) -> Result<Outcome> {
        let e = self.enis.get(src).context("source ENI not built")?;
        probe::connect(&e.ns, e.ip, sport, dst, port, timeout)
    }
}
