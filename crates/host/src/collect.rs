//! Reading the live host.

use std::time::Duration;

use netpath_model::host::HostFacts;

/// What [`collect`] should do beyond reading the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectOptions {
    /// Use this instance id instead of asking IMDSv2.
    pub instance_id: Option<String>,
    /// Ask IMDSv2 for the instance id when `instance_id` is None (false in tests).
    pub imds: bool,
}

/// The timeout of each IMDS step.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

/// Collects the host facts of the calling thread's host (and network
/// namespace). Linux only; elsewhere the facts are empty with a warning.
///
/// Never fails: what cannot be read becomes a warning in
/// [`HostFacts::warnings`], `listeners.complete = false`, or
/// [`netpath_model::host::FirewallSource::Unreadable`] with `error`.
///
/// - Listeners: `/proc/thread-self/net/{tcp,tcp6,udp,udp6}` (else
///   `/proc/net/…`), owners from `/proc/<pid>/fd`; `listeners.source` lists
///   the tables read.
/// - Addresses: every interface address (`getifaddrs`) with its prefix length.
/// - Firewall: `nft -j list ruleset` when `nft` is on `PATH` (or in
///   `/usr/sbin`, `/sbin`); else `iptables-save` and `ip6tables-save`; neither
///   → [`netpath_model::host::FirewallSource::None`]. When nft lists no
///   chain but `iptables-save` exists (legacy iptables beside nft), the
///   iptables rules are read instead.
/// - Instance id: `opts.instance_id`, else IMDSv2 when `opts.imds` (endpoint
///   from `AWS_EC2_METADATA_SERVICE_ENDPOINT`, default
///   `http://169.254.169.254`; skipped when `AWS_EC2_METADATA_DISABLED=true`;
///   1 s timeout); else a warning.
/// - `hostname`, and `collected_at` as RFC 3339 UTC to the second.
pub fn collect(opts: &CollectOptions) -> HostFacts {
    let mut facts = HostFacts::empty(None);
    facts.collected_at = now_rfc3339();
    facts.instance_id = instance_id(opts, &mut facts.warnings);
    collect_os(&mut facts);
    facts
}

fn now_rfc3339() -> Option<String> {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).ok()?;
    now.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn instance_id(opts: &CollectOptions, warnings: &mut Vec<String>) -> Option<String> {
    if let Some(id) = &opts.instance_id {
        return Some(id.clone());
    }
    const HINT: &str = "instance id unknown: pass --instance-id";
    if !opts.imds {
        warnings.push(format!("{HINT} (IMDS not asked)"));
        return None;
    }
    let disabled = std::env::var("AWS_EC2_METADATA_DISABLED")
        .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if disabled {
        warnings.push(format!(
            "{HINT} (IMDS disabled by AWS_EC2_METADATA_DISABLED)"
        ));
        return None;
    }
    let endpoint = std::env::var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| crate::imds::DEFAULT_IMDS_ENDPOINT.to_string());
    match crate::imds::instance_id_from_imds(endpoint.trim(), IMDS_TIMEOUT) {
        Ok(id) => Some(id),
        Err(e) => {
            warnings.push(format!("{HINT} ({e})"));
            None
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn collect_os(facts: &mut HostFacts) {
    facts.warnings.push(
        "host facts are Linux-only: no listeners, addresses or firewall were read on this system"
            .into(),
    );
    facts.firewall.error = Some("host facts are Linux-only".into());
}

#[cfg(target_os = "linux")]
fn collect_os(facts: &mut HostFacts) {
    facts.hostname = linux::hostname();
    facts.listeners = linux::listeners(&mut facts.warnings);
    facts.addresses = linux::addresses(&mut facts.warnings);
    facts.firewall = linux::firewall(&mut facts.warnings);
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::IpAddr;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use netpath_model::host::{
        Family, FirewallChain, FirewallSource, HostAddress, HostFirewall, Listener, Listeners, L4,
    };

    use crate::listeners::{fill_owners, parse_with_inodes};

    pub(super) fn hostname() -> Option<String> {
        match nix::unistd::gethostname() {
            Ok(h) => Some(h.to_string_lossy().into_owned()),
            Err(_) => std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_string()),
        }
    }

    pub(super) fn listeners(warnings: &mut Vec<String>) -> Listeners {
        let base = if Path::new("/proc/thread-self/net").is_dir() {
            "/proc/thread-self/net"
        } else {
            "/proc/net"
        };
        let mut complete = true;
        let mut read = Vec::new();
        let mut found: Vec<(Listener, u64)> = Vec::new();
        for (table, protocol) in [
            ("tcp", L4::Tcp),
            ("tcp6", L4::Tcp),
            ("udp", L4::Udp),
            ("udp6", L4::Udp),
        ] {
            let path = format!("{base}/{table}");
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                // No IPv6 in this kernel: nothing can listen on it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && table.ends_with('6') => {
                    read.push(format!("{path} (absent: no IPv6)"));
                    continue;
                }
                Err(e) => {
                    complete = false;
                    warnings.push(format!("listeners: cannot read {path}: {e}"));
                    continue;
                }
            };
            match parse_with_inodes(&text, protocol, &path) {
                Ok(l) => {
                    found.extend(l);
                    read.push(path);
                }
                Err(e) => {
                    complete = false;
                    warnings.push(format!("listeners: {e}"));
                }
            }
        }
        fill_owners(&mut found);
        let mut sockets: Vec<Listener> = Vec::new();
        for (l, _) in found {
            if !sockets.contains(&l) {
                sockets.push(l);
            }
        }
        Listeners {
            complete,
            source: read.join(", "),
            sockets,
        }
    }

    pub(super) fn addresses(warnings: &mut Vec<String>) -> Vec<HostAddress> {
        let ifaddrs = match nix::ifaddrs::getifaddrs() {
            Ok(i) => i,
            Err(e) => {
                warnings.push(format!("addresses: getifaddrs failed: {e}"));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for ifa in ifaddrs {
            let Some(addr) = ifa.address.as_ref() else {
                continue;
            };
            let (address, prefix_len) = if let Some(sin) = addr.as_sockaddr_in() {
                let mask = ifa
                    .netmask
                    .as_ref()
                    .and_then(|m| m.as_sockaddr_in())
                    .map(|m| m.ip());
                (
                    IpAddr::V4(sin.ip()),
                    mask.map_or(32, |m| u32::from(m).leading_ones() as u8),
                )
            } else if let Some(sin6) = addr.as_sockaddr_in6() {
                let mask = ifa
                    .netmask
                    .as_ref()
                    .and_then(|m| m.as_sockaddr_in6())
                    .map(|m| m.ip());
                (
                    IpAddr::V6(sin6.ip()),
                    mask.map_or(128, |m| u128::from(m).leading_ones() as u8),
                )
            } else {
                continue;
            };
            let a = HostAddress {
                interface: ifa.interface_name.clone(),
                address,
                prefix_len,
            };
            if !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Finds a program on `PATH`, then in `/usr/sbin` and `/sbin`.
    fn which(program: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .map(|d| d.join(program))
            .find(|p| {
                use std::os::unix::fs::PermissionsExt;
                p.metadata()
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
    }

    /// Runs a tool; its stdout, or a message with its stderr.
    fn run(program: &Path, args: &[&str]) -> Result<String, String> {
        let shown = format!("{} {}", program.display(), args.join(" "));
        let out = Command::new(program)
            .args(args)
            .output()
            .map_err(|e| format!("{shown}: {e}"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!("{shown}: {}: {}", out.status, stderr.trim()));
        }
        String::from_utf8(out.stdout).map_err(|_| format!("{shown}: output is not UTF-8"))
    }

    fn unreadable(error: String) -> HostFirewall {
        HostFirewall {
            source: FirewallSource::Unreadable,
            error: Some(error),
            chains: Vec::new(),
        }
    }

    pub(super) fn firewall(warnings: &mut Vec<String>) -> HostFirewall {
        let iptables = which("iptables-save");
        if let Some(nft) = which("nft") {
            let chains = run(&nft, &["-j", "list", "ruleset"]).and_then(|t| {
                crate::parse_nft_json(&t, "nft -j list ruleset").map_err(|e| e.to_string())
            });
            match chains {
                Ok(chains) if chains.is_empty() && iptables.is_some() => {
                    // Possibly legacy iptables, which nft does not show.
                }
                Ok(mut chains) => {
                    let xt = chains
                        .iter()
                        .flat_map(|c| &c.rules)
                        .flat_map(|r| &r.matches)
                        .any(|m| matches!(m, netpath_model::host::Match::Unsupported { text } if text.contains("\"xt\"")));
                    if xt {
                        // Tables written by iptables-nft (ufw, firewalld's
                        // iptables backend, Docker) hold xt extensions that
                        // `nft -j` prints without their options; iptables-save
                        // prints them whole, so those tables are read there.
                        match iptables.as_deref().map(iptables_tables) {
                            Some(Ok(from_iptables)) => {
                                chains.retain(|c| {
                                    !from_iptables
                                        .iter()
                                        .any(|i| i.family == c.family && i.table == c.table)
                                });
                                chains.extend(from_iptables);
                                warnings.push(
                                    "firewall: tables written by iptables-nft were read with iptables-save, which shows their xt extensions whole".into(),
                                );
                            }
                            _ => warnings.push(
                                "firewall: some iptables-nft rules hold xt extensions that nft cannot show; they are kept as unsupported"
                                    .into(),
                            ),
                        }
                    }
                    return HostFirewall {
                        source: FirewallSource::Nftables,
                        error: None,
                        chains,
                    };
                }
                Err(e) => return unreadable(e),
            }
        }
        let Some(iptables) = iptables else {
            return HostFirewall {
                source: FirewallSource::None,
                error: None,
                chains: Vec::new(),
            };
        };
        let mut chains: Vec<FirewallChain> = Vec::new();
        match read_iptables(&iptables, Family::Ip, "iptables-save") {
            Ok(c) => chains.extend(c),
            Err(e) => return unreadable(e),
        }
        match which("ip6tables-save") {
            Some(ip6) => match read_iptables(&ip6, Family::Ip6, "ip6tables-save") {
                Ok(c) => chains.extend(c),
                Err(e) => return unreadable(e),
            },
            None => warnings.push("firewall: ip6tables-save not found; IPv6 rules not read".into()),
        }
        HostFirewall {
            source: FirewallSource::Iptables,
            error: None,
            chains,
        }
    }

    /// The filter chains of `iptables-save` and, when installed,
    /// `ip6tables-save`.
    fn iptables_tables(iptables: &Path) -> Result<Vec<FirewallChain>, String> {
        let mut chains = read_iptables(iptables, Family::Ip, "iptables-save")?;
        if let Some(ip6) = which("ip6tables-save") {
            chains.extend(read_iptables(&ip6, Family::Ip6, "ip6tables-save")?);
        }
        Ok(chains)
    }

    fn read_iptables(
        program: &Path,
        family: Family,
        origin: &str,
    ) -> Result<Vec<FirewallChain>, String> {
        let text = run(program, &[])?;
        crate::parse_iptables_save(&text, family, origin).map_err(|e| e.to_string())
    }
}
