//! What the parser tests share: the fixture files and small builders.
#![allow(dead_code)]

use ipnet::IpNet;
use netpath_model::host::{FirewallChain, Match, Ports, L4};

/// The text of `fixtures/host-facts/<path>`.
pub fn fixture(path: &str) -> String {
    let full = format!(
        "{}/../../fixtures/host-facts/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The chain called `name` (the first of that name).
pub fn chain<'a>(chains: &'a [FirewallChain], name: &str) -> &'a FirewallChain {
    chains
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no chain {name}"))
}

/// A CIDR.
pub fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// A port range.
pub fn ports(from: u16, to: u16) -> Ports {
    Ports { from, to }
}

/// A protocol match.
pub fn proto(p: L4) -> Match {
    Match::Protocol {
        negate: false,
        protocols: vec![p],
    }
}
