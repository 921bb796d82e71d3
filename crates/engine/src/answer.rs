//! The answer to `netpath explain`: verdict, hops, blocking hop, symptom,
//! fixes and explanation codes. Serialized as the stable JSON contract of
//! `docs/explain-json.md`.
//!
//! Symptoms follow how AWS drops packets: security groups and network ACLs
//! drop silently, so the client times out
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>);
//! "connection refused" needs a host that answers with a TCP reset, i.e. a
//! packet that reached a host with nothing listening on the port.

use netpath_model::PortRange;
use serde::Serialize;

pub use crate::explanation_code::ExplanationCode;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Verdict {
    /// Every hop allows the connection and its reply.
    Reachable,
    /// Some hop blocks it for certain.
    Blocked,
    /// The reply is allowed on only part of the client's ephemeral range.
    Partial,
    /// No hop blocks for certain, but some hop cannot be decided from the data.
    Unknown,
}

impl Verdict {
    /// The JSON name, e.g. `reachable`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What one hop decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Decision {
    /// Passes.
    Allow,
    /// Drops.
    Deny,
    /// Passes part of the ephemeral port range.
    Partial,
    /// Cannot be decided from the snapshot.
    Unknown,
    /// Not evaluated on this path (a NACL between two ENIs of one subnet).
    NotApplicable,
}

impl Decision {
    /// The JSON name, e.g. `not-applicable`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Forward (request) or return (reply) leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PathLeg {
    /// Client to destination.
    Forward,
    /// Destination back to the client.
    Return,
}

impl PathLeg {
    /// The JSON name, e.g. `forward`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The kind of component a hop evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum HopKind {
    /// Security groups of an ENI.
    SecurityGroup,
    /// A subnet's network ACL.
    NetworkAcl,
    /// A subnet's route table.
    RouteTable,
    /// A VPC peering connection.
    VpcPeeringConnection,
    /// An internet gateway.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// An egress-only internet gateway (IPv6 out, replies back).
    EgressOnlyInternetGateway,
    /// An EC2 instance (its state).
    Instance,
    /// An RDS DB instance (its state and port).
    DbInstance,
    /// The packet reached a subnet, but nothing holds the address.
    NoDestination,
    /// A network interface itself: detached, or owned by an AWS service.
    NetworkInterface,
    /// An Amazon-provided service inside the VPC that security groups and
    /// network ACLs do not filter (the Amazon DNS server, the instance
    /// metadata service, the Amazon Time Sync Service).
    AmazonService,
    /// Source and destination are one host: the packet never leaves it.
    Loopback,
    /// A transit gateway VPC attachment: the packet enters or leaves the
    /// transit gateway through it.
    TransitGatewayAttachment,
    /// The transit gateway route table associated with the attachment the
    /// packet arrived on.
    TransitGatewayRouteTable,
    /// A virtual private gateway and its Site-to-Site VPN connections (or
    /// a transit gateway's VPN attachment and its connection).
    VpnGateway,
    /// A Direct Connect gateway and its association with a virtual private
    /// gateway or a transit gateway.
    DirectConnectGateway,
    /// The host's own firewall (nftables or iptables), from host facts.
    HostFirewall,
    /// The listening socket on the destination host, from host facts.
    Listener,
    /// A VPC endpoint: a gateway endpoint a route sends the packet to, or
    /// the interface endpoint that owns the destination ENI.
    VpcEndpoint,
    /// A load balancer: its state and the listener on the flow's port
    /// (`component` is its ARN).
    LoadBalancer,
    /// A load balancer's target group: the second leg from the load
    /// balancer's node to its targets (`component` is the target group's ARN).
    LoadBalancerTarget,
}

impl HopKind {
    /// The JSON name, e.g. `security-group`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Ingress or egress, for security groups and network ACLs: the model's one
/// [`netpath_model::Direction`].
pub use netpath_model::Direction;

/// The rule or route a hop matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// Human text, e.g. `sg-1 inbound tcp 5432 from sg-2` or `10.0.0.0/16 -> local`.
    pub text: String,
    /// NACL rule number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_number: Option<u16>,
    /// Security group holding the rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Route destination (CIDR or prefix list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// Route target id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// What one evaluator (security groups, a network ACL, a route table)
/// decided for one packet set: the shape all three return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Evaluation {
    /// Allow, deny, partial or unknown.
    pub decision: Decision,
    /// One sentence for a human.
    pub detail: String,
    /// The rule or route that decided, when one did.
    pub matched: Option<Matched>,
    /// What data was missing, when the decision is unknown.
    pub missing: Vec<String>,
    /// For a deny: the rule, entry or route that came closest to allowing
    /// it, in a sentence (see `docs/explain-json.md`, near misses).
    pub near_miss: Option<String>,
}

/// One evaluated step of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Forward or return.
    pub path: PathLeg,
    /// What kind of component.
    pub kind: HopKind,
    /// The AWS id of the component (for security groups: the group when the
    /// ENI has one, else the ENI).
    pub component: String,
    /// The component's human name: a group's `GroupName`, else the `Name`
    /// tag (see [`crate::Topology::name_of`]); absent when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ingress or egress for SGs and NACLs; `null` otherwise.
    pub direction: Option<Direction>,
    /// What it decided.
    pub decision: Decision,
    /// The matched rule or route.
    pub matched: Option<Matched>,
    /// The security groups evaluated (security-group hops).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// The ports evaluated, for return-path NACL hops (the ephemeral range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortRange>,
    /// Ports dropped, for partial or denied return-path NACL hops.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_ports: Vec<PortRange>,
    /// Reachability Analyzer explanation code, for a deny.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ExplanationCode>,
    /// Data that was missing, for an unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// The peer address the rules were checked against, as a CIDR (NACL hops).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The Availability Zone the packet crosses this hop in (transit
    /// gateway attachment hops: the attachment subnet's zone); `null`
    /// otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// What the client sees when this hop is the first to block, where the
    /// hop itself decides it (a host that rejects with an ICMP error whose
    /// way back was checked); `null` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symptom: Option<Symptom>,
    /// For a deny: the rule, entry or route that came closest to allowing
    /// it, in a sentence; absent when nothing came close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub near_miss: Option<String>,
    /// For a hop of a load balancer's second leg (node to target): which
    /// leg; `null` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_leg: Option<LoadBalancerLeg>,
    /// For a `load-balancer-target` hop: each target the node sends to, and
    /// whether its leg passes; empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetOutcome>,
    /// Components the hop consulted beyond its own (a `load-balancer-target`
    /// hop: every target's leg, where only one leg's hops are shown), so
    /// `diff` attributes their edits; not serialized.
    #[serde(skip)]
    pub consulted: Vec<String>,
    /// One sentence for a human.
    pub detail: String,
}

/// One target of a target group and the outcome of its leg.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetOutcome {
    /// The target (`i-…` or an IP address).
    pub target: String,
    /// The port it receives on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Whether the leg to it passes.
    pub decision: Decision,
    /// Why not, when it does not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// The second leg of a load balancer a hop belongs to
/// (`walk/load_balancer.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerLeg {
    /// The load balancer's name.
    pub load_balancer: String,
    /// The target (`i-…` or an IP address).
    pub target: String,
    /// The port the target receives on.
    pub target_port: u16,
    /// Whom the target sees as the source: the client's address, as a CIDR,
    /// when the load balancer preserves it, else the node's own.
    pub source: String,
    /// The load balancer's security groups (an ALB's; an NLB's when it has
    /// them): what a target's group should admit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_groups: Vec<String>,
}

/// An ICMP question: the message sent and its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IcmpExchange {
    /// The message sent (default echo request, type 8 code 0).
    pub request: netpath_model::IcmpMessage,
    /// The reply (echo reply for an echo request); `null` when the message
    /// gets none, and only the way there is walked.
    pub reply: Option<netpath_model::IcmpMessage>,
}

/// A hop that blocks (or, for a partial verdict, blocks part of the range).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocking {
    /// Forward or return.
    pub path: PathLeg,
    /// Kind of component.
    pub kind: HopKind,
    /// AWS id (a DB's identifier for a DB; for SGs the group if the ENI has one, else the ENI).
    pub component: String,
    /// The component's human name, as in [`Hop::name`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Groups on the ENI, for a security-group block.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    /// Ingress or egress for SGs and NACLs.
    pub direction: Option<Direction>,
    /// The NACL rule number that denies.
    pub rule_number: Option<u16>,
    /// Reachability Analyzer explanation code (netpath-only codes start with `NETPATH_`).
    pub code: ExplanationCode,
    /// Ports dropped, for a return-path NACL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_ports: Vec<PortRange>,
    /// The rule that decided (host-firewall hops: table, chain, line or
    /// handle, and the rule's text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// One sentence for a human.
    pub detail: String,
}

impl Blocking {
    /// True when `other` blocks at the same place: leg, kind, component
    /// and direction (the rule and the sentence may differ).
    pub fn same_place(&self, other: &Blocking) -> bool {
        self.path == other.path
            && self.kind == other.kind
            && self.component == other.component
            && self.direction == other.direction
    }

    /// True when this block is at hop `h` (leg, kind, component, direction).
    pub fn is_at(&self, h: &Hop) -> bool {
        self.path == h.path
            && self.kind == h.kind
            && self.component == h.component
            && self.direction == h.direction
    }

    /// The blocking view of a hop.
    pub fn from_hop(h: &Hop) -> Blocking {
        Blocking {
            path: h.path,
            kind: h.kind,
            component: h.component.clone(),
            name: h.name.clone(),
            security_groups: if h.kind == HopKind::SecurityGroup {
                h.security_groups.clone()
            } else {
                Vec::new()
            },
            direction: h.direction,
            rule_number: if h.kind == HopKind::NetworkAcl {
                h.matched.as_ref().and_then(|m| m.rule_number)
            } else {
                None
            },
            code: h.code.unwrap_or(ExplanationCode::NetpathBlocked),
            blocked_ports: h.blocked_ports.clone(),
            rule: if h.kind == HopKind::HostFirewall {
                h.matched.as_ref().map(|m| m.text.clone())
            } else {
                None
            },
            detail: h.detail.clone(),
        }
    }
}

/// What the client sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Symptom {
    /// The connection is established.
    Connects,
    /// Packets are dropped silently; the client hangs, then times out.
    Timeout,
    /// The packet reached a host with nothing listening: TCP reset.
    Refused,
    /// The outcome depends on the client's ephemeral port: with a partial
    /// verdict some connections work and some hang; with a refused
    /// connection whose reset the return path drops on part of the range,
    /// some attempts are refused and the others hang.
    Intermittent,
    /// Cannot be said, because the verdict is unknown.
    Unknown,
    /// ICMP: the echo request is answered (`ping` works).
    Replies,
    /// ICMP: no reply; ping has no "refused", so any drop reads as silence.
    #[serde(rename = "no-reply")]
    #[strum(serialize = "no-reply")]
    NoReply,
    /// An ICMP host-unreachable or prohibited error came back (a host
    /// firewall's `REJECT --reject-with icmp-host-prohibited`): the client
    /// reports "No route to host".
    Unreachable,
    /// An Application Load Balancer accepts the connection and answers the
    /// request itself with HTTP 502, 503 or 504: no target takes it.
    #[serde(rename = "http-5xx")]
    #[strum(serialize = "http-5xx")]
    Http5xx,
}

impl Symptom {
    /// The JSON name, e.g. `timeout`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The smallest change that removes one blocker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// Index into `blockers`.
    pub blocker: usize,
    /// What to change, in a sentence.
    pub summary: String,
    /// The `aws` CLI command that applies it: with
    /// [`crate::explain_verified`], only when `verified`; from
    /// [`crate::explain`], as proposed (unverified).
    pub command: Option<String>,
    /// True when the change was applied to a copy of the snapshot and the
    /// walk no longer meets this blocker; false for advice netpath cannot
    /// apply or whose check failed (then `command` is `null`).
    pub verified: bool,
    /// The verdict after applying this fix and every earlier verified one
    /// (`null` when it was not applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict_after: Option<Verdict>,
    /// A narrower change for the same blocker (a group rule's `/32`), which
    /// verification offers instead when it opens fewer other flows; not
    /// serialized.
    #[serde(skip)]
    pub narrower: Option<Box<Fix>>,
    /// The same change as data, for the fixes netpath can apply to a copy
    /// of the snapshot (a security-group rule, a network ACL entry); not
    /// serialized.
    #[serde(skip)]
    pub edit: Option<FixEdit>,
}

pub use crate::fix_edit::FixEdit;

/// The answer once every verified fix is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AfterFixes {
    /// The verdict on the copy with every verified fix.
    pub verdict: Verdict,
    /// Blockers still in the way: each has no fix netpath could verify.
    pub blockers: Vec<Blocking>,
    /// How many other (source, destination) flows the verified fixes open
    /// (a `diff` between the snapshot and the patched copy, this flow
    /// excluded).
    pub also_opens: usize,
    /// The first `ALSO_OPENS_SHOWN` (20) changed classes among them:
    /// `FROM, … -> TO, … PROTO PORTS`, each side naming three members and
    /// how many more.
    pub also_opens_flows: Vec<String>,
    /// False when `also_opens` could not be measured (the `diff` of the
    /// snapshot and the patched copy failed); `also_opens` is then 0 and
    /// means nothing. IPv6 fixes are measured over IPv6 flows.
    pub also_opens_measured: bool,
    /// Why `also_opens` was not measured, when netpath knows: the diff
    /// would walk more class pairs than `explain` allows itself, or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also_opens_not_measured: Option<String>,
}

pub use crate::resolve::EndpointInfo;

/// The full answer of `netpath explain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// `reachable`, `blocked`, `partial` or `unknown`.
    pub verdict: Verdict,
    /// The client.
    pub source: EndpointInfo,
    /// The server.
    pub destination: EndpointInfo,
    /// `tcp` or `udp`.
    pub protocol: String,
    /// Destination port (0 for ICMP).
    pub port: u16,
    /// For ICMP: the message sent and the reply a stateless NACL must let
    /// back (`null` for TCP and UDP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp: Option<IcmpExchange>,
    /// The client OS the ephemeral range was taken from.
    pub client_os: String,
    /// The client's ephemeral port range, used for the return path.
    pub ephemeral_ports: PortRange,
    /// The answer takes the appliances behind Gateway Load Balancer
    /// endpoints to pass every packet (`--assume-appliance-allows`); absent
    /// from JSON when it does not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub assume_appliance_allows: bool,
    /// Every hop, forward path then return path.
    pub hops: Vec<Hop>,
    /// The first blocking hop (`null` when none).
    pub blocking: Option<Blocking>,
    /// Every blocking hop, in path order.
    pub blockers: Vec<Blocking>,
    /// For each blocker, the rule, entry or route that came closest to
    /// allowing the flow, in a sentence with names (path order; empty when
    /// nothing came close). See `docs/explain-json.md` for the ranking.
    pub near_misses: Vec<String>,
    /// What the client sees.
    pub symptom: Symptom,
    /// One fix per blocker; a change that removes several blockers (a new
    /// peering, routed both ways) is listed once, under the first.
    pub fixes: Vec<Fix>,
    /// With [`crate::explain_verified`]: the answer after applying every
    /// verified fix, and what they open besides this flow; `null` when
    /// nothing was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_fixes: Option<AfterFixes>,
    /// Data the answer needed but the snapshot lacks.
    pub missing: Vec<String>,
    /// Warnings about the input or the answer.
    pub warnings: Vec<String>,
}

impl Explanation {
    /// The index in `hops` of the first hop that does not pass (deny,
    /// partial or unknown): the hops after it are what the walk found by
    /// going on as if it had passed. `None` when every hop passes.
    pub fn first_stop(&self) -> Option<usize> {
        self.hops.iter().position(|h| {
            matches!(
                h.decision,
                Decision::Deny | Decision::Partial | Decision::Unknown
            )
        })
    }
}
