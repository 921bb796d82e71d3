//! An RDS DB instance as an end of the flow: located through the ENIs RDS
//! creates for it (description `RDSNetworkInterface`, in a subnet of its DB
//! subnet group, carrying its VPC security groups), else somewhere in the
//! subnets of its subnet group, at an unknown address
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>).

use std::net::Ipv4Addr;

use netpath_model::DbInstance;

use super::{Endpoint, EndpointKind, Placement, ResolveError};
use crate::addr::AddrSet;
use crate::topology::Topology;

/// The endpoint of DB instance `db`, named by `reference`; `v6` places it at
/// its ENIs' IPv6 addresses.
///
/// Errors: [`ResolveError::Unplaceable`] when no ENI or subnet places it
/// (or, with `v6`, no ENI has an IPv6 address).
pub(super) fn db_endpoint<'a>(
    topo: &Topology<'a>,
    reference: &str,
    db: &'a DbInstance,
    v6: bool,
) -> Result<Endpoint<'a>, ResolveError> {
    let mut ep = Endpoint::new(reference, EndpointKind::DbInstance);
    ep.db = Some(db);
    let enis = topo.db_network_interfaces(db);
    if let Some(endpoint) = db
        .endpoint
        .as_ref()
        .filter(|e| !e.resolved_addresses.is_empty())
    {
        // The endpoint's DNS answer at collection time against the ENIs in the
        // snapshot: a mismatch means clients may still connect to a stale
        // address (e.g. after a failover), which the snapshot cannot model.
        let held: Vec<Ipv4Addr> = enis
            .iter()
            .flat_map(|e| e.private_ip_addresses.iter().map(|p| p.private_ip_address))
            .collect();
        if !enis.is_empty() && !endpoint.resolved_addresses.iter().any(|a| held.contains(a)) {
            let show = |v: &[Ipv4Addr]| {
                v.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            ep.warnings.push(format!(
                "{} resolved to {} when the snapshot was taken, but {}'s ENIs in the snapshot hold {}: a client that still uses a stale address (after a failover, or a cached DNS answer) is not what this answer describes",
                endpoint.address,
                show(&endpoint.resolved_addresses),
                db.db_instance_identifier,
                show(&held)
            ));
        }
    }
    if v6 {
        ep.placements
            .extend(enis.iter().filter_map(|e| Placement::of_eni_v6(e)));
        if ep.placements.is_empty() {
            return Err(ResolveError::Unplaceable {
                reference: reference.to_string(),
                message: format!(
                    "DB instance {} has no network interface with an IPv6 address in the snapshot, so it cannot be asked about over IPv6; ask without --ipv6",
                    db.db_instance_identifier
                ),
            });
        }
        return Ok(ep);
    }
    if !enis.is_empty() {
        ep.placements
            .extend(enis.iter().filter_map(|e| Placement::of_eni(e, None)));
        if enis.len() > 1 {
            ep.warnings.push(format!(
                "{} ENIs match {} ({}); the answer covers each, since the snapshot cannot say which one the endpoint points at",
                enis.len(),
                db.db_instance_identifier,
                enis.iter().map(|e| e.network_interface_id.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        return Ok(ep);
    }
    let Some(group) = &db.db_subnet_group else {
        return Err(ResolveError::Unplaceable {
            reference: reference.to_string(),
            message: format!(
                "DB instance {} has no DB subnet group, so netpath cannot place it in a VPC",
                db.db_instance_identifier
            ),
        });
    };
    for sid in &group.subnet_ids {
        let Some(subnet) = topo.subnet(sid) else {
            continue;
        };
        if group.vpc_id.as_ref().is_some_and(|v| v != &subnet.vpc_id) {
            continue;
        }
        ep.placements.push(Placement {
            eni: None,
            subnet_id: subnet.subnet_id.clone(),
            vpc_id: subnet.vpc_id.clone(),
            addr: AddrSet::one_of(&[subnet.cidr_block]),
            public_ip: None,
            groups: db.vpc_security_group_ids.clone(),
        });
    }
    if ep.placements.is_empty() {
        return Err(ResolveError::Unplaceable {
            reference: reference.to_string(),
            message: format!(
                "DB instance {} has no RDSNetworkInterface ENI and none of its subnet group's subnets ({}) is in the snapshot",
                db.db_instance_identifier,
                group.subnet_ids.join(", ")
            ),
        });
    }
    ep.warnings.push(format!(
        "{} has no RDSNetworkInterface ENI in the snapshot; its address is unknown, so every subnet of its subnet group in {} is considered ({})",
        db.db_instance_identifier,
        group.vpc_id.as_deref().unwrap_or("its VPC"),
        ep.placements.iter().map(|p| p.subnet_id.as_str()).collect::<Vec<_>>().join(", ")
    ));
    Ok(ep)
}
