//! Flows to the internet: the ports `diff` compares them on, and the edits
//! that act on them beyond a source's own footprint.

use std::collections::{BTreeMap, BTreeSet};

use netpath_model::{CompactString, Direction, IpProtocol, PortRange};

use crate::classes::{rule_ports, End, EndKind};
use crate::edits::Edit;
use crate::topology::Topology;

/// Sets the ports of the `internet` end, per side: every TCP/UDP range some
/// source ENI's egress rules open there, and always TCP 80 and 443.
pub(super) fn set_internet_ports(topos: [&Topology; 2], ends: &mut BTreeMap<CompactString, End>) {
    for (sd, topo) in topos.iter().enumerate() {
        let mut ports: BTreeSet<(IpProtocol, PortRange)> = [80, 443]
            .into_iter()
            .map(|p| (IpProtocol::Tcp, PortRange::new(p, p)))
            .collect();
        for e in ends.values() {
            if e.kind == EndKind::Eni && !e.managed {
                ports.extend(rule_ports(topo, &e.groups[sd], Direction::Egress));
            }
        }
        // Declared on-premises networks are asked on the same ports.
        let ports: Vec<_> = ports.into_iter().collect();
        for e in ends
            .values_mut()
            .filter(|e| e.kind == EndKind::Internet || e.kind == EndKind::OnPrem)
        {
            e.ports[sd] = ports.clone();
        }
    }
}

/// True when an edit acts on the way out to the internet beyond a source's
/// own footprint (which holds its subnet's route table, ACL and route
/// targets): an internet gateway, an egress-only internet gateway, a NAT
/// gateway, or a NAT gateway's own subnet, route table or network ACL.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html>
pub(super) fn touched(topos: [&Topology; 2], edits: &[Edit]) -> bool {
    let mut outside: BTreeSet<CompactString> = BTreeSet::new();
    for topo in topos {
        outside.extend(
            topo.snapshot
                .internet_gateways
                .iter()
                .flatten()
                .map(|g| g.internet_gateway_id.as_str().into()),
        );
        for n in topo.snapshot.nat_gateways.iter().flatten() {
            outside.insert(n.nat_gateway_id.clone().into());
            if let Some(subnet) = topo.subnet(&n.subnet_id) {
                outside.insert(subnet.subnet_id.clone().into());
                if let Ok(acl) = crate::network_acl::network_acl_for_subnet(topo, subnet) {
                    outside.insert(acl.network_acl_id.clone().into());
                }
                if let Ok((rt, _)) = crate::route_table::route_table_for_subnet(topo, subnet) {
                    outside.insert(rt.route_table_id.clone().into());
                }
            }
        }
    }
    edits.iter().any(|e| {
        matches!(
            e.resource_type,
            "internet-gateway" | "egress-only-internet-gateway" | "nat-gateway"
        ) || e.touches.iter().any(|t| outside.contains(t.as_str()))
    })
}
