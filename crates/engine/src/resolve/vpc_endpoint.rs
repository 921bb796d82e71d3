//! References to VPC endpoints and the AWS services behind them:
//! `vpce-…`, `s3`, `dynamodb`, `com.amazonaws.us-east-1.ssm`, or any
//! endpoint's service name.
//!
//! - An **interface endpoint** stands at its ENIs, one per subnet: its
//!   DNS names resolve to all of them, so the answer covers each
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html>).
//!   A service name resolves there only when the endpoint has private DNS
//!   on; otherwise the name still means the service's public addresses.
//! - A **gateway endpoint**'s service (S3, DynamoDB) stands at every address
//!   of its AWS-managed prefix list (`com.amazonaws.REGION.SERVICE`), which
//!   is what the prefix-list route matches
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>).
//! - With `DescribeVpcEndpointServices` read, a service is also named by
//!   its id (`vpce-svc-…`) and by its public DNS name
//!   (`ssm.us-east-1.amazonaws.com`), which an interface endpoint with
//!   private DNS on answers inside its VPC; an endpoint's own DNS name
//!   (`vpce-0abc-1x2y.ssm.us-east-1.vpce.amazonaws.com`) names the endpoint
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns>).

use ipnet::{IpNet, Ipv4Net};
use netpath_model::VpcEndpoint;

use super::{eni_endpoint, Endpoint, EndpointKind, ResolveError};
use crate::addr::AddrSet;
use crate::topology::Topology;

/// Resolves `r` when it names a VPC endpoint or an AWS service; `Ok(None)`
/// when it names neither, for the caller's "not found".
///
/// Errors: [`ResolveError::Unplaceable`] when it names one whose addresses
/// the snapshot does not hold (a prefix list without its entries, a
/// service with no endpoint and no prefix list), saying what to collect or
/// which reference to use instead.
pub(super) fn service_endpoint<'a>(
    topo: &Topology<'a>,
    r: &str,
    prefer_vpc: Option<&str>,
    v6: bool,
) -> Result<Option<Endpoint<'a>>, ResolveError> {
    let unplaceable = |message: String| ResolveError::Unplaceable {
        reference: r.to_string(),
        message,
    };
    if let Some(e) = topo.endpoints.get(r) {
        return if e.is_gateway() {
            gateway_service(topo, r, e.service_name.as_str()).map(Some)
        } else {
            interface(topo, r, e, v6).map(Some)
        };
    }
    if let Some(e) = topo.endpoints.of_dns_name(r) {
        let mut ep = interface(topo, r, e, v6)?;
        ep.warnings.push(format!(
            "`{r}` is a DNS name of endpoint {} ({} in {})",
            e.vpc_endpoint_id, e.service_name, e.vpc_id
        ));
        return Ok(Some(ep));
    }
    let region = prefer_vpc
        .and_then(|v| topo.vpc(v))
        .and_then(|v| v.region.as_deref());
    // The service a DNS name or a service id names, from
    // DescribeVpcEndpointServices; `by_dns` when it is a DNS name, which
    // only an endpoint with private DNS answers.
    let by_dns = topo.endpoints.service_answering(r, region);
    let service = by_dns.or_else(|| topo.endpoints.service(r, region));
    let r_name = service.map_or(r, |s| s.service_name.as_str());
    let short = r_name.to_ascii_lowercase();
    let named: Vec<&'a VpcEndpoint> = topo
        .endpoints
        .all()
        .filter(|e| e.service_name.eq_ignore_ascii_case(r_name) || e.aws_service() == Some(&short))
        .collect();
    // The endpoints of the asking VPC first: DNS inside a VPC answers with
    // that VPC's endpoint. A DNS name asked from a VPC answers with that
    // VPC's endpoint only: another VPC's private DNS does not reach it.
    let near: Vec<&'a VpcEndpoint> = match prefer_vpc {
        Some(v) if named.iter().any(|e| e.vpc_id == v) => {
            named.iter().filter(|e| e.vpc_id == v).copied().collect()
        }
        Some(_) if by_dns.is_some() => Vec::new(),
        _ => named.clone(),
    };
    let private_dns: Vec<&'a VpcEndpoint> = near
        .iter()
        .filter(|e| e.is_interface() && e.private_dns_enabled)
        .copied()
        .collect();
    match private_dns.as_slice() {
        [e] => {
            let mut ep = interface(topo, r, e, v6)?;
            ep.warnings.push(format!(
                "`{r}` resolves to interface endpoint {} in {}: its private DNS answers for {}",
                e.vpc_endpoint_id, e.vpc_id, e.service_name
            ));
            return Ok(Some(ep));
        }
        [_, _, ..] => {
            return Err(ResolveError::Ambiguous {
                reference: r.to_string(),
                candidates: private_dns
                    .iter()
                    .map(|e| format!("{} ({})", e.vpc_endpoint_id, e.vpc_id))
                    .collect(),
            })
        }
        [] => {}
    }
    let full = if r_name.starts_with("com.amazonaws.") || service.is_some() {
        Some(r_name.to_string())
    } else {
        named
            .first()
            .map(|e| e.service_name.clone())
            .or_else(|| prefix_list_name(topo, &short, region))
    };
    match full {
        Some(name) if topo.snapshot.prefix_lists.iter().flatten().any(|p| p.prefix_list_name == name) => {
            gateway_service(topo, r, &name).map(Some)
        }
        Some(name) if by_dns.is_some() && near.is_empty() && !named.is_empty() => {
            Err(unplaceable(format!(
                "`{r}` is a private DNS name of {name}, but {} has no endpoint for it; its endpoints ({}) are in other VPCs, whose private DNS answers only there, so from {} the name means the service's public addresses, which the snapshot does not hold: ask for one of them (--to ADDRESS), or for an endpoint by its id",
                prefer_vpc.unwrap_or_default(),
                named.iter().map(|e| format!("{} in {}", e.vpc_endpoint_id, e.vpc_id)).collect::<Vec<_>>().join(", "),
                prefer_vpc.unwrap_or_default(),
            )))
        }
        Some(name) if !named.is_empty() => Err(unplaceable(format!(
            "{name}'s endpoints ({}) have private DNS off, so the name means the service's public addresses, which the snapshot does not hold: ask for the endpoint by its id",
            named.iter().map(|e| e.vpc_endpoint_id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
        Some(name) => Err(unplaceable(match service {
            Some(s) => format!(
                "{name} ({}) has no VPC endpoint in the snapshot, so `{r}` means the service's public addresses, which the snapshot does not hold: ask for one of them (--to ADDRESS); inside a VPC the name resolves to an endpoint only once the VPC has an interface endpoint for it with private DNS on",
                offered(s)
            ),
            None => format!(
                "{name} has no VPC endpoint and no prefix list in the snapshot, so its addresses are unknown: ask for one of its addresses instead"
            ),
        })),
        None => Ok(None),
    }
}

/// "an Interface service of amazon, offered in us-east-1a, us-east-1b".
fn offered(s: &netpath_model::VpcEndpointService) -> String {
    let types = match s.service_types.as_slice() {
        [] => "a service".to_string(),
        t => format!(
            "a{} {} service",
            if t[0].starts_with(['A', 'E', 'I', 'O', 'U']) {
                "n"
            } else {
                ""
            },
            t.join(" and ")
        ),
    };
    let owner = s
        .owner
        .as_deref()
        .map(|o| format!(" of {o}"))
        .unwrap_or_default();
    let zones = if s.availability_zones.is_empty() {
        String::new()
    } else {
        format!(", offered in {}", s.availability_zones.join(", "))
    };
    format!("{types}{owner}{zones}")
}

/// The AWS-managed prefix list of short service name `short` (`s3`) in the
/// asking VPC's `region`, else the one region that has it.
fn prefix_list_name(topo: &Topology, short: &str, region: Option<&str>) -> Option<String> {
    let suffix = format!(".{short}");
    let lists: Vec<&str> = topo
        .snapshot
        .prefix_lists
        .iter()
        .flatten()
        .map(|p| p.prefix_list_name.as_str())
        .filter(|n| n.starts_with("com.amazonaws.") && n.ends_with(&suffix))
        .filter(|n| netpath_model::aws_service_of(n) == Some(short))
        .collect();
    if let Some(region) = region {
        let want = format!("com.amazonaws.{region}.{short}");
        if lists.contains(&want.as_str()) {
            return Some(want);
        }
    }
    match lists.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}

/// An interface endpoint: every ENI it has, the asking VPC's zone order kept.
fn interface<'a>(
    topo: &Topology<'a>,
    r: &str,
    e: &'a VpcEndpoint,
    v6: bool,
) -> Result<Endpoint<'a>, ResolveError> {
    let enis: Vec<_> = e
        .network_interface_ids
        .iter()
        .filter_map(|id| topo.eni(id))
        .collect();
    let Some(first) = enis.first() else {
        return Err(ResolveError::Unplaceable {
            reference: r.to_string(),
            message: format!(
                "{} ({} endpoint for {}) has no network interface in the snapshot ({}): collect describe-network-interfaces",
                e.vpc_endpoint_id,
                e.vpc_endpoint_type,
                e.service_name,
                if e.network_interface_ids.is_empty() { "it lists none".to_string() } else { e.network_interface_ids.join(", ") }
            ),
        });
    };
    let mut ep = eni_endpoint(topo, r, first, None, v6);
    for eni in &enis[1..] {
        ep.placements
            .extend(eni_endpoint(topo, r, eni, None, v6).placements);
    }
    if enis.len() > 1 {
        ep.warnings.push(format!(
            "{} has {} network interfaces, one per subnet; its DNS name answers with each, so each is asked",
            e.vpc_endpoint_id,
            enis.len()
        ));
    }
    Ok(ep)
}

/// A gateway endpoint's service: every address of its prefix list.
fn gateway_service<'a>(
    topo: &Topology<'a>,
    r: &str,
    service_name: &str,
) -> Result<Endpoint<'a>, ResolveError> {
    let list = topo
        .snapshot
        .prefix_lists
        .iter()
        .flatten()
        .find(|p| p.prefix_list_name == service_name);
    let cidrs: Vec<Ipv4Net> = list
        .and_then(|p| p.cidrs.as_ref())
        .map(|c| {
            c.iter()
                .filter_map(|n| match n {
                    IpNet::V4(n) => Some(*n),
                    IpNet::V6(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let Some(list) = list.filter(|_| !cidrs.is_empty()) else {
        return Err(ResolveError::Unplaceable {
            reference: r.to_string(),
            message: format!(
                "the addresses of {service_name} are its AWS-managed prefix list's entries, which the snapshot does not hold: collect describe-managed-prefix-lists and get-managed-prefix-list-entries"
            ),
        });
    };
    let mut ep = Endpoint::new(r, EndpointKind::Ip);
    ep.address = Some(AddrSet::every_of_v4(&cidrs));
    ep.warnings.push(format!(
        "`{r}` stands for every address of {} ({service_name}): {}",
        list.prefix_list_id,
        cidrs
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(ep)
}
