//! # netpath-host
//!
//! Host facts: what an instance's own operating system says about the last
//! hop of a path, collected on the instance by `netpath host-facts` with no
//! AWS credentials. The result is a [`netpath_model::host::HostFacts`]
//! (format: `docs/host-facts.md`) that `netpath explain --host-facts` walks
//! after the destination's ENI: the host firewall's input hook, the
//! listener, and the firewall's output hook for the reply.
//!
//! - [`collect`] reads the live host (Linux only): listening sockets from
//!   `/proc/thread-self/net/{tcp,tcp6,udp,udp6}` (so a thread that entered
//!   another network namespace sees that namespace's sockets), process
//!   names from `/proc/<pid>/fd`, interface addresses, the firewall from
//!   `nft -j list ruleset` or else `iptables-save` / `ip6tables-save`, and
//!   the instance id from IMDSv2.
//! - [`parse_nft_json`], [`parse_iptables_save`] and [`parse_proc_net`] are
//!   the pure parsers behind it, usable on saved text.
//!
//! Everything here is read-only.
#![warn(missing_docs)]

mod collect;
mod error;
mod imds;
mod iptables;
mod listeners;
mod names;
mod nft_expr;
mod nft_statement;
mod nftables;

pub use collect::{collect, CollectOptions};
pub use error::{ImdsError, ParseError};
pub use imds::{instance_id_from_imds, DEFAULT_IMDS_ENDPOINT};
pub use iptables::parse_iptables_save;
pub use listeners::parse_proc_net;
pub use nftables::parse_nft_json;
