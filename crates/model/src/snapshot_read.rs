//! Reading a snapshot file: the typed one-pass fast path
//! (`snapshot_file.rs`) first, else the general path here, whose errors
//! name the file, line and column or the resource id and field. A version 1
//! file is migrated on read ([`crate::partition::migrate_v1`]).

use std::path::Path;

use serde_json::Value;

use crate::error::ModelError;
use crate::metadata::Metadata;
use crate::raw::{collection, deserialize_field, parse_object, raw_value, RawObject};
use crate::snapshot::{version_readable, Snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};

impl Snapshot {
    /// Parses a snapshot file's bytes. `path` is used only in error messages.
    ///
    /// Errors: [`ModelError::Json`] for malformed JSON (with line and column),
    /// [`ModelError::Format`] for a wrong `format` or unsupported `version`,
    /// [`ModelError::Field`] naming the resource id and field for a missing or
    /// invalid field.
    pub fn from_json_bytes(path: &Path, bytes: &[u8]) -> Result<Snapshot, ModelError> {
        if let Some(snap) = Snapshot::from_json_bytes_fast(path, bytes)? {
            return Ok(snap);
        }
        match parse_object(path, bytes)? {
            Some(obj) => Snapshot::from_raw(path, obj),
            None => Err(format_err(path, "a netpath snapshot is a JSON object")),
        }
    }

    /// Like [`Snapshot::from_json_bytes`], from an already parsed JSON value.
    pub fn from_value(path: &Path, value: Value) -> Result<Snapshot, ModelError> {
        // Serializing a `Value` cannot fail.
        let bytes = serde_json::to_vec(&value).expect("a JSON value serializes");
        Snapshot::from_json_bytes(path, &bytes)
    }

    /// The general path: the top-level object with its members still as
    /// raw text, so that memory stays near the file's size whatever it
    /// holds; each resource is parsed on its own, and an error names it.
    pub(crate) fn from_raw(path: &Path, mut obj: RawObject<'_>) -> Result<Snapshot, ModelError> {
        let text = |obj: &RawObject, k: &str| -> Option<Value> {
            obj.get(k).and_then(|r| serde_json::from_str(r).ok())
        };
        match text(&obj, "format").as_ref().and_then(Value::as_str) {
            Some(SNAPSHOT_FORMAT) => {}
            _ => {
                return Err(format_err(
                    path,
                    "not a netpath snapshot (no \"format\": \"netpath-snapshot\"); \
                     pass a folder of aws describe-* JSON instead, or create a snapshot with `netpath import`",
                ))
            }
        }
        let version = text(&obj, "version").as_ref().and_then(Value::as_u64);
        match version {
            Some(v) if version_readable(v) => {}
            other => {
                return Err(format_err(
                    path,
                    &format!(
                        "snapshot version {} is not supported by this netpath (it reads versions 1 and {SNAPSHOT_VERSION}); upgrade netpath or re-import",
                        other.map_or("(missing)".to_string(), |v| v.to_string())
                    ),
                ))
            }
        }
        let metadata = match obj.remove("metadata") {
            Some(v) => deserialize_field(path, "metadata", "metadata", raw_value(v))?,
            None => Metadata::default(),
        };
        let mut snap = Snapshot {
            metadata,
            ..Snapshot::default()
        };
        snap.vpcs = collection(path, &mut obj, "vpcs", "vpc_id")?;
        snap.subnets = collection(path, &mut obj, "subnets", "subnet_id")?;
        snap.security_groups = collection(path, &mut obj, "security_groups", "group_id")?;
        snap.network_acls = collection(path, &mut obj, "network_acls", "network_acl_id")?;
        snap.route_tables = collection(path, &mut obj, "route_tables", "route_table_id")?;
        snap.network_interfaces =
            collection(path, &mut obj, "network_interfaces", "network_interface_id")?
                .map(Into::into);
        snap.instances = collection(path, &mut obj, "instances", "instance_id")?.map(Into::into);
        snap.vpc_peering_connections = collection(
            path,
            &mut obj,
            "vpc_peering_connections",
            "vpc_peering_connection_id",
        )?;
        snap.internet_gateways =
            collection(path, &mut obj, "internet_gateways", "internet_gateway_id")?;
        snap.egress_only_internet_gateways = collection(
            path,
            &mut obj,
            "egress_only_internet_gateways",
            "egress_only_internet_gateway_id",
        )?;
        snap.nat_gateways = collection(path, &mut obj, "nat_gateways", "nat_gateway_id")?;
        snap.prefix_lists = collection(path, &mut obj, "prefix_lists", "prefix_list_id")?;
        snap.db_instances = collection(path, &mut obj, "db_instances", "db_instance_identifier")?;
        snap.transit_gateways =
            collection(path, &mut obj, "transit_gateways", "transit_gateway_id")?;
        snap.transit_gateway_attachments = collection(
            path,
            &mut obj,
            "transit_gateway_attachments",
            "transit_gateway_attachment_id",
        )?;
        snap.transit_gateway_vpc_attachments = collection(
            path,
            &mut obj,
            "transit_gateway_vpc_attachments",
            "transit_gateway_attachment_id",
        )?;
        snap.transit_gateway_peering_attachments = collection(
            path,
            &mut obj,
            "transit_gateway_peering_attachments",
            "transit_gateway_attachment_id",
        )?;
        snap.transit_gateway_route_tables = collection(
            path,
            &mut obj,
            "transit_gateway_route_tables",
            "transit_gateway_route_table_id",
        )?;
        snap.transit_gateway_routes = collection(
            path,
            &mut obj,
            "transit_gateway_routes",
            "transit_gateway_route_table_id",
        )?;
        snap.transit_gateway_propagations = collection(
            path,
            &mut obj,
            "transit_gateway_propagations",
            "transit_gateway_route_table_id",
        )?;
        snap.vpn_gateways = collection(path, &mut obj, "vpn_gateways", "vpn_gateway_id")?;
        snap.vpn_connections = collection(path, &mut obj, "vpn_connections", "vpn_connection_id")?;
        snap.direct_connect_gateway_associations = collection(
            path,
            &mut obj,
            "direct_connect_gateway_associations",
            "association_id",
        )?;
        snap.onprem_networks = collection(path, &mut obj, "onprem_networks", "name")?;
        snap.vpc_endpoints = collection(path, &mut obj, "vpc_endpoints", "vpc_endpoint_id")?;
        snap.vpc_endpoint_services =
            collection(path, &mut obj, "vpc_endpoint_services", "service_id")?;
        snap.load_balancers = collection(path, &mut obj, "load_balancers", "load_balancer_arn")?;
        snap.load_balancer_listeners =
            collection(path, &mut obj, "load_balancer_listeners", "listener_arn")?;
        snap.load_balancer_rules = collection(path, &mut obj, "load_balancer_rules", "rule_arn")?;
        snap.load_balancer_attributes = collection(
            path,
            &mut obj,
            "load_balancer_attributes",
            "load_balancer_arn",
        )?;
        snap.target_groups = collection(path, &mut obj, "target_groups", "target_group_arn")?;
        snap.target_health = collection(path, &mut obj, "target_health", "target_group_arn")?;
        snap.target_group_attributes = collection(
            path,
            &mut obj,
            "target_group_attributes",
            "target_group_arn",
        )?;
        snap.validate(path)?;
        if version == Some(1) {
            crate::partition::migrate_v1(&mut snap);
        }
        Ok(snap)
    }

    /// Reads a snapshot file from disk. Errors as [`Snapshot::from_json_bytes`],
    /// plus [`ModelError::Io`].
    pub fn read(path: &Path) -> Result<Snapshot, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Snapshot::from_json_bytes(path, &bytes)
    }
}

fn format_err(path: &Path, message: &str) -> ModelError {
    ModelError::Format {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}
