//! Security groups: allow-only, a union of the ENI's groups, stateful; a group reference matches the private IPs of its members.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>

use super::*;

/// The war story's DB group, `sg-db` (sg-0a00000000000d001).
fn db_group(s: &mut Snapshot) -> &mut SecurityGroup {
    s.security_groups
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g.group_id == "sg-0a00000000000d001")
        .unwrap()
}

#[test]
fn war_story_blocks_at_the_db_group_and_fix_uses_the_new_app_group() {
    let s = load("war-story-sg-drift");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Blocked);
    assert_eq!(e.port, 5432, "port defaults to the DB endpoint port");
    let b = e.blocking.unwrap();
    assert_eq!(
        (b.kind, b.component.as_str(), b.code.as_str()),
        (
            HopKind::SecurityGroup,
            "sg-0a00000000000d001",
            "ENI_SG_RULES_MISMATCH"
        )
    );
    assert_eq!(e.symptom, Symptom::Timeout);
    let cmd = e.fixes[0].command.as_deref().unwrap();
    assert!(
        cmd.contains("--group-id sg-0a00000000000d001")
            && cmd.contains("GroupId=sg-0a00000000000a002"),
        "{cmd}"
    );
    assert!(!cmd.contains("0.0.0.0/0"));
}

#[test]
fn security_groups_are_a_union_and_adding_a_rule_never_blocks() {
    let mut s = load("war-story-sg-drift");
    // Add sg-app-v2 to the DB group: now allowed.
    let db_sg = db_group(&mut s);
    db_sg.ip_permissions[0]
        .user_id_group_pairs
        .push(UserIdGroupPair {
            group_id: "sg-0a00000000000a002".into(),
            user_id: None,
            vpc_id: None,
            vpc_peering_connection_id: None,
            peering_status: None,
        });
    assert_eq!(
        ask(&s, "app-server", "prod-db", None).verdict,
        Verdict::Reachable
    );
}

#[test]
fn missing_group_definition_is_unknown_never_reachable() {
    let mut s = load("war-story-sg-drift");
    s.security_groups
        .as_mut()
        .unwrap()
        .retain(|g| g.group_id != "sg-0a00000000000d001");
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(
        e.missing.iter().any(|m| m.contains("sg-0a00000000000d001")),
        "{:?}",
        e.missing
    );
}

#[test]
fn an_all_traffic_rule_opens_every_port() {
    let mut s = load("war-story-sg-drift");
    let db_sg = db_group(&mut s);
    let mut all = db_sg.ip_permissions[0].clone();
    all.ip_protocol = IpProtocol::All;
    all.from_port = Some(-1);
    all.to_port = Some(-1);
    all.user_id_group_pairs.clear();
    all.ip_ranges = vec!["10.0.0.0/16".parse().unwrap()];
    db_sg.ip_permissions.push(all);
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Reachable, "{:?}", e.blocking);
}

#[test]
fn a_prefix_list_peer_without_entries_is_unknown() {
    let mut s = load("war-story-sg-drift");
    let db_sg = db_group(&mut s);
    let mut pl = db_sg.ip_permissions[0].clone();
    pl.user_id_group_pairs.clear();
    pl.ip_ranges.clear();
    pl.prefix_list_ids = vec!["pl-0notcollected".into()];
    db_sg.ip_permissions.push(pl);
    let e = ask(&s, "app-server", "prod-db", None);
    assert_eq!(e.verdict, Verdict::Unknown, "{:?}", e.blocking);
    assert!(
        e.missing.iter().any(|m| m.contains("pl-0notcollected")),
        "{:?}",
        e.missing
    );
}

#[test]
fn the_war_story_names_the_groups_and_its_near_miss() {
    let e = ask(&load("war-story-sg-drift"), "app-server", "prod-db", None);
    let b = e.blocking.as_ref().expect("blocked");
    assert_eq!(b.name.as_deref(), Some("sg-db"));
    let near = e.near_misses.first().expect("a near miss");
    for name in ["(sg-db)", "(sg-app)", "(sg-app-v2)"] {
        assert!(near.contains(name), "{near}");
    }
    // Names beside ids in every hop that has one, and in the fix.
    let sg = e
        .hops
        .iter()
        .find(|h| h.component == "sg-0a00000000000a002")
        .unwrap();
    assert_eq!(sg.name.as_deref(), Some("sg-app-v2"));
    assert!(e.fixes[0]
        .summary
        .contains("sg-0a00000000000a002 (sg-app-v2)"));
    assert!(!e.fixes[0].command.as_deref().unwrap_or("").contains("(sg-"));
}

#[test]
fn a_rule_on_another_port_is_the_near_miss() {
    let e = ask(&load("wrong-port-rule"), "app-server", "prod-db", None);
    let near = e.near_misses.first().expect("a near miss");
    assert!(near.contains("it opens tcp 3306, not tcp 5432"), "{near}");
}
