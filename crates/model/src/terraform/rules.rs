//! Rules as the provider writes them, turned into the snapshot's
//! security-group permissions and network ACL entries.
//!
//! Sources: the hashicorp/aws documentation of `aws_security_group`
//! (`ingress`/`egress` blocks), `aws_security_group_rule`,
//! `aws_vpc_security_group_ingress_rule`, `aws_network_acl` and
//! `aws_network_acl_rule`; and the EC2 API's `IpPermission`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>)
//! and `NetworkAclEntry`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkAclEntry.html>).

use ipnet::{Ipv4Net, Ipv6Net};
use serde_json::Value;

use super::ctx::{boolean, get, int, value_string};
use crate::resources::*;

/// Ports of a permission as the API states them: none for all protocols,
/// the ICMP type and code for ICMP, the range otherwise.
fn ports(proto: IpProtocol, from: Option<i64>, to: Option<i64>) -> (Option<i32>, Option<i32>) {
    match proto {
        IpProtocol::All => (None, None),
        _ => (from.map(|x| x as i32), to.map(|x| x as i32)),
    }
}

fn protocol(v: &Value, attr: &str) -> Result<IpProtocol, String> {
    let s = get(v, attr)
        .and_then(value_string)
        .ok_or_else(|| format!("has no `{attr}`"))?;
    IpProtocol::parse(&s).ok_or_else(|| format!("`{attr}` `{s}` is not a protocol"))
}

fn strings(v: &Value, attr: &str) -> Vec<String> {
    get(v, attr)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(value_string).collect())
        .unwrap_or_default()
}

fn v4(list: &[String]) -> Result<Vec<Ipv4Net>, String> {
    list.iter()
        .map(|s| {
            s.parse::<Ipv4Net>()
                .map(|n| n.trunc())
                .map_err(|_| format!("`{s}` is not an IPv4 CIDR"))
        })
        .collect()
}

fn v6(list: &[String]) -> Result<Vec<Ipv6Net>, String> {
    list.iter()
        .map(|s| {
            s.parse::<Ipv6Net>()
                .map(|n| n.trunc())
                .map_err(|_| format!("`{s}` is not an IPv6 CIDR"))
        })
        .collect()
}

fn pairs(ids: impl IntoIterator<Item = String>) -> Vec<UserIdGroupPair> {
    ids.into_iter()
        .map(|group_id| UserIdGroupPair {
            group_id,
            user_id: None,
            vpc_id: None,
            vpc_peering_connection_id: None,
            peering_status: None,
        })
        .collect()
}

/// An inline `ingress`/`egress` block of `aws_security_group` (or an
/// `aws_security_group_rule`, whose `source_security_group_id` is given as
/// `extra_group`): `cidr_blocks`, `ipv6_cidr_blocks`, `prefix_list_ids`,
/// `security_groups` and `self` (the group itself, `group_id`).
pub(crate) fn permission(
    v: &Value,
    group_id: &str,
    extra_group: Option<String>,
) -> Result<IpPermission, String> {
    let proto = protocol(v, "protocol")?;
    let (from_port, to_port) = ports(proto, int(v, "from_port"), int(v, "to_port"));
    let mut groups = strings(v, "security_groups");
    groups.extend(extra_group);
    if boolean(v, "self") == Some(true) {
        groups.push(group_id.to_string());
    }
    Ok(IpPermission {
        ip_protocol: proto,
        from_port,
        to_port,
        ip_ranges: v4(&strings(v, "cidr_blocks"))?,
        ipv6_ranges: v6(&strings(v, "ipv6_cidr_blocks"))?,
        prefix_list_ids: strings(v, "prefix_list_ids"),
        user_id_group_pairs: pairs(groups),
    })
}

/// An `aws_vpc_security_group_ingress_rule`/`_egress_rule`: one peer of
/// `cidr_ipv4`, `cidr_ipv6`, `prefix_list_id` or
/// `referenced_security_group_id` (resolved by the caller, `group`).
pub(crate) fn vpc_rule(v: &Value, group: Option<String>) -> Result<IpPermission, String> {
    let proto = protocol(v, "ip_protocol")?;
    let (from_port, to_port) = ports(proto, int(v, "from_port"), int(v, "to_port"));
    let s = |a: &str| {
        get(v, a)
            .and_then(value_string)
            .filter(|x| !x.is_empty())
            .into_iter()
            .collect::<Vec<_>>()
    };
    Ok(IpPermission {
        ip_protocol: proto,
        from_port,
        to_port,
        ip_ranges: v4(&s("cidr_ipv4"))?,
        ipv6_ranges: v6(&s("cidr_ipv6"))?,
        prefix_list_ids: s("prefix_list_id"),
        user_id_group_pairs: pairs(group),
    })
}

/// Adds a permission's peers to a group's list.
pub(crate) fn add(list: &mut Vec<IpPermission>, p: IpPermission) {
    if let Some(same) = list.iter_mut().find(|q| same_traffic(q, &p)) {
        for r in p.ip_ranges {
            if !same.ip_ranges.contains(&r) {
                same.ip_ranges.push(r);
            }
        }
        for r in p.ipv6_ranges {
            if !same.ipv6_ranges.contains(&r) {
                same.ipv6_ranges.push(r);
            }
        }
        for r in p.prefix_list_ids {
            if !same.prefix_list_ids.contains(&r) {
                same.prefix_list_ids.push(r);
            }
        }
        for r in p.user_id_group_pairs {
            if !same
                .user_id_group_pairs
                .iter()
                .any(|x| x.group_id == r.group_id)
            {
                same.user_id_group_pairs.push(r);
            }
        }
    } else {
        list.push(p);
    }
}

/// Removes a permission's peers from a group's list (as
/// `RevokeSecurityGroupIngress` does); returns false when one of them was
/// not there.
pub(crate) fn remove(list: &mut Vec<IpPermission>, p: &IpPermission) -> bool {
    let mut all = true;
    let same: Vec<&mut IpPermission> = list.iter_mut().filter(|q| same_traffic(q, p)).collect();
    if same.is_empty() {
        return false;
    }
    let mut same = same;
    // Each peer is removed wherever AWS lists it (one permission or several
    // with the same traffic).
    for r in &p.ip_ranges {
        all &= same.iter().any(|q| q.ip_ranges.contains(r));
        same.iter_mut().for_each(|q| q.ip_ranges.retain(|x| x != r));
    }
    for r in &p.ipv6_ranges {
        all &= same.iter().any(|q| q.ipv6_ranges.contains(r));
        same.iter_mut()
            .for_each(|q| q.ipv6_ranges.retain(|x| x != r));
    }
    for r in &p.prefix_list_ids {
        all &= same.iter().any(|q| q.prefix_list_ids.contains(r));
        same.iter_mut()
            .for_each(|q| q.prefix_list_ids.retain(|x| x != r));
    }
    for r in &p.user_id_group_pairs {
        all &= same.iter().any(|q| {
            q.user_id_group_pairs
                .iter()
                .any(|x| x.group_id == r.group_id)
        });
        same.iter_mut()
            .for_each(|q| q.user_id_group_pairs.retain(|x| x.group_id != r.group_id));
    }
    list.retain(|q| {
        !(q.ip_ranges.is_empty()
            && q.ipv6_ranges.is_empty()
            && q.prefix_list_ids.is_empty()
            && q.user_id_group_pairs.is_empty())
    });
    all
}

fn same_traffic(a: &IpPermission, b: &IpPermission) -> bool {
    a.ip_protocol == b.ip_protocol && a.from_port == b.from_port && a.to_port == b.to_port
}

/// A list of inline blocks as permissions.
pub(crate) fn permissions(
    list: Option<&Value>,
    group_id: &str,
) -> Result<Vec<IpPermission>, String> {
    let mut out = Vec::new();
    for b in list.and_then(Value::as_array).into_iter().flatten() {
        add(&mut out, permission(b, group_id, None)?);
    }
    Ok(out)
}

/// True when two permission lists allow the same peers on the same traffic,
/// however they are grouped.
pub(crate) fn same_permissions(a: &[IpPermission], b: &[IpPermission]) -> bool {
    fn flat(l: &[IpPermission]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in l {
            let k = format!("{:?}/{:?}/{:?}", p.ip_protocol, p.from_port, p.to_port);
            out.extend(p.ip_ranges.iter().map(|r| format!("{k} {r}")));
            out.extend(p.ipv6_ranges.iter().map(|r| format!("{k} {r}")));
            out.extend(p.prefix_list_ids.iter().map(|r| format!("{k} {r}")));
            out.extend(
                p.user_id_group_pairs
                    .iter()
                    .map(|r| format!("{k} {}", r.group_id)),
            );
        }
        out.sort();
        out.dedup();
        out
    }
    flat(a) == flat(b)
}

/// A NACL entry from an inline block of `aws_network_acl` (`rule_no`,
/// `action`) or an `aws_network_acl_rule` (`rule_number`, `rule_action`,
/// `egress`). `egress` gives the direction for inline blocks.
pub(crate) fn acl_entry(v: &Value, egress: Option<bool>) -> Result<NetworkAclEntry, String> {
    let number = int(v, "rule_no")
        .or_else(|| int(v, "rule_number"))
        .ok_or("has no rule number")?;
    let rule_number = u16::try_from(number)
        .ok()
        .filter(|n| (1..=32766).contains(n))
        .ok_or_else(|| format!("rule number {number} is outside 1-32766"))?;
    let action = get(v, "action")
        .or_else(|| get(v, "rule_action"))
        .and_then(Value::as_str)
        .ok_or("has no action")?;
    let rule_action = match action.to_ascii_lowercase().as_str() {
        "allow" => RuleAction::Allow,
        "deny" => RuleAction::Deny,
        other => return Err(format!("action `{other}` is neither allow nor deny")),
    };
    let proto = protocol(v, "protocol")?;
    let egress = egress.or_else(|| boolean(v, "egress")).unwrap_or(false);
    let cidr_block = get(v, "cidr_block")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| v4(&[s.to_string()]).map(|mut x| x.remove(0)))
        .transpose()?;
    let ipv6_cidr_block = get(v, "ipv6_cidr_block")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| v6(&[s.to_string()]).map(|mut x| x.remove(0)))
        .transpose()?;
    let port_range = match proto {
        IpProtocol::Tcp | IpProtocol::Udp => {
            let f = int(v, "from_port").unwrap_or(0);
            let t = int(v, "to_port").unwrap_or(65535);
            let p = |x: i64| u16::try_from(x).map_err(|_| format!("port {x} is outside 0-65535"));
            Some(PortRange::new(p(f)?, p(t)?))
        }
        _ => None,
    };
    let icmp_type_code = match proto {
        IpProtocol::Icmp | IpProtocol::Icmpv6 => Some(IcmpTypeCode {
            icmp_type: int(v, "icmp_type").unwrap_or(-1) as i32,
            code: int(v, "icmp_code").unwrap_or(-1) as i32,
        }),
        _ => None,
    };
    Ok(NetworkAclEntry {
        rule_number,
        egress,
        protocol: proto,
        rule_action,
        cidr_block,
        ipv6_cidr_block,
        port_range,
        icmp_type_code,
    })
}

/// The entries of an `aws_network_acl`'s inline `ingress` and `egress`.
pub(crate) fn acl_entries(after: &Value) -> Result<Vec<NetworkAclEntry>, String> {
    let mut out = Vec::new();
    for (attr, egress) in [("ingress", false), ("egress", true)] {
        for b in get(after, attr)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push(acl_entry(b, Some(egress))?);
        }
    }
    Ok(out)
}
