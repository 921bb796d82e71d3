//! The three evaluators as hops: security groups, network ACLs and route
//! tables. Each evaluator returns its decision, a detail and the matched rule
//! or route; this file turns that into a [`Hop`] and pushes it.

use netpath_model::{IpProtocol, PortRange, RouteState};

use super::{hop, peer_cidr, Walker};
use crate::addr::{AddrSet, Quantifier};
use crate::answer::{Decision, Direction, ExplanationCode, HopKind, Matched, PathLeg};
use crate::network_acl;
use crate::resolve::Placement;
use crate::route_table::{self, RouteTarget};
use crate::security_group::{self, SgDirection, SgPeer};

impl<'a> Walker<'_, 'a> {
    pub(super) fn security_groups(&mut self, p: &Placement<'a>, dir: SgDirection, peer: &SgPeer) {
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
        h.direction = Some(match dir {
            SgDirection::Ingress => Direction::Ingress,
            SgDirection::Egress => Direction::Egress,
        });
        h.matched = out.matched;
        h.security_groups = p.groups.clone();
        h.missing = out.missing;
        self.push(h, ExplanationCode::EniSgRulesMismatch);
    }

    /// Evaluates the NACL of `subnet_id` for `ports`; returns nothing, pushes a hop.
    pub(super) fn network_acl(
        &mut self,
        path: PathLeg,
        subnet_id: &str,
        egress: bool,
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
        let out = network_acl::evaluate(acl, egress, peer, proto, ports);
        let dir_word = if egress { "outbound" } else { "inbound" };
        let peer_word = if egress { "to" } else { "from" };
        let what = if path == PathLeg::Return {
            format!("the reply ({proto} to ports {ports}) {peer_word} {peer}")
        } else {
            format!("{proto} {ports} {peer_word} {peer}")
        };
        let rule_text = |n: u16| {
            if n == 32767 {
                "*".to_string()
            } else {
                n.to_string()
            }
        };
        let (decision, detail, rule) = if out.denied.is_empty() && out.unknown.is_empty() {
            let r = out.first_allow_rule();
            (
                Decision::Allow,
                format!(
                    "{} {dir_word} rule {} allows {what}",
                    acl.network_acl_id,
                    r.map_or("?".into(), rule_text)
                ),
                r,
            )
        } else if out.allowed.is_empty() && out.unknown.is_empty() {
            let r = out.first_deny_rule();
            (
                Decision::Deny,
                format!(
                    "{} {dir_word} rule {} denies {what}",
                    acl.network_acl_id,
                    r.map_or("?".into(), rule_text)
                ),
                r,
            )
        } else if out.unknown.is_empty() {
            let r = out.first_deny_rule();
            (
                Decision::Partial,
                format!(
                    "{} {dir_word} allows {what} only on ports {}; rule {} denies ports {}",
                    acl.network_acl_id,
                    out.allowed,
                    r.map_or("?".into(), rule_text),
                    out.denied
                ),
                r,
            )
        } else {
            (
                Decision::Unknown,
                format!(
                    "{} {dir_word}: whether it allows {what} depends on the exact address",
                    acl.network_acl_id
                ),
                None,
            )
        };
        let mut h = hop(
            path,
            HopKind::NetworkAcl,
            &acl.network_acl_id,
            decision,
            detail,
        );
        h.direction = Some(if egress {
            Direction::Egress
        } else {
            Direction::Ingress
        });
        h.matched = rule.map(|n| Matched {
            text: format!("{} {dir_word} rule {}", acl.network_acl_id, rule_text(n)),
            rule_number: Some(n),
            ..Matched::default()
        });
        if path == PathLeg::Return {
            h.ports = Some(ports);
        }
        h.peer = Some(peer_cidr(peer));
        if decision != Decision::Allow {
            h.blocked_ports = out.denied.0.clone();
        }
        if decision == Decision::Unknown {
            h.missing.push(format!("the exact address of {peer}"));
        }
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
        let how = if explicit {
            "explicitly associated"
        } else {
            "main"
        };
        let results = route_table::lookup_set(self.topo, rt, dest);
        let first = results[0].1;
        let uniform = results.iter().all(|(_, r)| {
            std::ptr::eq(
                r.map_or(std::ptr::null(), |r| r as *const _),
                first.map_or(std::ptr::null(), |r| r as *const _),
            )
        });
        if !uniform && dest.quantifier() == Quantifier::OneOf {
            let mut h = hop(
                path,
                HopKind::RouteTable,
                &rt.route_table_id,
                Decision::Unknown,
                format!(
                    "{} ({how}) routes {dest} differently depending on the exact address",
                    rt.route_table_id
                ),
            );
            h.missing.push(format!("the exact address of {dest}"));
            self.hops.push(h);
            return None;
        }
        // For `Every` sets, the first atom without a usable route decides.
        let chosen = if uniform {
            first
        } else {
            results
                .iter()
                .find(|(_, r)| r.is_none())
                .map_or(first, |(_, r)| *r)
        };
        let Some(route) = chosen else {
            let unknown_pl = route_table::unknown_prefix_lists(self.topo, rt);
            if !unknown_pl.is_empty() {
                let mut h = hop(path, HopKind::RouteTable, &rt.route_table_id, Decision::Unknown,
                    format!("no CIDR route of {} matches {dest}; prefix-list routes could not be checked", rt.route_table_id));
                h.missing.extend(
                    unknown_pl
                        .into_iter()
                        .map(|p| format!("entries of prefix list {p}")),
                );
                self.hops.push(h);
                return None;
            }
            let h = hop(
                path,
                HopKind::RouteTable,
                &rt.route_table_id,
                Decision::Deny,
                format!(
                    "{} ({how} route table of {subnet_id}) has no route to {dest}",
                    rt.route_table_id
                ),
            );
            self.push(h, ExplanationCode::NoRouteToDestination);
            return None;
        };
        let matched = Matched {
            text: route_table::describe(route),
            destination: route
                .destination_cidr_block
                .map(|c| c.to_string())
                .or_else(|| route.destination_prefix_list_id.clone()),
            target: route.target_id().map(str::to_string),
            ..Matched::default()
        };
        if route.state == RouteState::Blackhole {
            let mut h = hop(path, HopKind::RouteTable, &rt.route_table_id, Decision::Deny,
                format!("{} ({how}) sends {dest} to {}, a blackhole route: its target no longer exists, so packets are dropped", rt.route_table_id, matched.text));
            h.matched = Some(matched);
            self.push(h, ExplanationCode::BadStateRoute);
            return None;
        }
        let mut h = hop(
            path,
            HopKind::RouteTable,
            &rt.route_table_id,
            Decision::Allow,
            format!(
                "{} ({how}) routes {dest} via {}",
                rt.route_table_id, matched.text
            ),
        );
        h.matched = Some(matched.clone());
        self.hops.push(h);
        Some((route_table::target(route), matched))
    }
}
