//! Live collection without credentials says so in one plain sentence,
//! never a debug dump of the SDK's provider chain. No request leaves the
//! machine: the instance metadata service is disabled, and nothing is sent
//! before credentials are found.
#![cfg(feature = "live")]

use std::process::Command;

#[test]
fn no_credentials_is_one_plain_sentence() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["snapshot", "--out", "-"],
        vec!["explain", "--from", "a", "--to", "b", "--port", "22"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_netpath"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_REGION", "us-east-1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no AWS credentials found"), "{args:?}: {err}");
        assert!(err.contains("aws configure"), "{args:?}: {err}");
        for debug in [
            "CredentialsNotLoaded",
            "ProviderChainError",
            "DispatchFailure",
            "{",
        ] {
            assert!(!err.contains(debug), "{args:?}: debug form in {err}");
        }
    }
}
