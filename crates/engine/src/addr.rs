//! Address sets and port sets: the packet-set algebra the evaluators work in.
//!
//! A flow's peer is not always one address: a DB instance with no ENI in the
//! snapshot sits somewhere in its subnets, and `internet` is every public
//! address. Evaluators split such a set into *atoms* (intervals on which every
//! rule CIDR either fully matches or does not match), decide each atom
//! exactly, and merge the answers by a [`Quantifier`]. This mirrors how AWS
//! Reachability Analyzer represents packet headers as sets of CIDRs and port
//! ranges (<https://docs.aws.amazon.com/vpc/latest/reachability/how-reachability-analyzer-works.html>).

use std::fmt;
use std::net::Ipv4Addr;

use ipnet::{Ipv4Net, Ipv4Subnets};
use netpath_model::PortRange;

/// How to merge per-atom answers when a set of addresses splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// The peer is one address we do not know: a split answer is *unknown*.
    OneOf,
    /// The peer stands for every address of the set (`internet`): the flow
    /// passes only if every atom passes; a split answer is a block.
    Every,
}

/// A set of IPv4 addresses, kept as sorted, disjoint, inclusive `u32` intervals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrSet {
    ranges: Vec<(u32, u32)>,
    quantifier: Quantifier,
}

fn net_bounds(n: &Ipv4Net) -> (u32, u32) {
    (u32::from(n.network()), u32::from(n.broadcast()))
}

impl AddrSet {
    /// One known address.
    pub fn single(ip: Ipv4Addr) -> AddrSet {
        let v = u32::from(ip);
        AddrSet {
            ranges: vec![(v, v)],
            quantifier: Quantifier::OneOf,
        }
    }

    /// An unknown address somewhere in `nets`: the CIDRs merged by
    /// [`Ipv4Net::aggregate`] (sorted, disjoint).
    pub fn one_of(nets: &[Ipv4Net]) -> AddrSet {
        AddrSet {
            ranges: Ipv4Net::aggregate(&nets.to_vec())
                .iter()
                .map(net_bounds)
                .collect(),
            quantifier: Quantifier::OneOf,
        }
    }

    /// Every public IPv4 address: 0.0.0.0/0 less the private, shared, loopback,
    /// link-local and multicast/reserved ranges (RFC 1918, RFC 6598, RFC 3927).
    pub fn internet() -> AddrSet {
        let excluded = [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "224.0.0.0/3",
        ];
        let mut ranges = Vec::new();
        let mut next: u64 = 0;
        for e in excluded {
            let n: Ipv4Net = e.parse().expect("static CIDR");
            let (lo, hi) = net_bounds(&n);
            if u64::from(lo) > next {
                ranges.push((next as u32, lo - 1));
            }
            next = u64::from(hi) + 1;
        }
        if next <= u64::from(u32::MAX) {
            ranges.push((next as u32, u32::MAX));
        }
        AddrSet {
            ranges,
            quantifier: Quantifier::Every,
        }
    }

    /// How split answers merge for this set.
    pub fn quantifier(&self) -> Quantifier {
        self.quantifier
    }

    /// The address, when the set holds exactly one.
    pub fn as_single(&self) -> Option<Ipv4Addr> {
        match self.ranges.as_slice() {
            [(lo, hi)] if lo == hi => Some(Ipv4Addr::from(*lo)),
            _ => None,
        }
    }

    /// True when every address of the set is inside `net`.
    pub fn within(&self, net: &Ipv4Net) -> bool {
        let (nlo, nhi) = net_bounds(net);
        !self.ranges.is_empty() && self.ranges.iter().all(|&(lo, hi)| nlo <= lo && hi <= nhi)
    }

    /// True when some address of the set is inside `net`.
    pub fn overlaps(&self, net: &Ipv4Net) -> bool {
        let (nlo, nhi) = net_bounds(net);
        self.ranges.iter().any(|&(lo, hi)| lo <= nhi && nlo <= hi)
    }

    /// One representative address per atom: the set is cut at every boundary
    /// of `cuts`, so on each piece every cut CIDR contains all or none of it.
    /// Output: at most `ranges + 2 * cuts` addresses, ascending.
    pub fn atoms<'a>(&self, cuts: impl IntoIterator<Item = &'a Ipv4Net>) -> Vec<Ipv4Addr> {
        if let Some(ip) = self.as_single() {
            return vec![ip];
        }
        let mut points: Vec<u64> = Vec::new();
        for n in cuts {
            let (lo, hi) = net_bounds(n);
            points.push(u64::from(lo));
            points.push(u64::from(hi) + 1);
        }
        points.sort_unstable();
        points.dedup();
        let mut out = Vec::new();
        for &(lo, hi) in &self.ranges {
            out.push(Ipv4Addr::from(lo));
            for &p in &points {
                if p > u64::from(lo) && p <= u64::from(hi) {
                    out.push(Ipv4Addr::from(p as u32));
                }
            }
        }
        out
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = self.as_single() {
            return write!(f, "{ip}");
        }
        if self.quantifier == Quantifier::Every {
            return f.write_str("any internet address");
        }
        let parts: Vec<String> = self
            .ranges
            .iter()
            .flat_map(|&(lo, hi)| range_to_cidrs(lo, hi))
            .map(|n| n.to_string())
            .collect();
        write!(f, "an address in {}", parts.join(", "))
    }
}

/// The minimal list of CIDRs covering `lo..=hi` ([`Ipv4Subnets`]).
pub fn range_to_cidrs(lo: u32, hi: u32) -> Vec<Ipv4Net> {
    Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0).collect()
}

/// True for addresses the internet does not route: RFC 1918, RFC 6598 shared
/// space, loopback, link-local.
pub fn is_private(ip: Ipv4Addr) -> bool {
    ip.is_private() || ip.is_loopback() || ip.is_link_local() || {
        let o = ip.octets();
        o[0] == 100 && (64..128).contains(&o[1])
    }
}

/// A set of ports, as sorted, disjoint inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet(pub Vec<PortRange>);

impl PortSet {
    /// The empty set.
    pub fn empty() -> PortSet {
        PortSet(Vec::new())
    }

    /// True when no port is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a range, keeping the ranges sorted and merged.
    pub fn insert(&mut self, r: PortRange) {
        self.0.push(r);
        self.0.sort();
        let mut merged: Vec<PortRange> = Vec::new();
        for r in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if u32::from(r.from) <= u32::from(last.to) + 1 => {
                    last.to = last.to.max(r.to)
                }
                _ => merged.push(r),
            }
        }
        self.0 = merged;
    }

    /// The ports of the set that are also in `other`.
    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::empty();
        for a in &self.0 {
            for b in &other.0 {
                let lo = a.from.max(b.from);
                let hi = a.to.min(b.to);
                if lo <= hi {
                    out.insert(PortRange::new(lo, hi));
                }
            }
        }
        out
    }

    /// The ports of the set that are not in `other`.
    pub fn minus(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::empty();
        for a in &self.0 {
            let mut pieces = vec![*a];
            for b in &other.0 {
                let mut next = Vec::new();
                for p in pieces {
                    if b.to < p.from || b.from > p.to {
                        next.push(p);
                        continue;
                    }
                    if b.from > p.from {
                        next.push(PortRange::new(p.from, b.from - 1));
                    }
                    if b.to < p.to {
                        next.push(PortRange::new(b.to + 1, p.to));
                    }
                }
                pieces = next;
            }
            for p in pieces {
                out.insert(p);
            }
        }
        out
    }

    /// Number of ports in the set.
    #[cfg(test)]
    pub fn count(&self) -> u32 {
        self.0.iter().map(PortRange::len).sum()
    }
}

impl From<PortRange> for PortSet {
    fn from(r: PortRange) -> PortSet {
        PortSet(vec![r])
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|r| r.to_string()).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_cut_a_subnet_at_rule_boundaries() {
        let set = AddrSet::one_of(&["10.0.1.0/24".parse().unwrap()]);
        let cut: Ipv4Net = "10.0.1.128/25".parse().unwrap();
        let atoms = set.atoms([&cut]);
        assert_eq!(
            atoms,
            vec![
                "10.0.1.0".parse::<Ipv4Addr>().unwrap(),
                "10.0.1.128".parse().unwrap()
            ]
        );
    }

    #[test]
    fn internet_excludes_private_ranges() {
        let net = AddrSet::internet();
        assert!(!net.overlaps(&"10.0.0.0/8".parse().unwrap()));
        assert!(!net.overlaps(&"192.168.4.0/24".parse().unwrap()));
        assert!(net.overlaps(&"8.8.8.0/24".parse().unwrap()));
        assert_eq!(net.quantifier(), Quantifier::Every);
    }

    #[test]
    fn range_to_cidrs_is_minimal() {
        let v = range_to_cidrs(
            u32::from(Ipv4Addr::new(10, 0, 0, 0)),
            u32::from(Ipv4Addr::new(10, 0, 1, 255)),
        );
        assert_eq!(v, vec!["10.0.0.0/23".parse::<Ipv4Net>().unwrap()]);
        assert_eq!(
            range_to_cidrs(0, u32::MAX),
            vec!["0.0.0.0/0".parse::<Ipv4Net>().unwrap()]
        );
    }

    #[test]
    fn port_set_minus_and_intersect() {
        let eph: PortSet = PortRange::new(32768, 60999).into();
        let allowed: PortSet = PortRange::new(49152, 65535).into();
        assert_eq!(eph.minus(&allowed).0, vec![PortRange::new(32768, 49151)]);
        assert_eq!(
            eph.intersect(&allowed).0,
            vec![PortRange::new(49152, 60999)]
        );
        assert_eq!(eph.count(), 28232);
    }
}
