//! `netpath check`: written network intent, checked against a snapshot.
//!
//! A policy is a TOML document (format: `docs/policy.md`) of three kinds of
//! intent:
//! - `[[reach]]`: every selected source must reach every selected
//!   destination on `port`/`protocol` (verdict `reachable`);
//! - `[[isolate]]`: no selected source may reach any selected destination on
//!   any of `ports` (default: every port the destination's security groups
//!   open, and a DB's endpoint port);
//! - `[[no-internet-exposure]]`: nothing on the internet may reach the
//!   selected resources on any port their groups open.
//!
//! Each pair is answered by [`crate::explain`], so an intent fails exactly when
//! `netpath explain` would show the traffic blocked (for `reach`) or
//! let through (for `isolate` and exposure). A `partial` answer lets some
//! connections through and blocks others, so it fails both kinds. An
//! `unknown` answer cannot prove the intent and fails it, naming what is
//! missing.
//!
//! Port ranges are checked exactly: a range is cut wherever a
//! security-group rule or network ACL entry of the snapshot starts or ends,
//! and one port per piece is evaluated (every rule decides a piece alike).

mod check;
mod parse;
mod select;

pub use check::{check, CheckReport, IntentResult, Status, Violation, MAX_VIOLATIONS};
pub use parse::{ExposureIntent, IsolateIntent, Policy, PolicyError, PortSpec, ReachIntent};
pub use select::{select, Selected};
