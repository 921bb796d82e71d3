//! Hostile input: 100 MB adversarial files (deep nesting, a huge array of
//! numbers, invalid UTF-8, out-of-range values after 100 MB of valid
//! resources) must each give a clear error (file, and resource and field
//! where there is one), never a panic or a hang, with peak memory bounded:
//! under 1 GiB for a 100 MB file (about what a legitimate 100 MB
//! describe-network-interfaces file costs once parsed).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

const SIZE: usize = 100_000_000;
const MEMORY_LIMIT: u64 = 1 << 30;

/// Runs `netpath explain -s FILE`; returns (exit code, stderr, peak RSS bytes).
// The child is reaped by `wait4` (which also reports its peak memory), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run(path: &std::path::Path) -> (i32, String, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpath"))
        .args([
            "explain",
            "-s",
            path.to_str().unwrap(),
            "--from",
            "i-1",
            "--to",
            "db-1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid is valid until reaped here.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (code, err, usage.ru_maxrss as u64 * 1024)
}

/// Writes `head`, then `item` repeated (comma-separated) up to about 100 MB, then `tail`.
fn write(
    dir: &std::path::Path,
    name: &str,
    head: &str,
    item: &str,
    tail: &[u8],
) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    let n = SIZE / (item.len() + 1);
    for i in 0..n {
        if i > 0 {
            f.write_all(b",").unwrap();
        }
        f.write_all(item.as_bytes()).unwrap();
    }
    f.write_all(tail).unwrap();
    f.flush().unwrap();
    path
}

#[test]
fn hundred_megabyte_adversarial_files_fail_cleanly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let eni = r#"{"NetworkInterfaceId":"eni-1","SubnetId":"subnet-1","VpcId":"vpc-1","PrivateIpAddresses":[{"PrivateIpAddress":"10.0.0.5","Primary":true}],"Groups":[{"GroupId":"sg-1"}]}"#;
    let snap_eni = r#"{"network_interface_id":"eni-1","subnet_id":"subnet-1","vpc_id":"vpc-1","private_ip_addresses":[{"private_ip_address":"10.0.0.5","primary":true}],"groups":["sg-1"]}"#;
    // (file, what stderr must name)
    let cases: Vec<(std::path::PathBuf, Vec<&str>)> = vec![
        (
            {
                // 50 million opening brackets, then as many closing ones.
                let p = d.join("deep.json");
                let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
                f.write_all(&vec![b'['; SIZE / 2]).unwrap();
                f.write_all(&vec![b']'; SIZE / 2]).unwrap();
                f.flush().unwrap();
                p
            },
            vec!["deep.json", "not a JSON object"],
        ),
        (
            write(d, "numbers.json", "{\"Vpcs\":[", "1", b"]}"),
            vec!["numbers.json", "Vpcs"],
        ),
        (
            write(
                d,
                "bad-ip-at-the-end.json",
                "{\"NetworkInterfaces\":[",
                eni,
                br#",{"NetworkInterfaceId":"eni-bad","SubnetId":"s","VpcId":"v","PrivateIpAddresses":[{"PrivateIpAddress":"10.0.0.0/33"}]}]}"#,
            ),
            vec!["bad-ip-at-the-end.json", "eni-bad", "PrivateIpAddress"],
        ),
        (
            write(
                d,
                "port-70000-at-the-end.json",
                "{\"format\":\"netpath-snapshot\",\"version\":1,\"network_interfaces\":[",
                snap_eni,
                br#"],"security_groups":[{"group_id":"sg-9","group_name":"x","ip_permissions":[{"ip_protocol":"tcp","from_port":70000,"to_port":70000}]}]}"#,
            ),
            vec!["port-70000-at-the-end.json", "sg-9"],
        ),
        (
            write(
                d,
                "invalid-utf8.json",
                "{\"NetworkInterfaces\":[",
                eni,
                b",{\"NetworkInterfaceId\":\"eni-\xff\xfe\"}]}",
            ),
            vec!["invalid-utf8.json", "line 1"],
        ),
        (
            write(
                d,
                "rule-number-0.json",
                "{\"NetworkAcls\":[{\"NetworkAclId\":\"acl-1\",\"VpcId\":\"vpc-1\",\"Entries\":[",
                r#"{"RuleNumber":100,"Egress":false,"Protocol":"-1","RuleAction":"allow","CidrBlock":"0.0.0.0/0"}"#,
                br#",{"RuleNumber":0,"Egress":true,"Protocol":"-1","RuleAction":"allow","CidrBlock":"0.0.0.0/0"}]}]}"#,
            ),
            vec!["rule-number-0.json", "acl-1"],
        ),
    ];
    let mut report = Vec::new();
    for (path, must) in &cases {
        let (code, err, rss) = run(path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        report.push(format!(
            "{name}: exit {code}, peak {} MB: {}",
            rss >> 20,
            err.trim()
        ));
        assert_eq!(
            code, 2,
            "{name}: expected a clean error (exit 2), got {code}: {err}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
        for m in must {
            assert!(
                err.contains(m),
                "{name}: the error should name `{m}`: {err}"
            );
        }
        assert!(rss < MEMORY_LIMIT, "{name}: peak memory {} MB", rss >> 20);
    }
    eprintln!("{}", report.join("\n"));
}
