//! Causes: the hop that drops a flow class's REJECTs, named, with the
//! verdict over the client's whole ephemeral range and `explain`'s fix,
//! verified on a copy of the snapshot.

use std::collections::HashMap;

use netpath_model::Direction;

use super::attribute::{self, at_interface, AtInterface, Placed};
use super::report::{Cause, CauseBlocking, CauseFix, Leg};
use super::{CauseAcc, FlowLogAnalysis};
use crate::answer::{Blocking, Decision, HopKind};

impl<'a> FlowLogAnalysis<'_, 'a> {
    /// The cause a blocking hop stands for, created on first sight with the
    /// verdict and fix of the whole ephemeral range.
    pub(super) fn cause_for(&mut self, p: &Placed<'a>, b: Blocking) -> usize {
        let id = format!(
            "{}|{}|{}|{:?}|{:?}|{}|{}",
            b.path.as_str(),
            b.kind.as_str(),
            b.component,
            b.direction,
            b.rule_number,
            b.code,
            b.security_groups.join(",")
        );
        if let Some(i) = self.cause_index.get(&id) {
            return *i;
        }
        // The verdict and fix over the client's whole ephemeral range, not
        // just the recorded port.
        let whole = attribute::ask(self.topo, &p.key, None, &self.opts.explain).ok();
        let (verdict, fix) = match &whole {
            Some(e) => {
                let idx = e.blockers.iter().position(|x| {
                    x.path == b.path
                        && x.kind == b.kind
                        && x.component == b.component
                        && x.direction == b.direction
                });
                let fix = idx
                    .and_then(|i| e.fixes.iter().find(|f| f.blocker == i))
                    .map(|f| self.verify(p, &b, f));
                // Partial when this hop itself passes part of the range
                // (a return-path NACL), whatever other hops do.
                let partial = e.hops.iter().any(|h| {
                    h.path == b.path
                        && h.kind == b.kind
                        && h.component == b.component
                        && h.direction == b.direction
                        && h.decision == Decision::Partial
                });
                let v = if partial { "partial" } else { "blocked" };
                (v, fix)
            }
            None => ("blocked", None),
        };
        let name = self.name_of(&b);
        let leg = match p.key.leg {
            Leg::Request => "requests",
            Leg::Reply => "replies",
        };
        let summary = format!(
            "{}{} {} drops {leg}: {}",
            b.component,
            name.as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            match (b.kind, b.direction) {
                (HopKind::NetworkAcl, Some(Direction::Ingress)) => {
                    format!("inbound rule {}", rule_label(b.rule_number))
                }
                (HopKind::NetworkAcl, Some(Direction::Egress)) => {
                    format!("outbound rule {}", rule_label(b.rule_number))
                }
                (_, Some(Direction::Ingress)) => "inbound (no rule allows)".into(),
                (_, Some(Direction::Egress)) => "outbound (no rule allows)".into(),
                _ => String::new(),
            },
            b.detail
        );
        self.causes.push(CauseAcc {
            cause: Cause {
                verdict: verdict.into(),
                blocking: CauseBlocking { blocking: b, name },
                summary,
                records: 0,
                packets: 0,
                bytes: 0,
                first: None,
                last: None,
                flows: Vec::new(),
                top_talkers: Vec::new(),
                fix,
            },
            talkers: HashMap::new(),
        });
        self.cause_index.insert(id, self.causes.len() - 1);
        self.causes.len() - 1
    }

    /// `fix` applied to a copy of the snapshot, and the flow class walked
    /// again: verified when the same hop no longer drops it. Advice that
    /// is not verified keeps its sentence but loses its command.
    fn verify(&self, p: &Placed<'a>, b: &Blocking, fix: &crate::Fix) -> CauseFix {
        let verified = fix.edit.as_ref().is_some_and(|edit| {
            let mut copy = self.topo.snapshot.clone();
            if !edit.apply(&mut copy) {
                return false;
            }
            let topo = self.topo.patched(&copy);
            match attribute::ask(&topo, &p.key, None, &self.opts.explain) {
                Ok(after) => match at_interface(&after, &p.key) {
                    AtInterface::Blocked(nb) => !nb.same_place(b),
                    AtInterface::Allowed => true,
                    AtInterface::NeverArrives(_) | AtInterface::Unknown(_) => false,
                },
                Err(_) => false,
            }
        });
        CauseFix {
            summary: fix.summary.clone(),
            command: if verified { fix.command.clone() } else { None },
            verified,
        }
    }

    /// A component's human name: a group's `GroupName`, else a `Name` tag.
    fn name_of(&self, b: &Blocking) -> Option<String> {
        match b.kind {
            HopKind::SecurityGroup => self.topo.security_group(&b.component).map(|g| {
                g.tags
                    .get("Name")
                    .map_or_else(|| g.group_name.clone(), str::to_string)
            }),
            HopKind::NetworkAcl => self
                .topo
                .network_acl(&b.component)
                .and_then(|a| a.tags.get("Name").map(str::to_string)),
            _ => None,
        }
        .filter(|n| !n.is_empty())
    }
}

/// A NACL rule number as the console shows it: the catch-all entries
/// (32767, and 32768 for IPv6) are `*`.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>
fn rule_label(n: Option<u16>) -> String {
    match n {
        None | Some(32767) | Some(32768) => "*".into(),
        Some(n) => n.to_string(),
    }
}
