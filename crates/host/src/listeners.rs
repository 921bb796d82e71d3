//! `/proc/net/{tcp,tcp6,udp,udp6}` → [`Listener`]s, and socket owners.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netpath_model::host::{Listener, L4};

use crate::error::ParseError;

/// Reads one `/proc/net/{tcp,tcp6,udp,udp6}` table.
///
/// - Input: the table's text (header line first); `protocol` is
///   [`L4::Tcp`] for `tcp`/`tcp6` and [`L4::Udp`] for `udp`/`udp6`; `origin`
///   names the table in errors. Addresses are the kernel's hex, each 32-bit
///   word in little-endian order (x86_64 and arm64).
/// - Output: TCP sockets in state LISTEN (`0A`) and UDP sockets that are
///   bound (state `07`, local port not 0), in table order, with `process` and
///   `pid` `None` ([`crate::collect`] fills them). An IPv4-mapped IPv6 address
///   (`::ffff:a.b.c.d`) is given as the IPv4 address it accepts.
/// - Errors: a line that does not have the table's columns, or a bad hex
///   address, port or state, naming `origin` and `line N`; a `protocol` other
///   than TCP or UDP.
pub fn parse_proc_net(text: &str, protocol: L4, origin: &str) -> Result<Vec<Listener>, ParseError> {
    Ok(parse_with_inodes(text, protocol, origin)?
        .into_iter()
        .map(|(l, _)| l)
        .collect())
}

/// [`parse_proc_net`], with each socket's inode.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn parse_with_inodes(
    text: &str,
    protocol: L4,
    origin: &str,
) -> Result<Vec<(Listener, u64)>, ParseError> {
    let wanted_state = match protocol {
        L4::Tcp => 0x0A,
        L4::Udp => 0x07,
        other => {
            return Err(ParseError::new(
                origin,
                "line 1",
                format!(
                    "a /proc/net table holds tcp or udp sockets, not {}",
                    other.as_str()
                ),
            ))
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let err = |msg: String| ParseError::new(origin, format!("line {n}"), msg);
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() || fields[0] == "sl" {
            continue;
        }
        if fields.len() < 10 || !fields[0].ends_with(':') {
            return Err(err(format!(
                "expected `sl: local remote st … uid timeout inode`, found {:?}",
                line.trim()
            )));
        }
        let state = u8::from_str_radix(fields[3], 16)
            .map_err(|_| err(format!("bad socket state {:?}", fields[3])))?;
        let (address, port) = parse_address_port(fields[1]).map_err(err)?;
        let inode: u64 = fields[9]
            .parse()
            .map_err(|_| err(format!("bad inode {:?}", fields[9])))?;
        if state != wanted_state || (protocol == L4::Udp && port == 0) {
            continue;
        }
        out.push((
            Listener {
                protocol,
                address,
                port,
                process: None,
                pid: None,
            },
            inode,
        ));
    }
    Ok(out)
}

/// Reads `0100007F:0016` or a 32-digit IPv6 form.
fn parse_address_port(text: &str) -> Result<(IpAddr, u16), String> {
    let bad = || format!("bad address {text:?}");
    let (addr, port) = text.split_once(':').ok_or_else(bad)?;
    let port = u16::from_str_radix(port, 16).map_err(|_| bad())?;
    if !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let word = |i: usize| -> Result<[u8; 4], String> {
        let w = u32::from_str_radix(&addr[i * 8..i * 8 + 8], 16).map_err(|_| bad())?;
        Ok(w.to_le_bytes())
    };
    let address = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for i in 0..4 {
                bytes[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            let v6 = Ipv6Addr::from(bytes);
            match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            }
        }
        _ => return Err(bad()),
    };
    Ok((address, port))
}

/// Fills `process` and `pid` of each listener whose socket inode a process
/// holds open, reading `/proc/<pid>/fd` and `/proc/<pid>/stat`. Processes
/// that cannot be read (another user's, without root; gone) are skipped.
#[cfg(target_os = "linux")]
pub(crate) fn fill_owners(listeners: &mut [(Listener, u64)]) {
    use std::collections::HashMap;

    let mut wanted: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, (_, inode)) in listeners.iter().enumerate() {
        if *inode != 0 {
            wanted.entry(*inode).or_default().push(i);
        }
    }
    if wanted.is_empty() {
        return;
    }
    let Ok(all) = procfs::process::all_processes() else {
        return;
    };
    for proc in all.flatten() {
        let Ok(fds) = proc.fd() else { continue };
        let mut name: Option<Option<String>> = None;
        for fd in fds.flatten() {
            let procfs::process::FDTarget::Socket(inode) = fd.target else {
                continue;
            };
            let Some(indexes) = wanted.get(&inode) else {
                continue;
            };
            let comm = name
                .get_or_insert_with(|| proc.stat().ok().map(|s| s.comm))
                .clone();
            for &i in indexes {
                let l = &mut listeners[i].0;
                if l.pid.is_none() {
                    l.pid = u32::try_from(proc.pid).ok();
                    l.process = comm.clone();
                }
            }
        }
    }
}
