//! The host indexes of a [`super::Topology`]: network interfaces and
//! instances by id, address, group and name. They depend on a snapshot's
//! network interfaces and instances alone, so a topology of a copy that
//! still shares those two collections with the original
//! ([`netpath_model::Shared::ptr_eq`]) reuses them
//! ([`super::Topology::patched`]) instead of indexing 100,000 ENIs again.

use std::collections::HashMap;
use std::net::IpAddr;

use netpath_model::*;

use crate::index::{IdIndex, SortedIndex};

/// ENIs by address.
type AddrIndex<'a> = SortedIndex<IpAddr, &'a NetworkInterface>;

/// Every index built from a snapshot's network interfaces and instances.
pub(super) struct Hosts<'a> {
    pub(super) enis: IdIndex<'a, NetworkInterface>,
    pub(super) enis_by_ip: AddrIndex<'a>,
    pub(super) enis_by_public_ip: AddrIndex<'a>,
    pub(super) group_members: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    pub(super) rds_enis: Vec<&'a NetworkInterface>,
    pub(super) instances: IdIndex<'a, Instance>,
    pub(super) instances_by_name: SortedIndex<&'a str, &'a Instance>,
    pub(super) enis_by_name: SortedIndex<&'a str, &'a NetworkInterface>,
    /// ENIs without a primary private IPv4 address (IPv6-only subnets).
    pub(super) without_ipv4: Vec<&'a NetworkInterface>,
}

impl<'a> Hosts<'a> {
    /// Indexes `snapshot`'s network interfaces and instances. Instances by
    /// id and by name, and ENIs by name, are built on another core
    /// meanwhile: at a million ENIs they are a third of the indexing.
    pub(super) fn new(snapshot: &'a Snapshot) -> Hosts<'a> {
        let enis_list = snapshot.network_interfaces.as_deref().unwrap_or_default();
        std::thread::scope(|sc| {
            let by_name = sc.spawn(|| {
                (
                    IdIndex::new(&snapshot.instances, |i| i.instance_id.as_str()),
                    SortedIndex::new(
                        snapshot
                            .instances
                            .iter()
                            .flatten()
                            .filter_map(|i| Some((i.tags.get("Name")?, i)))
                            .collect(),
                    ),
                    SortedIndex::new(
                        enis_list
                            .iter()
                            .filter_map(|e| Some((e.tags.get("Name")?, e)))
                            .collect(),
                    ),
                )
            });
            let mut enis_by_ip: Vec<(IpAddr, &NetworkInterface)> = Vec::new();
            let mut enis_by_public_ip: Vec<(IpAddr, &NetworkInterface)> = Vec::new();
            let mut group_members: HashMap<&str, Vec<&NetworkInterface>> = HashMap::new();
            for eni in enis_list {
                for p in &eni.private_ip_addresses {
                    enis_by_ip.push((p.private_ip_address.into(), eni));
                    if let Some(pub_ip) = p.public_ip {
                        enis_by_public_ip.push((pub_ip.into(), eni));
                    }
                }
                // An IPv6 address is both the ENI's own address and, when it is
                // global unicast, the one the internet reaches it by (no NAT:
                // <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html>).
                for a in &eni.ipv6_addresses {
                    enis_by_ip.push(((*a).into(), eni));
                    if !crate::addr::is_private_ip((*a).into()) {
                        enis_by_public_ip.push(((*a).into(), eni));
                    }
                }
                for g in &eni.groups {
                    group_members.entry(g.as_str()).or_default().push(eni);
                }
            }
            let rds_enis = enis_list.iter().filter(|e| super::is_rds(e)).collect();
            let without_ipv4 = enis_list
                .iter()
                .filter(|e| e.primary_ip().is_none())
                .collect();
            let enis = IdIndex::new(&snapshot.network_interfaces, |e| {
                e.network_interface_id.as_str()
            });
            let (instances, instances_by_name, enis_by_name) = by_name
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            Hosts {
                enis,
                enis_by_ip: AddrIndex::new(enis_by_ip),
                enis_by_public_ip: AddrIndex::new(enis_by_public_ip),
                group_members,
                rds_enis,
                instances,
                instances_by_name,
                enis_by_name,
                without_ipv4,
            }
        })
    }
}
