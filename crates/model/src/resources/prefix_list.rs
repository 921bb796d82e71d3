//! Prefix lists (`DescribePrefixLists`, `DescribeManagedPrefixLists`).

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// A prefix list with its CIDRs (`DescribePrefixLists`, or a managed prefix list
/// with `GetManagedPrefixListEntries`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixList {
    /// `pl-...`.
    pub prefix_list_id: String,
    /// Name.
    #[serde(default)]
    pub prefix_list_name: String,
    /// Its CIDRs, IPv4 or IPv6. `None` when the entries were not read
    /// (`DescribeManagedPrefixLists` without `GetManagedPrefixListEntries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidrs: Option<Vec<IpNet>>,
}
