//! The typed one-pass reader of snapshot files must step aside for anything
//! but a well-formed snapshot, so the general path's precise errors are
//! kept. (That it gives exactly what the general path gives is checked on a
//! synthetic account in `crates/synth/tests/fast_path.rs`, so that this crate
//! does not dev-depend on `netpath-synth`, which depends on it.)

use std::path::Path;

use netpath_model::{Snapshot, Tags};

#[test]
fn fast_path_steps_aside_for_other_input() {
    let p = Path::new("x.json");
    for text in [
        "{\"Vpcs\": []}",
        "{\"format\": \"netpath-snapshot\", \"version\": 3}",
        "{\"format\": \"netpath-snapshot\", \"version\": 1, \"subnets\": [{\"subnet_id\": \"subnet-1\"}]}",
        "{\"format\": \"netpath-snapshot\", \"version\": 1, ",
        "[]",
    ] {
        assert!(
            Snapshot::from_json_bytes_fast(p, text.as_bytes())
                .unwrap()
                .is_none(),
            "{text}"
        );
    }
    // The general path still names the resource and the field.
    let err = Snapshot::from_json_bytes(
        p,
        b"{\"format\": \"netpath-snapshot\", \"version\": 1, \"subnets\": [{\"subnet_id\": \"subnet-1\"}]}",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("subnet-1") && err.contains("vpc_id"), "{err}");
}

#[test]
fn tags_behave_as_a_map() {
    let t: Tags = serde_json::from_str(r#"{"b": "2", "a": "1", "b": "3"}"#).unwrap();
    assert_eq!(t.get("a"), Some("1"));
    assert_eq!(t.get("b"), Some("3"));
    assert_eq!(t.get("c"), None);
    assert_eq!(t.len(), 2);
    assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"a":"1","b":"3"}"#);
    assert!(serde_json::from_str::<Tags>(r#"{"a": 1}"#).is_err());
}
