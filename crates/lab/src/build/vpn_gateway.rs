//! Site-to-Site VPN (IPv4): each virtual private gateway attached to a VPC
//! of the snapshot, with a VPN connection, is a link `v<n>` from the VPC
//! router to an "on premises" namespace `<tag>o<n>` that stands for the
//! customer network: the connections' `available` static routes and the
//! routes the VGW propagated into the VPC's tables (origin
//! `EnableVgwRoutePropagation`). Clients and servers there are added on
//! demand, inside those networks only. When no connection is `available`
//! with a tunnel `UP`, the namespace drops everything, both ways, silently
//! (as the tunnels do), so a client times out.
//!
//! A VGW with no tunnel up but an `associated` Direct Connect gateway
//! association is built the same way, its customer networks being the
//! routes the VGW propagated; the on-premises side then sends only to the
//! association's allowed prefixes (the Direct Connect gateway advertises
//! nothing else), dropping the rest silently.
//!
//! The lab's own reading of
//! <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html>,
//! <https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html> and
//! <https://docs.aws.amazon.com/directconnect/latest/UserGuide/allowed-to-prefixes.html>.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

use anyhow::Result;
use ipnet::Ipv4Net;
use netpath_model::Snapshot;

use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The built VPN gateways.
#[derive(Debug, Default)]
pub(super) struct VpnLinks {
    /// Per `VpnGatewayId`: its VPC's router index, the router's link name,
    /// and the on-premises side's address (the next hop).
    pub links: HashMap<String, (usize, String, Ipv4Addr)>,
    /// Per built gateway: the on-premises namespace and its networks.
    pub onprem: Vec<(String, Vec<Ipv4Net>)>,
    /// The Direct Connect gateways whose side was built.
    pub direct_connect: BTreeSet<String>,
}

impl VpnLinks {
    /// The links into router `v` (traffic in from them is delivered by the
    /// VPC's own subnet routes).
    pub(super) fn router_links(&self, v: usize) -> Vec<&str> {
        let mut l: Vec<&str> = self
            .links
            .values()
            .filter(|(w, _, _)| *w == v)
            .map(|(_, dev, _)| dev.as_str())
            .collect();
        l.sort_unstable();
        l
    }

    /// The on-premises namespace whose customer networks hold `ip`.
    pub(super) fn namespace_for(&self, ip: IpAddr) -> Option<&str> {
        let IpAddr::V4(a) = ip else { return None };
        self.onprem
            .iter()
            .find(|(_, nets)| nets.iter().any(|n| n.contains(&a)))
            .map(|(ns, _)| ns.as_str())
    }
}

/// Builds the on-premises side of every virtual private gateway that is
/// `available`, `attached` to a VPC of the snapshot, and has a VPN
/// connection that is not deleted.
///
/// Errors: a failing `ip`, `sysctl` or `nft` command.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
    tag: &str,
    unsupported: &mut BTreeSet<String>,
) -> Result<VpnLinks> {
    let mut out = VpnLinks::default();
    for (n, g) in snap
        .vpn_gateways
        .iter()
        .flatten()
        .filter(|g| g.state == "available")
        .enumerate()
    {
        let Some((v, vpc_id)) = g
            .vpc_attachments
            .iter()
            .filter(|a| a.state == "attached")
            .find_map(|a| {
                idx.vpc_index
                    .get(a.vpc_id.as_str())
                    .map(|&v| (v, a.vpc_id.as_str()))
            })
        else {
            continue;
        };
        let conns: Vec<_> = snap
            .vpn_connections
            .iter()
            .flatten()
            .filter(|c| c.vpn_gateway_id.as_deref() == Some(g.vpn_gateway_id.as_str()))
            .filter(|c| !matches!(c.state.as_str(), "deleted" | "deleting"))
            .collect();
        let dx: Vec<_> = snap
            .direct_connect_gateway_associations
            .iter()
            .flatten()
            .filter(|a| a.associated_gateway_id == g.vpn_gateway_id)
            .filter(|a| a.association_state != "disassociated")
            .collect();
        if conns.is_empty() && dx.is_empty() {
            unsupported.insert(format!(
                "{} without a VPN connection or a Direct Connect gateway",
                g.vpn_gateway_id
            ));
            continue;
        }
        let up = conns
            .iter()
            .any(|c| c.state == "available" && c.vgw_telemetry.iter().any(|t| t.status == "UP"));
        // No tunnel up: the Direct Connect side, if any, with what its
        // associations allow (`None`: everything passes).
        let allowed: Option<Vec<Ipv4Net>> = (!up && !dx.is_empty()).then(|| {
            dx.iter()
                .filter(|a| a.association_state == "associated")
                .flat_map(|a| &a.allowed_prefixes)
                .filter_map(|p| match p {
                    ipnet::IpNet::V4(c) => Some(*c),
                    ipnet::IpNet::V6(_) => None,
                })
                .collect()
        });
        out.direct_connect
            .extend(dx.iter().map(|a| a.direct_connect_gateway_id.clone()));
        let up = up || dx.iter().any(|a| a.association_state == "associated");
        let mut nets: Vec<Ipv4Net> = conns
            .iter()
            .flat_map(|c| &c.routes)
            .filter(|r| r.state == "available")
            .filter_map(|r| match r.destination_cidr_block {
                ipnet::IpNet::V4(c) => Some(c),
                ipnet::IpNet::V6(_) => None,
            })
            .collect();
        nets.extend(
            snap.route_tables
                .iter()
                .flatten()
                .filter(|rt| rt.vpc_id == vpc_id)
                .flat_map(|rt| &rt.routes)
                .filter(|r| {
                    r.gateway_id.as_deref() == Some(g.vpn_gateway_id.as_str())
                        && r.origin.as_deref() == Some("EnableVgwRoutePropagation")
                })
                .filter_map(|r| r.destination_cidr_block),
        );
        nets.sort();
        nets.dedup();
        let ons = format!("{tag}o{n}");
        ns.add(&ons)?;
        ns.sysctl(&ons, &["net.ipv4.ip_local_port_range=32768 60999"])?;
        crate::netns::run(
            "ip",
            &[
                "link",
                "add",
                "name",
                "r0",
                "netns",
                &ons,
                "type",
                "veth",
                "peer",
                "name",
                &format!("v{n}"),
                "netns",
                &routers[v],
            ],
            None,
        )?;
        let base = u32::from(Ipv4Addr::new(169, 254, 192, 0)) + 4 * n as u32;
        let (rside, oside) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        ns.ip_batch(
            &routers[v],
            &[
                format!("addr add {rside}/30 dev v{n}"),
                format!("link set v{n} up"),
            ],
        )?;
        let mut lines = vec![
            format!("addr add {oside}/30 dev r0"),
            "link set r0 up".to_string(),
        ];
        if let Some(vpc) = snap.vpcs.iter().flatten().find(|x| x.vpc_id == vpc_id) {
            for c in &vpc.cidr_blocks {
                lines.push(format!("route add {c} via {rside} dev r0"));
            }
        }
        ns.ip_batch(&ons, &lines)?;
        if let Some(allowed) = allowed.filter(|_| up) {
            ns.nft(&ons, &allowed_only(&allowed))?;
        }
        if !up {
            // Every tunnel down: nothing crosses, either way, silently.
            ns.nft(&ons, LINK_DOWN)?;
        }
        out.links
            .insert(g.vpn_gateway_id.clone(), (v, format!("v{n}"), oside));
        out.onprem.push((ons, nets));
    }
    Ok(out)
}

/// The nftables script of an on-premises side whose link `r0` carries
/// nothing: every packet in or out on it is dropped, silently (tunnels
/// down; no Direct Connect association).
pub(super) const LINK_DOWN: &str = "table netdev link_down {\n  chain down_in {\n    type filter hook ingress device \"r0\" priority 0; policy drop;\n  }\n}\ntable inet link_down_out {\n  chain down_out {\n    type filter hook output priority 0; policy accept;\n    oifname \"r0\" drop\n  }\n}\n";

/// The nftables script of an on-premises side reached over Direct Connect:
/// it sends only to `allowed` (the association's allowed prefixes), and
/// drops the rest silently on its link `r0`.
pub(super) fn allowed_only(allowed: &[Ipv4Net]) -> String {
    let set = if allowed.is_empty() {
        String::new()
    } else {
        format!(
            " ip daddr != {{ {} }}",
            allowed
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "table inet direct_connect {{\n  chain allowed_out {{\n    type filter hook output priority 0; policy accept;\n    oifname \"r0\"{set} drop\n  }}\n}}\n"
    )
}
