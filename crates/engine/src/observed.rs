//! `--observed`: what the user saw, reconciled with what netpath predicts.
//!
//! The triage follows how packets fail: a security group or network ACL
//! drops silently, so the client times out
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>);
//! "connection refused" needs a host that answered with a reset (RFC 9293
//! §3.10.7.1) or an ICMP port unreachable; an error from the server's
//! protocol (PostgreSQL's `no pg_hba.conf entry`, an authentication
//! failure) means the connection was made, so the network path works.
//!
//! Input: an [`Explanation`] and an [`Observed`] symptom. Output: a
//! [`Reconciliation`]: whether they agree, the finding in one sentence, and
//! what to check, in order.

use std::str::FromStr;

use serde::Serialize;

use crate::answer::{Explanation, HopKind, Symptom, Verdict};

/// What the user saw when connecting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "text", rename_all = "kebab-case")]
pub enum Observed {
    /// The connection was established.
    Connects,
    /// "Connection refused" (ECONNREFUSED).
    Refused,
    /// The attempt hung, then timed out.
    Timeout,
    /// "Connection reset by peer" after connecting.
    Reset,
    /// "No route to host" or "network is unreachable".
    Unreachable,
    /// An error from the server's own protocol, after the connection was
    /// made (the text as the user gave it).
    ServerError(String),
}

/// Messages servers send after a TCP connection is made, with the setting
/// that decides each: the network path works when one of these is seen.
const SERVER_ERRORS: &[(&str, &str)] = &[
    ("pg_hba.conf", "PostgreSQL's pg_hba.conf: add a `host` line for the client's address and database, then reload (`SELECT pg_reload_conf();`)"),
    ("password authentication failed", "the user's password (PostgreSQL `password_encryption` and the role's password)"),
    ("authentication failed", "the credentials the client sends"),
    ("too many clients", "PostgreSQL's `max_connections` (or a pooler such as PgBouncer)"),
    ("too many connections", "MySQL's `max_connections`"),
    ("access denied for user", "MySQL's grants for the user at the client's host (`SHOW GRANTS`)"),
    ("does not exist", "the database or role name the client asks for"),
    ("ssl", "the TLS settings on both ends (PostgreSQL `ssl`, `sslmode`)"),
    ("host is not allowed", "MySQL's user@host grants for the client's address"),
];

impl FromStr for Observed {
    type Err = String;

    /// Accepts `connects`, `refused`, `timeout`, `reset`, `unreachable`,
    /// the usual error texts (`Connection refused`, `Connection timed out`,
    /// `No route to host`), and server messages such as `no pg_hba.conf
    /// entry`. Errors: anything else, with the accepted words.
    fn from_str(s: &str) -> Result<Observed, String> {
        let t = s.trim().to_ascii_lowercase();
        let has = |w: &str| t.contains(w);
        if SERVER_ERRORS.iter().any(|(k, _)| has(k)) {
            return Ok(Observed::ServerError(s.trim().to_string()));
        }
        Ok(if has("refused") {
            Observed::Refused
        } else if has("timeout") || has("timed out") || has("time out") || has("hang") {
            Observed::Timeout
        } else if has("reset") {
            Observed::Reset
        } else if has("no route") || has("unreachable") {
            Observed::Unreachable
        } else if matches!(
            t.as_str(),
            "connects" | "connected" | "ok" | "works" | "success"
        ) {
            Observed::Connects
        } else {
            return Err(format!(
                "--observed `{s}` is not understood: use connects, refused, timeout, reset, unreachable, or the server's message (e.g. \"no pg_hba.conf entry\")"
            ));
        })
    }
}

impl Observed {
    /// The word for it, e.g. `refused`.
    pub fn as_str(&self) -> &str {
        match self {
            Observed::Connects => "connects",
            Observed::Refused => "refused",
            Observed::Timeout => "timeout",
            Observed::Reset => "reset",
            Observed::Unreachable => "unreachable",
            Observed::ServerError(t) => t,
        }
    }
}

/// What netpath knows besides the answer, for the reconciliation.
#[derive(Debug, Clone, Default)]
pub struct ReconcileContext {
    /// How old the snapshot is, in words (e.g. `3 days`), when known.
    pub snapshot_age: Option<String>,
}

/// The reconciliation of a prediction with what the user saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// What the user saw, as given.
    pub observed: Observed,
    /// What netpath predicts.
    pub predicted: Symptom,
    /// True when the two say the same thing.
    pub agrees: bool,
    /// The finding, in one sentence.
    pub finding: String,
    /// What to check, most likely first.
    pub checks: Vec<String>,
}

fn host_checked(exp: &Explanation) -> bool {
    exp.hops
        .iter()
        .any(|h| matches!(h.kind, HopKind::Listener | HopKind::HostFirewall))
}

fn dst_addr(exp: &Explanation) -> String {
    exp.destination
        .ip
        .clone()
        .unwrap_or_else(|| exp.destination.reference.clone())
}

fn stale(ctx: &ReconcileContext) -> String {
    match &ctx.snapshot_age {
        Some(age) => format!("the snapshot is {age} old: take a fresh one (`netpath snapshot`) and ask again"),
        None => "the snapshot may be older than the change: take a fresh one (`netpath snapshot`) and ask again".into(),
    }
}

/// Reconciles `exp` with `observed`.
pub fn reconcile(exp: &Explanation, observed: &Observed, ctx: &ReconcileContext) -> Reconciliation {
    let predicted = exp.symptom;
    let port = exp.port;
    let proto = &exp.protocol;
    let dst = dst_addr(exp);
    let checked = host_checked(exp);
    let blocking = exp
        .blocking
        .as_ref()
        .map(|b| b.detail.clone())
        .unwrap_or_default();
    let mut checks: Vec<String> = Vec::new();
    let (agrees, finding) = match (observed, predicted) {
        (Observed::ServerError(text), _) => {
            let setting = SERVER_ERRORS
                .iter()
                .find(|(k, _)| text.to_ascii_lowercase().contains(k))
                .map(|(_, s)| *s)
                .unwrap_or("the server's own settings");
            checks.push(format!("look at {setting}"));
            let agrees = exp.verdict == Verdict::Reachable;
            if !agrees {
                checks.push(format!("netpath predicts {}, yet the server answered: the client is not where netpath thinks, or {}", predicted.as_str(), stale(ctx)));
            }
            (agrees, format!("the network path works: `{text}` is the server answering after the connection was made; look at {setting}"))
        }
        (Observed::Connects, Symptom::Connects) => {
            (true, "netpath agrees: the path is open".into())
        }
        (Observed::Refused, Symptom::Refused) | (Observed::Unreachable, Symptom::Unreachable) => {
            (true, format!("netpath agrees: {blocking}"))
        }
        (Observed::Timeout, Symptom::Timeout) => (
            true,
            format!("netpath agrees: something drops it silently: {blocking}"),
        ),
        (Observed::Timeout | Observed::Connects, Symptom::Intermittent) => (
            true,
            format!("consistent: the outcome depends on the client's source port: {blocking}"),
        ),
        (Observed::Refused, Symptom::Connects) => {
            if checked {
                checks.push("the host facts show a listener and a firewall that accepts: they may be older than the change; collect them again (`netpath host-facts`)".into());
            } else {
                checks.push(format!(
                    "is the process running? on the host: `ss -ltnp 'sport = :{port}'`"
                ));
                checks.push(format!("is it bound to 127.0.0.1 only? `ss -ltn` shows 127.0.0.1:{port}; bind to 0.0.0.0 or {dst} (PostgreSQL: `listen_addresses = '*'`, then a restart)"));
                checks.push(format!(
                    "does it listen on another port? compare `ss -ltn` with {port}"
                ));
                checks.push("does the host's firewall REJECT it? `sudo nft list ruleset` or `sudo iptables -S`".into());
                checks.push("or run `netpath host-facts` on the host and pass --host-facts: netpath then checks all of these".into());
            }
            checks.push(format!("does the client really connect to {dst}? a stale DNS name or a hard-coded address refuses elsewhere"));
            (false, format!("every AWS layer allows {proto} {port} to {dst}, so the refusal comes from the host: a listener bound elsewhere, the process down, a firewall REJECT, or a client pointing at another address"))
        }
        (Observed::Timeout, Symptom::Connects) => {
            if checked {
                checks.push("the host facts show a firewall that accepts: collect them again (`netpath host-facts`), a DROP may be newer".into());
            } else {
                checks.push("does the host's firewall DROP it? `sudo nft list ruleset` or `sudo iptables -S` (or pass --host-facts)".into());
            }
            checks.push(stale(ctx));
            checks.push(format!("the client's own network: a proxy or a firewall on its side, or DNS resolving to a stale address instead of {dst}"));
            // Live collection resolves a DB's endpoint name and records a
            // mismatch with its ENIs (`resolve.rs`): the likeliest stale address.
            for w in exp.warnings.iter().filter(|w| w.contains("stale address")) {
                checks.push(format!("the snapshot saw this already: {w}"));
            }
            (false, format!("every AWS layer allows {proto} {port} to {dst}: a timeout means a drop netpath does not see"))
        }
        (Observed::Refused, Symptom::Timeout | Symptom::NoReply) => {
            checks.push(format!("which address does the client connect to? it is probably not {dst} (another ENI, a proxy, a container's localhost)"));
            checks.push(stale(ctx));
            (false, "something answered that netpath thinks cannot be reached: a security group or network ACL never refuses, it drops silently, so the client is not where netpath thinks, or the snapshot is stale".into())
        }
        (Observed::Timeout, Symptom::Refused | Symptom::Unreachable) => {
            checks.push("the host's firewall may DROP rather than REJECT, or the answer is dropped on its way back".into());
            checks.push(stale(ctx));
            (
                false,
                format!(
                    "netpath predicts {} from the host, but the client saw silence",
                    predicted.as_str()
                ),
            )
        }
        (Observed::Connects, Symptom::Timeout | Symptom::Refused | Symptom::Unreachable) => {
            checks.push(format!(
                "the client may reach {dst} another way (a proxy, a VPN, another address)"
            ));
            checks.push(stale(ctx));
            (
                false,
                format!(
                    "netpath predicts {} but the connection works",
                    predicted.as_str()
                ),
            )
        }
        (Observed::Reset, _) => {
            checks.push("the server, a load balancer or a proxy closed the connection after it was made: look at the server's log and its TLS settings".into());
            (exp.verdict == Verdict::Reachable, "a reset after connecting means the network path works; the application closed the connection".into())
        }
        (Observed::Unreachable, _) => {
            checks.push("a host firewall `REJECT --reject-with icmp-host-prohibited` (the RHEL default) gives this: `sudo iptables -S`".into());
            checks.push(
                "or the client's own routing: `ip route get` the destination on the client".into(),
            );
            (false, format!("\"no route to host\" is an ICMP error from a host or router; netpath predicts {}", predicted.as_str()))
        }
        (_, Symptom::Unknown) => {
            for m in &exp.missing {
                checks.push(format!("supply {m}"));
            }
            (
                false,
                "netpath cannot predict this path until the missing data is supplied".into(),
            )
        }
        (o, p) => (
            false,
            format!(
                "the client saw {} and netpath predicts {}",
                o.as_str(),
                p.as_str()
            ),
        ),
    };
    Reconciliation {
        observed: observed.clone(),
        predicted,
        agrees,
        finding,
        checks,
    }
}
