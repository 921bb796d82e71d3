//! Statements of `nft -j list ruleset` output, one at a time: the single
//! `{"key": value}` of a statement, the action of a verdict, and both
//! rendered in nft syntax (roughly) for people. Used by the rule reader
//! (`nftables.rs`) and the expression reader (`nft_expr.rs`).
//! Source: <https://manpages.debian.org/bookworm/nftables/libnftables-json.5.en.html>.

use netpath_model::host::{Action, RejectWith};
use serde_json::Value;

use crate::names;

/// The single `{"key": value}` of a statement.
pub(crate) fn single(v: &Value) -> Option<(&str, &Value)> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    obj.iter().next().map(|(k, v)| (k.as_str(), v))
}

/// The action of a verdict statement, `None` for anything else.
pub(crate) fn verdict_of(key: &str, val: &Value) -> Option<Action> {
    let target = || {
        val.get("target")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Some(match key {
        "accept" => Action::Accept,
        "drop" => Action::Drop,
        "return" => Action::Return,
        "continue" => Action::Continue,
        "jump" => Action::Jump { chain: target() },
        "goto" => Action::Goto { chain: target() },
        "reject" => {
            let kind = val.get("type").and_then(Value::as_str);
            let expr = val.get("expr").and_then(Value::as_str);
            let with = match (kind, expr) {
                (Some("tcp reset"), _) => Some(RejectWith::TcpReset),
                (_, None) => Some(RejectWith::IcmpPortUnreachable),
                (_, Some(e)) => names::reject_with(e),
            };
            match with {
                Some(with) => Action::Reject { with },
                None => Action::Unsupported {
                    text: render_statement(&serde_json::json!({ "reject": val })),
                },
            }
        }
        _ => return None,
    })
}

/// Renders one statement in nft syntax (roughly), for people.
pub(crate) fn render_statement(e: &Value) -> String {
    let Some((key, val)) = single(e) else {
        return e.to_string();
    };
    let target = || val.get("target").and_then(Value::as_str).unwrap_or("?");
    match key {
        "accept" | "drop" | "return" | "continue" | "counter" | "notrack" => key.to_string(),
        "jump" | "goto" => format!("{key} {}", target()),
        "match" => {
            let op = match val.get("op").and_then(Value::as_str).unwrap_or("==") {
                "==" | "in" => String::new(),
                op => format!("{op} "),
            };
            format!(
                "{} {op}{}",
                render_value(val.get("left").unwrap_or(&Value::Null)),
                render_value(val.get("right").unwrap_or(&Value::Null))
            )
        }
        "reject" => match (
            val.get("type").and_then(Value::as_str),
            val.get("expr").and_then(Value::as_str),
        ) {
            (Some("tcp reset"), _) => "reject with tcp reset".into(),
            (Some(t), Some(x)) => format!("reject with {t} {x}"),
            _ => "reject".into(),
        },
        "log" => match val.get("prefix").and_then(Value::as_str) {
            Some(p) => format!("log prefix {p:?}"),
            None => "log".into(),
        },
        "limit" => format!(
            "limit rate {}/{}",
            val.get("rate").map(Value::to_string).unwrap_or_default(),
            val.get("per").and_then(Value::as_str).unwrap_or("second")
        ),
        "vmap" => {
            let key = render_value(val.get("key").unwrap_or(&Value::Null));
            let entries = val
                .get("data")
                .and_then(|d| d.get("set"))
                .and_then(Value::as_array)
                .map(|entries| {
                    entries
                        .iter()
                        .map(|pair| match pair.as_array().map(Vec::as_slice) {
                            Some([k, v]) => {
                                format!("{} : {}", render_value(k), render_statement(v))
                            }
                            _ => pair.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| render_value(val.get("data").unwrap_or(&Value::Null)));
            format!("{key} vmap {{ {entries} }}")
        }
        _ => e.to_string(),
    }
}

/// Renders an expression value in nft syntax (roughly).
pub(crate) fn render_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(render_value).collect::<Vec<_>>().join(","),
        Value::Object(_) => {
            let Some((key, val)) = single(v) else {
                return v.to_string();
            };
            let field = |k: &str| {
                val.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            };
            match key {
                "payload" => format!("{} {}", field("protocol"), field("field")),
                "meta" => match field("key").as_str() {
                    k @ ("iifname" | "oifname" | "iif" | "oif") => k.to_string(),
                    k => format!("meta {k}"),
                },
                "ct" => format!("ct {}", field("key")),
                "fib" => format!(
                    "fib {} {}",
                    val.get("flags")
                        .and_then(Value::as_array)
                        .map(|f| f.iter().map(render_value).collect::<Vec<_>>().join(" . "))
                        .unwrap_or_default(),
                    field("result")
                ),
                "prefix" => format!(
                    "{}/{}",
                    render_value(val.get("addr").unwrap_or(&Value::Null)),
                    render_value(val.get("len").unwrap_or(&Value::Null))
                ),
                "range" => match val.as_array().map(Vec::as_slice) {
                    Some([a, b]) => format!("{}-{}", render_value(a), render_value(b)),
                    _ => val.to_string(),
                },
                "set" => match val.as_array() {
                    Some(items) => format!(
                        "{{ {} }}",
                        items
                            .iter()
                            .map(render_value)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => render_value(val),
                },
                "&" | "|" | "^" => match val.as_array().map(Vec::as_slice) {
                    Some([a, b]) => format!("{} {key} {}", render_value(a), render_value(b)),
                    _ => val.to_string(),
                },
                "elem" => render_value(val.get("val").unwrap_or(&Value::Null)),
                _ => v.to_string(),
            }
        }
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
    }
}
