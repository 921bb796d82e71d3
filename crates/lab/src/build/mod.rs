//! Rebuilds a snapshot's topology with the closest kernel equivalent of each
//! AWS layer, one file per AWS concept:
//!
//! | AWS | here |
//! |---|---|
//! | ENI (`network_interface`) | a namespace with the ENI's private IPs on `eth0`, default route via the subnet's router address (the subnet's first host, as AWS reserves it) |
//! | security groups (`security_group`) | nftables in the ENI's namespace: `ct state established,related accept`, then one accept per rule and peer, then drop (stateful, allow-only, union of the ENI's groups) |
//! | VPC router (`vpc`) | one namespace per VPC, forwarding |
//! | subnet (`vpc`) | a bridge in the VPC router; traffic between two ENIs of one subnet is bridged and never meets the NACL |
//! | network ACL (`network_acl`) | stateless nftables chains on the router's forward hook: the source subnet's outbound entries on the way in from its bridge, the destination subnet's inbound entries on the way out to its bridge, ascending rule number, first match wins, `*` drops |
//! | route table (`route_table`) | policy routing: `ip rule iif <subnet bridge> lookup <table of the subnet's route table>` (explicit association, else the main table); `local` becomes the VPC's subnet routes; blackhole routes become `blackhole` routes; no route means a silent drop |
//! | VPC peering (`vpc_peering_connection`) | a veth between two VPC routers, only when `active`; traffic arriving over it is delivered by the VPC's local routes only (peering is not transitive) |
//! | Site-to-Site VPN (`vpn_gateway`, IPv4) | a link from the VPC router to an "on premises" namespace holding the customer networks (the connections' static routes and the VGW's propagated routes); clients and servers there are added on demand; with every tunnel down it drops everything, both ways, silently |
//! | transit gateway (`transit_gateway`, IPv4 and IPv6; peering, VPN and Direct Connect links IPv4) | a forwarding namespace; each VPC attachment's interface in each attachment subnet is a namespace on that subnet's bridge with a veth to it; the VPC router sends `tgw-…` routes to the interface in the sender's zone (none: blackhole); the gateway picks the table by ingress link, and leaves through the target attachment's interface in the same zone |
//! | stopped instance, unavailable DB | the ENI's link stays down: nothing answers |
//! | DB instance (`db_instance`) | a listener on its endpoint port only |
//! | gateway VPC endpoint (`vpc_endpoint`, IPv4) | an `available` endpoint is a link from its VPC's router to an "aws-service" namespace holding every address of its service's prefix list (a `local` route per CIDR), answering TCP 80 and 443; its prefix-list routes become one route per CIDR over that link; replies are delivered by local routes |
//! | Network Load Balancer (`load_balancer`, TCP listeners, no security groups, healthy targets) | each node's namespace forwards a listener's port to the targets in turn (DNAT; also SNAT to the node when the client's address is not preserved) and answers nothing itself; the VPC router sends replies to preserved clients back through the node (a conntrack mark and a route by it); cross-zone per its target group's attribute, else its own |
//! | Application Load Balancer (`load_balancer`, HTTP/HTTPS listeners forwarding to one target group, healthy targets) | each node's namespace, under the load balancer's security groups, runs a relay (`crate::relay`) on each listener's port: it accepts, opens its own connection from the node (ephemeral ports 1024-65535) to the targets in turn (every zone's unless the target group turns cross-zone off), and answers `200` when the target takes it, else a 5xx status itself; other ports answer nothing |
//! | Gateway Load Balancer endpoint (`gateway_load_balancer_endpoint`, IPv4) | an `available` endpoint is a link from its VPC's router to an "appliance" namespace that sends every packet straight back (the appliances pass everything: explain is asked with `--assume-appliance-allows`); routes to it go over the link, what comes back leaves by the endpoint subnet's route table (`ip rule iif`), and that subnet's network ACL filters the link as its bridge (inbound out to the appliances, outbound back from them); an endpoint in another state: its routes are blackholes |
//! | interface VPC endpoint (`vpc_endpoint`) | its ENI's namespace, plus a filter that lets in only TCP to the service's ports (443 for AWS services), dropping the rest silently; nothing when the endpoint is not `available` |
//! | internet gateway (`internet_gateway`) | a veth from the VPC router to one "internet" namespace; the gateway's one-to-one NAT between an ENI's public and private address on the router's gateway link (so NACLs and groups see private addresses); traffic in from the gateway is delivered by local routes; the internet drops what it cannot route |
//! | egress-only internet gateway (`internet_gateway`) | the same link, and a conntrack filter on the router: IPv6 in from the internet passes only as part of a connection started inside |
//! | IPv6 (every file) | ENIs hold their `Ipv6Addresses`, bridges the subnet's IPv6 router address, tables their IPv6 routes (`ip -6`), groups and ACLs `ip6` matches; neighbour discovery passes (in AWS no group or ACL sees it); the internet routes each VPC's IPv6 CIDRs untranslated |
//!
//! Everything is derived from the snapshot alone, with the lab's own reading
//! of the AWS documentation (`snapshot_index` holds its lookups): nothing here
//! asks the engine, so a bug in the engine's lookups is not rebuilt in the
//! kernel world, where the lab would not see it.
//!
//! NAT gateways, transit gateway Connect attachments,
//! IPv6 over transit gateway peering, VPN and Direct Connect links, and prefix-list routes to anything but a
//! gateway endpoint are not built; [`Lab::unsupported`] names them, and flows whose
//! walk meets them are not probed. `internet` as a source is probed from
//! one address ([`INTERNET_CLIENT`]).
//! Sources: <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html>,
//! <https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html>.

mod db_instance;
mod gateway_load_balancer_endpoint;
mod host;
mod internet_gateway;
mod listener_rule;
mod load_balancer;
mod network_acl;
mod network_interface;
mod nftables;
mod probing;
mod route_table;
mod security_group;
mod snapshot_index;
mod transit_gateway;
mod transit_gateway_customer;
mod transit_gateway_peering;
mod vpc;
mod vpc_endpoint;
mod vpc_peering_connection;
mod vpn_gateway;

use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use netpath_model::{Snapshot, Subnet};

use crate::netns::Namespaces;
use crate::probe;

pub use host::{Bind, HostAction, HostSetup};
pub use internet_gateway::{INTERNET_CLIENT, INTERNET_CLIENT6};
pub use network_interface::LabEni;
pub(crate) use nftables::parse_acl_set;

static LABS: AtomicUsize = AtomicUsize::new(0);

/// The `ip` line that adds `ip` as a host address on `lo` (`/32`, or
/// `/128` without duplicate address detection).
fn host_addr(ip: IpAddr) -> String {
    if ip.is_ipv6() {
        format!("addr add {ip}/128 dev lo nodad")
    } else {
        format!("addr add {ip}/32 dev lo")
    }
}

/// A snapshot rebuilt in namespaces; every namespace is removed on drop.
pub struct Lab {
    ns: Namespaces,
    enis: HashMap<String, LabEni>,
    listeners: Vec<TcpListener>,
    unsupported: BTreeSet<String>,
    incomplete: Option<String>,
    /// The internet's namespace, when some VPC has an internet gateway.
    internet: Option<String>,
    /// ENIs whose host the lab set up (`host.rs`), by ENI id.
    hosts: HashMap<String, HostSetup>,
    /// Host facts read inside those namespaces by `netpath host-facts`'s
    /// collector.
    facts: Vec<netpath_model::host::HostFacts>,
    /// The VPC routers' namespaces (where the network ACLs are).
    routers: Vec<String>,
    /// The on-premises namespaces behind VPN gateways.
    vpn: vpn_gateway::VpnLinks,
    /// The on-premises namespaces behind transit gateways' VPN and Direct
    /// Connect attachments, with their customer networks.
    customer: Vec<(String, Vec<ipnet::Ipv4Net>)>,
    /// The gateway VPC endpoints and their "aws-service" namespaces.
    endpoints: vpc_endpoint::GatewayEndpoints,
    /// The Network Load Balancers built, and what each node forwards to.
    balancers: load_balancer::Balancers,
    /// The Gateway Load Balancer endpoints built (their appliances pass
    /// everything).
    appliances: gateway_load_balancer_endpoint::Appliances,
}

/// Why a snapshot cannot be rebuilt faithfully: a collection absent, or a
/// collection gap recorded in its metadata.
fn incomplete(snap: &Snapshot) -> Option<String> {
    let absent: Vec<&str> = [
        ("VPCs", snap.vpcs.is_some()),
        ("subnets", snap.subnets.is_some()),
        ("security groups", snap.security_groups.is_some()),
        ("network ACLs", snap.network_acls.is_some()),
        ("route tables", snap.route_tables.is_some()),
        ("network interfaces", snap.network_interfaces.is_some()),
    ]
    .iter()
    .filter(|(_, present)| !present)
    .map(|(what, _)| *what)
    .collect();
    if absent.is_empty() && snap.metadata.gaps.is_empty() {
        return None;
    }
    Some(format!(
        "the snapshot is incomplete ({}); the lab would have to invent the missing layers",
        if absent.is_empty() {
            "collection gaps".to_string()
        } else {
            format!("no {}", absent.join(", "))
        }
    ))
}

impl Lab {
    /// Builds `snap` in fresh namespaces.
    ///
    /// Errors: a command that fails (with its output), or a snapshot the lab
    /// cannot lay out (an ENI outside every subnet).
    pub fn build(snap: &Snapshot) -> Result<Lab> {
        let idx = snapshot_index::SnapshotIndex::new(snap);
        let tag = format!(
            "np{:x}x{}",
            std::process::id(),
            LABS.fetch_add(1, Ordering::Relaxed)
        );
        let mut lab = Lab {
            ns: Namespaces::default(),
            enis: HashMap::new(),
            listeners: Vec::new(),
            unsupported: BTreeSet::new(),
            incomplete: incomplete(snap),
            internet: None,
            hosts: HashMap::new(),
            facts: Vec::new(),
            routers: Vec::new(),
            vpn: vpn_gateway::VpnLinks::default(),
            customer: Vec::new(),
            endpoints: vpc_endpoint::GatewayEndpoints::default(),
            balancers: load_balancer::Balancers::default(),
            appliances: gateway_load_balancer_endpoint::Appliances::default(),
        };
        let routers: Vec<String> = (0..idx.vpcs.len()).map(|v| format!("{tag}r{v}")).collect();
        lab.routers = routers.clone();
        vpc::build(&mut lab.ns, &idx, &routers)?;
        let dbs = db_instance::db_placements(snap);
        let peer_links = vpc_peering_connection::build(&lab.ns, snap, &idx, &routers)?;
        let mut gateways = internet_gateway::build(&mut lab.ns, snap, &idx, &routers, &tag)?;
        lab.internet = gateways.internet.clone();
        lab.vpn = vpn_gateway::build(
            &mut lab.ns,
            snap,
            &idx,
            &routers,
            &tag,
            &mut lab.unsupported,
        )?;
        let tgw = transit_gateway::build(
            &mut lab.ns,
            snap,
            &idx,
            &routers,
            &tag,
            &mut lab.unsupported,
        )?;
        lab.customer = tgw.customer.clone();
        lab.endpoints = vpc_endpoint::build_gateways(
            &mut lab.ns,
            snap,
            &idx,
            &routers,
            &tag,
            &mut lab.unsupported,
        )?;
        lab.appliances = gateway_load_balancer_endpoint::build(
            &mut lab.ns,
            snap,
            &idx,
            &routers,
            &tag,
            &mut lab.unsupported,
        )?;
        let mut held = lab.customer.clone();
        held.extend(lab.vpn.onprem.iter().cloned());
        let isolated = transit_gateway_customer::isolated(&mut lab.ns, snap, &tag, &held)?;
        lab.customer.extend(isolated);
        lab.vpn
            .direct_connect
            .extend(tgw.direct_connect.iter().cloned());

        let shared = network_interface::Shared {
            snap,
            idx: &idx,
            routers: &routers,
            tag: &tag,
            dbs: &dbs,
        };
        for (i, eni) in snap.network_interfaces.iter().flatten().enumerate() {
            // A transit gateway attachment's interface is built by
            // `transit_gateway` (it forwards; it is no host).
            if eni.interface_type.as_deref() == Some("transit_gateway")
                && eni.primary_ip().is_some_and(|ip| tgw.holds(ip))
            {
                continue;
            }
            let built = network_interface::build(
                &mut lab.ns,
                &shared,
                i,
                eni,
                &mut gateways,
                &mut lab.unsupported,
            )?;
            if let Some((built, listener)) = built {
                lab.listeners.extend(listener);
                lab.enis.insert(eni.network_interface_id.to_string(), built);
            }
        }

        // Route tables and network ACLs, per VPC router.
        let route_tables: Vec<_> = snap.route_tables.iter().flatten().collect();
        for (v, vpc_id) in idx.vpcs.iter().enumerate() {
            let subnets: Vec<(usize, &Subnet)> = idx
                .subnets
                .iter()
                .enumerate()
                .filter(|(_, s)| s.vpc_id == *vpc_id)
                .map(|(i, s)| (i, *s))
                .collect();
            let router = route_table::VpcRouter {
                v,
                vpc_id,
                subnets: &subnets,
                peer_links: peer_links.get(*vpc_id).map_or(&[], Vec::as_slice),
                tgw: &tgw,
                vpn: &lab.vpn,
                endpoints: &lab.endpoints,
                appliances: &lab.appliances,
            };
            let (four, six) =
                route_table::lines(&router, &route_tables, &gateways, &mut lab.unsupported);
            lab.ns.ip_batch(&routers[v], &four)?;
            lab.ns.ip_batch6(&routers[v], &six)?;
            // A Gateway Load Balancer endpoint's link stands in its
            // subnet's boundary.
            let links = lab.appliances.links_of(v, &subnets);
            let mut script = network_acl::script(snap, &subnets, &links, &mut lab.unsupported);
            script.push_str(&gateways.nat_script(v));
            let devs: Vec<String> = links.iter().map(|(d, _)| d.clone()).collect();
            let cidrs: Vec<String> = subnets
                .iter()
                .map(|(_, s)| s.cidr_block.to_string())
                .collect();
            script.push_str(&gateway_load_balancer_endpoint::zone_script(
                v, &devs, &cidrs,
            ));
            lab.ns.nft(&routers[v], &script).context("network ACLs")?;
        }
        lab.balancers = load_balancer::build(
            &lab.ns,
            snap,
            &idx,
            &lab.enis,
            &routers,
            &mut lab.unsupported,
        )?;
        Ok(lab)
    }

    /// Every namespace that holds the lab's flow sets (`flow_log.rs`): the
    /// ENIs' (security groups) and the VPC routers' (network ACLs), with the
    /// table to list.
    pub(crate) fn flow_set_tables(&self) -> Vec<(String, &'static str)> {
        let mut v: Vec<(String, &'static str)> =
            self.enis.values().map(|e| (e.ns.clone(), "sg")).collect();
        v.extend(self.routers.iter().map(|r| (r.clone(), "acl")));
        v.sort();
        v
    }

    /// The namespace and address of an ENI, when it was built.
    pub fn eni(&self, eni_id: &str) -> Option<&LabEni> {
        self.enis.get(eni_id)
    }

    /// Why the snapshot cannot be rebuilt faithfully (a collection missing),
    /// if it cannot.
    pub fn incomplete(&self) -> Option<&str> {
        self.incomplete.as_deref()
    }

    /// The internet's namespace, when the snapshot has an attached internet gateway.
    pub fn internet(&self) -> Option<&str> {
        self.internet.as_deref()
    }

    /// The namespace an outside address lives in: the on-premises
    /// namespace (behind a VGW, or a transit gateway's VPN or Direct
    /// Connect attachment) whose customer networks hold it, else the
    /// internet's.
    pub fn outside_namespace(&self, ip: IpAddr) -> Option<&str> {
        self.beyond_namespace(ip, true)
    }

    /// The namespace an outside address lives in, as
    /// [`Lab::outside_namespace`]; `services` also counts the AWS services
    /// behind gateway endpoints, before the internet.
    fn beyond_namespace(&self, ip: IpAddr, services: bool) -> Option<&str> {
        let behind_tgw = || {
            let IpAddr::V4(a) = ip else { return None };
            self.customer
                .iter()
                .find(|(_, nets)| nets.iter().any(|n| n.contains(&a)))
                .map(|(ns, _)| ns.as_str())
        };
        self.vpn
            .namespace_for(ip)
            .or_else(behind_tgw)
            .or_else(|| {
                services
                    .then(|| self.endpoints.namespaces_for(ip).first().copied())
                    .flatten()
            })
            .or(self.internet.as_deref())
    }

    /// True when load balancer `arn` was built (`load_balancer.rs`).
    pub fn load_balancer_built(&self, arn: &str) -> bool {
        self.balancers.built.contains(arn)
    }

    /// True when `eni` is a node of an Application Load Balancer the lab
    /// built: it answers HTTP itself (probe it with [`Lab::connect_http`]).
    pub fn http_node(&self, eni: &str) -> bool {
        self.balancers.http_nodes.contains(eni)
    }

    /// What load balancer node `eni` forwards to: (target ENI, port).
    pub fn load_balancer_targets(&self, eni: &str) -> Option<&[(String, u16)]> {
        self.balancers.targets.get(eni).map(Vec::as_slice)
    }

    /// True when gateway VPC endpoint `vpce` was built (its service's
    /// namespace and link exist).
    pub fn gateway_endpoint_built(&self, vpce: &str) -> bool {
        self.endpoints.links.contains_key(vpce)
    }

    /// True when the side of Direct Connect gateway `dxgw` was built (on a
    /// virtual private or transit gateway).
    pub fn direct_connect_built(&self, dxgw: &str) -> bool {
        self.vpn.direct_connect.contains(dxgw)
    }

    /// True when Gateway Load Balancer endpoint `vpce` was built: its
    /// link to appliances that pass everything, or, when it is not
    /// `available`, the blackholes its routes become.
    pub fn appliance_built(&self, vpce: &str) -> bool {
        self.appliances.links.contains_key(vpce) || self.appliances.down.contains(vpce)
    }

    /// True when VPN gateway `vgw` was built (its on-premises side exists).
    pub fn vpn_gateway_built(&self, vgw: &str) -> bool {
        self.vpn.links.contains_key(vgw)
    }

    /// Features the snapshot uses that the lab does not build.
    pub fn unsupported(&self) -> &BTreeSet<String> {
        &self.unsupported
    }

    /// Sets up the host behind ENI `eni_id` as `setup` says: its listeners
    /// and its own firewall. Its flows are then probed against those
    /// listeners only (no listener is added for them).
    ///
    /// Errors: the ENI was not built, a bind or an `nft` command fails.
    pub fn setup_host(&mut self, eni_id: &str, setup: &HostSetup) -> Result<()> {
        let e = self.enis.get(eni_id).context("ENI not built")?.clone();
        for (bind, port) in &setup.listeners {
            let ip = IpAddr::V4(match bind {
                Bind::Any => Ipv4Addr::UNSPECIFIED,
                Bind::Loopback => Ipv4Addr::LOCALHOST,
                Bind::Interface => e.ip,
            });
            match probe::listen(&e.ns, ip, *port) {
                Ok(l) => self.listeners.push(l),
                Err(err) if err.chain().any(|c| c.to_string().contains("in use")) => {}
                Err(err) => return Err(err),
            }
        }
        if setup.has_firewall() {
            self.ns
                .nft(&e.ns, &setup.script())
                .with_context(|| format!("host firewall of {eni_id}"))?;
        }
        if let Some(rules) = &setup.iptables_restore {
            crate::netns::run(
                "ip",
                &["netns", "exec", &e.ns, "iptables-restore"],
                Some(rules),
            )
            .with_context(|| format!("iptables-restore on {eni_id}"))?;
        }
        self.hosts.insert(eni_id.to_string(), setup.clone());
        Ok(())
    }

    /// True when the host behind `eni_id` was set up with [`Lab::setup_host`].
    pub fn is_host(&self, eni_id: &str) -> bool {
        self.hosts.contains_key(eni_id)
    }

    /// Runs `netpath host-facts`'s collector inside the namespace of every
    /// host set up, as instance `instance_id_of(eni)`, and keeps the facts
    /// for [`Lab::host_facts`].
    ///
    /// Errors: the namespace cannot be entered.
    pub fn collect_host_facts(
        &mut self,
        instance_id_of: impl Fn(&str) -> Option<String>,
    ) -> Result<()> {
        let mut ids: Vec<String> = self.hosts.keys().cloned().collect();
        ids.sort();
        for eni in ids {
            let Some(iid) = instance_id_of(&eni) else {
                continue;
            };
            let ns = self.enis.get(&eni).context("ENI not built")?.ns.clone();
            let facts = probe::in_ns(&ns, move || {
                Ok(netpath_host::collect(&netpath_host::CollectOptions {
                    instance_id: Some(iid),
                    imds: false,
                }))
            })?;
            self.facts.push(facts);
        }
        Ok(())
    }

    /// The host facts collected by [`Lab::collect_host_facts`].
    pub fn host_facts(&self) -> &[netpath_model::host::HostFacts] {
        &self.facts
    }
}
