//! `docs/iam-policy.json` is the least-privilege policy for `netpath
//! snapshot`: it must grant exactly the operations the collector calls. Three
//! lists are kept in step: the policy, [`netpath_collect::OPERATIONS`], and
//! the SDK calls written in this crate's source (`ec2.describe_vpcs()`,
//! `rds.describe_db_instances()`, `sts.get_caller_identity()`,
//! `elb.describe_load_balancers()`, `dx.describe_direct_connect_gateways()`,
//! ...), found by
//! reading the source.

use std::collections::BTreeSet;
use std::path::Path;

use netpath_collect::{OrgOptions, OPERATIONS, ORG_OPERATIONS};

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<String>()
        // The API spells these acronyms in capitals.
        .replace("Db", "DB")
}

/// `service:Operation` for every `ec2.<op>(` / `rds.<op>(` / `sts.<op>(` /
/// `elb.<op>(` (Elastic Load Balancing v2) call in the source.
fn calls_in_source() -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeSet::new();
    // Every `.rs` file under `src/`, submodule folders included.
    let mut files = Vec::new();
    let mut dirs = vec![src];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.push(p);
            }
        }
    }
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        // Method chains span lines: drop whitespace, then look for `client.op(`.
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        // The client variable, and the service its calls belong to.
        for (client, service) in [
            ("ec2", "ec2"),
            ("rds", "rds"),
            ("sts", "sts"),
            ("elb", "elasticloadbalancing"),
            ("orgs", "organizations"),
            ("dx", "directconnect"),
        ] {
            let needle = format!("{client}.");
            let mut rest = flat.as_str();
            while let Some(i) = rest.find(&needle) {
                let after = &rest[i + needle.len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                let preceded_ok = i == 0
                    || !rest.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && rest.as_bytes()[i - 1] != b'_'
                        && rest.as_bytes()[i - 1] != b':';
                if preceded_ok
                    && !name.is_empty()
                    && after[name.len()..].starts_with('(')
                    && name != "clone"
                {
                    out.insert(format!("{service}:{}", pascal(&name)));
                }
                rest = &rest[i + needle.len()..];
            }
        }
    }
    out
}

fn policy(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn actions_of(doc: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().unwrap() {
        assert_eq!(st["Effect"], "Allow", "the policy only allows");
        let list = match &st["Action"] {
            serde_json::Value::String(a) => vec![a.clone()],
            v => v
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect(),
        };
        for a in &list {
            assert!(!a.contains('*'), "no wildcards: {a}");
            out.insert(a.to_string());
        }
    }
    out
}

fn policy_actions() -> BTreeSet<String> {
    actions_of(&policy("iam-policy.json"))
}

#[test]
fn the_policy_grants_exactly_the_operations_called() {
    let listed: BTreeSet<String> = OPERATIONS.iter().map(|s| s.to_string()).collect();
    let org: BTreeSet<String> = ORG_OPERATIONS.iter().map(|s| s.to_string()).collect();
    let called = calls_in_source();
    let granted = policy_actions();
    assert_eq!(
        called,
        listed.union(&org).cloned().collect(),
        "the SDK calls in crates/collect/src and OPERATIONS + ORG_OPERATIONS differ"
    );
    assert_eq!(
        granted, listed,
        "docs/iam-policy.json and OPERATIONS differ"
    );
    for op in &listed {
        let name = op.split(':').nth(1).unwrap();
        assert!(
            // SearchTransitGatewayRoutes is a read (IAM access level List).
            name.starts_with("Describe")
                || name.starts_with("Get")
                || name.starts_with("List")
                || name == "SearchTransitGatewayRoutes",
            "{op} is not read-only"
        );
    }
}

/// The three documents of a multi-account collection (issue 18): the
/// member-role policy (`iam-policy.json`, above), the management-side policy
/// granting exactly [`ORG_OPERATIONS`] on the default role, and the member
/// role's trust policy, which lets the collecting account assume it.
#[test]
fn the_management_and_trust_policies_match_the_calls() {
    let org: BTreeSet<String> = ORG_OPERATIONS.iter().map(|s| s.to_string()).collect();
    let mgmt = policy("iam-management-policy.json");
    assert_eq!(actions_of(&mgmt), org, "docs/iam-management-policy.json");
    let role = OrgOptions::default().role_name;
    let assume = mgmt["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"].to_string().contains("sts:AssumeRole"))
        .unwrap();
    assert_eq!(
        assume["Resource"],
        format!("arn:aws:iam::*:role/{role}"),
        "the management policy may assume only the member role"
    );
    let trust = policy("iam-trust-policy.json");
    assert_eq!(
        actions_of(&trust),
        BTreeSet::from(["sts:AssumeRole".to_string()])
    );
    for st in trust["Statement"].as_array().unwrap() {
        assert!(
            st["Principal"]["AWS"].as_str().unwrap().ends_with(":root"),
            "the trust names the collecting account"
        );
    }
}
