//! Listener rules of an Application Load Balancer: which of a listener's
//! rules a request from the client can match, and so which actions it can
//! meet.
//!
//! Rules are evaluated in priority order, lowest first; the first whose
//! conditions all match takes the request, and the default action takes
//! what no rule matches
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-update-rules.html>).
//! Of the condition types
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html>),
//! only `source-ip` is decided by the flow: it matches the client's address
//! as the load balancer sees it (a proxy's, when there is one). The others
//! (`host-header`, `path-pattern`, `http-header`, `http-request-method`,
//! `query-string`) read the HTTP request, which a flow does not carry: a
//! rule with one of them may or may not take a request, so each such rule
//! is a branch of its own, and so is what follows it.

use ipnet::IpNet;
use netpath_model::{Listener, ListenerAction, ListenerRule, LoadBalancer};

use super::load_balancer::{fold, name};
use super::Walker;
use crate::addr::AddrSet;
use crate::answer::{Decision, ExplanationCode, Hop, HopKind, PathLeg};
use crate::resolve::Placement;

/// One way a request can go: the rule (or the default action) that takes
/// it, and its actions.
pub(super) struct Branch<'a> {
    /// `rule 10 (path-pattern /api/*)`, or `the default action`.
    pub(super) label: String,
    /// Its actions, in `Order`.
    pub(super) actions: &'a [ListenerAction],
}

/// Whether a rule takes the client's requests.
#[derive(Debug, PartialEq, Eq)]
enum Takes {
    /// Every request from the client: no condition reads the request, and
    /// every `source-ip` condition holds every client address.
    All,
    /// None: a `source-ip` condition holds no client address.
    None,
    /// Some requests, by what they carry (or by which client address).
    Some,
}

/// The rule's conditions as a phrase: `path-pattern /api/*, /v2/*; source-ip 10.0.0.0/8`.
pub(super) fn conditions(rule: &ListenerRule) -> String {
    rule.conditions
        .iter()
        .map(|c| format!("{} {}", c.field, c.values.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "rule 10 (path-pattern /api/*)".
fn label(rule: &ListenerRule) -> String {
    format!("rule {} ({})", rule.priority, conditions(rule))
}

/// Whether `rule` takes requests from `client`: every condition must
/// match; a `source-ip` condition matches a client address inside one of
/// its CIDRs.
fn takes(rule: &ListenerRule, client: &AddrSet) -> Takes {
    let mut out = Takes::All;
    for c in &rule.conditions {
        if !c.field.eq_ignore_ascii_case("source-ip") {
            out = Takes::Some;
            continue;
        }
        let nets: Vec<IpNet> = c.values.iter().filter_map(|v| v.parse().ok()).collect();
        if nets.len() < c.values.len() {
            // A value netpath cannot read: the condition may hold.
            out = Takes::Some;
            continue;
        }
        let atoms = client.atoms(nets.iter());
        let inside = atoms
            .iter()
            .filter(|a| nets.iter().any(|n| n.contains(*a)))
            .count();
        if inside == 0 {
            return Takes::None;
        }
        if inside < atoms.len() {
            out = Takes::Some;
        }
    }
    out
}

/// The branches a request from `client` can take through a listener with
/// `rules` (its non-default rules, any order) and `default` actions, in
/// priority order; and the rules that take none of the client's requests,
/// as phrases.
pub(super) fn branches<'a>(
    rules: &[&'a ListenerRule],
    default: &'a [ListenerAction],
    client: &AddrSet,
) -> (Vec<Branch<'a>>, Vec<String>) {
    let mut sorted: Vec<&'a ListenerRule> = rules.to_vec();
    sorted.sort_by_key(|r| r.priority_number().unwrap_or(u32::MAX));
    let mut out = Vec::new();
    let mut passed = Vec::new();
    for r in sorted {
        match takes(r, client) {
            Takes::None => passed.push(label(r)),
            Takes::Some => out.push(Branch {
                label: label(r),
                actions: &r.actions,
            }),
            Takes::All => {
                out.push(Branch {
                    label: label(r),
                    actions: &r.actions,
                });
                return (out, passed);
            }
        }
    }
    out.push(Branch {
        label: "the default action".to_string(),
        actions: default,
    });
    (out, passed)
}

impl<'a> Walker<'_, 'a> {
    /// The packet reached node `ap` of `lb`'s `listener` (`listener_text`,
    /// `HTTPS 443`) from `client`: an ALB's rules pick the actions the
    /// client's requests meet, each followed (`Walker::follow`); one hop
    /// stands for them when they disagree.
    pub(super) fn listener(
        &mut self,
        lb: &'a LoadBalancer,
        ap: &Placement<'a>,
        client: &AddrSet,
        listener: &'a Listener,
        listener_text: &str,
    ) {
        let topo = self.topo;
        let arn = lb.load_balancer_arn.as_str();
        let who = name(lb);
        let default_only = || {
            vec![Branch {
                label: "the default action".to_string(),
                actions: &listener.default_actions,
            }]
        };
        // An ALB's rules decide which actions the client's requests meet.
        let (branches, passed) = if lb.is_application() {
            if let Some(m) = topo.in_doubt(&[listener.listener_arn.as_str()]) {
                return self.unknown(PathLeg::Forward, HopKind::LoadBalancer, arn, m);
            }
            match topo.load_balancers.rules(listener) {
                Ok(rules) => branches(&rules, &listener.default_actions, client),
                Err(why) => {
                    return self.rules_unknown(lb, ap, client, listener, listener_text, &why)
                }
            }
        } else {
            (default_only(), Vec::new())
        };
        let passed = if passed.is_empty() {
            String::new()
        } else {
            format!(
                "; {} take{} none of the client's requests",
                passed.join(", "),
                if passed.len() == 1 { "s" } else { "" }
            )
        };
        if let [only] = branches.as_slice() {
            let by = if only.label.starts_with("rule ") {
                format!(" by {}", only.label)
            } else {
                String::new()
            };
            return self.follow(
                lb,
                ap,
                client,
                listener_text,
                only.actions,
                &format!("{by}{passed}"),
            );
        }
        // Several rules may take the client's requests: each is followed;
        // when they disagree, one hop says which requests go where.
        let start = self.hops.len();
        let mut outcomes: Vec<(String, Decision, String)> = Vec::new();
        for b in &branches {
            let at = self.hops.len();
            self.follow(
                lb,
                ap,
                client,
                listener_text,
                b.actions,
                &format!(" by {}", b.label),
            );
            let (d, why) = outcome(&self.hops[at..]);
            outcomes.push((b.label.clone(), d, why));
        }
        let decisions: Vec<Decision> = outcomes.iter().map(|o| o.1).collect();
        if decisions.iter().all(|d| *d == decisions[0]) {
            return;
        }
        let removed = self.hops.split_off(start);
        let decision = combine(&decisions);
        let mut h = self.lb_hop(
            lb,
            decision,
            format!(
                "{who}'s listener {listener_text}: the answer depends on the request, by the listener rule it matches: {}{passed}",
                outcomes
                    .iter()
                    .map(|(l, d, w)| format!("{l} {} ({w})", word(*d)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        );
        absorb(&mut h, &removed);
        if decision == Decision::Partial {
            self.push(h, ExplanationCode::NetpathLoadBalancerRuleDependent);
        } else {
            self.hops.push(h);
        }
    }

    /// An ALB listener whose rules were not read: what the default action
    /// does is said, but a request that matches a rule may go elsewhere, so
    /// the hop is unknown, naming the missing `DescribeRules` output (`why`).
    fn rules_unknown(
        &mut self,
        lb: &'a LoadBalancer,
        ap: &Placement<'a>,
        client: &AddrSet,
        listener: &'a Listener,
        listener_text: &str,
        why: &str,
    ) {
        let at = self.hops.len();
        self.follow(lb, ap, client, listener_text, &listener.default_actions, "");
        let (d, what) = outcome(&self.hops[at..]);
        let removed = self.hops.split_off(at);
        let mut h = self.lb_hop(
            lb,
            Decision::Unknown,
            format!(
                "the rules of {}'s listener {listener_text} are not known ({why}): a request that matches none goes by the default action, which {} ({what}); one that matches a rule may go elsewhere",
                lb.load_balancer_name,
                word(d)
            ),
        );
        h.missing.push(format!(
            "the rules of listener {} (elasticloadbalancing:DescribeRules)",
            listener.listener_arn
        ));
        absorb(&mut h, &removed);
        self.hops.push(h);
    }
}

/// What a listener's action decided, from the hops following it pushed:
/// their fold, and in short why: the target group's name and its first
/// failing target's reason, or the listener's own answer.
fn outcome(hops: &[Hop]) -> (Decision, String) {
    let d = fold(hops);
    let why = hops
        .iter()
        .rev()
        .find(|h| h.decision == d)
        .map(|h| match h.kind {
            HopKind::LoadBalancerTarget => {
                let tg = h.name.clone().unwrap_or_else(|| h.component.clone());
                match h.targets.iter().find_map(|t| t.why.as_deref()) {
                    Some(w) => format!("{tg}: {w}"),
                    None => tg,
                }
            }
            _ => h.detail.clone(),
        })
        .unwrap_or_default();
    (d, why)
}

/// Folds the hops `removed` from the path into the one hop `h` that stands
/// for them: what they consulted and miss, their targets, and the first
/// blocking one's near miss.
fn absorb(h: &mut Hop, removed: &[Hop]) {
    for x in removed {
        h.consulted.push(x.component.clone());
        h.consulted.extend(x.consulted.iter().cloned());
        h.missing.extend(x.missing.iter().cloned());
        h.targets.extend(x.targets.iter().cloned());
        if h.near_miss.is_none() && x.decision == Decision::Deny {
            h.near_miss.clone_from(&x.near_miss);
        }
    }
    h.consulted.dedup();
}

/// The answer of a listener whose rules send requests different ways
/// (each way's decision): any unknown is unknown; else some passing and
/// some blocked is partial (the same for every way was said by its hops).
fn combine(ways: &[Decision]) -> Decision {
    if ways.contains(&Decision::Unknown) {
        Decision::Unknown
    } else if ways.iter().all(|d| *d == Decision::Deny) {
        Decision::Deny
    } else if ways.iter().all(|d| *d == Decision::Allow) {
        Decision::Allow
    } else {
        Decision::Partial
    }
}

/// "passes", "fails", "passes for some", "is unknown".
fn word(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "passes",
        Decision::Deny => "fails",
        Decision::Partial => "passes for some",
        _ => "is unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netpath_model::RuleCondition;

    fn rule(priority: &str, conds: &[(&str, &[&str])]) -> ListenerRule {
        ListenerRule {
            rule_arn: format!(
                "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/a/1/2/{priority}"
            ),
            listener_arn: "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/1/2".into(),
            priority: priority.into(),
            is_default: false,
            conditions: conds
                .iter()
                .map(|(f, v)| RuleCondition {
                    field: f.to_string(),
                    values: v.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
            actions: vec![],
        }
    }

    fn client(ip: &str) -> AddrSet {
        AddrSet::single(ip.parse::<std::net::IpAddr>().unwrap())
    }

    #[test]
    fn source_ip_rules_are_decided_by_the_client_and_the_rest_branch() {
        let office = rule("5", &[("source-ip", &["10.1.0.0/16"])]);
        let api = rule("10", &[("path-pattern", &["/api/*"])]);
        let both = rule(
            "20",
            &[
                ("source-ip", &["10.2.0.0/16"]),
                ("host-header", &["a.example.com"]),
            ],
        );
        let rules = [&api, &both, &office];
        // From the office range: rule 5 takes every request; nothing after it.
        let (b, passed) = branches(&rules, &[], &client("10.1.2.3"));
        assert_eq!(b.len(), 1);
        assert!(b[0].label.starts_with("rule 5 "), "{}", b[0].label);
        assert!(passed.is_empty());
        // From elsewhere: rule 5 and rule 20 take nothing; rule 10 and the
        // default split by path.
        let (b, passed) = branches(&rules, &[], &client("10.9.9.9"));
        let labels: Vec<&str> = b.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(
            labels,
            ["rule 10 (path-pattern /api/*)", "the default action"]
        );
        assert_eq!(passed.len(), 2);
        // From rule 20's range: it depends on the host header too.
        let (b, _) = branches(&rules, &[], &client("10.2.0.1"));
        assert_eq!(b.len(), 3);
        // The internet: a public range holds part of it, so the rule is a
        // branch; the private office range holds none of it.
        let partner = rule("7", &[("source-ip", &["203.0.113.0/24"])]);
        let (b, _) = branches(&[&partner], &[], &AddrSet::internet());
        assert_eq!(b.len(), 2);
        let (b, passed) = branches(&[&office], &[], &AddrSet::internet());
        assert_eq!((b.len(), passed.len()), (1, 1));
    }
}
