//! Several accounts in one snapshot: the accounts of an AWS Organization
//! (`organizations:ListAccounts`) or a list, each read through a role
//! assumed in it (`sts:AssumeRole`), every (account, region) concurrently,
//! then merged ([`netpath_model::merge`]).
//!
//! - **Accounts**: `ListAccounts` is paginated and only `ACTIVE` accounts
//!   are kept
//!   (<https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>).
//!   The caller's own account is read with its own credentials.
//! - **Roles**: `arn:aws:iam::<id>:role/<role-name>`, with the external id
//!   when given and a session name `netpath-<epoch seconds>`
//!   (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>).
//!   The session lasts the role's default hour; a collection of one
//!   account never takes that long.
//! - **Concurrency**: every call holds a slot of its account
//!   ([`OrgOptions::account_concurrency`]) and then a global one
//!   ([`crate::CollectOptions::concurrency`]), so one account's throttling
//!   slows only that account.
//! - **Failure**: an account whose role cannot be assumed is a gap
//!   `sts:AssumeRole` naming it; a region that answers nothing (an opt-in
//!   region not enabled) is a gap `*` naming the account and region. The
//!   other accounts complete.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use netpath_model::{Gap, Partition, Snapshot};
use tokio::sync::Semaphore;

use crate::{
    base_config, check_credentials, collect_as, config_as, error_line, identity, now_rfc3339,
    AssumedRole, CollectError, CollectOptions, Limits, Progress,
};

/// The calls a multi-account collection makes beyond [`crate::OPERATIONS`],
/// from the caller's account: `docs/iam-management-policy.json` grants
/// exactly these, and a test keeps the two in step.
pub const ORG_OPERATIONS: &[&str] = &["organizations:ListAccounts", "sts:AssumeRole"];

/// Which accounts to read and how to enter them.
#[derive(Debug, Clone)]
pub struct OrgOptions {
    /// Read every ACTIVE account of the organization (`ListAccounts`).
    pub org: bool,
    /// Read these account ids too.
    pub accounts: Vec<String>,
    /// Never read these account ids.
    pub exclude_accounts: Vec<String>,
    /// The role to assume in each account (its name, not its ARN).
    pub role_name: String,
    /// `sts:ExternalId` for the role's trust policy.
    pub external_id: Option<String>,
    /// Calls in flight at once within one account (1 or more).
    pub account_concurrency: usize,
    /// How long each assumed role's credentials last (STS
    /// `DurationSeconds`: AWS accepts 900 s up to the role's maximum
    /// session duration); `None` is STS's default, one hour. Whatever it
    /// is, they are assumed again shortly before they expire, so a
    /// collection may outlast them.
    /// <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>
    pub session_duration: Option<std::time::Duration>,
}

impl Default for OrgOptions {
    fn default() -> Self {
        OrgOptions {
            org: false,
            accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            role_name: "NetpathReadOnly".into(),
            external_id: None,
            account_concurrency: 8,
            session_duration: None,
        }
    }
}

/// Collects every account `org` names, each region `opts` names (or, with
/// `all_regions`, each region enabled in that account), into one snapshot.
///
/// Output: a [`Snapshot`] with one [`Partition`] per (account, region)
/// read, its resources, and a gap per account or region that could not be
/// read. Errors: [`CollectError::Organization`] when `--org` cannot list
/// the accounts; [`CollectError::NothingCollected`] when no account could
/// be read at all; the credential errors of [`crate::collect`].
pub async fn collect_org(
    opts: &CollectOptions,
    org: &OrgOptions,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Snapshot, CollectError> {
    let mut base = base_config(opts, opts.regions.first().cloned()).await;
    if base.region().is_none() {
        // STS and Organizations answer in any region.
        base = base_config(opts, Some("us-east-1".into())).await;
    }
    check_credentials(&base).await?;
    let me = identity::identity_of(&base).await?.account;
    let mut accounts: BTreeSet<String> = org.accounts.iter().cloned().collect();
    if org.org {
        accounts.extend(list_accounts(&base).await?);
    }
    accounts.insert(me.clone());
    for x in &org.exclude_accounts {
        accounts.remove(x);
    }
    let accounts: Vec<String> = accounts.into_iter().collect();
    progress(Progress::Accounts(accounts.clone()));
    let global = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let session = format!(
        "netpath-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    let mut tasks = tokio::task::JoinSet::new();
    for account in accounts {
        let limits = Limits {
            global: global.clone(),
            account: Arc::new(Semaphore::new(org.account_concurrency.max(1))),
        };
        let (opts, org, base, me, session, progress) = (
            opts.clone(),
            org.clone(),
            base.clone(),
            me.clone(),
            session.clone(),
            progress.clone(),
        );
        tasks.spawn(async move {
            let parts = collect_account(
                &opts, &org, &base, &account, &me, &session, limits, &progress,
            )
            .await;
            let result = match &parts {
                // Each part's one partition lists every resource read.
                Ok(p) => Ok(p
                    .iter()
                    .flat_map(|(_, s)| &s.metadata.partitions)
                    .map(|x| x.resources.len())
                    .sum()),
                Err(g) => Err(g.error.clone()),
            };
            progress(Progress::AccountDone {
                account: account.clone(),
                result,
            });
            parts
        });
    }
    let mut inputs: Vec<(String, Snapshot)> = Vec::new();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(parts)) => inputs.extend(parts),
            Ok(Err(gap)) => {
                first_error.get_or_insert_with(|| gap.to_string());
                gaps.push(gap);
            }
            Err(e) => gaps.push(Gap {
                operation: "(task)".into(),
                account_id: None,
                region: None,
                error: format!("a collection task failed: {e}"),
                resource: None,
            }),
        }
    }
    if inputs.is_empty() {
        return Err(CollectError::NothingCollected(
            first_error.unwrap_or_else(|| "no account was read".into()),
        ));
    }
    let mut snap = netpath_model::merge(inputs).snapshot;
    let md = &mut snap.metadata;
    md.source = "aws-sdk".into();
    md.collected_at = Some(now_rfc3339());
    let mut ops: BTreeSet<String> = md.operations.drain(..).collect();
    if org.org {
        ops.insert("organizations:ListAccounts".into());
    }
    if md.partitions.iter().any(|p| p.role_arn.is_some())
        || gaps.iter().any(|g| g.operation == "sts:AssumeRole")
    {
        ops.insert("sts:AssumeRole".into());
    }
    md.operations = ops.into_iter().collect();
    md.gaps.extend(gaps);
    md.gaps.sort_by(|a, b| {
        (&a.account_id, &a.operation, &a.region).cmp(&(&b.account_id, &b.operation, &b.region))
    });
    Ok(snap)
}

/// The ACTIVE accounts of the organization, every page.
async fn list_accounts(base: &aws_config::SdkConfig) -> Result<Vec<String>, CollectError> {
    let orgs = aws_sdk_organizations::Client::new(base);
    let mut pages = orgs.list_accounts().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| CollectError::Organization(error_line(&e)))?;
        for a in page.accounts.unwrap_or_default() {
            let active = match (&a.state, &a.status) {
                (Some(s), _) => s.as_str() == "ACTIVE",
                (None, Some(s)) => s.as_str() == "ACTIVE",
                (None, None) => false,
            };
            if let (true, Some(id)) = (active, a.id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

/// Every region of one account, each a snapshot tagged with its
/// [`Partition`]; `Err` (a gap naming the account) when its role cannot be
/// assumed or its regions cannot be listed.
#[allow(clippy::too_many_arguments)]
async fn collect_account(
    opts: &CollectOptions,
    org: &OrgOptions,
    base: &aws_config::SdkConfig,
    account: &str,
    me: &str,
    session: &str,
    limits: Limits,
    progress: &Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Vec<(String, Snapshot)>, Gap> {
    let account_gap = |operation: &str, error: String| Gap {
        operation: operation.into(),
        account_id: Some(account.to_string()),
        region: None,
        error,
        resource: None,
    };
    let (creds, role_arn) = if account == me {
        (None, None)
    } else {
        let arn = format!("arn:aws:iam::{account}:role/{}", org.role_name);
        // Assumed once up front, so a role we may not assume is one gap
        // naming the account, with STS's own message, before any region
        // is tried.
        let sts = aws_sdk_sts::Client::new(base);
        let out = sts
            .assume_role()
            .role_arn(&arn)
            .role_session_name(session)
            .set_external_id(org.external_id.clone())
            .send()
            .await
            .map_err(|e| account_gap("sts:AssumeRole", format!("{} ({arn})", error_line(&e))))?;
        if out.credentials.is_none() {
            return Err(account_gap(
                "sts:AssumeRole",
                format!("no credentials returned ({arn})"),
            ));
        }
        // Then signed through the SDK's provider, which assumes it again
        // before the credentials expire.
        let mut provider = AssumeRoleProvider::builder(&arn)
            .session_name(session)
            .configure(base);
        if let Some(x) = &org.external_id {
            provider = provider.external_id(x);
        }
        if let Some(d) = org.session_duration {
            provider = provider.session_length(d);
        }
        let creds = AssumedRole {
            provider: SharedCredentialsProvider::new(provider.build().await),
            cache: aws_sdk_sts::config::IdentityCache::lazy().build(),
        };
        (Some(creds), Some(arn))
    };
    let regions: Vec<String> = if opts.all_regions {
        let cfg = config_as(
            opts,
            Some(base.region().map_or("us-east-1".into(), |r| r.to_string())),
            creds.as_ref(),
        )
        .await;
        let ec2 = aws_sdk_ec2::Client::new(&cfg);
        let out = ec2
            .describe_regions()
            .send()
            .await
            .map_err(|e| account_gap("ec2:DescribeRegions", error_line(&e)))?;
        let mut r: Vec<String> = out
            .regions
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.region_name)
            .collect();
        r.sort();
        r
    } else if !opts.regions.is_empty() {
        opts.regions.clone()
    } else {
        vec![base.region().map_or("us-east-1".into(), |r| r.to_string())]
    };
    let mut tasks = tokio::task::JoinSet::new();
    for region in regions {
        let mut one = opts.clone();
        one.regions = vec![region.clone()];
        one.all_regions = false;
        let (creds, limits, account, role_arn) = (
            creds.clone(),
            limits.clone(),
            account.to_string(),
            role_arn.clone(),
        );
        let inner = progress.clone();
        let wrapped: Arc<dyn Fn(Progress) + Send + Sync> = {
            let account = account.clone();
            Arc::new(move |event| {
                inner(Progress::InAccount {
                    account: account.clone(),
                    event: Box::new(event),
                })
            })
        };
        tasks.spawn(async move {
            let result = collect_as(&one, creds.as_ref(), &limits, wrapped).await;
            (account, region, role_arn, result)
        });
    }
    let mut out = Vec::new();
    let mut region_gaps = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((account, region, role_arn, result)) = joined else {
            continue;
        };
        match result {
            Ok(mut snap) => {
                let collected_at = snap.metadata.collected_at.clone();
                snap.metadata.account_ids = vec![account.clone()];
                snap.tag_partition(Partition {
                    account_id: account.clone(),
                    region: Some(region.clone()),
                    collected_at,
                    source: "aws-sdk".into(),
                    role_arn,
                    resources: Vec::new(),
                });
                out.push((format!("{account}/{region}"), snap));
            }
            Err(e) => region_gaps.push(Gap {
                operation: "*".into(),
                account_id: Some(account),
                region: Some(region),
                error: format!(
                    "nothing could be read (an opt-in region not enabled, or a policy that denies it): {e}"
                ),
                resource: None,
            }),
        }
    }
    if out.is_empty() {
        return Err(region_gaps
            .into_iter()
            .next()
            .unwrap_or_else(|| account_gap("*", "no region was read".into())));
    }
    // The account's region gaps travel with its first snapshot.
    if let Some((_, first)) = out.first_mut() {
        first.metadata.gaps.extend(region_gaps);
    }
    Ok(out)
}
