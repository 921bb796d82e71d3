//! Writes random lab world SEED as a netpath snapshot to stdout, and its
//! flows to stderr: `cargo run -p netpath-lab --example world -- 61 > w.json`,
//! then `netpath explain -s w.json --from … --to …` to see a disagreement
//! the lab test reports, hop by hop.

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let w = netpath_lab::random::world(seed);
    for (from, to, ask) in &w.flows {
        eprintln!("{from} -> {to} {ask:?}");
    }
    println!("{}", w.snapshot.to_json());
}
