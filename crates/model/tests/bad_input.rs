//! Bad input gives a clear error naming file, resource and field, never a panic.

use std::fs;

use netpath_model::{load, ModelError};

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, body) in files {
        fs::write(d.path().join(name), body).unwrap();
    }
    d
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let d = dir_with(&[(
        "Vpcs.json",
        "{\n  \"Vpcs\": [\n    {\"VpcId\": \"vpc-1\",,}\n]}",
    )]);
    match load(d.path()) {
        Err(ModelError::Json {
            path, line, column, ..
        }) => {
            assert!(path.ends_with("Vpcs.json"));
            assert_eq!(line, 3);
            assert!(column > 0);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_field_names_resource_and_field() {
    let d = dir_with(&[(
        "sg.json",
        r#"{"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"FromPort":1,"ToPort":2}]}]}"#,
    )]);
    let err = load(d.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ModelError::Field { .. }), "{msg}");
    assert!(
        msg.contains("sg.json")
            && msg.contains("sg-1")
            && msg.contains("IpPermissions[0]")
            && msg.contains("IpProtocol"),
        "{msg}"
    );
}

#[test]
fn bad_values_are_errors_not_panics() {
    for (body, needle) in [
        (
            r#"{"Subnets":[{"SubnetId":"subnet-1","VpcId":"vpc-1","CidrBlock":"10.0.0.0/33"}]}"#,
            "CidrBlock",
        ),
        (
            r#"{"NetworkAcls":[{"NetworkAclId":"acl-1","VpcId":"v","Entries":[{"RuleNumber":40000,"Egress":false,"Protocol":"-1","RuleAction":"allow","CidrBlock":"0.0.0.0/0"}]}]}"#,
            "RuleNumber",
        ),
        (
            r#"{"NetworkAcls":[{"NetworkAclId":"acl-1","VpcId":"v","Entries":[{"RuleNumber":0,"Egress":false,"Protocol":"-1","RuleAction":"allow","CidrBlock":"0.0.0.0/0"}]}]}"#,
            "RuleNumber",
        ),
        (
            r#"{"NetworkAcls":[{"NetworkAclId":"acl-1","VpcId":"v","Entries":[{"RuleNumber":5,"Egress":false,"Protocol":"6","RuleAction":"allow","CidrBlock":"0.0.0.0/0","PortRange":{"From":1,"To":70000}}]}]}"#,
            "PortRange",
        ),
        (
            r#"{"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"tcp","FromPort":5,"ToPort":70000}]}]}"#,
            "ToPort",
        ),
        (
            r#"{"SecurityGroups":[{"GroupId":"sg-1","IpPermissions":[{"IpProtocol":"bogus"}]}]}"#,
            "IpProtocol",
        ),
        (
            r#"{"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","VpcId":"v"}]}"#,
            "SubnetId",
        ),
    ] {
        let d = dir_with(&[("x.json", body)]);
        let msg = load(d.path()).unwrap_err().to_string();
        assert!(msg.contains(needle), "{body} -> {msg}");
    }
}

#[test]
fn unknown_keys_warn_and_empty_folders_fail() {
    let d = dir_with(&[("a.json", r#"{"Vpcs":[],"Addresses":[]}"#)]);
    let imported = load(d.path()).unwrap();
    assert_eq!(imported.warnings.len(), 1);
    assert!(imported.warnings[0].message.contains("Addresses"));
    let empty = dir_with(&[("a.json", r#"{"Addresses":[]}"#)]);
    assert!(matches!(load(empty.path()), Err(ModelError::Format { .. })));
}

#[test]
fn deep_nesting_and_wrong_types_do_not_panic() {
    let deep = format!("{{\"Vpcs\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
    let d = dir_with(&[("deep.json", &deep)]);
    assert!(load(d.path()).is_err());
    let d = dir_with(&[("types.json", r#"{"Vpcs": {"not": "an array"}}"#)]);
    assert!(load(d.path()).is_err());
}

#[test]
fn region_folders_and_snapshot_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let region = d.path().join("aws_configs").join("eu-west-1");
    fs::create_dir_all(&region).unwrap();
    fs::write(
        region.join("v.json"),
        r#"{"Vpcs":[{"VpcId":"vpc-1","CidrBlock":"10.0.0.0/16"}]}"#,
    )
    .unwrap();
    let imported = load(d.path()).unwrap();
    assert_eq!(imported.snapshot.metadata.regions, vec!["eu-west-1"]);
    assert_eq!(
        imported.snapshot.vpcs.as_ref().unwrap()[0]
            .region
            .as_deref(),
        Some("eu-west-1")
    );
    let file = d.path().join("snap.json");
    fs::write(&file, imported.snapshot.to_json()).unwrap();
    let again = load(&file).unwrap().snapshot;
    assert_eq!(again.vpcs, imported.snapshot.vpcs);
    assert!(again.subnets.is_none(), "absent collections stay absent");
    fs::write(&file, r#"{"format":"netpath-snapshot","version":99}"#).unwrap();
    assert!(load(&file).unwrap_err().to_string().contains("version 99"));
}
