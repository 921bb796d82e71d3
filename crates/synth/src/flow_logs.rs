//! Synthetic VPC Flow Logs traffic for a snapshot: connections between its
//! ENIs, each seen as the four records AWS would write for it (the request
//! leaving the client and reaching the server, the reply leaving the server
//! and reaching the client), in the version 2 default format.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html>

use std::net::Ipv4Addr;

use netpath_model::{IpProtocol, NetworkInterface, Snapshot};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One TCP connection between two ENIs of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConnection {
    /// The client's ENI.
    pub client_eni: String,
    /// The client's private address.
    pub client: Ipv4Addr,
    /// The client's ephemeral port (32768-60999, Linux's range).
    pub client_port: u16,
    /// The server's ENI.
    pub server_eni: String,
    /// The server's private address.
    pub server: Ipv4Addr,
    /// The service port: one the server's groups open when they open one,
    /// else 443.
    pub port: u16,
    /// `start` of the records, epoch seconds.
    pub start: u64,
}

/// Where on a connection's path a record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordPoint {
    /// The request, leaving the client's ENI.
    RequestOut,
    /// The request, reaching the server's ENI.
    RequestIn,
    /// The reply, leaving the server's ENI.
    ReplyOut,
    /// The reply, reaching the client's ENI.
    ReplyIn,
}

impl RecordPoint {
    /// The four points, in the order a packet meets them.
    pub const ALL: [RecordPoint; 4] = [
        RecordPoint::RequestOut,
        RecordPoint::RequestIn,
        RecordPoint::ReplyOut,
        RecordPoint::ReplyIn,
    ];
}

impl SynthConnection {
    /// The default-format record of this connection at `point`, with
    /// `action` (`ACCEPT` or `REJECT`).
    pub fn record(&self, point: RecordPoint, action: &str) -> String {
        let (eni, src, dst, sport, dport) = match point {
            RecordPoint::RequestOut => (
                &self.client_eni,
                self.client,
                self.server,
                self.client_port,
                self.port,
            ),
            RecordPoint::RequestIn => (
                &self.server_eni,
                self.client,
                self.server,
                self.client_port,
                self.port,
            ),
            RecordPoint::ReplyOut => (
                &self.server_eni,
                self.server,
                self.client,
                self.port,
                self.client_port,
            ),
            RecordPoint::ReplyIn => (
                &self.client_eni,
                self.server,
                self.client,
                self.port,
                self.client_port,
            ),
        };
        format!(
            "2 123456789012 {eni} {src} {dst} {sport} {dport} 6 10 840 {} {} {action} OK",
            self.start,
            self.start + 60
        )
    }
}

fn first_ip(e: &NetworkInterface) -> Option<Ipv4Addr> {
    e.private_ip_addresses.first().map(|p| p.private_ip_address)
}

/// `count` connections between ENIs of one VPC of `snap`, drawn from at
/// most `pairs` distinct (client, server) pairs so that records repeat
/// their flow classes as real traffic does. Deterministic in `seed`.
/// Empty when the snapshot has no VPC with two ENIs.
pub fn connections(snap: &Snapshot, count: usize, pairs: usize, seed: u64) -> Vec<SynthConnection> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let enis: Vec<&NetworkInterface> = snap
        .network_interfaces
        .iter()
        .flatten()
        .filter(|e| first_ip(e).is_some())
        .collect();
    let groups = snap.security_groups.iter().flatten();
    let ports_of = |e: &NetworkInterface| -> Vec<u16> {
        groups
            .clone()
            .filter(|g| e.groups.iter().any(|x| x == g.group_id))
            .flat_map(|g| &g.ip_permissions)
            .filter(|p| p.ip_protocol == IpProtocol::Tcp)
            .filter_map(|p| p.from_port.and_then(|f| u16::try_from(f).ok()))
            .filter(|p| *p > 0)
            .collect()
    };
    let mut chosen: Vec<(usize, usize, u16)> = Vec::new();
    let mut tries = 0;
    while chosen.len() < pairs.max(1) && tries < pairs.max(1) * 20 && enis.len() > 1 {
        tries += 1;
        let c = rng.gen_range(0..enis.len());
        let s = rng.gen_range(0..enis.len());
        if c == s || enis[c].vpc_id != enis[s].vpc_id {
            continue;
        }
        let ports = ports_of(enis[s]);
        let port = if ports.is_empty() {
            443
        } else {
            ports[rng.gen_range(0..ports.len())]
        };
        chosen.push((c, s, port));
    }
    if chosen.is_empty() {
        return Vec::new();
    }
    (0..count)
        .map(|i| {
            let (c, s, port) = chosen[rng.gen_range(0..chosen.len())];
            SynthConnection {
                client_eni: enis[c].network_interface_id.to_string(),
                client: first_ip(enis[c]).unwrap_or(Ipv4Addr::UNSPECIFIED),
                client_port: rng.gen_range(32768..=60999),
                server_eni: enis[s].network_interface_id.to_string(),
                server: first_ip(enis[s]).unwrap_or(Ipv4Addr::UNSPECIFIED),
                port,
                start: 1_764_000_000 + i as u64 / 100,
            }
        })
        .collect()
}
