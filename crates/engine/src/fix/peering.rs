//! The fix when no active peering joins the two VPCs: one new peering,
//! accepted, and the route on both sides, as one step. Peering needs an
//! active connection and a route in each VPC's table
//! (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html>);
//! a cross-account or cross-region request names the peer's owner and
//! region, and the accepter accepts it
//! (<https://docs.aws.amazon.com/vpc/latest/peering/create-vpc-peering-connection.html>).
//! A blackhole route to the old peering is replaced (`replace-route`), never
//! left beside a new one. VPCs whose IPv4 CIDRs overlap cannot be peered
//! (<https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations>):
//! for them the advice names the overlap and carries no command.

use ipnet::IpNet;

use super::FixContext;
use crate::answer::FixEdit;
use crate::resolve::Placement;
use crate::route_table::route_table_for_subnet;

impl FixContext<'_, '_> {
    /// One new peering between the client's and the server's VPCs, accepted,
    /// with a route to the other side in each end's route table. `None`
    /// when an end is not placed in a VPC or its route table is unknown.
    pub(super) fn new_peering(&self) -> Option<(String, Option<String>, Option<FixEdit>)> {
        let (client, server) = (self.sp?, self.dp?);
        if client.vpc_id == server.vpc_id {
            return None;
        }
        let side = |p: &Placement, other: &Placement| -> Option<(String, IpNet, bool)> {
            let subnet = self.topo.subnet(&p.subnet_id)?;
            let (rt, _) = route_table_for_subnet(self.topo, subnet).ok()?;
            let vpc = self.topo.vpc(&other.vpc_id)?;
            let dest = vpc
                .cidr_blocks
                .iter()
                .map(|c| IpNet::V4(*c))
                .chain(vpc.ipv6_cidr_blocks.iter().map(|c| IpNet::V6(*c)))
                .find(|c| other.addr.within(c))?;
            let replace = rt.routes.iter().any(|r| {
                r.destination_cidr_block.map(IpNet::V4) == Some(dest)
                    || r.destination_ipv6_cidr_block.map(IpNet::V6) == Some(dest)
            });
            Some((rt.route_table_id.clone(), dest, replace))
        };
        let (mine, theirs) = (
            self.topo.vpc(&client.vpc_id)?,
            self.topo.vpc(&server.vpc_id)?,
        );
        let overlap = mine.cidr_blocks.iter().find_map(|a| {
            theirs
                .cidr_blocks
                .iter()
                .find(|b| a.contains(&b.network()) || b.contains(&a.network()))
                .map(|b| (a, b))
        });
        if let Some((a, b)) = overlap {
            return Some((
                format!(
                    "{} ({a}) and {} ({b}) have overlapping CIDRs, so they cannot be peered, nor routed to each other through a transit gateway: reach the service through AWS PrivateLink (an endpoint service in front of it) or a private NAT gateway, or re-address one of the VPCs",
                    self.topo.label(&client.vpc_id),
                    self.topo.label(&server.vpc_id)
                ),
                None,
                None,
            ));
        }
        let there = side(client, server)?;
        let back = side(server, client)?;
        let mut peer = String::new();
        let mut across = Vec::new();
        if let (Some(a), Some(b)) = (&mine.owner_id, &theirs.owner_id) {
            if a != b {
                peer.push_str(&format!(" --peer-owner-id {b}"));
                across.push(format!("account {b}"));
            }
        }
        if let (Some(a), Some(b)) = (&mine.region, &theirs.region) {
            if a != b {
                peer.push_str(&format!(" --peer-region {b}"));
                across.push(format!("region {b}"));
            }
        }
        let route =
            |(rtb, dest, replace): &(String, IpNet, bool)| {
                format!(
                "aws ec2 {} --route-table-id {rtb} {} {dest} --vpc-peering-connection-id \"$PCX\"",
                if *replace { "replace-route" } else { "create-route" },
                super::route::destination_flag(&dest.to_string())
            )
            };
        let command = format!(
            "PCX=$(aws ec2 create-vpc-peering-connection --vpc-id {} --peer-vpc-id {}{peer} --query VpcPeeringConnection.VpcPeeringConnectionId --output text) && aws ec2 accept-vpc-peering-connection --vpc-peering-connection-id \"$PCX\" && {} && {}",
            client.vpc_id,
            server.vpc_id,
            route(&there),
            route(&back)
        );
        let verb = |r: &(String, IpNet, bool)| if r.2 { "replace" } else { "add" };
        let summary = format!(
            "no active peering joins {} and {}: create one{}, accept it{}, {} the route to {} in {} and {} the route back to {} in {}",
            client.vpc_id,
            server.vpc_id,
            if across.is_empty() { String::new() } else { format!(" (to {})", across.join(" in ")) },
            if across.is_empty() { "" } else { " (in the accepter's account)" },
            verb(&there),
            there.1,
            there.0,
            verb(&back),
            back.1,
            back.0
        );
        let edit = FixEdit::NewVpcPeeringConnection {
            requester_vpc_id: client.vpc_id.clone(),
            accepter_vpc_id: server.vpc_id.clone(),
            routes: vec![(there.0.clone(), there.1), (back.0.clone(), back.1)],
        };
        Some((summary, Some(command), Some(edit)))
    }
}
