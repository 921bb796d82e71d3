//! The three evaluators as hops: security groups, network ACLs and route
//! tables. Each evaluator returns its decision, a detail and the matched rule
//! or route; this file turns that into a [`Hop`] and pushes it.

use netpath_model::{IpProtocol, PortRange};

use super::Walker;
use crate::addr::AddrSet;
use crate::answer::{Decision, Direction, ExplanationCode, Hop, HopKind, Matched, PathLeg};
use crate::network_acl;
use crate::resolve::Placement;
use crate::route_table::{self, RouteTarget};
use crate::security_group::{self, SgPeer};

impl<'a> Walker<'_, 'a> {
    pub(super) fn security_groups(&mut self, p: &Placement<'a>, dir: Direction, peer: &SgPeer) {
        // Two different copies of the ENI: its groups are in doubt.
        if let Some(m) = p
            .eni
            .and_then(|e| self.topo.in_doubt(&[&e.network_interface_id]))
        {
            let mut h = hop(
                PathLeg::Forward,
                HopKind::SecurityGroup,
                p.label(),
                Decision::Unknown,
                format!(
                    "the groups of {} cannot be decided: the snapshot lacks {m}",
                    p.label()
                ),
            );
            h.direction = Some(dir);
            h.missing.push(m);
            self.hops.push(h);
            return;
        }
        let out = security_group::evaluate(
            self.topo,
            &p.groups,
            p.eni.and_then(|e| e.interface_type.as_deref()),
            dir,
            peer,
            self.proto(),
            self.flow.port,
        );
        let component = match p.groups.as_slice() {
            [one] => one.clone(),
            _ => p.label().to_string(),
        };
        let mut h = hop(
            PathLeg::Forward,
            HopKind::SecurityGroup,
            &component,
            out.decision,
            out.detail,
        );
        h.direction = Some(dir);
        h.matched = out.matched;
        h.near_miss = out.near_miss;
        h.security_groups = p.groups.clone();
        h.missing = out.missing;
        self.push(h, ExplanationCode::EniSgRulesMismatch);
    }

    /// Evaluates the NACL of `subnet_id` for `ports`; returns nothing, pushes a hop.
    pub(super) fn network_acl(
        &mut self,
        path: PathLeg,
        subnet_id: &str,
        direction: Direction,
        peer: &AddrSet,
        ports: PortRange,
        proto: IpProtocol,
    ) {
        let subnet = match self.topo.subnet(subnet_id) {
            Some(s) => s,
            None => {
                return self.unknown(
                    path,
                    HopKind::NetworkAcl,
                    subnet_id,
                    format!("subnet {subnet_id} (its network ACL is unknown)"),
                );
            }
        };
        let acl = match network_acl::network_acl_for_subnet(self.topo, subnet) {
            Ok(a) => a,
            Err(missing) => return self.unknown(path, HopKind::NetworkAcl, subnet_id, missing),
        };
        let (eval, blocked) =
            network_acl::judge(acl, direction, peer, proto, ports, path, !self.flow.terse);
        let mut h = hop(
            path,
            HopKind::NetworkAcl,
            &acl.network_acl_id,
            eval.decision,
            eval.detail,
        );
        h.direction = Some(direction);
        h.matched = eval.matched;
        h.near_miss = eval.near_miss;
        if path == PathLeg::Return {
            h.ports = Some(ports);
        }
        h.peer = Some(peer_cidr(peer));
        h.blocked_ports = blocked;
        h.missing = eval.missing;
        self.push(h, ExplanationCode::SubnetAclRestriction);
    }

    pub(super) fn acl_not_crossed(&mut self, subnet_id: &str) {
        let h = hop(
            PathLeg::Forward,
            HopKind::NetworkAcl,
            subnet_id,
            Decision::NotApplicable,
            format!("both ends are in {subnet_id}: network ACLs apply only at the subnet boundary"),
        );
        self.hops.push(h);
    }

    /// Route lookup of `dest` in the table of `subnet_id`. Pushes a
    /// route-table hop; returns the chosen route's target when it is usable.
    pub(super) fn route(
        &mut self,
        path: PathLeg,
        subnet_id: &str,
        dest: &AddrSet,
    ) -> Option<(RouteTarget, Matched)> {
        let Some(subnet) = self.topo.subnet(subnet_id) else {
            self.unknown(
                path,
                HopKind::RouteTable,
                subnet_id,
                format!("subnet {subnet_id} (its route table is unknown)"),
            );
            return None;
        };
        let (rt, explicit) = match route_table::route_table_for_subnet(self.topo, subnet) {
            Ok(x) => x,
            Err(missing) => {
                self.unknown(path, HopKind::RouteTable, subnet_id, missing);
                return None;
            }
        };
        let j = route_table::judge(self.topo, rt, explicit, subnet_id, dest);
        let e = j.evaluation;
        let mut h = hop(
            path,
            HopKind::RouteTable,
            &rt.route_table_id,
            e.decision,
            e.detail,
        );
        h.matched = e.matched.clone();
        h.near_miss = e.near_miss;
        h.missing = e.missing;
        match j.code {
            Some(code) => self.push(h, code),
            None => self.hops.push(h),
        }
        Some((j.target?, e.matched?))
    }
}

/// A hop of `kind` at `component` with `decision` and its sentence; nothing
/// matched, no code (set by `Walker::push`), no zone or symptom yet.
pub(super) fn hop(
    path: PathLeg,
    kind: HopKind,
    component: &str,
    decision: Decision,
    detail: String,
) -> Hop {
    Hop {
        path,
        kind,
        component: component.to_string(),
        name: None,
        direction: None,
        decision,
        matched: None,
        security_groups: Vec::new(),
        ports: None,
        blocked_ports: Vec::new(),
        code: None,
        missing: Vec::new(),
        peer: None,
        zone: None,
        symptom: None,
        near_miss: None,
        load_balancer_leg: None,
        targets: Vec::new(),
        consulted: Vec::new(),
        detail,
    }
}

/// An undecided hop: of `kind` at `component`, with its sentence and the
/// data (or assumption) that would decide it.
pub(super) fn unknown_hop(
    path: PathLeg,
    kind: HopKind,
    component: &str,
    detail: String,
    missing: String,
) -> Hop {
    let mut h = hop(path, kind, component, Decision::Unknown, detail);
    h.missing.push(missing);
    h
}

/// The CIDR a fix should name for `addr`: `/32` (`/128` for IPv6) for one
/// address, the first covering CIDR for an unknown one, `0.0.0.0/0` (`::/0`)
/// for the internet.
pub(crate) fn peer_cidr(addr: &AddrSet) -> String {
    if let Some(ip) = addr.as_single() {
        return format!("{ip}/{}", if ip.is_ipv6() { 128 } else { 32 });
    }
    let any = if addr.is_v6() { "::/0" } else { "0.0.0.0/0" };
    if addr.is_internet() {
        return any.to_string();
    }
    addr.cidrs()
        .first()
        .map_or_else(|| any.to_string(), |c| c.to_string())
}
