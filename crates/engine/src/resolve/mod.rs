//! Resolution of `--from` / `--to` references to places in the network.
//!
//! A reference is an instance id, an ENI id, an RDS DB identifier (or its
//! endpoint address), a `Name` tag (exact, else ignoring case, said as a
//! note), an IPv4 or IPv6 address, the word `internet`, or what people paste: an
//! ARN or an EC2 DNS name (see `reference.rs`). A reference that matches
//! nothing gets up to three near names.
//! An RDS DB instance is located through the ENIs RDS creates for it:
//! description `RDSNetworkInterface`, in a subnet of its DB subnet group,
//! carrying its VPC security groups
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>).
//! When no such ENI is in the snapshot, the DB is somewhere in the subnets of
//! its subnet group that belong to its VPC, at an unknown address.

use std::net::IpAddr;

use netpath_model::{DbInstance, Instance, NetworkInterface};
use serde::Serialize;

use crate::addr::AddrSet;
use crate::reference::{self, Pasted};

mod db_instance;
use crate::topology::Topology;
use db_instance::db_endpoint;
mod load_balancer;
mod vpc_endpoint;

/// Why a reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Nothing in the snapshot matches; `suggestions` are up to three
    /// names close to it (did you mean).
    #[error("`{reference}` matches no instance, network interface, DB instance, Name tag or IP in the snapshot{}; use an id, a Name tag, an RDS identifier or endpoint, an ARN, an EC2 DNS name, an IP address or `internet`", did_you_mean(.suggestions))]
    NotFound {
        /// What the user typed.
        reference: String,
        /// Names close to it, most similar first.
        suggestions: Vec<String>,
    },
    /// Several resources match; the user must pick one (the message lists
    /// at most 10, with the total).
    #[error("`{reference}` matches {} resources: {}. Pass one of these ids instead", .candidates.len(), capped(.candidates))]
    Ambiguous {
        /// What the user typed.
        reference: String,
        /// The matching ids.
        candidates: Vec<String>,
    },
    /// The resource exists but cannot be placed in the network.
    #[error("`{reference}`: {message}")]
    Unplaceable {
        /// What the user typed.
        reference: String,
        /// Why.
        message: String,
    },
}

/// `; did you mean a, b or c?`, or nothing.
fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        [init @ .., last] => format!(
            "; did you mean {} or `{last}`?",
            init.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The first 10 candidates, then how many more.
fn capped(candidates: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = candidates
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if candidates.len() > SHOWN {
        s.push_str(&format!(" and {} more", candidates.len() - SHOWN));
    }
    s
}

/// A resolved end of the flow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EndpointInfo {
    /// What the user typed.
    pub reference: String,
    /// `instance`, `network-interface`, `db-instance`, `ip` or `internet`.
    pub kind: String,
    /// Instance id, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// DB identifier, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_instance_identifier: Option<String>,
    /// Name tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ENI id (`null` when outside AWS or unknown).
    pub eni: Option<String>,
    /// IPv4 or IPv6 address, or a description of the set (`an address in 10.0.1.0/24`).
    pub ip: Option<String>,
    /// Public IP of the ENI, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// Subnet id.
    pub subnet: Option<String>,
    /// VPC id.
    pub vpc: Option<String>,
    /// Security groups on the ENI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
}

/// Where an end of the flow sits: an ENI (or, for a DB with no ENI in the
/// snapshot, a subnet at an unknown address).
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    /// The ENI, when known.
    pub eni: Option<&'a NetworkInterface>,
    /// Its subnet.
    pub subnet_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Its private address (one address, or the subnet CIDR when unknown);
    /// for an IPv6 question, its IPv6 address.
    pub addr: AddrSet,
    /// The address the internet reaches it by: its public IPv4 address, or
    /// for an IPv6 question its global IPv6 address itself (no NAT).
    pub public_ip: Option<IpAddr>,
    /// Its security groups.
    pub groups: Vec<String>,
}

impl<'a> Placement<'a> {
    /// The placement of an ENI, at its primary private IPv4 address (or
    /// `ip` when given, IPv4 or IPv6).
    pub fn of_eni(eni: &'a NetworkInterface, ip: Option<IpAddr>) -> Option<Placement<'a>> {
        let ip = ip.or_else(|| eni.primary_ip().map(IpAddr::V4))?;
        let public_ip = match ip {
            IpAddr::V4(_) => eni.public_ip().map(IpAddr::V4),
            IpAddr::V6(_) => Some(ip).filter(|a| !crate::addr::is_private_ip(*a)),
        };
        Some(Placement {
            eni: Some(eni),
            subnet_id: eni.subnet_id.to_string(),
            vpc_id: eni.vpc_id.to_string(),
            addr: AddrSet::single(ip),
            public_ip,
            groups: eni.groups.iter().map(|g| g.to_string()).collect(),
        })
    }

    /// The placement of an ENI for an IPv6 question, at its first IPv6
    /// address; `None` when it has none.
    pub fn of_eni_v6(eni: &'a NetworkInterface) -> Option<Placement<'a>> {
        let ip = eni.ipv6_addresses.first()?;
        Placement::of_eni(eni, Some(IpAddr::V6(*ip)))
    }

    /// The placement of an ENI in the address family of the question.
    fn of_eni_in(eni: &'a NetworkInterface, v6: bool) -> Option<Placement<'a>> {
        if v6 {
            Placement::of_eni_v6(eni)
        } else {
            Placement::of_eni(eni, None)
        }
    }

    /// The id to show: the ENI, else the subnet.
    pub fn label(&self) -> &str {
        self.eni
            .map_or(self.subnet_id.as_str(), |e| e.network_interface_id.as_str())
    }
}

/// What kind of thing a reference named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// An EC2 instance (its primary ENI).
    Instance,
    /// A network interface.
    NetworkInterface,
    /// An RDS DB instance.
    DbInstance,
    /// An IPv4 or IPv6 address (private, with or without an ENI, or outside AWS).
    Ip,
    /// Every address on the internet.
    Internet,
}

/// A resolved reference.
#[derive(Debug, Clone)]
pub struct Endpoint<'a> {
    /// What the user typed.
    pub reference: String,
    /// What it named.
    pub kind: EndpointKind,
    /// Where it sits in the network; empty for outside addresses, `internet`,
    /// and private IPs that no ENI holds. Several for a DB with several ENIs
    /// or unknown placement.
    pub placements: Vec<Placement<'a>>,
    /// The address, for an IP or `internet` reference.
    pub address: Option<AddrSet>,
    /// True when the user named the resource by its public IP.
    pub via_public_ip: bool,
    /// The instance, if any.
    pub instance: Option<&'a Instance>,
    /// The DB instance, if any.
    pub db: Option<&'a DbInstance>,
    /// Notes about the resolution (unknown DB address, several ENIs).
    pub warnings: Vec<String>,
}

impl<'a> Endpoint<'a> {
    fn new(reference: &str, kind: EndpointKind) -> Endpoint<'a> {
        Endpoint {
            reference: reference.to_string(),
            kind,
            placements: Vec::new(),
            address: None,
            via_public_ip: false,
            instance: None,
            db: None,
            warnings: Vec::new(),
        }
    }

    /// A load balancer's node as the source of its second leg
    /// (`walk/load_balancer.rs`): named `reference`, placed by the walk.
    pub(crate) fn node(reference: &str) -> Endpoint<'a> {
        Endpoint::new(reference, EndpointKind::NetworkInterface)
    }

    /// True for `internet` and addresses outside every VPC.
    pub fn is_outside(&self) -> bool {
        self.placements.is_empty() && matches!(self.kind, EndpointKind::Internet | EndpointKind::Ip)
    }

    /// The summary shown in the output.
    pub fn info(&self, topo: &Topology) -> EndpointInfo {
        let p = self.placements.first();
        let kind = match self.kind {
            EndpointKind::Instance => "instance",
            EndpointKind::NetworkInterface => "network-interface",
            EndpointKind::DbInstance => "db-instance",
            EndpointKind::Ip => "ip",
            EndpointKind::Internet => "internet",
        };
        let instance = self
            .instance
            .or_else(|| p.and_then(|p| p.eni).and_then(|e| topo.instance_of(e)));
        EndpointInfo {
            reference: self.reference.clone(),
            kind: kind.to_string(),
            instance_id: instance.map(|i| i.instance_id.to_string()),
            db_instance_identifier: self.db.map(|d| d.db_instance_identifier.clone()),
            name: instance.and_then(|i| i.tags.get("Name").map(str::to_string)),
            eni: p
                .and_then(|p| p.eni)
                .map(|e| e.network_interface_id.to_string()),
            ip: p
                .map(|p| p.addr.to_string())
                .or_else(|| self.address.as_ref().map(|a| a.to_string())),
            public_ip: p.and_then(|p| p.public_ip).map(|i| i.to_string()),
            subnet: p.map(|p| p.subnet_id.clone()),
            vpc: p.map(|p| p.vpc_id.clone()),
            security_groups: p.map(|p| p.groups.clone()).unwrap_or_default(),
        }
    }
}

fn primary_eni<'a>(topo: &Topology<'a>, inst: &Instance) -> Option<&'a NetworkInterface> {
    let enis: Vec<&NetworkInterface> = inst
        .network_interface_ids
        .iter()
        .filter_map(|e| topo.eni(e))
        .collect();
    enis.iter()
        .find(|e| e.attachment.as_ref().and_then(|a| a.device_index) == Some(0))
        .or_else(|| {
            enis.iter().find(|e| {
                inst.private_ip_address
                    .is_some_and(|ip| e.has_private_ip(ip))
            })
        })
        .or_else(|| enis.first())
        .copied()
}

fn instance_endpoint<'a>(
    topo: &Topology<'a>,
    reference: &str,
    inst: &'a Instance,
    v6: bool,
) -> Result<Endpoint<'a>, ResolveError> {
    let eni = primary_eni(topo, inst).ok_or_else(|| ResolveError::Unplaceable {
        reference: reference.to_string(),
        message: if inst.is_terminated() {
            format!(
                "instance {} is {}: it has no network interface, so nothing sends or answers",
                inst.instance_id, inst.state
            )
        } else if topo.snapshot.network_interfaces.is_none() {
            format!(
                "instance {} has no network interface in the snapshot; add DescribeNetworkInterfaces output",
                inst.instance_id
            )
        } else {
            format!(
                "instance {} ({}) lists no network interface the snapshot holds ({}); the snapshot may be from another time than its instances",
                inst.instance_id,
                inst.state,
                if inst.network_interface_ids.is_empty() { "none listed".to_string() } else { inst.network_interface_ids.join(", ") }
            )
        },
    })?;
    let mut ep = Endpoint::new(reference, EndpointKind::Instance);
    ep.instance = Some(inst);
    ep.placements.extend(Placement::of_eni_in(eni, v6));
    if v6 && ep.placements.is_empty() {
        return Err(no_ipv6(reference, &eni.network_interface_id));
    }
    Ok(ep)
}

/// The error for an IPv6 question about something with no IPv6 address.
fn no_ipv6(reference: &str, eni: &str) -> ResolveError {
    ResolveError::Unplaceable {
        reference: reference.to_string(),
        message: format!(
            "{eni} has no IPv6 address (Ipv6Addresses is empty), so it cannot be asked about over IPv6; ask without --ipv6, or assign it an IPv6 address"
        ),
    }
}

fn eni_endpoint<'a>(
    topo: &Topology<'a>,
    reference: &str,
    eni: &'a NetworkInterface,
    ip: Option<IpAddr>,
    v6: bool,
) -> Endpoint<'a> {
    let mut ep = Endpoint::new(reference, EndpointKind::NetworkInterface);
    ep.instance = topo.instance_of(eni);
    match ip {
        Some(_) => ep.placements.extend(Placement::of_eni(eni, ip)),
        None => ep.placements.extend(Placement::of_eni_in(eni, v6)),
    }
    if ep.placements.is_empty() {
        ep.warnings.push(format!(
            "{} has no {} address",
            eni.network_interface_id,
            if v6 { "IPv6" } else { "private IPv4" }
        ));
    }
    ep
}

/// Resolves one reference. `prefer_vpc` breaks ties between ENIs that hold the
/// same private IP in different VPCs (the other end's VPC wins).
///
/// Errors: [`ResolveError::NotFound`], [`ResolveError::Ambiguous`] (listing the
/// candidates), [`ResolveError::Unplaceable`].
pub fn resolve<'a>(
    topo: &Topology<'a>,
    reference: &str,
    prefer_vpc: Option<&str>,
) -> Result<Endpoint<'a>, ResolveError> {
    resolve_in(topo, reference, prefer_vpc, false)
}

/// Resolves one reference for a question in one address family: with `v6`,
/// instances, ENIs and DB instances stand at their (first) IPv6 address and
/// `internet` is the IPv6 internet (`2000::/3`). An IP literal keeps its own
/// family; the caller checks that both ends agree.
///
/// Errors: as [`resolve`], and [`ResolveError::Unplaceable`] for a resource
/// with no IPv6 address when `v6` is set.
pub fn resolve_in<'a>(
    topo: &Topology<'a>,
    reference: &str,
    prefer_vpc: Option<&str>,
    v6: bool,
) -> Result<Endpoint<'a>, ResolveError> {
    let r = reference.trim();
    if r.eq_ignore_ascii_case("internet") {
        let mut ep = Endpoint::new(r, EndpointKind::Internet);
        ep.address = Some(if v6 {
            AddrSet::internet_v6()
        } else {
            AddrSet::internet()
        });
        return Ok(ep);
    }
    if let Ok(ip) = r.parse::<IpAddr>() {
        return Ok(resolve_ip(topo, r, ip, prefer_vpc));
    }
    if let Some(ep) = onprem_endpoint(topo, r)? {
        return Ok(ep);
    }
    if let Some(lb) = topo.load_balancers.find(r, false) {
        return load_balancer::endpoint(topo, r, lb, v6);
    }
    match reference::canonical(r) {
        Some(Pasted::Id(id)) => {
            let mut ep = resolve_in(topo, &id, prefer_vpc, v6)?;
            ep.reference = r.to_string();
            return Ok(ep);
        }
        Some(Pasted::Ip(ip)) => return Ok(resolve_ip(topo, r, ip.into(), prefer_vpc)),
        Some(Pasted::Unsupported(message)) => {
            return Err(ResolveError::Unplaceable {
                reference: r.to_string(),
                message,
            })
        }
        None => {}
    }
    if let Some(inst) = topo.instance(r) {
        return instance_endpoint(topo, r, inst, v6);
    }
    if let Some(eni) = topo.eni(r) {
        return Ok(eni_endpoint(topo, r, eni, None, v6));
    }
    if r.starts_with("vpce-") {
        if let Some(ep) = vpc_endpoint::service_endpoint(topo, r, prefer_vpc, v6)? {
            return Ok(ep);
        }
    }
    // Name tags and DB identifiers: collect every match, then insist on one.
    let mut candidates: Vec<String> = Vec::new();
    let mut found: Option<Endpoint<'a>> = None;
    for db in topo.snapshot.db_instances.iter().flatten() {
        let by_endpoint = db
            .endpoint
            .as_ref()
            .is_some_and(|e| e.address.eq_ignore_ascii_case(r));
        if db.db_instance_identifier == r || by_endpoint {
            candidates.push(format!("DB instance {}", db.db_instance_identifier));
            found = Some(db_endpoint(topo, r, db, v6)?);
        }
    }
    // Terminated instances linger in DescribeInstances under the same Name
    // tag; a Name means the live instance.
    let named = topo.instances_named(r);
    let live: Vec<&Instance> = named
        .iter()
        .filter(|i| !i.is_terminated())
        .copied()
        .collect();
    if live.is_empty()
        && !named.is_empty()
        && candidates.is_empty()
        && topo.enis_named(r).is_empty()
    {
        return Err(ResolveError::Unplaceable {
            reference: r.to_string(),
            message: format!(
                "the Name tag matches only terminated instances ({}): a terminated instance has no network interface, so nothing sends or answers",
                named.iter().map(|i| format!("{} ({})", i.instance_id, i.state)).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    for inst in &live {
        candidates.push(format!("instance {} ({})", inst.instance_id, inst.state));
        found = Some(instance_endpoint(topo, r, inst, v6)?);
    }
    for eni in topo.enis_named(r) {
        candidates.push(format!("network interface {}", eni.network_interface_id));
        found = Some(eni_endpoint(topo, r, eni, None, v6));
    }
    if candidates.is_empty() {
        if let Some(lb) = topo.load_balancers.find(r, true) {
            return load_balancer::endpoint(topo, r, lb, v6);
        }
        if let Some(ep) = vpc_endpoint::service_endpoint(topo, r, prefer_vpc, v6)? {
            return Ok(ep);
        }
    }
    match (candidates.len(), found) {
        (1, Some(ep)) => Ok(ep),
        (0, _) => match reference::case_insensitive(topo, r)[..] {
            // Names are case-sensitive in AWS; a unique match ignoring case
            // is what was meant, said as a note.
            [name] => {
                let mut ep = resolve_in(topo, name, prefer_vpc, v6)?;
                ep.reference = r.to_string();
                ep.warnings.push(format!(
                    "`{r}` matches the name `{name}` only ignoring case"
                ));
                Ok(ep)
            }
            [] => Err(ResolveError::NotFound {
                reference: r.to_string(),
                suggestions: reference::did_you_mean(topo, r),
            }),
            ref several => Err(ResolveError::Ambiguous {
                reference: r.to_string(),
                candidates: several.iter().map(|n| format!("`{n}`")).collect(),
            }),
        },
        _ => Err(ResolveError::Ambiguous {
            reference: r.to_string(),
            candidates,
        }),
    }
}

fn resolve_ip<'a>(
    topo: &Topology<'a>,
    r: &str,
    ip: IpAddr,
    prefer_vpc: Option<&str>,
) -> Endpoint<'a> {
    let private = topo.enis_with_private_ip(ip);
    let chosen: Vec<&NetworkInterface> = match prefer_vpc {
        Some(v) if private.len() > 1 && private.iter().any(|e| e.vpc_id == v) => {
            private.iter().filter(|e| e.vpc_id == v).copied().collect()
        }
        _ => private.to_vec(),
    };
    if chosen.len() == 1 {
        let mut ep = eni_endpoint(topo, r, chosen[0], Some(ip), ip.is_ipv6());
        ep.kind = EndpointKind::Ip;
        return ep;
    }
    let mut ep = Endpoint::new(r, EndpointKind::Ip);
    ep.address = Some(AddrSet::single(ip));
    if chosen.len() > 1 {
        ep.warnings.push(format!(
            "{ip} is held by several ENIs ({}); routing decides which one is reached",
            chosen
                .iter()
                .map(|e| e.network_interface_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return ep;
    }
    if let [eni] = topo.enis_with_public_ip(ip) {
        let mut ep = eni_endpoint(topo, r, eni, None, false);
        ep.kind = EndpointKind::Ip;
        ep.via_public_ip = true;
        return ep;
    }
    ep
}

/// `onprem:NAME` (or `onprem` when exactly one is declared): every address
/// of a declared on-premises network (`onprem.json`, `--onprem`). `None`
/// for any other reference.
///
/// Errors: [`ResolveError::Unplaceable`] naming the declared networks when
/// none (or, for `onprem`, more than one) matches.
fn onprem_endpoint<'a>(topo: &Topology<'a>, r: &str) -> Result<Option<Endpoint<'a>>, ResolveError> {
    let Some(found) = topo.onprem_named(r) else {
        return Ok(None);
    };
    let declared: Vec<&netpath_model::OnPremNetwork> =
        topo.snapshot.onprem_networks.iter().flatten().collect();
    match found.as_slice() {
        [n] => {
            let mut ep = Endpoint::new(r, EndpointKind::Ip);
            ep.address = Some(AddrSet::every_of(n.cidr));
            Ok(Some(ep))
        }
        _ => Err(ResolveError::Unplaceable {
            reference: r.to_string(),
            message: if declared.is_empty() {
                "no on-premises network is declared: pass --onprem NAME=CIDR or put an onprem.json beside the snapshot".into()
            } else {
                format!(
                    "name one of the declared on-premises networks: {}",
                    declared
                        .iter()
                        .map(|n| format!("onprem:{} ({})", n.name, n.cidr))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        }),
    }
}
