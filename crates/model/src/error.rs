//! Errors and warnings raised while reading input.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A problem that stops a file from being read. Every variant names the file;
/// the field-level ones also name the resource and the field, so the user can
/// go straight to the spot.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The path could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("{path}:{line}:{column}: malformed JSON: {message}. Fix the file or re-run the aws describe command that produced it")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser saw.
        message: String,
    },
    /// A resource lacks a required field, or a field has a bad value
    /// (a CIDR like `10.0.0.0/33`, a port like 70000, a rule number of 0).
    #[error("{path}: {resource}: field `{field}`: {message}")]
    Field {
        /// The file.
        path: PathBuf,
        /// The resource id (`sg-...`), or `item #N` when it has none.
        resource: String,
        /// The field, as a path inside the resource (`IpPermissions[0].FromPort`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The file is JSON but not a netpath snapshot or describe-* output netpath can read.
    #[error("{path}: {message}")]
    Format {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Something odd in the input that does not stop the analysis: an unknown
/// top-level key, a dangling reference, a duplicate resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The file, when the warning is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The resource id, when the warning is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// One line for a human.
    pub message: String,
    /// For a file netpath does not read: the top-level key it skipped
    /// (e.g. `AvailabilityZones`), so such warnings can be folded into one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_key: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        if let Some(r) = &self.resource {
            write!(f, "{r}: ")?;
        }
        f.write_str(&self.message)
    }
}
