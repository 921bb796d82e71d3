//! Accounts and regions in one snapshot (format version 2): each
//! [`Partition`] names one account and region, when and how it was read, and
//! the ids of the resources read there; [`merge`] combines snapshots
//! collected separately (per account, by different teams or jobs, at
//! different times) into one; [`migrate_v1`] gives a version 1 file its
//! partition on read.
//!
//! Resource ids are unique across accounts and regions for every kind
//! netpath reads, except AWS-managed prefix lists (the same `pl-…` in every
//! account of a region) and resources a VPC owner shares with participants
//! (a shared VPC's subnets and the VPC itself are listed by every
//! participant: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html>).
//! Merge keeps one copy of a resource listed identically by several inputs,
//! and records a `conflict` gap for a resource whose copies differ, which
//! the engine answers `unknown` for, naming it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::metadata::{Gap, Metadata, Partition};
use crate::snapshot::Snapshot;
use crate::{Collection, CompactString};

/// Calls `$m!(field, operation, |x| id)` for every resource collection
/// of a snapshot, `operation` being the IAM action that reads it (the name
/// the engine looks gaps up by).
macro_rules! for_each_collection {
    ($m:ident) => {
        $m!(vpcs, "ec2:DescribeVpcs", |x| &x.vpc_id);
        $m!(subnets, "ec2:DescribeSubnets", |x| &x.subnet_id);
        $m!(security_groups, "ec2:DescribeSecurityGroups", |x| &x
            .group_id);
        $m!(network_acls, "ec2:DescribeNetworkAcls", |x| &x
            .network_acl_id);
        $m!(route_tables, "ec2:DescribeRouteTables", |x| &x
            .route_table_id);
        $m!(network_interfaces, "ec2:DescribeNetworkInterfaces", |x| &x
            .network_interface_id);
        $m!(instances, "ec2:DescribeInstances", |x| &x.instance_id);
        $m!(
            vpc_peering_connections,
            "ec2:DescribeVpcPeeringConnections",
            |x| &x.vpc_peering_connection_id
        );
        $m!(internet_gateways, "ec2:DescribeInternetGateways", |x| &x
            .internet_gateway_id);
        $m!(
            egress_only_internet_gateways,
            "ec2:DescribeEgressOnlyInternetGateways",
            |x| &x.egress_only_internet_gateway_id
        );
        $m!(nat_gateways, "ec2:DescribeNatGateways", |x| &x
            .nat_gateway_id);
        $m!(prefix_lists, "ec2:DescribeManagedPrefixLists", |x| &x
            .prefix_list_id);
        $m!(db_instances, "rds:DescribeDBInstances", |x| &x
            .db_instance_identifier);
        $m!(transit_gateways, "ec2:DescribeTransitGateways", |x| &x
            .transit_gateway_id);
        $m!(
            transit_gateway_attachments,
            "ec2:DescribeTransitGatewayAttachments",
            |x| &x.transit_gateway_attachment_id
        );
        $m!(
            transit_gateway_vpc_attachments,
            "ec2:DescribeTransitGatewayVpcAttachments",
            |x| &x.transit_gateway_attachment_id
        );
        $m!(
            transit_gateway_peering_attachments,
            "ec2:DescribeTransitGatewayPeeringAttachments",
            |x| &x.transit_gateway_attachment_id
        );
        $m!(
            transit_gateway_route_tables,
            "ec2:DescribeTransitGatewayRouteTables",
            |x| &x.transit_gateway_route_table_id
        );
        $m!(
            transit_gateway_routes,
            "ec2:SearchTransitGatewayRoutes",
            |x| &x.transit_gateway_route_table_id
        );
        $m!(
            transit_gateway_propagations,
            "ec2:GetTransitGatewayRouteTablePropagations",
            |x| &x.transit_gateway_route_table_id
        );
        $m!(vpn_gateways, "ec2:DescribeVpnGateways", |x| &x
            .vpn_gateway_id);
        $m!(vpn_connections, "ec2:DescribeVpnConnections", |x| &x
            .vpn_connection_id);
        $m!(
            direct_connect_gateway_associations,
            "directconnect:DescribeDirectConnectGatewayAssociations",
            |x| &x.association_id
        );
        $m!(vpc_endpoints, "ec2:DescribeVpcEndpoints", |x| &x
            .vpc_endpoint_id);
        $m!(
            vpc_endpoint_services,
            "ec2:DescribeVpcEndpointServices",
            |x| &x.service_id
        );
        $m!(
            load_balancers,
            "elasticloadbalancing:DescribeLoadBalancers",
            |x| &x.load_balancer_arn
        );
        $m!(
            load_balancer_listeners,
            "elasticloadbalancing:DescribeListeners",
            |x| &x.listener_arn
        );
        $m!(
            load_balancer_rules,
            "elasticloadbalancing:DescribeRules",
            |x| &x.rule_arn
        );
        $m!(
            load_balancer_attributes,
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            |x| &x.load_balancer_arn
        );
        $m!(
            target_groups,
            "elasticloadbalancing:DescribeTargetGroups",
            |x| &x.target_group_arn
        );
        $m!(
            target_group_attributes,
            "elasticloadbalancing:DescribeTargetGroupAttributes",
            |x| &x.target_group_arn
        );
        $m!(
            target_health,
            "elasticloadbalancing:DescribeTargetHealth",
            |x| &x.target_group_arn
        );
    };
}

fn ids_of<C: Collection>(
    v: &Option<C>,
    id: impl Fn(&C::Item) -> &str,
    out: &mut BTreeSet<CompactString>,
) {
    if let Some(v) = v {
        out.extend(v.iter().map(|x| CompactString::from(id(x))));
    }
}

/// A resource's JSON without its tags: tags are per account (a shared
/// subnet's participant does not see the owner's tags), so two copies that
/// differ only there are one resource.
fn untagged<T: Serialize>(x: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(x).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("tags");
    }
    v
}

fn tagless<T: Serialize>(x: &T) -> bool {
    untagged(x) == serde_json::to_value(x).unwrap_or(serde_json::Value::Null)
}

/// What [`merge`] counts and records as it goes.
#[derive(Default)]
struct Tally {
    shared: usize,
    conflicts: usize,
    gaps: Vec<Gap>,
}

/// Adds `items` (from input `name`) to `slot`, one copy per id; `at` is
/// the position of each id in `slot`, kept across inputs.
fn merge_into<C: Collection>(
    slot: &mut Option<C>,
    at: &mut HashMap<String, usize>,
    items: Vec<C::Item>,
    id: impl Fn(&C::Item) -> &str,
    field: &str,
    name: &str,
    tally: &mut Tally,
) where
    C::Item: PartialEq + Serialize,
{
    let slot = slot.get_or_insert_with(C::default).items_mut();
    for x in items {
        let key = id(&x).to_string();
        match at.get(&key) {
            None => {
                at.insert(key, slot.len());
                slot.push(x);
            }
            Some(&k) if slot[k] == x => tally.shared += 1,
            Some(&k) if untagged(&slot[k]) == untagged(&x) => {
                tally.shared += 1;
                // Keep the copy that carries tags (the owner's).
                if tagless(&slot[k]) {
                    slot[k] = x;
                }
            }
            Some(_) => {
                tally.conflicts += 1;
                tally.gaps.push(Gap {
                    operation: "netpath:merge".into(),
                    account_id: None,
                    region: None,
                    error: format!(
                        "conflict: {name} has a different copy of {key} (in {field}) than an earlier input; collect them again at one time, or drop the stale file"
                    ),
                    resource: Some(key),
                });
            }
        }
    }
}

impl Snapshot {
    /// True when account `account` was read into this snapshot: one of its
    /// partitions, or, in a snapshot without partitions, its only account.
    /// A resource another account owns (a shared VPC or transit gateway)
    /// can be in a snapshot whose owner's account was not read; what only
    /// the owner lists (its route tables, its network ACLs) is then
    /// missing, not empty.
    pub fn account_read(&self, account: &str) -> bool {
        let md = &self.metadata;
        md.partitions.iter().any(|p| p.account_id == account)
            || (md.partitions.is_empty()
                && md.account_ids.len() == 1
                && md.account_ids[0] == account)
    }

    /// The id of every resource in the snapshot (declared on-premises
    /// networks excluded: they are not read from an account), sorted and
    /// without repeats.
    pub fn resource_ids(&self) -> Vec<CompactString> {
        let mut out: BTreeSet<CompactString> = BTreeSet::new();
        macro_rules! ids {
            ($f:ident, $op:expr, $id:expr) => {
                ids_of(&self.$f, $id, &mut out);
            };
        }
        for_each_collection!(ids);
        out.into_iter().collect()
    }

    /// Records this snapshot as read from one account and region: one
    /// [`Partition`] holding every resource id, and `account_id` on every
    /// gap that names none. Replaces any partitions already recorded.
    pub fn tag_partition(&mut self, partition: Partition) {
        let resources = self.resource_ids();
        let account = (!partition.account_id.is_empty()).then(|| partition.account_id.clone());
        for g in &mut self.metadata.gaps {
            if g.account_id.is_none() {
                g.account_id = account.clone();
            }
        }
        self.metadata.partitions = vec![Partition {
            resources,
            ..partition
        }];
    }
}

/// Gives a version 1 snapshot (one account, no partitions) its partitions:
/// one per region listed, when the file names exactly one account. With one
/// region every resource is tagged with it; with several, the resources
/// stay untagged (a version 1 file does not say which region each came
/// from). A file naming several accounts or none gets no partition.
pub fn migrate_v1(snap: &mut Snapshot) {
    let md = &snap.metadata;
    if !md.partitions.is_empty() || md.account_ids.len() != 1 {
        return;
    }
    let account_id = md.account_ids[0].clone();
    let base = Partition {
        account_id,
        region: None,
        collected_at: md.collected_at.clone(),
        source: md.source.clone(),
        role_arn: None,
        resources: Vec::new(),
    };
    match md.regions.as_slice() {
        [] => snap.tag_partition(base),
        [one] => {
            let region = Some(one.clone());
            snap.tag_partition(Partition { region, ..base });
        }
        many => {
            snap.metadata.partitions = many
                .iter()
                .map(|r| Partition {
                    region: Some(r.clone()),
                    ..base.clone()
                })
                .collect();
        }
    }
}

/// The result of [`merge`]: the combined snapshot and what the merge found.
#[derive(Debug, Clone)]
pub struct Merged {
    /// Every input's resources, one copy each, with every input's partitions
    /// and gaps, and the gaps the merge itself found.
    pub snapshot: Snapshot,
    /// Resources listed by more than one input with the same content (kept
    /// once): shared-VPC subnets, managed prefix lists, both sides of a
    /// peering.
    pub shared: usize,
    /// Resources whose copies differ between inputs (the first input's copy
    /// is kept, and a `conflict` gap names it).
    pub conflicts: usize,
}

/// Combines snapshots read separately into one.
///
/// Input: `(name, snapshot)` pairs, the name (a file path) used in the gaps
/// the merge records. Output: [`Merged`].
///
/// - **Resources**: one copy of each id per collection; identical copies are
///   one resource, differing copies keep the first input's and record a gap
///   `{operation: "netpath:merge", error: "conflict: …", resource: id}`, so
///   the engine answers `unknown` for paths through it.
/// - **Missing collections**: a collection some inputs have and another
///   input lacks becomes a gap for that input's accounts (its
///   `DescribeX` output is missing), never an empty list for them.
/// - **Metadata**: source `merge`; regions, accounts and operations
///   unioned; every input's gaps and partitions kept (an input without
///   partitions gets one from its metadata, as in [`migrate_v1`]);
///   `collected_at` is the oldest input's, each partition keeping its own.
pub fn merge(inputs: Vec<(String, Snapshot)>) -> Merged {
    let mut out = Snapshot::default();
    let mut tally = Tally::default();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut operation_of: HashMap<&'static str, &'static str> = HashMap::new();
    // Per collection, where each id already merged stands.
    let mut positions: HashMap<&'static str, HashMap<String, usize>> = HashMap::new();
    let mut md = Metadata {
        source: "merge".into(),
        tool_version: Some(env!("CARGO_PKG_VERSION").into()),
        ..Metadata::default()
    };
    let mut regions: BTreeSet<String> = BTreeSet::new();
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    let mut operations: BTreeSet<String> = BTreeSet::new();
    // Which inputs hold each collection, to find the ones that lack it.
    let mut holders: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
    let mut input_accounts: Vec<(String, Vec<String>)> = Vec::new();
    // The operations each input already records as failed.
    let mut failed: Vec<BTreeSet<String>> = Vec::new();
    let mut onprem = Vec::new();
    for (i, (name, mut snap)) in inputs.into_iter().enumerate() {
        if snap.metadata.partitions.is_empty() {
            migrate_v1(&mut snap);
        }
        let m = std::mem::take(&mut snap.metadata);
        regions.extend(m.regions.iter().cloned());
        accounts.extend(m.account_ids.iter().cloned());
        operations.extend(m.operations.iter().cloned());
        if let Some(t) = &m.collected_at {
            if md.collected_at.as_ref().is_none_or(|c| t < c) {
                md.collected_at = Some(t.clone());
            }
        }
        let only_account = (m.account_ids.len() == 1).then(|| m.account_ids[0].clone());
        failed.push(m.gaps.iter().map(|g| g.operation.clone()).collect());
        for mut g in m.gaps {
            if g.account_id.is_none() {
                g.account_id = only_account.clone();
            }
            if !gaps.contains(&g) {
                gaps.push(g);
            }
        }
        md.partitions.extend(m.partitions);
        input_accounts.push((name.clone(), m.account_ids));
        if let Some(o) = snap.onprem_networks.take() {
            onprem.push(o);
        }
        macro_rules! take {
            ($f:ident, $op:expr, $id:expr) => {
                if let Some(items) = snap.$f.take() {
                    holders.entry(stringify!($f)).or_default().push(i);
                    let at = positions.entry(stringify!($f)).or_default();
                    merge_into(
                        &mut out.$f,
                        at,
                        items.into_items(),
                        $id,
                        stringify!($f),
                        &name,
                        &mut tally,
                    );
                }
                operation_of.insert(stringify!($f), $op);
            };
        }
        for_each_collection!(take);
    }
    // An input that lacks a collection others have: its accounts' data of
    // that kind is missing, not empty.
    for (field, held) in &holders {
        for (i, (name, accts)) in input_accounts.iter().enumerate() {
            let op = operation_of.get(field).copied().unwrap_or(field);
            if held.contains(&i) || failed[i].contains(op) || failed[i].contains("*") {
                continue;
            }
            let error =
                format!("{name} has no {field}: that input's resources of this kind are missing");
            let op = op.to_string();
            if accts.is_empty() {
                gaps.push(Gap {
                    operation: op,
                    account_id: None,
                    region: None,
                    error,
                    resource: None,
                });
            } else {
                for a in accts {
                    gaps.push(Gap {
                        operation: op.clone(),
                        account_id: Some(a.clone()),
                        region: None,
                        error: error.clone(),
                        resource: None,
                    });
                }
            }
        }
    }
    for list in onprem {
        for o in list {
            out.declare_onprem(o);
        }
    }
    md.regions = regions.into_iter().collect();
    md.account_ids = accounts.into_iter().collect();
    md.operations = operations.into_iter().collect();
    gaps.extend(tally.gaps);
    md.gaps = gaps;
    md.partitions.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.collected_at).cmp(&(
            &b.account_id,
            &b.region,
            &b.collected_at,
        ))
    });
    // The same collection given twice is one partition.
    md.partitions.dedup();
    out.metadata = md;
    out.sort();
    Merged {
        snapshot: out,
        shared: tally.shared,
        conflicts: tally.conflicts,
    }
}
