//! # netpath-model
//!
//! The data model of netpath: the AWS network resources of one account
//! ([`Snapshot`]), the netpath snapshot file format (`docs/snapshot-format.md`),
//! and the import of AWS CLI `describe-*` JSON output ([`import::load`]).
//!
//! Data flows one way: collect/import → model → engine → cli. This crate knows
//! nothing about evaluation; it only reads, validates and writes data.
#![warn(missing_docs)]

pub mod error;
pub mod flow_log;
pub mod host;
pub mod import;
mod metadata;
pub mod partition;
mod raw;
pub mod resources;
mod shared;
pub mod snapshot;
mod snapshot_file;
mod snapshot_read;
pub mod terraform;

pub use error::{ModelError, Warning};
pub use import::{load, Imported};
pub use partition::{merge, Merged};
pub use resources::*;
pub use shared::{Collection, Shared};
pub use snapshot::{Gap, Metadata, Partition, Snapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};

/// The string type of the fields a snapshot holds once per network
/// interface or instance (ids, descriptions, tags, a partition's resource
/// ids): a [`compact_str::CompactString`], 24 bytes like `String`, that keeps
/// up to 24 bytes inline. Every AWS id (`eni-` + 17 hex digits is 21 bytes,
/// `subnet-` + 17 is 24) then needs no allocation of its own, which is most
/// of a million-ENI snapshot's memory (`docs/performance.md`). It
/// dereferences to `&str`, compares with `str` and `String`, and
/// serializes as a JSON string.
pub use compact_str::CompactString;
