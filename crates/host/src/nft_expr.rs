//! nftables `match` expressions → [`Match`]es.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};
use netpath_model::host::{Action, Family, Match, Ports, L4};
use serde_json::Value;

use crate::names::{self, IcmpSpec, Proto};
use crate::nft_statement::{render_statement, single, verdict_of};

/// The most rules one nftables rule is expanded into.
pub(crate) const MAX_ALTERNATIVES: usize = 256;

/// One condition of a rule being built.
#[derive(Debug, Clone)]
pub(crate) enum Piece {
    /// A finished match.
    M(Match),
    /// `icmp code N` (or `icmpv6 code`): joined to the rule's ICMP type.
    Code(u8),
}

/// The sets of one ruleset, by (family, table, name).
pub(crate) type Sets<'a> = HashMap<(String, String, String), &'a Value>;

/// What a rule's expressions are read against.
pub(crate) struct RuleCtx<'a> {
    pub family: Family,
    pub family_name: &'a str,
    pub table: &'a str,
    pub sets: &'a Sets<'a>,
}

/// Every combination of one alternative of `alts` and one of `cond`.
pub(crate) fn product(alts: Vec<Vec<Piece>>, cond: Vec<Vec<Piece>>) -> Vec<Vec<Piece>> {
    if cond.len() == 1 {
        let add = &cond[0];
        return alts
            .into_iter()
            .map(|mut a| {
                a.extend(add.iter().cloned());
                a
            })
            .collect();
    }
    let mut out = Vec::with_capacity(alts.len() * cond.len());
    for a in &alts {
        for c in &cond {
            out.push(a.iter().chain(c.iter()).cloned().collect());
            if out.len() > MAX_ALTERNATIVES {
                return out;
            }
        }
    }
    out
}

/// Joins `icmp code` pieces to the ICMP type match before them, and drops
/// repeated matches.
pub(crate) fn finish(pieces: Vec<Piece>) -> Vec<Match> {
    let mut out: Vec<Match> = Vec::new();
    for p in pieces {
        match p {
            // `tcp flags … tcp dport …` implies TCP twice: keep one.
            Piece::M(m) if out.contains(&m) => {}
            Piece::M(m) => out.push(m),
            Piece::Code(c) => {
                let slot = out.iter_mut().rev().find_map(|m| match m {
                    Match::IcmpType {
                        negate: false,
                        code: code @ None,
                        ..
                    } => Some(code),
                    _ => None,
                });
                match slot {
                    Some(code) => *code = Some(c),
                    None => out.push(Match::Unsupported {
                        text: format!("icmp code {c}"),
                    }),
                }
            }
        }
    }
    out
}

fn one(m: Match) -> Vec<Vec<Piece>> {
    vec![vec![Piece::M(m)]]
}

impl RuleCtx<'_> {
    /// An expression kept as unsupported, with its JSON text.
    pub(crate) fn unsupported(&self, e: &Value) -> Piece {
        Piece::M(Match::Unsupported {
            text: format!("{} ({})", render_statement(e), e),
        })
    }

    /// The values of a right-hand side: a single value, an anonymous set, a
    /// list, or a static named set (`@name`). `None` when not resolvable.
    fn values(&self, right: &Value) -> Option<Vec<Value>> {
        let raw: Vec<Value> = match right {
            Value::String(s) if s.starts_with('@') => {
                let key = (
                    self.family_name.to_string(),
                    self.table.to_string(),
                    s[1..].to_string(),
                );
                let set = self.sets.get(&key)?;
                let dynamic = set
                    .get("flags")
                    .and_then(Value::as_array)
                    .is_some_and(|f| f.iter().any(|x| x == "dynamic" || x == "timeout"));
                if dynamic || set.get("timeout").is_some() {
                    return None;
                }
                set.get("elem")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            }
            Value::Array(items) => items.clone(),
            Value::Object(o) if o.contains_key("set") => match &o["set"] {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            },
            other => vec![other.clone()],
        };
        raw.into_iter()
            .map(|v| match v.get("elem") {
                Some(elem) if elem.get("timeout").is_some() || elem.get("expires").is_some() => {
                    None
                }
                Some(elem) => elem.get("val").cloned(),
                None => Some(v),
            })
            .collect()
    }

    /// Reads one `{"match":{op,left,right}}`. `e` is the whole statement.
    pub(crate) fn condition(&self, e: &Value, m: &Value) -> Vec<Vec<Piece>> {
        self.try_condition(m)
            .unwrap_or_else(|| vec![vec![self.unsupported(e)]])
    }

    fn try_condition(&self, m: &Value) -> Option<Vec<Vec<Piece>>> {
        let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
        let left = m.get("left")?;
        let right = m.get("right")?;
        let negate = match op {
            "==" | "in" => false,
            "!=" => true,
            "<" | ">" | "<=" | ">=" => return self.port_comparison(op, left, right),
            _ => return None,
        };
        let (kind, l) = single(left)?;
        let field = |k: &str| l.get(k).and_then(Value::as_str).unwrap_or_default();
        match kind {
            "payload" => self.payload(field("protocol"), field("field"), negate, right),
            "meta" => self.meta(field("key"), negate, right),
            "ct" if field("key") == "state" => {
                let states = self
                    .values(right)?
                    .iter()
                    .map(|v| v.as_str().and_then(names::ct_state))
                    .collect::<Option<Vec<_>>>()?;
                Some(one(Match::CtState { negate, states }))
            }
            "fib" if field("result") == "type" => {
                let flags: Vec<&str> = l
                    .get("flags")?
                    .as_array()?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                let destination = match flags.as_slice() {
                    ["daddr"] => true,
                    ["saddr"] => false,
                    _ => return None,
                };
                let types = self
                    .values(right)?
                    .iter()
                    .map(|v| v.as_str().and_then(names::addr_type))
                    .collect::<Option<Vec<_>>>()?;
                Some(one(Match::AddrType {
                    negate,
                    destination,
                    types,
                }))
            }
            "&" => {
                // `tcp flags & (fin|syn|rst|ack) == syn`
                let [target, mask] = l.as_array()?.as_slice() else {
                    return None;
                };
                let (pk, p) = single(target)?;
                let is_flags =
                    pk == "payload" && p.get("protocol")? == "tcp" && p.get("field")? == "flags";
                let mut mask: Vec<String> = match mask {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    Value::Object(_) => self
                        .values(mask)?
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    _ => return None,
                };
                mask.sort();
                if is_flags && mask == ["ack", "fin", "rst", "syn"] && right.as_str() == Some("syn")
                {
                    let mut pieces = vec![Piece::M(proto_match(L4::Tcp))];
                    pieces.push(Piece::M(Match::TcpSyn { negate }));
                    return Some(vec![pieces]);
                }
                None
            }
            _ => None,
        }
    }

    fn payload(
        &self,
        protocol: &str,
        field: &str,
        negate: bool,
        right: &Value,
    ) -> Option<Vec<Vec<Piece>>> {
        match (protocol, field) {
            ("ip" | "ip6", "saddr" | "daddr") => {
                let nets = self.nets(right)?;
                Some(one(if field == "saddr" {
                    Match::Source { negate, nets }
                } else {
                    Match::Destination { negate, nets }
                }))
            }
            ("ip", "protocol") | ("ip6", "nexthdr") => self.protocols(negate, right),
            ("tcp" | "udp" | "th", "sport" | "dport") => {
                let ports = self
                    .values(right)?
                    .iter()
                    .map(port_range)
                    .collect::<Option<Vec<_>>>()?;
                let m = if field == "sport" {
                    Match::SourcePort { negate, ports }
                } else {
                    Match::DestinationPort { negate, ports }
                };
                let mut pieces = Vec::new();
                match protocol {
                    "tcp" => pieces.push(Piece::M(proto_match(L4::Tcp))),
                    "udp" => pieces.push(Piece::M(proto_match(L4::Udp))),
                    _ => {}
                }
                pieces.push(Piece::M(m));
                Some(vec![pieces])
            }
            ("icmp" | "icmpv6", "type") => {
                let v6 = protocol == "icmpv6";
                let proto = Piece::M(proto_match(if v6 { L4::Icmpv6 } else { L4::Icmp }));
                let mut types = Vec::new();
                for v in self.values(right)? {
                    let text = match &v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    match names::icmp_type(&text, v6)? {
                        IcmpSpec::Type(icmp_type, code) => types.push(Match::IcmpType {
                            negate,
                            icmp_type,
                            code,
                        }),
                        IcmpSpec::Any => return None,
                    }
                }
                Some(alternatives(negate, Some(proto), types))
            }
            ("icmp" | "icmpv6", "code") if !negate => {
                let code = u8::try_from(right.as_u64()?).ok()?;
                Some(vec![vec![Piece::Code(code)]])
            }
            _ => None,
        }
    }

    fn meta(&self, key: &str, negate: bool, right: &Value) -> Option<Vec<Vec<Piece>>> {
        match key {
            "iifname" | "oifname" | "iif" | "oif" => {
                let names = self
                    .values(right)?
                    .iter()
                    .map(|v| v.as_str().map(interface_name))
                    .collect::<Option<Vec<_>>>()?;
                let ms = names
                    .into_iter()
                    .map(|name| {
                        if key.starts_with('i') {
                            Match::InInterface { negate, name }
                        } else {
                            Match::OutInterface { negate, name }
                        }
                    })
                    .collect();
                Some(alternatives(negate, None, ms))
            }
            "l4proto" => self.protocols(negate, right),
            "nfproto" | "protocol" => {
                let values = self.values(right)?;
                let [v] = values.as_slice() else { return None };
                let v4 = match v.as_str()? {
                    "ipv4" | "ip" => true,
                    "ipv6" | "ip6" => false,
                    _ => return None,
                };
                let restates =
                    matches!((self.family, v4), (Family::Ip, true) | (Family::Ip6, false));
                if restates && !negate {
                    return Some(vec![Vec::new()]);
                }
                // Every address of one family: the packet is of that family.
                let all: IpNet = if v4 { "0.0.0.0/0" } else { "::/0" }.parse().ok()?;
                Some(one(Match::Source {
                    negate,
                    nets: vec![all],
                }))
            }
            _ => None,
        }
    }

    fn protocols(&self, negate: bool, right: &Value) -> Option<Vec<Vec<Piece>>> {
        let protocols = self
            .values(right)?
            .iter()
            .map(|v| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                match names::protocol(&text) {
                    Proto::L4(p) => Some(p),
                    _ => None,
                }
            })
            .collect::<Option<Vec<_>>>()?;
        Some(one(Match::Protocol { negate, protocols }))
    }

    fn nets(&self, right: &Value) -> Option<Vec<IpNet>> {
        let mut nets = Vec::new();
        for v in self.values(right)? {
            match &v {
                Value::String(s) => {
                    let addr: IpAddr = s.parse().ok()?;
                    nets.push(IpNet::from(addr));
                }
                Value::Object(o) if o.contains_key("prefix") => {
                    let p = &o["prefix"];
                    let addr: IpAddr = p.get("addr")?.as_str()?.parse().ok()?;
                    let len = u8::try_from(p.get("len")?.as_u64()?).ok()?;
                    nets.push(IpNet::new(addr, len).ok()?.trunc());
                }
                Value::Object(o) if o.contains_key("range") => {
                    let [a, b] = o["range"].as_array()?.as_slice() else {
                        return None;
                    };
                    let a: IpAddr = a.as_str()?.parse().ok()?;
                    let b: IpAddr = b.as_str()?.parse().ok()?;
                    match (a, b) {
                        (IpAddr::V4(a), IpAddr::V4(b)) => {
                            nets.extend(Ipv4Subnets::new(a, b, 0).map(IpNet::V4))
                        }
                        (IpAddr::V6(a), IpAddr::V6(b)) => {
                            nets.extend(Ipv6Subnets::new(a, b, 0).map(IpNet::V6))
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        Some(nets)
    }

    /// `tcp dport < 1024` and the like.
    fn port_comparison(&self, op: &str, left: &Value, right: &Value) -> Option<Vec<Vec<Piece>>> {
        let (kind, l) = single(left)?;
        let protocol = l.get("protocol")?.as_str()?;
        let field = l.get("field")?.as_str()?;
        if kind != "payload" || !matches!(protocol, "tcp" | "udp" | "th") {
            return None;
        }
        let n = u16::try_from(right.as_u64()?).ok()?;
        let range = match op {
            "<" => Ports {
                from: 0,
                to: n.checked_sub(1)?,
            },
            "<=" => Ports { from: 0, to: n },
            ">" => Ports {
                from: n.checked_add(1)?,
                to: u16::MAX,
            },
            ">=" => Ports {
                from: n,
                to: u16::MAX,
            },
            _ => return None,
        };
        let mut pieces = Vec::new();
        match protocol {
            "tcp" => pieces.push(Piece::M(proto_match(L4::Tcp))),
            "udp" => pieces.push(Piece::M(proto_match(L4::Udp))),
            _ => {}
        }
        pieces.push(Piece::M(match field {
            "sport" => Match::SourcePort {
                negate: false,
                ports: vec![range],
            },
            "dport" => Match::DestinationPort {
                negate: false,
                ports: vec![range],
            },
            _ => return None,
        }));
        Some(vec![pieces])
    }

    /// A verdict map: one (key condition, verdict) per entry. `None` when
    /// the key or an entry cannot be read.
    pub(crate) fn vmap(&self, val: &Value) -> Option<Vec<(Vec<Piece>, Action)>> {
        let key = val.get("key")?;
        let entries = val.get("data")?.get("set")?.as_array()?;
        let mut out = Vec::new();
        for entry in entries {
            let [k, v] = entry.as_array()?.as_slice() else {
                return None;
            };
            let (vk, vv) = single(v)?;
            let action = verdict_of(vk, vv)?;
            let cond = serde_json::json!({"op": "==", "left": key, "right": k});
            let mut alts = self.try_condition(&cond)?;
            if alts.len() != 1 {
                // Several alternatives for one entry: expand them too.
                for alt in alts.drain(..) {
                    out.push((alt, action.clone()));
                }
                continue;
            }
            out.push((alts.pop()?, action));
        }
        Some(out)
    }
}

fn proto_match(p: L4) -> Match {
    Match::Protocol {
        negate: false,
        protocols: vec![p],
    }
}

/// `negate`: all must hold (one rule); otherwise one rule per match, each
/// with `common` first.
fn alternatives(negate: bool, common: Option<Piece>, ms: Vec<Match>) -> Vec<Vec<Piece>> {
    if negate || ms.len() == 1 {
        let mut pieces: Vec<Piece> = common.into_iter().collect();
        pieces.extend(ms.into_iter().map(Piece::M));
        vec![pieces]
    } else {
        ms.into_iter()
            .map(|m| common.iter().cloned().chain([Piece::M(m)]).collect())
            .collect()
    }
}

/// nft's wildcard `eth*` (JSON `eth*` or `eth\*`) → iptables' `eth+`.
fn interface_name(name: &str) -> String {
    match name.strip_suffix('*') {
        Some(prefix) if !prefix.ends_with('\\') => format!("{prefix}+"),
        _ => name.replace("\\*", "*"),
    }
}

/// A port (`22`) or range (`{"range":[1000,2000]}`).
fn port_range(v: &Value) -> Option<Ports> {
    let port = |v: &Value| -> Option<u16> {
        match v {
            Value::Number(n) => u16::try_from(n.as_u64()?).ok(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    };
    match v {
        Value::Object(o) if o.contains_key("range") => {
            let [a, b] = o["range"].as_array()?.as_slice() else {
                return None;
            };
            let (from, to) = (port(a)?, port(b)?);
            (from <= to).then_some(Ports { from, to })
        }
        other => {
            let p = port(other)?;
            Some(Ports { from: p, to: p })
        }
    }
}
