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
//! Gateway endpoints (prefix-list routes) are not built: flows through one
//! are not probed.

use std::collections::BTreeSet;

use netpath_model::{NetworkInterface, Snapshot};

use super::nftables::NEIGHBOUR_DISCOVERY;

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
    let e = snap
        .vpc_endpoints
        .iter()
        .flatten()
        .find(|e| e.network_interface_ids.contains(&eni.network_interface_id))?;
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
