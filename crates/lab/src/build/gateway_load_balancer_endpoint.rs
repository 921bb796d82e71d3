//! Gateway Load Balancer endpoints, on the lab's own reading of the
//! snapshot and of
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>
//! and <https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html>.
//!
//! An `available` endpoint is a link `a<k>` from its VPC's router to an
//! "appliance" namespace that sends every packet straight back (the
//! appliances behind the Gateway Load Balancer taken to pass everything, as
//! `--assume-appliance-allows` asks: no filter, no address rewritten). A
//! route to the endpoint becomes a route over that link; what comes back in
//! from it is routed by the route table of the endpoint's subnet
//! (`route_table.rs`), and that subnet's network ACL stands at the link as
//! at the subnet's bridge: its inbound entries on the way out to the
//! appliances, its outbound entries on the way back (`network_acl.rs`). An
//! endpoint in another state carries nothing: its routes are blackholes.
//!
//! A packet through the appliances crosses its VPC's router twice, which one
//! connection tracking table would take for one passage (and so NAT it, at
//! the internet gateway's link, only if the first passage left by that
//! link). The router's conntrack zones keep the passages apart
//! ([`zone_script`]); the VPC behaves the same.

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use anyhow::Result;
use netpath_model::{Snapshot, Subnet};

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The Gateway Load Balancer endpoints built.
#[derive(Default)]
pub(super) struct Appliances {
    /// `vpce-…` → (router index, device on the router, the appliance's
    /// address, the endpoint's subnet).
    pub links: HashMap<String, (usize, String, Ipv4Addr, String)>,
    /// Endpoints that are not `available`: routes to them drop.
    pub down: BTreeSet<String>,
}

impl Appliances {
    /// The links on router `v`, each with its endpoint's subnet among
    /// `subnets` (the router's: bridge index and subnet): the boundary
    /// that subnet's network ACL and route table stand at.
    pub(super) fn links_of<'s>(
        &self,
        v: usize,
        subnets: &[(usize, &'s Subnet)],
    ) -> Vec<(String, &'s Subnet)> {
        let mut out: Vec<(String, &'s Subnet)> = self
            .links
            .values()
            .filter(|(w, ..)| *w == v)
            .filter_map(|(_, dev, _, sid)| {
                let (_, s) = subnets.iter().find(|(_, s)| s.subnet_id == *sid)?;
                Some((dev.clone(), *s))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Builds every Gateway Load Balancer endpoint of a VPC of the snapshot:
/// endpoint `k` is link `a<k>` on its router (169.254.52.4k+1/30, the
/// appliance at +2) to namespace `<tag>a<k>`. Endpoints the lab cannot
/// build (no subnet in the snapshot) are noted in `unsupported`.
///
/// Errors: a failing `ip` or `sysctl` command.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
    tag: &str,
    unsupported: &mut BTreeSet<String>,
) -> Result<Appliances> {
    let mut out = Appliances::default();
    let endpoints = snap.vpc_endpoints.iter().flatten().filter(|e| {
        e.vpc_endpoint_type
            .eq_ignore_ascii_case("GatewayLoadBalancer")
    });
    for (k, e) in endpoints.enumerate() {
        if !e.state.eq_ignore_ascii_case("available") {
            out.down.insert(e.vpc_endpoint_id.clone());
            continue;
        }
        let (Some(&v), Some(subnet)) = (
            idx.vpc_index.get(e.vpc_id.as_str()),
            e.subnet_ids
                .first()
                .filter(|s| idx.subnet_index.contains_key(s.as_str())),
        ) else {
            unsupported.insert(format!(
                "Gateway Load Balancer endpoint {} (its VPC or subnet is not in the snapshot)",
                e.vpc_endpoint_id
            ));
            continue;
        };
        if k >= 256 {
            unsupported.insert(format!(
                "Gateway Load Balancer endpoint {} (more than 256)",
                e.vpc_endpoint_id
            ));
            continue;
        }
        let base = u32::from(Ipv4Addr::new(169, 254, 52, 0)) + 4 * k as u32;
        let (router_ip, appliance_ip) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        let name = format!("{tag}a{k}");
        let dev = format!("a{k}");
        ns.leaf(&routers[v], &dev, &name, (router_ip, appliance_ip))?;
        // The appliances pass every packet back the way it came, unchanged.
        ns.sysctl(
            &name,
            &[
                "net.ipv4.ip_forward=1",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.eth0.rp_filter=0",
                "net.ipv4.conf.all.send_redirects=0",
                "net.ipv4.conf.eth0.send_redirects=0",
            ],
        )?;
        out.links.insert(
            e.vpc_endpoint_id.clone(),
            (v, dev, appliance_ip, subnet.clone()),
        );
    }
    Ok(out)
}

/// The nftables table (`table ip gwlbzones`) that gives each passage of a
/// packet through router `v` its own conntrack zone when the VPC has
/// appliance links `devs`: zone 0 in from a subnet, zone 1 in from the
/// internet gateway's link or back from the appliances toward anything
/// outside the VPC's `cidrs` (where the gateway's NAT acts), zone 2 back
/// from the appliances toward the VPC. Empty without links.
pub(super) fn zone_script(v: usize, devs: &[String], cidrs: &[String]) -> String {
    if devs.is_empty() || cidrs.is_empty() {
        return String::new();
    }
    let devs = devs
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "table ip gwlbzones {{\n  chain pre {{\n    type filter hook prerouting priority -310; policy accept;\n    iifname {{ {devs} }} ip daddr {{ {} }} ct zone set 2 return\n    iifname {{ {devs}, \"g{v}\" }} ct zone set 1\n  }}\n}}\n",
        cidrs.join(", ")
    )
}
