//! Gathers the resources of describe-* files, file by file, into one
//! snapshot: the table of top-level keys netpath reads, one generic path
//! that reads any of them, and the merge at the end (interfaces embedded in
//! `DescribeInstances`, duplicates, metadata, validation).

use std::collections::BTreeSet;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::aws_cli::{
    AwsItem, RawEgressOnlyInternetGateway, RawInternetGateway, RawNatGateway, RawPeering,
    RawPrefixList, RawRouteTable, RawSubnet, RawVpc,
};
use super::aws_cli_elb::{
    RawLbAttributes, RawLoadBalancer, RawRule, RawTargetGroup, RawTargetGroupHealth,
    RawTgAttributes,
};
use super::aws_cli_endpoints::{RawServiceDetail, RawVpcEndpoint};
use super::aws_cli_hosts::{reservations, RawDbInstance, RawNetworkInterface, RawReservation};
use super::aws_cli_rules::{RawNetworkAcl, RawSecurityGroup};
use super::aws_cli_transit::{
    RawTgwAttachment, RawTgwPeeringAttachment, RawTgwPropagations, RawTgwRouteTable, RawTgwRoutes,
    RawTgwVpcAttachment, RawTransitGateway,
};
use super::aws_cli_vpn::{RawDxAssociation, RawOnPremNetwork, RawVpnConnection, RawVpnGateway};
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
pub(super) struct TopLevelKey {
    /// The key, e.g. `Vpcs`.
    pub(super) key: &'static str,
    /// The id field of each item, naming it in errors (`VpcId`).
    pub(super) id_field: &'static str,
    /// The read-only API call that produces it, as the engine names a
    /// collection gap (`ec2:DescribeVpcs`).
    pub(super) operation: &'static str,
    /// Its reader.
    add: AddFn,
}

/// Reads one top-level key's array (raw JSON text) into the accumulator;
/// the last argument is the region of the file's folder.
type AddFn =
    fn(&mut Accumulator, &Path, &TopLevelKey, &str, Option<&str>) -> Result<(), ModelError>;

/// How many top-level keys netpath reads.
const KEY_COUNT: usize = 35;

/// Every top-level key netpath reads, in the order the docs list them.
/// `Reservations` nests instances and their interfaces, so it has its own
/// reader; every other key goes through [`Accumulator::add_items`].
pub(super) const TOP_LEVEL_KEYS: [TopLevelKey; KEY_COUNT] = [
    key(
        "Vpcs",
        "ec2:DescribeVpcs",
        "VpcId",
        Accumulator::add_items::<RawVpc>,
    ),
    key(
        "Subnets",
        "ec2:DescribeSubnets",
        "SubnetId",
        Accumulator::add_items::<RawSubnet>,
    ),
    key(
        "SecurityGroups",
        "ec2:DescribeSecurityGroups",
        "GroupId",
        Accumulator::add_items::<RawSecurityGroup>,
    ),
    key(
        "NetworkAcls",
        "ec2:DescribeNetworkAcls",
        "NetworkAclId",
        Accumulator::add_items::<RawNetworkAcl>,
    ),
    key(
        "RouteTables",
        "ec2:DescribeRouteTables",
        "RouteTableId",
        Accumulator::add_items::<RawRouteTable>,
    ),
    key(
        "NetworkInterfaces",
        "ec2:DescribeNetworkInterfaces",
        "NetworkInterfaceId",
        Accumulator::add_items::<RawNetworkInterface>,
    ),
    key(
        "Reservations",
        "ec2:DescribeInstances",
        "ReservationId",
        Accumulator::add_reservations,
    ),
    key(
        "VpcPeeringConnections",
        "ec2:DescribeVpcPeeringConnections",
        "VpcPeeringConnectionId",
        Accumulator::add_items::<RawPeering>,
    ),
    key(
        "InternetGateways",
        "ec2:DescribeInternetGateways",
        "InternetGatewayId",
        Accumulator::add_items::<RawInternetGateway>,
    ),
    key(
        "EgressOnlyInternetGateways",
        "ec2:DescribeEgressOnlyInternetGateways",
        "EgressOnlyInternetGatewayId",
        Accumulator::add_items::<RawEgressOnlyInternetGateway>,
    ),
    key(
        "NatGateways",
        "ec2:DescribeNatGateways",
        "NatGatewayId",
        Accumulator::add_items::<RawNatGateway>,
    ),
    key(
        "PrefixLists",
        "ec2:DescribeManagedPrefixLists",
        "PrefixListId",
        Accumulator::add_items::<RawPrefixList>,
    ),
    key(
        "TransitGateways",
        "ec2:DescribeTransitGateways",
        "TransitGatewayId",
        Accumulator::add_items::<RawTransitGateway>,
    ),
    key(
        "TransitGatewayAttachments",
        "ec2:DescribeTransitGatewayAttachments",
        "TransitGatewayAttachmentId",
        Accumulator::add_items::<RawTgwAttachment>,
    ),
    key(
        "TransitGatewayVpcAttachments",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "TransitGatewayAttachmentId",
        Accumulator::add_items::<RawTgwVpcAttachment>,
    ),
    key(
        "TransitGatewayPeeringAttachments",
        "ec2:DescribeTransitGatewayPeeringAttachments",
        "TransitGatewayAttachmentId",
        Accumulator::add_items::<RawTgwPeeringAttachment>,
    ),
    key(
        "TransitGatewayRouteTables",
        "ec2:DescribeTransitGatewayRouteTables",
        "TransitGatewayRouteTableId",
        Accumulator::add_items::<RawTgwRouteTable>,
    ),
    key(
        "TransitGatewayStaticRoutes",
        "ec2:SearchTransitGatewayRoutes",
        "TransitGatewayRouteTableId",
        Accumulator::add_items::<RawTgwRoutes>,
    ),
    key(
        "TransitGatewayPropagations",
        "ec2:GetTransitGatewayRouteTablePropagations",
        "TransitGatewayRouteTableId",
        Accumulator::add_items::<RawTgwPropagations>,
    ),
    key(
        "VpnGateways",
        "ec2:DescribeVpnGateways",
        "VpnGatewayId",
        Accumulator::add_items::<RawVpnGateway>,
    ),
    key(
        "VpnConnections",
        "ec2:DescribeVpnConnections",
        "VpnConnectionId",
        Accumulator::add_items::<RawVpnConnection>,
    ),
    key(
        "directConnectGatewayAssociations",
        "directconnect:DescribeDirectConnectGatewayAssociations",
        "associationId",
        Accumulator::add_items::<RawDxAssociation>,
    ),
    key(
        "OnPremNetworks",
        "onprem.json (declared by the user)",
        "Name",
        Accumulator::add_items::<RawOnPremNetwork>,
    ),
    key(
        "VpcEndpoints",
        "ec2:DescribeVpcEndpoints",
        "VpcEndpointId",
        Accumulator::add_items::<RawVpcEndpoint>,
    ),
    key(
        "ServiceDetails",
        "ec2:DescribeVpcEndpointServices",
        "ServiceId",
        Accumulator::add_items::<RawServiceDetail>,
    ),
    key(
        "LoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancers",
        "LoadBalancerArn",
        Accumulator::add_items::<RawLoadBalancer>,
    ),
    key(
        "LoadBalancerListeners",
        "elasticloadbalancing:DescribeListeners",
        "LoadBalancerArn",
        Accumulator::add_listener_groups,
    ),
    key(
        "Listeners",
        "elasticloadbalancing:DescribeListeners",
        "ListenerArn",
        Accumulator::add_listeners,
    ),
    key(
        "Rules",
        "elasticloadbalancing:DescribeRules",
        "RuleArn",
        Accumulator::add_items::<RawRule>,
    ),
    key(
        "LoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "LoadBalancerArn",
        Accumulator::add_items::<RawLbAttributes>,
    ),
    key(
        "TargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "TargetGroupArn",
        Accumulator::add_items::<RawTgAttributes>,
    ),
    key(
        "TargetGroups",
        "elasticloadbalancing:DescribeTargetGroups",
        "TargetGroupArn",
        Accumulator::add_items::<RawTargetGroup>,
    ),
    key(
        "LoadBalancerTargetHealth",
        "elasticloadbalancing:DescribeTargetHealth",
        "TargetGroupArn",
        Accumulator::add_items::<RawTargetGroupHealth>,
    ),
    key(
        "DBInstances",
        "rds:DescribeDBInstances",
        "DBInstanceIdentifier",
        Accumulator::add_items::<RawDbInstance>,
    ),
    key(
        "Entries",
        "ec2:GetManagedPrefixListEntries",
        "Cidr",
        Accumulator::add_prefix_list_entries,
    ),
];

const fn key(
    key: &'static str,
    operation: &'static str,
    id_field: &'static str,
    add: AddFn,
) -> TopLevelKey {
    TopLevelKey {
        key,
        id_field,
        operation,
        add,
    }
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

/// The describe-* keys an account lists only of its own: security groups,
/// network interfaces, instances, network ACLs and route tables are never
/// shared (a shared VPC's participant sees neither the owner's groups nor
/// its network ACLs and route tables), while VPCs, subnets and transit
/// gateways may be (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html>,
/// <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html#tgw-sharing>).
const OWN_ONLY: &[&str] = &[
    "SecurityGroups",
    "NetworkInterfaces",
    "Reservations",
    "NetworkAcls",
    "RouteTables",
];

/// Gathers resources file by file, then merges them into one snapshot.
#[derive(Default)]
pub(super) struct Accumulator {
    pub(super) snap: Snapshot,
    /// Interfaces embedded in `Reservations`, used for those `NetworkInterfaces` lacks.
    pub(super) embedded_enis: Vec<NetworkInterface>,
    pub(super) warnings: Vec<Warning>,
    pub(super) regions: BTreeSet<String>,
    /// Every `OwnerId` met.
    pub(super) accounts: BTreeSet<String>,
    /// The `OwnerId`s of the kinds an account lists only of its own (see
    /// [`OWN_ONLY`]).
    pub(super) own_accounts: BTreeSet<String>,
    pub(super) recognised: usize,
    /// Every file read, in order; [`Accumulator::origins`] indexes it.
    pub(super) files: Vec<std::path::PathBuf>,
    /// Per top-level key, the file (index into `files`) of each item of its
    /// snapshot collection, in collection order, to name both files of a
    /// conflicting duplicate.
    pub(super) origins: std::collections::HashMap<&'static str, Vec<usize>>,
    /// Prefix-list entries read from `pl-….json` files
    /// (`get-managed-prefix-list-entries` output), by prefix list id.
    pub(super) prefix_list_entries: Vec<(String, Vec<ipnet::IpNet>)>,
}

pub(super) fn push_all<C: crate::Collection>(slot: &mut Option<C>, items: Vec<C::Item>) {
    slot.get_or_insert_with(C::default)
        .items_mut()
        .extend(items);
}

impl Accumulator {
    pub(super) fn warn(&mut self, file: &Path, resource: Option<String>, message: String) {
        self.warnings.push(Warning {
            file: Some(file.to_path_buf()),
            resource,
            message,
            skipped_key: None,
        });
    }

    /// Deserializes every element of the array `value` (the content of `key`).
    pub(super) fn items<R: DeserializeOwned>(
        &mut self,
        path: &Path,
        key: &str,
        value: &str,
        id_field: &str,
    ) -> Result<Vec<R>, ModelError> {
        let mut out = Vec::new();
        let accounts = &mut self.accounts;
        let own_accounts = &mut self.own_accounts;
        let own_only = OWN_ONLY.contains(&key);
        #[derive(Deserialize)]
        struct Owner {
            #[serde(rename = "OwnerId")]
            owner_id: Option<String>,
        }
        let done = each_item(value, |i, raw| {
            // One resource at a time, straight from its text, so memory
            // stays near the file's size.
            if let Ok(Owner { owner_id: Some(o) }) = serde_json::from_str::<Owner>(raw) {
                if own_only {
                    own_accounts.insert(o.clone());
                }
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
        self.files.push(path.to_path_buf());
        let mut read: Vec<&'static TopLevelKey> = Vec::new();
        let mut truncated = false;
        for (key, value) in obj {
            let Some(kind) = TOP_LEVEL_KEYS.iter().find(|k| k.key == key) else {
                if key == "NextToken" {
                    // A page of a paginated answer: `NextToken` is set (not null, not "").
                    truncated |= !matches!(raw_value(value), Value::Null)
                        && raw_value(value).as_str() != Some("");
                } else if key == "ServiceNames" {
                    // describe-vpc-endpoint-services lists the names again
                    // beside `ServiceDetails`, which netpath reads.
                } else {
                    self.warnings.push(Warning {
                        file: Some(path.to_path_buf()),
                        resource: None,
                        message: format!("unknown top-level key `{key}` skipped"),
                        skipped_key: Some(key.clone()),
                    });
                }
                continue;
            };
            self.recognised += 1;
            read.push(kind);
            (kind.add)(self, path, kind, value, region.as_deref())?;
        }
        if truncated {
            // One page is not the whole answer: every layer that needs the
            // resource type is unknown, through the same collection gap a
            // failed live call leaves.
            for kind in read {
                self.warn(
                    path,
                    None,
                    format!(
                        "holds one page of {} (NextToken is set): the other pages are missing, so answers that need {} are unknown; save the whole answer (the AWS CLI paginates unless --max-items or --no-paginate is given)",
                        kind.key, kind.key
                    ),
                );
                self.snap.metadata.gaps.push(crate::snapshot::Gap {
                    account_id: None,
                    operation: kind.operation.to_string(),
                    region: region.clone(),
                    error: format!(
                        "incomplete: {} holds one page and still has a NextToken",
                        path.display()
                    ),
                    resource: None,
                });
            }
        }
        Ok(())
    }

    /// Records that the next `n` items of `key`'s collection come from the
    /// file being read (the last of `files`), for naming duplicates.
    pub(super) fn record_origins(&mut self, key: &'static str, n: usize) {
        let file = self.files.len().saturating_sub(1);
        self.origins
            .entry(key)
            .or_default()
            .extend(std::iter::repeat_n(file, n));
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
        self.record_origins(kind.key, models.len());
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
        self.record_origins(kind.key, instances.len());
        push_all(&mut self.snap.instances, instances);
        Ok(())
    }

    /// The reader of `Entries`, the output of `aws ec2
    /// get-managed-prefix-list-entries --prefix-list-id pl-x --output json`
    /// saved as `pl-x.json` (anywhere, or under a `prefix-list-entries/`
    /// folder): the file name names the prefix list, since the output does
    /// not. Source: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetManagedPrefixListEntries.html>.
    fn add_prefix_list_entries(
        &mut self,
        path: &Path,
        kind: &TopLevelKey,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), ModelError> {
        #[derive(Deserialize)]
        struct RawEntry {
            #[serde(rename = "Cidr")]
            cidr: ipnet::IpNet,
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if !stem.starts_with("pl-") {
            self.warn(
                path,
                None,
                "skipped: an `Entries` file is read as get-managed-prefix-list-entries output only when it is named after its prefix list (pl-0123456789abcdef0.json)".to_string(),
            );
            return Ok(());
        }
        let raw: Vec<RawEntry> = self.items(path, kind.key, value, kind.id_field)?;
        self.prefix_list_entries
            .push((stem, raw.into_iter().map(|e| e.cidr.trunc()).collect()));
        Ok(())
    }
}
