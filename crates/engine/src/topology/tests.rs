//! [`Topology::patched`]: a copy's topology shares the host indexes only
//! while the copy shares the hosts, and answers as [`Topology::new`] does.

use std::sync::Arc;

use netpath_model::InstanceStateName;

use super::Topology;
use crate::answer::Verdict;
use crate::explain::{explain, ExplainOptions};
use crate::test_fixtures::load;

fn port(p: u16) -> ExplainOptions {
    ExplainOptions {
        port: Some(p),
        ..Default::default()
    }
}

#[test]
fn a_fixed_copy_shares_the_host_indexes_and_answers_as_a_fresh_index() {
    let snap = load("public-web-ssh-only");
    let topo = Topology::new(&snap);
    let before = explain(&topo, "198.51.100.7", "203.0.113.10", &port(80)).unwrap();
    assert_eq!(before.verdict, Verdict::Blocked);
    let edit = before
        .fixes
        .iter()
        .find_map(|f| f.edit.clone())
        .expect("a fix netpath can apply");
    let mut copy = snap.clone();
    assert!(edit.apply(&mut copy));

    let patched = topo.patched(&copy);
    assert!(Arc::ptr_eq(&topo.hosts, &patched.hosts));
    let fresh = Topology::new(&copy);
    let (a, b) = (
        explain(&patched, "198.51.100.7", "203.0.113.10", &port(80)).unwrap(),
        explain(&fresh, "198.51.100.7", "203.0.113.10", &port(80)).unwrap(),
    );
    assert_eq!(a.verdict, Verdict::Reachable);
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}

#[test]
fn a_copy_whose_instances_changed_is_indexed_again() {
    let snap = load("public-web-ssh-only");
    let topo = Topology::new(&snap);
    let mut copy = snap.clone();
    let first = &mut copy.instances.as_mut().unwrap()[0];
    first.state = InstanceStateName::Stopped;
    let id = first.instance_id.clone();

    let patched = topo.patched(&copy);
    assert!(!Arc::ptr_eq(&topo.hosts, &patched.hosts));
    assert_eq!(
        patched.instance(&id).unwrap().state,
        InstanceStateName::Stopped
    );
    assert_eq!(
        topo.instance(&id).unwrap().state,
        InstanceStateName::Running
    );
}
