//! [`perturb`]: random rule edits to a snapshot, for diff benchmarks.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use netpath_model::{IpProtocol, RuleAction, Snapshot, DEFAULT_RULE_NUMBER};

use crate::generate::PORTS;

/// Applies `edits` rule edits to a copy of `snapshot`, chosen by `seed`:
/// an ingress rule removed from a security group, an ingress rule added
/// (a port from a CIDR or another group of the VPC), or a network ACL entry's
/// action flipped. Returns the new snapshot and one line per edit.
pub fn perturb(snapshot: &Snapshot, edits: usize, seed: u64) -> (Snapshot, Vec<String>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut s = snapshot.clone();
    let mut log = Vec::new();
    for _ in 0..edits {
        match rng.gen_range(0..3) {
            0 => {
                let Some(groups) = s.security_groups.as_mut() else {
                    continue;
                };
                let candidates: Vec<usize> = (0..groups.len())
                    .filter(|i| !groups[*i].ip_permissions.is_empty())
                    .collect();
                let Some(&g) = candidates.choose(&mut rng) else {
                    continue;
                };
                let sg = &mut groups[g];
                let k = rng.gen_range(0..sg.ip_permissions.len());
                sg.ip_permissions.remove(k);
                log.push(format!("removed ingress rule {k} of {}", sg.group_id));
            }
            1 => {
                let Some(groups) = s.security_groups.as_mut() else {
                    continue;
                };
                if groups.is_empty() {
                    continue;
                }
                let g = rng.gen_range(0..groups.len());
                let vpc = groups[g].vpc_id.clone();
                let peers: Vec<String> = groups
                    .iter()
                    .filter(|x| x.vpc_id == vpc)
                    .map(|x| x.group_id.clone())
                    .collect();
                let (a, b) = PORTS[rng.gen_range(0..PORTS.len())];
                let mut p = netpath_model::IpPermission {
                    ip_protocol: IpProtocol::Tcp,
                    from_port: Some(i32::from(a)),
                    to_port: Some(i32::from(b)),
                    ip_ranges: Vec::new(),
                    ipv6_ranges: Vec::new(),
                    prefix_list_ids: Vec::new(),
                    user_id_group_pairs: Vec::new(),
                };
                if rng.gen_bool(0.5) {
                    p.ip_ranges.push("0.0.0.0/0".parse().expect("valid CIDR"));
                } else if let Some(src) = peers.choose(&mut rng) {
                    p.user_id_group_pairs.push(netpath_model::UserIdGroupPair {
                        group_id: src.clone(),
                        user_id: None,
                        vpc_id: None,
                        vpc_peering_connection_id: None,
                        peering_status: None,
                    });
                }
                log.push(format!(
                    "added ingress tcp {a}-{b} to {}",
                    groups[g].group_id
                ));
                groups[g].ip_permissions.push(p);
            }
            _ => {
                let Some(acls) = s.network_acls.as_mut() else {
                    continue;
                };
                let candidates: Vec<usize> =
                    (0..acls.len()).filter(|i| !acls[*i].is_default).collect();
                let Some(&a) = candidates.choose(&mut rng) else {
                    continue;
                };
                let acl = &mut acls[a];
                let k = rng.gen_range(0..acl.entries.len());
                let e = &mut acl.entries[k];
                if e.rule_number == DEFAULT_RULE_NUMBER {
                    continue;
                }
                e.rule_action = match e.rule_action {
                    RuleAction::Allow => RuleAction::Deny,
                    RuleAction::Deny => RuleAction::Allow,
                };
                log.push(format!(
                    "flipped {} rule {} to {}",
                    acl.network_acl_id, e.rule_number, e.rule_action
                ));
            }
        }
    }
    (s, log)
}
