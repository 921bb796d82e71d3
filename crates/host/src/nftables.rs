//! `nft -j list ruleset` output → [`FirewallChain`]s.

use std::collections::HashMap;

use netpath_model::host::{Action, Family, FirewallChain, FirewallRule, Hook};
use serde_json::Value;

use crate::error::ParseError;
use crate::nft_expr::{finish, product, Piece, RuleCtx, MAX_ALTERNATIVES};
use crate::nft_statement::{render_statement, single, verdict_of};

/// Reads the output of `nft -j list ruleset` (JSON schema version 1).
///
/// - Input: `{"nftables":[{"metainfo":…},{"table":…},{"chain":…},{"set":…},{"rule":…},…]}`;
///   `origin` names the text in errors (e.g. `nft -j list ruleset`).
/// - Output: every chain of the `ip`, `ip6` and `inet` families in listing
///   order (`arp`, `bridge` and `netdev` are skipped). A chain of type
///   `filter` on hook `input` or `output` is a base chain: it carries the
///   hook, its `prio` as priority and its policy (absent → accept). Other
///   chains (no hook, hooks `prerouting`/`forward`/`postrouting`, types
///   `nat`/`route`) have no hook and no policy. Each rule has `origin`
///   `handle N` and `text` rebuilt in nft syntax from its expressions.
///   Matches on a set (`tcp dport { 22, 80 }`), named sets (`@name`, when the
///   set is static and listed) and verdict maps (`ct state vmap { … }`) are
///   resolved; where one condition has several alternatives that one
///   [`netpath_model::host::Match`] cannot hold (interfaces, ICMP types,
///   vmap keys), the rule is expanded into several rules with the same
///   origin, in order (at most 256; beyond, the condition is kept as
///   unsupported). Conditions netpath does not evaluate (`limit`, marks,
///   `xt` matches of iptables-nft, dynamic sets, …) become
///   [`netpath_model::host::Match::Unsupported`] with their JSON text;
///   statements `counter`, `log` and `comment` are ignored; a rule with no
///   verdict continues.
/// - Errors ([`ParseError`] naming `origin` and a JSON path such as
///   `nftables[7].rule.chain`): text that is not JSON (located by line and
///   column), no `nftables` array, a chain or rule without its names, a
///   priority or policy that cannot be read, a rule for an unlisted chain.
pub fn parse_nft_json(text: &str, origin: &str) -> Result<Vec<FirewallChain>, ParseError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        ParseError::new(
            origin,
            format!("line {} column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
    })?;
    let items = root
        .get("nftables")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ParseError::new(origin, "$", "expected an object with an `nftables` array")
        })?;

    let mut sets: HashMap<(String, String, String), &Value> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(set) = item.get("set") {
            let path = format!("nftables[{i}].set");
            let family = str_field(set, "family", &path, origin)?;
            let table = str_field(set, "table", &path, origin)?;
            let name = str_field(set, "name", &path, origin)?;
            sets.insert((family.into(), table.into(), name.into()), set);
        }
    }

    let mut chains: Vec<FirewallChain> = Vec::new();
    let mut index: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(chain) = item.get("chain") {
            let path = format!("nftables[{i}].chain");
            let family_name = str_field(chain, "family", &path, origin)?;
            let Some(family) = family_of(family_name) else {
                continue;
            };
            let table = str_field(chain, "table", &path, origin)?;
            let name = str_field(chain, "name", &path, origin)?;
            let c = read_chain(chain, family, table, name, &path, origin)?;
            index.insert(
                (family_name.into(), table.into(), name.into()),
                chains.len(),
            );
            chains.push(c);
        } else if let Some(rule) = item.get("rule") {
            let path = format!("nftables[{i}].rule");
            let family_name = str_field(rule, "family", &path, origin)?;
            let Some(family) = family_of(family_name) else {
                continue;
            };
            let table = str_field(rule, "table", &path, origin)?;
            let chain = str_field(rule, "chain", &path, origin)?;
            let key = (
                family_name.to_string(),
                table.to_string(),
                chain.to_string(),
            );
            let Some(&ci) = index.get(&key) else {
                return Err(ParseError::new(
                    origin,
                    format!("{path}.chain"),
                    format!("rule for chain {family_name} {table} {chain}, which is not listed before it"),
                ));
            };
            let handle = match rule.get("handle") {
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::String(s)) => s.clone(),
                _ => format!("? (item {i})"),
            };
            let exprs = rule
                .get("expr")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let ctx = RuleCtx {
                family,
                family_name,
                table,
                sets: &sets,
            };
            let mut text = exprs
                .iter()
                .map(render_statement)
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(comment) = rule.get("comment").and_then(Value::as_str) {
                text.push_str(&format!(" comment {comment:?}"));
            }
            for (matches, action) in build_rule(exprs, &ctx) {
                chains[ci].rules.push(FirewallRule {
                    text: text.clone(),
                    origin: format!("handle {handle}"),
                    matches,
                    action,
                });
            }
        }
    }
    Ok(chains)
}

fn family_of(name: &str) -> Option<Family> {
    match name {
        "ip" => Some(Family::Ip),
        "ip6" => Some(Family::Ip6),
        "inet" => Some(Family::Inet),
        _ => None,
    }
}

fn str_field<'a>(v: &'a Value, key: &str, path: &str, origin: &str) -> Result<&'a str, ParseError> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| ParseError::new(origin, format!("{path}.{key}"), "missing, or not a string"))
}

fn read_chain(
    chain: &Value,
    family: Family,
    table: &str,
    name: &str,
    path: &str,
    origin: &str,
) -> Result<FirewallChain, ParseError> {
    let kind = chain.get("type").and_then(Value::as_str);
    let hook = match (kind, chain.get("hook").and_then(Value::as_str)) {
        (Some("filter"), Some("input")) => Some(Hook::Input),
        (Some("filter"), Some("output")) => Some(Hook::Output),
        _ => None,
    };
    let priority = match chain.get("prio") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => {
            n.as_i64()
                .and_then(|p| i32::try_from(p).ok())
                .ok_or_else(|| {
                    ParseError::new(origin, format!("{path}.prio"), format!("bad priority {n}"))
                })?
        }
        Some(Value::String(s)) => named_priority(s).ok_or_else(|| {
            ParseError::new(
                origin,
                format!("{path}.prio"),
                format!("unknown priority {s:?}"),
            )
        })?,
        Some(other) => {
            return Err(ParseError::new(
                origin,
                format!("{path}.prio"),
                format!("bad priority {other}"),
            ))
        }
    };
    let policy = match chain.get("policy").and_then(Value::as_str) {
        _ if hook.is_none() => None,
        None | Some("accept") => Some(Action::Accept),
        Some("drop") => Some(Action::Drop),
        Some(other) => {
            return Err(ParseError::new(
                origin,
                format!("{path}.policy"),
                format!("unknown policy {other:?}"),
            ))
        }
    };
    Ok(FirewallChain {
        family,
        table: table.to_string(),
        name: name.to_string(),
        hook,
        priority,
        policy,
        rules: Vec::new(),
    })
}

/// The standard priority names, possibly with an offset (`filter + 10`).
fn named_priority(text: &str) -> Option<i32> {
    let base = |name: &str| match name.trim() {
        "raw" => Some(-300),
        "mangle" => Some(-150),
        "dstnat" => Some(-100),
        "filter" => Some(0),
        "security" => Some(50),
        "srcnat" => Some(100),
        n => n.parse().ok(),
    };
    if let Some((a, b)) = text.split_once(" + ") {
        return Some(base(a)? + b.trim().parse::<i32>().ok()?);
    }
    if let Some((a, b)) = text.split_once(" - ") {
        return Some(base(a)? - b.trim().parse::<i32>().ok()?);
    }
    base(text)
}

/// Turns a rule's expressions into (matches, action) pairs, usually one.
fn build_rule(
    exprs: &[Value],
    ctx: &RuleCtx<'_>,
) -> Vec<(Vec<netpath_model::host::Match>, Action)> {
    let mut alts: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut verdict: Option<Vec<(Vec<Piece>, Action)>> = None;
    for e in exprs {
        if verdict.is_some() {
            break;
        }
        let Some((key, val)) = single(e) else {
            alts = product(alts, vec![vec![ctx.unsupported(e)]]);
            continue;
        };
        if let Some(action) = verdict_of(key, val) {
            verdict = Some(vec![(Vec::new(), action)]);
            continue;
        }
        match key {
            "counter" | "log" | "comment" => {}
            "match" => alts = product(alts, ctx.condition(e, val)),
            "vmap" => match ctx.vmap(val) {
                Some(v) => verdict = Some(v),
                None => verdict = Some(vec![(Vec::new(), unsupported_action(e))]),
            },
            "xt" => match (
                val.get("type").and_then(Value::as_str),
                val.get("name").and_then(Value::as_str),
            ) {
                (Some("target"), _) => verdict = Some(vec![(Vec::new(), unsupported_action(e))]),
                (_, Some("comment")) => {}
                _ => alts = product(alts, vec![vec![ctx.unsupported(e)]]),
            },
            "queue" | "dnat" | "snat" | "masquerade" | "redirect" | "tproxy" | "synproxy" => {
                verdict = Some(vec![(Vec::new(), unsupported_action(e))]);
            }
            _ => alts = product(alts, vec![vec![ctx.unsupported(e)]]),
        }
    }
    let verdict = verdict.unwrap_or_else(|| vec![(Vec::new(), Action::Continue)]);
    if alts.len() * verdict.len() > MAX_ALTERNATIVES {
        // Too many to expand: keep one rule whose conditions say so.
        let text = exprs
            .iter()
            .map(render_statement)
            .collect::<Vec<_>>()
            .join(" ");
        return vec![(
            vec![netpath_model::host::Match::Unsupported {
                text: format!("{text} (more than {MAX_ALTERNATIVES} alternatives)"),
            }],
            Action::Continue,
        )];
    }
    let mut out = Vec::new();
    for alt in &alts {
        for (extra, action) in &verdict {
            let pieces: Vec<Piece> = alt.iter().chain(extra.iter()).cloned().collect();
            out.push((finish(pieces), action.clone()));
        }
    }
    out
}

fn unsupported_action(e: &Value) -> Action {
    Action::Unsupported {
        text: render_statement(e),
    }
}
