//! References: Name tags, ids, addresses; an ambiguous one fails and lists the candidates.

use super::*;

#[test]
fn ambiguous_name_tag_fails_and_lists_candidates() {
    let mut s = load("war-story-sg-drift");
    let mut twin = s.instances.as_ref().unwrap()[0].clone();
    twin.instance_id = "i-0twin".into();
    s.instances.as_mut().unwrap().push(twin);
    let topo = Topology::new(&s);
    let err = explain(&topo, "app-server", "prod-db", &ExplainOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("i-0a00000000000a001") && msg.contains("i-0twin"),
        "{msg}"
    );
}
