//! Security groups: allow-only, a union of the ENI's groups, stateful; a group reference matches the private IPs of its members.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>

use super::*;

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
    let db_sg = s
        .security_groups
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|g| g.group_id == "sg-0a00000000000d001")
        .unwrap();
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
