//! Live collection: `netpath snapshot --out FILE`, and the snapshot of
//! `explain` / `reach` / `exposure` without `--snapshot` (collected, then
//! cached). Both need the `live` cargo feature (the AWS SDK); a netpath built
//! without it answers from saved snapshots only, and these fail with
//! [`NO_LIVE`] (exit status 2).

use crate::args::{SnapshotArgs, SourceArgs};
#[cfg(feature = "live")]
use crate::live;

/// The error of live collection in a netpath built without the `live` feature.
#[cfg(not(feature = "live"))]
const NO_LIVE: &str = "this netpath was built without live collection (the `live` feature); pass --snapshot FILE|DIR, or build with default features";

/// `netpath snapshot`. Exit status: 0 complete, 1 written but partial
/// (0 with `--allow-partial`).
#[cfg(feature = "live")]
pub fn run(args: SnapshotArgs) -> anyhow::Result<u8> {
    let snap = if args.org.is_multi_account() {
        crate::live_org::collect_org_live(&args.live, &args.org)?
    } else {
        live::collect_live(&args.live)?
    };
    let json = snap.to_json();
    let out = args.out.path();
    if out.as_os_str() == "-" {
        super::print_stdout(&json)?;
        live::report(&snap, "collected");
    } else {
        crate::private_file::write_private(out, &json)?;
        live::report(&snap, &format!("wrote {}", out.display()));
    }
    let gaps = snap.metadata.gaps.len();
    if gaps > 0 && !args.allow_partial {
        eprintln!(
            "netpath: the snapshot is partial ({gaps} failed call{}); paths that need the missing data will be `unknown`. Pass --allow-partial to exit 0 anyway",
            if gaps == 1 { "" } else { "s" }
        );
        return Ok(1);
    }
    Ok(0)
}

/// `netpath snapshot` without the `live` feature: always [`NO_LIVE`].
#[cfg(not(feature = "live"))]
pub fn run(_: SnapshotArgs) -> anyhow::Result<u8> {
    anyhow::bail!(NO_LIVE)
}

/// The live snapshot for `source` (no `--snapshot`): the cached one when
/// younger than `--max-age` (and no `--refresh`), else a fresh collection,
/// which is then cached.
#[cfg(feature = "live")]
pub fn cached(source: &SourceArgs) -> anyhow::Result<netpath_model::Imported> {
    let max_age = std::time::Duration::from_secs(source.max_age);
    let (imported, _) = live::cached_or_collect(&source.live, max_age, source.refresh)?;
    Ok(imported)
}

/// Without the `live` feature: always [`NO_LIVE`].
#[cfg(not(feature = "live"))]
pub fn cached(_: &SourceArgs) -> anyhow::Result<netpath_model::Imported> {
    anyhow::bail!(NO_LIVE)
}
