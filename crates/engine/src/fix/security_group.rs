//! The fix of a security-group block: admit the peer's own group (same
//! VPC, or a same-region active peering) or its `/32`, never `0.0.0.0/0`
//! (<https://docs.aws.amazon.com/cli/latest/reference/ec2/authorize-security-group-ingress.html>).
//! A group reference matches the private IPs of every ENI carrying the group
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>),
//! so the `/32` is kept as the narrower choice.

use netpath_model::IpProtocol;

use super::{Change, FixContext};
use crate::answer::{Direction, FixEdit, Hop};
use crate::resolve::Placement;
use crate::walk::peer_cidr;

/// Whom a security-group fix admits.
enum FixPeer {
    /// A CIDR, e.g. `10.0.1.10/32`.
    Cidr(String),
    /// A group reference.
    Group(String),
    /// An AWS-managed prefix list (`pl-…`): an AWS service's addresses.
    PrefixList(String),
}

impl FixContext<'_, '_> {
    /// The fix of a security-group block in `dir`, and, when it admits the
    /// peer's group, the same rule for the peer's own address (`/32`), which
    /// `verify` offers instead when the group would open more.
    pub(super) fn sg_fix(&self, h: &Hop, dir: Direction) -> (Change, Option<Change>) {
        let (own, peer) = match dir {
            Direction::Ingress => (self.dp, self.sp),
            Direction::Egress => (self.sp, self.dp),
        };
        let Some(own) = own else {
            return (
                (
                    "change the security groups of the interface".into(),
                    None,
                    None,
                ),
                None,
            );
        };
        let port = self.flow.port;
        let proto = self.flow.protocol;
        // The group to change: one that already opens this port (drift), else the first.
        let group = own
            .groups
            .iter()
            .find(|g| {
                self.topo.security_group(g).is_some_and(|sg| {
                    let perms = sg.permissions(dir);
                    perms.iter().any(|p| {
                        p.ip_protocol == proto
                            && p.from_port.unwrap_or(0) <= i32::from(port)
                            && i32::from(port) <= p.to_port.unwrap_or(65535)
                    })
                })
            })
            .or(own.groups.first())
            .cloned()
            .unwrap_or_else(|| h.component.clone());
        let same_realm = |p: &Placement| {
            p.vpc_id == own.vpc_id
                || self
                    .topo
                    .peerings_between(&p.vpc_id, &own.vpc_id)
                    .iter()
                    .any(|x| {
                        x.is_active() && x.requester_vpc_info.region == x.accepter_vpc_info.region
                    })
        };
        // Whom the rule admits: the peer's group, else its CIDR; `None`
        // when only a placeholder can be shown (clients across the internet).
        let peer_spec = match peer {
            Some(p)
                if !p.groups.is_empty()
                    && same_realm(p)
                    && !(dir == Direction::Egress && self.dst.via_public_ip) =>
            {
                Some(FixPeer::Group(p.groups[0].clone()))
            }
            Some(p) => Some(FixPeer::Cidr(peer_cidr(&p.addr))),
            // An AWS service (S3 through its gateway endpoint): its
            // prefix list, which AWS keeps current
            // (<https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html>).
            None => match (
                dir,
                self.dst
                    .address
                    .as_ref()
                    .and_then(|a| self.aws_prefix_list_of(a)),
            ) {
                (Direction::Egress, Some(pl)) => {
                    Some(FixPeer::PrefixList(pl.prefix_list_id.clone()))
                }
                _ => match dir {
                    Direction::Ingress => self.src.address.as_ref(),
                    Direction::Egress => self.dst.address.as_ref(),
                }
                .filter(|a| !a.is_internet())
                .map(|a| FixPeer::Cidr(peer_cidr(a))),
            },
        };
        let narrower = match (&peer_spec, peer) {
            (Some(FixPeer::Group(_)), Some(p)) if p.addr.as_single().is_some() => {
                Some(self.sg_change(&group, dir, Some(FixPeer::Cidr(peer_cidr(&p.addr)))))
            }
            _ => None,
        };
        (self.sg_change(&group, dir, peer_spec), narrower)
    }

    /// The rule admitting `peer` (`None`: the clients' CIDR only the user
    /// knows) on the flow's port in `group`: its sentence, command and edit.
    fn sg_change(&self, group: &str, dir: Direction, peer_spec: Option<FixPeer>) -> Change {
        let port = self.flow.port;
        let proto = self.flow.protocol;
        let verb = match dir {
            Direction::Ingress => "authorize-security-group-ingress",
            Direction::Egress => "authorize-security-group-egress",
        };
        let word = match dir {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        };
        let (peer_text, peer_cli) = match &peer_spec {
            Some(FixPeer::Group(g)) => (
                format!("group {g}"),
                format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
            ),
            Some(FixPeer::PrefixList(pl)) => (
                format!("prefix list {pl}"),
                format!("PrefixListIds=[{{PrefixListId={pl}}}]"),
            ),
            Some(FixPeer::Cidr(c)) if c.contains(':') => {
                (c.clone(), format!("Ipv6Ranges=[{{CidrIpv6={c}}}]"))
            }
            Some(FixPeer::Cidr(c)) => (c.clone(), format!("IpRanges=[{{CidrIp={c}}}]")),
            None if self.ipv6() => (
                "the clients' IPv6 CIDR (replace <CLIENT_CIDR>; ::/0 would open it to everyone)"
                    .into(),
                "Ipv6Ranges=[{CidrIpv6=<CLIENT_CIDR>}]".into(),
            ),
            None => (
                "the clients' CIDR (replace <CLIENT_CIDR>; 0.0.0.0/0 would open it to everyone)"
                    .into(),
                "IpRanges=[{CidrIp=<CLIENT_CIDR>}]".into(),
            ),
        };
        // For ICMP, FromPort is the type and ToPort the code
        // (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>).
        let (from, to) = match proto {
            IpProtocol::Icmp | IpProtocol::Icmpv6 => {
                let m = netpath_model::IcmpMessage::from_key(port);
                (i32::from(m.icmp_type), i32::from(m.code))
            }
            _ => (i32::from(port), i32::from(port)),
        };
        let what =
            netpath_model::describe_traffic(proto, netpath_model::PortRange::new(port, port));
        // The same permission as data (a CIDR, or a group reference).
        let edit = peer_spec.and_then(|peer| {
            let mut prefix_list_ids = Vec::new();
            let (ip_ranges, ipv6_ranges, user_id_group_pairs) = match peer {
                FixPeer::Cidr(cidr) => match cidr.parse().ok()? {
                    ipnet::IpNet::V4(n) => (vec![n], Vec::new(), Vec::new()),
                    ipnet::IpNet::V6(n) => (Vec::new(), vec![n], Vec::new()),
                },
                FixPeer::PrefixList(pl) => {
                    prefix_list_ids.push(pl);
                    (Vec::new(), Vec::new(), Vec::new())
                }
                FixPeer::Group(g) => (
                    Vec::new(),
                    Vec::new(),
                    vec![netpath_model::UserIdGroupPair {
                        group_id: g,
                        user_id: None,
                        vpc_id: None,
                        vpc_peering_connection_id: None,
                        peering_status: None,
                    }],
                ),
            };
            Some(FixEdit::SecurityGroupRule {
                group_id: group.to_string(),
                direction: dir,
                permission: netpath_model::IpPermission {
                    ip_protocol: proto,
                    from_port: Some(from),
                    to_port: Some(to),
                    ip_ranges,
                    ipv6_ranges,
                    prefix_list_ids,
                    user_id_group_pairs,
                },
            })
        });
        (
            format!("allow {what} {word} {peer_text} in {group}"),
            Some(format!(
                "aws ec2 {verb} --group-id {group} --ip-permissions 'IpProtocol={proto},FromPort={from},ToPort={to},{peer_cli}'"
            )),
            edit,
        )
    }
}
