//! The flags of `netpath merge`, and those of `netpath snapshot` that read
//! several accounts of an AWS Organization.

use std::path::PathBuf;

use super::OutFile;

/// `netpath merge A.json B.json … --out all.json`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Snapshot files, or folders of describe-* JSON, to combine: one per
    /// account, region or collection job, in any order.
    #[arg(required = true, value_name = "SNAPSHOT")]
    pub inputs: Vec<PathBuf>,
    // --out: written atomically, with mode 0600.
    #[command(flatten)]
    pub out: OutFile,
    /// Exit 0 even when inputs hold different copies of one resource (the
    /// conflicts are still recorded as gaps and printed).
    #[arg(long)]
    pub allow_conflicts: bool,
}

/// `netpath snapshot --org | --accounts …`: collect several accounts by
/// assuming a role in each.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct OrgArgs {
    /// Collect every ACTIVE account of the AWS Organization
    /// (organizations:ListAccounts, from the management or a delegated
    /// administrator account), assuming --role-name in each.
    #[arg(long)]
    pub org: bool,
    /// Collect these accounts (12-digit ids, comma separated or repeated,
    /// or a file of ids, one per line, `#` comments), assuming --role-name
    /// in each. With --org: added to the organization's.
    #[arg(long, value_delimiter = ',', value_name = "ID|FILE")]
    pub accounts: Vec<String>,
    /// Leave these accounts out (ids or a file of them).
    #[arg(long, value_delimiter = ',', value_name = "ID|FILE")]
    pub exclude_accounts: Vec<String>,
    /// The role assumed in each account: arn:aws:iam::<id>:role/<NAME>.
    /// The caller's own account is read with its own credentials.
    #[arg(long, default_value = "NetpathReadOnly", value_name = "NAME")]
    pub role_name: String,
    /// The external id the role's trust policy asks for (sts:ExternalId).
    #[arg(long, value_name = "X")]
    pub external_id: Option<String>,
    /// API calls in flight at once within one account (the global bound is
    /// --concurrency), so one account's throttling does not starve the rest.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub account_concurrency: usize,
    /// How long each assumed role's credentials last, in seconds (STS
    /// DurationSeconds: 900 up to the role's maximum session duration;
    /// default one hour). They are renewed before they expire, so a long
    /// collection goes on.
    #[arg(long, value_name = "SECONDS")]
    pub role_session_duration: Option<u64>,
}

impl OrgArgs {
    /// True when more than the caller's own account is asked for.
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    pub fn is_multi_account(&self) -> bool {
        self.org || !self.accounts.is_empty()
    }
}

/// Account ids from `values`: each a 12-digit id, or a file of ids (one or
/// more per line, separated by commas or white space; `#` starts a comment).
///
/// Errors: a value that is neither an account id nor a readable file, or a
/// file holding something other than account ids (naming the file and line).
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub fn account_ids(values: &[String]) -> anyhow::Result<Vec<String>> {
    let is_id = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if is_id(v) {
            out.push(v.to_string());
            continue;
        }
        let text = std::fs::read_to_string(v).map_err(|e| {
            anyhow::anyhow!(
                "--accounts {v}: neither a 12-digit account id nor a readable file of them ({e})"
            )
        })?;
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            for id in line.split(|c: char| c == ',' || c.is_whitespace()) {
                if id.is_empty() {
                    continue;
                }
                if !is_id(id) {
                    anyhow::bail!("{v}, line {}: `{id}` is not a 12-digit account id", n + 1);
                }
                out.push(id.to_string());
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
