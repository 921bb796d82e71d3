//! Application Load Balancer listener rules, on the lab's own reading of
//! the snapshot: which target group the lab's probe reaches through a
//! listener.
//!
//! The probe's request is `GET /` with the load balancer's DNS name as its
//! `Host` and no other header or query string (the relay answers on
//! accepting, so nothing more is sent). A rule takes it when every
//! condition holds: `path-pattern` against `/`, `host-header` against the
//! DNS name (both with `*` and `?` wildcards, the host ignoring case),
//! `http-request-method` against `GET`, `http-header` only for `Host`,
//! never `query-string`; `source-ip` is left to the relay, which knows the
//! client's address. Rules are tried by priority, lowest first; the
//! default rule takes the rest.
//! Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html>,
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html>.

use ipnet::IpNet;
use netpath_model::{Listener, ListenerAction, ListenerRule, Snapshot};

/// One way through a listener: the client must be inside one CIDR of each
/// of `sources` (none: every client), and it reaches `target_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Route {
    pub(super) sources: Vec<Vec<IpNet>>,
    pub(super) target_group: String,
}

/// The target group one rule's actions forward to, when the lab builds
/// them: the first action that is not an authentication must forward to
/// exactly one target group.
fn forward_of(actions: &[ListenerAction], what: &str) -> Result<String, String> {
    let a = actions
        .iter()
        .find(|a| !a.action_type.starts_with("authenticate-"))
        .ok_or_else(|| format!("{what} has no action the lab builds"))?;
    match (a.action_type.as_str(), a.target_group_arns.as_slice()) {
        ("forward", [one]) => Ok(one.clone()),
        (t, _) => Err(format!(
            "{what}: a `{t}` action to {} target groups (the lab builds a forward to one)",
            a.target_group_arns.len()
        )),
    }
}

/// `text` matches `pattern`, where `*` is any run of characters and `?`
/// any one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

/// Whether `rule`'s request conditions hold for the probe's request to
/// `host`, and its `source-ip` CIDR sets; `Err` for a value the lab cannot
/// read.
fn conditions(rule: &ListenerRule, host: &str) -> Result<Option<Vec<Vec<IpNet>>>, String> {
    let mut sources = Vec::new();
    for c in &rule.conditions {
        let any = |f: &dyn Fn(&str) -> bool| c.values.iter().any(|v| f(v));
        let holds = match c.field.as_str() {
            "path-pattern" => any(&|v| glob(v, "/")),
            "host-header" => any(&|v| glob(&v.to_ascii_lowercase(), &host.to_ascii_lowercase())),
            "http-request-method" => any(&|v| v == "GET"),
            "http-header" => any(&|v| {
                v.split_once(": ").is_some_and(|(name, value)| {
                    name.eq_ignore_ascii_case("host")
                        && glob(&value.to_ascii_lowercase(), &host.to_ascii_lowercase())
                })
            }),
            "query-string" => false,
            "source-ip" => {
                let nets = c
                    .values
                    .iter()
                    .map(|v| {
                        v.parse::<IpNet>()
                            .map_err(|e| format!("source-ip {v}: {e}"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                sources.push(nets);
                true
            }
            other => return Err(format!("rule condition `{other}`")),
        };
        if !holds {
            return Ok(None);
        }
    }
    Ok(Some(sources))
}

/// The ways the probe's request to `host` can go through `listener`, in
/// priority order, the default rule's last. Without `DescribeRules` output
/// for the listener, only the default actions (the engine then answers
/// unknown, and nothing is probed there).
///
/// Errors: a rule or action the lab does not build, said in words.
pub(super) fn routes(
    snap: &Snapshot,
    listener: &Listener,
    host: &str,
) -> Result<Vec<Route>, String> {
    let mut rules: Vec<&ListenerRule> = snap
        .load_balancer_rules
        .iter()
        .flatten()
        .filter(|r| r.listener_arn == listener.listener_arn && !r.is_default)
        .collect();
    rules.sort_by_key(|r| r.priority.parse::<u32>().unwrap_or(u32::MAX));
    let mut out = Vec::new();
    for r in rules {
        let Some(sources) = conditions(r, host)? else {
            continue;
        };
        let target_group = forward_of(&r.actions, &format!("rule {}", r.priority))?;
        let every_client = sources.is_empty();
        out.push(Route {
            sources,
            target_group,
        });
        if every_client {
            return Ok(out);
        }
    }
    out.push(Route {
        sources: Vec::new(),
        target_group: forward_of(&listener.default_actions, "the default action")?,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn wildcards_match_as_alb_patterns_do() {
        assert!(glob("/*", "/"));
        assert!(glob("*", "/"));
        assert!(!glob("/api/*", "/"));
        assert!(glob("/ap?/*", "/api/x"));
        assert!(glob("*.example.com", "a.b.example.com"));
        assert!(!glob("*.example.com", "example.com"));
    }
}
