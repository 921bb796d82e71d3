//! Load balancers, on the lab's own reading of the snapshot.
//!
//! A Network Load Balancer's node (the ENI described `ELB net/<name>/<id>`) forwards what arrives on
//! a TCP listener's port to the registered targets, in turn, by DNAT in its
//! namespace; the node itself answers nothing. With the client's address
//! preserved (instance targets) the target sees the client, and the VPC
//! router sends the target's replies back through the node (a conntrack
//! mark set on what the node forwards, and a route by that mark), as the
//! load balancer carries them; without it (IP targets over TCP) the node
//! also rewrites the source to its own address. Targets in another zone
//! get nothing unless cross-zone load balancing is on.
//!
//! An Application Load Balancer's node runs a relay ([`crate::relay`]) on
//! each HTTP or HTTPS listener's port: it accepts the client's connection
//! and opens its own, from the node's address and ephemeral ports
//! 1024-65535, to the targets in turn (every zone's unless the target group
//! turns cross-zone off), under the node's security groups; it answers the
//! client with a 5xx status when the target does not take the connection.
//! Its listener rules are read as the probe's request meets them
//! (`listener_rule.rs`): the relay sends a client to the first rule whose
//! `source-ip` conditions hold its address.
//! Other ports of the node answer nothing.
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html>.
//!
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#cross-zone-load-balancing>.
//!
//! Not built (their flows are not probed): Gateway and Classic load
//! balancers, Network Load Balancers with security groups, UDP and TLS
//! listeners, listeners whose default action (or a rule the probe's
//! request meets) does not forward to one target group, and target groups
//! with a target that is not healthy.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{Context, Result};
use ipnet::IpNet;
use netpath_model::{LoadBalancer, Snapshot};

use super::listener_rule::{self, Route};
use super::network_interface::LabEni;
use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;
use crate::relay::Relay;

/// The load balancers built, and what each node forwards to.
#[derive(Default)]
pub(super) struct Balancers {
    /// ARNs of the load balancers built.
    pub built: BTreeSet<String>,
    /// Per node ENI: (target ENI, target port) it forwards to.
    pub targets: HashMap<String, Vec<(String, u16)>>,
    /// The nodes of Application Load Balancers (ENI ids): they answer
    /// HTTP themselves.
    pub http_nodes: BTreeSet<String>,
    /// The ALB nodes' relays, running until the lab is dropped.
    pub relays: Vec<Relay>,
}

/// The instance or IP target `id` as (ENI id, its lab ENI).
fn target_eni<'l>(
    snap: &Snapshot,
    enis: &'l HashMap<String, LabEni>,
    id: &str,
) -> Option<(String, &'l LabEni)> {
    let ip: Ipv4Addr = match id.parse() {
        Ok(ip) => ip,
        Err(_) => {
            snap.instances
                .iter()
                .flatten()
                .find(|i| i.instance_id == id)?
                .private_ip_address?
        }
    };
    enis.iter()
        .find(|(_, e)| e.ip == ip)
        .map(|(k, e)| (k.clone(), e))
}

/// Targets as built: (target ENI id, target lab ENI, target port).
type Targets<'l> = Vec<(String, &'l LabEni, u16)>;

/// One way through a listener as built: the client's source CIDR sets
/// (it must be inside one of each; none: every client), the targets
/// (target ENI id, target lab ENI, target port), and cross-zone.
type Way<'l> = (Vec<Vec<IpNet>>, Targets<'l>, bool);

/// A listener as built: its port, its ways in priority order (an NLB's
/// one), and whether the client's address is preserved.
type Rule<'l> = (u16, Vec<Way<'l>>, bool);

/// Target group `arn` as built: its targets (ENI id, lab ENI, port), whether
/// the client's address is preserved, and cross-zone load balancing (the
/// load balancer's own is `lb_cross`).
///
/// Errors: a target group, its health or a target the lab does not build.
fn target_group<'l>(
    snap: &Snapshot,
    enis: &'l HashMap<String, LabEni>,
    arn: &str,
    application: bool,
    lb_cross: bool,
) -> std::result::Result<(Targets<'l>, bool, bool), String> {
    let tg = snap
        .target_groups
        .iter()
        .flatten()
        .find(|t| t.target_group_arn == arn)
        .ok_or_else(|| format!("target group {arn} not listed"))?;
    let health = snap
        .target_health
        .iter()
        .flatten()
        .find(|h| h.target_group_arn == arn)
        .ok_or_else(|| format!("no target health of {}", tg.target_group_name))?;
    // The target group's own attribute when read, else the default for
    // instance targets over TCP; an IP target group's default (off for
    // TCP) too.
    let tg_attrs = snap
        .target_group_attributes
        .iter()
        .flatten()
        .find(|a| a.target_group_arn == tg.target_group_arn);
    let attr = tg_attrs.and_then(|a| a.attributes.get("preserve_client_ip.enabled"));
    // An ALB always opens its own connection to the target.
    let preserve = !application
        && match attr {
            Some(v) => v == "true",
            None => tg.target_type == "instance",
        };
    // The target group's cross-zone setting overrides the load balancer's
    // unless it defers to it
    // (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html>).
    let cross = match tg_attrs
        .and_then(|a| a.attributes.get("load_balancing.cross_zone.enabled"))
        .map(String::as_str)
    {
        Some("true") => true,
        Some("false") => false,
        // An ALB's own setting is always on.
        _ => application || lb_cross,
    };
    let mut targets = Vec::new();
    for t in &health.targets {
        match t.state.as_str() {
            "unused" | "draining" => continue,
            "healthy" | "unavailable" => {}
            other => return Err(format!("a target of {} is {other}", tg.target_group_name)),
        }
        let (Some((id, e)), Some(port)) = (target_eni(snap, enis, &t.id), t.port.or(tg.port))
        else {
            return Err(format!(
                "target {} of {} has no lab ENI",
                t.id, tg.target_group_name
            ));
        };
        targets.push((id, e, port));
    }
    Ok((targets, preserve, cross))
}

/// Why `lb` is not built, or `None` when it is one the lab builds.
fn unsupported_kind(lb: &LoadBalancer) -> Option<String> {
    if !matches!(lb.load_balancer_type.as_str(), "network" | "application") {
        return Some(format!(
            "{} load balancer {}",
            lb.load_balancer_type, lb.load_balancer_name
        ));
    }
    if lb.load_balancer_type == "network" && !lb.security_groups.is_empty() {
        return Some(format!(
            "load balancer {} with security groups",
            lb.load_balancer_name
        ));
    }
    if !matches!(lb.state.as_str(), "active" | "active_impaired") {
        return Some(format!(
            "load balancer {} in state {}",
            lb.load_balancer_name, lb.state
        ));
    }
    None
}

/// Builds every Network and Application Load Balancer the lab can (see the module docs);
/// the rest go to `unsupported`. `routers[v]` is VPC `v`'s router.
///
/// Errors: a failing `ip`, `sysctl` or `nft` command.
pub(super) fn build(
    ns: &Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    enis: &HashMap<String, LabEni>,
    routers: &[String],
    unsupported: &mut BTreeSet<String>,
) -> Result<Balancers> {
    let mut out = Balancers::default();
    let mut mark = 0x100u32;
    for lb in snap.load_balancers.iter().flatten() {
        if let Some(why) = unsupported_kind(lb) {
            unsupported.insert(why);
            continue;
        }
        let Some(tail) = lb
            .load_balancer_arn
            .split_once(":loadbalancer/")
            .map(|(_, t)| t)
        else {
            continue;
        };
        let description = format!("ELB {tail}");
        let application = lb.load_balancer_type == "application";
        let cross = snap
            .load_balancer_attributes
            .iter()
            .flatten()
            .find(|a| a.load_balancer_arn == lb.load_balancer_arn)
            .and_then(|a| a.attributes.get("load_balancing.cross_zone.enabled"))
            .is_some_and(|v| v == "true");
        let mut rules: Vec<Rule> = Vec::new();
        let mut why_not: Option<String> = None;
        for l in snap
            .load_balancer_listeners
            .iter()
            .flatten()
            .filter(|l| l.load_balancer_arn == lb.load_balancer_arn)
        {
            let protocol_built = if application {
                matches!(l.protocol.as_str(), "HTTP" | "HTTPS")
            } else {
                l.protocol == "TCP"
            };
            let routes = if !protocol_built {
                Err(format!("a {} listener", l.protocol))
            } else if application {
                let host = lb.dns_name.as_deref().unwrap_or_default();
                listener_rule::routes(snap, l, host)
            } else {
                let tgs: Vec<&String> = l
                    .default_actions
                    .iter()
                    .filter(|a| a.action_type == "forward")
                    .flat_map(|a| a.target_group_arns.iter())
                    .collect();
                match tgs.as_slice() {
                    [one] => Ok(vec![Route {
                        sources: Vec::new(),
                        target_group: one.to_string(),
                    }]),
                    _ => Err("a default action that does not forward to one target group".into()),
                }
            };
            let built = routes.and_then(|routes| {
                let mut preserve = false;
                let mut out = Vec::new();
                for r in routes {
                    let (targets, p, c) =
                        target_group(snap, enis, &r.target_group, application, cross)?;
                    preserve |= p;
                    out.push((r.sources, targets, c));
                }
                Ok((out, preserve))
            });
            match built {
                Ok((routes, preserve)) => rules.push((l.port, routes, preserve)),
                Err(e) => {
                    why_not = Some(e);
                    break;
                }
            }
        }
        if let Some(why) = why_not {
            unsupported.insert(format!(
                "load balancer {} ({why}: a listener, target group or target the lab does not build)",
                lb.load_balancer_name
            ));
            continue;
        }
        let nodes = snap
            .network_interfaces
            .iter()
            .flatten()
            .filter(|e| e.description == description)
            .filter_map(|e| enis.get_key_value(e.network_interface_id.as_str()));
        for (node_id, node) in nodes {
            let zone = |subnet: &str| {
                idx.subnet_index
                    .get(subnet)
                    .and_then(|&s| idx.subnets[s].availability_zone.clone())
            };
            let node_zone = zone(&node.subnet_id);
            if application {
                let in_reach = |e: &LabEni, cross: bool| cross || zone(&e.subnet_id) == node_zone;
                application_node(ns, node_id, node, &rules, in_reach, &mut out)?;
                continue;
            }
            let mut script = String::from(
                "table ip lb {\n  chain pre {\n    type nat hook prerouting priority dstnat;\n",
            );
            let mut post = String::new();
            let mut forwards = Vec::new();
            for (port, ways, preserve) in &rules {
                // An NLB has one way: its default action's target group.
                let Some((_, targets, cross)) = ways.first() else {
                    continue;
                };
                let here: Vec<&(String, &LabEni, u16)> = targets
                    .iter()
                    .filter(|(_, e, _)| *cross || zone(&e.subnet_id) == node_zone)
                    .collect();
                forwards.extend(here.iter().map(|(id, _, p)| (id.clone(), *p)));
                let to = match here.as_slice() {
                    [] => continue,
                    [(_, e, p)] => format!("dnat to {}:{p}", e.ip),
                    many => format!(
                        "dnat to numgen inc mod {} map {{ {} }}",
                        many.len(),
                        many.iter()
                            .enumerate()
                            .map(|(i, (_, e, p))| format!("{i} : {} . {p}", e.ip))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let _ = writeln!(script, "    ip daddr {} tcp dport {port} {to}", node.ip);
                if !preserve {
                    let _ = writeln!(
                        post,
                        "    meta l4proto tcp ct status dnat ct original proto-dst {port} masquerade"
                    );
                }
            }
            script.push_str("  }\n");
            if !post.is_empty() {
                let _ = write!(
                    script,
                    "  chain post {{\n    type nat hook postrouting priority srcnat;\n{post}  }}\n"
                );
            }
            script.push_str("}\n");
            // The node itself answers nothing.
            let _ = write!(
                script,
                "table inet lbnode {{\n  chain in {{\n    type filter hook input priority 10; policy accept;\n    ip daddr {} meta l4proto {{ tcp, udp }} ct state new drop\n  }}\n}}\n",
                node.ip
            );
            ns.sysctl(
                &node.ns,
                &[
                    "net.ipv4.ip_forward=1",
                    "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.all.send_redirects=0",
                    "net.ipv4.conf.eth0.send_redirects=0",
                ],
            )?;
            ns.nft(&node.ns, &script)
                .with_context(|| format!("load balancer node {node_id}"))?;
            // Replies to what the node forwarded with the client's address
            // go back through the node.
            if rules.iter().any(|(_, _, p)| *p) {
                let v = idx
                    .subnet_index
                    .get(node.subnet_id.as_str())
                    .and_then(|&s| idx.vpc_index.get(idx.subnets[s].vpc_id.as_str()))
                    .copied()
                    .context("the node's VPC")?;
                let b = idx.subnet_index[node.subnet_id.as_str()];
                let mac = mac_of(&node.ns)?;
                mark += 1;
                let table = 20_000 + mark;
                ns.nft(
                    &routers[v],
                    &format!(
                        "table ip lbmark{mark} {{\n  chain pre {{\n    type filter hook prerouting priority mangle;\n    ether saddr {mac} ip saddr != {} ct state new ct mark set {mark}\n    ct direction reply ct mark {mark} meta mark set {mark}\n  }}\n}}\n",
                        node.ip
                    ),
                )?;
                ns.ip_batch(
                    &routers[v],
                    &[
                        format!("rule add fwmark {mark} lookup {table} priority 50"),
                        format!("route add default via {} dev b{b} table {table}", node.ip),
                    ],
                )?;
            }
            out.targets.insert(node_id.clone(), forwards);
        }
        out.built.insert(lb.load_balancer_arn.clone());
    }
    Ok(out)
}

/// Builds Application Load Balancer node `node_id`: a relay on each
/// listener's port to the targets `in_reach(target, cross-zone)` of the
/// node, its ephemeral ports, and a drop of anything new to another port.
///
/// Errors: a failing `sysctl` or `nft` command, or a relay that cannot bind.
fn application_node(
    ns: &Namespaces,
    node_id: &str,
    node: &LabEni,
    rules: &[Rule],
    in_reach: impl Fn(&LabEni, bool) -> bool,
    out: &mut Balancers,
) -> Result<()> {
    // The load balancer's side of the second leg uses ports 1024-65535
    // (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html>).
    ns.sysctl(&node.ns, &["net.ipv4.ip_local_port_range=1024 65535"])?;
    let ports: Vec<String> = rules.iter().map(|r| r.0.to_string()).collect();
    let open = if ports.is_empty() {
        String::new()
    } else {
        format!("tcp dport != {{ {} }} ", ports.join(", "))
    };
    ns.nft(
        &node.ns,
        &format!(
            "table inet lbnode {{\n  chain in {{\n    type filter hook input priority 10; policy accept;\n    ip daddr {ip} {open}meta l4proto tcp ct state new drop\n    ip daddr {ip} meta l4proto udp ct state new drop\n  }}\n}}\n",
            ip = node.ip
        ),
    )
    .with_context(|| format!("load balancer node {node_id}"))?;
    let mut forwards = Vec::new();
    for (port, ways, _) in rules {
        let ways: Vec<(Vec<Vec<IpNet>>, Vec<SocketAddr>)> = ways
            .iter()
            .map(|(sources, targets, cross)| {
                let here = targets
                    .iter()
                    .filter(|(_, e, _)| in_reach(e, *cross))
                    .map(|(id, e, p)| {
                        if !forwards.contains(&(id.clone(), *p)) {
                            forwards.push((id.clone(), *p));
                        }
                        SocketAddr::new(IpAddr::V4(e.ip), *p)
                    })
                    .collect();
                (sources.clone(), here)
            })
            .collect();
        let listen = SocketAddr::new(IpAddr::V4(node.ip), *port);
        out.relays.push(
            Relay::start(&node.ns, listen, IpAddr::V4(node.ip), ways)
                .with_context(|| format!("load balancer node {node_id}"))?,
        );
    }
    out.targets.insert(node_id.to_string(), forwards);
    out.http_nodes.insert(node_id.to_string());
    Ok(())
}

/// The MAC address of `eth0` in namespace `ns`.
fn mac_of(ns: &str) -> Result<String> {
    let out = std::process::Command::new("ip")
        .args(["-n", ns, "-j", "link", "show", "eth0"])
        .output()
        .context("ip link show")?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("ip -j link")?;
    v[0]["address"]
        .as_str()
        .map(str::to_string)
        .context("eth0 has no address")
}
