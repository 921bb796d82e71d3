//! Elastic Load Balancing v2, indexed, and the load balancers' documented
//! defaults.
//!
//! - A load balancer's ENIs carry `ELB <type>/<name>/<id>` as their
//!   description, the tail of its ARN
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html>).
//! - Cross-zone load balancing: always on for an Application Load Balancer,
//!   off by default for a Network Load Balancer
//!   (`load_balancing.cross_zone.enabled`)
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#cross-zone-load-balancing>).
//! - Client IP preservation: never for an ALB (it opens its own connection,
//!   passing the client in `X-Forwarded-For`); for an NLB, on by default for
//!   instance targets and for IP targets over UDP, off for IP targets over
//!   TCP and TLS
//!   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation>).

use std::collections::HashMap;

use netpath_model::{
    IpProtocol, Listener, ListenerAction, ListenerRule, LoadBalancer, NetworkInterface, Snapshot,
    TargetGroup, TargetGroupHealth,
};

/// The snapshot's load balancers, listeners, target groups and target
/// health, indexed.
#[derive(Debug, Default)]
pub struct LoadBalancers<'a> {
    by_arn: HashMap<&'a str, &'a LoadBalancer>,
    by_tail: HashMap<&'a str, &'a LoadBalancer>,
    /// By DNS name, lowercased.
    by_dns: HashMap<String, &'a LoadBalancer>,
    /// By name: the one with the smallest ARN when several share it.
    by_name: HashMap<&'a str, &'a LoadBalancer>,
    /// Each load balancer's nodes (its ENIs), by ARN.
    nodes: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    listeners: HashMap<&'a str, Vec<&'a Listener>>,
    /// Each listener's rules, the default one included.
    rules: HashMap<&'a str, Vec<&'a ListenerRule>>,
    /// `DescribeRules` output was read.
    rules_present: bool,
    attributes: HashMap<&'a str, &'a std::collections::BTreeMap<String, String>>,
    target_groups: HashMap<&'a str, &'a TargetGroup>,
    health: HashMap<&'a str, &'a TargetGroupHealth>,
    tg_attributes: HashMap<&'a str, &'a std::collections::BTreeMap<String, String>>,
    /// Every collection this needs was read: (load balancers, listeners,
    /// target groups, target health).
    pub(crate) present: (bool, bool, bool, bool),
}

impl<'a> LoadBalancers<'a> {
    /// Indexes the snapshot's ELBv2 collections.
    pub fn new(s: &'a Snapshot) -> LoadBalancers<'a> {
        let mut out = LoadBalancers {
            present: (
                s.load_balancers.is_some(),
                s.load_balancer_listeners.is_some(),
                s.target_groups.is_some(),
                s.target_health.is_some(),
            ),
            rules_present: s.load_balancer_rules.is_some(),
            ..LoadBalancers::default()
        };
        for r in s.load_balancer_rules.iter().flatten() {
            out.rules
                .entry(r.listener_arn.as_str())
                .or_default()
                .push(r);
        }
        for lb in s.load_balancers.iter().flatten() {
            out.by_arn.insert(lb.load_balancer_arn.as_str(), lb);
            if let Some(t) = lb.arn_tail() {
                out.by_tail.insert(t, lb);
            }
            if let Some(d) = &lb.dns_name {
                out.by_dns.insert(d.to_ascii_lowercase(), lb);
            }
            out.by_name
                .entry(lb.load_balancer_name.as_str())
                .and_modify(|x| {
                    if lb.load_balancer_arn < x.load_balancer_arn {
                        *x = lb;
                    }
                })
                .or_insert(lb);
        }
        for e in s.network_interfaces.iter().flatten() {
            if let Some(lb) = out.of_network_interface(e) {
                out.nodes
                    .entry(lb.load_balancer_arn.as_str())
                    .or_default()
                    .push(e);
            }
        }
        for l in s.load_balancer_listeners.iter().flatten() {
            out.listeners
                .entry(l.load_balancer_arn.as_str())
                .or_default()
                .push(l);
        }
        for l in out.listeners.values_mut() {
            l.sort_by_key(|l| l.port);
        }
        for a in s.load_balancer_attributes.iter().flatten() {
            out.attributes
                .insert(a.load_balancer_arn.as_str(), &a.attributes);
        }
        for t in s.target_groups.iter().flatten() {
            out.target_groups.insert(t.target_group_arn.as_str(), t);
        }
        for h in s.target_health.iter().flatten() {
            out.health.insert(h.target_group_arn.as_str(), h);
        }
        for a in s.target_group_attributes.iter().flatten() {
            out.tg_attributes
                .insert(a.target_group_arn.as_str(), &a.attributes);
        }
        out
    }

    /// The rules of `listener` other than its default one (any order), or
    /// why they are not known: `DescribeRules` was not read, or not for this
    /// listener (its output always holds the default rule).
    /// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html>.
    pub fn rules(&self, listener: &Listener) -> Result<Vec<&'a ListenerRule>, String> {
        let arn = listener.listener_arn.as_str();
        if !self.rules_present {
            return Err("no DescribeRules output".to_string());
        }
        let all = self.rules.get(arn).map(Vec::as_slice).unwrap_or_default();
        if !all.iter().any(|r| r.is_default) {
            return Err(format!(
                "DescribeRules output holds no default rule of listener {arn}, so its rules were not read"
            ));
        }
        Ok(all.iter().filter(|r| !r.is_default).copied().collect())
    }

    /// Every action of `listener`: its default actions, then its rules'
    /// (those read).
    pub fn all_actions(&self, listener: &'a Listener) -> Vec<&'a ListenerAction> {
        let mut out: Vec<&'a ListenerAction> = listener.default_actions.iter().collect();
        for r in self
            .rules
            .get(listener.listener_arn.as_str())
            .into_iter()
            .flatten()
            .filter(|r| !r.is_default)
        {
            out.extend(r.actions.iter());
        }
        out
    }

    /// The ARNs of `listener`'s rules (those read).
    pub fn rule_arns(&self, listener: &Listener) -> Vec<&'a str> {
        self.rules
            .get(listener.listener_arn.as_str())
            .into_iter()
            .flatten()
            .map(|r| r.rule_arn.as_str())
            .collect()
    }

    /// The load balancer `arn`.
    pub fn get(&self, arn: &str) -> Option<&'a LoadBalancer> {
        self.by_arn.get(arn).copied()
    }

    /// The load balancer `r` names: its ARN or DNS name (with or without
    /// `dualstack.` and a trailing dot), or, with `by_name`, its name.
    pub fn find(&self, r: &str, by_name: bool) -> Option<&'a LoadBalancer> {
        let dns = r.trim_end_matches('.').to_ascii_lowercase();
        let dns = dns.strip_prefix("dualstack.").unwrap_or(&dns);
        self.get(r)
            .or_else(|| self.by_dns.get(dns).copied())
            .or_else(|| by_name.then(|| self.by_name.get(r).copied()).flatten())
    }

    /// The nodes (ENIs) of `lb` in the snapshot.
    pub fn nodes(&self, lb: &LoadBalancer) -> &[&'a NetworkInterface] {
        self.nodes
            .get(lb.load_balancer_arn.as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// Every load balancer, by ARN.
    pub fn all(&self) -> Vec<&'a LoadBalancer> {
        let mut v: Vec<&'a LoadBalancer> = self.by_arn.values().copied().collect();
        v.sort_by(|a, b| a.load_balancer_arn.cmp(&b.load_balancer_arn));
        v
    }

    /// The load balancer whose node `eni` is (its description names it).
    pub fn of_network_interface(&self, eni: &NetworkInterface) -> Option<&'a LoadBalancer> {
        if self.by_tail.is_empty() {
            return None; // no load balancer: nothing to look for
        }
        let tail = eni.description.strip_prefix("ELB ")?;
        self.by_tail.get(tail).copied()
    }

    /// The listeners of `lb`, by port.
    pub fn listeners(&self, lb: &LoadBalancer) -> &[&'a Listener] {
        self.listeners
            .get(lb.load_balancer_arn.as_str())
            .map_or(&[], Vec::as_slice)
    }

    /// The target group `arn`.
    pub fn target_group(&self, arn: &str) -> Option<&'a TargetGroup> {
        self.target_groups.get(arn).copied()
    }

    /// The registered targets of target group `arn`, with their health.
    pub fn health(&self, arn: &str) -> Option<&'a TargetGroupHealth> {
        self.health.get(arn).copied()
    }

    /// Whether `lb` passes the client's own address to `tg`'s targets, and
    /// whether that was read: `(preserve, true)` from the target group's
    /// `preserve_client_ip.enabled` attribute (never for an ALB), else
    /// `(default, false)` with the documented default
    /// ([`preserves_client_ip`]), which the attribute may override.
    /// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation>.
    pub fn client_ip_preservation(&self, lb: &LoadBalancer, tg: &TargetGroup) -> (bool, bool) {
        if !lb.is_network() {
            return (false, true);
        }
        match self
            .tg_attributes
            .get(tg.target_group_arn.as_str())
            .map(|a| a.get("preserve_client_ip.enabled"))
        {
            Some(Some(v)) => (v == "true", true),
            // Attributes read, and this one not listed: the default holds.
            Some(None) => (preserves_client_ip(lb, tg), true),
            None => (preserves_client_ip(lb, tg), false),
        }
    }

    /// Whether a node of `lb` sends `tg`'s traffic to targets in every
    /// enabled zone, not only its own: the target group's
    /// `load_balancing.cross_zone.enabled` when it is `true` or `false`;
    /// otherwise (`use_load_balancer_configuration`, the default) the load
    /// balancer's: always on for an ALB, its own attribute for an NLB (off
    /// when not set).
    /// Sources: <https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#cross-zone-load-balancing>,
    /// <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/disable-cross-zone.html>,
    /// <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html>.
    ///
    /// `None` when that depends on attributes the snapshot lacks (the
    /// target group's, which may override, or an NLB's own).
    pub fn cross_zone(&self, lb: &LoadBalancer, tg: &TargetGroup) -> Option<bool> {
        let attrs = self.tg_attributes.get(tg.target_group_arn.as_str())?;
        match attrs
            .get("load_balancing.cross_zone.enabled")
            .map(String::as_str)
        {
            Some("true") => return Some(true),
            Some("false") => return Some(false),
            _ => {}
        }
        if lb.is_application() {
            return Some(true);
        }
        self.attributes.get(lb.load_balancer_arn.as_str()).map(|a| {
            a.get("load_balancing.cross_zone.enabled")
                .is_some_and(|v| v == "true")
        })
    }
}

/// True when `listener` takes a connection of `protocol`: HTTP and HTTPS
/// (ALB), TCP, TLS and TCP_UDP (NLB) take TCP; UDP and TCP_UDP take UDP.
/// Source: <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html>.
pub fn listener_takes(listener: &Listener, protocol: IpProtocol) -> bool {
    match protocol {
        IpProtocol::Tcp => matches!(
            listener.protocol.as_str(),
            "HTTP" | "HTTPS" | "TCP" | "TLS" | "TCP_UDP"
        ),
        IpProtocol::Udp => matches!(listener.protocol.as_str(), "UDP" | "TCP_UDP"),
        _ => false,
    }
}

/// The documented default of whether `lb` passes the client's own address
/// to targets of `tg` (see the module docs).
pub fn preserves_client_ip(lb: &LoadBalancer, tg: &TargetGroup) -> bool {
    if !lb.is_network() {
        return false;
    }
    match tg.target_type.as_str() {
        "instance" => true,
        "ip" => matches!(tg.protocol.as_deref(), Some("UDP" | "TCP_UDP")),
        _ => false,
    }
}
