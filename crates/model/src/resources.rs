//! The network resources of one AWS account, as netpath keeps them.
//!
//! Every type mirrors the EC2 / RDS API shape it comes from (the AWS SDK's own
//! names, in snake_case), flattened where the API nests a single value
//! (`Status.Code` becomes `status_code`). Nothing here evaluates anything: the
//! meaning of a rule or route lives in `netpath-engine`.
//!
//! Sources: EC2 API reference data types
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/OperationList-query-vpc.html>
//! and RDS `DBInstance`
//! <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html>.

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Resource tags, key to value (`Tags` / `TagSet` in the API).
///
/// A map kept as a vector sorted by key: resources carry a handful of tags,
/// and 100,000 instances each with a `BTreeMap` node cost about half a
/// kilobyte apiece for nothing. Serializes as a JSON object, keys in order;
/// a key given twice keeps its last value (as a map would).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    /// The value of tag `key`, if set.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Sets tag `key` to `value`, returning the old value.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// True when there are no tags.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (key, value) pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Tags {
        let mut t = Tags::default();
        for (k, v) in iter {
            t.insert(k, v);
        }
        t.0.shrink_to_fit();
        t
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tags, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Tags;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of tag keys to string values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Tags, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(0));
                while let Some(kv) = m.next_entry::<String, String>()? {
                    out.push(kv);
                }
                Ok(out.into_iter().collect())
            }
        }
        d.deserialize_map(V)
    }
}

/// An IP protocol as the EC2 API writes it in security-group rules
/// (`IpProtocol`) and network ACL entries (`Protocol`).
///
/// The API accepts names (`tcp`, `udp`, `icmp`, `icmpv6`) or IANA numbers
/// (`6`, `17`, `1`, `58`), and `-1` for all protocols. Both spellings parse to
/// the same value; it serializes as the name where one exists, else the number.
/// Source: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpProtocol {
    /// `-1`: every protocol, every port.
    All,
    /// IANA 6.
    Tcp,
    /// IANA 17.
    Udp,
    /// IANA 1.
    Icmp,
    /// IANA 58.
    Icmpv6,
    /// Any other IANA protocol number (0-255).
    Number(u8),
}

impl IpProtocol {
    /// Parses an API protocol string: `-1`/`all`, a name, or a number 0-255.
    ///
    /// Returns `None` for anything else (an unknown name, a number above 255).
    pub fn parse(s: &str) -> Option<IpProtocol> {
        let t = s.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "-1" | "all" => IpProtocol::All,
            "tcp" | "6" => IpProtocol::Tcp,
            "udp" | "17" => IpProtocol::Udp,
            "icmp" | "1" => IpProtocol::Icmp,
            "icmpv6" | "58" => IpProtocol::Icmpv6,
            other => IpProtocol::Number(other.parse::<u8>().ok()?),
        })
    }

    /// True for TCP and UDP, the protocols whose rules carry port ranges.
    pub fn has_ports(self) -> bool {
        matches!(self, IpProtocol::Tcp | IpProtocol::Udp)
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpProtocol::All => f.write_str("-1"),
            IpProtocol::Tcp => f.write_str("tcp"),
            IpProtocol::Udp => f.write_str("udp"),
            IpProtocol::Icmp => f.write_str("icmp"),
            IpProtocol::Icmpv6 => f.write_str("icmpv6"),
            IpProtocol::Number(n) => write!(f, "{n}"),
        }
    }
}

impl Serialize for IpProtocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpProtocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        IpProtocol::parse(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown IP protocol {raw:?}: expected -1, tcp, udp, icmp, icmpv6 or a number 0-255"
            ))
        })
    }
}

/// An inclusive range of TCP/UDP ports, `from..=to` (units: port numbers 0-65535).
///
/// Used for NACL `PortRange` and for the client's ephemeral ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortRange {
    /// First port, inclusive.
    pub from: u16,
    /// Last port, inclusive.
    pub to: u16,
}

impl PortRange {
    /// The range `from..=to`. Callers must keep `from <= to`.
    pub const fn new(from: u16, to: u16) -> PortRange {
        PortRange { from, to }
    }

    /// Every port, 0-65535.
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };

    /// True when `port` lies in the range.
    pub fn contains(&self, port: u16) -> bool {
        self.from <= port && port <= self.to
    }

    /// Number of ports in the range (1 to 65536).
    pub fn len(&self) -> u32 {
        u32::from(self.to) - u32::from(self.from) + 1
    }

    /// Always false: a range holds at least one port. Present for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        false
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// Declares an enum for one of the API's state strings: the documented
/// values as variants, plus `Other(String)` for any value this build does
/// not know, so every string round-trips unchanged.
///
/// Each enum parses from and serializes to exactly the API string (case
/// sensitive; `""` and unknown strings become `Other`), compares equal to
/// that string (`state == "running"`), displays as it, and converts from
/// `&str` / `String` and into `String`. Its `Default` is `Other("")`, the
/// value an absent field used to read as.
macro_rules! api_state {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// Any other value, kept byte for byte as the input wrote it.
            Other(String),
        }

        impl $name {
            /// The API string, e.g. the text of the `Other` value as given.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }

            /// Parses an API string. Never fails: a string that is not a
            /// documented value becomes `Other`, unchanged.
            pub fn parse(s: &str) -> $name {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::Other(String::new())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name::parse(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> $name {
                match $name::parse(&s) {
                    $name::Other(_) => $name::Other(s),
                    known => known,
                }
            }
        }

        impl From<$name> for String {
            fn from(s: $name) -> String {
                match s {
                    $name::Other(s) => s,
                    known => known.as_str().to_string(),
                }
            }
        }

        // Equality, order and hash are those of the API string, exactly as
        // when the field was a `String` (so `Other("active")` equals `Active`).
        impl PartialEq for $name {
            fn eq(&self, other: &$name) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &$name) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &$name) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                self.as_str().hash(h)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;
                    // The same words as `String`'s visitor, so a bad value
                    // reads exactly as it did when the field was a `String`.
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<$name, E> {
                        match std::str::from_utf8(v) {
                            Ok(s) => Ok($name::parse(s)),
                            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
                        }
                    }
                }
                d.deserialize_string(V)
            }
        }
    };
}

api_state! {
    /// `Status.Code` of a VPC peering connection
    /// (`VpcPeeringConnectionStateReason.Code`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub enum VpcPeeringConnectionStateReasonCode {
        /// `initiating-request`: the request is being set up.
        InitiatingRequest = "initiating-request",
        /// `pending-acceptance`: waiting for the accepter.
        PendingAcceptance = "pending-acceptance",
        /// `active`: traffic can flow.
        Active = "active",
        /// `deleted`.
        Deleted = "deleted",
        /// `rejected` by the accepter.
        Rejected = "rejected",
        /// `failed` (e.g. overlapping CIDRs).
        Failed = "failed",
        /// `expired`: not accepted in time.
        Expired = "expired",
        /// `provisioning`: accepted, being set up.
        Provisioning = "provisioning",
        /// `deleting`.
        Deleting = "deleting",
    }
}

api_state! {
    /// `State.Name` of an EC2 instance (`InstanceStateName`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub enum InstanceStateName {
        /// `pending`: starting up.
        Pending = "pending",
        /// `running`.
        Running = "running",
        /// `shutting-down`: being terminated.
        ShuttingDown = "shutting-down",
        /// `terminated`.
        Terminated = "terminated",
        /// `stopping`.
        Stopping = "stopping",
        /// `stopped`.
        Stopped = "stopped",
    }
}

api_state! {
    /// `State` of a NAT gateway (`NatGatewayState`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html>.
    pub enum NatGatewayState {
        /// `pending`: being created.
        Pending = "pending",
        /// `failed` to be created.
        Failed = "failed",
        /// `available`: it forwards traffic.
        Available = "available",
        /// `deleting`.
        Deleting = "deleting",
        /// `deleted`.
        Deleted = "deleted",
    }
}

api_state! {
    /// `Status` of a network interface (`NetworkInterfaceStatus`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub enum NetworkInterfaceStatus {
        /// `available`: not attached.
        Available = "available",
        /// `associated`.
        Associated = "associated",
        /// `attaching`.
        Attaching = "attaching",
        /// `in-use`: attached.
        InUse = "in-use",
        /// `detaching`.
        Detaching = "detaching",
    }
}

api_state! {
    /// `DBInstanceStatus` of an RDS DB instance (a plain string in the API;
    /// these are the values the RDS User Guide documents). Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub enum DbInstanceStatus {
        /// `available`: accepts connections.
        Available = "available",
        /// `backing-up`.
        BackingUp = "backing-up",
        /// `configuring-enhanced-monitoring`.
        ConfiguringEnhancedMonitoring = "configuring-enhanced-monitoring",
        /// `configuring-iam-database-auth`.
        ConfiguringIamDatabaseAuth = "configuring-iam-database-auth",
        /// `configuring-log-exports`.
        ConfiguringLogExports = "configuring-log-exports",
        /// `converting-to-vpc`.
        ConvertingToVpc = "converting-to-vpc",
        /// `creating`.
        Creating = "creating",
        /// `delete-precheck`.
        DeletePrecheck = "delete-precheck",
        /// `deleting`.
        Deleting = "deleting",
        /// `failed`.
        Failed = "failed",
        /// `inaccessible-encryption-credentials`.
        InaccessibleEncryptionCredentials = "inaccessible-encryption-credentials",
        /// `inaccessible-encryption-credentials-recoverable`.
        InaccessibleEncryptionCredentialsRecoverable = "inaccessible-encryption-credentials-recoverable",
        /// `incompatible-network`.
        IncompatibleNetwork = "incompatible-network",
        /// `incompatible-option-group`.
        IncompatibleOptionGroup = "incompatible-option-group",
        /// `incompatible-parameters`.
        IncompatibleParameters = "incompatible-parameters",
        /// `incompatible-restore`.
        IncompatibleRestore = "incompatible-restore",
        /// `insufficient-capacity`.
        InsufficientCapacity = "insufficient-capacity",
        /// `maintenance`.
        Maintenance = "maintenance",
        /// `modifying`.
        Modifying = "modifying",
        /// `moving-to-vpc`.
        MovingToVpc = "moving-to-vpc",
        /// `rebooting`.
        Rebooting = "rebooting",
        /// `resetting-master-credentials`.
        ResettingMasterCredentials = "resetting-master-credentials",
        /// `renaming`.
        Renaming = "renaming",
        /// `restore-error`.
        RestoreError = "restore-error",
        /// `starting`.
        Starting = "starting",
        /// `stopped`.
        Stopped = "stopped",
        /// `stopping`.
        Stopping = "stopping",
        /// `storage-config-upgrade`.
        StorageConfigUpgrade = "storage-config-upgrade",
        /// `storage-full`.
        StorageFull = "storage-full",
        /// `storage-optimization`.
        StorageOptimization = "storage-optimization",
        /// `upgrading`.
        Upgrading = "upgrading",
    }
}

/// The direction of a security-group rule or network ACL entry, as seen
/// from the resource: `ingress` (inbound) or `egress` (outbound).
/// Serializes and displays lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Inbound: `IpPermissions`, NACL entries with `Egress: false`.
    Ingress,
    /// Outbound: `IpPermissionsEgress`, NACL entries with `Egress: true`.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule number of a network ACL's catch-all `*` entry, which denies
/// whatever no numbered entry matched; user entries are 1-32766. Source:
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>.
pub const DEFAULT_RULE_NUMBER: u16 = 32767;

/// A VPC (`DescribeVpcs`). Only `associated` CIDR blocks are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-...`.
    pub vpc_id: String,
    /// Owning account, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Region the VPC was read from (from the folder name or the collector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// IPv4 CIDR blocks in state `associated` (the primary block first).
    pub cidr_blocks: Vec<Ipv4Net>,
    /// IPv6 CIDR blocks in state `associated`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    /// `IsDefault`.
    #[serde(default)]
    pub is_default: bool,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A subnet (`DescribeSubnets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-...`.
    pub subnet_id: String,
    /// The VPC holding the subnet.
    pub vpc_id: String,
    /// The subnet's IPv4 CIDR.
    pub cidr_block: Ipv4Net,
    /// Associated IPv6 CIDR blocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    /// Availability Zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A security group (`DescribeSecurityGroups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-...`.
    pub group_id: String,
    /// `GroupName`.
    #[serde(default)]
    pub group_name: String,
    /// The VPC of the group (absent only for EC2-Classic groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Owning account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Inbound rules (`IpPermissions`).
    #[serde(default)]
    pub ip_permissions: Vec<IpPermission>,
    /// Outbound rules (`IpPermissionsEgress`).
    #[serde(default)]
    pub ip_permissions_egress: Vec<IpPermission>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl SecurityGroup {
    /// The rules of one direction: `IpPermissions` for [`Direction::Ingress`],
    /// `IpPermissionsEgress` for [`Direction::Egress`]. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroup.html>.
    pub fn permissions(&self, direction: Direction) -> &[IpPermission] {
        match direction {
            Direction::Ingress => &self.ip_permissions,
            Direction::Egress => &self.ip_permissions_egress,
        }
    }
}

/// One security-group rule set (`IpPermission`): a protocol and port range,
/// with every peer it admits.
///
/// Ports: for TCP/UDP `from_port..=to_port`; for ICMP they hold type and code;
/// for protocol `-1` they are absent. Source:
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpPermission {
    /// Protocol, `-1` for all.
    pub ip_protocol: IpProtocol,
    /// `FromPort` (TCP/UDP port, or ICMP type; `-1` means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// `ToPort` (TCP/UDP port, or ICMP code; `-1` means all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// IPv4 peers (`IpRanges[].CidrIp`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<Ipv4Net>,
    /// IPv6 peers (`Ipv6Ranges[].CidrIpv6`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_ranges: Vec<Ipv6Net>,
    /// Prefix-list peers (`PrefixListIds[].PrefixListId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_list_ids: Vec<String>,
    /// Security-group peers (`UserIdGroupPairs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

/// A rule peer that is another security group (`UserIdGroupPair`), possibly in
/// a peered VPC or another account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIdGroupPair {
    /// The referenced group.
    pub group_id: String,
    /// Account owning the referenced group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// VPC of the referenced group, when it is in a peered VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// The peering connection the reference goes through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// `PeeringStatus` as reported by the API (e.g. `active`, `deleted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_status: Option<String>,
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
/// `rule_number` is 1-32766 for user rules and [`DEFAULT_RULE_NUMBER`]
/// (32767) for the default `*` rule.
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
}

/// A route table (`DescribeRouteTables`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    /// `rtb-...`.
    pub route_table_id: String,
    /// The VPC of the table.
    pub vpc_id: String,
    /// Routes.
    pub routes: Vec<Route>,
    /// Associations, including the `main` one.
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A route-table association (`RouteTableAssociation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    /// True when this is the VPC's main route table.
    #[serde(default)]
    pub main: bool,
    /// The explicitly associated subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// The associated gateway (edge association).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// `AssociationState.State` (`associated`, `disassociated`, ...), when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// `active` or `blackhole`, the state of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteState {
    /// The target works.
    Active,
    /// The target is gone (deleted gateway, peering or instance): packets are dropped.
    Blackhole,
}

/// One route (`Route`), with every target field the API may set. Exactly one
/// target is normally set; a blackhole route may have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// IPv4 destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_cidr_block: Option<Ipv4Net>,
    /// IPv6 destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_ipv6_cidr_block: Option<Ipv6Net>,
    /// Prefix-list destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_prefix_list_id: Option<String>,
    /// `local`, `igw-...`, `vgw-...` or `vpce-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<String>,
    /// `nat-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    /// `pcx-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connection_id: Option<String>,
    /// `tgw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_id: Option<String>,
    /// `eni-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// `i-...` (NAT instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// `eigw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway_id: Option<String>,
    /// `lgw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_gateway_id: Option<String>,
    /// `cagw-...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_gateway_id: Option<String>,
    /// Cloud WAN core network ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_network_arn: Option<String>,
    /// Active or blackhole.
    pub state: RouteState,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Route {
    /// The id of whichever target field is set, first found in API order, or
    /// `None` when the route names no target (a blackhole whose target is gone).
    pub fn target_id(&self) -> Option<&str> {
        [
            &self.gateway_id,
            &self.nat_gateway_id,
            &self.vpc_peering_connection_id,
            &self.transit_gateway_id,
            &self.network_interface_id,
            &self.instance_id,
            &self.egress_only_internet_gateway_id,
            &self.local_gateway_id,
            &self.carrier_gateway_id,
            &self.core_network_arn,
        ]
        .into_iter()
        .find_map(|t| t.as_deref())
    }
}

/// A VPC peering connection (`DescribeVpcPeeringConnections`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcPeeringConnection {
    /// `pcx-...`.
    pub vpc_peering_connection_id: String,
    /// `Status.Code`: `active`, `pending-acceptance`, `deleted`, `rejected`, ...
    pub status_code: VpcPeeringConnectionStateReasonCode,
    /// The side that asked for the peering.
    pub requester_vpc_info: PeeringVpcInfo,
    /// The side that accepted it.
    pub accepter_vpc_info: PeeringVpcInfo,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl VpcPeeringConnection {
    /// True when `Status.Code` is `active`, the only state in which traffic
    /// crosses the peering. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub fn is_active(&self) -> bool {
        self.status_code == VpcPeeringConnectionStateReasonCode::Active
    }

    /// True when `Status.Code` is `pending-acceptance`: the accepter has not
    /// accepted yet. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html>.
    pub fn is_pending_acceptance(&self) -> bool {
        self.status_code == VpcPeeringConnectionStateReasonCode::PendingAcceptance
    }
}

/// One side of a peering connection (`VpcPeeringConnectionVpcInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeeringVpcInfo {
    /// The VPC on this side.
    pub vpc_id: String,
    /// Its account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Its region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// IPv4 CIDR blocks shared over the peering (`CidrBlockSet`).
    #[serde(default)]
    pub cidr_blocks: Vec<Ipv4Net>,
    /// IPv6 CIDR blocks shared over the peering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
}

/// A network interface (`DescribeNetworkInterfaces`), attached or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterface {
    /// `eni-...`.
    pub network_interface_id: String,
    /// The subnet the ENI lives in.
    pub subnet_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// Availability Zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// `Description`; RDS uses `RDSNetworkInterface`.
    #[serde(default)]
    pub description: String,
    /// `InterfaceType` (`interface`, `nat_gateway`, `lambda`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<String>,
    /// `RequesterId`: the service or principal that created the ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    /// `RequesterManaged`.
    #[serde(default)]
    pub requester_managed: bool,
    /// `Status`: `in-use`, `available`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NetworkInterfaceStatus>,
    /// Private IPv4 addresses, primary first, each with its public IP if any.
    pub private_ip_addresses: Vec<PrivateIpAddress>,
    /// Security groups on the ENI (`Groups[].GroupId`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// The attachment, if the ENI is attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<NetworkInterfaceAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl NetworkInterface {
    /// True when `Status` is `in-use` (attached). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub fn is_in_use(&self) -> bool {
        self.status == Some(NetworkInterfaceStatus::InUse)
    }

    /// True when `Status` is `available` (not attached). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub fn is_available(&self) -> bool {
        self.status == Some(NetworkInterfaceStatus::Available)
    }

    /// The primary private IPv4 address (the one marked `Primary`, else the first).
    pub fn primary_ip(&self) -> Option<Ipv4Addr> {
        self.private_ip_addresses
            .iter()
            .find(|p| p.primary)
            .or_else(|| self.private_ip_addresses.first())
            .map(|p| p.private_ip_address)
    }

    /// The public IPv4 address associated with the primary private IP, else
    /// with any private IP.
    pub fn public_ip(&self) -> Option<Ipv4Addr> {
        self.private_ip_addresses
            .iter()
            .find(|p| p.primary && p.public_ip.is_some())
            .or_else(|| {
                self.private_ip_addresses
                    .iter()
                    .find(|p| p.public_ip.is_some())
            })
            .and_then(|p| p.public_ip)
    }

    /// True when `ip` is one of the ENI's private IPv4 addresses.
    pub fn has_private_ip(&self, ip: Ipv4Addr) -> bool {
        self.private_ip_addresses
            .iter()
            .any(|p| p.private_ip_address == ip)
    }
}

/// One private IPv4 address of an ENI (`NetworkInterfacePrivateIpAddress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivateIpAddress {
    /// The address.
    pub private_ip_address: Ipv4Addr,
    /// True for the primary address.
    #[serde(default)]
    pub primary: bool,
    /// The public or Elastic IP associated with it (`Association.PublicIp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}

/// An ENI's attachment (`NetworkInterfaceAttachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterfaceAttachment {
    /// The instance it is attached to, when it is an EC2 instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// `attaching`, `attached`, `detaching`, `detached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Device index (0 is the primary interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_index: Option<i64>,
}

/// An EC2 instance (`DescribeInstances`, `Reservations[].Instances[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `i-...`.
    pub instance_id: String,
    /// `State.Name`: `running`, `stopped`, `pending`, ...
    pub state: InstanceStateName,
    /// `Platform`: `windows` for Windows instances, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Subnet of the primary interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// VPC of the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// Primary private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Ipv4Addr>,
    /// Public IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<Ipv4Addr>,
    /// Interfaces attached to it.
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    /// Tags (the `Name` tag names it).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl Instance {
    /// True when `State.Name` is `running`. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub fn is_running(&self) -> bool {
        self.state == InstanceStateName::Running
    }

    /// True when `State.Name` is `stopped`. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub fn is_stopped(&self) -> bool {
        self.state == InstanceStateName::Stopped
    }
}

/// An internet gateway (`DescribeInternetGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGateway {
    /// `igw-...`.
    pub internet_gateway_id: String,
    /// VPC attachments.
    #[serde(default)]
    pub attachments: Vec<InternetGatewayAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// An internet gateway's attachment to a VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetGatewayAttachment {
    /// The VPC.
    pub vpc_id: String,
    /// `available` (the API's word for attached), `attaching`, `detaching`, `detached`.
    pub state: String,
}

/// A NAT gateway (`DescribeNatGateways`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGateway {
    /// `nat-...`.
    pub nat_gateway_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// The subnet it lives in.
    pub subnet_id: String,
    /// `available`, `pending`, `failed`, `deleting`, `deleted`.
    pub state: NatGatewayState,
    /// `public` or `private`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connectivity_type: Option<String>,
    /// Its addresses.
    #[serde(default)]
    pub addresses: Vec<NatGatewayAddress>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl NatGateway {
    /// True when `State` is `available`, the only state in which it forwards
    /// traffic. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html>.
    pub fn is_available(&self) -> bool {
        self.state == NatGatewayState::Available
    }
}

/// One NAT gateway address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NatGatewayAddress {
    /// The gateway's ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
    /// Private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Ipv4Addr>,
    /// Elastic IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}

/// A prefix list with its CIDRs (`DescribePrefixLists`, or a managed prefix list
/// with `GetManagedPrefixListEntries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixList {
    /// `pl-...`.
    pub prefix_list_id: String,
    /// Name.
    #[serde(default)]
    pub prefix_list_name: String,
    /// Its CIDRs, IPv4 or IPv6. `None` when the entries were not read
    /// (`DescribeManagedPrefixLists` without `GetManagedPrefixListEntries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<IpNet>>,
}

/// An RDS DB instance (`DescribeDBInstances`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInstance {
    /// `DBInstanceIdentifier`.
    pub db_instance_identifier: String,
    /// `DBInstanceStatus`: `available`, `stopped`, `starting`, ...
    pub db_instance_status: DbInstanceStatus,
    /// Engine (`postgres`, `mysql`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The endpoint clients connect to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<DbEndpoint>,
    /// The subnet group that places the DB in a VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_subnet_group: Option<DbSubnetGroup>,
    /// `VpcSecurityGroups[].VpcSecurityGroupId`.
    #[serde(default)]
    pub vpc_security_group_ids: Vec<String>,
    /// `MultiAZ`.
    #[serde(default)]
    pub multi_az: bool,
    /// `PubliclyAccessible`.
    #[serde(default)]
    pub publicly_accessible: bool,
    /// Availability Zone of the primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

impl DbInstance {
    /// True when `DBInstanceStatus` is `available` (it accepts connections).
    /// Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub fn is_available(&self) -> bool {
        self.db_instance_status == DbInstanceStatus::Available
    }

    /// True when `DBInstanceStatus` is `stopped`. Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub fn is_stopped(&self) -> bool {
        self.db_instance_status == DbInstanceStatus::Stopped
    }
}

/// An RDS endpoint (`Endpoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbEndpoint {
    /// DNS name.
    pub address: String,
    /// TCP port the engine listens on.
    pub port: u16,
    /// The IPv4 addresses `address` resolved to when the snapshot was
    /// collected live (empty when not resolved, e.g. for imported JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_addresses: Vec<Ipv4Addr>,
}

/// An RDS DB subnet group (`DBSubnetGroup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbSubnetGroup {
    /// `DBSubnetGroupName`.
    pub name: String,
    /// Its VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// `Subnets[].SubnetIdentifier`.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
}
