//! Import of AWS CLI `describe-*` JSON output into a [`Snapshot`].
//!
//! Each file is recognised by its top-level key, whatever its name:
//! `Vpcs`, `Subnets`, `SecurityGroups`, `NetworkAcls`, `RouteTables`,
//! `NetworkInterfaces`, `Reservations`, `VpcPeeringConnections`,
//! `InternetGateways`, `NatGateways`, `PrefixLists`, `DBInstances`. Other keys
//! are skipped with one warning each.
//!
//! Folder layouts (the ones Batfish reads too): `DIR/*.json`,
//! `DIR/aws_configs/*.json`, `DIR/aws_configs/<region>/*.json`,
//! `DIR/aws_configs/accounts/<account>/<region>/*.json`, and the `aws_configs`
//! folder itself (`DIR/<region>/*.json`). A folder named like a region
//! (`us-west-2`) sets the region of what it holds.
//!
//! Shapes follow the EC2 API reference
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html> and its
//! siblings) and the RDS API reference
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html>).

use std::collections::{BTreeSet, HashSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ModelError, Warning};
use crate::resources::*;
use crate::snapshot::{
    deserialize_field, deserialize_raw, each_item, parse_object, raw_value, resource_label,
    RawObject, Snapshot, SNAPSHOT_FORMAT,
};

/// True when a top-level object is a netpath snapshot (`"format"`).
fn is_snapshot(o: &RawObject<'_>) -> bool {
    o.get("format")
        .map(|r| raw_value(r))
        .as_ref()
        .and_then(Value::as_str)
        == Some(SNAPSHOT_FORMAT)
}

/// What an import produced: the snapshot and every warning met on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Warnings (unknown keys, duplicates, dangling references), one line each.
    pub warnings: Vec<Warning>,
}

/// The top-level keys netpath reads.
pub const KNOWN_KEYS: &[&str] = &[
    "Vpcs",
    "Subnets",
    "SecurityGroups",
    "NetworkAcls",
    "RouteTables",
    "NetworkInterfaces",
    "Reservations",
    "VpcPeeringConnections",
    "InternetGateways",
    "NatGateways",
    "PrefixLists",
    "DBInstances",
];

/// Loads `path`, whichever kind it is: a netpath snapshot file, a folder of
/// describe-* output, or one describe-* file.
///
/// Errors: [`ModelError::Io`] when it cannot be read, [`ModelError::Json`] for
/// malformed JSON (file, line, column), [`ModelError::Field`] for a missing or
/// invalid field (file, resource id, field), [`ModelError::Format`] when the
/// folder holds no describe-* output at all.
pub fn load(path: &Path) -> Result<Imported, ModelError> {
    let meta = std::fs::metadata(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return import_dir(path);
    }
    // A netpath snapshot file is read in one typed pass, streamed from the
    // file; anything else (or any error) takes the general path below, whose
    // messages name the file, line and column or the resource and field.
    if let Ok(file) = std::fs::File::open(path) {
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        if let Some(snapshot) = Snapshot::from_reader_fast(path, reader)? {
            let warnings = snapshot.dangling_references();
            return Ok(Imported { snapshot, warnings });
        }
    }
    let bytes = read(path)?;
    import_bytes(path, &bytes)
}

/// Imports one file's bytes, already in memory: a netpath snapshot file or
/// one describe-* output. `path` names the file in messages only.
///
/// Output and errors as [`load`] (without [`ModelError::Io`]).
pub fn import_bytes(path: &Path, bytes: &[u8]) -> Result<Imported, ModelError> {
    if let Some(snapshot) = Snapshot::from_json_bytes_fast(path, bytes)? {
        let warnings = snapshot.dangling_references();
        return Ok(Imported { snapshot, warnings });
    }
    let obj = parse_object(path, bytes)?;
    if obj.is_none() {
        return Err(ModelError::Format {
            path: path.to_path_buf(),
            message: "the top level is not a JSON object, so this is neither a netpath snapshot nor aws describe-* output".into(),
        });
    }
    if let Some(o) = obj.as_ref().filter(|o| is_snapshot(o)) {
        let snapshot = Snapshot::from_raw(path, o.clone())?;
        let warnings = snapshot.dangling_references();
        return Ok(Imported { snapshot, warnings });
    }
    let mut acc = Accumulator::default();
    acc.add_file(path, obj, None)?;
    acc.finish(path)
}

/// Imports a folder of describe-* JSON (see the module docs for layouts).
/// Errors as [`load`].
pub fn import_dir(dir: &Path) -> Result<Imported, ModelError> {
    let mut files = Vec::new();
    collect_json_files(dir, 0, &mut files)?;
    files.sort();
    let mut acc = Accumulator::default();
    for file in files {
        let region = region_of(dir, &file);
        let bytes = read(&file)?;
        let value = parse_object(&file, &bytes)?;
        acc.add_file(&file, value, region)?;
    }
    acc.finish(dir)
}

fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Depth limit below the given folder: `aws_configs/accounts/<acct>/<region>/x.json` is 4.
const MAX_DEPTH: usize = 4;

fn collect_json_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ModelError> {
    let io = |source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(io)?;
        if ft.is_dir() && depth < MAX_DEPTH {
            collect_json_files(&p, depth + 1, out)?;
        } else if ft.is_file() && name.ends_with(".json") {
            out.push(p);
        }
    }
    Ok(())
}

/// True for names shaped like an AWS region: `us-west-2`, `eu-central-1`, `us-gov-west-1`.
pub fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn region_of(root: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root).ok()?;
    rel.parent()?
        .components()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .find(|c| looks_like_region(c))
        .or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .filter(|n| looks_like_region(n))
        })
}

// ---------------------------------------------------------------------------
// Raw AWS shapes (PascalCase). Only the fields that affect a path are read;
// serde skips the rest.

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawTag {
    key: String,
    #[serde(default)]
    value: String,
}

fn tags(raw: Option<Vec<RawTag>>) -> Tags {
    raw.into_iter()
        .flatten()
        .map(|t| (t.key, t.value))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawState {
    state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpc {
    vpc_id: String,
    owner_id: Option<String>,
    cidr_block: Option<Ipv4Net>,
    cidr_block_association_set: Option<Vec<RawCidrAssoc>>,
    ipv6_cidr_block_association_set: Option<Vec<RawIpv6CidrAssoc>>,
    is_default: Option<bool>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCidrAssoc {
    cidr_block: Ipv4Net,
    cidr_block_state: Option<RawState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6CidrAssoc {
    ipv6_cidr_block: Option<Ipv6Net>,
    ipv6_cidr_block_state: Option<RawState>,
}

fn associated(state: &Option<RawState>) -> bool {
    state.as_ref().is_none_or(|s| s.state == "associated")
}

impl RawVpc {
    fn into_model(self, region: Option<String>) -> Vpc {
        let mut cidr_blocks: Vec<Ipv4Net> = self
            .cidr_block_association_set
            .iter()
            .flatten()
            .filter(|a| associated(&a.cidr_block_state))
            .map(|a| a.cidr_block.trunc())
            .collect();
        if let Some(primary) = self.cidr_block.map(|c| c.trunc()) {
            if !cidr_blocks.contains(&primary) && self.cidr_block_association_set.is_none() {
                cidr_blocks.insert(0, primary);
            }
        }
        Vpc {
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            region,
            cidr_blocks,
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_association_set
                .into_iter()
                .flatten()
                .filter(|a| associated(&a.ipv6_cidr_block_state))
                .filter_map(|a| a.ipv6_cidr_block)
                .collect(),
            is_default: self.is_default.unwrap_or(false),
            tags: tags(self.tags),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawSubnet {
    subnet_id: String,
    vpc_id: String,
    cidr_block: Ipv4Net,
    availability_zone: Option<String>,
    ipv6_cidr_block_association_set: Option<Vec<RawIpv6CidrAssoc>>,
    tags: Option<Vec<RawTag>>,
}

impl RawSubnet {
    fn into_model(self) -> Subnet {
        Subnet {
            subnet_id: self.subnet_id,
            vpc_id: self.vpc_id,
            cidr_block: self.cidr_block.trunc(),
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_association_set
                .into_iter()
                .flatten()
                .filter(|a| associated(&a.ipv6_cidr_block_state))
                .filter_map(|a| a.ipv6_cidr_block)
                .collect(),
            availability_zone: self.availability_zone,
            tags: tags(self.tags),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawSecurityGroup {
    group_id: String,
    group_name: Option<String>,
    vpc_id: Option<String>,
    owner_id: Option<String>,
    ip_permissions: Option<Vec<RawIpPermission>>,
    ip_permissions_egress: Option<Vec<RawIpPermission>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpPermission {
    ip_protocol: IpProtocol,
    from_port: Option<i32>,
    to_port: Option<i32>,
    ip_ranges: Option<Vec<RawIpRange>>,
    ipv6_ranges: Option<Vec<RawIpv6Range>>,
    prefix_list_ids: Option<Vec<RawPrefixListId>>,
    user_id_group_pairs: Option<Vec<RawUserIdGroupPair>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpRange {
    cidr_ip: Ipv4Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6Range {
    cidr_ipv6: Ipv6Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrefixListId {
    prefix_list_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawUserIdGroupPair {
    group_id: String,
    user_id: Option<String>,
    vpc_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    peering_status: Option<String>,
}

impl RawIpPermission {
    fn into_model(self) -> IpPermission {
        IpPermission {
            ip_protocol: self.ip_protocol,
            from_port: self.from_port,
            to_port: self.to_port,
            ip_ranges: self
                .ip_ranges
                .into_iter()
                .flatten()
                .map(|r| r.cidr_ip.trunc())
                .collect(),
            ipv6_ranges: self
                .ipv6_ranges
                .into_iter()
                .flatten()
                .map(|r| r.cidr_ipv6.trunc())
                .collect(),
            prefix_list_ids: self
                .prefix_list_ids
                .into_iter()
                .flatten()
                .map(|p| p.prefix_list_id)
                .collect(),
            user_id_group_pairs: self
                .user_id_group_pairs
                .into_iter()
                .flatten()
                .map(|p| UserIdGroupPair {
                    group_id: p.group_id,
                    user_id: p.user_id,
                    vpc_id: p.vpc_id,
                    vpc_peering_connection_id: p.vpc_peering_connection_id,
                    peering_status: p.peering_status,
                })
                .collect(),
        }
    }
}

impl RawSecurityGroup {
    fn into_model(self) -> SecurityGroup {
        SecurityGroup {
            group_id: self.group_id,
            group_name: self.group_name.unwrap_or_default(),
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            ip_permissions: self
                .ip_permissions
                .into_iter()
                .flatten()
                .map(RawIpPermission::into_model)
                .collect(),
            ip_permissions_egress: self
                .ip_permissions_egress
                .into_iter()
                .flatten()
                .map(RawIpPermission::into_model)
                .collect(),
            tags: tags(self.tags),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkAcl {
    network_acl_id: String,
    vpc_id: String,
    is_default: Option<bool>,
    entries: Vec<RawNetworkAclEntry>,
    associations: Option<Vec<RawNetworkAclAssociation>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkAclEntry {
    rule_number: u16,
    egress: bool,
    protocol: IpProtocol,
    rule_action: RuleAction,
    cidr_block: Option<Ipv4Net>,
    ipv6_cidr_block: Option<Ipv6Net>,
    port_range: Option<RawPortRange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPortRange {
    from: u16,
    to: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkAclAssociation {
    subnet_id: Option<String>,
}

impl RawNetworkAcl {
    fn into_model(self) -> NetworkAcl {
        NetworkAcl {
            network_acl_id: self.network_acl_id,
            vpc_id: self.vpc_id,
            is_default: self.is_default.unwrap_or(false),
            entries: self
                .entries
                .into_iter()
                .map(|e| NetworkAclEntry {
                    rule_number: e.rule_number,
                    egress: e.egress,
                    protocol: e.protocol,
                    rule_action: e.rule_action,
                    cidr_block: e.cidr_block.map(|c| c.trunc()),
                    ipv6_cidr_block: e.ipv6_cidr_block.map(|c| c.trunc()),
                    port_range: e.port_range.map(|p| PortRange::new(p.from, p.to)),
                })
                .collect(),
            associated_subnet_ids: self
                .associations
                .into_iter()
                .flatten()
                .filter_map(|a| a.subnet_id)
                .collect(),
            tags: tags(self.tags),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRouteTable {
    route_table_id: String,
    vpc_id: String,
    routes: Option<Vec<RawRoute>>,
    associations: Option<Vec<RawRouteTableAssociation>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRoute {
    destination_cidr_block: Option<Ipv4Net>,
    destination_ipv6_cidr_block: Option<Ipv6Net>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    transit_gateway_id: Option<String>,
    network_interface_id: Option<String>,
    instance_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    carrier_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    state: Option<RouteState>,
    origin: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRouteTableAssociation {
    main: Option<bool>,
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    association_state: Option<RawState>,
}

impl RawRouteTable {
    fn into_model(self) -> RouteTable {
        RouteTable {
            route_table_id: self.route_table_id,
            vpc_id: self.vpc_id,
            routes: self
                .routes
                .into_iter()
                .flatten()
                .map(|r| Route {
                    destination_cidr_block: r.destination_cidr_block.map(|c| c.trunc()),
                    destination_ipv6_cidr_block: r.destination_ipv6_cidr_block.map(|c| c.trunc()),
                    destination_prefix_list_id: r.destination_prefix_list_id,
                    gateway_id: r.gateway_id,
                    nat_gateway_id: r.nat_gateway_id,
                    vpc_peering_connection_id: r.vpc_peering_connection_id,
                    transit_gateway_id: r.transit_gateway_id,
                    network_interface_id: r.network_interface_id,
                    instance_id: r.instance_id,
                    egress_only_internet_gateway_id: r.egress_only_internet_gateway_id,
                    local_gateway_id: r.local_gateway_id,
                    carrier_gateway_id: r.carrier_gateway_id,
                    core_network_arn: r.core_network_arn,
                    state: r.state.unwrap_or(RouteState::Active),
                    origin: r.origin,
                })
                .collect(),
            associations: self
                .associations
                .into_iter()
                .flatten()
                .map(|a| RouteTableAssociation {
                    main: a.main.unwrap_or(false),
                    subnet_id: a.subnet_id,
                    gateway_id: a.gateway_id,
                    state: a.association_state.map(|s| s.state),
                })
                .collect(),
            tags: tags(self.tags),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeering {
    vpc_peering_connection_id: String,
    status: RawStatusCode,
    requester_vpc_info: RawPeeringVpcInfo,
    accepter_vpc_info: RawPeeringVpcInfo,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStatusCode {
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPeeringVpcInfo {
    vpc_id: String,
    owner_id: Option<String>,
    region: Option<String>,
    cidr_block: Option<Ipv4Net>,
    cidr_block_set: Option<Vec<RawCidr>>,
    ipv6_cidr_block_set: Option<Vec<RawIpv6Cidr>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCidr {
    cidr_block: Ipv4Net,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6Cidr {
    ipv6_cidr_block: Ipv6Net,
}

impl RawPeeringVpcInfo {
    fn into_model(self) -> PeeringVpcInfo {
        let mut cidr_blocks: Vec<Ipv4Net> = self
            .cidr_block_set
            .into_iter()
            .flatten()
            .map(|c| c.cidr_block.trunc())
            .collect();
        if let Some(c) = self.cidr_block.map(|c| c.trunc()) {
            if !cidr_blocks.contains(&c) {
                cidr_blocks.insert(0, c);
            }
        }
        PeeringVpcInfo {
            vpc_id: self.vpc_id,
            owner_id: self.owner_id,
            region: self.region,
            cidr_blocks,
            ipv6_cidr_blocks: self
                .ipv6_cidr_block_set
                .into_iter()
                .flatten()
                .map(|c| c.ipv6_cidr_block)
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNetworkInterface {
    network_interface_id: String,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    availability_zone: Option<String>,
    description: Option<String>,
    interface_type: Option<String>,
    requester_id: Option<String>,
    requester_managed: Option<bool>,
    status: Option<String>,
    private_ip_address: Option<Ipv4Addr>,
    private_ip_addresses: Option<Vec<RawPrivateIp>>,
    association: Option<RawAssociation>,
    groups: Option<Vec<RawGroupIdentifier>>,
    attachment: Option<RawAttachment>,
    tag_set: Option<Vec<RawTag>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrivateIp {
    private_ip_address: Ipv4Addr,
    primary: Option<bool>,
    association: Option<RawAssociation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAssociation {
    public_ip: Option<Ipv4Addr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroupIdentifier {
    group_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttachment {
    instance_id: Option<String>,
    status: Option<String>,
    device_index: Option<i64>,
}

impl RawNetworkInterface {
    /// Converts, requiring `SubnetId` and `VpcId`. `instance_id` fills in the
    /// attachment of interfaces embedded in `DescribeInstances` output.
    fn into_model(
        self,
        path: &Path,
        field_prefix: &str,
        instance_id: Option<&str>,
    ) -> Result<NetworkInterface, ModelError> {
        let required = |v: Option<String>, name: &str| {
            v.ok_or_else(|| ModelError::Field {
                path: path.to_path_buf(),
                resource: self.network_interface_id.clone(),
                field: format!("{field_prefix}{name}"),
                message: format!("missing field `{name}`"),
            })
        };
        let subnet_id = required(self.subnet_id.clone(), "SubnetId")?;
        let vpc_id = required(self.vpc_id.clone(), "VpcId")?;
        let mut private_ip_addresses: Vec<PrivateIpAddress> = self
            .private_ip_addresses
            .into_iter()
            .flatten()
            .map(|p| PrivateIpAddress {
                private_ip_address: p.private_ip_address,
                primary: p.primary.unwrap_or(false),
                public_ip: p.association.and_then(|a| a.public_ip),
            })
            .collect();
        if private_ip_addresses.is_empty() {
            if let Some(ip) = self.private_ip_address {
                private_ip_addresses.push(PrivateIpAddress {
                    private_ip_address: ip,
                    primary: true,
                    public_ip: self.association.as_ref().and_then(|a| a.public_ip),
                });
            }
        }
        let mut attachment = self.attachment.map(|a| NetworkInterfaceAttachment {
            instance_id: a.instance_id,
            status: a.status,
            device_index: a.device_index,
        });
        if let Some(iid) = instance_id {
            let att = attachment.get_or_insert(NetworkInterfaceAttachment {
                instance_id: None,
                status: Some("attached".to_string()),
                device_index: None,
            });
            att.instance_id.get_or_insert_with(|| iid.to_string());
        }
        Ok(NetworkInterface {
            network_interface_id: self.network_interface_id,
            subnet_id,
            vpc_id,
            availability_zone: self.availability_zone,
            description: self.description.unwrap_or_default(),
            interface_type: self.interface_type,
            requester_id: self.requester_id,
            requester_managed: self.requester_managed.unwrap_or(false),
            status: self.status.map(NetworkInterfaceStatus::from),
            private_ip_addresses,
            groups: self
                .groups
                .into_iter()
                .flatten()
                .map(|g| g.group_id)
                .collect(),
            attachment,
            tags: tags(self.tag_set.or(self.tags)),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawReservation {
    #[serde(default)]
    instances: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInstance {
    instance_id: String,
    state: RawStateName,
    platform: Option<String>,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    private_ip_address: Option<Ipv4Addr>,
    public_ip_address: Option<Ipv4Addr>,
    network_interfaces: Option<Vec<Value>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStateName {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInternetGateway {
    internet_gateway_id: String,
    attachments: Option<Vec<RawIgwAttachment>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIgwAttachment {
    vpc_id: String,
    state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNatGateway {
    nat_gateway_id: String,
    vpc_id: String,
    subnet_id: String,
    state: String,
    connectivity_type: Option<String>,
    nat_gateway_addresses: Option<Vec<RawNatAddress>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawNatAddress {
    network_interface_id: Option<String>,
    private_ip: Option<Ipv4Addr>,
    public_ip: Option<Ipv4Addr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrefixList {
    prefix_list_id: String,
    prefix_list_name: Option<String>,
    cidrs: Option<Vec<IpNet>>,
}

#[derive(Deserialize)]
struct RawDbInstance {
    #[serde(rename = "DBInstanceIdentifier")]
    db_instance_identifier: String,
    #[serde(rename = "DBInstanceStatus")]
    db_instance_status: String,
    #[serde(rename = "Engine")]
    engine: Option<String>,
    #[serde(rename = "Endpoint")]
    endpoint: Option<RawDbEndpoint>,
    #[serde(rename = "DBSubnetGroup")]
    db_subnet_group: Option<RawDbSubnetGroup>,
    #[serde(rename = "VpcSecurityGroups")]
    vpc_security_groups: Option<Vec<RawVpcSecurityGroup>>,
    #[serde(rename = "MultiAZ")]
    multi_az: Option<bool>,
    #[serde(rename = "PubliclyAccessible")]
    publicly_accessible: Option<bool>,
    #[serde(rename = "AvailabilityZone")]
    availability_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDbEndpoint {
    address: Option<String>,
    port: Option<u16>,
}

#[derive(Deserialize)]
struct RawDbSubnetGroup {
    #[serde(rename = "DBSubnetGroupName")]
    name: Option<String>,
    #[serde(rename = "VpcId")]
    vpc_id: Option<String>,
    #[serde(rename = "Subnets")]
    subnets: Option<Vec<RawDbSubnet>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDbSubnet {
    subnet_identifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpcSecurityGroup {
    vpc_security_group_id: String,
}

impl RawDbInstance {
    fn into_model(self) -> DbInstance {
        DbInstance {
            db_instance_identifier: self.db_instance_identifier,
            db_instance_status: self.db_instance_status.into(),
            engine: self.engine,
            endpoint: self.endpoint.and_then(|e| {
                Some(DbEndpoint {
                    address: e.address.unwrap_or_default(),
                    port: e.port?,
                    resolved_addresses: Vec::new(),
                })
            }),
            db_subnet_group: self.db_subnet_group.map(|g| DbSubnetGroup {
                name: g.name.unwrap_or_default(),
                vpc_id: g.vpc_id,
                subnet_ids: g
                    .subnets
                    .into_iter()
                    .flatten()
                    .map(|s| s.subnet_identifier)
                    .collect(),
            }),
            vpc_security_group_ids: self
                .vpc_security_groups
                .into_iter()
                .flatten()
                .map(|g| g.vpc_security_group_id)
                .collect(),
            multi_az: self.multi_az.unwrap_or(false),
            publicly_accessible: self.publicly_accessible.unwrap_or(false),
            availability_zone: self.availability_zone,
        }
    }
}

// ---------------------------------------------------------------------------

/// Gathers resources file by file, then merges them into one snapshot.
#[derive(Default)]
struct Accumulator {
    snap: Snapshot,
    /// Interfaces embedded in `Reservations`, used for those `NetworkInterfaces` lacks.
    embedded_enis: Vec<NetworkInterface>,
    warnings: Vec<Warning>,
    regions: BTreeSet<String>,
    accounts: BTreeSet<String>,
    recognised: usize,
}

fn push_all<T>(slot: &mut Option<Vec<T>>, items: Vec<T>) {
    slot.get_or_insert_with(Vec::new).extend(items);
}

impl Accumulator {
    fn warn(&mut self, file: &Path, resource: Option<String>, message: String) {
        self.warnings.push(Warning {
            file: Some(file.to_path_buf()),
            resource,
            message,
        });
    }

    /// Deserializes every element of the array `value` (the content of `key`).
    fn items<R: DeserializeOwned>(
        &mut self,
        path: &Path,
        key: &str,
        value: &str,
        id_field: &str,
    ) -> Result<Vec<R>, ModelError> {
        let mut out = Vec::new();
        let accounts = &mut self.accounts;
        #[derive(Deserialize)]
        struct Owner {
            #[serde(rename = "OwnerId")]
            owner_id: Option<String>,
        }
        let done = each_item(value, |i, raw| {
            // One resource at a time, straight from its text, so memory
            // stays near the file's size.
            if let Ok(Owner { owner_id: Some(o) }) = serde_json::from_str::<Owner>(raw) {
                accounts.insert(o);
            }
            out.push(deserialize_raw(path, raw, id_field, key, i)?);
            Ok(())
        });
        match done {
            None => Err(ModelError::Field {
                path: path.to_path_buf(),
                resource: key.to_string(),
                field: key.to_string(),
                message: "expected an array".to_string(),
            }),
            Some(r) => r.map(|()| out),
        }
    }

    fn add_file(
        &mut self,
        path: &Path,
        value: Option<RawObject<'_>>,
        region: Option<String>,
    ) -> Result<(), ModelError> {
        let Some(obj) = value else {
            self.warn(
                path,
                None,
                "skipped: the top level is not a JSON object, so it is not describe-* output"
                    .to_string(),
            );
            return Ok(());
        };
        if is_snapshot(&obj) {
            self.warn(
                path,
                None,
                "skipped: this is a netpath snapshot; pass it on its own with --snapshot"
                    .to_string(),
            );
            return Ok(());
        }
        if let Some(r) = &region {
            self.regions.insert(r.clone());
        }
        for (key, value) in obj {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                if key != "NextToken" {
                    self.warn(path, None, format!("unknown top-level key `{key}` skipped"));
                }
                continue;
            }
            self.recognised += 1;
            self.add_key(path, &key, value, region.clone())?;
        }
        Ok(())
    }

    fn add_key(
        &mut self,
        path: &Path,
        key: &str,
        value: &str,
        region: Option<String>,
    ) -> Result<(), ModelError> {
        match key {
            "Vpcs" => {
                let raw: Vec<RawVpc> = self.items(path, key, value, "VpcId")?;
                push_all(
                    &mut self.snap.vpcs,
                    raw.into_iter()
                        .map(|v| v.into_model(region.clone()))
                        .collect(),
                );
            }
            "Subnets" => {
                let raw: Vec<RawSubnet> = self.items(path, key, value, "SubnetId")?;
                push_all(
                    &mut self.snap.subnets,
                    raw.into_iter().map(RawSubnet::into_model).collect(),
                );
            }
            "SecurityGroups" => {
                let raw: Vec<RawSecurityGroup> = self.items(path, key, value, "GroupId")?;
                push_all(
                    &mut self.snap.security_groups,
                    raw.into_iter().map(RawSecurityGroup::into_model).collect(),
                );
            }
            "NetworkAcls" => {
                let raw: Vec<RawNetworkAcl> = self.items(path, key, value, "NetworkAclId")?;
                push_all(
                    &mut self.snap.network_acls,
                    raw.into_iter().map(RawNetworkAcl::into_model).collect(),
                );
            }
            "RouteTables" => {
                let raw: Vec<RawRouteTable> = self.items(path, key, value, "RouteTableId")?;
                push_all(
                    &mut self.snap.route_tables,
                    raw.into_iter().map(RawRouteTable::into_model).collect(),
                );
            }
            "NetworkInterfaces" => {
                let raw: Vec<RawNetworkInterface> =
                    self.items(path, key, value, "NetworkInterfaceId")?;
                let enis = raw
                    .into_iter()
                    .map(|r| r.into_model(path, "", None))
                    .collect::<Result<Vec<_>, _>>()?;
                push_all(&mut self.snap.network_interfaces, enis);
            }
            "Reservations" => self.add_reservations(path, value)?,
            "VpcPeeringConnections" => {
                let raw: Vec<RawPeering> =
                    self.items(path, key, value, "VpcPeeringConnectionId")?;
                push_all(
                    &mut self.snap.vpc_peering_connections,
                    raw.into_iter()
                        .map(|p| VpcPeeringConnection {
                            vpc_peering_connection_id: p.vpc_peering_connection_id,
                            status_code: p.status.code.into(),
                            requester_vpc_info: p.requester_vpc_info.into_model(),
                            accepter_vpc_info: p.accepter_vpc_info.into_model(),
                            tags: tags(p.tags),
                        })
                        .collect(),
                );
            }
            "InternetGateways" => {
                let raw: Vec<RawInternetGateway> =
                    self.items(path, key, value, "InternetGatewayId")?;
                push_all(
                    &mut self.snap.internet_gateways,
                    raw.into_iter()
                        .map(|g| InternetGateway {
                            internet_gateway_id: g.internet_gateway_id,
                            attachments: g
                                .attachments
                                .into_iter()
                                .flatten()
                                .map(|a| InternetGatewayAttachment {
                                    vpc_id: a.vpc_id,
                                    state: a.state,
                                })
                                .collect(),
                            tags: tags(g.tags),
                        })
                        .collect(),
                );
            }
            "NatGateways" => {
                let raw: Vec<RawNatGateway> = self.items(path, key, value, "NatGatewayId")?;
                push_all(
                    &mut self.snap.nat_gateways,
                    raw.into_iter()
                        .map(|n| NatGateway {
                            nat_gateway_id: n.nat_gateway_id,
                            vpc_id: n.vpc_id,
                            subnet_id: n.subnet_id,
                            state: n.state.into(),
                            connectivity_type: n.connectivity_type,
                            addresses: n
                                .nat_gateway_addresses
                                .into_iter()
                                .flatten()
                                .map(|a| NatGatewayAddress {
                                    network_interface_id: a.network_interface_id,
                                    private_ip: a.private_ip,
                                    public_ip: a.public_ip,
                                })
                                .collect(),
                            tags: tags(n.tags),
                        })
                        .collect(),
                );
            }
            "PrefixLists" => {
                let raw: Vec<RawPrefixList> = self.items(path, key, value, "PrefixListId")?;
                push_all(
                    &mut self.snap.prefix_lists,
                    raw.into_iter()
                        .map(|p| PrefixList {
                            prefix_list_id: p.prefix_list_id,
                            prefix_list_name: p.prefix_list_name.unwrap_or_default(),
                            cidrs: p.cidrs,
                        })
                        .collect(),
                );
            }
            "DBInstances" => {
                let raw: Vec<RawDbInstance> =
                    self.items(path, key, value, "DBInstanceIdentifier")?;
                push_all(
                    &mut self.snap.db_instances,
                    raw.into_iter().map(RawDbInstance::into_model).collect(),
                );
            }
            _ => unreachable!("KNOWN_KEYS and add_key agree"),
        }
        Ok(())
    }

    fn add_reservations(&mut self, path: &Path, value: &str) -> Result<(), ModelError> {
        let reservations: Vec<RawReservation> =
            self.items(path, "Reservations", value, "ReservationId")?;
        let mut instances = Vec::new();
        for (ri, r) in reservations.into_iter().enumerate() {
            for (ii, inst) in r.instances.into_iter().enumerate() {
                let label = resource_label(&inst, "InstanceId", "instance", ii);
                let prefix = format!("Reservations[{ri}].Instances[{ii}]");
                let raw: RawInstance = deserialize_field(path, &label, &prefix, inst)?;
                let mut eni_ids = Vec::new();
                for (ni, eni) in raw.network_interfaces.into_iter().flatten().enumerate() {
                    let eni_label =
                        resource_label(&eni, "NetworkInterfaceId", "network interface", ni);
                    let eni_prefix = format!("{prefix}.NetworkInterfaces[{ni}]");
                    let reni: RawNetworkInterface =
                        deserialize_field(path, &eni_label, &eni_prefix, eni)?;
                    if reni.subnet_id.is_none() {
                        continue; // EC2-Classic: not in a VPC
                    }
                    let m =
                        reni.into_model(path, &format!("{eni_prefix}."), Some(&raw.instance_id))?;
                    eni_ids.push(m.network_interface_id.clone());
                    self.embedded_enis.push(m);
                }
                instances.push(Instance {
                    instance_id: raw.instance_id,
                    state: raw.state.name.into(),
                    platform: raw.platform,
                    subnet_id: raw.subnet_id,
                    vpc_id: raw.vpc_id,
                    private_ip_address: raw.private_ip_address,
                    public_ip_address: raw.public_ip_address,
                    network_interface_ids: eni_ids,
                    tags: tags(raw.tags),
                });
            }
        }
        push_all(&mut self.snap.instances, instances);
        Ok(())
    }

    fn finish(mut self, root: &Path) -> Result<Imported, ModelError> {
        if self.recognised == 0 {
            return Err(ModelError::Format {
                path: root.to_path_buf(),
                message: format!(
                    "no aws describe-* output found: expected .json files whose top-level key is one of {}",
                    KNOWN_KEYS.join(", ")
                ),
            });
        }
        // Interfaces known only from DescribeInstances fill the gaps of DescribeNetworkInterfaces.
        if !self.embedded_enis.is_empty() {
            let known: HashSet<String> = self
                .snap
                .network_interfaces
                .iter()
                .flatten()
                .map(|e| e.network_interface_id.clone())
                .collect();
            let extra: Vec<_> = std::mem::take(&mut self.embedded_enis)
                .into_iter()
                .filter(|e| !known.contains(&e.network_interface_id))
                .collect();
            push_all(&mut self.snap.network_interfaces, extra);
        }
        // Instances list every ENI attached to them, including ones only DescribeNetworkInterfaces shows.
        if let Some(instances) = &mut self.snap.instances {
            for eni in self.snap.network_interfaces.iter().flatten() {
                let Some(iid) = eni.attachment.as_ref().and_then(|a| a.instance_id.as_ref()) else {
                    continue;
                };
                if let Some(inst) = instances.iter_mut().find(|i| &i.instance_id == iid) {
                    if !inst
                        .network_interface_ids
                        .contains(&eni.network_interface_id)
                    {
                        inst.network_interface_ids
                            .push(eni.network_interface_id.clone());
                    }
                }
            }
        }
        self.dedupe(root);
        self.snap.metadata.source = "aws-cli-json".to_string();
        self.snap.metadata.regions = self.regions.into_iter().collect();
        self.snap.metadata.account_ids = self.accounts.into_iter().collect();
        self.snap.metadata.tool_version = Some(env!("CARGO_PKG_VERSION").to_string());
        self.snap.validate(root)?;
        self.snap.sort();
        self.warnings.extend(self.snap.dangling_references());
        Ok(Imported {
            snapshot: self.snap,
            warnings: self.warnings,
        })
    }

    /// Keeps the first of several resources with one id, with a warning.
    fn dedupe(&mut self, root: &Path) {
        fn dd<T>(v: &mut Option<Vec<T>>, id: impl Fn(&T) -> &str, dups: &mut Vec<String>) {
            if let Some(v) = v {
                let mut seen = HashSet::new();
                v.retain(|x| {
                    let fresh = seen.insert(id(x).to_string());
                    if !fresh {
                        dups.push(id(x).to_string());
                    }
                    fresh
                });
            }
        }
        let mut dups = Vec::new();
        let s = &mut self.snap;
        dd(&mut s.vpcs, |x| &x.vpc_id, &mut dups);
        dd(&mut s.subnets, |x| &x.subnet_id, &mut dups);
        dd(&mut s.security_groups, |x| &x.group_id, &mut dups);
        dd(&mut s.network_acls, |x| &x.network_acl_id, &mut dups);
        dd(&mut s.route_tables, |x| &x.route_table_id, &mut dups);
        dd(
            &mut s.network_interfaces,
            |x| &x.network_interface_id,
            &mut dups,
        );
        dd(&mut s.instances, |x| &x.instance_id, &mut dups);
        dd(
            &mut s.vpc_peering_connections,
            |x| &x.vpc_peering_connection_id,
            &mut dups,
        );
        dd(
            &mut s.internet_gateways,
            |x| &x.internet_gateway_id,
            &mut dups,
        );
        dd(&mut s.nat_gateways, |x| &x.nat_gateway_id, &mut dups);
        dd(&mut s.prefix_lists, |x| &x.prefix_list_id, &mut dups);
        dd(
            &mut s.db_instances,
            |x| &x.db_instance_identifier,
            &mut dups,
        );
        for id in dups {
            self.warn(
                root,
                Some(id),
                "appears more than once in the input; the first copy is kept".to_string(),
            );
        }
    }
}
