//! Which class pairs `diff` must walk again: the components an edit
//! touches, on which ports, and which far ends its rule or entry can match.
//! A pair no edit can act on keeps its BEFORE answer.

use std::collections::HashMap;
use std::net::IpAddr;

use netpath_model::{CompactString, IpProtocol, PortRange};

use crate::classes::{End, EndKind};
use crate::edits::{Edit, EditPeer, EditRole};
use crate::network_acl::network_acl_for_subnet;
use crate::route_table::route_table_for_subnet;
use crate::topology::Topology;

/// An edit's reach over a class's flows: on which ports (`None`: all), and
/// which far ends its rule or entry can match (empty: any).
pub(super) type HotItem = (Option<(IpProtocol, PortRange)>, Vec<EditPeer>);

/// Whether, on which ports and towards which far ends a class's flows may
/// have changed.
#[derive(Debug, Clone, Default)]
pub(super) struct Hot {
    /// On every port, towards every end.
    pub(super) all: bool,
    /// Otherwise, one item per edit that touches the class.
    pub(super) items: Vec<HotItem>,
}

impl Hot {
    pub(super) fn all() -> Hot {
        Hot {
            all: true,
            items: Vec::new(),
        }
    }

    pub(super) fn any(&self) -> bool {
        self.all || !self.items.is_empty()
    }

    /// Whether an edit may change the flows between this class and `other`
    /// (the far end) on `proto`/`piece`.
    pub(super) fn covers(&self, proto: IpProtocol, piece: PortRange, other: &End) -> bool {
        self.all
            || self.items.iter().any(|(ports, peers)| {
                ports.is_none_or(|(p, r)| {
                    (p == IpProtocol::All || p == proto) && r.from <= piece.to && piece.from <= r.to
                }) && (peers.is_empty() || peers.iter().any(|x| peer_matches(x, other)))
            })
    }
}

/// Whether a rule or entry with peer `peer` can match packets whose far end
/// is `end`, on either side. A security-group rule or NACL entry that
/// cannot match a flow's packets cannot change its answer: security groups
/// match their peer CIDR or the private IPs of the peer group's members
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>),
/// NACL entries their CIDR
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
/// Unknown addresses match.
pub(super) fn peer_matches(peer: &EditPeer, end: &End) -> bool {
    match peer {
        EditPeer::Any => true,
        EditPeer::Group(g) => end.groups.iter().any(|gs| gs.iter().any(|x| x == g)),
        EditPeer::Cidr(c) => match end.kind {
            // The internet stands for every address outside the snapshot;
            // which of them a CIDR catches is left to the walk.
            EndKind::Internet => true,
            // A declared network: every address of it, some of which the
            // CIDR may catch; the walk tells.
            EndKind::OnPrem => true,
            EndKind::Address => end
                .refs
                .iter()
                .flatten()
                .next()
                .and_then(|r| r.parse::<IpAddr>().ok())
                .is_none_or(|ip| c.contains(&ip)),
            EndKind::Eni | EndKind::Db => {
                let known: Vec<&IpAddr> = end.addrs.iter().flatten().collect();
                known.is_empty() || known.iter().any(|ip| c.contains(*ip))
            }
        },
    }
}

/// Components consulted by the flows of every end in one subnet or VPC,
/// by (side, id): thousands of classes share a few subnets, and a subnet
/// routed to a transit gateway consults the gateway's whole footprint.
#[derive(Debug, Default)]
pub(super) struct FootprintCache {
    by_vpc: HashMap<(usize, CompactString), Vec<CompactString>>,
    by_subnet: HashMap<(usize, CompactString), Vec<CompactString>>,
}

/// Every component an end's flows can consult on side `side`: its groups,
/// subnets, VPC, the subnets' network ACLs and route tables and every route
/// target in them (gateways, peerings), and its own ids. The parts shared
/// by every end of a subnet or VPC come from `cache`.
pub(super) fn footprint(
    topo: &Topology,
    e: &End,
    side: usize,
    out: &mut Vec<CompactString>,
    cache: &mut FootprintCache,
) {
    out.extend(e.groups[side].iter().cloned());
    out.extend(e.subnets[side].iter().cloned());
    out.extend(e.vpc[side].iter().cloned());
    out.extend(e.refs[side].iter().cloned());
    out.push(e.key.clone());
    if let Some(vpc) = &e.vpc[side] {
        out.extend(
            cache
                .by_vpc
                .entry((side, vpc.to_string().into()))
                .or_insert_with(|| {
                    crate::vpn_gateway::footprint(topo, vpc)
                        .into_iter()
                        .map(CompactString::from)
                        .collect()
                })
                .iter()
                .cloned(),
        );
    }
    for sid in &e.subnets[side] {
        out.extend(
            cache
                .by_subnet
                .entry((side, sid.to_string().into()))
                .or_insert_with(|| subnet_footprint(topo, sid))
                .iter()
                .cloned(),
        );
    }
}

/// When `e` is a load balancer's node on side `side`: what its flows
/// consult beyond the node (its listeners, target groups, every target's
/// ENIs, groups, subnets and their network ACLs and route tables), all on
/// the second leg's own ports (`walk/load_balancer.rs`); empty otherwise.
pub(super) fn load_balancer_footprint(
    topo: &Topology,
    e: &End,
    cache: &mut FootprintCache,
    side: usize,
) -> Vec<CompactString> {
    let mut out = Vec::new();
    for id in &e.ids {
        let Some(lb) = topo
            .eni(id)
            .and_then(|x| topo.load_balancers.of_network_interface(x))
        else {
            continue;
        };
        let (ids, subnets) = lb_targets(topo, lb);
        out.extend(ids);
        for sid in subnets {
            out.extend(
                cache
                    .by_subnet
                    .entry((side, sid.clone()))
                    .or_insert_with(|| subnet_footprint(topo, &sid))
                    .iter()
                    .cloned(),
            );
        }
    }
    out
}

/// What the flows to a node of `lb` consult beyond the node itself: (ids:
/// the load balancer, its listeners and target groups, every registered
/// target and its ENIs and groups; the targets' subnets).
fn lb_targets(
    topo: &Topology,
    lb: &netpath_model::LoadBalancer,
) -> (Vec<CompactString>, Vec<CompactString>) {
    let lbs = &topo.load_balancers;
    let mut ids: Vec<CompactString> = vec![lb.load_balancer_arn.as_str().into()];
    let mut subnets = Vec::new();
    for l in lbs.listeners(lb) {
        ids.push(l.listener_arn.as_str().into());
        ids.extend(lbs.rule_arns(l).into_iter().map(CompactString::from));
        let groups: Vec<&String> = lbs
            .all_actions(l)
            .into_iter()
            .flat_map(|a| &a.target_group_arns)
            .collect();
        for tg in groups {
            ids.push(tg.as_str().into());
            for t in lbs.health(tg).iter().flat_map(|h| h.targets.iter()) {
                ids.push(t.id.as_str().into());
                let enis: Vec<&netpath_model::NetworkInterface> = match topo.instance(&t.id) {
                    Some(i) => i
                        .network_interface_ids
                        .iter()
                        .filter_map(|e| topo.eni(e))
                        .collect(),
                    None => {
                        t.id.parse::<std::net::IpAddr>()
                            .map(|ip| topo.enis_with_private_ip(ip).to_vec())
                            .unwrap_or_default()
                    }
                };
                for e in enis {
                    ids.push(e.network_interface_id.clone());
                    ids.extend(e.groups.iter().cloned());
                    subnets.push(e.subnet_id.clone());
                }
            }
        }
    }
    (ids, subnets)
}

/// The components the flows of an end in subnet `sid` consult: the
/// subnet's network ACL, its route table and every route target in it,
/// and through a transit gateway its attachments, route tables, the
/// attachment subnets' network ACLs and Direct Connect associations.
fn subnet_footprint(topo: &Topology, sid: &str) -> Vec<CompactString> {
    let mut out = Vec::new();
    footprint_into(topo, sid, true, &mut out);
    out.sort();
    out.dedup();
    out
}

/// [`subnet_footprint`] into `out`; `follow`: also through the Gateway
/// Load Balancer endpoints the route table sends to, whose subnet's
/// network ACL and route table the packet meets next
/// (`walk/gateway_load_balancer_endpoint.rs`), one level deep, and the edge
/// route tables of the internet gateways it sends to.
fn footprint_into(topo: &Topology, sid: &str, follow: bool, out: &mut Vec<CompactString>) {
    let Some(subnet) = topo.subnet(sid) else {
        return;
    };
    if let Ok(acl) = network_acl_for_subnet(topo, subnet) {
        out.push(acl.network_acl_id.clone().into());
    }
    if let Ok((rt, _)) = route_table_for_subnet(topo, subnet) {
        out.push(rt.route_table_id.clone().into());
        out.extend(
            rt.routes
                .iter()
                .filter_map(|r| r.target_id().map(CompactString::from)),
        );
        for tgw in rt
            .routes
            .iter()
            .filter_map(|r| r.transit_gateway_id.as_deref())
        {
            for id in topo.tgw.footprint(tgw) {
                if let Some(acl) = topo
                    .subnet(&id)
                    .and_then(|s| network_acl_for_subnet(topo, s).ok())
                {
                    out.push(acl.network_acl_id.clone().into());
                }
                out.push(id.into());
            }
            out.extend(
                crate::vpn_gateway::dx_associations(topo, tgw)
                    .into_iter()
                    .map(CompactString::from),
            );
        }
        for g in rt.routes.iter().filter_map(|r| r.gateway_id.as_deref()) {
            if g.starts_with("igw-") {
                out.extend(
                    crate::route_table::edge_route_table(topo, g)
                        .map(|t| CompactString::from(t.route_table_id.as_str())),
                );
            }
            let endpoint = topo
                .endpoints
                .get(g)
                .filter(|e| follow && e.is_gateway_load_balancer());
            for esub in endpoint.iter().flat_map(|e| &e.subnet_ids) {
                out.push(esub.clone().into());
                footprint_into(topo, esub, false, out);
            }
        }
    }
}

/// The ends a set of security-group rule edits can act on, for a diff that
/// only needs the changes (`DiffOptions::changes_only`): an end that
/// carries an edited group (the rule's own side), or that an edited rule's
/// peer can match (the far side). A rule acts on no other flow: groups
/// are evaluated on the ENIs that carry them, against the packet's far
/// end (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>).
#[derive(Debug)]
pub(super) struct Scope {
    /// (touched ids, peers) per edit.
    edits: Vec<(Vec<String>, Vec<EditPeer>)>,
}

impl Scope {
    /// The scope of `edits`, or `None` when one of them is not a
    /// security-group rule edit with a side (then every end is compared).
    pub(super) fn of(edits: &[Edit]) -> Option<Scope> {
        let mut out = Vec::new();
        for e in edits {
            if e.resource_type != "security-group-rule" || e.role == EditRole::Both {
                return None;
            }
            out.push((e.touches.clone(), e.peers.clone()));
        }
        Some(Scope { edits: out })
    }

    /// The only ENIs of `topo` that [`Scope::keeps`] can keep for flows of
    /// family `v`, in snapshot order, found by index: the members of the
    /// edited groups, of the peer groups, and the holders of an address in
    /// a peer CIDR (with, for IPv4, the ENIs without an IPv4 address, whose
    /// unknown address may match). `None` (look at every ENI) when an edit
    /// touches something else than a group, has no peer or any peer, or
    /// when a peer CIDR holds a quarter of the ENIs or more.
    pub(super) fn candidates<'a>(
        &self,
        topo: &Topology<'a>,
        v: crate::addr::IpVersion,
    ) -> Option<Vec<&'a netpath_model::NetworkInterface>> {
        let total = topo
            .snapshot
            .network_interfaces
            .as_deref()
            .map_or(0, <[_]>::len);
        let mut out: Vec<&netpath_model::NetworkInterface> = Vec::new();
        for (touches, peers) in &self.edits {
            if peers.is_empty() || !touches.iter().all(|t| t.starts_with("sg-")) {
                return None;
            }
            for t in touches {
                out.extend_from_slice(topo.group_members(t));
            }
            for p in peers {
                match p {
                    EditPeer::Any => return None,
                    EditPeer::Group(g) => out.extend_from_slice(topo.group_members(g)),
                    EditPeer::Cidr(c) => {
                        let held = topo.enis_with_private_ip_in(c);
                        if held.len() * 4 >= total.max(1) {
                            return None;
                        }
                        out.extend_from_slice(held);
                        if !v.is_v6() {
                            out.extend_from_slice(topo.enis_without_ipv4());
                        }
                    }
                }
            }
        }
        // Snapshot order: the ENIs are all in the snapshot's one vector.
        out.sort_by_key(|e| std::ptr::from_ref(*e));
        out.dedup_by(|a, b| std::ptr::eq(*a, *b));
        Some(out)
    }

    /// Whether an end in `vpc` and `subnets`, with `groups` and private
    /// `addrs`, is one an edit can act on.
    pub(super) fn keeps(
        &self,
        vpc: &str,
        subnets: &[CompactString],
        groups: &[CompactString],
        addrs: &[IpAddr],
    ) -> bool {
        self.edits.iter().any(|(touches, peers)| {
            let carries = touches
                .iter()
                .any(|t| t == vpc || groups.iter().chain(subnets).any(|x| x == t));
            let matched = peers.is_empty()
                || peers.iter().any(|p| match p {
                    EditPeer::Any => true,
                    EditPeer::Group(g) => groups.iter().any(|x| x == g),
                    // Unknown addresses may match.
                    EditPeer::Cidr(c) => addrs.is_empty() || addrs.iter().any(|a| c.contains(a)),
                });
            carries || matched
        })
    }
}

#[cfg(test)]
mod tests {
    //! [`Scope::candidates`] finds by index exactly what a scan with
    //! [`Scope::keeps`] keeps (a superset, so the scan over them keeps the
    //! same ENIs): on every fixture, for a rule added to each group from
    //! another group, from a /32, from a /8 and from `::/0`, with one ENI
    //! left without an IPv4 address.
    use netpath_model::{IpPermission, IpProtocol, UserIdGroupPair};

    use super::*;
    use crate::addr::IpVersion;
    use crate::fix_edit::FixEdit;

    fn fixtures() -> Vec<(String, netpath_model::Snapshot)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut out = Vec::new();
        for d in std::fs::read_dir(&root).unwrap().flatten() {
            let aws = d.path().join("aws");
            if let Ok(i) = netpath_model::load(&aws) {
                out.push((d.file_name().to_string_lossy().into_owned(), i.snapshot));
            }
        }
        assert!(out.len() > 50, "only {} fixtures", out.len());
        out
    }

    #[test]
    fn candidates_hold_every_end_a_scope_keeps() {
        let mut checked = 0;
        for (name, snap) in fixtures() {
            let groups: Vec<String> = snap
                .security_groups
                .iter()
                .flatten()
                .map(|g| g.group_id.clone())
                .collect();
            let first_ip = snap
                .network_interfaces
                .iter()
                .flatten()
                .find_map(|e| e.primary_ip());
            for (i, g) in groups.iter().enumerate() {
                let other = &groups[(i + 1) % groups.len()];
                let perm = |v4: Vec<ipnet::Ipv4Net>,
                            v6: Vec<ipnet::Ipv6Net>,
                            pairs: Vec<UserIdGroupPair>| {
                    IpPermission {
                        ip_protocol: IpProtocol::Tcp,
                        from_port: Some(5432),
                        to_port: Some(5432),
                        ip_ranges: v4,
                        ipv6_ranges: v6,
                        prefix_list_ids: Vec::new(),
                        user_id_group_pairs: pairs,
                    }
                };
                let pair = UserIdGroupPair {
                    group_id: other.clone(),
                    user_id: None,
                    vpc_id: None,
                    vpc_peering_connection_id: None,
                    peering_status: None,
                };
                let perms = [
                    perm(Vec::new(), Vec::new(), vec![pair]),
                    perm(
                        first_ip.map(ipnet::Ipv4Net::from).into_iter().collect(),
                        Vec::new(),
                        Vec::new(),
                    ),
                    perm(vec!["10.0.0.0/8".parse().unwrap()], Vec::new(), Vec::new()),
                    perm(Vec::new(), vec!["::/0".parse().unwrap()], Vec::new()),
                ];
                for permission in perms {
                    let mut after = snap.clone();
                    let edit = FixEdit::SecurityGroupRule {
                        group_id: g.clone(),
                        direction: netpath_model::Direction::Ingress,
                        permission,
                    };
                    assert!(edit.apply(&mut after));
                    let Some(scope) = Scope::of(&crate::edits::compare(&snap, &after)) else {
                        continue;
                    };
                    // One ENI without an IPv4 address (as in an IPv6-only
                    // subnet): its unknown address may match any CIDR peer.
                    let mut after = after.clone();
                    if let Some(e) = after
                        .network_interfaces
                        .as_mut()
                        .and_then(|v| v.iter_mut().find(|e| !e.groups.is_empty()))
                    {
                        e.private_ip_addresses.clear();
                    }
                    let topo = Topology::new(&after);
                    for v in [IpVersion::Ipv4, IpVersion::Ipv6] {
                        let Some(c) = scope.candidates(&topo, v) else {
                            continue;
                        };
                        for e in after.network_interfaces.iter().flatten() {
                            let addr = v.eni_address(e);
                            if v.is_v6() && addr.is_none() {
                                continue;
                            }
                            let kept = scope.keeps(
                                &e.vpc_id,
                                std::slice::from_ref(&e.subnet_id),
                                &e.groups,
                                addr.as_slice(),
                            );
                            assert!(
                                !kept || c.iter().any(|x| std::ptr::eq(*x, e)),
                                "{name}: {} kept but not a candidate",
                                e.network_interface_id
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} scopes checked");
    }
}
