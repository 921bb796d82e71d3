//! Fuzzes what `netpath flowlogs` reads: flow log files (records in the
//! default or a header-declared format, CloudWatch Logs JSON lines) and
//! `--format` specifications; records that parse are attributed on the
//! `nacl-ephemeral-return` fixture. Bad input must give an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netpath_engine::{FlowLogAnalysis, FlowLogOptions, Topology};
use netpath_model::flow_log::{self, FlowLogFormat};

const SNAPSHOT: &[u8] = include_bytes!("../corpus/snapshot_file/nacl-ephemeral-return.json");

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = FlowLogFormat::parse(text);
    }
    let snap = netpath_model::Snapshot::from_json_bytes(std::path::Path::new("s.json"), SNAPSHOT)
        .expect("the seed snapshot parses");
    let topo = Topology::new(&snap);
    let mut a = FlowLogAnalysis::new(&topo, FlowLogOptions::default());
    let _ = flow_log::read(std::path::Path::new("fuzz.log"), data, None, |r, line| {
        a.add(r, line)
    });
    let report = a.finish();
    let _ = serde_json::to_string(&report);
});
