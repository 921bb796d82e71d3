//! Network namespaces and the commands that configure them (`ip`, `nft`,
//! `sysctl`), with cleanup that runs on drop, on panic (unwinding drops the
//! guard) and on Ctrl-C (a handler deletes every namespace still
//! registered, then exits).
//!
//! Every namespace is named `np<pid><lab><role>` so that parallel runs never
//! collide and a leftover is recognisable. Nothing here touches the host's
//! own interfaces: links are created directly inside the namespaces.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Mutex, Once};

use anyhow::{bail, Context, Result};

/// Every namespace created and not yet deleted, for the Ctrl-C handler.
static LIVE: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
static HANDLER: Once = Once::new();

fn install_handler() {
    HANDLER.call_once(|| {
        // If another handler is installed already, the guards still clean up
        // on drop; only Ctrl-C cleanup would be lost.
        let _ = ctrlc::set_handler(|| {
            delete_all();
            eprintln!("netpath-lab: interrupted; namespaces removed");
            std::process::exit(130);
        });
    });
}

/// Deletes every namespace this process created and still holds.
pub fn delete_all() {
    let names: Vec<String> = LIVE
        .lock()
        .map(|mut l| std::mem::take(&mut *l).into_iter().collect())
        .unwrap_or_default();
    for n in names {
        let _ = Command::new("ip")
            .args(["netns", "del", &n])
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs `program args`, feeding `stdin` if given. Errors name the command
/// and carry its standard error.
pub fn run(program: &str, args: &[&str], stdin: Option<&str>) -> Result<()> {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run `{program}`; install iproute2 and nftables"))?;
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .context("stdin")?
            .write_all(text.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim(),
            stdin.map_or(String::new(), |s| format!("\ninput:\n{s}"))
        );
    }
    Ok(())
}

/// Runs `program args` and returns its standard output.
///
/// Errors: the program cannot be started, or exits non-zero (with its
/// standard error).
pub fn output(program: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run `{program}`; install iproute2 and nftables"))?;
    if !out.status.success() {
        bail!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A set of namespaces, deleted when dropped.
#[derive(Default)]
pub struct Namespaces {
    names: Vec<String>,
}

impl Namespaces {
    /// Creates namespace `name` with its loopback up and registers it for cleanup.
    pub fn add(&mut self, name: &str) -> Result<()> {
        install_handler();
        run("ip", &["netns", "add", name], None)?;
        if let Ok(mut l) = LIVE.lock() {
            l.insert(name.to_string());
        }
        self.names.push(name.to_string());
        run("ip", &["-n", name, "link", "set", "lo", "up"], None)
    }

    /// Creates namespace `leaf`, joined to namespace `router` by a veth
    /// (`dev` on the router, `eth0` in the leaf) on a /30: `router_ip` on
    /// the router's side, `leaf_ip` on the leaf's, whose default route goes
    /// back over it. Both ends up.
    ///
    /// Errors: a failing `ip` command.
    pub fn leaf(
        &mut self,
        router: &str,
        dev: &str,
        leaf: &str,
        (router_ip, leaf_ip): (std::net::Ipv4Addr, std::net::Ipv4Addr),
    ) -> Result<()> {
        self.add(leaf)?;
        run(
            "ip",
            &[
                "link", "add", "name", dev, "netns", router, "type", "veth", "peer", "name",
                "eth0", "netns", leaf,
            ],
            None,
        )?;
        self.ip_batch(
            router,
            &[
                format!("addr add {router_ip}/30 dev {dev}"),
                format!("link set {dev} up"),
            ],
        )?;
        self.ip_batch(
            leaf,
            &[
                format!("addr add {leaf_ip}/30 dev eth0"),
                "link set eth0 up".to_string(),
                format!("route add default via {router_ip}"),
            ],
        )
    }

    /// Runs `ip -n NS -batch -` with `lines`.
    pub fn ip_batch(&self, ns: &str, lines: &[String]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        run(
            "ip",
            &["-n", ns, "-batch", "-"],
            Some(&(lines.join("\n") + "\n")),
        )
    }

    /// Runs `ip -6 -batch` in `ns`: the same as [`Namespaces::ip_batch`] for
    /// IPv6 rules and routes (`rule add` and `default` mean IPv4 otherwise).
    pub fn ip_batch6(&self, ns: &str, lines: &[String]) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        run(
            "ip",
            &["-6", "-n", ns, "-batch", "-"],
            Some(&(lines.join("\n") + "\n")),
        )
    }

    /// Loads an nftables script into `ns`.
    pub fn nft(&self, ns: &str, script: &str) -> Result<()> {
        run("ip", &["netns", "exec", ns, "nft", "-f", "-"], Some(script))
    }

    /// Sets sysctls (`key=value`) in `ns`.
    pub fn sysctl(&self, ns: &str, settings: &[&str]) -> Result<()> {
        let mut args = vec!["netns", "exec", ns, "sysctl", "-q", "-w"];
        args.extend_from_slice(settings);
        run("ip", &args, None)
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for n in self.names.drain(..) {
            let _ = Command::new("ip")
                .args(["netns", "del", &n])
                .stderr(Stdio::null())
                .status();
            if let Ok(mut l) = LIVE.lock() {
                l.remove(&n);
            }
        }
    }
}

/// Why the lab cannot run here, or `None` when it can: it needs root (or
/// CAP_NET_ADMIN and CAP_SYS_ADMIN), `ip` and `nft`.
pub fn unavailable() -> Option<String> {
    for (tool, args) in [("ip", ["-V"]), ("nft", ["-v"])] {
        if Command::new(tool)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Some(format!(
                "`{tool}` is not installed (apt-get install iproute2 nftables)"
            ));
        }
    }
    static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let probe = format!(
        "npprobe{}x{}",
        std::process::id(),
        PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    match Command::new("ip")
        .args(["netns", "add", &probe])
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {
            let _ = Command::new("ip").args(["netns", "del", &probe]).status();
            None
        }
        _ => Some(
            "cannot create network namespaces (needs root or CAP_NET_ADMIN + CAP_SYS_ADMIN)".into(),
        ),
    }
}
