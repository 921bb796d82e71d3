//! The last step of an import: what was gathered file by file merged into
//! one snapshot, which account it was read in, validation, and the
//! dangling-reference warnings.

use std::collections::HashSet;
use std::path::Path;

use super::accumulate::{push_all, Accumulator, Imported, KNOWN_KEYS};
use crate::error::ModelError;
use crate::resources::PrefixList;

impl Accumulator {
    /// Merges what was gathered into the snapshot, validates it and adds the
    /// dangling-reference warnings. `root` names the input in messages.
    pub(super) fn finish(mut self, root: &Path) -> Result<Imported, ModelError> {
        if self.recognised == 0 {
            return Err(ModelError::Format {
                path: root.to_path_buf(),
                message: format!(
                    "no aws describe-* output found: expected .json files whose top-level key is one of {}",
                    KNOWN_KEYS.join(", ")
                ),
            });
        }
        // Without DescribeNetworkInterfaces, the interfaces embedded in
        // DescribeInstances are only the instances' own: every other ENI
        // (load balancers, endpoints, DBs, detached ones) is unknown.
        if self.snap.network_interfaces.is_none() && !self.embedded_enis.is_empty() {
            self.snap.metadata.gaps.push(crate::snapshot::Gap {
                account_id: None,
                operation: "ec2:DescribeNetworkInterfaces".into(),
                region: None,
                error: "incomplete: no DescribeNetworkInterfaces output; only the instances' own interfaces (from DescribeInstances) are known".into(),
                resource: None,
            });
        }
        // Interfaces known only from DescribeInstances fill the gaps of DescribeNetworkInterfaces.
        if !self.embedded_enis.is_empty() {
            let known: HashSet<&str> = self
                .snap
                .network_interfaces
                .iter()
                .flatten()
                .map(|e| e.network_interface_id.as_str())
                .collect();
            let extra: Vec<_> = std::mem::take(&mut self.embedded_enis)
                .into_iter()
                .filter(|e| !known.contains(e.network_interface_id.as_str()))
                .collect();
            push_all(&mut self.snap.network_interfaces, extra);
        }
        // Instances list every ENI attached to them, including ones only DescribeNetworkInterfaces shows.
        if let Some(instances) = &mut self.snap.instances {
            for eni in self.snap.network_interfaces.iter().flatten() {
                let Some(iid) = eni.attachment.as_ref().and_then(|a| a.instance_id.as_ref()) else {
                    continue;
                };
                if let Some(inst) = instances.iter_mut().find(|i| i.instance_id == iid) {
                    if !inst
                        .network_interface_ids
                        .contains(&eni.network_interface_id)
                    {
                        inst.network_interface_ids
                            .push(eni.network_interface_id.clone());
                    }
                }
            }
        }
        self.dedupe(root);
        // Prefix-list entries fill in the lists DescribeManagedPrefixLists
        // named without their CIDRs, or stand for lists it did not name.
        for (id, cidrs) in std::mem::take(&mut self.prefix_list_entries) {
            let lists = self.snap.prefix_lists.get_or_insert_with(Vec::new);
            match lists.iter_mut().find(|p| p.prefix_list_id == id) {
                Some(p) => p.cidrs.get_or_insert_with(Vec::new).extend(cidrs),
                None => lists.push(PrefixList {
                    prefix_list_id: id,
                    prefix_list_name: String::new(),
                    cidrs: Some(cidrs),
                }),
            }
        }
        self.snap.metadata.source = "aws-cli-json".to_string();
        self.snap.metadata.regions = self.regions.into_iter().collect();
        // A folder read in one account also lists what others share with
        // it (a shared VPC and its subnets, a shared transit gateway), under
        // their owners' ids: the account it was read in is the one owning
        // what is never shared.
        self.snap.metadata.account_ids = if self.own_accounts.len() == 1 {
            self.own_accounts.into_iter().collect()
        } else {
            self.accounts.into_iter().collect()
        };
        self.snap.metadata.tool_version = Some(env!("CARGO_PKG_VERSION").to_string());
        self.snap.validate(root)?;
        self.snap.sort();
        self.warnings.extend(self.snap.dangling_references());
        Ok(Imported {
            snapshot: self.snap,
            warnings: self.warnings,
        })
    }
}
