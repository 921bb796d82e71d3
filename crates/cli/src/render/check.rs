//! `netpath check --output table|junit`: one PASS/FAIL line (or JUnit test
//! case) per intent, with the violations.

use std::fmt::Write;

use super::word::{flow_ports, word};

fn violation_text(v: &netpath_engine::Violation) -> String {
    format!(
        "{} -> {} {}: {} — {}",
        v.from,
        v.to,
        flow_ports(v.ip_version, &v.protocol, v.ports),
        word(&v.verdict),
        v.reason
    )
}

/// Renders a policy check: one PASS/FAIL line per intent, then the violations.
pub fn check(r: &netpath_engine::CheckReport, policy: &str) -> String {
    use netpath_engine::Status;
    let mut out = String::new();
    for res in &r.results {
        let status = match res.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
        };
        let _ = writeln!(
            out,
            "{status}  {}[{}] {}: {}",
            res.kind, res.index, res.name, res.summary
        );
        for v in &res.violations {
            let _ = writeln!(out, "      {}", violation_text(v));
            for f in &v.explanation.fixes {
                let _ = writeln!(out, "        fix: {}", f.summary);
            }
        }
        if res.violations_total > res.violations.len() {
            let _ = writeln!(
                out,
                "      ... and {} more",
                res.violations_total - res.violations.len()
            );
        }
    }
    let _ = writeln!(out, "\n{policy}: {} passed, {} failed", r.passed, r.failed);
    out
}

/// Renders a policy check as JUnit XML: one test suite for the policy, one
/// test case per intent (classname = intent kind), a `<failure>` per failed
/// intent carrying every violation.
pub fn junit(r: &netpath_engine::CheckReport, policy: &str) -> anyhow::Result<String> {
    use netpath_engine::Status;
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("netpath check");
    let mut suite = TestSuite::new(policy);
    for res in &r.results {
        let status = match res.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Fail => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(res.summary.clone());
                s.set_type(res.kind);
                let mut body: Vec<String> = res.violations.iter().map(violation_text).collect();
                if res.violations_total > res.violations.len() {
                    body.push(format!(
                        "... and {} more",
                        res.violations_total - res.violations.len()
                    ));
                }
                s.set_description(body.join("\n"));
                s
            }
        };
        let mut case = TestCase::new(res.name.clone(), status);
        case.set_classname(format!("{}[{}]", res.kind, res.index));
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}
