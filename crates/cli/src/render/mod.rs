//! Everything the CLI prints: the human-readable tables of each command, the
//! JUnit XML of `check`, the Graphviz DOT of `explain --output dot`, and the
//! one envelope of the JSON documents.

mod check;
mod diff;
mod dot;
mod envelope;
mod explain;
mod reach;

pub use check::{check, junit};
pub use diff::diff;
pub use dot::dot;
pub use envelope::Envelope;
pub use explain::table;
pub use reach::reach;

/// The JSON string a value serializes to (its kebab-case name, for the enums
/// of the engine), or an empty string when it is not a string.
fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
