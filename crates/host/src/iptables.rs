//! `iptables-save` / `ip6tables-save` output → [`FirewallChain`]s.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use netpath_model::host::{
    Action, Family, FirewallChain, FirewallRule, Hook, Match, Ports, RejectWith, L4,
};

use crate::error::ParseError;
use crate::names::{self, IcmpSpec, Proto};

/// Reads the `*filter` table of `iptables-save` (or `ip6tables-save`) output.
///
/// - Input: the tool's text; `family` is [`Family::Ip`] for `iptables-save`
///   and [`Family::Ip6`] for `ip6tables-save`; `origin` names the text in
///   errors (e.g. `iptables-save`).
/// - Output: every chain of the filter table in declaration order, table
///   `filter`. `INPUT` and `OUTPUT` carry their hook, priority 0 and their
///   policy; `FORWARD` and user chains have no hook. Each rule has `origin`
///   `line N` (1-based) and `text` the line itself. Other tables (`*nat`,
///   `*mangle`, …) are skipped; text with no `*filter` gives no chains.
/// - Errors ([`ParseError`] naming `origin` and the line): a bad address or
///   port, an option with no value, an unknown general option, unbalanced
///   quotes, a rule for an undeclared chain, a table without `COMMIT`.
///   Match modules and targets netpath does not evaluate are not errors:
///   they become [`Match::Unsupported`] and [`Action::Unsupported`].
pub fn parse_iptables_save(
    text: &str,
    family: Family,
    origin: &str,
) -> Result<Vec<FirewallChain>, ParseError> {
    let mut chains: Vec<FirewallChain> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // (table name, line it started on) while inside a table.
    let mut table: Option<(String, usize)> = None;
    let err = |n: usize, msg: String| ParseError::new(origin, format!("line {n}"), msg);

    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            if let Some((open, start)) = &table {
                return Err(err(
                    n,
                    format!("table *{name} starts before the COMMIT of *{open} (line {start})"),
                ));
            }
            table = Some((name.trim().to_string(), n));
            continue;
        }
        if line == "COMMIT" {
            if table.take().is_none() {
                return Err(err(n, "COMMIT outside a table".into()));
            }
            continue;
        }
        match &table {
            None => {
                return Err(err(
                    n,
                    format!("`{line}` is outside a table (expected `*filter` first)"),
                ))
            }
            Some((name, _)) if name != "filter" => continue,
            Some(_) => {}
        }
        if let Some(decl) = line.strip_prefix(':') {
            let chain = declare_chain(decl, family).map_err(|m| err(n, m))?;
            if index.contains_key(&chain.name) {
                return Err(err(n, format!("chain {} declared twice", chain.name)));
            }
            index.insert(chain.name.clone(), chains.len());
            chains.push(chain);
            continue;
        }
        let tokens = shlex::split(line).ok_or_else(|| err(n, "unbalanced quotes".into()))?;
        let mut tokens = tokens.as_slice();
        // `iptables-save -c` puts `[packets:bytes]` before each rule.
        if tokens.first().is_some_and(|t| t.starts_with('[')) {
            tokens = &tokens[1..];
        }
        let chain_name = match tokens {
            [a, chain, ..] if a == "-A" || a == "--append" => chain.clone(),
            _ => return Err(err(n, format!("expected `-A CHAIN …`, found `{line}`"))),
        };
        let Some(&ci) = index.get(&chain_name) else {
            return Err(err(n, format!("rule for undeclared chain {chain_name}")));
        };
        let mut parser = RuleParser {
            tokens: &tokens[2..],
            pos: 0,
            chains: &index,
            matches: Vec::new(),
            action: None,
            protocol: None,
        };
        parser.run().map_err(|m| err(n, m))?;
        chains[ci].rules.push(FirewallRule {
            text: line.to_string(),
            origin: format!("line {n}"),
            matches: parser.matches,
            action: parser.action.unwrap_or(Action::Continue),
        });
    }
    if let Some((name, start)) = table {
        return Err(err(start, format!("table *{name} has no COMMIT")));
    }
    Ok(chains)
}

/// Reads `NAME POLICY [p:b]` (after the `:`).
fn declare_chain(decl: &str, family: Family) -> Result<FirewallChain, String> {
    let mut parts = decl.split_whitespace();
    let name = parts.next().ok_or("chain declaration with no name")?;
    let policy = parts
        .next()
        .ok_or_else(|| format!("chain {name} declared with no policy"))?;
    let hook = match name {
        "INPUT" => Some(Hook::Input),
        "OUTPUT" => Some(Hook::Output),
        _ => None,
    };
    let policy = match policy {
        "-" => None,
        "ACCEPT" => Some(Action::Accept),
        "DROP" => Some(Action::Drop),
        other => return Err(format!("chain {name} has unknown policy {other}")),
    };
    if hook.is_some() && policy.is_none() {
        return Err(format!("built-in chain {name} has no policy"));
    }
    Ok(FirewallChain {
        family,
        table: "filter".into(),
        name: name.to_string(),
        hook,
        priority: 0,
        policy: if hook.is_some() { policy } else { None },
        rules: Vec::new(),
    })
}

/// The general options (not a module's), long forms.
const GENERAL_LONG: &[&str] = &[
    "--protocol",
    "--source",
    "--src",
    "--destination",
    "--dst",
    "--in-interface",
    "--out-interface",
    "--match",
    "--jump",
    "--goto",
    "--fragment",
    "--set-counters",
];

/// True for a token that starts a module's (or target's) option.
fn is_module_option(tok: &str) -> bool {
    tok.starts_with("--") && !GENERAL_LONG.contains(&tok)
}

/// One option of a module or target: `! --name value…`.
struct Opt {
    negate: bool,
    name: String,
    values: Vec<String>,
}

impl Opt {
    fn text(&self) -> String {
        let mut words: Vec<&str> = Vec::new();
        if self.negate {
            words.push("!");
        }
        words.push(&self.name);
        words.extend(self.values.iter().map(String::as_str));
        join(&words)
    }

    /// The single value, or an error naming the option.
    fn value(&self) -> Result<&str, String> {
        match self.values.as_slice() {
            [v] => Ok(v),
            [] => Err(format!("{} needs a value", self.name)),
            _ => Err(format!(
                "{} takes one value, found {}",
                self.name,
                self.values.join(" ")
            )),
        }
    }
}

/// Joins words into shell-like text, quoting those that need it.
fn join(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            if w.is_empty() || w.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                format!("\"{}\"", w.replace('"', "\\\""))
            } else {
                (*w).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct RuleParser<'a> {
    tokens: &'a [String],
    pos: usize,
    chains: &'a HashMap<String, usize>,
    matches: Vec<Match>,
    action: Option<Action>,
    /// The `-p` protocol, for options given without `-m` (implicit match).
    protocol: Option<String>,
}

impl RuleParser<'_> {
    fn next(&mut self) -> Option<&str> {
        let t = self.tokens.get(self.pos)?;
        self.pos += 1;
        Some(t.as_str())
    }

    fn value(&mut self, opt: &str) -> Result<String, String> {
        self.next()
            .map(str::to_string)
            .ok_or_else(|| format!("{opt} needs a value"))
    }

    /// Reads the options that follow `-m NAME` or `-j TARGET`.
    fn options(&mut self) -> Vec<Opt> {
        let mut opts = Vec::new();
        loop {
            let mut negate = false;
            let mut at = self.pos;
            if self.tokens.get(at).is_some_and(|t| t == "!") {
                negate = true;
                at += 1;
            }
            let Some(name) = self.tokens.get(at).filter(|t| is_module_option(t)) else {
                return opts;
            };
            let name = name.clone();
            self.pos = at + 1;
            let mut values = Vec::new();
            let single = matches!(
                name.as_str(),
                "--comment" | "--log-prefix" | "--nflog-prefix"
            );
            while let Some(v) = self.tokens.get(self.pos) {
                if single && values.is_empty() {
                    values.push(v.clone());
                    self.pos += 1;
                    break;
                }
                if v == "!" || v.starts_with('-') {
                    break;
                }
                values.push(v.clone());
                self.pos += 1;
            }
            opts.push(Opt {
                negate,
                name,
                values,
            });
        }
    }

    fn run(&mut self) -> Result<(), String> {
        while self.pos < self.tokens.len() {
            let mut negate = false;
            let mut tok = self.next().unwrap_or_default().to_string();
            if tok == "!" {
                negate = true;
                tok = self.value("!")?;
            }
            match tok.as_str() {
                "-p" | "--protocol" => {
                    let v = self.value(&tok)?;
                    match names::protocol(&v) {
                        Proto::L4(p) => self.matches.push(Match::Protocol {
                            negate,
                            protocols: vec![p],
                        }),
                        Proto::Any if !negate => {}
                        _ => self.matches.push(Match::Unsupported {
                            text: format!("{}-p {}", if negate { "! " } else { "" }, join(&[&v])),
                        }),
                    }
                    self.protocol = Some(v.to_ascii_lowercase());
                }
                "-s" | "--source" | "--src" => {
                    let nets = parse_nets(&self.value(&tok)?)?;
                    self.matches.push(Match::Source { negate, nets });
                }
                "-d" | "--destination" | "--dst" => {
                    let nets = parse_nets(&self.value(&tok)?)?;
                    self.matches.push(Match::Destination { negate, nets });
                }
                "-i" | "--in-interface" => {
                    let name = self.value(&tok)?;
                    self.matches.push(Match::InInterface { negate, name });
                }
                "-o" | "--out-interface" => {
                    let name = self.value(&tok)?;
                    self.matches.push(Match::OutInterface { negate, name });
                }
                "-f" | "--fragment" => self.matches.push(Match::Unsupported {
                    text: if negate { "! -f".into() } else { "-f".into() },
                }),
                "-c" | "--set-counters" => {
                    self.value(&tok)?;
                    self.value(&tok)?;
                }
                "-m" | "--match" => {
                    if negate {
                        return Err(format!("`!` cannot negate {tok}"));
                    }
                    let module = self.value(&tok)?;
                    let opts = self.options();
                    self.module(&module, opts)?;
                }
                "-j" | "--jump" | "-g" | "--goto" => {
                    if negate {
                        return Err(format!("`!` cannot negate {tok}"));
                    }
                    if self.action.is_some() {
                        return Err("more than one target".into());
                    }
                    let target = self.value(&tok)?;
                    let opts = self.options();
                    let action = if tok == "-g" || tok == "--goto" {
                        if !self.chains.contains_key(&target) {
                            return Err(format!("goto to undeclared chain {target}"));
                        }
                        Action::Goto { chain: target }
                    } else {
                        self.target(&target, &opts)
                    };
                    self.action = Some(action);
                }
                t if t.starts_with("--") => {
                    // An option of the protocol's implicit match (`-p tcp --dport 22`).
                    let Some(proto) = self.protocol.clone() else {
                        return Err(format!("unknown option {t}"));
                    };
                    self.pos -= if negate { 2 } else { 1 };
                    let opts = self.options();
                    let module = match names::protocol(&proto) {
                        Proto::L4(L4::Icmpv6) => "icmp6".to_string(),
                        _ => proto,
                    };
                    self.module(&module, opts)?;
                }
                t => return Err(format!("unknown option {t}")),
            }
        }
        Ok(())
    }

    /// Interprets `-m MODULE` and its options.
    fn module(&mut self, module: &str, opts: Vec<Opt>) -> Result<(), String> {
        let unsupported = |opts: &[&Opt]| Match::Unsupported {
            text: std::iter::once(format!("-m {module}"))
                .chain(opts.iter().map(|o| o.text()))
                .collect::<Vec<_>>()
                .join(" "),
        };
        match module {
            "comment" => return Ok(()),
            "tcp" | "udp" | "multiport" | "state" | "conntrack" | "icmp" | "icmp6" | "addrtype" => {
            }
            _ => {
                let all: Vec<&Opt> = opts.iter().collect();
                self.matches.push(unsupported(&all));
                return Ok(());
            }
        }
        for o in &opts {
            let negate = o.negate;
            let m = match (module, o.name.as_str()) {
                ("tcp" | "udp", "--dport" | "--destination-port") => Match::DestinationPort {
                    negate,
                    ports: vec![parse_port_range(o.value()?)?],
                },
                ("tcp" | "udp", "--sport" | "--source-port") => Match::SourcePort {
                    negate,
                    ports: vec![parse_port_range(o.value()?)?],
                },
                ("tcp", "--syn") => Match::TcpSyn { negate },
                ("tcp", "--tcp-flags") => match o.values.as_slice() {
                    [mask, comp] if is_syn_flags(mask, comp) => Match::TcpSyn { negate },
                    [_, _] => unsupported(&[o]),
                    _ => return Err("--tcp-flags needs a mask and a comparison".into()),
                },
                ("multiport", "--dports" | "--destination-ports") => Match::DestinationPort {
                    negate,
                    ports: parse_port_list(o.value()?)?,
                },
                ("multiport", "--sports" | "--source-ports") => Match::SourcePort {
                    negate,
                    ports: parse_port_list(o.value()?)?,
                },
                ("state", "--state") | ("conntrack", "--ctstate") => {
                    let states: Option<Vec<_>> =
                        o.value()?.split(',').map(names::ct_state).collect();
                    match states {
                        Some(states) => Match::CtState { negate, states },
                        None => unsupported(&[o]),
                    }
                }
                ("icmp", "--icmp-type") | ("icmp6", "--icmpv6-type") => {
                    let v = o.value()?;
                    match names::icmp_type(v, module == "icmp6") {
                        Some(IcmpSpec::Any) if !negate => continue,
                        Some(IcmpSpec::Type(icmp_type, code)) => Match::IcmpType {
                            negate,
                            icmp_type,
                            code,
                        },
                        Some(IcmpSpec::Any) => unsupported(&[o]),
                        None => return Err(format!("unknown ICMP type {v}")),
                    }
                }
                ("addrtype", "--dst-type" | "--src-type") => {
                    let types: Option<Vec<_>> =
                        o.value()?.split(',').map(names::addr_type).collect();
                    match types {
                        Some(types) => Match::AddrType {
                            negate,
                            destination: o.name == "--dst-type",
                            types,
                        },
                        None => unsupported(&[o]),
                    }
                }
                _ => unsupported(&[o]),
            };
            self.matches.push(m);
        }
        Ok(())
    }

    /// Interprets `-j TARGET` and its options.
    fn target(&self, target: &str, opts: &[Opt]) -> Action {
        let text = || {
            std::iter::once(format!("-j {target}"))
                .chain(opts.iter().map(Opt::text))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match target {
            "ACCEPT" => Action::Accept,
            "DROP" => Action::Drop,
            "RETURN" => Action::Return,
            "REJECT" => {
                let with = match opts.iter().find(|o| o.name == "--reject-with") {
                    None => Some(RejectWith::IcmpPortUnreachable),
                    Some(o) => o.value().ok().and_then(names::reject_with),
                };
                match with {
                    Some(with) => Action::Reject { with },
                    None => Action::Unsupported { text: text() },
                }
            }
            t if self.chains.contains_key(t) => Action::Jump {
                chain: t.to_string(),
            },
            t if names::is_non_terminating_target(t) => Action::Continue,
            _ => Action::Unsupported { text: text() },
        }
    }
}

/// `--tcp-flags FIN,SYN,RST,ACK SYN` (in any order): the `--syn` test.
fn is_syn_flags(mask: &str, comp: &str) -> bool {
    let mut m: Vec<String> = mask.split(',').map(|f| f.to_ascii_uppercase()).collect();
    m.sort();
    m == ["ACK", "FIN", "RST", "SYN"] && comp.eq_ignore_ascii_case("SYN")
}

/// Reads `10.0.0.0/8`, `10.1.2.3` (a host), `10.0.0.0/255.0.0.0`, and comma
/// lists of these.
pub(crate) fn parse_nets(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',').map(parse_net).collect()
}

fn parse_net(text: &str) -> Result<IpNet, String> {
    let bad = |why: &str| format!("bad address {text:?}: {why}");
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| bad("not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(l) => match l.parse::<u8>() {
            Ok(l) => l,
            Err(_) => {
                let mask: IpAddr = l.parse().map_err(|_| bad("bad prefix length"))?;
                let bits = match mask {
                    IpAddr::V4(m) => u128::from(u32::from(m)) << 96,
                    IpAddr::V6(m) => u128::from(m),
                };
                let ones = bits.leading_ones();
                if bits.checked_shl(ones).unwrap_or(0) != 0 || mask.is_ipv4() != addr.is_ipv4() {
                    return Err(bad("the netmask is not contiguous"));
                }
                ones as u8
            }
        },
    };
    IpNet::new(addr, len)
        .map(|n| n.trunc())
        .map_err(|_| bad("prefix length too long"))
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse().map_err(|_| format!("bad port {text:?}"))
}

/// Reads `22`, `1024:65535`, `:1023` (from 0), `1024:` (to 65535).
pub(crate) fn parse_port_range(text: &str) -> Result<Ports, String> {
    let (from, to) = match text.split_once(':') {
        None => {
            let p = parse_port(text)?;
            (p, p)
        }
        Some((a, b)) => (
            if a.is_empty() { 0 } else { parse_port(a)? },
            if b.is_empty() {
                u16::MAX
            } else {
                parse_port(b)?
            },
        ),
    };
    if from > to {
        return Err(format!("bad port range {text:?}: {from} is above {to}"));
    }
    Ok(Ports { from, to })
}

/// Reads a multiport list: `22,80,8000:8080`.
fn parse_port_list(text: &str) -> Result<Vec<Ports>, String> {
    text.split(',').map(parse_port_range).collect()
}
