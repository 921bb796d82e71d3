//! Live collection from the CLI: `netpath snapshot`, and `explain` without
//! `--snapshot` (collect, then keep the snapshot in the user's cache
//! directory so the next question is instant). Only with the `live` feature.
#![cfg(feature = "live")]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use netpath_collect::{caller_identity, collect, CollectOptions, Identity, Progress};
use netpath_model::{Imported, Snapshot, Warning};

use crate::args::LiveArgs;

impl LiveArgs {
    pub(crate) fn options(&self) -> CollectOptions {
        CollectOptions {
            profile: self.profile.clone(),
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            endpoint_url: self.endpoint_url.clone(),
            concurrency: self.concurrency.max(1),
            call_timeout: Duration::from_secs(self.call_timeout.max(1)),
            max_attempts: self.max_attempts.max(1),
            page_size: self.page_size,
            ..CollectOptions::default()
        }
    }
}

/// Collects with a progress bar on stderr (drawn only when stderr is a terminal).
pub fn collect_live(args: &LiveArgs) -> anyhow::Result<Snapshot> {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{spinner} collecting [{bar:30}] {pos}/{len} calls {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let b = bar.clone();
    let progress: Arc<dyn Fn(Progress) + Send + Sync> = Arc::new(move |p| match p {
        Progress::Planned(n) => b.set_length(n as u64),
        Progress::Finished {
            operation,
            region,
            result,
        } => {
            b.inc(1);
            match result {
                Ok(n) => b.set_message(format!("{operation} {region}: {n}")),
                Err(e) => b.println(format!("netpath: {operation} in {region} failed: {e}")),
            }
        }
        _ => {}
    });
    let opts = args.options();
    let snap = runtime()?.block_on(collect(&opts, progress));
    bar.finish_and_clear();
    Ok(snap?)
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The profile the SDK will use: `--profile`, else `AWS_PROFILE`, else `default`.
fn resolved_profile(args: &LiveArgs) -> String {
    args.profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into())
}

/// One line per collection gap, and a summary of what was read.
pub fn report(snap: &Snapshot, wrote: &str) {
    eprintln!(
        "netpath: {wrote}: {} VPCs, {} subnets, {} security groups, {} network ACLs, {} route tables, {} ENIs, {} instances, {} DB instances in {} ({})",
        snap.vpcs.as_ref().map_or(0, Vec::len),
        snap.subnets.as_ref().map_or(0, Vec::len),
        snap.security_groups.as_ref().map_or(0, Vec::len),
        snap.network_acls.as_ref().map_or(0, Vec::len),
        snap.route_tables.as_ref().map_or(0, Vec::len),
        snap.network_interfaces.as_ref().map_or(0, |v| v.len()),
        snap.instances.as_ref().map_or(0, |v| v.len()),
        snap.db_instances.as_ref().map_or(0, Vec::len),
        snap.metadata.regions.join(", "),
        snap.metadata.account_ids.join(", "),
    );
    for g in &snap.metadata.gaps {
        eprintln!("netpath: gap: {g}");
    }
}

/// Where `explain` keeps live snapshots: `$XDG_CACHE_HOME/netpath` (or the
/// platform's cache folder), one file per account, resolved profile
/// (`--profile`, else `AWS_PROFILE`), region set and endpoint, so a cache
/// never answers for other credentials.
pub fn cache_path(args: &LiveArgs, account: &str) -> anyhow::Result<PathBuf> {
    Ok(cache_dir()?.join(format!("{account}--{}.json", cache_key(args))))
}

fn cache_dir() -> anyhow::Result<PathBuf> {
    Ok(dirs::cache_dir()
        .context("no cache directory (set XDG_CACHE_HOME or HOME), or pass --snapshot")?
        .join("netpath"))
}

/// The account of the newest cached snapshot for `args`' profile, region
/// set and endpoint, if any.
fn newest_cached(args: &LiveArgs) -> anyhow::Result<Option<String>> {
    let suffix = format!("--{}.json", cache_key(args));
    let Ok(entries) = std::fs::read_dir(cache_dir()?) else {
        return Ok(None);
    };
    let newest = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let account = name.strip_suffix(&suffix)?.to_string();
            let modified = e.metadata().ok()?.modified().ok()?;
            (!account.contains("--")).then_some((modified, account))
        })
        .max();
    Ok(newest.map(|(_, a)| a))
}

/// The file-name-safe key of a profile, region set and endpoint.
fn cache_key(args: &LiveArgs) -> String {
    let mut key = format!(
        "{}--{}",
        resolved_profile(args),
        if args.all_regions {
            "all-regions".to_string()
        } else if args.regions.is_empty() {
            std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|_| "default-region".into())
        } else {
            args.regions.join("+")
        }
    );
    if let Some(u) = &args.endpoint_url {
        key.push_str("--");
        key.push_str(u);
    } else if let Ok(u) = std::env::var("AWS_ENDPOINT_URL") {
        key.push_str("--");
        key.push_str(&u);
    }
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-+_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The snapshot `explain` uses without `--snapshot`: the cached one when it
/// is younger than `max_age` (and `refresh` is off), else a fresh collection,
/// which is then cached.
///
/// The credentials' account is asked first (STS `GetCallerIdentity`), so the
/// cache is keyed by it; the answer carries a warning with the snapshot's
/// age and account.
pub fn cached_or_collect(
    args: &LiveArgs,
    max_age: Duration,
    refresh: bool,
) -> anyhow::Result<(Imported, PathBuf)> {
    let (account, arn, confirmed) = match runtime()?.block_on(caller_identity(&args.options())) {
        Ok(Identity { account, arn }) => (account, arn, true),
        // Offline: the newest cached snapshot for this profile, region set
        // and endpoint, said to be unconfirmed.
        Err(e) if !refresh => match newest_cached(args)? {
            Some(account) => {
                eprintln!("netpath: {e}");
                (account, "credentials not confirmed".to_string(), false)
            }
            None => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let path = cache_path(args, &account)?;
    if !refresh {
        if let Ok(meta) = std::fs::metadata(&path) {
            let age = meta
                .modified()
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .unwrap_or(Duration::MAX);
            if age <= max_age {
                let snapshot = Snapshot::read(&path)?;
                let message = if confirmed {
                    format!(
                        "answered from the cached snapshot of account {account} ({arn}), collected {} ago; --refresh collects again",
                        human_age(age)
                    )
                } else {
                    format!(
                        "answered from the cached snapshot of account {account}, collected {} ago, without confirming that the current credentials belong to that account (sts:GetCallerIdentity failed)",
                        human_age(age)
                    )
                };
                eprintln!(
                    "netpath: using the cached snapshot {}: {message}",
                    path.display()
                );
                let warnings = vec![Warning {
                    file: Some(path.clone()),
                    resource: None,
                    message,
                    skipped_key: None,
                }];
                return Ok((Imported { snapshot, warnings }, path));
            }
        }
    }
    eprintln!("netpath: no --snapshot given: collecting live with the default AWS credentials");
    let snap = collect_live(args)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the cache folder {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    crate::private_file::write_private(&path, &snap.to_json())?;
    report(&snap, &format!("cached {}", path.display()));
    Ok((
        Imported {
            snapshot: snap,
            warnings: Vec::new(),
        },
        path,
    ))
}

/// `42s`, `5 min`, `3 h 20 min`, `2 days`.
fn human_age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} days", s / 86400),
    }
}
