//! Fuzzes what `netpath plan` reads: `terraform show -json` documents,
//! laid over the snapshot of the terraform fixture `sg-app-v2` and
//! compared. Bad input must give an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netpath_engine::DiffOptions;
use netpath_model::terraform::Plan;

const SNAPSHOT: &[u8] = include_bytes!("../../fixtures/plans/terraform/sg-app-v2/before.json");

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = Plan::parse(data, std::path::Path::new("plan.json")) else {
        return;
    };
    let snap = netpath_model::Snapshot::from_json_bytes(std::path::Path::new("s.json"), SNAPSHOT)
        .expect("the seed snapshot parses");
    if let Ok(report) = netpath_engine::plan(&snap, &plan, &DiffOptions::default()) {
        let _ = serde_json::to_string(&report);
    }
});
