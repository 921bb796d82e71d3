//! Per-concept semantics on real inputs: a fixture snapshot, edited in memory
//! to isolate one AWS rule at a time. One file per concept, as the engine has
//! one module per concept; the evaluators' own unit tests live beside them
//! (`src/network_acl/`, `src/route_table.rs`, `src/security_group.rs`).

use std::net::Ipv4Addr;
use std::path::Path;

use netpath_engine::*;
use netpath_model::*;

mod db_instance;
mod ephemeral;
mod gaps;
mod host;
mod internet_gateway;
mod ipv6;
mod network_acl;
mod resolve;
mod route_table;
mod security_group;
mod state;
mod verdict;
mod vpc_peering_connection;

fn load(name: &str) -> Snapshot {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
        .join("aws");
    netpath_model::load(&p).unwrap().snapshot
}

fn ask(s: &Snapshot, from: &str, to: &str, port: Option<u16>) -> Explanation {
    ask_with(
        s,
        from,
        to,
        ExplainOptions {
            port,
            ..Default::default()
        },
    )
}

fn ask_with(s: &Snapshot, from: &str, to: &str, opts: ExplainOptions) -> Explanation {
    explain(&Topology::new(s), from, to, &opts).unwrap()
}
