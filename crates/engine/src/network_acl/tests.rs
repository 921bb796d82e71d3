//! Evaluation order, the `*` entry and rule-number choice, on hand-made
//! ACLs (<https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>).
use std::net::Ipv4Addr;

use netpath_model::{IpProtocol, NetworkAcl, NetworkAclEntry, PortRange, RuleAction};
use proptest::prelude::*;

use super::*;
use crate::addr::AddrSet;

fn acl_entry(
    n: u16,
    egress: bool,
    action: RuleAction,
    cidr: &str,
    proto: IpProtocol,
    ports: Option<(u16, u16)>,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: n,
        egress,
        protocol: proto,
        rule_action: action,
        cidr_block: Some(cidr.parse().unwrap()),
        ipv6_cidr_block: None,
        port_range: ports.map(|(a, b)| PortRange::new(a, b)),
        icmp_type_code: None,
    }
}

#[test]
fn nacl_first_match_in_rule_number_order_and_icmp_never_matches_tcp() {
    let acl = NetworkAcl {
        network_acl_id: "acl-1".into(),
        vpc_id: "vpc-1".into(),
        is_default: false,
        entries: vec![
            acl_entry(
                200,
                false,
                RuleAction::Allow,
                "0.0.0.0/0",
                IpProtocol::All,
                None,
            ),
            acl_entry(
                50,
                false,
                RuleAction::Deny,
                "10.0.0.0/8",
                IpProtocol::Icmp,
                None,
            ),
            acl_entry(
                100,
                false,
                RuleAction::Deny,
                "10.0.1.0/24",
                IpProtocol::Tcp,
                Some((5432, 5432)),
            ),
        ],
        associated_subnet_ids: vec![],
        tags: Default::default(),
    };
    let peer = AddrSet::single(Ipv4Addr::new(10, 0, 1, 5));
    let out = evaluate(
        &acl,
        Direction::Ingress,
        &peer,
        IpProtocol::Tcp,
        PortRange::new(5432, 5432),
    );
    assert_eq!(out.first_deny_rule(), Some(100));
    let out = evaluate(
        &acl,
        Direction::Ingress,
        &peer,
        IpProtocol::Tcp,
        PortRange::new(22, 22),
    );
    assert_eq!(out.first_allow_rule(), Some(200));
    // No matching entry at all falls to the implicit `*` deny.
    let out = evaluate(
        &acl,
        Direction::Egress,
        &peer,
        IpProtocol::Tcp,
        PortRange::new(22, 22),
    );
    assert_eq!(out.first_deny_rule(), Some(DEFAULT_RULE_NUMBER));
}

#[test]
fn a_partial_match_splits_the_ports_at_the_entry_boundary() {
    let acl = NetworkAcl {
        network_acl_id: "acl-1".into(),
        vpc_id: "vpc-1".into(),
        is_default: false,
        entries: vec![
            acl_entry(
                100,
                false,
                RuleAction::Allow,
                "0.0.0.0/0",
                IpProtocol::Tcp,
                Some((1024, 49151)),
            ),
            acl_entry(
                200,
                false,
                RuleAction::Deny,
                "0.0.0.0/0",
                IpProtocol::All,
                None,
            ),
        ],
        associated_subnet_ids: vec![],
        tags: Default::default(),
    };
    let peer = AddrSet::single(Ipv4Addr::new(10, 0, 2, 20));
    let out = evaluate(
        &acl,
        Direction::Ingress,
        &peer,
        IpProtocol::Tcp,
        PortRange::new(32768, 60999),
    );
    assert_eq!(out.allowed.0, vec![PortRange::new(32768, 49151)]);
    assert_eq!(out.denied.0, vec![PortRange::new(49152, 60999)]);
    assert_eq!(out.first_deny_rule(), Some(200));
}

#[test]
fn a_free_rule_number_comes_before_the_blocking_rule() {
    let acl = NetworkAcl {
        network_acl_id: "acl-1".into(),
        vpc_id: "vpc-1".into(),
        is_default: false,
        entries: vec![
            acl_entry(
                90,
                false,
                RuleAction::Allow,
                "10.0.0.0/8",
                IpProtocol::Tcp,
                Some((22, 22)),
            ),
            acl_entry(
                100,
                false,
                RuleAction::Deny,
                "0.0.0.0/0",
                IpProtocol::All,
                None,
            ),
        ],
        associated_subnet_ids: vec![],
        tags: Default::default(),
    };
    let n = free_rule_number(&acl, Direction::Ingress, 100).unwrap();
    assert!(n < 100 && n != 90, "{n}");
}

proptest! {
    /// NACL evaluation does not depend on the order entries appear in the file.
    #[test]
    fn nacl_order_invariant(perm in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(), port in 1u16..65535, last in 0u8..=255) {
        let entries = [
            acl_entry(10, false, RuleAction::Deny, "10.0.1.0/28", IpProtocol::Tcp, Some((1000, 40000))),
            acl_entry(20, false, RuleAction::Allow, "10.0.1.0/24", IpProtocol::Tcp, Some((30000, 65535))),
            acl_entry(30, false, RuleAction::Deny, "10.0.0.0/16", IpProtocol::Udp, None),
            acl_entry(40, false, RuleAction::Allow, "10.0.0.0/8", IpProtocol::All, None),
            acl_entry(50, false, RuleAction::Deny, "0.0.0.0/0", IpProtocol::Icmp, None),
            acl_entry(32767, false, RuleAction::Deny, "0.0.0.0/0", IpProtocol::All, None),
        ];
        let mk = |order: &[usize]| NetworkAcl { network_acl_id: "acl".into(), vpc_id: "v".into(), is_default: false,
            entries: order.iter().map(|&i| entries[i].clone()).collect(), associated_subnet_ids: vec![], tags: Default::default() };
        let peer = AddrSet::single(Ipv4Addr::new(10, 0, 1, last));
        let a = evaluate(&mk(&[0, 1, 2, 3, 4, 5]), Direction::Ingress, &peer, IpProtocol::Tcp, PortRange::new(port, port));
        let b = evaluate(&mk(&perm), Direction::Ingress, &peer, IpProtocol::Tcp, PortRange::new(port, port));
        prop_assert_eq!(a.allowed, b.allowed);
        prop_assert_eq!(a.denied, b.denied);
    }
}
