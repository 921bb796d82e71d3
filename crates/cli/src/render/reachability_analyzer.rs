//! `netpath explain --output reachability-analyzer`: the answer in the JSON
//! shape of an AWS Reachability Analyzer `NetworkInsightsAnalysis`, as
//! `aws ec2 describe-network-insights-analyses` prints it, so scripts written
//! against Reachability Analyzer read netpath's answer.
//!
//! Shapes (EC2 API Reference): `NetworkInsightsAnalysis`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInsightsAnalysis.html>),
//! `PathComponent`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_PathComponent.html>),
//! `Explanation`
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Explanation.html>),
//! `AnalysisComponent`, `AnalysisAclRule`, `AnalysisSecurityGroupRule`,
//! `AnalysisRouteTableRoute` and `AnalysisPacketHeader`. The mapping is in
//! `docs/explain-json.md`.

use netpath_engine::{Decision, Explanation, Hop, HopKind, PathLeg, Topology, Verdict};
use netpath_model::{IpProtocol, DEFAULT_RULE_NUMBER};
use serde_json::{json, Map, Value};

/// The protocol number RA writes (`"6"` for TCP) for a netpath protocol name.
fn protocol_number(p: &str) -> String {
    IpProtocol::parse(p).map_or_else(|| p.to_string(), IpProtocol::api_number)
}

/// The ARN of an EC2 resource, when the snapshot names one region and one
/// account (`arn:aws:ec2:REGION:ACCOUNT:TYPE/ID`).
fn arn(topo: &Topology, id: &str) -> Option<String> {
    let m = &topo.snapshot.metadata;
    let ([region], [account]) = (m.regions.as_slice(), m.account_ids.as_slice()) else {
        return None;
    };
    let kind = match id.split_once('-')?.0 {
        "sg" => "security-group",
        "acl" => "network-acl",
        "rtb" => "route-table",
        "i" => "instance",
        "eni" => "network-interface",
        "subnet" => "subnet",
        "vpc" => "vpc",
        "igw" => "internet-gateway",
        "nat" => "natgateway",
        "pcx" => "vpc-peering-connection",
        _ => return None,
    };
    Some(format!("arn:aws:ec2:{region}:{account}:{kind}/{id}"))
}

/// An `AnalysisComponent`: `Id`, `Arn` (when known), `Name` (when named).
fn component(topo: &Topology, id: &str, name: Option<&str>) -> Value {
    let mut c = Map::new();
    c.insert("Id".into(), json!(id));
    if let Some(a) = arn(topo, id) {
        c.insert("Arn".into(), json!(a));
    }
    if let Some(n) = name {
        c.insert("Name".into(), json!(n));
    }
    Value::Object(c)
}

/// The packet header of a hop: the request's on the forward path, the
/// reply's (ports swapped, the client's ephemeral range) on the return path.
fn header(exp: &Explanation, path: PathLeg) -> Value {
    let src = exp.source.ip.clone().unwrap_or_default();
    let dst = exp.destination.ip.clone().unwrap_or_default();
    let port = json!([{"From": exp.port, "To": exp.port}]);
    let eph = json!([{"From": exp.ephemeral_ports.from, "To": exp.ephemeral_ports.to}]);
    let (s, d, sp, dp) = match path {
        PathLeg::Forward => (src, dst, eph, port),
        PathLeg::Return => (dst, src, port, eph),
    };
    json!({
        "DestinationAddresses": [d],
        "DestinationPortRanges": dp,
        "Protocol": protocol_number(&exp.protocol),
        "SourceAddresses": [s],
        "SourcePortRanges": sp,
    })
}

/// The NACL entry a hop matched, as an `AnalysisAclRule`.
fn acl_rule(topo: &Topology, h: &Hop) -> Option<Value> {
    let n = h.matched.as_ref()?.rule_number?;
    let egress = h.direction == Some(netpath_model::Direction::Egress);
    let acl = topo.network_acl(&h.component)?;
    let e = acl
        .entries
        .iter()
        .find(|e| e.rule_number == n && e.egress == egress);
    let mut r = Map::new();
    r.insert("Egress".into(), json!(egress));
    r.insert("RuleNumber".into(), json!(n));
    match e {
        Some(e) => {
            if let Some(c) = e.cidr_block {
                r.insert("Cidr".into(), json!(c.to_string()));
            }
            if let Some(p) = e.port_range {
                r.insert("PortRange".into(), json!({"From": p.from, "To": p.to}));
            }
            r.insert("Protocol".into(), json!(e.protocol.api_number()));
            r.insert(
                "RuleAction".into(),
                json!(format!("{:?}", e.rule_action).to_lowercase()),
            );
        }
        // The `*` entry, which denies everything.
        None if n >= DEFAULT_RULE_NUMBER => {
            r.insert("Cidr".into(), json!("0.0.0.0/0"));
            r.insert("Protocol".into(), json!("-1"));
            r.insert("RuleAction".into(), json!("deny"));
        }
        None => {}
    }
    Some(Value::Object(r))
}

/// One `PathComponent` for a hop that passed.
fn path_component(topo: &Topology, exp: &Explanation, h: &Hop, seq: usize) -> Value {
    let mut c = Map::new();
    c.insert("SequenceNumber".into(), json!(seq));
    c.insert(
        "Component".into(),
        component(topo, &h.component, h.name.as_deref()),
    );
    let head = header(exp, h.path);
    c.insert("OutboundHeader".into(), head.clone());
    c.insert("InboundHeader".into(), head);
    match h.kind {
        HopKind::NetworkAcl => {
            if let Some(r) = acl_rule(topo, h) {
                c.insert("AclRule".into(), r);
            }
        }
        HopKind::SecurityGroup => {
            let group = h.matched.as_ref().and_then(|m| m.group_id.clone());
            if let Some(g) = group {
                c.insert(
                    "SecurityGroupRule".into(),
                    json!({
                        "Direction": h.direction.map(|d| format!("{d:?}").to_lowercase()),
                        "SecurityGroupId": g,
                        "Protocol": protocol_number(&exp.protocol),
                        "PortRange": {"From": exp.port, "To": exp.port},
                    }),
                );
            }
        }
        HopKind::RouteTable => {
            if let Some(m) = &h.matched {
                let mut r = Map::new();
                if let Some(d) = &m.destination {
                    let key = if d.starts_with("pl-") {
                        "DestinationPrefixListId"
                    } else {
                        "DestinationCidr"
                    };
                    r.insert(key.into(), json!(d));
                }
                if let Some(t) = &m.target {
                    let key = match t.split_once('-').map(|(p, _)| p) {
                        Some("pcx") => "VpcPeeringConnectionId",
                        Some("nat") => "NatGatewayId",
                        Some("tgw") => "TransitGatewayId",
                        Some("eni") => "NetworkInterfaceId",
                        Some("i") => "InstanceId",
                        Some("eigw") => "EgressOnlyInternetGatewayId",
                        _ => "GatewayId",
                    };
                    r.insert(key.into(), json!(t));
                }
                r.insert("State".into(), json!("active"));
                c.insert("RouteTableRoute".into(), Value::Object(r));
            }
        }
        _ => {}
    }
    Value::Object(c)
}

/// One `Explanation` for a blocking hop.
fn explanation(topo: &Topology, exp: &Explanation, h: &Hop) -> Value {
    let mut e = Map::new();
    let code = h.code.map_or("NETPATH_BLOCKED", |c| c.as_str());
    e.insert("ExplanationCode".into(), json!(code));
    if let Some(d) = h.direction {
        e.insert("Direction".into(), json!(format!("{d:?}").to_lowercase()));
    }
    e.insert(
        "Component".into(),
        component(topo, &h.component, h.name.as_deref()),
    );
    match h.kind {
        HopKind::NetworkAcl => {
            e.insert(
                "Acl".into(),
                component(topo, &h.component, h.name.as_deref()),
            );
            if let Some(r) = acl_rule(topo, h) {
                e.insert("AclRule".into(), r);
            }
        }
        HopKind::SecurityGroup => {
            let groups: Vec<Value> = h
                .security_groups
                .iter()
                .map(|g| component(topo, g, topo.name_of(g)))
                .collect();
            e.insert("SecurityGroups".into(), Value::Array(groups));
        }
        HopKind::RouteTable => {
            e.insert(
                "RouteTable".into(),
                component(topo, &h.component, h.name.as_deref()),
            );
        }
        _ => {}
    }
    let ranges: Vec<Value> = if h.blocked_ports.is_empty() {
        vec![json!({"From": exp.port, "To": exp.port})]
    } else {
        h.blocked_ports
            .iter()
            .map(|r| json!({"From": r.from, "To": r.to}))
            .collect()
    };
    e.insert("PortRanges".into(), Value::Array(ranges));
    e.insert("Protocols".into(), json!([protocol_number(&exp.protocol)]));
    Value::Object(e)
}

/// The `NetworkInsightsAnalysis` document, with netpath's own answer beside
/// it under `Netpath` (verdict, symptom, fixes), ending with a newline.
///
/// Like Reachability Analyzer, components stop at the first block: the hops
/// netpath walks on past it are not path components. `Status` is
/// `succeeded`, or `failed` with a `StatusMessage` when the answer is
/// unknown.
pub fn reachability_analyzer(exp: &Explanation, topo: &Topology) -> anyhow::Result<String> {
    let first_stop = exp.first_stop();
    let walked = &exp.hops[..first_stop.unwrap_or(exp.hops.len())];
    let leg = |p: PathLeg| -> Vec<Value> {
        walked
            .iter()
            .filter(|h| h.path == p && h.decision != Decision::NotApplicable)
            .enumerate()
            .map(|(i, h)| path_component(topo, exp, h, i + 1))
            .collect()
    };
    let explanations: Vec<Value> = exp
        .hops
        .iter()
        .filter(|h| matches!(h.decision, Decision::Deny | Decision::Partial))
        .filter(|h| exp.blockers.iter().any(|b| b.is_at(h)))
        .map(|h| explanation(topo, exp, h))
        .collect();
    let mut doc = Map::new();
    doc.insert("NetworkInsightsAnalysisId".into(), json!("nia-netpath"));
    doc.insert(
        "Status".into(),
        json!(if exp.verdict == Verdict::Unknown {
            "failed"
        } else {
            "succeeded"
        }),
    );
    if exp.verdict == Verdict::Unknown {
        doc.insert(
            "StatusMessage".into(),
            json!(format!(
                "netpath cannot decide: missing {}",
                exp.missing.join("; ")
            )),
        );
    }
    doc.insert(
        "NetworkPathFound".into(),
        json!(exp.verdict == Verdict::Reachable),
    );
    doc.insert(
        "ForwardPathComponents".into(),
        Value::Array(leg(PathLeg::Forward)),
    );
    if first_stop.is_none() {
        doc.insert(
            "ReturnPathComponents".into(),
            Value::Array(leg(PathLeg::Return)),
        );
    }
    if !explanations.is_empty() {
        doc.insert("Explanations".into(), Value::Array(explanations));
    }
    doc.insert(
        "Netpath".into(),
        json!({
            "verdict": exp.verdict,
            "symptom": exp.symptom,
            "near_misses": exp.near_misses,
            "fixes": exp.fixes,
        }),
    );
    Ok(serde_json::to_string_pretty(&Value::Object(doc))? + "\n")
}
