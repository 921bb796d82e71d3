//! The lab's side of a probe: listeners and connections in its namespaces,
//! at ENIs of the snapshot and outside (on premises, the internet, the AWS
//! services behind gateway endpoints).

use std::net::IpAddr;
use std::time::Duration;

use anyhow::{Context, Result};

use super::{host_addr, vpc_endpoint, Lab};
use crate::probe::{self, Outcome};

impl Lab {
    /// Listens on `ip:port` outside: on premises when a VPN's customer
    /// network holds `ip`, else on the internet; and, on the ports they
    /// serve, in the namespaces of the AWS services behind gateway
    /// endpoints whose prefix lists hold it.
    pub fn listen_internet(&mut self, ip: IpAddr, port: u16) -> Result<()> {
        // An AWS service behind a gateway endpoint answers its own ports
        // in its namespace, whichever way the client comes.
        let mut places: Vec<String> = Vec::new();
        if vpc_endpoint::GATEWAY_SERVICE_PORTS.contains(&port) {
            places.extend(
                self.endpoints
                    .namespaces_for(ip)
                    .iter()
                    .map(|s| s.to_string()),
            );
        }
        places.extend(self.beyond_namespace(ip, false).map(str::to_string));
        for inet in places {
            self.listen_in(&inet, ip, port)?;
        }
        Ok(())
    }

    /// Listens on `ip:port` in outside namespace `inet`, adding the address.
    fn listen_in(&mut self, inet: &str, ip: IpAddr, port: u16) -> Result<()> {
        let inet = inet.to_string();
        // The address may be added already (a second flow to it).
        let _ = self.ns.ip_batch(&inet, &[host_addr(ip)]);
        // A new IPv6 address can take a moment to become usable: retry a
        // bind the kernel refuses with "cannot assign requested address".
        for attempt in 0.. {
            match probe::listen(&inet, ip, port) {
                Ok(l) => self.listeners.push(l),
                Err(err) if err.chain().any(|c| c.to_string().contains("in use")) => {}
                Err(err)
                    if attempt < 40
                        && err
                            .chain()
                            .any(|c| c.to_string().contains("assign requested address")) =>
                {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(err) => return Err(err),
            }
            break;
        }
        Ok(())
    }

    /// Connects from the internet (from `src`, added to the internet's
    /// namespace) to `dst:port`.
    pub fn connect_from_internet(
        &self,
        src: IpAddr,
        sport: u16,
        dst: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> Result<Outcome> {
        let inet = self.internet_source(src)?;
        probe::connect(inet, src, sport, dst, port, timeout)
    }

    /// As [`Lab::connect`] from an ENI, or [`Lab::connect_from_internet`]
    /// from an outside address, then reads the HTTP status line an
    /// Application Load Balancer node answers, waiting at most `read_wait`
    /// (see [`probe::connect_http`]).
    pub(crate) fn connect_http(
        &self,
        src: &crate::check::Src,
        sport: u16,
        dst: IpAddr,
        port: u16,
        timeout: Duration,
        read_wait: Duration,
    ) -> Result<Outcome> {
        let (ns, from) = match src {
            crate::check::Src::Eni(src) => {
                let e = self.enis.get(src).context("source ENI not built")?;
                (e.ns.as_str(), e.source_for(dst)?)
            }
            crate::check::Src::Internet(a) => (self.internet_source(*a)?, *a),
        };
        probe::connect_http(ns, from, sport, dst, port, timeout, read_wait)
    }

    /// Sends one ICMP (or, to an IPv6 `dst`, ICMPv6) echo request from ENI
    /// `src` to `dst` (see [`probe::ping`]).
    pub fn ping(&self, src: &str, dst: IpAddr, timeout: Duration) -> Result<Outcome> {
        let e = self.enis.get(src).context("source ENI not built")?;
        probe::ping(&e.ns, e.source_for(dst)?, dst, timeout)
    }

    /// Sends one ICMP echo request from the internet (from `src`, added to
    /// the internet's namespace) to `dst`.
    pub fn ping_from_internet(
        &self,
        src: IpAddr,
        dst: IpAddr,
        timeout: Duration,
    ) -> Result<Outcome> {
        let inet = self.internet_source(src)?;
        probe::ping(inet, src, dst, timeout)
    }

    /// The outside namespace of `src` (on premises, else the internet),
    /// with `src` added to it as a client address.
    fn internet_source(&self, src: IpAddr) -> Result<&str> {
        let inet = self
            .outside_namespace(src)
            .context("no internet gateway or VPN in the lab")?;
        // Already there from an earlier probe is fine.
        let _ = self.ns.ip_batch(inet, &[host_addr(src)]);
        Ok(inet)
    }

    /// Starts a listener on `port` at ENI `eni_id`, on its IPv4 address and
    /// its IPv6 address if it has one (no-op when its link is down).
    pub fn listen(&mut self, eni_id: &str, port: u16) -> Result<()> {
        let e = self.enis.get(eni_id).context("ENI not built")?.clone();
        if e.up {
            let v6 = e.ip6.map(IpAddr::V6);
            for ip in std::iter::once(IpAddr::V4(e.ip)).chain(v6) {
                match probe::listen(&e.ns, ip, port) {
                    Ok(l) => self.listeners.push(l),
                    // Already listening on it (a DB's own port, an earlier flow).
                    Err(err) if err.chain().any(|c| c.to_string().contains("in use")) => {}
                    Err(err) => return Err(err),
                }
            }
        }
        Ok(())
    }

    /// Connects from ENI `src` (source port `sport`, 0 for an ephemeral one)
    /// to `dst:port`, waiting at most `timeout`.
    pub fn connect(
        &self,
        src: &str,
        sport: u16,
        dst: IpAddr,
        port: u16,
        timeout: Duration,
    ) -> Result<Outcome> {
        let e = self.enis.get(src).context("source ENI not built")?;
        probe::connect(&e.ns, e.source_for(dst)?, sport, dst, port, timeout)
    }
}
