//! Network interfaces: one namespace per ENI with the ENI's private IPs on
//! `eth0` (a veth whose other end is a port of its subnet's bridge) and a
//! default route via the subnet's router address. A stopped instance's or
//! an unavailable DB's link stays down, so nothing answers; a DB listens on
//! its endpoint port only.
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpListener};

use anyhow::{Context, Result};
use netpath_model::{NetworkInterface, Snapshot};

use super::db_instance::DbPlacement;
use super::internet_gateway::Gateways;
use super::security_group;
use super::snapshot_index::SnapshotIndex;
use super::vpc::{first_host, first_host6};
use crate::netns::Namespaces;
use crate::probe;

/// One ENI as built.
#[derive(Debug, Clone)]
pub struct LabEni {
    /// Its namespace.
    pub ns: String,
    /// Its primary private IP.
    pub ip: Ipv4Addr,
    /// Its first IPv6 address, when it has one in an IPv6 CIDR of its subnet.
    pub ip6: Option<Ipv6Addr>,
    /// Whether its link is up (a running instance, an available DB, a free ENI).
    pub up: bool,
    /// Its subnet.
    pub subnet_id: String,
}

impl LabEni {
    /// The ENI's address of `dst`'s family: its IPv4 address, or its IPv6
    /// address for an IPv6 destination.
    ///
    /// Errors: an IPv6 destination and an ENI without an IPv6 address.
    pub fn source_for(&self, dst: IpAddr) -> Result<IpAddr> {
        match dst {
            IpAddr::V4(_) => Ok(IpAddr::V4(self.ip)),
            IpAddr::V6(_) => self
                .ip6
                .map(IpAddr::V6)
                .with_context(|| format!("{} has no IPv6 address to reach {dst} from", self.ns)),
        }
    }
}

/// What [`build`] needs besides the ENI.
pub(super) struct Shared<'s, 'a> {
    /// The snapshot.
    pub snap: &'a Snapshot,
    /// Its index.
    pub idx: &'s SnapshotIndex<'a>,
    /// Router namespace per VPC index.
    pub routers: &'s [String],
    /// The lab's namespace prefix.
    pub tag: &'s str,
    /// DB interfaces by id.
    pub dbs: &'s HashMap<String, DbPlacement>,
}

/// Builds ENI number `i` of the snapshot as namespace `<tag>e<i>` (veth
/// `e<i>` on its subnet's bridge `b<s>`), with its security groups, its
/// public address published through its VPC's internet gateway, and, for an
/// available DB, a listener on the endpoint port (returned). Output: `None`
/// when the ENI has no primary IP, or its subnet or VPC is not in the
/// snapshot (it is not built).
///
/// Errors: a failing `ip`, `sysctl` or `nft` command, or a listener that
/// cannot bind.
pub(super) fn build(
    ns: &mut Namespaces,
    cx: &Shared,
    i: usize,
    eni: &NetworkInterface,
    gateways: &mut Gateways,
    unsupported: &mut BTreeSet<String>,
) -> Result<Option<(LabEni, Option<TcpListener>)>> {
    let idx = cx.idx;
    let (Some(&s), Some(ip)) = (
        idx.subnet_index.get(eni.subnet_id.as_str()),
        eni.primary_ip(),
    ) else {
        return Ok(None);
    };
    let subnet = idx.subnets[s];
    let Some(&v) = idx.vpc_index.get(subnet.vpc_id.as_str()) else {
        return Ok(None);
    };
    let name = format!("{}e{i}", cx.tag);
    ns.add(&name)?;
    // Before eth0 exists: no duplicate address detection on it, so its
    // IPv6 addresses (link-local included) are usable at once.
    ns.sysctl(
        &name,
        &[
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ],
    )?;
    crate::netns::run(
        "ip",
        &[
            "link",
            "add",
            "name",
            "eth0",
            "netns",
            &name,
            "type",
            "veth",
            "peer",
            "name",
            &format!("e{i}"),
            "netns",
            &cx.routers[v],
        ],
        None,
    )?;
    ns.ip_batch(
        &cx.routers[v],
        &[
            format!("link set e{i} master b{s}"),
            format!("link set e{i} up"),
        ],
    )?;
    let inst = idx.instance_of(eni);
    // A DB answers when available; an instance when running
    // (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>);
    // an ENI attached to neither is up, unless it is detached (`Status:
    // available`, no attachment), when nothing sends or answers on it
    // (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html>).
    let detached = eni.attachment.is_none()
        && eni.status.as_ref().map(|s| s.to_string()).as_deref() == Some("available");
    let (up, db_port) = match (cx.dbs.get(eni.network_interface_id.as_str()), inst) {
        (Some(d), _) => (d.available, d.port),
        (None, Some(i)) => (i.state == "running", None),
        (None, None) => (!detached, None),
    };
    let prefix = subnet.cidr_block.prefix_len();
    let mut lines: Vec<String> = eni
        .private_ip_addresses
        .iter()
        .map(|p| format!("addr add {}/{prefix} dev eth0", p.private_ip_address))
        .collect();
    // IPv6: each address in the subnet's IPv6 CIDR that holds it, without
    // duplicate address detection (the VPC assigns unique addresses), and
    // a default route via the subnet's router address
    // (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html>).
    let mut ip6 = None;
    for a in &eni.ipv6_addresses {
        let Some(c) = subnet.ipv6_cidr_blocks.iter().find(|c| c.contains(a)) else {
            unsupported.insert(format!(
                "IPv6 address {a} of {} outside its subnet's IPv6 CIDRs",
                eni.network_interface_id
            ));
            continue;
        };
        lines.push(format!("addr add {a}/{} dev eth0 nodad", c.prefix_len()));
        ip6.get_or_insert(*a);
    }
    if up {
        lines.push("link set eth0 up".into());
        lines.push(format!(
            "route add default via {}",
            first_host(&subnet.cidr_block)
        ));
        if let Some(c) = subnet.ipv6_cidr_blocks.first().filter(|_| ip6.is_some()) {
            lines.push(format!("route add ::/0 via {}", first_host6(c)));
        }
    }
    ns.ip_batch(&name, &lines)?;
    // The client's ephemeral source ports: Windows uses 49152-65535, Linux
    // 32768-60999.
    // <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>
    let windows = inst
        .and_then(|i| i.platform.as_deref())
        .is_some_and(|p| p.eq_ignore_ascii_case("windows"));
    ns.sysctl(
        &name,
        &[if windows {
            "net.ipv4.ip_local_port_range=49152 65535"
        } else {
            "net.ipv4.ip_local_port_range=32768 60999"
        }],
    )?;
    let script = security_group::script(cx.snap, idx, eni, unsupported);
    ns.nft(&name, &script)
        .with_context(|| format!("security groups of {}", eni.network_interface_id))?;
    if let Some(ports) = super::vpc_endpoint::served_ports(cx.snap, eni, unsupported) {
        ns.nft(&name, &super::vpc_endpoint::script(&ports))
            .with_context(|| format!("the endpoint behind {}", eni.network_interface_id))?;
    }
    if let Some(public) = eni.public_ip() {
        gateways.publish(ns, v, public, ip)?;
    }
    let listener = match (up, db_port) {
        (true, Some(port)) => Some(probe::listen(&name, IpAddr::V4(ip), port)?),
        _ => None,
    };
    Ok(Some((
        LabEni {
            ns: name,
            ip,
            ip6,
            up,
            subnet_id: eni.subnet_id.to_string(),
        },
        listener,
    )))
}
