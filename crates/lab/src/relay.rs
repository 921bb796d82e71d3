//! The lab's Application Load Balancer node: a small TCP relay, in the
//! node's namespace, that accepts on a listener's port and opens a new
//! connection of its own to a target, as an ALB terminates the client's
//! connection and opens another to the target
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/introduction.html>).
//!
//! The relay speaks just enough HTTP for a probe to tell who answered:
//! once its connection to the target completes it writes
//! `HTTP/1.1 200 OK`; when it cannot, it answers the client itself, as an
//! ALB does
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-502-issues>):
//! `502 Bad Gateway` when the target resets the connection, `504 Gateway
//! Timeout` when it does not answer, `503 Service Unavailable` when the
//! node has no target to send to. Targets are taken in turn.
//!
//! A listener with rules has several ways, tried in order: the first whose
//! source CIDR sets all hold the client's address takes the connection
//! (the rest of each rule was read when the lab was built,
//! `build/listener_rule.rs`).

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use ipnet::IpNet;

use crate::probe::Outcome;

/// How long the relay waits for a target's handshake before answering 504.
/// An ALB waits longer (its idle timeout); the lab's probes wait
/// [`crate::check`]'s read time, which is longer than this.
pub const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_millis(1500);

/// One way through the relay: the source CIDR sets that must all hold the
/// client, the targets, and whose turn is next.
type Way = (Vec<Vec<IpNet>>, Vec<SocketAddr>, AtomicUsize);

/// A running relay; it stops, and its listening socket closes, on drop.
pub struct Relay {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Relay {
    /// Starts a relay in namespace `ns` listening on `listen` that connects,
    /// from address `source`, to the targets of the first of `ways` whose
    /// source CIDR sets (each must hold the client's address; none: any
    /// client) take the client, in turn.
    ///
    /// Errors: the namespace cannot be entered, or the bind fails.
    pub fn start(
        ns: &str,
        listen: SocketAddr,
        source: IpAddr,
        ways: Vec<(Vec<Vec<IpNet>>, Vec<SocketAddr>)>,
    ) -> Result<Relay> {
        let ns = ns.to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let listener = match crate::probe::enter(&ns).and_then(|()| {
                let l = TcpListener::bind(listen)
                    .with_context(|| format!("relay: listen on {listen}"))?;
                l.set_nonblocking(true)?;
                Ok(l)
            }) {
                Ok(l) => {
                    let _ = ready_tx.send(Ok(()));
                    l
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            // One turn counter per way.
            let ways: Arc<Vec<Way>> = Arc::new(
                ways.into_iter()
                    .map(|(s, t)| (s, t, AtomicUsize::new(0)))
                    .collect(),
            );
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, peer)) => {
                        let ways = ways.clone();
                        // Threads inherit the namespace of the thread that
                        // spawns them: the target connection leaves the node.
                        std::thread::spawn(move || {
                            let way = ways.iter().find(|(sources, _, _)| {
                                sources
                                    .iter()
                                    .all(|nets| nets.iter().any(|n| n.contains(&peer.ip())))
                            });
                            let target = way.and_then(|(_, targets, next)| {
                                (!targets.is_empty()).then(|| {
                                    targets[next.fetch_add(1, Ordering::Relaxed) % targets.len()]
                                })
                            });
                            serve(client, source, target);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        ready_rx
            .recv()
            .map_err(|_| anyhow!("relay thread ended before listening"))??;
        Ok(Relay {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Answers one client: connects to `target` from `source`, then tells the
/// client what happened as an HTTP status line, and closes both.
fn serve(mut client: TcpStream, source: IpAddr, target: Option<SocketAddr>) {
    let _ = client.set_nonblocking(false);
    let status = match target {
        None => "503 Service Unavailable",
        Some(to) => match crate::probe::open(source, 0, to.ip(), to.port(), TARGET_CONNECT_TIMEOUT)
        {
            Ok((Outcome::Connects, _)) => "200 OK",
            Ok((Outcome::Refused, _)) => "502 Bad Gateway",
            _ => "504 Gateway Timeout",
        },
    };
    let _ = write!(client, "HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
    let _ = client.flush();
}
