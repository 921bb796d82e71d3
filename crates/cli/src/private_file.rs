//! Files netpath writes that describe a network (snapshots, host facts):
//! written atomically, readable by their owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Writes `text` to `path` atomically (a temporary file in the same folder,
/// then a rename) with mode 0600: snapshots and host facts describe a network.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".netpath-")
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot set permissions on {}", tmp.path().display()))?;
    }
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", tmp.path().display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot rename the file into {}", path.display()))?;
    Ok(())
}
