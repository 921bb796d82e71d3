//! Interface VPC endpoints: the endpoint's ENI is a namespace like any
//! other (its groups in `table inet sg`), plus a filter of what the service
//! behind it answers: TCP on the service's ports, nothing else, dropped
//! silently. The lab's own reading of
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>
//! (interface endpoints take TCP only) and
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html>
//! (AWS services over HTTPS, 443), with SMTP
//! (<https://docs.aws.amazon.com/ses/latest/dg/send-email-set-up-vpc-endpoints.html>)
//! and CodeCommit's Git over SSH
//! (<https://docs.aws.amazon.com/codecommit/latest/userguide/codecommit-and-interface-VPC.html>)
//! as the documented exceptions. An endpoint that is not `available`
//! answers nothing.
//!
//! A **gateway endpoint** (S3, DynamoDB) that is `available` is a link from
//! its VPC's router to an "aws-service" namespace that holds every address
//! of the service's AWS-managed prefix list (a `local` route for each CIDR)
//! and answers HTTP 80 and HTTPS 443 there; a prefix-list route to the
//! endpoint becomes one route per CIDR of the list over that link, and the
//! reply is delivered by the VPC's local routes. The service starts nothing.
//! The lab's own reading of
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>
//! and <https://docs.aws.amazon.com/general/latest/gr/s3.html>.

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};

use anyhow::Result;
use ipnet::{IpNet, Ipv4Net};
use netpath_model::{NetworkInterface, Snapshot};

use super::nftables::NEIGHBOUR_DISCOVERY;
use super::snapshot_index::SnapshotIndex;
use crate::netns::Namespaces;

/// The gateway endpoints built: per endpoint id, its router index, link
/// device and next hop; per service namespace, the CIDRs it holds.
#[derive(Default)]
pub(super) struct GatewayEndpoints {
    /// `vpce-…` → (router index, device on the router, the service's
    /// address, the service's prefix-list CIDRs).
    pub links: HashMap<String, (usize, String, Ipv4Addr, Vec<Ipv4Net>)>,
    /// (namespace, the prefix list's IPv4 CIDRs).
    pub services: Vec<(String, Vec<Ipv4Net>)>,
}

/// The TCP ports a gateway endpoint's service answers: HTTP and HTTPS.
pub(super) const GATEWAY_SERVICE_PORTS: [u16; 2] = [80, 443];

/// Builds every available gateway endpoint of a VPC of the snapshot whose
/// service's prefix list has its entries: endpoint `k` is link `s<k>` on
/// its router (169.254.48.4k+1/30, the service at +2) to namespace
/// `<tag>s<k>`. Endpoints the lab cannot build are noted in `unsupported`
/// (their routes stay out: a silent drop).
///
/// Errors: a failing `ip` command.
pub(super) fn build_gateways(
    ns: &mut Namespaces,
    snap: &Snapshot,
    idx: &SnapshotIndex,
    routers: &[String],
    tag: &str,
    unsupported: &mut BTreeSet<String>,
) -> Result<GatewayEndpoints> {
    let mut out = GatewayEndpoints::default();
    let gateways = snap
        .vpc_endpoints
        .iter()
        .flatten()
        .filter(|e| e.vpc_endpoint_type.eq_ignore_ascii_case("Gateway"))
        .filter(|e| e.state.eq_ignore_ascii_case("available"));
    for (k, e) in gateways.enumerate() {
        let Some(&v) = idx.vpc_index.get(e.vpc_id.as_str()) else {
            continue;
        };
        let cidrs: Vec<Ipv4Net> = snap
            .prefix_lists
            .iter()
            .flatten()
            .find(|p| p.prefix_list_name == e.service_name)
            .and_then(|p| p.cidrs.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|c| match c {
                IpNet::V4(n) => Some(*n),
                IpNet::V6(_) => None,
            })
            .collect();
        if cidrs.is_empty() || k >= 256 {
            unsupported.insert(format!(
                "gateway endpoint {} ({} without its prefix list's entries)",
                e.vpc_endpoint_id, e.service_name
            ));
            continue;
        }
        let base = u32::from(Ipv4Addr::new(169, 254, 48, 0)) + 4 * k as u32;
        let (router_ip, service_ip) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        let name = format!("{tag}s{k}");
        let dev = format!("s{k}");
        ns.leaf(&routers[v], &dev, &name, (router_ip, service_ip))?;
        // Every address of the prefix list is the service's own.
        let lines: Vec<String> = cidrs
            .iter()
            .map(|c| format!("route add local {c} dev lo"))
            .collect();
        ns.ip_batch(&name, &lines)?;
        out.links.insert(
            e.vpc_endpoint_id.clone(),
            (v, dev, service_ip, cidrs.clone()),
        );
        out.services.push((name, cidrs));
    }
    Ok(out)
}

impl GatewayEndpoints {
    /// The service namespaces whose prefix list holds `ip`.
    pub(super) fn namespaces_for(&self, ip: IpAddr) -> Vec<&str> {
        let IpAddr::V4(a) = ip else { return Vec::new() };
        self.services
            .iter()
            .filter(|(_, nets)| nets.iter().any(|n| n.contains(&a)))
            .map(|(ns, _)| ns.as_str())
            .collect()
    }
}

/// The TCP ports the interface endpoint owning `eni` answers on: `None`
/// when no endpoint of the snapshot owns it; `Some(vec![])` when it answers
/// nothing (not available). A service whose ports the lab cannot tell (a
/// PrivateLink service of another account) is added to `unsupported` and
/// left unfiltered.
pub(super) fn served_ports(
    snap: &Snapshot,
    eni: &NetworkInterface,
    unsupported: &mut BTreeSet<String>,
) -> Option<Vec<u16>> {
    let e = snap.vpc_endpoints.iter().flatten().find(|e| {
        e.network_interface_ids
            .iter()
            .any(|x| x == eni.network_interface_id)
    })?;
    if !e.state.eq_ignore_ascii_case("available") {
        return Some(Vec::new());
    }
    let Some(rest) = e
        .service_name
        .strip_prefix("com.amazonaws.")
        .filter(|r| !r.starts_with("vpce."))
    else {
        unsupported.insert(format!(
            "interface endpoint {} for {} (its provider's ports)",
            e.vpc_endpoint_id, e.service_name
        ));
        return None;
    };
    let service = rest.split_once('.').map_or("", |(_, s)| s);
    Some(match service {
        "email-smtp" => vec![25, 465, 587, 2465, 2587],
        "git-codecommit" | "git-codecommit-fips" => vec![22, 443],
        "transfer.server" => {
            unsupported.insert(format!(
                "interface endpoint {} for {} (the server's own ports)",
                e.vpc_endpoint_id, e.service_name
            ));
            return None;
        }
        _ => vec![443],
    })
}

/// The nftables script (`table inet endpoint`) that lets in only new TCP
/// connections to `ports` (and what belongs to them), dropping the rest.
pub(super) fn script(ports: &[u16]) -> String {
    let accept = if ports.is_empty() {
        String::new()
    } else {
        format!(
            "\n    tcp dport {{ {} }} accept",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "table inet endpoint {{\n  chain in {{\n    type filter hook input priority 10; policy drop;\n    iif lo accept\n    {NEIGHBOUR_DISCOVERY}\n    ct state established,related accept{accept}\n  }}\n}}\n"
    )
}
