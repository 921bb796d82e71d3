//! Where an RDS DB instance is: the network interfaces RDS created for it.
//!
//! RDS places a DB instance in a VPC through its DB subnet group, creating a
//! requester-managed network interface in one of the group's subnets that
//! carries the DB's VPC security groups
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>).
//! Such an interface shows who made it in `RequesterId` and `Description`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html>);
//! RDS writes `amazon-rds` and `RDSNetworkInterface`. The snapshot does not
//! link an interface to its DB, so the lab takes the simplest rule these
//! pages give: an interface is DB `d`'s when RDS made it (either mark), it
//! is in a subnet of `d`'s subnet group (and in the group's VPC, when
//! given), and its groups are exactly `d`'s VPC security groups. Two DBs
//! that share a subnet group and security groups cannot be told apart this
//! way; the lab then gives their interfaces to the later DB in the snapshot.

use std::collections::{BTreeSet, HashMap};

use netpath_model::{DbInstance, NetworkInterface, Snapshot};

/// What the lab builds for a DB's interface: whether it answers (the DB is
/// `available`) and on which port it listens (`Endpoint.Port`).
/// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html>
#[derive(Debug, Clone, Copy)]
pub(super) struct DbPlacement {
    /// `DBInstanceStatus` is `available`.
    pub available: bool,
    /// The endpoint's port, when the snapshot has an endpoint.
    pub port: Option<u16>,
}

/// True when RDS created `eni` (`RequesterId` `amazon-rds`, or the
/// `Description` RDS gives its interfaces).
fn created_by_rds(eni: &NetworkInterface) -> bool {
    eni.requester_id.as_deref() == Some("amazon-rds") || eni.description == "RDSNetworkInterface"
}

/// The interfaces of `snap` that are `db`'s (see the module rule); none when
/// the DB has no subnet group (it is not in a VPC).
pub(super) fn db_network_interfaces<'a>(
    snap: &'a Snapshot,
    db: &DbInstance,
) -> Vec<&'a NetworkInterface> {
    let Some(group) = &db.db_subnet_group else {
        return Vec::new();
    };
    let groups: BTreeSet<&str> = db
        .vpc_security_group_ids
        .iter()
        .map(String::as_str)
        .collect();
    snap.network_interfaces
        .iter()
        .flatten()
        .filter(|e| created_by_rds(e))
        .filter(|e| group.subnet_ids.iter().any(|s| s == e.subnet_id))
        .filter(|e| group.vpc_id.as_ref().is_none_or(|v| *v == e.vpc_id))
        .filter(|e| e.groups.iter().map(|g| g.as_str()).collect::<BTreeSet<_>>() == groups)
        .collect()
}

/// Every DB interface of `snap`, by `NetworkInterfaceId`.
pub(super) fn db_placements(snap: &Snapshot) -> HashMap<String, DbPlacement> {
    let mut out = HashMap::new();
    for db in snap.db_instances.iter().flatten() {
        for e in db_network_interfaces(snap, db) {
            out.insert(
                e.network_interface_id.to_string(),
                DbPlacement {
                    available: db.db_instance_status == "available",
                    port: db.endpoint.as_ref().map(|x| x.port),
                },
            );
        }
    }
    out
}
