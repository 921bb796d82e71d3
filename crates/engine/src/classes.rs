//! Equivalence classes of flow ends, and the port pieces of a path: the
//! machinery `diff`, `reach` and `check` share.
//!
//! ENIs that share a subnet, a set of security groups, the address cuts of
//! every rule, entry and route CIDR inside their subnet, an instance state
//! and platform, an interface type, the requester that manages them and
//! public-IP presence are evaluated alike by every layer: security groups
//! match their peer CIDRs and the private IPs of a peer group's members
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>),
//! network ACL entries and routes match CIDRs
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html>).
//! So they form one class, keyed by [`ClassKey`], and a question is answered
//! once per class on one representative.
//!
//! Port ranges are cut wherever a security-group rule or network ACL entry
//! on the path starts or ends ([`port_cuts`], [`pieces`]): within a piece
//! every rule decides alike, so one port per piece decides the piece.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;
use netpath_model::{
    CompactString, Direction, InstanceStateName, IpProtocol, NetworkInterface, PortRange, Snapshot,
    Subnet,
};

use crate::addr::IpVersion;
use crate::explain::ExplainOptions;
use crate::network_acl::network_acl_for_subnet;
use crate::security_group::permission_ports;
use crate::topology::Topology;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndKind {
    Eni,
    Db,
    Internet,
    Address,
    /// A declared on-premises network (`onprem:NAME`): every address of it.
    OnPrem,
}

/// One end of flows, on both sides.
#[derive(Debug, Clone)]
pub(crate) struct End {
    pub(crate) key: CompactString,
    pub(crate) kind: EndKind,
    /// The reference to pass to `explain`, per side; `None` when absent.
    pub(crate) refs: [Option<CompactString>; 2],
    /// Equivalence class per side.
    pub(crate) class: [Option<ClassKey>; 2],
    /// VPC per side.
    pub(crate) vpc: [Option<CompactString>; 2],
    /// Groups per side.
    pub(crate) groups: [Vec<CompactString>; 2],
    /// Subnets per side.
    pub(crate) subnets: [Vec<CompactString>; 2],
    /// Destination ports per side.
    pub(crate) ports: [Vec<(IpProtocol, PortRange)>; 2],
    /// Reachable from the internet at all (a public IP), per side.
    pub(crate) public: [bool; 2],
    /// ENI ids and instance ids, for attribution.
    pub(crate) ids: BTreeSet<CompactString>,
    /// Private addresses per side in the family of the flows (an ENI's
    /// primary IPv4 or first IPv6 address, a DB's ENIs' addresses); empty
    /// when unknown.
    pub(crate) addrs: [Vec<IpAddr>; 2],
    /// The ENI belongs to an AWS service (a load balancer, an endpoint, a
    /// NAT gateway, ...) on some side: it originates no connections of its
    /// own, so it is never a source.
    pub(crate) managed: bool,
}

impl End {
    pub(crate) fn new(key: CompactString, kind: EndKind) -> End {
        End {
            key,
            kind,
            refs: [None, None],
            class: [None, None],
            vpc: [None, None],
            groups: [Vec::new(), Vec::new()],
            subnets: [Vec::new(), Vec::new()],
            ports: [Vec::new(), Vec::new()],
            public: [false, false],
            ids: BTreeSet::new(),
            addrs: [Vec::new(), Vec::new()],
            managed: false,
        }
    }
}

pub(crate) use crate::topology::is_rds;

/// The stable name of an ENI: its instance when it is the instance's
/// primary (device 0) interface, else the ENI id.
pub(crate) fn eni_key(eni: &NetworkInterface) -> CompactString {
    match &eni.attachment {
        Some(a) if a.instance_id.is_some() && a.device_index.unwrap_or(0) == 0 => {
            a.instance_id.clone().unwrap_or_default()
        }
        _ => eni.network_interface_id.clone(),
    }
}

/// Ingress ports opened by `groups` in `topo`: TCP/UDP ranges; an all-traffic
/// rule opens every TCP and UDP port.
pub(crate) fn ingress_ports(
    topo: &Topology,
    groups: &[impl AsRef<str>],
) -> Vec<(IpProtocol, PortRange)> {
    rule_ports(topo, groups, Direction::Ingress)
}

/// TCP/UDP port ranges opened by the rules of `groups` in `direction`, sorted and deduplicated; an all-traffic rule opens
/// every TCP and UDP port.
pub(crate) fn rule_ports(
    topo: &Topology,
    groups: &[impl AsRef<str>],
    direction: Direction,
) -> Vec<(IpProtocol, PortRange)> {
    let mut out = BTreeSet::new();
    for g in groups {
        let Some(sg) = topo.security_group(g.as_ref()) else {
            continue;
        };
        for p in sg.permissions(direction) {
            match p.ip_protocol {
                IpProtocol::All => {
                    out.insert((IpProtocol::Tcp, PortRange::ALL));
                    out.insert((IpProtocol::Udp, PortRange::ALL));
                }
                proto if proto.has_ports() => {
                    out.insert((proto, permission_ports(p)));
                }
                _ => {}
            }
        }
    }
    out.into_iter().collect()
}

/// Every CIDR of family `v` a rule, NACL entry, route or prefix list of
/// `snap` names: the address boundaries where any layer may decide
/// differently for flows of that family.
pub(crate) fn rule_cidrs(snap: &Snapshot, v: IpVersion) -> BTreeSet<IpNet> {
    let mut all: BTreeSet<IpNet> = BTreeSet::new();
    for sg in snap.security_groups.iter().flatten() {
        for p in sg.ip_permissions.iter().chain(&sg.ip_permissions_egress) {
            match v {
                IpVersion::Ipv4 => all.extend(p.ip_ranges.iter().map(|c| IpNet::V4(*c))),
                IpVersion::Ipv6 => all.extend(p.ipv6_ranges.iter().map(|c| IpNet::V6(*c))),
            }
        }
    }
    for acl in snap.network_acls.iter().flatten() {
        all.extend(acl.entries.iter().filter_map(|e| match v {
            IpVersion::Ipv4 => e.cidr_block.map(IpNet::V4),
            IpVersion::Ipv6 => e.ipv6_cidr_block.map(IpNet::V6),
        }));
    }
    for rt in snap.route_tables.iter().flatten() {
        all.extend(rt.routes.iter().filter_map(|r| match v {
            IpVersion::Ipv4 => r.destination_cidr_block.map(IpNet::V4),
            IpVersion::Ipv6 => r.destination_ipv6_cidr_block.map(IpNet::V6),
        }));
    }
    // Transit gateway routes decide by address too (`transit_gateway.rs`).
    for t in snap.transit_gateway_routes.iter().flatten() {
        all.extend(
            t.routes
                .iter()
                .filter_map(|r| r.destination_cidr_block)
                .filter(|c| IpVersion::of(c.addr()) == v),
        );
    }
    for pl in snap.prefix_lists.iter().flatten() {
        all.extend(
            pl.cidrs
                .iter()
                .flatten()
                .filter(|c| IpVersion::of(c.addr()) == v)
                .copied(),
        );
    }
    all
}

/// The CIDRs of family `v` a subnet holds addresses in: its IPv4 CIDR, or
/// its IPv6 CIDRs.
fn subnet_nets(s: &Subnet, v: IpVersion) -> Vec<IpNet> {
    match v {
        IpVersion::Ipv4 => vec![IpNet::V4(s.cidr_block)],
        IpVersion::Ipv6 => s.ipv6_cidr_blocks.iter().map(|c| IpNet::V6(*c)).collect(),
    }
}

/// CIDRs of family `v` that cut a subnet: rule, entry and route CIDRs
/// strictly inside one of its CIDRs of that family.
pub(crate) fn subnet_cuts(snap: &Snapshot, v: IpVersion) -> HashMap<&str, Vec<IpNet>> {
    let all = rule_cidrs(snap, v);
    let mut out = HashMap::new();
    for s in snap.subnets.iter().flatten() {
        // A CIDR inside `n` has its address between `n`'s first and last
        // (the set is ordered by address first): only those are looked at.
        let mut inner: Vec<IpNet> = subnet_nets(s, v)
            .iter()
            .flat_map(|n| {
                // (address, prefix length) order: from `n`'s first address
                // at any length to its last at any length.
                let lo = IpNet::new(n.network(), 0).unwrap_or(*n);
                let hi = IpNet::new(n.broadcast(), n.max_prefix_len()).unwrap_or(*n);
                all.range(lo..=hi)
                    .filter(|c| c.prefix_len() > n.prefix_len() && n.contains(*c))
            })
            .copied()
            .collect();
        inner.sort();
        inner.dedup();
        if !inner.is_empty() {
            out.insert(s.subnet_id.as_str(), inner);
        }
    }
    out
}

/// The key of an equivalence class (see the module docs): two ends with
/// equal keys are treated alike by every layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ClassKey {
    /// ENIs alike in every property a layer looks at (boxed: a key is
    /// kept per class and per end, and most are not ENIs' own).
    Eni(Box<EniClass>),
    /// A DB instance: a class of its own (its ENIs are placed by RDS).
    Db(String),
    /// `internet`.
    Internet,
    /// An address outside every ENI, by the reference that named it.
    Address(String),
}

/// What makes two ENIs alike for every layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EniClass {
    subnet_id: CompactString,
    /// Sorted group ids.
    groups: Vec<CompactString>,
    /// The rule, entry and route CIDRs inside the subnet that hold the ENI's
    /// address in the family of the flows (primary IPv4, or first IPv6).
    cuts: Vec<IpNet>,
    /// The instance's state and platform (the platform picks the ephemeral range).
    instance_state: Option<InstanceStateName>,
    platform: Option<CompactString>,
    interface_type: Option<CompactString>,
    public_ip: bool,
    private_ip: bool,
    requester_id: Option<CompactString>,
    /// Owned by an AWS service (see `NetworkInterface::managed_service`).
    managed: bool,
    /// Attached to nothing.
    detached: bool,
    /// The VPC endpoint or load balancer the ENI belongs to: what it
    /// answers is that service's own (its ports, its listeners and
    /// targets), so no two services share a class.
    service: Option<CompactString>,
}

/// The equivalence class of an ENI for flows of family `v`: every ENI with
/// the same key is treated alike by every layer, as a source and as a
/// destination (see the module docs). `cuts` comes from [`subnet_cuts`]
/// for the same family.
pub(crate) fn eni_class(
    topo: &Topology,
    eni: &NetworkInterface,
    cuts: &HashMap<&str, Vec<IpNet>>,
    v: IpVersion,
) -> ClassKey {
    let mut groups = eni.groups.clone();
    groups.sort_unstable();
    let inst = topo.instance_of(eni);
    let addr = v.eni_address(eni);
    let cuts = match (addr, cuts.get(eni.subnet_id.as_str())) {
        (Some(ip), Some(cs)) => cs.iter().filter(|c| c.contains(&ip)).copied().collect(),
        _ => Vec::new(),
    };
    ClassKey::Eni(Box::new(EniClass {
        subnet_id: eni.subnet_id.clone(),
        groups,
        cuts,
        instance_state: inst.map(|i| i.state.clone()),
        platform: inst.and_then(|i| i.platform.clone()),
        interface_type: eni.interface_type.clone(),
        public_ip: v.eni_is_public(eni),
        private_ip: addr.is_some(),
        requester_id: eni.requester_id.clone(),
        managed: eni.managed_service().is_some(),
        detached: eni.is_detached(),
        service: topo
            .endpoints
            .of_network_interface(&eni.network_interface_id)
            .map(|e| e.vpc_endpoint_id.as_str().into())
            .or_else(|| {
                topo.load_balancers
                    .of_network_interface(eni)
                    .map(|l| l.load_balancer_arn.as_str().into())
            }),
    }))
}

/// Which ENIs and DB instances [`collect_ends`] collects, from their (VPC,
/// subnets, groups, addresses).
pub(crate) type KeepEnd<'a> =
    dyn Fn(&str, &[CompactString], &[CompactString], &[IpAddr]) -> bool + 'a;

/// Collects every end of `topo` for flows of family `v` into `ends` (side
/// `side`). For IPv6, ENIs without an IPv6 address and DB instances none of
/// whose ENIs has one are no ends: they send and receive no IPv6 flows.
///
/// `keep`, when given, says which ENIs and DB instances to collect from
/// their (VPC, subnets, sorted groups, addresses of family `v`); the
/// internet and declared networks are always collected. `candidates`, when
/// given, are the only ENIs `keep` can keep, in snapshot order: only they
/// are looked at (a fix's blast radius keeps a few of 100,000).
pub(crate) fn collect_ends(
    topo: &Topology,
    side: usize,
    ends: &mut BTreeMap<CompactString, End>,
    v: IpVersion,
    keep: Option<&KeepEnd<'_>>,
    candidates: Option<&[&NetworkInterface]>,
) {
    let snap = topo.snapshot;
    let cuts = subnet_cuts(snap, v);
    let all: Vec<&NetworkInterface>;
    let enis: &[&NetworkInterface] = match candidates {
        Some(c) => c,
        None => {
            all = snap.network_interfaces.iter().flatten().collect();
            &all
        }
    };
    for &eni in enis {
        if is_rds(eni) || (v.is_v6() && v.eni_address(eni).is_none()) {
            continue;
        }
        if let Some(keep) = keep {
            if !keep(
                &eni.vpc_id,
                std::slice::from_ref(&eni.subnet_id),
                &eni.groups,
                v.eni_address(eni).as_slice(),
            ) {
                continue;
            }
        }
        let key = eni_key(eni);
        let e = ends
            .entry(key.clone())
            .or_insert_with(|| End::new(key, EndKind::Eni));
        if e.refs[side].is_some() {
            continue; // an instance's primary ENI was already taken
        }
        let mut groups = eni.groups.clone();
        groups.sort();
        let inst = topo.instance_of(eni);
        e.refs[side] = Some(eni.network_interface_id.clone());
        e.class[side] = Some(eni_class(topo, eni, &cuts, v));
        e.vpc[side] = Some(eni.vpc_id.clone());
        // A load balancer's node answers on its listeners' ports, whatever
        // its groups open (an NLB's may have none).
        e.ports[side] = match topo.load_balancers.of_network_interface(eni) {
            Some(lb) => topo
                .load_balancers
                .listeners(lb)
                .iter()
                .flat_map(|l| {
                    let p = PortRange::new(l.port, l.port);
                    [IpProtocol::Tcp, IpProtocol::Udp]
                        .into_iter()
                        .filter(|proto| crate::load_balancer::listener_takes(l, *proto))
                        .map(move |proto| (proto, p))
                })
                .collect(),
            None => ingress_ports(topo, &groups),
        };
        e.groups[side] = groups;
        e.subnets[side] = vec![eni.subnet_id.clone()];
        e.addrs[side] = v.eni_address(eni).into_iter().collect();
        e.public[side] = v.eni_is_public(eni);
        e.managed |= eni.managed_service().is_some();
        e.ids.insert(eni.network_interface_id.clone());
        if let Some(i) = inst {
            e.ids.insert(i.instance_id.clone());
        }
    }
    for db in snap.db_instances.iter().flatten() {
        let key = db.db_instance_identifier.clone();
        if v.is_v6()
            && !topo
                .db_network_interfaces(db)
                .iter()
                .any(|x| v.eni_address(x).is_some())
        {
            continue;
        }
        let enis = topo.db_network_interfaces(db);
        if let Some(keep) = keep {
            let addrs: Vec<IpAddr> = enis.iter().filter_map(|x| v.eni_address(x)).collect();
            let subnets: Vec<CompactString> = db
                .db_subnet_group
                .as_ref()
                .map(|g| g.subnet_ids.iter().map(|s| s.as_str().into()).collect())
                .unwrap_or_default();
            let vpc = db
                .db_subnet_group
                .as_ref()
                .and_then(|g| g.vpc_id.clone())
                .unwrap_or_default();
            let groups: Vec<CompactString> = db
                .vpc_security_group_ids
                .iter()
                .map(|g| g.as_str().into())
                .collect();
            if !keep(&vpc, &subnets, &groups, &addrs) {
                continue;
            }
        }
        let e = ends
            .entry(format!("db:{key}").into())
            .or_insert_with(|| End::new(key.clone().into(), EndKind::Db));
        e.refs[side] = Some(key.clone().into());
        e.class[side] = Some(ClassKey::Db(key.clone()));
        e.vpc[side] = db
            .db_subnet_group
            .as_ref()
            .and_then(|g| g.vpc_id.as_deref().map(CompactString::from))
            .or_else(|| enis.first().map(|x| x.vpc_id.clone()));
        let mut groups: Vec<CompactString> = db
            .vpc_security_group_ids
            .iter()
            .map(|g| g.as_str().into())
            .collect();
        groups.sort();
        e.ports[side] = match &db.endpoint {
            Some(ep) => vec![(IpProtocol::Tcp, PortRange::new(ep.port, ep.port))],
            None => ingress_ports(topo, &groups),
        };
        e.groups[side] = groups;
        e.subnets[side] = db
            .db_subnet_group
            .as_ref()
            .map(|g| g.subnet_ids.iter().map(|s| s.as_str().into()).collect())
            .unwrap_or_default();
        e.public[side] = enis.iter().any(|x| v.eni_is_public(x));
        e.addrs[side] = enis.iter().filter_map(|x| v.eni_address(x)).collect();
        e.ids.insert(key.clone().into());
        e.ids
            .extend(enis.iter().map(|x| x.network_interface_id.clone()));
    }
    let inet = ends
        .entry("internet".into())
        .or_insert_with(|| End::new("internet".into(), EndKind::Internet));
    inet.refs[side] = Some("internet".into());
    inet.class[side] = Some(ClassKey::Internet);
    // Declared on-premises networks of this family: ends like `internet`,
    // reached over a VPN, Direct Connect or a transit gateway.
    for n in snap.onprem_networks.iter().flatten() {
        if n.cidr.addr().is_ipv6() != v.is_v6() {
            continue;
        }
        let key = format!("onprem:{}", n.name);
        let e = ends
            .entry(key.clone().into())
            .or_insert_with(|| End::new(key.clone().into(), EndKind::OnPrem));
        e.refs[side] = Some(key.clone().into());
        e.class[side] = Some(ClassKey::Address(format!("{key} {}", n.cidr)));
        e.ids.insert(key.into());
    }
}

/// Port boundaries (first port of each piece) of the rules on a pair's path.
pub(crate) fn port_cuts(
    topo: &Topology,
    src: &End,
    dst: &End,
    side: usize,
    out: &mut BTreeSet<u32>,
) {
    let mut add = |proto_ok: bool, r: PortRange| {
        if proto_ok {
            out.insert(u32::from(r.from));
            out.insert(u32::from(r.to) + 1);
        }
    };
    for (groups, direction) in [
        (&src.groups[side], Direction::Egress),
        (&dst.groups[side], Direction::Ingress),
    ] {
        for g in groups {
            let Some(sg) = topo.security_group(g) else {
                continue;
            };
            for p in sg
                .permissions(direction)
                .iter()
                .filter(|p| p.ip_protocol.has_ports())
            {
                add(true, permission_ports(p));
            }
        }
    }
    for sid in src.subnets[side].iter().chain(&dst.subnets[side]) {
        let Some(subnet) = topo.subnet(sid) else {
            continue;
        };
        if let Ok(acl) = network_acl_for_subnet(topo, subnet) {
            for e in &acl.entries {
                if let (true, Some(r)) = (e.protocol.has_ports(), e.port_range) {
                    add(true, r);
                }
            }
        }
    }
    for (proto, r) in &dst.ports[side] {
        if *proto == IpProtocol::Tcp && r.from == r.to {
            add(true, *r);
        }
    }
}

/// The question for one piece of a port range in family `v`: its first
/// port (port 0, which no client connects to, only when the piece holds
/// nothing else).
pub(crate) fn piece_options(
    protocol: IpProtocol,
    piece: PortRange,
    v: IpVersion,
) -> ExplainOptions {
    ExplainOptions {
        ipv6: v.is_v6(),
        protocol: Some(protocol),
        port: Some(if piece.from == 0 && piece.to > 0 {
            1
        } else {
            piece.from
        }),
        ..ExplainOptions::default()
    }
}

/// Splits `r` at every cut inside it.
pub(crate) fn pieces(r: PortRange, cuts: &BTreeSet<u32>) -> Vec<PortRange> {
    let mut starts = vec![u32::from(r.from)];
    if r.from < r.to {
        starts.extend(cuts.range(u32::from(r.from) + 1..=u32::from(r.to)).copied());
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).map_or(u32::from(r.to), |n| n - 1);
        out.push(PortRange::new(*s as u16, e as u16));
    }
    out
}

/// Merges overlapping ranges per protocol.
pub(crate) fn merge_ranges(mut v: Vec<(IpProtocol, PortRange)>) -> Vec<(IpProtocol, PortRange)> {
    v.sort();
    let mut out: Vec<(IpProtocol, PortRange)> = Vec::new();
    for (p, r) in v {
        match out.last_mut() {
            Some((lp, lr)) if *lp == p && u32::from(r.from) <= u32::from(lr.to) + 1 => {
                lr.to = lr.to.max(r.to)
            }
            _ => out.push((p, r)),
        }
    }
    out
}
