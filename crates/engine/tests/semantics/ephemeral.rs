//! Ephemeral ports: the reply goes to the client's ephemeral range, which depends on its OS.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>

use super::*;

#[test]
fn windows_client_uses_its_own_ephemeral_range() {
    let s = load("nacl-windows-range-linux-client");
    let topo = Topology::new(&s);
    let e = explain(
        &topo,
        "app-server",
        "prod-db",
        &ExplainOptions {
            client_os: Some(ClientOs::Windows),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(e.ephemeral_ports, PortRange::new(49152, 65535));
    assert_eq!(e.verdict, Verdict::Reachable);
}
