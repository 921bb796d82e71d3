//! Transit gateway peering (IPv4): a veth between the two gateways'
//! forwarding namespaces per `available` peering attachment. Each gateway
//! treats its end as one more attachment link: packets arriving on it are
//! routed by the table its side of the attachment is associated with, and
//! its static routes to the attachment go out over it.
//!
//! The lab's own reading of <https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html>:
//! only an accepted (`available`) peering carries traffic; each side has its
//! own association; routes across it are static (no propagation).

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use anyhow::Result;
use netpath_model::Snapshot;

use crate::netns::Namespaces;

/// One gateway's end of a peering: (gateway id, the attachment id on its
/// side, the link device in its namespace, the peer gateway's address).
pub(super) type PeeringEnd = (String, String, String, Ipv4Addr);

/// Builds the links of every available peering between two built
/// gateways (`built`: gateway id → namespace). Peerings with an end that
/// was not built are named in `unsupported`.
pub(super) fn build(
    ns: &mut Namespaces,
    snap: &Snapshot,
    built: &HashMap<String, String>,
    unsupported: &mut BTreeSet<String>,
) -> Result<Vec<PeeringEnd>> {
    let mut out = Vec::new();
    // The peerings: from their own records when read, else from the
    // attachments listed on the requester's side.
    let mut peerings: Vec<(String, String, String, String)> = Vec::new();
    match &snap.transit_gateway_peering_attachments {
        Some(v) => {
            for p in v.iter().filter(|p| p.state == "available") {
                let (r, a) = (
                    &p.requester_tgw_info.transit_gateway_id,
                    &p.accepter_tgw_info.transit_gateway_id,
                );
                let a_att = p
                    .accepter_transit_gateway_attachment_id
                    .clone()
                    .unwrap_or_else(|| p.transit_gateway_attachment_id.clone());
                peerings.push((
                    r.clone(),
                    p.transit_gateway_attachment_id.clone(),
                    a.clone(),
                    a_att,
                ));
            }
        }
        None => {
            let atts: Vec<_> = snap
                .transit_gateway_attachments
                .iter()
                .flatten()
                .filter(|a| a.resource_type == "peering" && a.state == "available")
                .collect();
            for a in &atts {
                let Some(peer) = a.resource_id.clone() else {
                    continue;
                };
                // Once per pair: from the lower gateway id.
                if a.transit_gateway_id < peer {
                    peerings.push((
                        a.transit_gateway_id.clone(),
                        a.transit_gateway_attachment_id.clone(),
                        peer,
                        a.transit_gateway_attachment_id.clone(),
                    ));
                }
            }
        }
    }
    for (j, (r, r_att, a, a_att)) in peerings.into_iter().enumerate() {
        let (Some(rns), Some(ans)) = (built.get(&r), built.get(&a)) else {
            unsupported.insert(format!(
                "peering {r_att} between {r} and {a}: one gateway was not built"
            ));
            continue;
        };
        // 169.254.112.0/20, a /30 each: apart from the attachment links
        // (169.254.128.0/17) and the customer links (169.254.64.0 up).
        let base = u32::from(Ipv4Addr::new(169, 254, 112, 0)) + 4 * j as u32;
        let (r_addr, a_addr) = (Ipv4Addr::from(base + 1), Ipv4Addr::from(base + 2));
        let (r_dev, a_dev) = (format!("q{j}"), format!("r{j}"));
        crate::netns::run(
            "ip",
            &[
                "link", "add", "name", &r_dev, "netns", rns, "type", "veth", "peer", "name",
                &a_dev, "netns", ans,
            ],
            None,
        )?;
        ns.ip_batch(
            rns,
            &[
                format!("addr add {r_addr}/30 dev {r_dev}"),
                format!("link set {r_dev} up"),
            ],
        )?;
        ns.ip_batch(
            ans,
            &[
                format!("addr add {a_addr}/30 dev {a_dev}"),
                format!("link set {a_dev} up"),
            ],
        )?;
        out.push((r.clone(), r_att, r_dev, a_addr));
        out.push((a.clone(), a_att, a_dev, r_addr));
    }
    Ok(out)
}
