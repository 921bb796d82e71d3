//! Internet gateways: one namespace stands for the internet, linked to each
//! VPC router whose VPC has an attached gateway. The gateway's one-to-one
//! NAT between an ENI's public and private address is done on the router,
//! on the gateway link, so network ACLs and security groups see private
//! addresses, as in AWS; traffic in from the gateway is delivered by the
//! VPC's local routes (see `route_table`); the internet drops what it cannot
//! route.
//!
//! IPv6 has no NAT: the internet routes each VPC's IPv6 CIDRs to its router,
//! and an ENI's IPv6 address is its public one. An egress-only internet
//! gateway is the same link with a stateful filter on the router: IPv6 in
//! from the internet passes only as part of a connection started inside.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html>

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::Result;
use netpath_model::Snapshot;

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The address the internet namespace connects from for `internet` (TEST-NET-1).
pub const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 77);

/// The address the internet namespace connects from for `internet` over
/// IPv6 (in the documentation prefix 2001:db8::/32, inside the global
/// unicast space netpath calls the internet).
pub const INTERNET_CLIENT6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0x77, 0, 0, 0, 0, 0x77);

/// The built gateways.
#[derive(Default)]
pub(super) struct Gateways {
    /// The internet's namespace, when some VPC has an attached gateway.
    pub internet: Option<String>,
    /// Per `InternetGatewayId`: the VPC (router index) it is attached to and
    /// the internet's address on that router's link `g<v>` (the next hop).
    pub links: HashMap<String, (usize, Ipv4Addr)>,
    /// Per internet or egress-only gateway id: the VPC (router index) and
    /// the internet's IPv6 address on link `g<v>` (the IPv6 next hop).
    pub links6: HashMap<String, (usize, Ipv6Addr)>,
    /// Routers whose VPC has an egress-only gateway and no internet
    /// gateway: IPv6 from the internet may only answer.
    egress_only: BTreeSet<usize>,
    /// Per router index: the NAT rules of its gateway link.
    nat_rules: BTreeMap<usize, Vec<String>>,
}

/// The router's address on gateway link `g<v>`; the internet has `.2`.
fn router_side(v: usize) -> Ipv4Addr {
    Ipv4Addr::new(100, 127, v as u8, 1)
}

/// The IPv6 addresses on gateway link `g<v>`: router `::1`, internet `::2`.
fn link6(v: usize, host: u16) -> Ipv6Addr {
    Ipv6Addr::new(0xfd00, 0x127, v as u16, 0, 0, 0, 0, host)
}

/// Builds the internet namespace `<tag>i` (on the first gateway) and a link
/// `g<v>` (router) / `r<v>` (internet) for each gateway attachment that is
/// `available` or `attached` to a VPC of the snapshot.
///
/// Errors: a failing `ip` or `sysctl` command.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
    tag: &str,
) -> Result<Gateways> {
    let mut gw = Gateways::default();
    // (gateway id, VPC id, egress-only) for every attached gateway.
    let attached = |state: &str| matches!(state, "available" | "attached");
    let mut gateways: Vec<(&str, &str, bool)> = Vec::new();
    for g in snap.internet_gateways.iter().flatten() {
        for a in g.attachments.iter().filter(|a| attached(&a.state)) {
            gateways.push((&g.internet_gateway_id, &a.vpc_id, false));
        }
    }
    for g in snap.egress_only_internet_gateways.iter().flatten() {
        for a in g.attachments.iter().filter(|a| attached(&a.state)) {
            gateways.push((&g.egress_only_internet_gateway_id, &a.vpc_id, true));
        }
    }
    let mut linked: BTreeSet<usize> = BTreeSet::new();
    for (gid, vpc_id, egress_only) in gateways {
        let Some(&v) = idx.vpc_index.get(vpc_id) else {
            continue;
        };
        let inet = format!("{tag}i");
        if gw.internet.is_none() {
            ns.add(&inet)?;
            ns.sysctl(
                &inet,
                &[
                    "net.ipv4.ip_forward=1",
                    "net.ipv4.ip_local_port_range=32768 60999",
                    "net.ipv6.conf.all.forwarding=1",
                    "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0",
                ],
            )?;
            // Addresses the internet does not route (a VPC's private
            // ones) are dropped silently, as an internet gateway does:
            // the default route leads into a veth pair whose far end
            // drops everything, so a client there times out (a
            // blackhole route would fail its connect at once).
            crate::netns::run(
                "ip",
                &[
                    "link", "add", "name", "void0", "netns", &inet, "type", "veth", "peer", "name",
                    "void1", "netns", &inet,
                ],
                None,
            )?;
            ns.ip_batch(
                &inet,
                &[
                    format!("addr add {INTERNET_CLIENT}/32 dev lo"),
                    format!("addr add {INTERNET_CLIENT6}/128 dev lo nodad"),
                    "link set void0 up".to_string(),
                    "link set void1 up".to_string(),
                    "route add default dev void0".to_string(),
                ],
            )?;
            ns.ip_batch6(&inet, &["route add default dev void0".to_string()])?;
            ns.nft(
                &inet,
                "table netdev void {\n  chain drop_all {\n    type filter hook ingress device \"void1\" priority 0; policy drop;\n  }\n}\n",
            )?;
            gw.internet = Some(inet.clone());
        }
        let (rip, iip) = (router_side(v), Ipv4Addr::new(100, 127, v as u8, 2));
        if linked.insert(v) {
            crate::netns::run(
                "ip",
                &[
                    "link",
                    "add",
                    "name",
                    &format!("g{v}"),
                    "netns",
                    &routers[v],
                    "type",
                    "veth",
                    "peer",
                    "name",
                    &format!("r{v}"),
                    "netns",
                    &inet,
                ],
                None,
            )?;
            ns.ip_batch(
                &routers[v],
                &[
                    format!("addr add {rip}/30 dev g{v}"),
                    format!("addr add {}/64 dev g{v} nodad", link6(v, 1)),
                    format!("link set g{v} up"),
                ],
            )?;
            ns.ip_batch(
                &inet,
                &[
                    format!("addr add {iip}/30 dev r{v}"),
                    format!("addr add {}/64 dev r{v} nodad", link6(v, 2)),
                    format!("link set r{v} up"),
                ],
            )?;
            // The VPC's IPv6 CIDRs are routed to it, untranslated.
            let cidrs: Vec<String> = snap
                .vpcs
                .iter()
                .flatten()
                .filter(|x| x.vpc_id == vpc_id)
                .flat_map(|x| x.ipv6_cidr_blocks.iter())
                .map(|c| format!("route add {c} via {} dev r{v}", link6(v, 1)))
                .collect();
            ns.ip_batch6(&inet, &cidrs)?;
        }
        if egress_only {
            gw.egress_only.insert(v);
        } else {
            gw.links.insert(gid.to_string(), (v, iip));
        }
        gw.links6.insert(gid.to_string(), (v, link6(v, 2)));
    }
    // A VPC with an internet gateway admits IPv6 from the internet through
    // it; one with only an egress-only gateway does not.
    let with_igw: BTreeSet<usize> = gw.links.values().map(|(v, _)| *v).collect();
    gw.egress_only.retain(|v| !with_igw.contains(v));
    Ok(gw)
}

impl Gateways {
    /// True when VPC (router index) `v` has an attached internet gateway.
    pub fn attached(&self, v: usize) -> bool {
        self.links.values().any(|(w, _)| *w == v)
    }

    /// True when VPC (router index) `v` has a gateway link (an internet or
    /// egress-only gateway).
    pub fn linked(&self, v: usize) -> bool {
        self.links6.values().any(|(w, _)| *w == v)
    }

    /// Publishes private address `ip` of VPC `v` as `public`: the internet
    /// routes `public` to router `v`, whose gateway link translates one to
    /// the other. A no-op when `v` has no gateway.
    ///
    /// Errors: a failing `ip` command.
    pub fn publish(
        &mut self,
        ns: &Namespaces,
        v: usize,
        public: Ipv4Addr,
        ip: Ipv4Addr,
    ) -> Result<()> {
        if !self.attached(v) {
            return Ok(());
        }
        let inet = self.internet.as_deref().expect("internet namespace");
        ns.ip_batch(
            inet,
            &[format!(
                "route add {public}/32 via {} dev r{v}",
                router_side(v)
            )],
        )?;
        let r = self.nat_rules.entry(v).or_default();
        r.push(format!(
            "    iifname \"g{v}\" ip daddr {public} dnat to {ip}"
        ));
        r.push(format!(
            "    oifname \"g{v}\" ip saddr {ip} snat to {public}"
        ));
        Ok(())
    }

    /// The nftables tables of router `v`'s gateway link: the NAT table (none
    /// when it translates nothing), and for an egress-only gateway the
    /// stateful filter that lets IPv6 in from the internet only as part of
    /// a connection started inside.
    pub fn nat_script(&self, v: usize) -> String {
        let eigw = if self.egress_only.contains(&v) {
            format!("table inet eigw {{\n  chain in {{\n    type filter hook forward priority -10; policy accept;\n    iifname \"g{v}\" meta nfproto ipv6 ct state != {{ established, related }} drop\n  }}\n}}\n")
        } else {
            String::new()
        };
        let Some(rules) = self.nat_rules.get(&v) else {
            return eigw;
        };
        let (pre, post): (Vec<&String>, Vec<&String>) =
            rules.iter().partition(|r| r.contains("dnat"));
        let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
        format!(
            "{eigw}table ip igw {{\n  chain pre {{\n    type nat hook prerouting priority -100; policy accept;\n{}\n  }}\n  chain post {{\n    type nat hook postrouting priority 100; policy accept;\n{}\n  }}\n}}\n",
            join(pre),
            join(post)
        )
    }
}
