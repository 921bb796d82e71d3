//! Gathers the resources of describe-* files, file by file, into one
//! snapshot: the table of top-level keys netpath reads, one generic path
//! that reads any of them, and the merge at the end (interfaces embedded in
//! `DescribeInstances`, duplicates, metadata, validation).

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::aws_cli::{
    AwsItem, RawInternetGateway, RawNatGateway, RawPeering, RawPrefixList, RawRouteTable,
    RawSubnet, RawVpc,
};
use super::aws_cli_hosts::{reservations, RawDbInstance, RawNetworkInterface, RawReservation};
use super::aws_cli_rules::{RawNetworkAcl, RawSecurityGroup};
use crate::error::{ModelError, Warning};
use crate::raw::{deserialize_raw, each_item, raw_value, RawObject};
use crate::resources::*;
use crate::snapshot::{Snapshot, SNAPSHOT_FORMAT};

/// What an import produced: the snapshot and every warning met on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// Warnings (unknown keys, duplicates, dangling references), one line each.
    pub warnings: Vec<Warning>,
}

/// One top-level key of describe-* output that netpath reads.
struct TopLevelKey {
    /// The key, e.g. `Vpcs`.
    key: &'static str,
    /// The id field of each item, naming it in errors (`VpcId`).
    id_field: &'static str,
    /// Its reader.
    add: AddFn,
}

/// Reads one top-level key's array (raw JSON text) into the accumulator;
/// the last argument is the region of the file's folder.
type AddFn =
    fn(&mut Accumulator, &Path, &TopLevelKey, &str, Option<&str>) -> Result<(), ModelError>;

/// How many top-level keys netpath reads.
const KEY_COUNT: usize = 12;

/// Every top-level key netpath reads, in the order the docs list them.
/// `Reservations` nests instances and their interfaces, so it has its own
/// reader; every other key goes through [`Accumulator::add_items`].
const TOP_LEVEL_KEYS: [TopLevelKey; KEY_COUNT] = [
    key("Vpcs", "VpcId", Accumulator::add_items::<RawVpc>),
    key("Subnets", "SubnetId", Accumulator::add_items::<RawSubnet>),
    key(
        "SecurityGroups",
        "GroupId",
        Accumulator::add_items::<RawSecurityGroup>,
    ),
    key(
        "NetworkAcls",
        "NetworkAclId",
        Accumulator::add_items::<RawNetworkAcl>,
    ),
    key(
        "RouteTables",
        "RouteTableId",
        Accumulator::add_items::<RawRouteTable>,
    ),
    key(
        "NetworkInterfaces",
        "NetworkInterfaceId",
        Accumulator::add_items::<RawNetworkInterface>,
    ),
    key(
        "Reservations",
        "ReservationId",
        Accumulator::add_reservations,
    ),
    key(
        "VpcPeeringConnections",
        "VpcPeeringConnectionId",
        Accumulator::add_items::<RawPeering>,
    ),
    key(
        "InternetGateways",
        "InternetGatewayId",
        Accumulator::add_items::<RawInternetGateway>,
    ),
    key(
        "NatGateways",
        "NatGatewayId",
        Accumulator::add_items::<RawNatGateway>,
    ),
    key(
        "PrefixLists",
        "PrefixListId",
        Accumulator::add_items::<RawPrefixList>,
    ),
    key(
        "DBInstances",
        "DBInstanceIdentifier",
        Accumulator::add_items::<RawDbInstance>,
    ),
];

const fn key(key: &'static str, id_field: &'static str, add: AddFn) -> TopLevelKey {
    TopLevelKey { key, id_field, add }
}

/// The keys of [`TOP_LEVEL_KEYS`], in its order.
pub(super) const KNOWN_KEYS: [&str; KEY_COUNT] = {
    let mut out = [""; KEY_COUNT];
    let mut i = 0;
    while i < KEY_COUNT {
        out[i] = TOP_LEVEL_KEYS[i].key;
        i += 1;
    }
    out
};

/// True when a top-level object is a netpath snapshot (`"format"`).
pub(super) fn is_snapshot(o: &RawObject<'_>) -> bool {
    o.get("format")
        .map(|r| raw_value(r))
        .as_ref()
        .and_then(Value::as_str)
        == Some(SNAPSHOT_FORMAT)
}

/// Gathers resources file by file, then merges them into one snapshot.
#[derive(Default)]
pub(super) struct Accumulator {
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

    /// Adds one file's top-level object (`None` when the top level is not an
    /// object, which is skipped with a warning); `region` is its folder's.
    pub(super) fn add_file(
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
            let Some(kind) = TOP_LEVEL_KEYS.iter().find(|k| k.key == key) else {
                if key != "NextToken" {
                    self.warn(path, None, format!("unknown top-level key `{key}` skipped"));
                }
                continue;
            };
            self.recognised += 1;
            (kind.add)(self, path, kind, value, region.as_deref())?;
        }
        Ok(())
    }

    /// The generic reader of a top-level key: every item of `value` as `R`,
    /// converted and added to `R`'s snapshot collection.
    fn add_items<R: AwsItem>(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        region: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<R> = self.items(path, kind.key, value, kind.id_field)?;
        let models = raw
            .into_iter()
            .map(|r| r.into_model(path, region))
            .collect::<Result<Vec<_>, _>>()?;
        push_all(R::slot(&mut self.snap), models);
        Ok(())
    }

    /// The reader of `Reservations`: instances, and the interfaces embedded
    /// in them for those `NetworkInterfaces` lacks.
    fn add_reservations(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        let raw: Vec<RawReservation> = self.items(path, kind.key, value, kind.id_field)?;
        let (instances, enis) = reservations(path, raw)?;
        self.embedded_enis.extend(enis);
        push_all(&mut self.snap.instances, instances);
        Ok(())
    }

    /// Merges what was gathered into the snapshot, validates it and adds the
    /// dangling-reference warnings. `root` names the input in messages.
    pub(super) fn finish(mut self, root: &Path) -> Result<Imported, ModelError> {
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
