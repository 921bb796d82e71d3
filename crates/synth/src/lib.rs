//! # netpath-synth
//!
//! Synthetic snapshots for benchmarks and equivalence tests.
//!
//! [`generate`] builds a realistic account of a requested size: several
//! VPCs, some peered (and one peering deleted, its routes left as
//! blackholes); per VPC, *roles* (an auto-scaling group, a service) whose
//! ENIs share a security group and a few subnets, with groups referencing
//! each other and CIDRs; custom network ACLs with tens of entries listed out
//! of rule-number order; main and explicit route tables with internet
//! gateway and peering routes; RDS DB instances with their ENIs; a skewed
//! (Zipf-like) number of ENIs per role and per subnet, and some public IPs.
//!
//! The same [`SynthParams`] give the same snapshot, byte for byte once
//! written with [`netpath_model::Snapshot::to_json`]: randomness comes from ChaCha8 seeded
//! with `seed`, and nothing iterates a hash map.
//!
//! [`dual_stack`] adds IPv6 to such an account (addresses, rules, entries,
//! routes, an egress-only internet gateway), for the IPv6 equivalence tests.
//!
//! [`organization`] builds a whole AWS Organization of such accounts, merged,
//! with cross-account peerings and group references and shared VPCs.
//!
//! [`perturb`] applies a given number of rule edits, for diff benchmarks.
//! [`connections`] draws TCP connections between a snapshot's ENIs, whose
//! [`SynthConnection::record`]s are VPC Flow Logs records, for the
//! `flowlogs` benchmark and its agreement test.
#![warn(missing_docs)]

mod dual_stack;
mod flow_logs;
mod generate;
mod hub;
mod organization;
mod perturb;
mod plan;

pub use dual_stack::{cidr_twin, dual_stack};
pub use flow_logs::{connections, RecordPoint, SynthConnection};
pub use generate::{generate, generate_account, SynthParams};
pub use hub::{transit_gateway_hub, HUB_RTB, HUB_TGW};
pub use organization::{account_id, organization};
pub use perturb::perturb;
pub use plan::random_plan;
