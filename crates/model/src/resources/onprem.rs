//! On-premises networks the user names: not collected from AWS (no API
//! lists what lies behind a customer gateway), but declared with
//! `--onprem NAME=CIDR` or in an `onprem.json` file beside the snapshot
//! (`{"OnPremNetworks": [{"Name": "dc1", "Cidr": "192.168.0.0/16"}]}`).
//!
//! An address inside one is a client or server on premises: reached over
//! a VPN, Direct Connect or a transit gateway, never over the internet.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// One declared on-premises network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnPremNetwork {
    /// The name the user gave it (`dc1`), or the CIDR itself.
    pub name: String,
    /// Its address range.
    pub cidr: IpNet,
}

impl OnPremNetwork {
    /// Parses `NAME=CIDR` or a bare `CIDR` (named by itself), as
    /// `--onprem` takes it.
    ///
    /// Errors: a sentence naming the value when the CIDR does not parse.
    pub fn parse(value: &str) -> Result<OnPremNetwork, String> {
        let (name, cidr) = match value.split_once('=') {
            Some((n, c)) => (n.trim().to_string(), c.trim()),
            None => (value.trim().to_string(), value.trim()),
        };
        let cidr: IpNet = cidr.parse().map_err(|e| {
            format!("--onprem {value:?}: {cidr:?} is not a CIDR ({e}); write NAME=CIDR, e.g. dc1=192.168.0.0/16")
        })?;
        Ok(OnPremNetwork {
            name,
            cidr: cidr.trunc(),
        })
    }
}
