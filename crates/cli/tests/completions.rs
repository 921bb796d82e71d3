//! `netpath completions`, `netpath man` and `--version`: generated from the
//! parser itself, checked by the tools that read them where they exist.

mod common;

use std::process::Command;

use common::{run, workspace};

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}: {err}");
        for cmd in ["explain", "host-facts", "diff", "reach"] {
            assert!(out.contains(cmd), "{shell}: {cmd} missing");
        }
    }
    // The bash script is valid bash.
    let (_, script, _) = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("netpath.bash");
    std::fs::write(&f, script).unwrap();
    if let Ok(s) = Command::new("bash").arg("-n").arg(&f).status() {
        assert!(s.success(), "bash -n rejects the completion script");
    }
}

#[test]
fn the_man_page_is_roff_with_every_command() {
    let (code, out, err) = run(&["man"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains(".TH netpath 1"),
        "{}",
        &out[..200.min(out.len())]
    );
    for cmd in ["explain", "host\\-facts", "exposure"] {
        assert!(out.contains(cmd), "{cmd} missing from the man page");
    }
}

#[test]
fn version_names_the_commit() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, Some(0));
    let v = out.trim();
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(workspace())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(h) => assert!(v.contains(&format!("({h}")), "{v} does not name {h}"),
        None => assert!(v.ends_with("(unknown)"), "{v}"),
    }
    assert!(
        v.starts_with(&format!("netpath {}", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
}

#[test]
fn every_command_shows_an_example_with_its_own_flags() {
    let commands = [
        "explain",
        "snapshot",
        "import",
        "merge",
        "diff",
        "plan",
        "check",
        "reach",
        "exposure",
        "flowlogs",
        "synth",
        "host-facts",
        "completions",
        "man",
    ];
    for cmd in commands {
        let (code, help, err) = run(&[cmd, "--help"]);
        assert_eq!(code, Some(0), "{cmd}: {err}");
        let example = help
            .split("Example:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{cmd} --help has no example:\n{help}"));
        // Each example's flags are flags of that command (its help lists them).
        for line in example
            .lines()
            .filter(|l| l.trim_start().starts_with("netpath "))
        {
            let words: Vec<&str> = line.split_whitespace().skip(1).collect();
            assert_eq!(words[0], cmd, "{line}");
            for flag in words.iter().filter(|w| w.starts_with("--")) {
                assert!(
                    help.contains(&format!("{flag} "))
                        || help.contains(&format!("{flag}\n"))
                        || help.contains(&format!("{flag} <")),
                    "{cmd}: example flag {flag} is not in its help"
                );
            }
        }
    }
    let (_, help, _) = run(&["explain", "--help"]);
    assert!(help.contains("Live collection:"), "{help}");
}
