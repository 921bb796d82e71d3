//! The ends' state: an instance that is not `running` sends and answers
//! nothing; a DB instance answers only when `available`.
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>,
//! <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html>

use super::*;

#[test]
fn a_stopped_instance_sends_nothing() {
    let mut s = load("war-story-sg-drift");
    for i in s.instances.as_mut().unwrap() {
        i.state = "stopped".into();
    }
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    let b = &e.blockers[0];
    assert_eq!(
        (b.kind, b.code),
        (HopKind::Instance, ExplanationCode::BadState)
    );
    assert_eq!(e.symptom, Symptom::Timeout);
}

#[test]
fn a_stopped_db_answers_nothing_and_its_fix_starts_it() {
    let s = load("stopped-db");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    let b = e.blocking.unwrap();
    assert_eq!(
        (b.kind, b.code),
        (HopKind::DbInstance, ExplanationCode::BadState)
    );
}
