//! `parse_proc_net` on real `/proc/net` captures.

mod common;

use common::fixture;

use std::net::IpAddr;

use netpath_host::parse_proc_net;
use netpath_model::host::{Listener, L4};

fn pairs(listeners: &[Listener]) -> Vec<(IpAddr, u16)> {
    listeners.iter().map(|l| (l.address, l.port)).collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn rhel5_tcp_listeners() {
    let l = parse_proc_net(&fixture("real/proc-net-tcp.rhel5.txt"), L4::Tcp, "tcp").unwrap();
    assert_eq!(
        pairs(&l),
        [
            (ip("127.0.0.1"), 2208),
            (ip("0.0.0.0"), 2049),
            (ip("0.0.0.0"), 3306),
            (ip("0.0.0.0"), 875),
            (ip("0.0.0.0"), 111),
            (ip("0.0.0.0"), 21),
            (ip("127.0.0.1"), 631),
            (ip("0.0.0.0"), 48824),
            (ip("0.0.0.0"), 892),
            (ip("127.0.0.1"), 2207),
        ]
    );
    assert!(l
        .iter()
        .all(|x| x.protocol == L4::Tcp && x.process.is_none() && x.pid.is_none()));
}

#[test]
fn rhel5_tcp6_listeners() {
    let l = parse_proc_net(&fixture("real/proc-net-tcp6.rhel5.txt"), L4::Tcp, "tcp6").unwrap();
    // The two ESTABLISHED ::ffff:172.31.1.148:22 sockets are not listeners.
    assert_eq!(pairs(&l), [(ip("::"), 22), (ip("::1"), 631)]);
}

#[test]
fn rhel5_udp_bound() {
    let l = parse_proc_net(&fixture("real/proc-net-udp.rhel5.txt"), L4::Udp, "udp").unwrap();
    assert_eq!(l.len(), 14);
    let p = pairs(&l);
    for want in [
        (ip("0.0.0.0"), 2049),
        (ip("127.0.0.1"), 4500),
        (ip("172.31.1.148"), 4500),
        (ip("10.0.0.1"), 4500),
        (ip("0.0.0.0"), 5353),
        (ip("172.31.1.148"), 500),
        (ip("0.0.0.0"), 892),
    ] {
        assert!(p.contains(&want), "missing {want:?}");
    }
    assert!(l.iter().all(|x| x.protocol == L4::Udp));
}

#[test]
fn udp6_skips_unbound_and_connected_and_unmaps_v4() {
    let l = parse_proc_net(&fixture("parse/proc-net-udp6.txt"), L4::Udp, "udp6").unwrap();
    assert_eq!(
        pairs(&l),
        [
            (ip("::"), 547),
            (ip("::1"), 42481),
            (ip("2001:db8::1"), 5353)
        ]
    );
}

#[test]
fn errors_name_origin_and_line() {
    let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    let bad_addr = format!(
        "{header}   0: 0100007G:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
    );
    assert_eq!(
        parse_proc_net(&bad_addr, L4::Tcp, "/proc/net/tcp")
            .unwrap_err()
            .to_string(),
        "/proc/net/tcp: line 2: bad address \"0100007G:0016\""
    );
    let short = format!("{header}   0: 0100007F:0016 00000000:0000 0A\n");
    assert!(parse_proc_net(&short, L4::Tcp, "t")
        .unwrap_err()
        .to_string()
        .starts_with("t: line 2: expected `sl: local remote st"));
    assert_eq!(
        parse_proc_net(header, L4::Icmp, "t")
            .unwrap_err()
            .to_string(),
        "t: line 1: a /proc/net table holds tcp or udp sockets, not icmp"
    );
    assert!(parse_proc_net(header, L4::Tcp, "t").unwrap().is_empty());
}

#[test]
fn debian12_loopback_and_wildcard_listeners() {
    let tcp = parse_proc_net(&fixture("real/proc-net-tcp.debian12.txt"), L4::Tcp, "tcp").unwrap();
    assert_eq!(pairs(&tcp), [(ip("0.0.0.0"), 22), (ip("127.0.0.1"), 5432)]);
    let tcp6 =
        parse_proc_net(&fixture("real/proc-net-tcp6.debian12.txt"), L4::Tcp, "tcp6").unwrap();
    assert_eq!(pairs(&tcp6), [(ip("::"), 80), (ip("::1"), 6379)]);
    let udp = parse_proc_net(&fixture("real/proc-net-udp.debian12.txt"), L4::Udp, "udp").unwrap();
    assert_eq!(pairs(&udp), [(ip("0.0.0.0"), 53)]);
    let udp6 =
        parse_proc_net(&fixture("real/proc-net-udp6.debian12.txt"), L4::Udp, "udp6").unwrap();
    assert_eq!(pairs(&udp6), [(ip("::"), 123)]);
}
