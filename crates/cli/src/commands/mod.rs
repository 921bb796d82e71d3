//! One module per subcommand, each with a `run` that returns the exit
//! status (0 reachable / nothing failed, 1 blocked / something failed,
//! 3 unknown; errors become 2 in `main`), and what several share: loading
//! the snapshot, the protocol flag, writing an output file.

pub mod check;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod flowlogs;
pub mod host_facts;
pub mod import;
pub mod merge;
pub mod plan;
pub mod reach;
pub mod snapshot;
pub mod synth;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use netpath_model::IpProtocol;

use crate::args::{Proto, SourceArgs};

/// The on-premises networks of `--onprem`, declared once by `main`.
static ONPREM: std::sync::OnceLock<Vec<netpath_model::OnPremNetwork>> = std::sync::OnceLock::new();

/// Parses the `--onprem` values (`NAME=CIDR` or `CIDR`) for [`load_path`].
///
/// Errors: the first value whose CIDR does not parse, named.
pub fn declare_onprem(values: &[String]) -> anyhow::Result<()> {
    let parsed = values
        .iter()
        .map(|v| netpath_model::OnPremNetwork::parse(v).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let _ = ONPREM.set(parsed);
    Ok(())
}

/// Adds the `--onprem` networks to `imported` (replacing those of an
/// `onprem.json` with the same name).
fn with_declared(mut imported: netpath_model::Imported) -> netpath_model::Imported {
    for n in ONPREM.get().into_iter().flatten() {
        imported.snapshot.declare_onprem(n.clone());
    }
    imported
}

/// Loads a snapshot file or folder ([`netpath_model::load`], which reads an
/// `onprem.json` beside it) with the `--onprem` networks added.
///
/// Errors: as [`netpath_model::load`].
pub fn load_path(path: &Path) -> anyhow::Result<netpath_model::Imported> {
    Ok(with_declared(netpath_model::load(path)?))
}

impl SourceArgs {
    /// Loads the snapshot: the `--snapshot` file or folder, else the live
    /// snapshot (cached; see [`snapshot::cached`]). Returns it and a name for
    /// messages and JSON documents: the path as given, or `the live snapshot`.
    pub fn load(&self) -> anyhow::Result<(netpath_model::Imported, String)> {
        let imported = match &self.snapshot {
            Some(path) => load_path(path)?,
            None => with_declared(snapshot::cached(self)?),
        };
        let name = self.snapshot.as_ref().map_or_else(
            || "the live snapshot".to_string(),
            |p| p.display().to_string(),
        );
        Ok((imported, name))
    }
}

/// Prints the input's warnings to stderr, where they do not mix with the
/// answer: the files netpath does not read folded into one line per folder
/// ("skipped 16 files netpath does not read: AvailabilityZones, …"), then
/// the others, at most 10 and a count of the rest.
pub fn warn_input(warnings: &[netpath_model::Warning]) {
    use std::collections::BTreeMap;
    let mut skipped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut others: Vec<String> = Vec::new();
    for w in warnings {
        match (&w.skipped_key, &w.file) {
            (Some(key), Some(file)) => {
                let dir = file
                    .parent()
                    .map_or_else(|| ".".into(), |d| d.display().to_string());
                // A describe-* file's name says what it is
                // (`ClassicLinkInstances` holds `Instances`); for a file of
                // another name, the key.
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
                    .unwrap_or_else(|| key.clone());
                skipped.entry(dir).or_default().push(stem);
            }
            _ => others.push(w.to_string()),
        }
    }
    let mut err = std::io::stderr().lock();
    for (dir, mut keys) in skipped {
        keys.sort_unstable();
        keys.dedup();
        let _ = writeln!(
            err,
            "netpath: warning: skipped {} file{} in {dir} that netpath does not read: {}",
            keys.len(),
            if keys.len() == 1 { "" } else { "s" },
            keys.join(", ")
        );
    }
    const SHOWN: usize = 10;
    for w in others.iter().take(SHOWN) {
        let _ = writeln!(err, "netpath: warning: {w}");
    }
    if others.len() > SHOWN {
        let _ = writeln!(
            err,
            "netpath: warning: … and {} more (`--output json` lists them all)",
            others.len() - SHOWN
        );
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

/// Writes `text` to `path` (`-`: standard output), a file atomically with
/// mode 0600 ([`crate::private_file::write_private`]), and says so on stderr.
fn write_output(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        print_stdout(text)?;
    } else {
        crate::private_file::write_private(path, text)?;
        eprintln!("netpath: wrote {}", path.display());
    }
    Ok(())
}

/// Prints `text` to standard output; a closed pipe (`| head`) ends quietly.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// The host facts named by `paths` (files, or folders of `*.json`), plus a
/// `host-facts/` folder beside a describe-* folder `snapshot`. Errors name
/// the file and field.
pub fn load_host_facts(
    paths: &[PathBuf],
    snapshot: Option<&Path>,
) -> anyhow::Result<Vec<netpath_model::host::HostFacts>> {
    // (file, given by the user): files given win over the folder beside
    // the snapshot, which is only a default.
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    let json_in = |d: &Path| -> anyhow::Result<Vec<PathBuf>> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(d)
            .with_context(|| format!("cannot read {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        Ok(found)
    };
    for p in paths {
        if p.is_dir() {
            files.extend(json_in(p)?.into_iter().map(|f| (f, true)));
        } else {
            files.push((p.clone(), true));
        }
    }
    if let Some(s) = snapshot {
        // Beside the describe-* folder or the snapshot file: its sibling.
        let beside = s.parent().unwrap_or(Path::new(".")).join("host-facts");
        if beside.is_dir() && !paths.contains(&beside) {
            files.extend(json_in(&beside)?.into_iter().map(|f| (f, false)));
        }
    }
    let mut facts: Vec<netpath_model::host::HostFacts> = Vec::new();
    for (f, given) in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
        let one = netpath_model::host::HostFacts::from_json(&f.display().to_string(), &text)
            .map_err(anyhow::Error::msg)?;
        let Some(id) = one.instance_id.clone() else {
            anyhow::bail!(
                "{}: instance_id is missing: collect again with `netpath host-facts --instance-id i-…`",
                f.display()
            );
        };
        if facts.iter().any(|x| x.instance_id.as_deref() == Some(&id)) {
            if !given {
                continue;
            }
            anyhow::bail!(
                "{}: a second set of host facts for {id}: give one per instance",
                f.display()
            );
        }
        facts.push(one);
    }
    Ok(facts)
}
