//! The lab's own lookups into a snapshot, built from the snapshot alone (never
//! from the engine's `Topology`, so that a bug in the engine's indexes cannot
//! be rebuilt in the kernel world and go unnoticed).

use std::collections::HashMap;

use netpath_model::{Instance, NetworkInterface, PrefixList, SecurityGroup, Snapshot, Subnet};

/// Positions and by-id maps over one snapshot.
///
/// VPCs and subnets are numbered in snapshot order: VPC `v` is built as
/// router namespace `<tag>r<v>`, subnet `i` as bridge `b<i>` in its VPC's
/// router. A repeated id keeps the last entry with that id.
pub(super) struct SnapshotIndex<'a> {
    /// VPC ids, in snapshot order.
    pub vpcs: Vec<&'a str>,
    /// VPC id to its position in `vpcs`.
    pub vpc_index: HashMap<&'a str, usize>,
    /// Subnets, in snapshot order.
    pub subnets: Vec<&'a Subnet>,
    /// Subnet id to its position in `subnets`.
    pub subnet_index: HashMap<&'a str, usize>,
    security_groups: HashMap<&'a str, &'a SecurityGroup>,
    prefix_lists: HashMap<&'a str, &'a PrefixList>,
    instances: HashMap<&'a str, &'a Instance>,
}

impl<'a> SnapshotIndex<'a> {
    /// Indexes `snap`; absent collections index as empty.
    pub fn new(snap: &'a Snapshot) -> SnapshotIndex<'a> {
        let vpcs: Vec<&str> = snap
            .vpcs
            .iter()
            .flatten()
            .map(|v| v.vpc_id.as_str())
            .collect();
        let vpc_index = vpcs.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let subnets: Vec<&Subnet> = snap.subnets.iter().flatten().collect();
        let subnet_index = subnets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.subnet_id.as_str(), i))
            .collect();
        SnapshotIndex {
            vpcs,
            vpc_index,
            subnets,
            subnet_index,
            security_groups: snap
                .security_groups
                .iter()
                .flatten()
                .map(|g| (g.group_id.as_str(), g))
                .collect(),
            prefix_lists: snap
                .prefix_lists
                .iter()
                .flatten()
                .map(|p| (p.prefix_list_id.as_str(), p))
                .collect(),
            instances: snap
                .instances
                .iter()
                .flatten()
                .map(|i| (i.instance_id.as_str(), i))
                .collect(),
        }
    }

    /// A security group by `GroupId`.
    pub fn security_group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.security_groups.get(id).copied()
    }

    /// A managed prefix list by `PrefixListId`.
    pub fn prefix_list(&self, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists.get(id).copied()
    }

    /// The EC2 instance an ENI is attached to (`Attachment.InstanceId`), when
    /// that instance is in the snapshot.
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterfaceAttachment.html>
    pub fn instance_of(&self, eni: &NetworkInterface) -> Option<&'a Instance> {
        let id = eni.attachment.as_ref()?.instance_id.as_deref()?;
        self.instances.get(id).copied()
    }
}
