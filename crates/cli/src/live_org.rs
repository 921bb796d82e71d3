//! `netpath snapshot --org | --accounts …`: several accounts, each through
//! a role assumed in it, with one progress bar per account on a terminal
//! and a summary line. Only with the `live` feature.
#![cfg(feature = "live")]

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use netpath_collect::{collect_org, OrgOptions, Progress};
use netpath_model::Snapshot;

use crate::args::{account_ids, LiveArgs, OrgArgs};
use crate::render::plural;

impl OrgArgs {
    /// The collector's options. Errors: an `--accounts` value that is
    /// neither an id nor a file of ids.
    fn options(&self) -> anyhow::Result<OrgOptions> {
        Ok(OrgOptions {
            org: self.org,
            accounts: account_ids(&self.accounts)?,
            exclude_accounts: account_ids(&self.exclude_accounts)?,
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
            account_concurrency: self.account_concurrency.max(1),
            session_duration: self
                .role_session_duration
                .map(std::time::Duration::from_secs),
        })
    }
}

/// Collects every account `org` names; bars on stderr when it is a
/// terminal, then the summary line (accounts, regions, resources, gaps,
/// time).
pub fn collect_org_live(live: &LiveArgs, org: &OrgArgs) -> anyhow::Result<Snapshot> {
    let opts = live.options();
    let org_opts = org.options()?;
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        multi.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} calls {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bars: Arc<Mutex<HashMap<String, ProgressBar>>> = Arc::default();
    let (m, b) = (multi.clone(), bars.clone());
    let progress: Arc<dyn Fn(Progress) + Send + Sync> = Arc::new(move |p| {
        let Ok(mut bars) = b.lock() else { return };
        match p {
            Progress::Accounts(list) => {
                for a in list {
                    let bar = m.add(ProgressBar::new(0));
                    bar.set_style(style.clone());
                    bar.set_prefix(a.clone());
                    bars.insert(a, bar);
                }
            }
            Progress::InAccount { account, event } => {
                let Some(bar) = bars.get(&account) else {
                    return;
                };
                match *event {
                    Progress::Planned(n) => bar.inc_length(n as u64),
                    Progress::Finished {
                        operation,
                        region,
                        result,
                    } => {
                        bar.inc(1);
                        if let Err(e) = result {
                            bar.set_message(format!("{operation} in {region} failed: {e}"));
                        }
                    }
                    _ => {}
                }
            }
            Progress::AccountDone { account, result } => {
                if let Some(bar) = bars.get(&account) {
                    match result {
                        Ok(n) => bar.finish_with_message(format!("done: {n} resources")),
                        Err(e) => bar.abandon_with_message(format!("not read: {e}")),
                    }
                }
            }
            _ => {}
        }
    });
    let started = Instant::now();
    let snap = super::live::runtime()?.block_on(collect_org(&opts, &org_opts, progress));
    multi.clear().ok();
    let snap = snap?;
    let md = &snap.metadata;
    let read: std::collections::BTreeSet<&str> = md
        .partitions
        .iter()
        .map(|p| p.account_id.as_str())
        .collect();
    let resources: usize = md.partitions.iter().map(|p| p.resources.len()).sum();
    eprintln!(
        "netpath: {} account{} read, {} region{}, {} partition{}, {} resources, {} gap{}, in {:.1} s",
        read.len(),
        plural(read.len()),
        md.regions.len(),
        plural(md.regions.len()),
        md.partitions.len(),
        plural(md.partitions.len()),
        resources,
        md.gaps.len(),
        plural(md.gaps.len()),
        started.elapsed().as_secs_f64()
    );
    Ok(snap)
}
