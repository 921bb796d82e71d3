//! `collect` on this machine.

use std::net::{IpAddr, Ipv4Addr, TcpListener};

use netpath_host::{collect, CollectOptions};
use netpath_model::host::{FirewallSource, HostFacts, L4};

#[cfg(target_os = "linux")]
#[test]
fn collect_sees_a_listener_bound_by_the_test() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let facts = collect(&CollectOptions {
        instance_id: Some("i-0123456789abcdef0".into()),
        imds: false,
    });
    assert_eq!(facts.instance_id.as_deref(), Some("i-0123456789abcdef0"));
    assert!(facts.listeners.complete, "warnings: {:?}", facts.warnings);
    assert!(
        facts.listeners.source.contains("/net/tcp"),
        "{}",
        facts.listeners.source
    );
    let ours = facts
        .listeners
        .sockets
        .iter()
        .find(|l| l.protocol == L4::Tcp && l.port == port)
        .unwrap_or_else(|| panic!("no listener on port {port}: {:?}", facts.listeners.sockets));
    assert_eq!(ours.address, IpAddr::V4(Ipv4Addr::LOCALHOST));
    // Our own process is always readable.
    assert_eq!(ours.pid, Some(std::process::id()));
    assert!(ours.process.is_some());

    assert!(
        facts.addresses.iter().any(|a| a.interface == "lo"
            && a.address == IpAddr::V4(Ipv4Addr::LOCALHOST)
            && a.prefix_len == 8),
        "{:?}",
        facts.addresses
    );
    assert!(facts.hostname.as_deref().is_some_and(|h| !h.is_empty()));
    let at = facts.collected_at.as_deref().unwrap();
    assert_eq!(at.len(), "2026-12-03T07:38:51Z".len(), "{at}");
    assert!(at.ends_with('Z'));
    // Whatever the firewall is here, it is one of the four answers, and an
    // unreadable one says why.
    if facts.firewall.source == FirewallSource::Unreadable {
        assert!(facts.firewall.error.is_some());
    }
    // The facts round-trip through the file format.
    let json = serde_json::to_string(&facts).unwrap();
    assert_eq!(HostFacts::from_json("facts.json", &json).unwrap(), facts);
    drop(listener);
}

#[test]
fn no_instance_id_without_imds_is_a_warning() {
    let facts = collect(&CollectOptions {
        instance_id: None,
        imds: false,
    });
    assert_eq!(facts.instance_id, None);
    assert!(facts
        .warnings
        .iter()
        .any(|w| w.starts_with("instance id unknown: pass --instance-id")));
}
