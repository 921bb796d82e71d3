//! # netpath-collect
//!
//! Live, read-only collection of an AWS account's network configuration into
//! a [`netpath_model::Snapshot`], through the AWS SDK for Rust.
//!
//! - **Credentials and region** come from the standard chain (environment,
//!   shared config and credentials files, profiles, SSO, IMDS), as the AWS
//!   CLI resolves them, with optional profile, regions and endpoint URL
//!   (<https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html>).
//! - **Read-only**: only the Describe*/Get* operations in [`OPERATIONS`] are
//!   called; `docs/iam-policy.json` grants exactly these.
//! - **Pagination**: every paginator is followed to its end.
//! - **Concurrency**: every (region, operation) runs as its own task, at most
//!   [`CollectOptions::concurrency`] at a time.
//! - **Retries**: the SDK's standard retry mode, with exponential backoff and
//!   jitter on throttling (`RequestLimitExceeded`, `Throttling`) and 5xx
//!   errors, up to [`CollectOptions::max_attempts`] attempts, each bounded by
//!   [`CollectOptions::call_timeout`]
//!   (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html>).
//! - **Partial failure**: an operation that still fails (AccessDenied,
//!   UnauthorizedOperation, timeout) becomes a [`Gap`] in the snapshot's
//!   metadata; the others complete. The engine answers `unknown` for paths
//!   that need the missing data.
//! - **No secrets**: errors are recorded as the service's error code and
//!   message, never the request, its headers or a signed URL.
//!
//! The SDK types are converted into the model directly ([`convert`]), never
//! through JSON text.

pub mod convert;
mod direct_connect;
mod elb;
mod identity;
mod operations;
mod org;

pub use identity::{caller_identity, Identity};
pub use org::{collect_org, OrgOptions, ORG_OPERATIONS};

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata};
use netpath_model::{Gap, Metadata, Snapshot};
use tokio::sync::Semaphore;

use convert::Issues;
use operations::{run, Clients, Part, REGION_OPERATIONS};

/// Every API operation the collector may call, as IAM actions. The
/// least-privilege policy in `docs/iam-policy.json` grants exactly these;
/// a test keeps the three in step (this list, the policy, and the calls in
/// this crate's source).
pub const OPERATIONS: &[&str] = &[
    "ec2:DescribeRegions",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeInstances",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeEgressOnlyInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeManagedPrefixLists",
    "ec2:GetManagedPrefixListEntries",
    "rds:DescribeDBInstances",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:SearchTransitGatewayRoutes",
    "ec2:GetTransitGatewayRouteTablePropagations",
    "ec2:DescribeVpnGateways",
    "ec2:DescribeVpnConnections",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcEndpointServices",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "directconnect:DescribeDirectConnectGateways",
    "directconnect:DescribeDirectConnectGatewayAssociations",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeRules",
    "sts:GetCallerIdentity",
];

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// A named profile from the shared config files (`--profile`).
    pub profile: Option<String>,
    /// Regions to read; empty means the region of the credential chain.
    pub regions: Vec<String>,
    /// Read every region the account has enabled (`DescribeRegions`).
    pub all_regions: bool,
    /// Send every request to this endpoint (`--endpoint-url`), e.g. an emulator.
    pub endpoint_url: Option<String>,
    /// Calls in flight at once, across operations and regions (1 or more).
    pub concurrency: usize,
    /// Timeout of one attempt of one call.
    pub call_timeout: Duration,
    /// Attempts per call, the first included (standard retry mode).
    pub max_attempts: u32,
    /// Backoff before the first retry; later retries double it, with jitter.
    pub initial_backoff: Duration,
    /// `MaxResults` per page for EC2 (clamped to each operation's allowed
    /// range); `None` uses 1000 (100 where that is the operation's maximum).
    pub page_size: Option<i32>,
    /// Resolve each DB endpoint's DNS name and record its addresses.
    pub resolve_dns: bool,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            endpoint_url: None,
            concurrency: 16,
            call_timeout: Duration::from_secs(30),
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            page_size: None,
            resolve_dns: true,
        }
    }
}

/// Why collection could not even start.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// No region was given and none is configured.
    #[error("no AWS region: pass --region (or --all-regions), or set AWS_REGION / a region in your profile")]
    NoRegion,
    /// `--all-regions` and `DescribeRegions` failed.
    #[error("cannot list regions (ec2:DescribeRegions): {0}")]
    Regions(String),
    /// STS `GetCallerIdentity` failed: the credentials cannot be used.
    #[error("cannot tell whose credentials these are (sts:GetCallerIdentity): {0}. Check the credentials (profile, environment, SSO login) and the endpoint")]
    Identity(String),
    /// `--org` and Organizations `ListAccounts` failed: no account list.
    #[error("cannot list the organization's accounts (organizations:ListAccounts): {0}. Run from the management account or a delegated administrator, or name the accounts with --accounts")]
    Organization(String),
    /// Every operation failed: nothing was read.
    #[error("every call failed, nothing was collected; first error: {0}. Check the credentials (profile, environment, SSO login) and the region")]
    NothingCollected(String),
    /// No provider in the SDK's chain had credentials.
    #[error("no AWS credentials found: set AWS_PROFILE (or pass --profile), run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (tried the environment, the profile files, web identity, ECS and instance metadata)")]
    NoCredentials,
    /// A credentials provider failed (a bad profile, an expired SSO session, a timeout).
    #[error("the AWS credentials cannot be loaded: {0}")]
    Credentials(String),
}

/// The credentials the SDK would sign with, loaded once up front, so that a
/// missing or broken setup is one plain sentence instead of every call's
/// failure. Errors: [`CollectError::NoCredentials`], [`CollectError::Credentials`]
/// (the provider's message and its causes, never its debug form).
pub(crate) async fn check_credentials(config: &aws_config::SdkConfig) -> Result<(), CollectError> {
    use aws_sdk_ec2::config::ProvideCredentials;
    let Some(provider) = config.credentials_provider() else {
        return Err(CollectError::NoCredentials);
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(aws_credential_types::provider::error::CredentialsError::CredentialsNotLoaded(_)) => {
            Err(CollectError::NoCredentials)
        }
        Err(e) => {
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(": ");
                text.push_str(&c.to_string());
                cause = c.source();
            }
            Err(CollectError::Credentials(text))
        }
    }
}

/// What the collector reports as it goes (for a progress bar).
#[derive(Debug, Clone)]
pub enum Progress {
    /// The number of (region, operation) calls planned so far.
    Planned(usize),
    /// One (region, operation) finished: items read, or the error.
    Finished {
        /// `ec2:DescribeVpcs`, ...
        operation: &'static str,
        /// Region.
        region: String,
        /// Items read, or the error recorded as a gap.
        result: Result<usize, String>,
    },
    /// Several accounts ([`collect_org`]): the accounts to read, known
    /// before any is read.
    Accounts(Vec<String>),
    /// Several accounts: one event of one account's collection.
    InAccount {
        /// The 12-digit account id.
        account: String,
        /// [`Progress::Planned`] or [`Progress::Finished`].
        event: Box<Progress>,
    },
    /// Several accounts: one account is done, with the number of resources
    /// read, or why it could not be read at all (its role not assumed).
    AccountDone {
        /// The 12-digit account id.
        account: String,
        /// Resources read, or the error recorded as a gap.
        result: Result<usize, String>,
    },
}

/// The error of a failed call as one line: the service's code and message
/// when there is one, else the SDK's description (timeout, connection).
pub(crate) fn error_line<E>(e: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => DisplayErrorContext(e).to_string(),
    }
}

pub(crate) async fn base_config(opts: &CollectOptions, region: Option<String>) -> SdkConfig {
    config_as(opts, region, None).await
}

/// How an account's calls are signed when it is read through a role
/// assumed in it: STS `AssumeRole` as the credentials provider, which the
/// identity cache calls again shortly before the credentials expire (one
/// hour by default), so a collection that outlasts them goes on. One per
/// account, shared by every region's clients: the provider's cache
/// partition and the cache are the same, so the role is assumed once per
/// account, not once per region.
/// <https://docs.aws.amazon.com/sdk-for-rust/latest/dg/credproviders.html>
#[derive(Clone, Debug)]
pub(crate) struct AssumedRole {
    pub(crate) provider: aws_credential_types::provider::SharedCredentialsProvider,
    pub(crate) cache: aws_sdk_sts::config::SharedIdentityCache,
}

/// [`base_config`], signing as `creds` (a role assumed in another account)
/// instead of with the credential chain when given.
pub(crate) async fn config_as(
    opts: &CollectOptions,
    region: Option<String>,
    creds: Option<&AssumedRole>,
) -> SdkConfig {
    let retry = RetryConfig::standard()
        .with_max_attempts(opts.max_attempts.max(1))
        .with_initial_backoff(opts.initial_backoff);
    let timeouts = TimeoutConfig::builder()
        .operation_attempt_timeout(opts.call_timeout)
        .connect_timeout(Duration::from_secs(10))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some(c) = creds {
        loader = loader
            .credentials_provider(c.provider.clone())
            .identity_cache(c.cache.clone());
    }
    loader.load().await
}

pub(crate) fn now_rfc3339() -> String {
    aws_smithy_types::DateTime::from(SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Collects a snapshot of every region asked for.
///
/// Input: [`CollectOptions`], and `progress`, called from the collecting
/// tasks as calls are planned and finish. Output: a [`Snapshot`] whose
/// metadata holds the account ids, regions, collection time (RFC 3339), tool
/// version, the operations called, and one [`Gap`] per call that failed after
/// its retries. Errors: [`CollectError`] when no region is known, when
/// `--all-regions` cannot list regions, or when every call failed.
pub async fn collect(
    opts: &CollectOptions,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Snapshot, CollectError> {
    let n = opts.concurrency.max(1);
    let limits = Limits {
        global: Arc::new(Semaphore::new(n)),
        account: Arc::new(Semaphore::new(n)),
    };
    collect_as(opts, None, &limits, progress).await
}

/// How many calls may be in flight: across every account, and within the
/// account being read (so one account's throttling does not take every
/// slot).
#[derive(Clone)]
pub(crate) struct Limits {
    pub(crate) global: Arc<Semaphore>,
    pub(crate) account: Arc<Semaphore>,
}

/// [`collect`] signing with `creds` (an assumed role's) when given, within
/// `limits`.
pub(crate) async fn collect_as(
    opts: &CollectOptions,
    creds: Option<&AssumedRole>,
    limits: &Limits,
    progress: Arc<dyn Fn(Progress) + Send + Sync>,
) -> Result<Snapshot, CollectError> {
    let mut base = config_as(opts, opts.regions.first().cloned(), creds).await;
    if opts.all_regions && base.region().is_none() {
        // DescribeRegions must be sent to some region; any enabled one lists them all.
        base = config_as(opts, Some("us-east-1".into()), creds).await;
    }
    check_credentials(&base).await?;
    let mut called: BTreeSet<&'static str> = BTreeSet::new();
    let regions: Vec<String> = if opts.all_regions {
        called.insert("ec2:DescribeRegions");
        let ec2 = aws_sdk_ec2::Client::new(&base);
        let out = ec2
            .describe_regions()
            .send()
            .await
            .map_err(|e| CollectError::Regions(error_line(&e)))?;
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
        vec![base
            .region()
            .ok_or(CollectError::NoRegion)?
            .as_ref()
            .to_string()]
    };
    let mut tasks = tokio::task::JoinSet::new();
    // Direct Connect gateways are global: read once, in the first region.
    progress(Progress::Planned(
        regions.len() * REGION_OPERATIONS.len() + 1,
    ));
    for (i, region) in regions.iter().enumerate() {
        let cfg = config_as(opts, Some(region.clone()), creds).await;
        let clients = Clients::new(&cfg);
        let global = (i == 0).then_some(direct_connect::OPERATION);
        for &op in REGION_OPERATIONS.iter().chain(global.iter()) {
            let (clients, limits, region, opts, progress) = (
                clients.clone(),
                limits.clone(),
                region.clone(),
                opts.clone(),
                progress.clone(),
            );
            tasks.spawn(async move {
                // The account's slot first, so that a call waiting on its
                // own account holds no global slot.
                let _account = limits.account.acquire_owned().await;
                let _global = limits.global.acquire_owned().await;
                let mut issues = Issues::default();
                tracing::debug!(operation = op, region = %region, "calling");
                let result = run(op, &clients, &region, &opts, &mut issues).await;
                progress(Progress::Finished {
                    operation: op,
                    region: region.clone(),
                    result: result.as_ref().map(Part::len).map_err(Clone::clone),
                });
                (op, region, result, issues)
            });
        }
    }
    let mut snap = Snapshot::default();
    let mut gaps: Vec<Gap> = Vec::new();
    let mut ok = 0usize;
    let mut first_error: Option<String> = None;
    fn push<C: netpath_model::Collection>(slot: &mut Option<C>, items: Vec<C::Item>) {
        slot.get_or_insert_with(C::default)
            .items_mut()
            .extend(items);
    }
    while let Some(joined) = tasks.join_next().await {
        let (op, region, result, issues) = match joined {
            Ok(x) => x,
            Err(e) => {
                gaps.push(Gap {
                    account_id: None,
                    operation: "(task)".into(),
                    region: None,
                    error: format!("a collection task failed: {e}"),
                    resource: None,
                });
                continue;
            }
        };
        called.insert(op);
        for i in issues.0 {
            tracing::warn!(operation = op, region = %region, "{i}");
        }
        match result {
            Ok(part) => {
                ok += 1;
                match part {
                    Part::Vpcs(v) => push(&mut snap.vpcs, v),
                    Part::Subnets(v) => push(&mut snap.subnets, v),
                    Part::SecurityGroups(v) => push(&mut snap.security_groups, v),
                    Part::NetworkAcls(v) => push(&mut snap.network_acls, v),
                    Part::RouteTables(v) => push(&mut snap.route_tables, v),
                    Part::Peerings(v) => push(&mut snap.vpc_peering_connections, v),
                    Part::NetworkInterfaces(v) => push(&mut snap.network_interfaces, v),
                    Part::Instances(v) => push(&mut snap.instances, v),
                    Part::InternetGateways(v) => push(&mut snap.internet_gateways, v),
                    Part::EgressOnlyInternetGateways(v) => {
                        push(&mut snap.egress_only_internet_gateways, v)
                    }
                    Part::NatGateways(v) => push(&mut snap.nat_gateways, v),
                    Part::PrefixLists(v, g) => {
                        called.insert("ec2:GetManagedPrefixListEntries");
                        push(&mut snap.prefix_lists, v);
                        gaps.extend(g);
                    }
                    Part::DbInstances(v) => push(&mut snap.db_instances, v),
                    Part::TransitGateways(v) => push(&mut snap.transit_gateways, v),
                    Part::TransitGatewayAttachments(v) => {
                        push(&mut snap.transit_gateway_attachments, v)
                    }
                    Part::TransitGatewayVpcAttachments(v) => {
                        push(&mut snap.transit_gateway_vpc_attachments, v)
                    }
                    Part::TransitGatewayPeeringAttachments(v) => {
                        push(&mut snap.transit_gateway_peering_attachments, v)
                    }
                    Part::TransitGatewayRouteTables(t) => {
                        called.insert("ec2:SearchTransitGatewayRoutes");
                        called.insert("ec2:GetTransitGatewayRouteTablePropagations");
                        push(&mut snap.transit_gateway_route_tables, t.tables);
                        push(&mut snap.transit_gateway_routes, t.routes);
                        push(&mut snap.transit_gateway_propagations, t.propagations);
                        gaps.extend(t.gaps);
                    }
                    Part::VpnGateways(v) => push(&mut snap.vpn_gateways, v),
                    Part::VpnConnections(v) => push(&mut snap.vpn_connections, v),
                    Part::VpcEndpoints(v) => push(&mut snap.vpc_endpoints, v),
                    Part::VpcEndpointServices(v) => push(&mut snap.vpc_endpoint_services, v),
                    Part::LoadBalancing(e) => {
                        called.extend(crate::elb::SUB_OPERATIONS);
                        push(&mut snap.load_balancers, e.load_balancers);
                        push(&mut snap.load_balancer_listeners, e.listeners);
                        push(&mut snap.load_balancer_rules, e.rules);
                        push(&mut snap.load_balancer_attributes, e.attributes);
                        push(&mut snap.target_groups, e.target_groups);
                        push(&mut snap.target_health, e.health);
                        push(&mut snap.target_group_attributes, e.target_group_attributes);
                        gaps.extend(e.gaps);
                    }
                    Part::DirectConnect(v, g) => {
                        called.insert(direct_connect::SUB_OPERATION);
                        push(&mut snap.direct_connect_gateway_associations, v);
                        gaps.extend(g);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(operation = op, region = %region, "failed: {e}");
                first_error.get_or_insert_with(|| format!("{op} in {region}: {e}"));
                gaps.push(Gap {
                    account_id: None,
                    operation: op.to_string(),
                    region: Some(region),
                    error: e,
                    resource: None,
                });
            }
        }
    }
    if ok == 0 {
        return Err(CollectError::NothingCollected(
            first_error.unwrap_or_else(|| "no call was made".into()),
        ));
    }
    if opts.resolve_dns {
        resolve_db_endpoints(&mut snap).await;
    }
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    accounts.extend(
        snap.vpcs
            .iter()
            .flatten()
            .filter_map(|v| v.owner_id.clone()),
    );
    accounts.extend(
        snap.security_groups
            .iter()
            .flatten()
            .filter_map(|g| g.owner_id.clone()),
    );
    // The caller's own account, even when it owns nothing in these regions.
    called.insert("sts:GetCallerIdentity");
    match identity::identity_of(&base).await {
        Ok(id) if !id.account.is_empty() => {
            accounts.insert(id.account);
        }
        Ok(_) => {}
        Err(e) => gaps.push(Gap {
            account_id: None,
            operation: "sts:GetCallerIdentity".into(),
            region: None,
            error: e.to_string(),
            resource: None,
        }),
    }
    gaps.sort_by(|a, b| (&a.operation, &a.region).cmp(&(&b.operation, &b.region)));
    snap.metadata = Metadata {
        source: "aws-sdk".into(),
        regions,
        account_ids: accounts.into_iter().collect(),
        collected_at: Some(now_rfc3339()),
        tool_version: Some(env!("CARGO_PKG_VERSION").into()),
        operations: called.into_iter().map(String::from).collect(),
        gaps,
        partitions: Vec::new(),
    };
    snap.sort();
    Ok(snap)
}

/// Resolves every DB endpoint's DNS name (IPv4 only, 3 s each, all at once)
/// and records the addresses. A name that does not resolve is logged and
/// left empty: it is not an API failure.
async fn resolve_db_endpoints(snap: &mut Snapshot) {
    let mut lookups = tokio::task::JoinSet::new();
    for (i, db) in snap.db_instances.iter().flatten().enumerate() {
        if let Some(ep) = &db.endpoint {
            let target = (ep.address.clone(), ep.port);
            lookups.spawn(async move {
                let r = tokio::time::timeout(
                    Duration::from_secs(3),
                    tokio::net::lookup_host(target.clone()),
                )
                .await;
                (i, target.0, r)
            });
        }
    }
    while let Some(Ok((i, name, r))) = lookups.join_next().await {
        let addrs: Vec<Ipv4Addr> = match r {
            Ok(Ok(it)) => it
                .filter_map(|sa| match sa.ip() {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                })
                .collect(),
            Ok(Err(e)) => {
                tracing::info!("DB endpoint {name} does not resolve: {e}");
                Vec::new()
            }
            Err(_) => {
                tracing::info!("DB endpoint {name}: DNS lookup timed out");
                Vec::new()
            }
        };
        if let Some(ep) = snap
            .db_instances
            .as_mut()
            .and_then(|d| d.get_mut(i))
            .and_then(|d| d.endpoint.as_mut())
        {
            let mut addrs = addrs;
            addrs.sort();
            addrs.dedup();
            ep.resolved_addresses = addrs;
        }
    }
}
