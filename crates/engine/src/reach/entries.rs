//! Answers grouped into the entries `reach` lists, with their labels.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::addr::IpVersion;
use crate::answer::Verdict;
use crate::classes::is_rds;
use crate::topology::Topology;
use netpath_model::CompactString;

use super::classes::{Class, Member};
use super::{EntryKind, PortAccess, ReachEntry, ReachSummary};

pub(super) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A group or subnet shown with its name: `sg-0abc (app)`.
pub(super) fn named(id: &str, name: Option<&str>) -> String {
    match name.filter(|n| !n.is_empty() && *n != id) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

pub(super) fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{} and {} more",
            items[..max].join(", "),
            thousands(items.len() - max)
        )
    }
}

/// One class's answer: kind, class, every port range's answer, the members
/// it stands for.
pub(super) type Answered<'c, 'a> = (EntryKind, &'c Class<'a>, Vec<PortAccess>, Vec<Member<'a>>);

/// Merges class answers (flows of family `v`) with the same kind, groups
/// and access into entries.
pub(super) fn entries(
    topo: &Topology,
    answered: Vec<Answered>,
    summary: &mut ReachSummary,
    v: IpVersion,
) -> Vec<ReachEntry> {
    // ENIs per exact group set (with an address of the family), to say "all".
    let mut per_groups: HashMap<Vec<&str>, usize> = HashMap::new();
    for eni in topo.snapshot.network_interfaces.iter().flatten() {
        if !is_rds(eni) && v.eni_address(eni).is_some() {
            let mut g: Vec<&str> = eni.groups.iter().map(CompactString::as_str).collect();
            g.sort_unstable();
            *per_groups.entry(g).or_default() += 1;
        }
    }
    /// (kind, groups, access), members, subnets, VPCs.
    type Merged = (
        (EntryKind, Vec<String>, Vec<PortAccess>),
        Vec<String>,
        BTreeSet<String>,
        BTreeSet<String>,
    );
    let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
    for (kind, class, all_access, members) in answered {
        let best = all_access
            .iter()
            .map(|a| match a.verdict {
                Verdict::Reachable => 3,
                Verdict::Partial => 2,
                Verdict::Unknown => 1,
                Verdict::Blocked => 0,
            })
            .max()
            .unwrap_or(0);
        let n = members.len();
        summary.considered += n;
        match best {
            3 => summary.reachable += n,
            2 => summary.partial += n,
            1 => summary.unknown += n,
            _ => summary.blocked += n,
        }
        let access: Vec<PortAccess> = all_access
            .into_iter()
            .filter(|a| a.verdict != Verdict::Blocked)
            .collect();
        if access.is_empty() {
            continue;
        }
        let groups: Vec<String> = class.end.groups[0].iter().map(|g| g.to_string()).collect();
        let members: Vec<String> = members.iter().map(Member::name).collect();
        // DB instances are listed one by one; ENIs merge across subnets.
        let merge_key = match kind {
            EntryKind::DbInstances | EntryKind::Cidr | EntryKind::Internet => {
                format!("{kind:?}|{}", members.join(","))
            }
            // Classes answered alike (verdict, ports, blocked ports, missing
            // data) merge; the rules on the way are united.
            EntryKind::NetworkInterfaces => format!(
                "{kind:?}|{}|{}",
                groups.join(","),
                access
                    .iter()
                    .map(|a| format!(
                        "{}/{}/{:?}/{:?}/{:?}/{:?}",
                        a.protocol,
                        a.ports,
                        a.verdict,
                        a.blocked_ports,
                        a.missing,
                        a.internet_gateway
                    ))
                    .collect::<Vec<_>>()
                    .join(";")
            ),
        };
        let e = match merged.entry(merge_key) {
            std::collections::btree_map::Entry::Vacant(v) => v.insert((
                (kind, groups, access),
                Vec::new(),
                BTreeSet::new(),
                BTreeSet::new(),
            )),
            std::collections::btree_map::Entry::Occupied(o) => {
                let e = o.into_mut();
                for (mine, theirs) in e.0 .2.iter_mut().zip(access) {
                    for v in theirs.via {
                        if !mine.via.contains(&v) {
                            mine.via.push(v);
                        }
                    }
                }
                e
            }
        };
        e.1.extend(members);
        e.2.extend(class.end.subnets[0].iter().map(|s| s.to_string()));
        e.3.extend(class.end.vpc[0].iter().map(|s| s.to_string()));
    }
    let mut out: Vec<ReachEntry> = merged
        .into_values()
        .map(|((kind, groups, access), mut members, subnets, vpcs)| {
            members.sort();
            let n = members.len();
            let gnames: Vec<String> = groups
                .iter()
                .map(|g| named(g, topo.security_group(g).map(|s| s.group_name.as_str())))
                .collect();
            let snames: Vec<String> = subnets
                .iter()
                .map(|s| named(s, topo.subnet(s).and_then(|x| x.tags.get("Name"))))
                .collect();
            let over = if v.is_v6() { " over IPv6" } else { "" };
            let summary = match kind {
                EntryKind::NetworkInterfaces => {
                    let gkey: Vec<&str> = groups.iter().map(String::as_str).collect();
                    let total = per_groups.get(&gkey).copied().unwrap_or(0);
                    let all = if total == n && n > 1 { "all " } else { "" };
                    let what = if gnames.is_empty() {
                        "with no security group".to_string()
                    } else {
                        format!("of {}", list(&gnames, 4))
                    };
                    format!(
                        "{all}{} ENI{} {what} in subnet{} {}{over}",
                        thousands(n),
                        if n == 1 { "" } else { "s" },
                        if snames.len() == 1 { "" } else { "s" },
                        list(&snames, 4)
                    )
                }
                EntryKind::DbInstances => format!("DB instance {}{over}", members.join(", ")),
                EntryKind::Internet if v.is_v6() => {
                    "the IPv6 internet (every global unicast address, 2000::/3)".to_string()
                }
                EntryKind::Internet => "the internet (every public address)".to_string(),
                EntryKind::Cidr => {
                    // Inside a declared on-premises network: say which.
                    let onprem: Vec<String> = members
                        .iter()
                        .filter_map(|m| m.parse::<ipnet::IpNet>().ok())
                        .filter_map(|c| {
                            topo.snapshot
                                .onprem_networks
                                .iter()
                                .flatten()
                                .find(|n| n.cidr.contains(&c))
                                .map(|n| n.name.clone())
                        })
                        .collect();
                    if !onprem.is_empty() && onprem.len() == members.len() {
                        let mut names = onprem;
                        names.dedup();
                        format!(
                            "addresses {} (on premises: {})",
                            members.join(", "),
                            names.join(", ")
                        )
                    } else {
                        format!("addresses {} (outside the snapshot)", members.join(", "))
                    }
                }
            };
            ReachEntry {
                kind,
                ip_version: v,
                summary,
                count: n,
                members,
                vpcs: vpcs.into_iter().collect(),
                subnets: subnets.into_iter().collect(),
                security_groups: groups,
                access,
                through: None,
            }
        })
        .collect();
    let rank = |e: &ReachEntry| {
        e.access
            .iter()
            .map(|a| match a.verdict {
                Verdict::Reachable => 0,
                Verdict::Partial => 1,
                _ => 2,
            })
            .min()
            .unwrap_or(3)
    };
    out.sort_by(|a, b| {
        (rank(a), a.kind, std::cmp::Reverse(a.count), &a.members).cmp(&(
            rank(b),
            b.kind,
            std::cmp::Reverse(b.count),
            &b.members,
        ))
    });
    out
}
