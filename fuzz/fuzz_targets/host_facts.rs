//! Fuzzes what `netpath host-facts` parses on a host (`iptables-save`,
//! `nft -j list ruleset`, `/proc/net/tcp`) and the host-facts file
//! `explain --host-facts` reads; facts that parse are walked as
//! pg-server's on the `host-last-hop` fixture. Bad input must give an
//! error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netpath_engine::{explain, ExplainOptions, Topology};
use netpath_model::host::{Family, HostFacts, L4};

const SNAPSHOT: &[u8] = include_bytes!("../corpus/snapshot_file/host-last-hop.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = netpath_host::parse_iptables_save(text, Family::Ip, "fuzz");
    let _ = netpath_host::parse_iptables_save(text, Family::Ip6, "fuzz");
    let _ = netpath_host::parse_proc_net(text, L4::Tcp, "fuzz");
    let _ = netpath_host::parse_proc_net(text, L4::Udp, "fuzz");
    let mut facts = HostFacts::empty(Some("i-0f0000000000000b01".into()));
    if let Ok(chains) = netpath_host::parse_nft_json(text, "fuzz") {
        facts.firewall.source = netpath_model::host::FirewallSource::Nftables;
        facts.firewall.error = None;
        facts.firewall.chains = chains;
    } else if let Ok(mut f) = HostFacts::from_json("fuzz", text) {
        f.instance_id = Some("i-0f0000000000000b01".into());
        facts = f;
    } else {
        return;
    }
    let snap = netpath_model::Snapshot::from_json_bytes(std::path::Path::new("s.json"), SNAPSHOT)
        .expect("the seed snapshot parses");
    let topo = Topology::new(&snap);
    for port in [22, 5432] {
        let _ = explain(
            &topo,
            "app-server",
            "pg-server",
            &ExplainOptions {
                port: Some(port),
                host_facts: vec![facts.clone()],
                ..ExplainOptions::default()
            },
        );
    }
});
