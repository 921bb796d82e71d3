//! The policy file: TOML intents (`docs/policy.md`), parsed and validated.

use netpath_model::{IpProtocol, PortRange};
use serde::Deserialize;

use crate::addr::IpVersion;

/// A policy file: lists of intents by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Must-reach intents.
    #[serde(default)]
    pub reach: Vec<ReachIntent>,
    /// Must-not-reach intents.
    #[serde(default)]
    pub isolate: Vec<IsolateIntent>,
    /// No-exposure intents.
    #[serde(default, rename = "no-internet-exposure")]
    pub no_internet_exposure: Vec<ExposureIntent>,
    /// `assume-appliance-allows = true` (top level): every intent is
    /// checked as if the appliances behind Gateway Load Balancer endpoints
    /// passed every packet (see
    /// [`crate::ExplainOptions::assume_appliance_allows`]); `check
    /// --assume-appliance-allows` sets it too.
    #[serde(default, rename = "assume-appliance-allows")]
    pub assume_appliance_allows: bool,
}

/// `[[reach]]`: `from` must reach `to` on `port`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReachIntent {
    /// A name for reports; defaults to `reach FROM -> TO PROTO/PORT`.
    pub name: Option<String>,
    /// Source selector (see [`select`]).
    pub from: String,
    /// Destination selector.
    pub to: String,
    /// Destination port (0-65535).
    pub port: u16,
    /// `tcp` (default) or `udp`.
    #[serde(default = "tcp")]
    pub protocol: String,
    /// `ipv4` or `ipv6`: check only flows of this address family.
    /// Default: IPv4, or IPv6 when `from` or `to` is an IPv6 address.
    pub ip_version: Option<String>,
}

/// `[[isolate]]`: `from` must not reach `to` on any of `ports`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IsolateIntent {
    /// A name for reports.
    pub name: Option<String>,
    /// Source selector.
    pub from: String,
    /// Destination selector.
    pub to: String,
    /// Ports: numbers or `"LO-HI"` strings. Default: every port the
    /// destination's groups open, and a DB's endpoint port.
    pub ports: Option<Vec<PortSpec>>,
    /// `tcp` (default) or `udp`.
    #[serde(default = "tcp")]
    pub protocol: String,
    /// `ipv4` or `ipv6`: check only flows of this address family.
    /// Default: both, each where both ends have an address of it.
    pub ip_version: Option<String>,
}

/// `[[no-internet-exposure]]`: the selected resources must not be reachable
/// from the internet. Exactly one of `resource`, `tag`, `kind`,
/// `security_group` selects them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureIntent {
    /// A name for reports.
    pub name: Option<String>,
    /// A reference as in `explain` (instance id, ENI id, Name tag, DB identifier).
    pub resource: Option<String>,
    /// `Key=Value`: instances and ENIs with that tag.
    pub tag: Option<String>,
    /// `db-instance`, `instance` or `network-interface`.
    pub kind: Option<String>,
    /// ENIs and DB instances carrying this group (id or name).
    pub security_group: Option<String>,
    /// Ports to check; default: every port the resource's groups open, and
    /// a DB's endpoint port.
    pub ports: Option<Vec<PortSpec>>,
    /// `ipv4` or `ipv6`: check only flows of this address family.
    /// Default: both: IPv4 to a public IPv4 address, IPv6 to a global IPv6
    /// address.
    pub ip_version: Option<String>,
}

/// A port or a range, as written in a policy: `5432` or `"1024-2048"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PortSpec {
    /// One port.
    Port(u16),
    /// `"LO-HI"`, inclusive.
    Range(String),
}

fn tcp() -> String {
    "tcp".into()
}

/// Why a policy could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML, or not the policy schema (unknown field, wrong type,
    /// port outside 0-65535). The message carries line and column.
    #[error("{0}")]
    Syntax(String),
    /// A field has a value the schema cannot check (bad protocol, range, kind).
    #[error("{intent}: {message}")]
    Invalid {
        /// `reach[0]`, `isolate[2]`, ...
        intent: String,
        /// What is wrong and what to write instead.
        message: String,
    },
}

impl Policy {
    /// Parses a policy from TOML text.
    ///
    /// Errors: [`PolicyError::Syntax`] with line and column for bad TOML or a
    /// schema mismatch; [`PolicyError::Invalid`] naming the intent for a bad
    /// protocol, port range, kind, or an exposure intent without exactly one
    /// selector.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        let bad = |intent: String, message: String| PolicyError::Invalid { intent, message };
        for (i, r) in p.reach.iter().enumerate() {
            protocol(&r.protocol).map_err(|m| bad(format!("reach[{i}]"), m))?;
            ip_version(r.ip_version.as_deref()).map_err(|m| bad(format!("reach[{i}]"), m))?;
        }
        for (i, r) in p.isolate.iter().enumerate() {
            protocol(&r.protocol).map_err(|m| bad(format!("isolate[{i}]"), m))?;
            ip_version(r.ip_version.as_deref()).map_err(|m| bad(format!("isolate[{i}]"), m))?;
            for s in r.ports.iter().flatten() {
                port_spec(s).map_err(|m| bad(format!("isolate[{i}]"), m))?;
            }
        }
        for (i, r) in p.no_internet_exposure.iter().enumerate() {
            let n = [&r.resource, &r.tag, &r.kind, &r.security_group]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if n != 1 {
                return Err(bad(
                    format!("no-internet-exposure[{i}]"),
                    "give exactly one of resource, tag, kind, security_group".into(),
                ));
            }
            ip_version(r.ip_version.as_deref())
                .map_err(|m| bad(format!("no-internet-exposure[{i}]"), m))?;
            if let Some(k) = &r.kind {
                if !KINDS.contains(&k.as_str()) {
                    return Err(bad(
                        format!("no-internet-exposure[{i}]"),
                        format!("kind `{k}` is not one of {}", KINDS.join(", ")),
                    ));
                }
            }
            if let Some(t) = &r.tag {
                if !t.contains('=') {
                    return Err(bad(
                        format!("no-internet-exposure[{i}]"),
                        format!("tag `{t}` is not Key=Value"),
                    ));
                }
            }
            for s in r.ports.iter().flatten() {
                port_spec(s).map_err(|m| bad(format!("no-internet-exposure[{i}]"), m))?;
            }
        }
        Ok(p)
    }
}

pub(super) const KINDS: [&str; 3] = ["db-instance", "instance", "network-interface"];

pub(super) fn protocol(s: &str) -> Result<IpProtocol, String> {
    match IpProtocol::parse(s) {
        Some(p @ (IpProtocol::Tcp | IpProtocol::Udp)) => Ok(p),
        _ => Err(format!("protocol `{s}` must be tcp or udp")),
    }
}

/// The families an intent's `ip_version` field names: `None` when absent.
pub(super) fn ip_version(s: Option<&str>) -> Result<Option<IpVersion>, String> {
    match s.map(|x| x.to_ascii_lowercase()).as_deref() {
        None => Ok(None),
        Some("ipv4") => Ok(Some(IpVersion::Ipv4)),
        Some("ipv6") => Ok(Some(IpVersion::Ipv6)),
        Some(other) => Err(format!("ip_version `{other}` must be ipv4 or ipv6")),
    }
}

pub(super) fn port_spec(s: &PortSpec) -> Result<PortRange, String> {
    match s {
        PortSpec::Port(p) => Ok(PortRange::new(*p, *p)),
        PortSpec::Range(r) => {
            let err = || format!("port range `{r}` is not LO-HI with 0 <= LO <= HI <= 65535");
            let (lo, hi) = r.split_once('-').ok_or_else(err)?;
            let lo: u16 = lo.trim().parse().map_err(|_| err())?;
            let hi: u16 = hi.trim().parse().map_err(|_| err())?;
            if lo > hi {
                return Err(err());
            }
            Ok(PortRange::new(lo, hi))
        }
    }
}
