//! Real TCP (and ICMP echo) inside a namespace: a thread enters the namespace with
//! `setns(2)`, then opens its socket there (a socket stays in the namespace
//! it was created in). Listeners are kept open for the lab's lifetime; the
//! kernel completes handshakes into the backlog, so nothing needs to accept.

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6, TcpListener};
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
    /// A TCP reset (or ICMP port unreachable): the packet reached a host
    /// that answered no.
    Refused,
    /// "No route to host": an ICMP host-unreachable or prohibited error.
    Unreachable,
    /// Anything else (an ICMP error, a local error), with the error text.
    Other(String),
    /// The handshake completed and an HTTP status line came back (from an
    /// Application Load Balancer node, `crate::relay`), with its code.
    Http(u16),
}

impl Outcome {
    /// True when `got` is what `self`, an expectation, implies: the same
    /// outcome, or for an HTTP error any code of its class (the engine says
    /// "502, 503 or 504", not which).
    pub fn admits(&self, got: &Outcome) -> bool {
        match (self, got) {
            (Outcome::Http(e), Outcome::Http(g)) if *e >= 500 => *g >= 500 && *g < 600,
            _ => self == got,
        }
    }
}

/// Moves the calling thread into namespace `ns` (threads it spawns then
/// start there too).
///
/// Errors: the namespace cannot be opened or entered.
pub(crate) fn enter(ns: &str) -> Result<()> {
    let path = format!("/run/netns/{ns}");
    let file = File::open(&path).with_context(|| format!("open {path}"))?;
    // SAFETY: setns on this thread only; the fd is valid for the call.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        bail!("setns {path}: {}", std::io::Error::last_os_error());
    }
    Ok(())
}

/// Runs `f` on a thread that has entered namespace `ns`.
pub fn in_ns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let ns = ns.to_string();
    std::thread::spawn(move || -> Result<T> {
        enter(&ns)?;
        f()
    })
    .join()
    .map_err(|_| anyhow!("probe thread panicked"))?
}

/// A TCP listener on `ip:port` (IPv4 or IPv6) in namespace `ns`.
pub fn listen(ns: &str, ip: IpAddr, port: u16) -> Result<TcpListener> {
    in_ns(ns, move || {
        TcpListener::bind(SocketAddr::new(ip, port))
            .with_context(|| format!("listen on {ip} port {port}"))
    })
}

/// Connects from `src` (source port `sport`, 0 for an ephemeral one) to
/// `dst:port` in namespace `ns`, waiting at most `timeout`.
pub fn connect(
    ns: &str,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    port: u16,
    timeout: Duration,
) -> Result<Outcome> {
    in_ns(ns, move || Ok(open(src, sport, dst, port, timeout)?.0))
}

/// As [`connect`], then reads the HTTP status line the far end sends
/// (an Application Load Balancer node of the lab), waiting at most
/// `read_wait` for it. Output: [`Outcome::Http`] with the code, the
/// handshake's failure as [`connect`] gives it, or [`Outcome::Timeout`]
/// when the connection completes but no answer comes in time.
pub fn connect_http(
    ns: &str,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    port: u16,
    timeout: Duration,
    read_wait: Duration,
) -> Result<Outcome> {
    in_ns(ns, move || {
        let (outcome, socket) = open(src, sport, dst, port, timeout)?;
        let Some(socket) = socket else {
            return Ok(outcome);
        };
        let stream: std::net::TcpStream = socket.into();
        stream.set_read_timeout(Some(read_wait))?;
        let mut line = String::new();
        match std::io::BufRead::read_line(&mut std::io::BufReader::new(stream), &mut line) {
            Ok(_) => {}
            Err(e) if timed_out(&e) => return Ok(Outcome::Timeout),
            Err(e) => return Ok(Outcome::Other(format!("connected, then {e}"))),
        }
        // `HTTP/1.1 200 OK`
        Ok(line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .map_or_else(
                || Outcome::Other(format!("connected, then no HTTP status: {line:?}")),
                Outcome::Http,
            ))
    })
}

/// True for the error of a socket wait that ran out (no answer in time).
fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// One handshake in the current namespace: its outcome, and the socket
/// when it connected.
pub(crate) fn open(
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    port: u16,
    timeout: Duration,
) -> Result<(Outcome, Option<Socket>)> {
    let to = SocketAddr::new(dst, port);
    let s = Socket::new(Domain::for_address(to), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    // Closed with a reset, so no TIME_WAIT is left behind: two flows that
    // name the same destination differently probe from the same fixed
    // ports, and a lingering TIME_WAIT would refuse the second's bind.
    s.set_linger(Some(Duration::ZERO))?;
    s.bind(&SocketAddr::new(src, sport).into())
        .with_context(|| format!("bind {src} port {sport}"))?;
    Ok(match s.connect_timeout(&to.into(), timeout) {
        Ok(()) => (Outcome::Connects, Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => (Outcome::Refused, None),
        Err(e) if e.kind() == std::io::ErrorKind::HostUnreachable => (Outcome::Unreachable, None),
        Err(e) if timed_out(&e) => (Outcome::Timeout, None),
        Err(e) => (Outcome::Other(e.to_string()), None),
    })
}

/// The RFC 1071 Internet checksum of `data`.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Sends one ICMP echo request (type 8 code 0, RFC 792; for IPv6 addresses
/// an ICMPv6 echo request, type 128, RFC 4443) from `src` to `dst`
/// in namespace `ns` over a raw socket, and waits at most `timeout` for the
/// echo reply with the same identifier. Output: [`Outcome::Connects`] for a
/// reply, [`Outcome::Timeout`] for silence, [`Outcome::Other`] for an ICMP
/// error or a local error.
pub fn ping(ns: &str, src: IpAddr, dst: IpAddr, timeout: Duration) -> Result<Outcome> {
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => ping4(ns, s, d, timeout),
        (IpAddr::V6(s), IpAddr::V6(d)) => ping6(ns, s, d, timeout),
        _ => bail!("ping from {src} to {dst}: the two addresses are of different families"),
    }
}

/// Waits at most until `deadline` for a datagram on raw socket `s`; `None`
/// on timeout, `Err` with the error text for another error.
fn recv_until(
    s: &Socket,
    deadline: std::time::Instant,
) -> Result<Option<(Vec<u8>, socket2::SockAddr)>, String> {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1500];
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    if left.is_zero() {
        return Ok(None);
    }
    s.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
    match s.recv_from(&mut buf) {
        Ok((n, from)) => {
            // SAFETY: recv_from initialised the first `n` bytes.
            let pkt = buf[..n]
                .iter()
                .map(|b| unsafe { b.assume_init() })
                .collect();
            Ok(Some((pkt, from)))
        }
        Err(e) if timed_out(&e) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Sends one ICMPv6 echo request (type 128 code 0, RFC 4443 section 4.1)
/// from `src` to `dst` in namespace `ns` over a raw ICMPv6 socket (the
/// kernel fills in the checksum, RFC 3542 section 3.1, and strips the IPv6
/// header from what it delivers), and waits at most `timeout` for the echo
/// reply (129) with the same identifier. Outcomes as [`ping`].
fn ping6(ns: &str, src: Ipv6Addr, dst: Ipv6Addr, timeout: Duration) -> Result<Outcome> {
    in_ns(ns, move || {
        let s = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))?;
        s.bind(&SocketAddr::V6(SocketAddrV6::new(src, 0, 0, 0)).into())
            .with_context(|| format!("bind {src} for ICMPv6"))?;
        let id = (std::process::id() as u16) ^ (u128::from(dst) as u16);
        let mut msg = vec![128u8, 0, 0, 0];
        msg.extend_from_slice(&id.to_be_bytes());
        msg.extend_from_slice(&1u16.to_be_bytes());
        msg.extend_from_slice(b"netpath-lab");
        let to = SocketAddr::V6(SocketAddrV6::new(dst, 0, 0, 0));
        match s.send_to(&msg, &to.into()) {
            Ok(_) => {}
            // An egress drop in the ENI's own namespace (see `ping`).
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => return Ok(Outcome::Timeout),
            Err(e) => return Ok(Outcome::Other(e.to_string())),
        }
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (icmp, from) = match recv_until(&s, deadline) {
                Ok(Some(x)) => x,
                Ok(None) => return Ok(Outcome::Timeout),
                Err(e) => return Ok(Outcome::Other(e)),
            };
            if icmp.len() < 8 {
                continue;
            }
            let from_ip = from.as_socket_ipv6().map(|a| *a.ip());
            match icmp[0] {
                129 if u16::from_be_bytes([icmp[4], icmp[5]]) == id && from_ip == Some(dst) => {
                    return Ok(Outcome::Connects)
                }
                1 | 3 => {
                    return Ok(Outcome::Other(format!(
                        "ICMPv6 error type {} code {}",
                        icmp[0], icmp[1]
                    )))
                }
                // Our own request, neighbour discovery, other traffic.
                _ => continue,
            }
        }
    })
}

fn ping4(ns: &str, src: Ipv4Addr, dst: Ipv4Addr, timeout: Duration) -> Result<Outcome> {
    in_ns(ns, move || {
        let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?;
        s.bind(&SocketAddr::V4(SocketAddrV4::new(src, 0)).into())
            .with_context(|| format!("bind {src} for ICMP"))?;
        let id = (std::process::id() as u16) ^ (u32::from(dst) as u16);
        let mut msg = vec![8u8, 0, 0, 0];
        msg.extend_from_slice(&id.to_be_bytes());
        msg.extend_from_slice(&1u16.to_be_bytes());
        msg.extend_from_slice(b"netpath-lab");
        let c = checksum(&msg);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        let to = SocketAddr::V4(SocketAddrV4::new(dst, 0));
        match s.send_to(&msg, &to.into()) {
            Ok(_) => {}
            // The lab's security groups are netfilter in the ENI's own
            // namespace, so an egress drop reaches the sender as EPERM; in
            // AWS the group sits outside the host and drops silently.
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => return Ok(Outcome::Timeout),
            Err(e) => return Ok(Outcome::Other(e.to_string())),
        }
        let deadline = std::time::Instant::now() + timeout;
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1500];
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(Outcome::Timeout);
            }
            s.set_read_timeout(Some(left))?;
            let (n, from) = match s.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e) if timed_out(&e) => return Ok(Outcome::Timeout),
                Err(e) => return Ok(Outcome::Other(e.to_string())),
            };
            // SAFETY: recv_from initialised the first `n` bytes.
            let pkt: Vec<u8> = buf[..n]
                .iter()
                .map(|b| unsafe { b.assume_init() })
                .collect();
            let ihl = usize::from(pkt.first().copied().unwrap_or(0) & 0x0f) * 4;
            let Some(icmp) = pkt.get(ihl..) else { continue };
            if icmp.len() < 8 {
                continue;
            }
            let from_ip = from.as_socket_ipv4().map(|a| *a.ip());
            match icmp[0] {
                0 if u16::from_be_bytes([icmp[4], icmp[5]]) == id && from_ip == Some(dst) => {
                    return Ok(Outcome::Connects)
                }
                3 | 11 => {
                    return Ok(Outcome::Other(format!(
                        "ICMP error type {} code {}",
                        icmp[0], icmp[1]
                    )))
                }
                // Our own request seen on a raw socket, or other traffic.
                _ => continue,
            }
        }
    })
}
