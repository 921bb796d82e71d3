//! Network ACLs (`DescribeNetworkAcls`) and their entries.

use std::fmt;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::protocol::{IcmpTypeCode, IpProtocol, PortRange};
use super::tags::Tags;

/// The rule number of a network ACL's catch-all `*` entry, which denies
/// whatever no numbered entry matched; user entries are 1-32766. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>.
pub const DEFAULT_RULE_NUMBER: u16 = 32767;

/// The rule number `describe-network-acls` prints for the IPv6 catch-all
/// `*` entry (`Ipv6CidrBlock: ::/0`) of a network ACL in a VPC with an IPv6
/// CIDR. It is the highest number AWS produces. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>.
pub const DEFAULT_IPV6_RULE_NUMBER: u16 = 32768;

/// True for the rule number of either catch-all `*` entry (32767 for IPv4,
/// 32768 for IPv6).
pub fn is_default_rule_number(n: u16) -> bool {
    n == DEFAULT_RULE_NUMBER || n == DEFAULT_IPV6_RULE_NUMBER
}

/// `allow` or `deny`, the action of a network ACL entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Permit the packet.
    Allow,
    /// Drop the packet.
    Deny,
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RuleAction::Allow => "allow",
            RuleAction::Deny => "deny",
        })
    }
}

/// A network ACL (`DescribeNetworkAcls`) with its entries and the subnets
/// associated with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkAcl {
    /// `acl-...`.
    pub network_acl_id: String,
    /// The VPC of the ACL.
    pub vpc_id: String,
    /// `IsDefault`: the VPC's default ACL, used by subnets with no explicit association.
    #[serde(default)]
    pub is_default: bool,
    /// Entries, in the order the input listed them (never trusted for evaluation).
    pub entries: Vec<NetworkAclEntry>,
    /// Subnets associated with this ACL (`Associations[].SubnetId`).
    #[serde(default)]
    pub associated_subnet_ids: Vec<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// One network ACL entry (`NetworkAclEntry`).
///
/// `rule_number` is 1-32766 for user rules, [`DEFAULT_RULE_NUMBER`]
/// (32767) for the IPv4 `*` rule and [`DEFAULT_IPV6_RULE_NUMBER`] (32768)
/// for the IPv6 one.
/// Source: <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkAclEntry {
    /// Evaluation order, ascending.
    pub rule_number: u16,
    /// True for an outbound entry.
    pub egress: bool,
    /// Protocol, `-1` for all.
    pub protocol: IpProtocol,
    /// Allow or deny.
    pub rule_action: RuleAction,
    /// IPv4 CIDR the entry matches (source for inbound, destination for outbound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Ipv4Net>,
    /// IPv6 CIDR the entry matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<Ipv6Net>,
    /// Destination port range for TCP/UDP; absent means all ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_range: Option<PortRange>,
    /// ICMP type and code for ICMP entries (`IcmpTypeCode`); absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type_code: Option<IcmpTypeCode>,
}
