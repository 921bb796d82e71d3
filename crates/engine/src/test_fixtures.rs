//! Fixtures for the evaluators' unit tests: the scenarios under `fixtures/`,
//! loaded as the CLI loads them.

use netpath_model::Snapshot;

/// The snapshot of `fixtures/<name>/aws`. Panics when the fixture is missing
/// or does not load: a unit test cannot go on without it.
pub(crate) fn load(name: &str) -> Snapshot {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
        .join("aws");
    netpath_model::load(&p).unwrap().snapshot
}
