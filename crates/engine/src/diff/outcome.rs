//! What one walk gave, reduced to what `diff` compares, and how two such
//! outcomes classify as broken, opened or changed.

use std::collections::BTreeSet;
use std::net::IpAddr;

use netpath_model::PortRange;

use super::{ChangeKind, FlowSide, Trend};
use crate::answer::{Blocking, Decision, Explanation, ExplanationCode, Symptom, Verdict};

/// Verdict, blocker identity (component, rule number, code), blocked ports.
pub(super) type OutcomeKey<'a> = (
    Verdict,
    Option<(String, Option<u16>, ExplanationCode)>,
    &'a [PortRange],
);

/// What one walk gave, reduced to what the diff compares; the rest of the
/// explanation is kept, and read only for a flow that changed (most walks
/// find none).
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    pub(super) verdict: Verdict,
    pub(super) symptom: Symptom,
    pub(super) blocking: Option<Blocking>,
    pub(super) blocked_ports: Vec<PortRange>,
    pub(super) missing: Vec<String>,
    pub(super) ephemeral: PortRange,
    /// The explanation's hops and ends; `None` for an explain that failed.
    pub(super) rest: Option<Box<Explanation>>,
}

impl Outcome {
    /// The comparable part: verdict, blocker identity, blocked ports.
    pub(super) fn key(&self) -> OutcomeKey<'_> {
        (
            self.verdict,
            self.blocking
                .as_ref()
                .map(|b| (b.component.clone(), b.rule_number, b.code)),
            &self.blocked_ports,
        )
    }
}

/// The outcome of explanation `e`.
pub(super) fn outcome(mut e: Explanation) -> Outcome {
    let blocking = e.blocking.take();
    Outcome {
        verdict: e.verdict,
        symptom: e.symptom,
        blocked_ports: blocking
            .as_ref()
            .map(|b| b.blocked_ports.clone())
            .unwrap_or_default(),
        blocking,
        missing: std::mem::take(&mut e.missing),
        ephemeral: e.ephemeral_ports,
        rest: Some(Box::new(e)),
    }
}

impl Outcome {
    /// The ids on the walk's path and of its ends (what an edit must touch
    /// to act on it).
    pub(super) fn footprint_ids(&self) -> BTreeSet<String> {
        self.rest.as_deref().map(footprint_ids).unwrap_or_default()
    }

    /// The addresses of the walk's ends.
    pub(super) fn addrs(&self) -> Vec<IpAddr> {
        let Some(e) = self.rest.as_deref() else {
            return Vec::new();
        };
        [&e.source, &e.destination]
            .iter()
            .filter_map(|ep| ep.ip.as_deref().and_then(|ip| ip.parse().ok()))
            .collect()
    }

    /// The rules and routes that let a reachable or partial flow through,
    /// in path order.
    pub(super) fn allowed_by(&self) -> Vec<String> {
        match self.rest.as_deref() {
            Some(e) if matches!(self.verdict, Verdict::Reachable | Verdict::Partial) => e
                .hops
                .iter()
                .filter(|h| h.decision == Decision::Allow)
                .filter_map(|h| {
                    h.matched.as_ref().map(|m| {
                        format!(
                            "{} {} {}: {}",
                            h.path.as_str(),
                            h.kind.as_str(),
                            h.component,
                            m.text
                        )
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// See [`Outcome::footprint_ids`].
fn footprint_ids(e: &Explanation) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for h in &e.hops {
        ids.insert(h.component.clone());
        ids.extend(h.security_groups.iter().cloned());
        ids.extend(h.consulted.iter().cloned());
        if let Some(t) = h.matched.as_ref().and_then(|m| m.target.clone()) {
            ids.insert(t);
        }
    }
    for ep in [&e.source, &e.destination] {
        ids.extend(ep.eni.iter().cloned());
        ids.extend(ep.subnet.iter().cloned());
        ids.extend(ep.vpc.iter().cloned());
        ids.extend(ep.instance_id.iter().cloned());
        ids.extend(ep.db_instance_identifier.iter().cloned());
        ids.extend(ep.security_groups.iter().cloned());
    }
    ids
}

pub(super) fn rank(v: Verdict) -> Option<u8> {
    match v {
        Verdict::Blocked => Some(0),
        Verdict::Partial => Some(1),
        Verdict::Reachable => Some(2),
        Verdict::Unknown => None,
    }
}

/// Classifies a BEFORE/AFTER pair; `None` when nothing changed.
pub(super) fn classify(before: Option<&Outcome>, after: &Outcome) -> Option<(ChangeKind, Trend)> {
    let Some(b) = before else {
        return match after.verdict {
            Verdict::Reachable => Some((ChangeKind::Opened, Trend::Better)),
            Verdict::Partial => Some((ChangeKind::Changed, Trend::Better)),
            _ => None,
        };
    };
    if b.key() == after.key() {
        return None;
    }
    let kind = match (b.verdict, after.verdict) {
        (Verdict::Blocked, Verdict::Reachable) => ChangeKind::Opened,
        (Verdict::Reachable, Verdict::Blocked) => ChangeKind::Broken,
        _ => ChangeKind::Changed,
    };
    let trend = match (rank(b.verdict), rank(after.verdict)) {
        (Some(x), Some(y)) if x < y => Trend::Better,
        (Some(x), Some(y)) if x > y => Trend::Worse,
        (Some(_), Some(_)) => Trend::Same,
        _ => Trend::Unknown,
    };
    Some((kind, trend))
}

pub(super) fn side(o: Option<&Outcome>) -> FlowSide {
    match o {
        None => FlowSide {
            verdict: None,
            symptom: None,
            blocking: None,
            allowed_by: Vec::new(),
            missing: Vec::new(),
        },
        Some(o) => FlowSide {
            verdict: Some(o.verdict),
            symptom: Some(o.symptom),
            blocking: o.blocking.clone(),
            allowed_by: o.allowed_by(),
            missing: o.missing.clone(),
        },
    }
}
