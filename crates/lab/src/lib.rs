//! # netpath-lab
//!
//! Ground truth for netpath's verdicts: [`Lab::build`] rebuilds a snapshot
//! inside Linux network namespaces, with netfilter and policy routing doing
//! what security groups, network ACLs, route tables and peering do in AWS
//! (see [`build`] for the mapping), and [`check_flow`] lets a real TCP
//! handshake decide each flow, then compares it with `netpath explain`'s
//! verdict and symptom. [`random`] generates topologies to run it over.
//!
//! It needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), `ip` (iproute2) and
//! `nft` (nftables); [`netns::unavailable`] says why it cannot run. It only
//! creates links inside its own namespaces, never touches the host's
//! interfaces, and removes every namespace it made on drop, on panic and on
//! Ctrl-C. This crate is a test harness: the `netpath` binary does not
//! depend on it.
#![warn(missing_docs)]

pub mod build;
pub mod check;
pub mod flow_log;
pub mod netns;
pub mod probe;
pub mod random;
pub mod relay;

pub use build::Lab;
pub use check::{check_flow, check_flows, Ask, FlowCheck, Probe};
pub use flow_log::{Dropper, LabRecord};
pub use probe::Outcome;
