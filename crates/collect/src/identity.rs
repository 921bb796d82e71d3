//! Who the credentials are: STS `GetCallerIdentity`, which needs no
//! permission. The CLI keys its cache by the account, and a snapshot records
//! the caller's account even when it owns nothing in the regions read.

use aws_config::SdkConfig;

use crate::{base_config, error_line, CollectError, CollectOptions};

/// Who the credentials are: the account id and the caller's ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The 12-digit account id.
    pub account: String,
    /// The caller's ARN (`arn:aws:iam::111122223333:user/alice`).
    pub arn: String,
}

/// The account and ARN of the credentials `opts` select (profile,
/// environment, SSO, endpoint), by STS `GetCallerIdentity`, which needs no
/// permission. Source:
/// <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>.
///
/// Errors: [`CollectError::Identity`] when the call fails (no credentials,
/// an expired SSO session, an unreachable endpoint).
pub async fn caller_identity(opts: &CollectOptions) -> Result<Identity, CollectError> {
    let mut cfg = base_config(opts, opts.regions.first().cloned()).await;
    if cfg.region().is_none() {
        // STS answers in any region; the caller has not configured one.
        cfg = base_config(opts, Some("us-east-1".into())).await;
    }
    crate::check_credentials(&cfg).await?;
    identity_of(&cfg).await
}

/// [`caller_identity`] with a configuration already loaded (the collector's own).
pub(crate) async fn identity_of(cfg: &SdkConfig) -> Result<Identity, CollectError> {
    let sts = aws_sdk_sts::Client::new(cfg);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| CollectError::Identity(error_line(&e)))?;
    Ok(Identity {
        account: out.account.unwrap_or_default(),
        arn: out.arn.unwrap_or_default(),
    })
}
