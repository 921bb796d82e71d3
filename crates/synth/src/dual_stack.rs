//! [`dual_stack`]: the same synthetic account with IPv6 added, for the
//! IPv6 equivalence tests of `reach`, `exposure` and `diff`.
//!
//! Every IPv4 CIDR the generator writes in `10.0.0.0/8` has an IPv6 twin:
//! VPC `10.V.0.0/16` is `2600:1f18:V::/56`, subnet `10.V.S.0/24` is
//! `2600:1f18:V:S::/64`, address `10.V.S.H` is `2600:1f18:V:S::H`, and
//! `0.0.0.0/0` is `::/0`. Twins are added at random, so that the IPv6 world
//! differs from the IPv4 one where it matters: some ENIs have no IPv6
//! address, some rules and entries name IPv4 only (an IPv6 flow then meets
//! the IPv6 catch-all entry 32768 or no rule), some route tables have no
//! IPv6 default route, and some private route tables send `::/0` to an
//! egress-only internet gateway.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use netpath_model::{
    EgressOnlyInternetGateway, InternetGatewayAttachment, NetworkAclEntry, Route, RouteState,
    RuleAction, Snapshot,
};

/// The IPv6 twin of an IPv4 address `10.V.S.H`.
fn addr_twin(a: Ipv4Addr) -> Option<Ipv6Addr> {
    let [ten, v, s, h] = a.octets();
    (ten == 10).then(|| Ipv6Addr::new(0x2600, 0x1f18, v.into(), s.into(), 0, 0, 0, h.into()))
}

/// The IPv6 twin of an IPv4 CIDR (see the module docs); `None` for CIDRs
/// outside `10.0.0.0/8` other than `0.0.0.0/0`, and for prefix lengths
/// other than 0, 16, 24 and 32.
pub fn cidr_twin(n: Ipv4Net) -> Option<Ipv6Net> {
    if n.prefix_len() == 0 {
        return Some(Ipv6Net::new(Ipv6Addr::UNSPECIFIED, 0).expect("valid"));
    }
    let len = match n.prefix_len() {
        16 => 56,
        24 => 64,
        32 => 128,
        _ => return None,
    };
    Ipv6Net::new(addr_twin(n.network())?, len).ok()
}

/// Adds IPv6 to `snap` (made by [`crate::generate`]), deterministically
/// for a `seed`: VPC, subnet and peering IPv6 CIDRs; an IPv6 address for
/// about 85% of ENIs; IPv6 twins of about 60% of security-group CIDRs and
/// 80% of network ACL entries, with the IPv6 catch-all entry 32768 in every
/// ACL; IPv6 local routes everywhere, twins of about 70% of peering and
/// internet gateway routes, and an egress-only internet gateway route in
/// about half the private route tables.
pub fn dual_stack(snap: &mut Snapshot, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1_9e6);
    for v in snap.vpcs.iter_mut().flatten() {
        v.ipv6_cidr_blocks = v.cidr_blocks.iter().filter_map(|c| cidr_twin(*c)).collect();
    }
    for s in snap.subnets.iter_mut().flatten() {
        s.ipv6_cidr_blocks = cidr_twin(s.cidr_block).into_iter().collect();
    }
    for p in snap.vpc_peering_connections.iter_mut().flatten() {
        for side in [&mut p.requester_vpc_info, &mut p.accepter_vpc_info] {
            side.ipv6_cidr_blocks = side
                .cidr_blocks
                .iter()
                .filter_map(|c| cidr_twin(*c))
                .collect();
        }
    }
    for e in snap.network_interfaces.iter_mut().flatten() {
        if rng.gen_bool(0.85) {
            e.ipv6_addresses = e.primary_ip().and_then(addr_twin).into_iter().collect();
        }
    }
    for g in snap.security_groups.iter_mut().flatten() {
        for p in g
            .ip_permissions
            .iter_mut()
            .chain(g.ip_permissions_egress.iter_mut())
        {
            let twins: Vec<Ipv6Net> = p
                .ip_ranges
                .iter()
                .filter_map(|c| cidr_twin(*c))
                .filter(|_| rng.gen_bool(0.6))
                .collect();
            p.ipv6_ranges.extend(twins);
        }
    }
    for acl in snap.network_acls.iter_mut().flatten() {
        let mut used: BTreeSet<(bool, u16)> = acl
            .entries
            .iter()
            .map(|e| (e.egress, e.rule_number))
            .collect();
        let mut twins = Vec::new();
        for e in &acl.entries {
            let Some(c) = e.cidr_block.and_then(cidr_twin) else {
                continue;
            };
            if e.rule_number >= 32767 || !rng.gen_bool(0.8) {
                continue;
            }
            let Some(n) = (e.rule_number + 1..e.rule_number + 10)
                .find(|n| *n < 32767 && !used.contains(&(e.egress, *n)))
            else {
                continue;
            };
            used.insert((e.egress, n));
            twins.push(NetworkAclEntry {
                rule_number: n,
                cidr_block: None,
                ipv6_cidr_block: Some(c),
                ..e.clone()
            });
        }
        for egress in [false, true] {
            twins.push(NetworkAclEntry {
                rule_number: 32768,
                egress,
                protocol: netpath_model::IpProtocol::All,
                rule_action: RuleAction::Deny,
                cidr_block: None,
                ipv6_cidr_block: Some(Ipv6Net::new(Ipv6Addr::UNSPECIFIED, 0).expect("valid")),
                port_range: None,
                icmp_type_code: None,
            });
        }
        acl.entries.extend(twins);
    }
    let mut eigws = Vec::new();
    for rt in snap.route_tables.iter_mut().flatten() {
        let mut twins = Vec::new();
        let mut default_v4 = false;
        for r in &rt.routes {
            let Some(c) = r.destination_cidr_block else {
                continue;
            };
            default_v4 |= c.prefix_len() == 0;
            let Some(t) = cidr_twin(c) else { continue };
            let local = r.gateway_id.as_deref() == Some("local");
            if local || rng.gen_bool(0.7) {
                twins.push(Route {
                    destination_cidr_block: None,
                    destination_ipv6_cidr_block: Some(t),
                    ..r.clone()
                });
            }
        }
        if !default_v4 && rng.gen_bool(0.5) {
            let id = format!("eigw-{:017x}", eigws.len() + 1);
            eigws.push(EgressOnlyInternetGateway {
                egress_only_internet_gateway_id: id.clone(),
                attachments: vec![InternetGatewayAttachment {
                    vpc_id: rt.vpc_id.clone(),
                    state: "attached".into(),
                }],
                tags: Default::default(),
            });
            let mut r = Route::to_target(
                Ipv6Net::new(Ipv6Addr::UNSPECIFIED, 0).expect("valid"),
                &id,
                "CreateRoute",
            );
            r.state = RouteState::Active;
            twins.push(r);
        }
        rt.routes.extend(twins);
    }
    snap.egress_only_internet_gateways = Some(eigws);
    snap.sort();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_keep_the_vpc_subnet_and_host_layout() {
        let n = |s: &str| cidr_twin(s.parse().unwrap()).map(|x| x.to_string());
        assert_eq!(n("10.3.0.0/16").as_deref(), Some("2600:1f18:3::/56"));
        assert_eq!(n("10.3.7.0/24").as_deref(), Some("2600:1f18:3:7::/64"));
        assert_eq!(n("10.3.7.9/32").as_deref(), Some("2600:1f18:3:7::9/128"));
        assert_eq!(n("0.0.0.0/0").as_deref(), Some("::/0"));
        assert_eq!(n("192.168.0.0/16"), None);
        // A subnet's twin lies in its VPC's twin.
        let vpc: Ipv6Net = "2600:1f18:3::/56".parse().unwrap();
        assert!(vpc.contains(&"2600:1f18:3:ff::/64".parse::<Ipv6Net>().unwrap()));
    }
}
