//! Everything the CLI prints: the human-readable tables of each command, the
//! JUnit XML of `check`, the Graphviz DOT of `explain --output dot`, and the
//! one envelope of the JSON documents.

mod check;
mod diff;
mod dot;
mod envelope;
mod explain;
mod fix_script;
mod flowlogs;
mod path_graph;
mod plan;
mod reach;
mod reachability_analyzer;
pub mod term;
mod word;

pub use check::{check, junit};
pub use diff::diff;
pub use dot::dot;
pub use envelope::Envelope;
pub use explain::{observed, table};
pub use fix_script::fix_script;
pub use flowlogs::flowlogs;
pub use path_graph::{dot_path, mermaid, reach_mermaid};
pub use plan::{plan_junit, plan_markdown, plan_table};
pub use reach::reach;
pub use reachability_analyzer::reachability_analyzer;
pub use term::ColorChoice;
pub use word::plural;
