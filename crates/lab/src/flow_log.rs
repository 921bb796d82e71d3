//! Flow logs written by the kernel: what VPC Flow Logs would record for a
//! probe, read from what nftables saw rather than derived from rules.
//!
//! The lab's security-group tables add the five-tuple of every TCP and UDP
//! packet an ENI receives and sends to sets (`seen_in`, `seen_out`), and of
//! every packet its groups drop (`sg_in`, `sg_out`); its network-ACL
//! chains, one per subnet bridge, add every packet a rule drops to that
//! rule's own set (`d_<acl>_<subnet>_<in|out>_<rule|x>`). After one TCP
//! probe, the sets holding the probe's request and reply tuples say where
//! each packet of the connection went, and so which records AWS writes at
//! each ENI: an ACCEPT where a packet passed the ENI's groups and its
//! subnet's ACL, a REJECT where one of them dropped it, nothing where the
//! packet never got. Tuples, not counters: a late retransmission of an
//! earlier probe cannot be taken for this one's.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html>

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use anyhow::{Context, Result};
use netpath_model::Direction;

use crate::build::Lab;
use crate::netns;
use crate::probe::Outcome;

/// The rule that dropped a packet, as the kernel recorded it in its set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropper {
    /// The ENI's security groups (no rule allows).
    SecurityGroup {
        /// The ENI.
        eni: String,
        /// Ingress or egress.
        direction: Direction,
    },
    /// A network ACL entry at a subnet boundary.
    NetworkAcl {
        /// The ACL.
        acl: String,
        /// The subnet whose boundary it is.
        subnet: String,
        /// Ingress (into the subnet) or egress.
        direction: Direction,
        /// The entry's rule number; `None` for `*`.
        rule: Option<u16>,
    },
}

/// One flow log record what the kernel saw implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRecord {
    /// The record, in the version 2 default format.
    pub line: String,
    /// The ENI it is written at.
    pub eni: String,
    /// `ACCEPT` or `REJECT`.
    pub action: &'static str,
    /// For a REJECT, the rule that dropped the packet.
    pub dropped_by: Option<Dropper>,
}

/// A TCP five-tuple: source, destination, source port, destination port.
type Tuple = (Ipv4Addr, Ipv4Addr, u16, u16);

/// Every flow set of the lab and the TCP tuples in it, by (namespace, set).
type Seen = BTreeMap<(String, String), BTreeSet<Tuple>>;

/// Collects the `concat` elements under `v`, wherever the JSON nests them.
fn concats<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v Vec<serde_json::Value>>) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Array(c)) = m.get("concat") {
                out.push(c);
            } else {
                m.values().for_each(|x| concats(x, out));
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| concats(x, out)),
        _ => {}
    }
}

/// Reads every flow set of the lab (`nft -j list table`).
fn seen(lab: &Lab) -> Result<Seen> {
    let mut out = Seen::new();
    for (ns, table) in lab.flow_set_tables() {
        let json = netns::output(
            "ip",
            &[
                "netns", "exec", &ns, "nft", "-j", "list", "table", "inet", table,
            ],
        )?;
        let v: serde_json::Value = serde_json::from_str(&json).context("nft -j output")?;
        for item in v["nftables"].as_array().into_iter().flatten() {
            let set = &item["set"];
            let Some(name) = set["name"].as_str() else {
                continue;
            };
            let mut elems = Vec::new();
            concats(&set["elem"], &mut elems);
            let tuples = elems
                .into_iter()
                .filter_map(|c| {
                    let ip = |i: usize| c.get(i)?.as_str()?.parse::<Ipv4Addr>().ok();
                    let port = |i: usize| u16::try_from(c.get(i)?.as_u64()?).ok();
                    let tcp = c.get(2).is_some_and(|p| p == "tcp" || p == 6);
                    tcp.then_some(())?;
                    Some((ip(0)?, ip(1)?, port(3)?, port(4)?))
                })
                .collect();
            out.insert((ns.clone(), name.to_string()), tuples);
        }
    }
    Ok(out)
}

impl Lab {
    /// Connects from ENI `client` (source port `sport`) to ENI `server` on
    /// `port`, and returns the probe's outcome with the flow log records
    /// what the kernel saw implies, in path order: the request leaving the
    /// client and reaching the server, the reply leaving the server and
    /// reaching the client (each only where the packet got).
    ///
    /// Errors: an ENI that was not built, or `nft` failing.
    pub fn flow_log_records(
        &self,
        client: &str,
        server: &str,
        sport: u16,
        port: u16,
        timeout: Duration,
    ) -> Result<(Outcome, Vec<LabRecord>)> {
        let cl = self.eni(client).context("client ENI not built")?.clone();
        let sv = self.eni(server).context("server ENI not built")?.clone();
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let outcome = self.connect(client, sport, sv.ip.into(), port, timeout)?;
        let seen = seen(self)?;
        let request: Tuple = (cl.ip, sv.ip, sport, port);
        let reply: Tuple = (sv.ip, cl.ip, port, sport);
        let has = |ns: &str, set: &str, t: &Tuple| {
            seen.get(&(ns.to_string(), set.to_string()))
                .is_some_and(|s| s.contains(t))
        };
        // The ACL rule that dropped tuple `t` at `subnet`'s boundary.
        let acl_at = |subnet: &str, egress: bool, t: &Tuple| {
            seen.iter()
                .filter(|(_, tuples)| tuples.contains(t))
                .filter_map(|((_, name), _)| crate::build::parse_acl_set(name))
                .find(|(_, s, e, _)| s == subnet && *e == egress)
                .map(|(acl, subnet, e, rule)| Dropper::NetworkAcl {
                    acl,
                    subnet,
                    direction: if e {
                        Direction::Egress
                    } else {
                        Direction::Ingress
                    },
                    rule,
                })
        };
        let sg_at = |eni: &str, ns: &str, direction: Direction, t: &Tuple| {
            let set = if direction == Direction::Egress {
                "sg_out"
            } else {
                "sg_in"
            };
            has(ns, set, t).then(|| Dropper::SecurityGroup {
                eni: eni.to_string(),
                direction,
            })
        };
        let mut records = Vec::new();
        let mut push = |eni: &str, request: bool, dropped_by: Option<Dropper>| {
            let (src, dst, sp, dp) = if request {
                (cl.ip, sv.ip, sport, port)
            } else {
                (sv.ip, cl.ip, port, sport)
            };
            let action = if dropped_by.is_some() {
                "REJECT"
            } else {
                "ACCEPT"
            };
            records.push(LabRecord {
                line: format!(
                    "2 123456789012 {eni} {src} {dst} {sp} {dp} 6 1 60 {start} {} {action} OK",
                    start + 1
                ),
                eni: eni.to_string(),
                action,
                dropped_by,
            });
        };
        // The request, leaving the client: its groups, then its subnet's ACL.
        if has(&cl.ns, "seen_out", &request) {
            let d = sg_at(client, &cl.ns, Direction::Egress, &request)
                .or_else(|| acl_at(&cl.subnet_id, true, &request));
            push(client, true, d);
        }
        // The request, reaching the server: its subnet's ACL, then its groups.
        let acl_in = acl_at(&sv.subnet_id, false, &request);
        if has(&sv.ns, "seen_in", &request) || acl_in.is_some() {
            let d = acl_in.or_else(|| sg_at(server, &sv.ns, Direction::Ingress, &request));
            push(server, true, d);
        }
        // The reply (SYN-ACK or reset), leaving the server: its subnet's ACL.
        if has(&sv.ns, "seen_out", &reply) {
            push(server, false, acl_at(&sv.subnet_id, true, &reply));
        }
        // The reply, reaching the client: its subnet's ACL.
        let acl_back = acl_at(&cl.subnet_id, false, &reply);
        if has(&cl.ns, "seen_in", &reply) || acl_back.is_some() {
            push(client, false, acl_back);
        }
        Ok((outcome, records))
    }
}
