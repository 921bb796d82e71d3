//! One module per subcommand, each with a `run` that returns the exit
//! status (0 reachable / nothing failed, 1 blocked / something failed,
//! 3 unknown; errors become 2 in `main`), and what several share: loading
//! the snapshot, the protocol flag, writing an output file.

pub mod check;
pub mod diff;
pub mod explain;
pub mod import;
pub mod reach;
pub mod snapshot;
pub mod synth;

use std::path::Path;

use anyhow::Context;
use netpath_model::IpProtocol;

use crate::args::{Proto, SourceArgs};

impl SourceArgs {
    /// Loads the snapshot: the `--snapshot` file or folder, else the live
    /// snapshot (cached; see [`snapshot::cached`]). Returns it and a name for
    /// messages and JSON documents: the path as given, or `the live snapshot`.
    pub fn load(&self) -> anyhow::Result<(netpath_model::Imported, String)> {
        let imported = match &self.snapshot {
            Some(path) => netpath_model::load(path)?,
            None => snapshot::cached(self)?,
        };
        let name = self.snapshot.as_ref().map_or_else(
            || "the live snapshot".to_string(),
            |p| p.display().to_string(),
        );
        Ok((imported, name))
    }
}

/// The model's protocol for `--protocol`.
fn proto(p: Proto) -> IpProtocol {
    match p {
        Proto::Tcp => IpProtocol::Tcp,
        Proto::Udp => IpProtocol::Udp,
        Proto::Icmp => IpProtocol::Icmp,
        Proto::Icmpv6 => IpProtocol::Icmpv6,
    }
}

/// Writes `text` to `path` (`-`: standard output) and says so on stderr.
fn write_output(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("netpath: wrote {}", path.display());
    }
    Ok(())
}
