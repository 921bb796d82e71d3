//! Transit gateways: the index over a snapshot's transit gateways, their
//! attachments and route tables, and the route-table lookup. The walk
//! (`walk/transit_gateway.rs`) uses these to decide each hop.
//!
//! A transit gateway route table holds its static routes and the routes its
//! propagations install: an `enabled` propagation from a VPC attachment
//! installs the VPC's CIDRs
//! (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html>,
//! "Route propagation"). The longest prefix wins; between a static and a
//! propagated route to the same prefix the static one wins; a blackhole
//! route drops the packet
//! (<https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html>,
//! "Route evaluation order").

use std::collections::{HashMap, HashSet};

use ipnet::IpNet;
use netpath_model::{
    Snapshot, TransitGateway, TransitGatewayAttachment, TransitGatewayPeeringAttachment,
    TransitGatewayRouteTable, TransitGatewayRouteTablePropagations, TransitGatewayRouteTableRoutes,
    TransitGatewayVpcAttachment, Vpc,
};

use crate::addr::AddrSet;

mod customer;
mod ipv6;

/// Read-only index over the transit-gateway resources of one snapshot.
pub struct TransitGateways<'a> {
    tgws: HashMap<&'a str, &'a TransitGateway>,
    /// Attachments by (gateway, id): a peering attachment is listed on
    /// both gateways under one id, each side with its own association.
    attachments_on: HashMap<(&'a str, &'a str), &'a TransitGatewayAttachment>,
    /// Peering attachments (`DescribeTransitGatewayPeeringAttachments`).
    peerings: Vec<&'a TransitGatewayPeeringAttachment>,
    vpc_attachments: HashMap<&'a str, &'a TransitGatewayVpcAttachment>,
    route_tables: HashMap<&'a str, &'a TransitGatewayRouteTable>,
    routes: HashMap<&'a str, &'a TransitGatewayRouteTableRoutes>,
    propagations: HashMap<&'a str, &'a TransitGatewayRouteTablePropagations>,
    /// VPCs by id, for the CIDRs a propagation installs.
    vpcs: HashMap<&'a str, &'a Vpc>,
    /// (VPC, VPC) pairs a group reference can match across, both ways
    /// (see [`TransitGateways::references_between`]), found once.
    ref_pairs: HashSet<(&'a str, &'a str)>,
    /// The snapshot, for which accounts were read.
    snap: &'a Snapshot,
}

/// How a transit gateway route got into its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TgwRouteOrigin {
    /// Propagated by an attachment (lower precedence on a tie).
    Propagated,
    /// Static (wins a tie with a propagated route).
    Static,
}

/// One route of a transit gateway route table, as the lookup sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TgwRoute {
    /// The destination.
    pub cidr: IpNet,
    /// Static or propagated.
    pub origin: TgwRouteOrigin,
    /// The target attachment; `None` for a blackhole.
    pub attachment_id: Option<String>,
    /// True for a blackhole route: the packet is dropped.
    pub blackhole: bool,
}

impl TgwRoute {
    /// `CIDR -> tgw-attach-… (static)`, or `CIDR -> blackhole (static)`.
    pub fn describe(&self) -> String {
        format!(
            "{} -> {} ({})",
            self.cidr,
            match (&self.attachment_id, self.blackhole) {
                (Some(a), _) => a.as_str(),
                (None, true) => "blackhole",
                (None, false) => "no attachment listed",
            },
            match self.origin {
                TgwRouteOrigin::Static => "static",
                TgwRouteOrigin::Propagated => "propagated",
            }
        )
    }
}

/// The answer of a route-table lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TgwLookup {
    /// The winning route (which may be a blackhole).
    Route(TgwRoute),
    /// No route covers the destination.
    NoRoute,
    /// Undecidable; the text names what is missing.
    Unknown(String),
}

impl<'a> TransitGateways<'a> {
    /// Indexes the transit-gateway collections of `snap` (absent ones stay empty).
    pub fn new(snap: &'a Snapshot) -> TransitGateways<'a> {
        fn index<'a, T>(
            v: &'a Option<Vec<T>>,
            id: impl Fn(&'a T) -> &'a str,
        ) -> HashMap<&'a str, &'a T> {
            v.iter().flatten().map(|x| (id(x), x)).collect()
        }
        let mut t = TransitGateways {
            tgws: index(&snap.transit_gateways, |t| &t.transit_gateway_id),
            attachments_on: snap
                .transit_gateway_attachments
                .iter()
                .flatten()
                .map(|a| {
                    (
                        (
                            a.transit_gateway_id.as_str(),
                            a.transit_gateway_attachment_id.as_str(),
                        ),
                        a,
                    )
                })
                .collect(),
            peerings: snap
                .transit_gateway_peering_attachments
                .iter()
                .flatten()
                .collect(),
            vpc_attachments: index(&snap.transit_gateway_vpc_attachments, |a| {
                &a.transit_gateway_attachment_id
            }),
            route_tables: index(&snap.transit_gateway_route_tables, |r| {
                &r.transit_gateway_route_table_id
            }),
            routes: index(&snap.transit_gateway_routes, |r| {
                &r.transit_gateway_route_table_id
            }),
            propagations: index(&snap.transit_gateway_propagations, |r| {
                &r.transit_gateway_route_table_id
            }),
            vpcs: index(&snap.vpcs, |v| &v.vpc_id),
            ref_pairs: HashSet::new(),
            snap,
        };
        let on = |v: &Option<String>| v.as_deref() == Some("enable");
        for tgw in t
            .tgws
            .values()
            .filter(|g| on(&g.options.security_group_referencing_support))
        {
            let ends: Vec<&'a TransitGatewayVpcAttachment> = t
                .vpc_attachments
                .values()
                .filter(|a| {
                    a.transit_gateway_id == tgw.transit_gateway_id
                        && !matches!(a.state.as_str(), "deleted" | "deleting" | "failed")
                        && on(&a.security_group_referencing_support)
                })
                .copied()
                .collect();
            for a in &ends {
                for b in &ends {
                    t.ref_pairs.insert((a.vpc_id.as_str(), b.vpc_id.as_str()));
                }
            }
        }
        t
    }

    /// A transit gateway by id.
    pub fn transit_gateway(&self, id: &str) -> Option<&'a TransitGateway> {
        self.tgws.get(id).copied()
    }

    /// The side of attachment `id` that is associated with no route table
    /// (a peering attachment is listed on both of its gateways), lowest
    /// gateway id first.
    pub fn unassociated(&self, id: &str) -> Option<&'a TransitGatewayAttachment> {
        let mut sides: Vec<&'a TransitGatewayAttachment> = self
            .attachments_on
            .iter()
            .filter(|((_, x), a)| *x == id && a.associated_route_table().is_none())
            .map(|(_, a)| *a)
            .collect();
        sides.sort_by(|a, b| a.transit_gateway_id.cmp(&b.transit_gateway_id));
        sides.into_iter().next()
    }

    /// Attachment `id` as listed on gateway `tgw`, with that side's route
    /// table association.
    pub fn attachment_on(&self, tgw: &str, id: &str) -> Option<&'a TransitGatewayAttachment> {
        self.attachments_on.get(&(tgw, id)).copied()
    }

    /// The peering attachments of `tgw`: (its id on `tgw`'s side, the peer
    /// gateway), sorted. From the peering records when read, and from the
    /// attachments' own records (resource type `peering`, the peer as
    /// resource).
    pub fn peerings_of(&self, tgw: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .peerings
            .iter()
            .filter_map(|p| {
                let own = p.attachment_on(tgw)?;
                let peer = p.peer_of(tgw)?;
                Some((own.to_string(), peer.transit_gateway_id.clone()))
            })
            .chain(
                self.attachments_on
                    .iter()
                    .filter(|((t, _), a)| *t == tgw && a.resource_type == "peering")
                    .filter_map(|((_, id), a)| Some((id.to_string(), a.resource_id.clone()?))),
            )
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The other side of peering attachment `id` of `tgw`: (the peer
    /// gateway, the attachment's id on its side). From the peering record
    /// when read (the accepter may have an id of its own), else from the
    /// attachment's own record, whose resource is the peer.
    pub fn peer_side(&self, tgw: &str, id: &str) -> Option<(String, String)> {
        let peering = self.peering(tgw, id);
        let peer = match peering.and_then(|p| p.peer_of(tgw)) {
            Some(p) => p.transit_gateway_id.clone(),
            None => self.attachment_on(tgw, id)?.resource_id.clone()?,
        };
        let peer_att = peering
            .and_then(|p| p.attachment_on(&peer))
            .unwrap_or(id)
            .to_string();
        Some((peer, peer_att))
    }

    /// The peering attachment of `tgw` that leads to a gateway with an
    /// attachment to `vpc`: (its id on `tgw`'s side, the peer gateway).
    pub fn peering_toward(&self, tgw: &str, vpc: &str) -> Option<(String, String)> {
        self.peerings_of(tgw)
            .into_iter()
            .find(|(_, peer)| !self.vpc_attachments_of(peer, vpc).is_empty())
    }

    /// The peering attachment that attachment `id` of gateway `tgw` is one
    /// side of, from `DescribeTransitGatewayPeeringAttachments`.
    pub fn peering(&self, tgw: &str, id: &str) -> Option<&'a TransitGatewayPeeringAttachment> {
        self.peerings
            .iter()
            .find(|p| p.attachment_on(tgw) == Some(id))
            .copied()
    }

    /// A VPC attachment (with its subnets) by id.
    pub fn vpc_attachment(&self, id: &str) -> Option<&'a TransitGatewayVpcAttachment> {
        self.vpc_attachments.get(id).copied()
    }

    /// A route table by id.
    pub fn route_table(&self, id: &str) -> Option<&'a TransitGatewayRouteTable> {
        self.route_tables.get(id).copied()
    }

    /// The VPC attachments of `tgw` to `vpc`, not deleted ones, sorted by id
    /// (AWS allows one per VPC and transit gateway, but a capture may hold
    /// a deleted one beside its successor).
    pub fn vpc_attachments_of(&self, tgw: &str, vpc: &str) -> Vec<&'a TransitGatewayVpcAttachment> {
        let mut v: Vec<_> = self
            .vpc_attachments
            .values()
            .filter(|a| a.transit_gateway_id == tgw && a.vpc_id == vpc)
            .filter(|a| !matches!(a.state.as_str(), "deleted" | "deleting" | "failed"))
            .copied()
            .collect();
        v.sort_by(|a, b| {
            a.transit_gateway_attachment_id
                .cmp(&b.transit_gateway_attachment_id)
        });
        v
    }

    /// Every id a flow through `tgw` can consult: its attachments (of any
    /// type), their subnets, and its route tables, and the same of every
    /// gateway peered with it (transitively).
    pub fn footprint(&self, tgw: &str) -> Vec<String> {
        // The gateway and every gateway peered with it, transitively: a
        // flow may cross a peering and be routed by the peer's tables.
        let mut gateways: Vec<String> = vec![tgw.to_string()];
        let mut k = 0;
        while k < gateways.len() {
            for (_, p) in self.peerings_of(&gateways[k]) {
                if !gateways.contains(&p) {
                    gateways.push(p);
                }
            }
            k += 1;
        }
        let gateways: Vec<&str> = gateways.iter().map(String::as_str).collect();
        let mut out: Vec<String> = gateways.iter().map(|g| g.to_string()).collect();
        for (t, id) in self.attachments_on.keys() {
            if gateways.contains(t) {
                out.push(id.to_string());
            }
        }
        for a in self
            .vpc_attachments
            .values()
            .filter(|a| gateways.contains(&a.transit_gateway_id.as_str()))
        {
            out.push(a.transit_gateway_attachment_id.clone());
            out.extend(a.subnet_ids.iter().cloned());
        }
        for r in self
            .route_tables
            .values()
            .filter(|r| gateways.contains(&r.transit_gateway_id.as_str()))
        {
            out.push(r.transit_gateway_route_table_id.clone());
        }
        // Routes and propagations are kept by table: include tables that
        // only those name.
        out.extend(self.routes.keys().map(|k| k.to_string()));
        out.extend(self.propagations.keys().map(|k| k.to_string()));
        out.sort();
        out.dedup();
        out
    }

    /// True when the propagations into `rtb` were read.
    pub fn has_propagations(&self, rtb: &str) -> bool {
        self.propagations.contains_key(rtb)
    }

    /// A transit gateway both VPCs have an `available` attachment to.
    pub fn common_transit_gateway(&self, a: &str, b: &str) -> Option<String> {
        let mut ids: Vec<&str> = self
            .vpc_attachments
            .values()
            .filter(|x| x.vpc_id == a && x.state == "available")
            .map(|x| x.transit_gateway_id.as_str())
            .filter(|t| {
                self.vpc_attachments_of(t, b)
                    .iter()
                    .any(|y| y.state == "available")
            })
            .collect();
        ids.sort_unstable();
        ids.first().map(|t| t.to_string())
    }

    /// True when a group reference can match across `tgw` between VPC
    /// attachments `a` and `b`: security group referencing support is
    /// enabled on the transit gateway and on both attachments
    /// (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html>,
    /// "Security group referencing").
    pub fn references_across(&self, tgw: &str, a: &str, b: &str) -> bool {
        let on = |v: &Option<String>| v.as_deref() == Some("enable");
        self.transit_gateway(tgw)
            .is_some_and(|t| on(&t.options.security_group_referencing_support))
            && [a, b].iter().all(|id| {
                self.vpc_attachment(id)
                    .is_some_and(|x| on(&x.security_group_referencing_support))
            })
    }

    /// True when a group reference from a rule in `own_vpc` can match an ENI
    /// in `peer_vpc` across some transit gateway both attach to (see
    /// [`TransitGateways::references_across`]).
    pub fn references_between(&self, own_vpc: &str, peer_vpc: &str) -> bool {
        self.ref_pairs.contains(&(own_vpc, peer_vpc))
    }

    /// `"; transit gateway T belongs to account O, which was not collected
    /// …"` when route table `rtb`'s gateway (found from the table, or from
    /// an attachment associated with it) is another account's, shared with
    /// those read, and that account was not read: only a transit gateway's
    /// owner lists its route tables, routes and propagations
    /// (<https://docs.aws.amazon.com/vpc/latest/tgw/tgw-transit-gateways.html#tgw-sharing>).
    /// Empty otherwise.
    fn owner_not_collected(&self, rtb: &str) -> String {
        let tgw = self
            .route_tables
            .get(rtb)
            .map(|t| t.transit_gateway_id.as_str())
            .or_else(|| {
                self.attachments_on
                    .values()
                    .find(|a| {
                        a.association
                            .as_ref()
                            .is_some_and(|x| x.transit_gateway_route_table_id == rtb)
                    })
                    .map(|a| a.transit_gateway_id.as_str())
            });
        let Some((tgw, owner)) =
            tgw.and_then(|t| Some((t, self.tgws.get(t)?.owner_id.as_deref()?)))
        else {
            return String::new();
        };
        if self.snap.account_read(owner) {
            return String::new();
        }
        format!(
            "; transit gateway {tgw} belongs to account {owner}, which was not collected (a shared transit gateway: only its owner lists its route tables); collect it, or `netpath merge` its snapshot"
        )
    }

    /// The routes of table `rtb` for `dest`'s family: its listed routes
    /// plus the CIDRs its `enabled` VPC propagations install.
    ///
    /// Errors: what is missing to know the table's routes (the routes were
    /// not read, the listing is truncated, a propagation's CIDRs are not in
    /// the snapshot).
    pub fn routes(&self, rtb: &str, v6: bool) -> Result<Vec<TgwRoute>, String> {
        let listed = self.routes.get(rtb).ok_or_else(|| {
            format!(
                "the routes of transit gateway route table {rtb} (no SearchTransitGatewayRoutes output for it){}",
                self.owner_not_collected(rtb)
            )
        })?;
        if listed.additional_routes_available {
            return Err(format!(
                "the rest of the routes of {rtb} (SearchTransitGatewayRoutes stopped at its limit: AdditionalRoutesAvailable)"
            ));
        }
        let mut out: Vec<TgwRoute> = Vec::new();
        let mut has_propagated = false;
        for r in &listed.routes {
            if r.route_type == "propagated" {
                has_propagated = true;
            }
            let Some(cidr) = r.destination_cidr_block else {
                if let Some(pl) = &r.prefix_list_id {
                    return Err(format!(
                        "the CIDRs of prefix list {pl}, which a route of {rtb} names (not modelled yet)"
                    ));
                }
                continue;
            };
            if cidr.addr().is_ipv6() != v6 || !matches!(r.state.as_str(), "active" | "blackhole") {
                continue;
            }
            out.push(TgwRoute {
                cidr,
                origin: if r.route_type == "propagated" {
                    TgwRouteOrigin::Propagated
                } else {
                    TgwRouteOrigin::Static
                },
                attachment_id: (r.state != "blackhole")
                    .then(|| {
                        r.transit_gateway_attachments
                            .first()
                            .map(|a| a.transit_gateway_attachment_id.clone())
                    })
                    .flatten(),
                blackhole: r.state == "blackhole",
            });
        }
        match self.propagations.get(rtb) {
            None if !has_propagated => {
                return Err(format!(
                    "the propagations into {rtb} (no GetTransitGatewayRouteTablePropagations output for it), so its propagated routes are unknown"
                ))
            }
            None => {}
            Some(props) => {
                for p in props.propagations.iter().filter(|p| p.state == "enabled") {
                    let att = &p.transit_gateway_attachment_id;
                    let kind = p.resource_type.as_deref().unwrap_or("?");
                    if kind != "vpc" {
                        // A VPN, Direct Connect or peering attachment
                        // propagates what BGP learns: not in a snapshot.
                        if out.iter().any(|r| r.origin == TgwRouteOrigin::Propagated && r.attachment_id.as_deref() == Some(att)) {
                            continue;
                        }
                        return Err(format!(
                            "the routes {att} ({kind}) propagates into {rtb} (learned by BGP, not in the snapshot)"
                        ));
                    }
                    let Some(vpc_id) = p.resource_id.as_deref() else {
                        return Err(format!("the VPC of propagation {att} into {rtb}"));
                    };
                    let Some(vpc) = self.vpcs.get(vpc_id) else {
                        let owner = self
                            .vpc_attachment(att)
                            .and_then(|a| a.vpc_owner_id.as_deref())
                            .filter(|o| !self.snap.account_read(o))
                            .map(|o| {
                                format!("; it belongs to account {o}, which was not collected: collect it, or `netpath merge` its snapshot")
                            })
                            .unwrap_or_default();
                        return Err(format!(
                            "VPC {vpc_id}, whose CIDRs {att} propagates into {rtb} (not in the snapshot){owner}"
                        ));
                    };
                    let cidrs: Vec<IpNet> = if v6 {
                        if !self.propagates_ipv6(att, rtb, !vpc.ipv6_cidr_blocks.is_empty())? {
                            continue;
                        }
                        vpc.ipv6_cidr_blocks.iter().map(|&c| c.into()).collect()
                    } else {
                        vpc.cidr_blocks.iter().map(|&c| c.into()).collect()
                    };
                    for cidr in cidrs {
                        let route = TgwRoute {
                            cidr,
                            origin: TgwRouteOrigin::Propagated,
                            attachment_id: Some(att.clone()),
                            blackhole: false,
                        };
                        if !out.contains(&route) {
                            out.push(route);
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Looks `dest` up in table `rtb`: longest prefix, static before
    /// propagated on a tie. An address set the table routes differently by
    /// address is unknown.
    pub fn lookup(&self, rtb: &str, dest: &AddrSet) -> TgwLookup {
        let routes = match self.routes(rtb, dest.is_v6()) {
            Ok(r) => r,
            Err(m) => return TgwLookup::Unknown(m),
        };
        let best = |ip: std::net::IpAddr| {
            routes
                .iter()
                .filter(|r| r.cidr.contains(&ip))
                .max_by_key(|r| (r.cidr.prefix_len(), r.origin))
        };
        let atoms = dest.atoms(routes.iter().map(|r| &r.cidr));
        let picks: Vec<Option<&TgwRoute>> = atoms.iter().map(|&ip| best(ip)).collect();
        let first = picks.first().copied().flatten();
        if picks.iter().any(|p| *p != first) {
            return TgwLookup::Unknown(format!(
                "which route of {rtb} carries {dest}: the table routes parts of it differently"
            ));
        }
        match first {
            Some(r) => TgwLookup::Route(r.clone()),
            None => TgwLookup::NoRoute,
        }
    }
}
