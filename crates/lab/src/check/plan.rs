//! What one flow expects of the lab: `explain`'s answer turned into the
//! probes to make and the outcome each must see (the table in
//! [`super`]'s docs), or why the flow is not probed.

use std::net::IpAddr;

use anyhow::{Context, Result};
use netpath_engine::{explain, ExplainOptions, HopKind, Symptom, Topology, Verdict};
use netpath_model::PortRange;

use super::{Ask, FlowCheck, Src};
use crate::{Lab, Outcome};

/// A flow ready to probe: its check (probes not yet run) and the probes to
/// make: (source ENI, source port, destination, port, expected outcome).
pub(super) struct Planned {
    pub check: FlowCheck,
    pub probes: Vec<(Src, u16, IpAddr, u16, Outcome)>,
    /// ICMP echo probes (source and destination ports unused).
    pub ping: bool,
    /// The destination is an Application Load Balancer node of the lab:
    /// each probe also reads the HTTP status it answers.
    pub http: bool,
}

fn outside(r: PortRange, blocked: &[PortRange]) -> Option<u16> {
    (r.from..=r.to).find(|p| !blocked.iter().any(|b| b.contains(*p)))
}

/// The address an end is probed at: its own, or, for an end that stands
/// for a whole network (`every address in 192.168.0.0/16`, a declared
/// on-premises network) whose every address is `reachable`, the network's
/// first host address: what holds for every address holds for that one. A
/// network answered otherwise is not probed (its verdict may be about some
/// of its addresses only).
fn address_of(e: &netpath_engine::EndpointInfo, verdict: Verdict) -> Option<IpAddr> {
    let ip = e.ip.as_deref()?;
    if let Ok(a) = ip.parse::<IpAddr>() {
        return Some(a);
    }
    let net: ipnet::IpNet = ip.strip_prefix("every address in ")?.parse().ok()?;
    if verdict != Verdict::Reachable {
        return None;
    }
    net.hosts().next().or(Some(net.addr()))
}

/// Plans the probes of `from -> to` (see [`Planned`]).
pub(super) fn plan(
    lab: &mut Lab,
    topo: &Topology,
    from: &str,
    to: &str,
    ask: Ask,
) -> Result<Planned> {
    let ping = ask.is_ping();
    let v6 = ask.is_v6();
    let exp = explain(
        topo,
        from,
        to,
        &ExplainOptions {
            port: match ask {
                Ask::Tcp(p) | Ask::Tcp6(p) => p,
                Ask::Ping | Ask::Ping6 => None,
            },
            protocol: match ask {
                Ask::Ping => Some(netpath_model::IpProtocol::Icmp),
                Ask::Ping6 => Some(netpath_model::IpProtocol::Icmpv6),
                _ => None,
            },
            host_facts: lab.host_facts().to_vec(),
            ipv6: v6,
            // The lab's appliances behind Gateway Load Balancer endpoints
            // pass everything (`build/gateway_load_balancer_endpoint.rs`).
            assume_appliance_allows: true,
            ..ExplainOptions::default()
        },
    )
    .with_context(|| format!("explain {from} -> {to}"))?;
    let fc = FlowCheck {
        flow: match ask {
            Ask::Ping => format!("{from} -> {to} icmp echo-request"),
            Ask::Ping6 => format!("{from} -> {to} icmpv6 echo-request"),
            Ask::Tcp6(_) => format!("{from} -> {to} tcp {} over IPv6", exp.port),
            Ask::Tcp(_) => format!("{from} -> {to} tcp {}", exp.port),
        },
        verdict: exp.verdict,
        symptom: exp.symptom,
        probes: Vec::new(),
        skipped: None,
        blocking: exp
            .blocking
            .as_ref()
            .map(|b| format!("{:?} {} [{}]", b.kind, b.component, b.code)),
        by_target: false,
    };
    let skipped = |mut fc: FlowCheck, why: String| -> Result<Planned> {
        fc.skipped = Some(why);
        Ok(Planned {
            check: fc,
            probes: Vec::new(),
            ping,
            http: false,
        })
    };
    if let Some(why) = lab.incomplete() {
        return skipped(fc, why.to_string());
    }
    if exp.verdict == Verdict::Unknown {
        return skipped(fc, "explain says unknown".into());
    }
    // Load balancers the lab did not build (`build/load_balancer.rs`) are
    // not probed; nor is an answer that depends on which target a
    // connection lands on (some pass, some not).
    if let Some(h) = exp
        .hops
        .iter()
        .find(|h| h.kind == HopKind::LoadBalancer && !lab.load_balancer_built(&h.component))
    {
        let why = format!(
            "the path uses load balancer {} (not built in the lab)",
            h.component
        );
        return skipped(fc, why);
    }
    // Partial by request (an ALB's listener rules send some requests where
    // they fail): the probe makes one kind of request, so it cannot show
    // both; such flows are not probed.
    if exp.verdict == Verdict::Partial
        && exp
            .blocking
            .as_ref()
            .is_some_and(|b| b.kind == HopKind::LoadBalancer)
    {
        return skipped(
            fc,
            "the answer depends on the HTTP request (the listener rule it matches), and the probe makes one kind".into(),
        );
    }
    // Partial by target, not by port: the load balancer takes its targets
    // in turn, so enough connections land on each.
    let by_target = exp.verdict == Verdict::Partial
        && exp
            .hops
            .iter()
            .any(|h| h.kind == HopKind::LoadBalancerTarget);
    let mut fc = fc;
    fc.by_target = by_target;
    // IPv6 is built through VPC attachments only: a transit gateway route
    // to a peering, VPN or Direct Connect attachment is an IPv4 link here.
    if v6 {
        let not_vpc = |id: &str| {
            topo.snapshot
                .transit_gateway_attachments
                .iter()
                .flatten()
                .find(|a| a.transit_gateway_attachment_id == id)
                .is_some_and(|a| a.resource_type != "vpc")
        };
        if let Some(t) = exp
            .hops
            .iter()
            .filter(|h| h.kind == HopKind::TransitGatewayRouteTable)
            .filter_map(|h| h.matched.as_ref()?.target.as_deref())
            .find(|t| not_vpc(t))
        {
            return skipped(
                fc,
                format!("IPv6 over transit gateway attachment {t} (the lab builds it IPv4 only)"),
            );
        }
    }
    let has_internet = lab.internet().is_some();
    if let Some(h) = exp.hops.iter().find(|h| {
        h.kind == HopKind::NatGateway
            || (matches!(
                h.kind,
                HopKind::InternetGateway | HopKind::EgressOnlyInternetGateway
            ) && !has_internet)
            || h.matched
                .as_ref()
                .and_then(|m| m.target.as_deref())
                // A Direct Connect hop names its association: built with
                // its gateway's side.
                .filter(|_| {
                    !(h.kind == HopKind::DirectConnectGateway
                        && lab.direct_connect_built(&h.component))
                })
                .is_some_and(|t| {
                    !(t == "local"
                        || t.starts_with("pcx-")
                        || t.starts_with("tgw-")
                        || (t.starts_with("vgw-") && lab.vpn_gateway_built(t))
                        || (t.starts_with("vpce-")
                            && (lab.gateway_endpoint_built(t) || lab.appliance_built(t)))
                        || (has_internet && (t.starts_with("igw-") || t.starts_with("eigw-"))))
                })
    }) {
        let why = format!("the path uses {} (not built in the lab)", h.component);
        return skipped(fc, why);
    }
    // Outside: `internet`, or an address in no VPC of the snapshot.
    let vpc_cidrs: Vec<ipnet::IpNet> = topo
        .snapshot
        .vpcs
        .iter()
        .flatten()
        .flat_map(|v| {
            v.cidr_blocks
                .iter()
                .map(|c| ipnet::IpNet::V4(*c))
                .chain(v.ipv6_cidr_blocks.iter().map(|c| ipnet::IpNet::V6(*c)))
        })
        .collect();
    let is_outside = |e: &netpath_engine::EndpointInfo| {
        e.eni.is_none()
            && (e.kind == "internet"
                || address_of(e, exp.verdict)
                    .is_some_and(|ip| !vpc_cidrs.iter().any(|c| c.contains(&ip))))
    };
    let (src_outside, dst_outside) = (is_outside(&exp.source), is_outside(&exp.destination));
    // An outside end lives on premises (a VPN's customer network) or on
    // the internet; the lab needs the namespace it lives in.
    let outside_ip = |e: &netpath_engine::EndpointInfo| address_of(e, exp.verdict);
    let has_outside = |e: &netpath_engine::EndpointInfo| match outside_ip(e) {
        Some(ip) => lab.outside_namespace(ip).is_some(),
        None => has_internet,
    };
    if (src_outside && !has_outside(&exp.source)) || (dst_outside && !has_outside(&exp.destination))
    {
        return skipped(
            fc,
            "an end is outside the snapshot, which has no internet gateway".into(),
        );
    }
    let src = if src_outside {
        // `internet` is probed from one public address.
        Src::Internet(address_of(&exp.source, exp.verdict).unwrap_or(if v6 {
            IpAddr::V6(crate::build::INTERNET_CLIENT6)
        } else {
            IpAddr::V4(crate::build::INTERNET_CLIENT)
        }))
    } else {
        match exp.source.eni.clone() {
            Some(e) => Src::Eni(e),
            None => return skipped(fc, "the source has no ENI in the snapshot".into()),
        }
    };
    // A destination address no ENI holds is probed as it is: nothing answers.
    let dst = exp.destination.eni.clone();
    // From outside, the packet carries the address the user typed when it
    // is one (an internet client may well use a private IP, which nothing on
    // the internet routes), else the destination's public IP.
    let typed = exp
        .destination
        .reference
        .parse::<IpAddr>()
        .is_ok()
        .then_some(exp.destination.reference.as_str());
    let dst_addr = if src_outside {
        typed
            .or(exp.destination.public_ip.as_deref())
            .or(exp.destination.ip.as_deref())
    } else {
        exp.destination.ip.as_deref()
    };
    let Some(dst_ip) = dst_addr.and_then(|i| i.parse::<IpAddr>().ok()).or_else(|| {
        let e = dst.as_deref().and_then(|d| lab.eni(d))?;
        if v6 {
            e.ip6.map(IpAddr::V6)
        } else {
            Some(IpAddr::V4(e.ip))
        }
    }) else {
        return skipped(fc, "the destination has no single address".into());
    };
    if let Src::Eni(id) = &src {
        match lab.eni(id) {
            None => return skipped(fc, "the source's ENI was not built".into()),
            Some(s) if !s.up => {
                let why = format!("the source {id} is not running: it sends nothing");
                return skipped(fc, why);
            }
            Some(_) => {}
        }
    }
    if dst.as_deref().is_some_and(|d| lab.eni(d).is_none()) {
        return skipped(fc, "the destination's ENI was not built".into());
    }
    if ping && dst_outside {
        return skipped(fc, "the lab pings only ENIs of the snapshot".into());
    }
    if ping {
        // The kernel answers echo requests itself: no listener.
        let expect = match exp.verdict {
            Verdict::Reachable => Outcome::Connects,
            Verdict::Blocked | Verdict::Partial => Outcome::Timeout,
            Verdict::Unknown => return skipped(fc, "explain says unknown".into()),
        };
        return Ok(Planned {
            check: fc,
            probes: vec![(src, 0, dst_ip, 0, expect)],
            ping,
            http: false,
        });
    }
    if let (Some(d), None) = (&dst, &exp.destination.db_instance_identifier) {
        match lab.load_balancer_targets(d).map(<[_]>::to_vec) {
            // A load balancer node: its targets listen, on their ports.
            Some(targets) => {
                for (t, port) in targets {
                    if !lab.is_host(&t) {
                        lab.listen(&t, port)?;
                    }
                }
            }
            // A host the lab set up listens only where its setup says.
            None if !lab.is_host(d) => lab.listen(d, exp.port)?,
            None => {}
        }
    }
    if dst_outside {
        // A server on the internet that listens on the port.
        lab.listen_internet(dst_ip, exp.port)?;
    }
    let eph = exp.ephemeral_ports;
    let plan: Vec<(u16, Outcome)> = match exp.verdict {
        // Twice round the node's targets, and once more.
        Verdict::Partial if by_target => {
            let n = dst
                .as_deref()
                .and_then(|d| lab.load_balancer_targets(d))
                .map_or(0, <[_]>::len);
            if n < 2 {
                return skipped(
                    fc,
                    "partial by target, but the node forwards to fewer than two targets".into(),
                );
            }
            vec![(0, Outcome::Connects); 2 * n + 1]
        }
        Verdict::Reachable => vec![
            (0, Outcome::Connects),
            (eph.from, Outcome::Connects),
            (eph.to, Outcome::Connects),
        ],
        // A reset dropped on part of the return range: refused from a port
        // outside the dropped sub-ranges, silence from inside them.
        Verdict::Blocked if exp.symptom == Symptom::Intermittent => {
            let dropped: Vec<PortRange> = exp
                .hops
                .iter()
                .filter(|h| h.path == netpath_engine::PathLeg::Return)
                .flat_map(|h| h.blocked_ports.iter().copied())
                .collect();
            let mut v = Vec::new();
            if let Some(ok) = outside(eph, &dropped) {
                v.push((ok, Outcome::Refused));
            }
            for b in &dropped {
                let p = b.from.max(eph.from);
                if eph.contains(p) {
                    v.push((p, Outcome::Timeout));
                }
            }
            v
        }
        Verdict::Blocked => vec![(
            0,
            match exp.symptom {
                Symptom::Refused => Outcome::Refused,
                Symptom::Unreachable => Outcome::Unreachable,
                // Any 5xx: the engine does not say which.
                Symptom::Http5xx => Outcome::Http(500),
                Symptom::Unknown => {
                    return skipped(fc, "explain cannot say what the client sees".into())
                }
                _ => Outcome::Timeout,
            },
        )],
        Verdict::Partial => {
            let blocked: Vec<PortRange> = exp
                .blockers
                .iter()
                .flat_map(|b| b.blocked_ports.iter().copied())
                .collect();
            let mut v = Vec::new();
            if let Some(ok) = outside(eph, &blocked) {
                v.push((ok, Outcome::Connects));
            }
            for b in &blocked {
                for p in [b.from.max(eph.from), b.to.min(eph.to)] {
                    if eph.contains(p) && !v.iter().any(|(q, _)| *q == p) {
                        v.push((p, Outcome::Timeout));
                    }
                }
            }
            v
        }
        Verdict::Unknown => Vec::new(),
    };
    // An ALB node answers HTTP itself: a connection that completes is
    // only a success when the target took the node's own connection.
    let http = dst.as_deref().is_some_and(|d| lab.http_node(d));
    Ok(Planned {
        check: fc,
        probes: plan
            .into_iter()
            .map(|(sport, expect)| {
                let expect = match expect {
                    Outcome::Connects if http => Outcome::Http(200),
                    e => e,
                };
                (src.clone(), sport, dst_ip, exp.port, expect)
            })
            .collect(),
        ping,
        http,
    })
}
