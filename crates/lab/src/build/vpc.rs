//! VPCs and subnets: one forwarding router namespace per VPC, one bridge per
//! subnet inside it, holding the subnet's router address.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::Result;
use ipnet::{Ipv4Net, Ipv6Net};

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The VPC router's address in a subnet: its first host (the network address
/// plus one), which AWS reserves for the router.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>
pub(super) fn first_host(net: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + 1)
}

/// The VPC router's address in an IPv6 subnet: the network address plus
/// one, as for IPv4 (AWS reserves the first four and the last address of
/// every subnet CIDR, IPv6 included).
/// <https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing-ipv6.html>
pub(super) fn first_host6(net: &Ipv6Net) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(net.network()) + 1)
}

/// Creates router namespace `routers[v]` for each VPC `v` of `idx` and, in
/// it, bridge `b<i>` for each subnet `i` of that VPC (subnets of a VPC that
/// is not in the snapshot are skipped).
///
/// Errors: a failing `ip` or `sysctl` command.
pub(super) fn build(ns: &mut Namespaces, idx: &SnapshotIndex, routers: &[String]) -> Result<()> {
    let mut router_lines: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (v, router) in routers.iter().enumerate() {
        ns.add(router)?;
        ns.sysctl(
            router,
            &[
                "net.ipv4.ip_forward=1",
                "net.ipv4.conf.all.send_redirects=0",
                "net.ipv4.conf.default.send_redirects=0",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
                "net.ipv6.conf.all.forwarding=1",
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
            ],
        )?;
        // Bridged traffic (two ENIs of one subnet) must never meet the
        // NACL: when br_netfilter is loaded it would pass the IP hooks,
        // so it is switched off in this namespace (the setting is per
        // namespace; without the module the keys do not exist).
        let _ = ns.sysctl(
            router,
            &[
                "net.bridge.bridge-nf-call-iptables=0",
                "net.bridge.bridge-nf-call-ip6tables=0",
                "net.bridge.bridge-nf-call-arptables=0",
            ],
        );
        router_lines.insert(v, Vec::new());
    }
    for (i, s) in idx.subnets.iter().enumerate() {
        let Some(&v) = idx.vpc_index.get(s.vpc_id.as_str()) else {
            continue;
        };
        let l = router_lines.get_mut(&v).expect("router");
        l.push(format!("link add b{i} type bridge"));
        l.push(format!(
            "addr add {}/{} dev b{i}",
            first_host(&s.cidr_block),
            s.cidr_block.prefix_len()
        ));
        for c in &s.ipv6_cidr_blocks {
            l.push(format!(
                "addr add {}/{} dev b{i} nodad",
                first_host6(c),
                c.prefix_len()
            ));
        }
        l.push(format!("link set b{i} up"));
    }
    for (v, lines) in &router_lines {
        ns.ip_batch(&routers[*v], lines)?;
    }
    Ok(())
}
