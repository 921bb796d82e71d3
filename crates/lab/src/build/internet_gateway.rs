//! Internet gateways: one namespace stands for the internet, linked to each
//! VPC router whose VPC has an attached gateway. The gateway's one-to-one
//! NAT between an ENI's public and private address is done on the router,
//! on the gateway link, so network ACLs and security groups see private
//! addresses, as in AWS; traffic in from the gateway is delivered by the
//! VPC's local routes (see `route_table`); the internet drops what it cannot
//! route.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html>

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use anyhow::Result;
use netpath_model::Snapshot;

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The address the internet namespace connects from for `internet` (TEST-NET-1).
pub const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 77);

/// The built gateways.
#[derive(Default)]
pub(super) struct Gateways {
    /// The internet's namespace, when some VPC has an attached gateway.
    pub internet: Option<String>,
    /// Per `InternetGatewayId`: the VPC (router index) it is attached to and
    /// the internet's address on that router's link `g<v>` (the next hop).
    pub links: HashMap<String, (usize, Ipv4Addr)>,
    /// Per router index: the NAT rules of its gateway link.
    nat_rules: BTreeMap<usize, Vec<String>>,
}

/// The router's address on gateway link `g<v>`; the internet has `.2`.
fn router_side(v: usize) -> Ipv4Addr {
    Ipv4Addr::new(100, 127, v as u8, 1)
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
    for g in snap.internet_gateways.iter().flatten() {
        for a in &g.attachments {
            let Some(&v) = idx.vpc_index.get(a.vpc_id.as_str()) else {
                continue;
            };
            if !matches!(a.state.as_str(), "available" | "attached") {
                continue;
            }
            let inet = format!("{tag}i");
            if gw.internet.is_none() {
                ns.add(&inet)?;
                ns.sysctl(
                    &inet,
                    &[
                        "net.ipv4.ip_forward=1",
                        "net.ipv4.ip_local_port_range=32768 60999",
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
                        "link", "add", "name", "void0", "netns", &inet, "type", "veth", "peer",
                        "name", "void1", "netns", &inet,
                    ],
                    None,
                )?;
                ns.ip_batch(
                    &inet,
                    &[
                        format!("addr add {INTERNET_CLIENT}/32 dev lo"),
                        "link set void0 up".to_string(),
                        "link set void1 up".to_string(),
                        "route add default dev void0".to_string(),
                    ],
                )?;
                ns.nft(
                    &inet,
                    "table netdev void {\n  chain drop_all {\n    type filter hook ingress device \"void1\" priority 0; policy drop;\n  }\n}\n",
                )?;
                gw.internet = Some(inet.clone());
            }
            let (rip, iip) = (router_side(v), Ipv4Addr::new(100, 127, v as u8, 2));
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
                    format!("link set g{v} up"),
                ],
            )?;
            ns.ip_batch(
                &inet,
                &[
                    format!("addr add {iip}/30 dev r{v}"),
                    format!("link set r{v} up"),
                ],
            )?;
            gw.links.insert(g.internet_gateway_id.clone(), (v, iip));
        }
    }
    Ok(gw)
}

impl Gateways {
    /// True when VPC (router index) `v` has an attached gateway.
    pub fn attached(&self, v: usize) -> bool {
        self.links.values().any(|(w, _)| *w == v)
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

    /// The nftables NAT table of router `v` (an empty string when it
    /// translates nothing).
    pub fn nat_script(&self, v: usize) -> String {
        let Some(rules) = self.nat_rules.get(&v) else {
            return String::new();
        };
        let (pre, post): (Vec<&String>, Vec<&String>) =
            rules.iter().partition(|r| r.contains("dnat"));
        let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
        format!(
            "table ip igw {{\n  chain pre {{\n    type nat hook prerouting priority -100; policy accept;\n{}\n  }}\n  chain post {{\n    type nat hook postrouting priority 100; policy accept;\n{}\n  }}\n}}\n",
            join(pre),
            join(post)
        )
    }
}
