//! A snapshot's metadata: where it came from ([`Metadata`]), what it cannot
//! vouch for ([`Gap`]), and, in format version 2, each account and region it
//! holds ([`Partition`]). Documented in `docs/snapshot-format.md`.

use serde::{Deserialize, Serialize};

/// Where a snapshot came from and what is known to be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// `aws-cli-json` (imported from describe-* output) or `collect` (live).
    pub source: String,
    /// Regions the resources were read from, when known.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Account ids seen in the input.
    #[serde(default)]
    pub account_ids: Vec<String>,
    /// Collection time, RFC 3339, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// The netpath version that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    /// API operations that were called (live collection).
    #[serde(default)]
    pub operations: Vec<String>,
    /// Operations that failed, so their data is missing.
    #[serde(default)]
    pub gaps: Vec<Gap>,
    /// Each account and region read, when and how, with the ids of the
    /// resources read there (version 2; see [`Partition`]). Empty in a
    /// snapshot whose resources' origins are not known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Partition>,
}

/// Data the snapshot cannot vouch for: an operation that failed (live
/// collection), a describe file that holds only one page of its answer, or
/// one resource whose copies in two files differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// The API operation, e.g. `ec2:DescribeNetworkAcls`, or
    /// `sts:AssumeRole` for an account that could not be entered at all.
    pub operation: String,
    /// The account whose data is missing, when known (a collection of
    /// several accounts, or a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The region, if the call was regional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The error the call ended with; for an import, `incomplete: …` (one
    /// page) or `conflict: …` (two different copies).
    pub error: String,
    /// The one resource in doubt (conflicting copies); `None` when the
    /// whole operation's data is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl std::fmt::Display for Gap {
    /// `{operation} failed in {region} ({error})`, the region reading
    /// `an unknown region` when the gap has none; e.g.
    /// `DescribeNetworkAcls failed in us-east-1 (AccessDenied)`. An import's
    /// gaps read `{operation} output is incomplete (…)` and
    /// `{operation} output has two different copies of {resource} (…)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(rest) = self.error.strip_prefix("incomplete: ") {
            return write!(f, "{} output is incomplete ({rest})", self.operation);
        }
        if let Some(rest) = self.error.strip_prefix("after-apply: ") {
            return write!(f, "{rest}");
        }
        if let Some(rest) = self.error.strip_prefix("conflict: ") {
            return write!(
                f,
                "{} output has two different copies of {} ({rest})",
                self.operation,
                self.resource.as_deref().unwrap_or("a resource")
            );
        }
        let region = self.region.as_deref().unwrap_or("an unknown region");
        match (&self.account_id, &self.region) {
            (Some(a), Some(r)) if self.operation == "*" => {
                write!(f, "account {a} was not read in {r} ({})", self.error)
            }
            (Some(a), None) if self.operation == "sts:AssumeRole" => write!(
                f,
                "account {a} was not collected: sts:AssumeRole failed ({})",
                self.error
            ),
            (Some(a), None) => write!(
                f,
                "{} failed in account {a} ({})",
                self.operation, self.error
            ),
            (Some(a), Some(_)) => write!(
                f,
                "{} failed in account {a}, {region} ({})",
                self.operation, self.error
            ),
            (None, _) => write!(f, "{} failed in {region} ({})", self.operation, self.error),
        }
    }
}

/// One account and region of a snapshot.
///
/// Serialized in `metadata.partitions` as
/// `{"account_id": "111122223333", "region": "us-east-1", "collected_at":
/// "2026-12-05T06:00:00Z", "source": "aws-sdk", "role_arn": "arn:…",
/// "resources": ["vpc-…", …]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    /// The 12-digit account id; empty when not known (an import of
    /// describe-* files that name no owner).
    pub account_id: String,
    /// The region; `None` when not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// When this account and region were read, RFC 3339, when known. Kept per
    /// partition, so that a merge of collections made at different times
    /// says how old each part is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// How it was read: `aws-sdk` (live), `aws-cli-json` (import), ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The role assumed to read it (`arn:aws:iam::<id>:role/<name>`); `None`
    /// for the caller's own credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The ids (ARNs for load balancing, identifiers for RDS) of every
    /// resource read in this account and region, sorted.
    #[serde(default)]
    pub resources: Vec<crate::CompactString>,
}

impl Partition {
    /// `111122223333/us-east-1`, `111122223333`, or `(unknown account)`.
    pub fn label(&self) -> String {
        let a = if self.account_id.is_empty() {
            "(unknown account)"
        } else {
            &self.account_id
        };
        match &self.region {
            Some(r) => format!("{a}/{r}"),
            None => a.to_string(),
        }
    }
}
