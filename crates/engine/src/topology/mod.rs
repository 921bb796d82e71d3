//! The topology: a read-only index over a [`Snapshot`] and a petgraph graph of
//! VPCs joined by peering connections and attached internet gateways.
//!
//! Built once per snapshot in O(resources); every lookup the walk needs is a
//! hash-map hit afterwards. The engine never does I/O: the snapshot comes in
//! already loaded.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::index::IdIndex;
use std::net::IpAddr;

mod hosts;
use hosts::Hosts;

use netpath_model::*;
use petgraph::graph::{NodeIndex, UnGraph};

/// A node of the topology graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A VPC, by id.
    Vpc(String),
    /// An internet gateway, by id.
    InternetGateway(String),
}

/// An edge of the topology graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// A VPC peering connection (any status), by id.
    Peering(String),
    /// An internet gateway attachment, with its state.
    Attachment(String),
}

/// Index over one snapshot. Borrowed from it; cheap to query.
pub struct Topology<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    vpcs: IdIndex<'a, Vpc>,
    subnets: IdIndex<'a, Subnet>,
    /// Each VPC's subnets, so that finding the subnet of an address looks
    /// at one VPC's, not every subnet of the estate.
    subnets_by_vpc: HashMap<&'a str, Vec<&'a Subnet>>,
    groups: IdIndex<'a, SecurityGroup>,
    acls: IdIndex<'a, NetworkAcl>,
    acl_by_subnet: HashMap<&'a str, &'a NetworkAcl>,
    default_acl_by_vpc: HashMap<&'a str, &'a NetworkAcl>,
    route_tables: IdIndex<'a, RouteTable>,
    rt_by_subnet: HashMap<&'a str, &'a RouteTable>,
    main_rt_by_vpc: HashMap<&'a str, &'a RouteTable>,
    /// Network interfaces and instances by id, address, group and name:
    /// shared with the topologies of copies that share those collections.
    hosts: Arc<Hosts<'a>>,
    peerings: IdIndex<'a, VpcPeeringConnection>,
    igws: IdIndex<'a, InternetGateway>,
    nats: IdIndex<'a, NatGateway>,
    prefix_lists: IdIndex<'a, PrefixList>,
    dbs: IdIndex<'a, DbInstance>,
    graph: UnGraph<Node, Edge>,
    vpc_nodes: HashMap<&'a str, NodeIndex>,
    db_enis: HashMap<&'a str, Vec<&'a NetworkInterface>>,
    /// Transit gateways, their attachments and route tables.
    pub(crate) tgw: crate::transit_gateway::TransitGateways<'a>,
    /// VPC endpoints, by id and by interface-endpoint ENI.
    pub(crate) endpoints: crate::vpc_endpoint::VpcEndpoints<'a>,
    /// Load balancers, listeners, target groups and target health.
    pub(crate) load_balancers: crate::load_balancer::LoadBalancers<'a>,
}

impl<'a> Topology<'a> {
    /// The declared on-premises networks a reference names: for
    /// `onprem:NAME` (or `onprem:CIDR`) those with that name or CIDR, for
    /// `onprem` every one; `None` for any other reference.
    pub fn onprem_named(&self, reference: &str) -> Option<Vec<&'a OnPremNetwork>> {
        let name = match reference.strip_prefix("onprem:") {
            Some(n) => Some(n),
            None if reference == "onprem" => None,
            None => return None,
        };
        Some(
            self.snapshot
                .onprem_networks
                .iter()
                .flatten()
                .filter(|n| name.is_none_or(|x| n.name == x || n.cidr.to_string() == x))
                .collect(),
        )
    }

    /// The declared on-premises network (`onprem.json`, `--onprem`) that
    /// holds every address of `addr`: the narrowest when several do.
    pub fn onprem_network(&self, addr: &crate::addr::AddrSet) -> Option<&'a OnPremNetwork> {
        self.snapshot
            .onprem_networks
            .iter()
            .flatten()
            .filter(|n| addr.within(&n.cidr))
            .max_by_key(|n| n.cidr.prefix_len())
    }

    /// Indexes `snapshot`. Never fails: inconsistencies are left for the walk
    /// to report as missing data.
    pub fn new(snapshot: &'a Snapshot) -> Topology<'a> {
        Self::assemble(snapshot, Arc::new(Hosts::new(snapshot)), None)
    }

    /// Indexes `snapshot`, a copy of this topology's snapshot with some
    /// changes (a fix applied, an edit tried), as [`Topology::new`] would.
    /// When the copy still shares its network interfaces and instances with
    /// this snapshot ([`netpath_model::Shared::ptr_eq`]: no change touched
    /// them), their indexes, which are most of the work at 100,000 ENIs, are
    /// this topology's own, shared rather than built again; so are the DB
    /// instances' ENIs when the DB instances are unchanged too.
    pub fn patched<'b>(&self, snapshot: &'b Snapshot) -> Topology<'b>
    where
        'a: 'b,
    {
        fn same<T>(a: &Option<Shared<T>>, b: &Option<Shared<T>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Shared::ptr_eq(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
        }
        let (was, now) = (self.snapshot, snapshot);
        if same(&was.network_interfaces, &now.network_interfaces)
            && same(&was.instances, &now.instances)
        {
            let db_enis = (was.db_instances == now.db_instances).then(|| self.db_enis.clone());
            Topology::assemble(snapshot, self.hosts.clone(), db_enis)
        } else {
            Topology::new(snapshot)
        }
    }

    /// The topology of `snapshot` around its host indexes `hosts` (built
    /// from `snapshot`'s own network interfaces and instances, or from
    /// identical shared ones), and its DB instances' ENIs when known
    /// already (`db_enis`: found on the same hosts and DB instances).
    fn assemble(
        snapshot: &'a Snapshot,
        hosts: Arc<Hosts<'a>>,
        db_enis: Option<HashMap<&'a str, Vec<&'a NetworkInterface>>>,
    ) -> Topology<'a> {
        let acls = IdIndex::new(&snapshot.network_acls, |a| a.network_acl_id.as_str());
        let mut acl_by_subnet = HashMap::new();
        let mut default_acl_by_vpc = HashMap::new();
        for acl in snapshot.network_acls.iter().flatten() {
            for s in &acl.associated_subnet_ids {
                acl_by_subnet.insert(s.as_str(), acl);
            }
            if acl.is_default {
                default_acl_by_vpc.insert(acl.vpc_id.as_str(), acl);
            }
        }
        let mut rt_by_subnet = HashMap::new();
        let mut main_rt_by_vpc = HashMap::new();
        for rt in snapshot.route_tables.iter().flatten() {
            for a in &rt.associations {
                if a.state.as_deref().is_some_and(|s| s != "associated") {
                    continue;
                }
                if a.main {
                    main_rt_by_vpc.insert(rt.vpc_id.as_str(), rt);
                }
                if let Some(s) = &a.subnet_id {
                    rt_by_subnet.insert(s.as_str(), rt);
                }
            }
        }
        let mut graph = UnGraph::new_undirected();
        let mut vpc_nodes = HashMap::new();
        let mut vpc_node = |graph: &mut UnGraph<Node, Edge>, id: &'a str| {
            *vpc_nodes
                .entry(id)
                .or_insert_with(|| graph.add_node(Node::Vpc(id.to_string())))
        };
        for v in snapshot.vpcs.iter().flatten() {
            vpc_node(&mut graph, &v.vpc_id);
        }
        for p in snapshot.vpc_peering_connections.iter().flatten() {
            let a = vpc_node(&mut graph, &p.requester_vpc_info.vpc_id);
            let b = vpc_node(&mut graph, &p.accepter_vpc_info.vpc_id);
            graph.add_edge(a, b, Edge::Peering(p.vpc_peering_connection_id.clone()));
        }
        for g in snapshot.internet_gateways.iter().flatten() {
            let n = graph.add_node(Node::InternetGateway(g.internet_gateway_id.clone()));
            for att in &g.attachments {
                let v = vpc_node(&mut graph, &att.vpc_id);
                graph.add_edge(v, n, Edge::Attachment(att.state.clone()));
            }
        }
        let mut topo = Topology {
            snapshot,
            vpcs: IdIndex::new(&snapshot.vpcs, |v| v.vpc_id.as_str()),
            subnets: IdIndex::new(&snapshot.subnets, |s| s.subnet_id.as_str()),
            subnets_by_vpc: {
                let mut m: HashMap<&str, Vec<&Subnet>> = HashMap::new();
                for s in snapshot.subnets.iter().flatten() {
                    m.entry(s.vpc_id.as_str()).or_default().push(s);
                }
                m
            },
            groups: IdIndex::new(&snapshot.security_groups, |g| g.group_id.as_str()),
            acls,
            acl_by_subnet,
            default_acl_by_vpc,
            route_tables: IdIndex::new(&snapshot.route_tables, |r| r.route_table_id.as_str()),
            rt_by_subnet,
            main_rt_by_vpc,
            hosts,
            peerings: IdIndex::new(&snapshot.vpc_peering_connections, |p| {
                p.vpc_peering_connection_id.as_str()
            }),
            igws: IdIndex::new(&snapshot.internet_gateways, |g| {
                g.internet_gateway_id.as_str()
            }),
            nats: IdIndex::new(&snapshot.nat_gateways, |n| n.nat_gateway_id.as_str()),
            prefix_lists: IdIndex::new(&snapshot.prefix_lists, |p| p.prefix_list_id.as_str()),
            dbs: IdIndex::new(&snapshot.db_instances, |d| {
                d.db_instance_identifier.as_str()
            }),
            graph,
            vpc_nodes,
            db_enis: HashMap::new(),
            tgw: crate::transit_gateway::TransitGateways::new(snapshot),
            endpoints: crate::vpc_endpoint::VpcEndpoints::new(snapshot),
            load_balancers: crate::load_balancer::LoadBalancers::new(snapshot),
        };
        // The ENIs of each DB instance, found once (every DB question needs them).
        topo.db_enis = db_enis.unwrap_or_else(|| {
            snapshot
                .db_instances
                .iter()
                .flatten()
                .map(|d| {
                    (
                        d.db_instance_identifier.as_str(),
                        db_enis_uncached(&topo, d),
                    )
                })
                .collect()
        });
        topo
    }

    /// True when some ENI of the snapshot has an IPv6 address: only then do
    /// `reach` and `diff` have IPv6 flows to compare.
    pub fn has_ipv6_addresses(&self) -> bool {
        self.snapshot
            .network_interfaces
            .iter()
            .flatten()
            .any(|e| !e.ipv6_addresses.is_empty())
    }

    /// The ENIs RDS created for `db` (see [`db_enis_uncached`]): found once
    /// in [`Topology::new`] for this snapshot's own DB instances, else now.
    pub fn db_network_interfaces(&self, db: &DbInstance) -> Vec<&'a NetworkInterface> {
        match self.dbs.get(db.db_instance_identifier.as_str()) {
            Some(own) if std::ptr::eq(own, db) => self
                .db_enis
                .get(db.db_instance_identifier.as_str())
                .cloned()
                .unwrap_or_default(),
            _ => db_enis_uncached(self, db),
        }
    }

    /// The DB instance an RDS-created ENI belongs to, if the snapshot has it.
    pub fn db_of_network_interface(&self, eni: &NetworkInterface) -> Option<&'a DbInstance> {
        if !is_rds(eni) {
            return None;
        }
        self.snapshot.db_instances.iter().flatten().find(|db| {
            self.db_network_interfaces(db)
                .iter()
                .any(|e| e.network_interface_id == eni.network_interface_id)
        })
    }

    /// A VPC by id.
    pub fn vpc(&self, id: &str) -> Option<&'a Vpc> {
        self.vpcs.get(id)
    }
    /// A subnet by id.
    pub fn subnet(&self, id: &str) -> Option<&'a Subnet> {
        self.subnets.get(id)
    }
    /// A security group by id.
    pub fn security_group(&self, id: &str) -> Option<&'a SecurityGroup> {
        self.groups.get(id)
    }
    /// A network ACL by id.
    pub fn network_acl(&self, id: &str) -> Option<&'a NetworkAcl> {
        self.acls.get(id)
    }
    /// The ACL explicitly associated with a subnet.
    pub fn explicit_network_acl(&self, subnet_id: &str) -> Option<&'a NetworkAcl> {
        self.acl_by_subnet.get(subnet_id).copied()
    }
    /// The default ACL of a VPC.
    pub fn default_network_acl(&self, vpc_id: &str) -> Option<&'a NetworkAcl> {
        self.default_acl_by_vpc.get(vpc_id).copied()
    }
    /// A route table by id.
    pub fn route_table(&self, id: &str) -> Option<&'a RouteTable> {
        self.route_tables.get(id)
    }
    /// The route table explicitly associated with a subnet.
    pub fn explicit_route_table(&self, subnet_id: &str) -> Option<&'a RouteTable> {
        self.rt_by_subnet.get(subnet_id).copied()
    }
    /// The main route table of a VPC.
    pub fn main_route_table(&self, vpc_id: &str) -> Option<&'a RouteTable> {
        self.main_rt_by_vpc.get(vpc_id).copied()
    }
    /// An ENI by id.
    pub fn eni(&self, id: &str) -> Option<&'a NetworkInterface> {
        self.hosts.enis.get(id)
    }
    /// ENIs holding `ip` as a private IPv4 address or an IPv6 address
    /// (several when VPC CIDRs overlap).
    pub fn enis_with_private_ip(&self, ip: impl Into<IpAddr>) -> &[&'a NetworkInterface] {
        self.hosts.enis_by_ip.get(&ip.into())
    }
    /// ENIs whose public IPv4 address is `ip`, or that hold `ip` as a global
    /// IPv6 address.
    pub fn enis_with_public_ip(&self, ip: impl Into<IpAddr>) -> &[&'a NetworkInterface] {
        self.hosts.enis_by_public_ip.get(&ip.into())
    }
    /// ENIs holding a private IPv4 address or an IPv6 address inside `net`,
    /// in address order (an ENI with several such addresses more than once).
    pub(crate) fn enis_with_private_ip_in(&self, net: &ipnet::IpNet) -> &[&'a NetworkInterface] {
        self.hosts
            .enis_by_ip
            .range(&net.network(), &net.broadcast())
    }
    /// ENIs without a primary private IPv4 address.
    pub(crate) fn enis_without_ipv4(&self) -> &[&'a NetworkInterface] {
        &self.hosts.without_ipv4
    }
    /// ENIs carrying a security group.
    pub fn group_members(&self, group_id: &str) -> &[&'a NetworkInterface] {
        self.hosts
            .group_members
            .get(group_id)
            .map_or(&[], Vec::as_slice)
    }
    /// Instances whose `Name` tag is `name`, in snapshot order.
    pub fn instances_named(&self, name: &str) -> &[&'a Instance] {
        self.hosts.instances_by_name.get(name)
    }
    /// ENIs whose `Name` tag is `name`, in snapshot order.
    pub fn enis_named(&self, name: &str) -> &[&'a NetworkInterface] {
        self.hosts.enis_by_name.get(name)
    }
    /// What is missing to evaluate a layer, or `None` when its data is there.
    ///
    /// Input: whether the collection is present at all, the IAM-style
    /// operation that reads it (`ec2:DescribeRouteTables`), a human name
    /// (`route tables`), and the VPC the evaluation concerns. Output: `Some`
    /// sentence when the collection is absent (`route tables (no
    /// DescribeRouteTables output)`) or when the snapshot records a
    /// collection gap for that operation in the VPC's region (or in an
    /// unknown region), naming the region and the error.
    pub fn missing(
        &self,
        present: bool,
        operation: &str,
        what: &str,
        vpc_id: Option<&str>,
    ) -> Option<String> {
        let short = operation.split(':').next_back().unwrap_or(operation);
        if !present {
            return Some(format!("{what} (no {short} output)"));
        }
        let vpc = vpc_id.and_then(|v| self.vpc(v));
        let region = vpc.and_then(|v| v.region.as_deref());
        let owner = vpc.and_then(|v| v.owner_id.as_deref());
        self.snapshot
            .metadata
            .gaps
            .iter()
            .find(|g| {
                // A whole account (`sts:AssumeRole`) or account and region
                // (`*`) not read covers every operation of that account.
                let whole = (g.operation == "*" || g.operation == "sts:AssumeRole")
                    && g.account_id.is_some()
                    && g.account_id.as_deref() == owner;
                g.resource.is_none()
                    && (g.operation == operation || whole)
                    && (g.region.is_none() || region.is_none() || g.region.as_deref() == region)
                    && (g.account_id.is_none()
                        || owner.is_none()
                        || g.account_id.as_deref() == owner)
            })
            .map(|g| format!("{what} of {}: {g}", vpc_id.unwrap_or("this VPC")))
    }

    /// `"; {vpc} belongs to account O, whose {what} are not in the snapshot
    /// …"` when `vpc_id`'s owner is another account than those the
    /// snapshot was read in (a shared VPC seen by a participant, whose
    /// owner's network ACLs and route tables apply:
    /// <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-sharing.html>);
    /// empty otherwise.
    pub fn owner_not_collected(&self, vpc_id: &str, what: &str) -> String {
        let Some(owner) = self.vpc(vpc_id).and_then(|v| v.owner_id.as_deref()) else {
            return String::new();
        };
        if self.snapshot.account_read(owner) {
            return String::new();
        }
        format!(
            "; {vpc_id} belongs to account {owner}, whose {what} are not in the snapshot (a shared VPC: the owner's apply); collect it, or `netpath merge` its snapshot"
        )
    }

    /// Why one of `ids` is in doubt, when the input holds two different
    /// copies of it (see [`netpath_model::Gap::resource`]): a sentence for
    /// `missing`, else `None`.
    pub fn in_doubt(&self, ids: &[&str]) -> Option<String> {
        self.snapshot
            .metadata
            .gaps
            .iter()
            .find(|g| g.resource.as_deref().is_some_and(|r| ids.contains(&r)))
            .map(|g| {
                if g.error.starts_with("after-apply: ") {
                    return format!(
                        "a value of {} the plan leaves unknown: {g}",
                        g.resource.as_deref().unwrap_or("")
                    );
                }
                format!(
                    "which copy of {} is current: {g}",
                    g.resource.as_deref().unwrap_or("")
                )
            })
    }

    /// The ENIs whose description is `RDSNetworkInterface` (created by RDS).
    pub fn rds_network_interfaces(&self) -> &[&'a NetworkInterface] {
        &self.hosts.rds_enis
    }
    /// An instance by id.
    pub fn instance(&self, id: &str) -> Option<&'a Instance> {
        self.hosts.instances.get(id)
    }
    /// A peering connection by id.
    pub fn peering(&self, id: &str) -> Option<&'a VpcPeeringConnection> {
        self.peerings.get(id)
    }
    /// An internet gateway by id.
    pub fn internet_gateway(&self, id: &str) -> Option<&'a InternetGateway> {
        self.igws.get(id)
    }
    /// A NAT gateway by id.
    pub fn nat_gateway(&self, id: &str) -> Option<&'a NatGateway> {
        self.nats.get(id)
    }
    /// A prefix list by id.
    pub fn prefix_list(&self, id: &str) -> Option<&'a PrefixList> {
        self.prefix_lists.get(id)
    }
    /// A DB instance by identifier.
    pub fn db_instance(&self, id: &str) -> Option<&'a DbInstance> {
        self.dbs.get(id)
    }

    /// The instance an ENI is attached to, if any and if known.
    pub fn instance_of(&self, eni: &NetworkInterface) -> Option<&'a Instance> {
        eni.attachment
            .as_ref()
            .and_then(|a| a.instance_id.as_deref())
            .and_then(|i| self.instance(i))
    }

    /// Every peering connection joining VPCs `a` and `b`, whatever its status,
    /// found through the topology graph.
    pub fn peerings_between(&self, a: &str, b: &str) -> Vec<&'a VpcPeeringConnection> {
        let (Some(&na), Some(&nb)) = (self.vpc_nodes.get(a), self.vpc_nodes.get(b)) else {
            return Vec::new();
        };
        self.graph
            .edges_connecting(na, nb)
            .filter_map(|e| match e.weight() {
                Edge::Peering(id) => self.peering(id),
                Edge::Attachment(_) => None,
            })
            .collect()
    }

    /// Internet gateways attached (state `available`) to a VPC, found through
    /// the topology graph.
    pub fn attached_internet_gateways(&self, vpc_id: &str) -> Vec<&'a InternetGateway> {
        let Some(&n) = self.vpc_nodes.get(vpc_id) else {
            return Vec::new();
        };
        self.graph
            .edges(n)
            .filter_map(|e| {
                use petgraph::visit::EdgeRef;
                match (e.weight(), &self.graph[e.target()], &self.graph[e.source()]) {
                    (Edge::Attachment(state), Node::InternetGateway(id), _)
                    | (Edge::Attachment(state), _, Node::InternetGateway(id))
                        if state == "available" || state == "attached" =>
                    {
                        self.internet_gateway(id)
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// The graph of VPCs, internet gateways, peerings and attachments (input of DOT rendering).
    pub fn graph(&self) -> &UnGraph<Node, Edge> {
        &self.graph
    }

    /// The subnet of `vpc_id` whose IPv4 CIDR (or, for an IPv6 address, one
    /// of whose IPv6 CIDRs) contains `ip`, if any.
    pub fn subnet_containing(&self, vpc_id: &str, ip: impl Into<IpAddr>) -> Option<&'a Subnet> {
        let ip = ip.into();
        let prefix = |s: &Subnet| -> Option<u8> {
            match ip {
                IpAddr::V4(a) => s.cidr_block.contains(&a).then(|| s.cidr_block.prefix_len()),
                IpAddr::V6(a) => s
                    .ipv6_cidr_blocks
                    .iter()
                    .find(|c| c.contains(&a))
                    .map(|c| c.prefix_len()),
            }
        };
        self.subnets_by_vpc
            .get(vpc_id)
            .into_iter()
            .flatten()
            .copied()
            .filter_map(|s| Some((prefix(s)?, s)))
            .max_by_key(|(p, _)| *p)
            .map(|(_, s)| s)
    }

    /// The Name tag of an instance or ENI, if any.
    pub fn name_of_eni(&self, eni: &NetworkInterface) -> Option<&'a str> {
        self.instance_of(eni).and_then(|i| i.tags.get("Name"))
    }
}

/// True for an ENI that RDS created for a DB instance: its description is
/// `RDSNetworkInterface`. Such ENIs are placed by RDS and answer only as
/// their DB instance
/// (<https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html>).
pub(crate) fn is_rds(eni: &NetworkInterface) -> bool {
    eni.description == "RDSNetworkInterface"
}

/// The ENIs RDS created for `db`: RDS ENIs in a subnet of its DB subnet
/// group (and that group's VPC) whose groups are exactly the DB's VPC
/// security groups.
fn db_enis_uncached<'a>(topo: &Topology<'a>, db: &DbInstance) -> Vec<&'a NetworkInterface> {
    let Some(group) = &db.db_subnet_group else {
        return Vec::new();
    };
    let want: BTreeSet<&str> = db
        .vpc_security_group_ids
        .iter()
        .map(String::as_str)
        .collect();
    topo.rds_network_interfaces()
        .iter()
        .copied()
        .filter(|e| group.subnet_ids.iter().any(|s| s == e.subnet_id))
        .filter(|e| group.vpc_id.as_ref().is_none_or(|v| v == e.vpc_id))
        .filter(|e| e.groups.iter().map(|g| g.as_str()).collect::<BTreeSet<_>>() == want)
        .collect()
}

#[cfg(test)]
mod tests;
