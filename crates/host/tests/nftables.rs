//! `parse_nft_json` on a real capture and a hand-written inet ruleset.

mod common;

use common::{fixture, net, proto};

use netpath_host::parse_nft_json;
use netpath_model::host::{
    Action, AddrType, CtState, Family, FirewallChain, FirewallRule, Hook, Match, Ports, RejectWith,
    L4,
};

fn chain<'a>(
    chains: &'a [FirewallChain],
    family: Family,
    table: &str,
    name: &str,
) -> &'a FirewallChain {
    chains
        .iter()
        .find(|c| c.family == family && c.table == table && c.name == name)
        .unwrap_or_else(|| panic!("no chain {family:?} {table} {name}"))
}

fn handle(c: &FirewallChain, h: u32) -> Vec<&FirewallRule> {
    c.rules
        .iter()
        .filter(|r| r.origin == format!("handle {h}"))
        .collect()
}

fn dport(from: u16, to: u16) -> Match {
    Match::DestinationPort {
        negate: false,
        ports: vec![Ports { from, to }],
    }
}

#[test]
fn real_workstation_ruleset() {
    let chains =
        parse_nft_json(&fixture("real/nft-ruleset.workstation-nft1.0.9.json"), "ws").unwrap();
    assert_eq!(chains.len(), 6);
    for family in [Family::Ip, Family::Ip6] {
        let input = chain(&chains, family, "filter", "input");
        assert_eq!(input.hook, Some(Hook::Input));
        assert_eq!(input.priority, 0);
        assert_eq!(input.policy, Some(Action::Drop));
        let output = chain(&chains, family, "filter", "output");
        assert_eq!(output.hook, Some(Hook::Output));
        assert_eq!(output.policy, Some(Action::Accept));
        let forward = chain(&chains, family, "filter", "forward");
        assert_eq!(forward.hook, None);
        assert_eq!(forward.policy, None);
        assert_eq!(input.rules.len(), 7);

        let invalid = &input.rules[0];
        assert_eq!(invalid.origin, "handle 4");
        assert_eq!(
            invalid.matches,
            [Match::CtState {
                negate: false,
                states: vec![CtState::Invalid]
            }]
        );
        assert_eq!(invalid.action, Action::Drop);
        assert_eq!(
            invalid.text,
            "ct state invalid counter drop comment \"early drop of invalid packets\""
        );
        assert_eq!(
            input.rules[1].matches,
            [Match::CtState {
                negate: false,
                states: vec![CtState::Established, CtState::Related]
            }]
        );
        assert_eq!(
            input.rules[2].matches,
            [Match::InInterface {
                negate: false,
                name: "lo".into()
            }]
        );
        let ssh = &input.rules[5];
        assert_eq!(ssh.origin, "handle 10");
        assert_eq!(
            ssh.text,
            "tcp dport 22 counter accept comment \"accept SSH\""
        );
        assert_eq!(ssh.matches, [proto(L4::Tcp), dport(22, 22)]);
        assert_eq!(ssh.action, Action::Accept);
        // The trailing counter: no verdict.
        assert!(input.rules[6].matches.is_empty());
        assert_eq!(input.rules[6].action, Action::Continue);
    }
    let v4 = chain(&chains, Family::Ip, "filter", "input");
    assert_eq!(
        v4.rules[3].matches,
        [
            Match::InInterface {
                negate: true,
                name: "lo".into()
            },
            Match::Destination {
                negate: false,
                nets: vec![net("127.0.0.0/8")]
            },
        ]
    );
    assert_eq!(v4.rules[4].matches, [proto(L4::Icmp)]);
    let v6 = chain(&chains, Family::Ip6, "filter", "input");
    assert_eq!(
        v6.rules[3].matches[1],
        Match::Destination {
            negate: false,
            nets: vec![net("::1/128")]
        }
    );
    assert_eq!(v6.rules[4].matches, [proto(L4::Icmpv6)]);
}

#[test]
fn hand_written_inet_server() {
    let chains = parse_nft_json(&fixture("parse/nft-ruleset.inet-server.json"), "server").unwrap();
    // netdev is skipped; ip nat, ip6 mangle and ip filter INPUT are kept.
    assert!(chains.iter().all(|c| c.table != "edge"));
    assert_eq!(chains.len(), 7);
    let input = chain(&chains, Family::Inet, "filter", "input");
    assert_eq!(input.family, Family::Inet);
    assert_eq!(input.policy, Some(Action::Drop));

    // vmap → one rule per entry.
    let vmap = handle(input, 20);
    assert_eq!(vmap.len(), 3);
    assert_eq!(
        vmap[0].matches,
        [Match::CtState {
            negate: false,
            states: vec![CtState::Established]
        }]
    );
    assert_eq!(vmap[0].action, Action::Accept);
    assert_eq!(
        vmap[2].matches,
        [Match::CtState {
            negate: false,
            states: vec![CtState::Invalid]
        }]
    );
    assert_eq!(vmap[2].action, Action::Drop);
    assert_eq!(
        vmap[0].text,
        "ct state vmap { established : accept, related : accept, invalid : drop }"
    );

    assert_eq!(
        handle(input, 22)[0].matches,
        [Match::Protocol {
            negate: false,
            protocols: vec![L4::Icmp, L4::Icmpv6]
        }]
    );
    // A set of ICMPv6 types: one rule per type.
    let nd = handle(input, 23);
    assert_eq!(nd.len(), 2);
    assert_eq!(
        nd[0].matches,
        [
            proto(L4::Icmpv6),
            Match::IcmpType {
                negate: false,
                icmp_type: 135,
                code: None
            }
        ]
    );
    assert_eq!(
        nd[1].matches[1],
        Match::IcmpType {
            negate: false,
            icmp_type: 136,
            code: None
        }
    );

    // A static named set is resolved, ranges into CIDRs.
    let admins = handle(input, 24);
    assert_eq!(admins.len(), 1);
    assert_eq!(
        admins[0].matches,
        [
            Match::Source {
                negate: false,
                nets: vec![
                    net("10.20.0.0/16"),
                    net("192.0.2.10/32"),
                    net("198.51.100.1/32"),
                    net("198.51.100.2/31"),
                    net("198.51.100.4/31"),
                    net("198.51.100.6/32"),
                ]
            },
            proto(L4::Tcp),
            dport(22, 22),
        ]
    );
    assert_eq!(
        admins[0].text,
        "ip saddr @admins tcp dport 22 counter accept"
    );
    // A dynamic set is not.
    let banned = &handle(input, 25)[0];
    assert!(matches!(&banned.matches[0], Match::Unsupported { text } if text.contains("@banned")));
    assert_eq!(banned.action, Action::Drop);

    let web = &handle(input, 26)[0];
    assert_eq!(
        web.matches[1],
        Match::DestinationPort {
            negate: false,
            ports: vec![
                Ports { from: 80, to: 80 },
                Ports { from: 443, to: 443 },
                Ports {
                    from: 8000,
                    to: 8080
                }
            ]
        }
    );
    assert_eq!(
        web.action,
        Action::Jump {
            chain: "services".into()
        }
    );

    let dns = &handle(input, 27)[0];
    assert_eq!(dns.matches[..2], [proto(L4::Udp), dport(53, 53)]);
    assert!(
        matches!(&dns.matches[2], Match::Unsupported { text } if text.starts_with("limit rate 10/second"))
    );
    assert_eq!(dns.action, Action::Accept);

    assert_eq!(
        handle(input, 28)[0].matches,
        [Match::AddrType {
            negate: false,
            destination: true,
            types: vec![AddrType::Broadcast, AddrType::Multicast]
        }]
    );
    let mysql = &handle(input, 29)[0];
    assert_eq!(
        mysql.matches,
        [
            Match::Source {
                negate: false,
                nets: vec![net("0.0.0.0/0")]
            },
            proto(L4::Tcp),
            dport(3306, 3306)
        ]
    );
    assert_eq!(
        mysql.action,
        Action::Reject {
            with: RejectWith::TcpReset
        }
    );
    // `!= { … }`: all must differ, in one rule; `eth*` becomes `eth+`.
    let not_ifaces = handle(input, 30);
    assert_eq!(not_ifaces.len(), 1);
    assert_eq!(
        not_ifaces[0].matches,
        [
            Match::InInterface {
                negate: true,
                name: "eth+".into()
            },
            Match::InInterface {
                negate: true,
                name: "ens5".into()
            },
        ]
    );
    let syn = &handle(input, 31)[0];
    assert_eq!(
        syn.matches,
        [
            proto(L4::Tcp),
            Match::TcpSyn { negate: false },
            dport(0, 1023)
        ]
    );
    assert_eq!(syn.action, Action::Continue);
    let xt = &handle(input, 32)[0];
    assert!(matches!(&xt.matches[0], Match::Unsupported { text } if text.contains("\"xt\"")));
    assert_eq!(
        handle(input, 33)[0].action,
        Action::Reject {
            with: RejectWith::IcmpHostUnreachable
        }
    );

    let services = chain(&chains, Family::Inet, "filter", "services");
    assert_eq!(services.hook, None);
    assert_eq!(services.policy, None);
    assert_eq!(
        services.rules[0].matches[0],
        Match::Source {
            negate: true,
            nets: vec![net("2001:db8::/32")]
        }
    );
    assert_eq!(
        services.rules[0].action,
        Action::Reject {
            with: RejectWith::IcmpPortUnreachable
        }
    );
    assert_eq!(
        services.rules[1].matches,
        [
            proto(L4::Icmp),
            Match::IcmpType {
                negate: false,
                icmp_type: 3,
                code: Some(4)
            }
        ]
    );

    let output = chain(&chains, Family::Inet, "filter", "output");
    assert_eq!(output.hook, Some(Hook::Output));
    assert!(
        matches!(&output.rules[0].matches[1], Match::Unsupported { text } if text.contains("skuid"))
    );

    let nat = chain(&chains, Family::Ip, "nat", "prerouting");
    assert_eq!(nat.hook, None);
    assert!(matches!(nat.rules[0].action, Action::Unsupported { .. }));
    assert_eq!(
        chain(&chains, Family::Ip6, "mangle", "output").hook,
        None,
        "type route is not filter"
    );
    let named_prio = chain(&chains, Family::Ip, "filter", "INPUT");
    assert_eq!(named_prio.priority, 10);
    assert_eq!(named_prio.hook, Some(Hook::Input));
}

fn error(text: &str) -> String {
    parse_nft_json(text, "rules.json").unwrap_err().to_string()
}

#[test]
fn errors_name_origin_and_path() {
    assert_eq!(
        error("{\"nftables\": [}"),
        "rules.json: line 1 column 15: not JSON: expected value at line 1 column 15"
    );
    assert_eq!(
        error("[]"),
        "rules.json: $: expected an object with an `nftables` array"
    );
    assert_eq!(
        error(r#"{"nftables":[{"chain":{"family":"inet","table":"t"}}]}"#),
        "rules.json: nftables[0].chain.name: missing, or not a string"
    );
    assert_eq!(
        error(r#"{"nftables":[{"rule":{"family":"inet","table":"t","chain":"c","handle":3,"expr":[]}}]}"#),
        "rules.json: nftables[0].rule.chain: rule for chain inet t c, which is not listed before it"
    );
    assert_eq!(
        error(
            r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"c","type":"filter","hook":"input","prio":0,"policy":"reject"}}]}"#
        ),
        "rules.json: nftables[0].chain.policy: unknown policy \"reject\""
    );
    assert_eq!(
        error(
            r#"{"nftables":[{"chain":{"family":"ip","table":"t","name":"c","type":"filter","hook":"input","prio":"sometimes"}}]}"#
        ),
        "rules.json: nftables[0].chain.prio: unknown priority \"sometimes\""
    );
}

#[test]
fn absent_policy_is_accept_and_empty_ruleset() {
    let chains = parse_nft_json(
        r#"{"nftables":[{"chain":{"family":"ip6","table":"t","name":"out","type":"filter","hook":"output","prio":-5}}]}"#,
        "x",
    )
    .unwrap();
    assert_eq!(chains[0].policy, Some(Action::Accept));
    assert_eq!(chains[0].priority, -5);
    assert!(parse_nft_json(
        r#"{"nftables":[{"metainfo":{"json_schema_version":1}}]}"#,
        "x"
    )
    .unwrap()
    .is_empty());
}

fn one_rule(exprs: &str) -> Vec<FirewallRule> {
    let text = format!(
        r#"{{"nftables":[{{"chain":{{"family":"inet","table":"t","name":"c","type":"filter","hook":"input","prio":0}}}},
        {{"rule":{{"family":"inet","table":"t","chain":"c","handle":7,"expr":{exprs}}}}}]}}"#
    );
    parse_nft_json(&text, "x").unwrap().remove(0).rules
}

#[test]
fn single_expressions() {
    let r = one_rule(
        r#"[{"match":{"op":"!=","left":{"payload":{"protocol":"th","field":"sport"}},"right":{"range":[1,1023]}}},{"goto":{"target":"other"}}]"#,
    );
    assert_eq!(
        r[0].matches,
        [Match::SourcePort {
            negate: true,
            ports: vec![Ports { from: 1, to: 1023 }]
        }]
    );
    assert_eq!(
        r[0].action,
        Action::Goto {
            chain: "other".into()
        }
    );
    assert_eq!(r[0].text, "th sport != 1-1023 goto other");

    let r = one_rule(
        r#"[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":6}},{"reject":null}]"#,
    );
    assert_eq!(r[0].matches, [proto(L4::Tcp)]);
    assert_eq!(
        r[0].action,
        Action::Reject {
            with: RejectWith::IcmpPortUnreachable
        }
    );

    let r = one_rule(
        r#"[{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["new","untracked"]}},{"return":null}]"#,
    );
    assert_eq!(
        r[0].matches,
        [Match::CtState {
            negate: false,
            states: vec![CtState::New, CtState::Untracked]
        }]
    );
    assert_eq!(r[0].action, Action::Return);

    let r = one_rule(
        r#"[{"match":{"op":"==","left":{"meta":{"key":"oifname"}},"right":{"set":["a","b"]}}},{"accept":null}]"#,
    );
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1].matches,
        [Match::OutInterface {
            negate: false,
            name: "b".into()
        }]
    );
    assert!(r.iter().all(|x| x.origin == "handle 7"));

    let r = one_rule(
        r#"[{"match":{"op":"==","left":{"payload":{"protocol":"ip6","field":"daddr"}},"right":{"set":[{"prefix":{"addr":"fd00::","len":8}},"2001:db8::1"]}}},{"reject":{"type":"icmpv6","expr":"port-unreachable"}}]"#,
    );
    assert_eq!(
        r[0].matches,
        [Match::Destination {
            negate: false,
            nets: vec![net("fd00::/8"), net("2001:db8::1/128")]
        }]
    );
    assert_eq!(
        r[0].action,
        Action::Reject {
            with: RejectWith::IcmpPortUnreachable
        }
    );

    let r = one_rule(
        r#"[{"match":{"op":"==","left":{"meta":{"key":"mark"}},"right":1}},{"queue":{"num":1}}]"#,
    );
    assert!(matches!(&r[0].matches[0], Match::Unsupported { text } if text.contains("\"mark\"")));
    assert!(matches!(&r[0].action, Action::Unsupported { .. }));

    // Restating the chain's family is no condition; in `ip` it would be.
    let r = one_rule(
        r#"[{"match":{"op":"==","left":{"meta":{"key":"nfproto"}},"right":"ipv6"}},{"accept":null}]"#,
    );
    assert_eq!(
        r[0].matches,
        [Match::Source {
            negate: false,
            nets: vec![net("::/0")]
        }]
    );

    let r = one_rule(
        r#"[{"xt":{"type":"match","name":"comment"}},{"xt":{"type":"target","name":"LOG"}}]"#,
    );
    assert!(r[0].matches.is_empty());
    assert!(matches!(&r[0].action, Action::Unsupported { .. }));
}

#[test]
fn iptables_nft_tables_keep_their_xt_matches_as_unsupported() {
    // The Debian 12 ufw ruleset as `nft -j` prints it: iptables-nft's xt
    // matches carry no options there, so they must never be taken for
    // conditions that hold.
    let chains = parse_nft_json(
        &fixture("real/nft-ruleset.debian12-ufw-iptables-nft.json"),
        "nft",
    )
    .unwrap();
    let input = chains
        .iter()
        .find(|c| c.family == Family::Ip && c.table == "filter" && c.name == "INPUT")
        .unwrap();
    assert_eq!(input.hook, Some(Hook::Input));
    assert_eq!(input.policy, Some(Action::Drop));
    let xt = chains
        .iter()
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.matches)
        .filter(|m| matches!(m, Match::Unsupported { text } if text.contains("xt")))
        .count();
    assert!(xt >= 20, "{xt} xt matches kept as unsupported");
}
