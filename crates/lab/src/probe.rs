//! Real TCP inside a namespace: a thread enters the namespace with
//! `setns(2)`, then opens its socket there (a socket stays in the namespace
//! it was created in). Listeners are kept open for the lab's lifetime; the
//! kernel completes handshakes into the backlog, so nothing needs to accept.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener};
use std::os::fd::AsRawFd;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use socket2::{Domain, Protocol, Socket, Type};

/// What a connection attempt saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handshake completed.
    Connects,
    /// No answer within the timeout (a silent drop).
    Timeout,
    /// A TCP reset: the packet reached a host with nothing listening.
    Refused,
    /// Anything else (an ICMP error, a local error), with the error text.
    Other(String),
}

/// Runs `f` on a thread that has entered namespace `ns`.
pub fn in_ns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || -> Result<T> {
        let file = File::open(&path).with_context(|| format!("open {path}"))?;
        // SAFETY: setns on this thread only; the fd is valid for the call.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        if rc != 0 {
            bail!("setns {path}: {}", std::io::Error::last_os_error());
        }
        f()
    })
    .join()
    .map_err(|_| anyhow!("probe thread panicked"))?
}

/// A TCP listener on `ip:port` in namespace `ns`.
pub fn listen(ns: &str, ip: Ipv4Addr, port: u16) -> Result<TcpListener> {
    in_ns(ns, move || {
        TcpListener::bind(SocketAddrV4::new(ip, port))
            .with_context(|| format!("listen on {ip}:{port}"))
    })
}

/// Connects from `src` (source port `sport`, 0 for an ephemeral one) to
/// `dst:port` in namespace `ns`, waiting at most `timeout`.
pub fn connect(
    ns: &str,
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    port: u16,
    timeout: Duration,
) -> Result<Outcome> {
    in_ns(ns, move || {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        s.set_reuse_address(true)?;
        s.bind(&SocketAddr::V4(SocketAddrV4::new(src, sport)).into())
            .with_context(|| format!("bind {src}:{sport}"))?;
        let to = SocketAddr::V4(SocketAddrV4::new(dst, port));
        Ok(match s.connect_timeout(&to.into(), timeout) {
            Ok(()) => Outcome::Connects,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Outcome::Refused,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                Outcome::Timeout
            }
            Err(e) => Outcome::Other(e.to_string()),
        })
    })
}
