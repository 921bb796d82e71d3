//! Absence of data is never evidence: for every fixture and every flow,
//! deleting any one input file turns the answer into the same verdict or
//! `unknown`, never into a different certain verdict; and it never adds a
//! certain blocker that the full snapshot does not have.
//!
//! The files are really deleted: each fixture folder is copied without one
//! file and imported again, so the importer's view of "no such output" is
//! what the engine sees.

use std::path::{Path, PathBuf};

use netpath_engine::{explain, Blocking, ClientOs, ExplainOptions, Topology, Verdict};
use netpath_model::IpProtocol;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

struct Answer {
    verdict: Verdict,
    blockers: Vec<Blocking>,
    missing: Vec<String>,
}

fn ask(dir: &Path, flow: &Value) -> Option<Answer> {
    let imported = netpath_model::load(dir).ok()?;
    let topo = Topology::new(&imported.snapshot);
    let opts = ExplainOptions {
        port: flow["port"].as_u64().map(|p| p as u16),
        client_os: flow["client_os"]
            .as_str()
            .map(|s| ClientOs::parse(s).expect("client_os")),
        protocol: flow["protocol"]
            .as_str()
            .map(|s| IpProtocol::parse(s).expect("protocol")),
        ipv6: flow["ipv6"] == true,
        assume_appliance_allows: flow["assume_appliance_allows"] == true,
        ..Default::default()
    };
    let e = explain(
        &topo,
        flow["from"].as_str().unwrap(),
        flow["to"].as_str().unwrap(),
        &opts,
    )
    .ok()?;
    Some(Answer {
        verdict: e.verdict,
        blockers: e.blockers,
        missing: e.missing,
    })
}

/// Every file under `dir`, as paths relative to it (`rel` is the prefix so far).
fn json_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let r = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            json_files(&e.path(), &r, out);
        } else {
            out.push(r);
        }
    }
}

#[test]
fn deleting_any_input_file_never_gives_a_different_certain_answer() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("missing-file");
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("flows.json").is_file())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 12, "only {} fixtures found", names.len());
    let mut checked = 0;
    let mut failures = Vec::new();
    for name in &names {
        let aws = fixtures().join(name).join("aws");
        let flows: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(name).join("flows.json")).unwrap(),
        )
        .unwrap();
        let mut files = Vec::new();
        json_files(&aws, Path::new(""), &mut files);
        files.sort();
        for gone in &files {
            let dir = scratch
                .join(name)
                .join(gone.to_string_lossy().replace('/', "_"));
            let _ = std::fs::remove_dir_all(&dir);
            for f in files.iter().filter(|f| *f != gone) {
                let to = dir.join(f);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(aws.join(f), to).unwrap();
            }
            for (i, flow) in flows.iter().enumerate() {
                let full = ask(&aws, flow).expect("the full fixture answers");
                // Unknown only because two files disagree: without one of
                // them, the other is the whole truth.
                let gone_name = gone.file_name().unwrap().to_string_lossy().to_string();
                if full
                    .missing
                    .iter()
                    .any(|m| m.contains("two different copies") && m.contains(&gone_name))
                {
                    continue;
                }
                let Some(part) = ask(&dir, flow) else {
                    // No answer at all (a reference no longer resolves) is not a verdict.
                    continue;
                };
                checked += 1;
                let what = format!("{name}#{i} without {}", gone.display());
                if part.verdict != full.verdict && part.verdict != Verdict::Unknown {
                    failures.push(format!(
                        "{what}: {} (full snapshot: {})",
                        part.verdict.as_str(),
                        full.verdict.as_str()
                    ));
                }
                for b in &part.blockers {
                    if !full
                        .blockers
                        .iter()
                        .any(|f| f.path == b.path && f.kind == b.kind && f.component == b.component)
                    {
                        failures.push(format!(
                            "{what}: a new certain blocker {} {} ({})",
                            b.kind.as_str(),
                            b.component,
                            b.detail
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} answers compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
