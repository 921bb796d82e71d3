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
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv4Subnets, Ipv6Subnets};
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

/// A set of addresses of one family (IPv4 or IPv6), kept as sorted,
/// disjoint, inclusive intervals of the address as an integer (`u32`
/// widened to `u128` for IPv4). A CIDR of the other family never contains
/// or overlaps it: AWS matches IPv4 rules only against IPv4 packets and IPv6
/// rules only against IPv6 packets
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrSet {
    v6: bool,
    ranges: Vec<(u128, u128)>,
    quantifier: Quantifier,
}

/// The bounds of `n` as integers, and whether it is IPv6.
fn net_bounds(n: &IpNet) -> (bool, u128, u128) {
    match n {
        IpNet::V4(n) => (
            false,
            u128::from(u32::from(n.network())),
            u128::from(u32::from(n.broadcast())),
        ),
        IpNet::V6(n) => (true, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

fn ip_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn ip_of(v6: bool, bits: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(bits))
    } else {
        IpAddr::V4(Ipv4Addr::from(bits as u32))
    }
}

impl AddrSet {
    /// One known address, IPv4 or IPv6.
    pub fn single(ip: impl Into<IpAddr>) -> AddrSet {
        let (v6, v) = ip_bits(ip.into());
        AddrSet {
            v6,
            ranges: vec![(v, v)],
            quantifier: Quantifier::OneOf,
        }
    }

    /// An unknown IPv4 address somewhere in `nets`: the CIDRs merged by
    /// [`Ipv4Net::aggregate`] (sorted, disjoint).
    pub fn one_of(nets: &[Ipv4Net]) -> AddrSet {
        let nets: Vec<IpNet> = Ipv4Net::aggregate(&nets.to_vec())
            .into_iter()
            .map(IpNet::V4)
            .collect();
        AddrSet::from_nets(false, &nets, Quantifier::OneOf)
    }

    /// Every IPv4 address of `nets` (an AWS service's prefix list): a flow
    /// passes only if it passes for each of them.
    pub fn every_of_v4(nets: &[Ipv4Net]) -> AddrSet {
        let nets: Vec<IpNet> = Ipv4Net::aggregate(&nets.to_vec())
            .into_iter()
            .map(IpNet::V4)
            .collect();
        AddrSet::from_nets(false, &nets, Quantifier::Every)
    }

    /// True for [`AddrSet::internet`] and [`AddrSet::internet_v6`] (not for
    /// another set of every address, such as an on-premises network).
    pub fn is_internet(&self) -> bool {
        static INTERNET: std::sync::LazyLock<(AddrSet, AddrSet)> =
            std::sync::LazyLock::new(|| (AddrSet::internet(), AddrSet::internet_v6()));
        self.quantifier == Quantifier::Every
            && self == if self.v6 { &INTERNET.1 } else { &INTERNET.0 }
    }

    /// Every address of `net` (a declared on-premises network): a flow
    /// passes only if it passes for each of them.
    pub fn every_of(net: IpNet) -> AddrSet {
        AddrSet::from_nets(net.addr().is_ipv6(), &[net], Quantifier::Every)
    }

    fn from_nets(v6: bool, nets: &[IpNet], quantifier: Quantifier) -> AddrSet {
        AddrSet {
            v6,
            ranges: nets
                .iter()
                .map(|n| {
                    let (_, lo, hi) = net_bounds(n);
                    (lo, hi)
                })
                .collect(),
            quantifier,
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
        let mut next: u128 = 0;
        for e in excluded {
            let n: IpNet = e.parse().expect("static CIDR");
            let (_, lo, hi) = net_bounds(&n);
            if lo > next {
                ranges.push((next, lo - 1));
            }
            next = hi + 1;
        }
        let top = u128::from(u32::MAX);
        if next <= top {
            ranges.push((next, top));
        }
        AddrSet {
            v6: false,
            ranges,
            quantifier: Quantifier::Every,
        }
    }

    /// Every public IPv6 address: the global unicast space `2000::/3`
    /// (RFC 4291 section 2.4; IANA allocates unicast only from it), which
    /// excludes unique-local `fc00::/7` and link-local `fe80::/10`.
    pub fn internet_v6() -> AddrSet {
        let n: IpNet = "2000::/3".parse().expect("static CIDR");
        AddrSet::from_nets(true, &[n], Quantifier::Every)
    }

    /// True for an IPv6 set.
    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// How split answers merge for this set.
    pub fn quantifier(&self) -> Quantifier {
        self.quantifier
    }

    /// The address, when the set holds exactly one.
    pub fn as_single(&self) -> Option<IpAddr> {
        match self.ranges.as_slice() {
            [(lo, hi)] if lo == hi => Some(ip_of(self.v6, *lo)),
            _ => None,
        }
    }

    /// The address, when the set holds exactly one and it is IPv4.
    pub fn as_single_v4(&self) -> Option<Ipv4Addr> {
        match self.as_single() {
            Some(IpAddr::V4(a)) => Some(a),
            _ => None,
        }
    }

    /// True when every address of the set is inside `net` (never for a CIDR
    /// of the other family).
    pub fn within<N: Copy + Into<IpNet>>(&self, net: &N) -> bool {
        let (v6, nlo, nhi) = net_bounds(&(*net).into());
        v6 == self.v6
            && !self.ranges.is_empty()
            && self.ranges.iter().all(|&(lo, hi)| nlo <= lo && hi <= nhi)
    }

    /// True when some address of the set is inside `net` (never for a CIDR
    /// of the other family).
    pub fn overlaps<N: Copy + Into<IpNet>>(&self, net: &N) -> bool {
        let (v6, nlo, nhi) = net_bounds(&(*net).into());
        v6 == self.v6 && self.ranges.iter().any(|&(lo, hi)| lo <= nhi && nlo <= hi)
    }

    /// One representative address per atom: the set is cut at every boundary
    /// of `cuts` (CIDRs of the other family are ignored), so on each piece
    /// every cut CIDR contains all or none of it.
    /// Output: at most `ranges + 2 * cuts` addresses, ascending.
    pub fn atoms<'a, N: Copy + Into<IpNet> + 'a>(
        &self,
        cuts: impl IntoIterator<Item = &'a N>,
    ) -> Vec<IpAddr> {
        if let Some(ip) = self.as_single() {
            return vec![ip];
        }
        let mut points: Vec<u128> = Vec::new();
        for n in cuts {
            let (v6, lo, hi) = net_bounds(&(*n).into());
            if v6 != self.v6 {
                continue;
            }
            points.push(lo);
            if let Some(p) = hi.checked_add(1) {
                points.push(p);
            }
        }
        points.sort_unstable();
        points.dedup();
        let mut out = Vec::new();
        for &(lo, hi) in &self.ranges {
            out.push(ip_of(self.v6, lo));
            for &p in &points {
                if p > lo && p <= hi {
                    out.push(ip_of(self.v6, p));
                }
            }
        }
        out
    }

    /// The set's lowest address (its first atom).
    pub fn first(&self) -> IpAddr {
        ip_of(self.v6, self.ranges.first().map_or(0, |r| r.0))
    }

    /// Every atom with no cuts: one address per interval of the set.
    pub fn starts(&self) -> Vec<IpAddr> {
        self.ranges.iter().map(|r| ip_of(self.v6, r.0)).collect()
    }

    /// The minimal CIDRs covering the set.
    pub fn cidrs(&self) -> Vec<IpNet> {
        self.ranges
            .iter()
            .flat_map(|&(lo, hi)| -> Vec<IpNet> {
                if self.v6 {
                    Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0)
                        .map(IpNet::V6)
                        .collect()
                } else {
                    range_to_cidrs(lo as u32, hi as u32)
                        .into_iter()
                        .map(IpNet::V4)
                        .collect()
                }
            })
            .collect()
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = self.as_single() {
            return write!(f, "{ip}");
        }
        if self.is_internet() {
            return f.write_str(if self.v6 {
                "any internet IPv6 address"
            } else {
                "any internet address"
            });
        }
        if self.quantifier == Quantifier::Every {
            let parts: Vec<String> = self.cidrs().iter().map(|n| n.to_string()).collect();
            return write!(f, "every address in {}", parts.join(", "));
        }
        let parts: Vec<String> = self.cidrs().iter().map(|n| n.to_string()).collect();
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

/// True for addresses the internet does not route, either family: for IPv6,
/// everything outside the global unicast space `2000::/3` (unique-local
/// `fc00::/7`, link-local `fe80::/10`, loopback; RFC 4291 section 2.4).
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_private(a),
        IpAddr::V6(a) => a.segments()[0] & 0xe000 != 0x2000,
    }
}

/// The address family of a flow. A flow is IPv4 or IPv6 end to end: AWS
/// matches IPv4 rules, entries and routes only against IPv4 packets and
/// IPv6 ones only against IPv6 packets
/// (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html>,
/// <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>),
/// so `reach`, `exposure`, `diff` and `check` answer each family apart.
/// Serialized as `ipv4` / `ipv6`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpVersion {
    /// IPv4: an ENI stands at its primary private IPv4 address.
    #[default]
    Ipv4,
    /// IPv6: an ENI stands at its first IPv6 address, which is also its
    /// public address when it is global unicast (no NAT).
    Ipv6,
}

impl IpVersion {
    /// Both families, IPv4 first.
    pub const BOTH: [IpVersion; 2] = [IpVersion::Ipv4, IpVersion::Ipv6];

    /// True for IPv6.
    pub fn is_v6(self) -> bool {
        self == IpVersion::Ipv6
    }

    /// The family of `ip`.
    pub fn of(ip: IpAddr) -> IpVersion {
        if ip.is_ipv6() {
            IpVersion::Ipv6
        } else {
            IpVersion::Ipv4
        }
    }

    /// The family of a reference when it is an IP literal; `None` for
    /// names and ids, which stand in either family.
    pub fn of_literal(reference: &str) -> Option<IpVersion> {
        reference.trim().parse::<IpAddr>().ok().map(IpVersion::of)
    }

    /// The usage error for `reference`, an address of family `self`, in a
    /// question over `asked`: a flow is in one family end to end.
    pub(crate) fn conflict(self, reference: &str, asked: IpVersion) -> String {
        format!(
            "`{reference}` is an {self} address, but the question is over {asked}: both ends of a flow are in one address family"
        )
    }

    /// `IPv4` or `IPv6`, for sentences.
    pub fn label(self) -> &'static str {
        match self {
            IpVersion::Ipv4 => "IPv4",
            IpVersion::Ipv6 => "IPv6",
        }
    }

    /// The address an ENI stands at in this family: its primary private
    /// IPv4 address, or its first IPv6 address; `None` when it has none.
    pub fn eni_address(self, eni: &netpath_model::NetworkInterface) -> Option<IpAddr> {
        match self {
            IpVersion::Ipv4 => eni.primary_ip().map(IpAddr::V4),
            IpVersion::Ipv6 => eni.ipv6_addresses.first().copied().map(IpAddr::V6),
        }
    }

    /// True when the internet can address the ENI in this family: a public
    /// IPv4 address, or a global unicast IPv6 address (`2000::/3`)
    /// (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html>).
    pub fn eni_is_public(self, eni: &netpath_model::NetworkInterface) -> bool {
        match self {
            IpVersion::Ipv4 => eni.public_ip().is_some(),
            IpVersion::Ipv6 => self.eni_address(eni).is_some_and(|a| !is_private_ip(a)),
        }
    }
}

impl fmt::Display for IpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
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
                "10.0.1.0".parse::<IpAddr>().unwrap(),
                "10.0.1.128".parse().unwrap()
            ]
        );
    }

    #[test]
    fn internet_excludes_private_ranges() {
        let net = AddrSet::internet();
        assert!(!net.overlaps(&"10.0.0.0/8".parse::<Ipv4Net>().unwrap()));
        assert!(!net.overlaps(&"192.168.4.0/24".parse::<Ipv4Net>().unwrap()));
        assert!(net.overlaps(&"8.8.8.0/24".parse::<Ipv4Net>().unwrap()));
        assert_eq!(net.quantifier(), Quantifier::Every);
    }

    #[test]
    fn families_never_match_each_other() {
        let v6 = AddrSet::single("2001:db8::10".parse::<IpAddr>().unwrap());
        assert!(v6.within(&"2001:db8::/32".parse::<IpNet>().unwrap()));
        assert!(!v6.within(&"0.0.0.0/0".parse::<Ipv4Net>().unwrap()));
        assert!(!AddrSet::internet().overlaps(&"::/0".parse::<IpNet>().unwrap()));
        let net6 = AddrSet::internet_v6();
        assert!(!net6.overlaps(&"fd00::/8".parse::<IpNet>().unwrap()));
        let cut: IpNet = "2600::/12".parse().unwrap();
        assert_eq!(net6.atoms([&cut]).len(), 3);
        assert!(is_private_ip("fd12::1".parse().unwrap()));
        assert!(!is_private_ip("2600:1f18::1".parse().unwrap()));
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
