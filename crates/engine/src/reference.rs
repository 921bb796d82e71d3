//! What people paste as `--from` / `--to`, turned into what
//! [`crate::resolve`] looks up: ARNs, EC2 private and public DNS names, and
//! the near names of a reference that matches nothing.
//!
//! - ARNs have the form `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>);
//!   EC2's resources are `instance/i-…` and `network-interface/eni-…`, RDS's
//!   `db:IDENTIFIER`
//!   (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html>,
//!   <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html>).
//! - EC2 hostnames: IP names `ip-10-0-1-10.ec2.internal` or
//!   `ip-10-0-1-10.REGION.compute.internal`, resource names
//!   `i-0123….REGION.compute.internal`, and public names
//!   `ec2-203-0-113-25.compute-1.amazonaws.com`
//!   (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-naming.html>).

use std::net::Ipv4Addr;

use crate::topology::Topology;

/// A pasted reference in the form `resolve` looks up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pasted {
    /// An id or identifier (`i-…`, `eni-…`, a DB identifier).
    Id(String),
    /// An address named by a DNS name: private (`ip-…`) or public (`ec2-…`).
    Ip(Ipv4Addr),
    /// A well-formed ARN of something netpath does not place: why.
    Unsupported(String),
}

/// `r` as an ARN or an EC2 DNS name, or `None` when it is neither (an RDS
/// endpoint, `*.rds.amazonaws.com`, is matched by `resolve` itself).
pub(crate) fn canonical(r: &str) -> Option<Pasted> {
    if let Some(rest) = r.strip_prefix("arn:") {
        return Some(arn(rest));
    }
    let lower = r.to_ascii_lowercase();
    if !(lower.ends_with(".internal") || lower.ends_with(".amazonaws.com")) {
        return None;
    }
    let first = lower.split('.').next()?;
    let dashed = |label: &str| label.replace('-', ".").parse::<Ipv4Addr>().ok();
    if let Some(ip) = first.strip_prefix("ip-").and_then(dashed) {
        return Some(Pasted::Ip(ip));
    }
    if let Some(ip) = first.strip_prefix("ec2-").and_then(dashed) {
        return Some(Pasted::Ip(ip));
    }
    if first.starts_with("i-") && lower.ends_with(".internal") {
        return Some(Pasted::Id(first.to_string()));
    }
    None
}

/// The resource an ARN (after `arn:`) names.
fn arn(rest: &str) -> Pasted {
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    let [_partition, service, _region, _account, resource] = parts[..] else {
        return Pasted::Unsupported(
            "this is not an ARN of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE".into(),
        );
    };
    match service {
        "ec2" => match resource.split_once('/') {
            Some(("instance" | "network-interface", id)) => Pasted::Id(id.to_string()),
            Some((kind, _)) => Pasted::Unsupported(format!(
                "this is the ARN of an EC2 {kind}; pass an instance, network interface or DB instance"
            )),
            None => Pasted::Unsupported("this is an EC2 ARN with no resource id".into()),
        },
        "rds" => match resource.split_once(':') {
            Some(("db", id)) => Pasted::Id(id.to_string()),
            _ => Pasted::Unsupported(
                "this is an RDS ARN that is not a DB instance (arn:…:rds:…:db:IDENTIFIER); for a cluster, pass the instance's identifier".into(),
            ),
        },
        "elasticloadbalancing" => Pasted::Unsupported(
            "this names a load balancer or target group the snapshot does not hold (no DescribeLoadBalancers output, or another account's or Region's); pass the load balancer's name, ARN or DNS name from a snapshot that has it, or a target instance".into(),
        ),
        other => Pasted::Unsupported(format!(
            "this is the ARN of an {other} resource; pass an instance, network interface or DB instance"
        )),
    }
}

/// The names a user might have meant by `r`: live instances' and ENIs'
/// `Name` tags and DB identifiers that equal it ignoring case.
pub(crate) fn case_insensitive<'t>(topo: &Topology<'t>, r: &str) -> Vec<&'t str> {
    let mut out: Vec<&str> = known_names(topo)
        .filter(|n| n.eq_ignore_ascii_case(r) && *n != r)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Up to three names close to `r` (Damerau-Levenshtein, normalized, case
/// folded; at least 0.6 similar, or containing it), most similar first.
pub(crate) fn did_you_mean(topo: &Topology, r: &str) -> Vec<String> {
    let want = r.to_lowercase();
    let mut scored: Vec<(f64, &str)> = known_names(topo)
        .filter_map(|n| {
            let have = n.to_lowercase();
            let mut score = strsim::normalized_damerau_levenshtein(&want, &have);
            if want.len() >= 3 && have.contains(&want) {
                score = score.max(0.6);
            }
            (score >= 0.6).then_some((score, n))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, n) in scored {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// Every name a reference can use: `Name` tags of instances that are not
/// terminated and of ENIs, and DB identifiers.
fn known_names<'t>(topo: &Topology<'t>) -> impl Iterator<Item = &'t str> + 't {
    let s = topo.snapshot;
    let instances = s
        .instances
        .iter()
        .flatten()
        .filter(|i| !i.is_terminated())
        .filter_map(|i| i.tags.get("Name"));
    let enis = s
        .network_interfaces
        .iter()
        .flatten()
        .filter_map(|e| e.tags.get("Name"));
    let dbs = s
        .db_instances
        .iter()
        .flatten()
        .map(|d| d.db_instance_identifier.as_str());
    instances.chain(enis).chain(dbs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_dns_names_become_ids_and_addresses() {
        let id = |s: &str| Some(Pasted::Id(s.to_string()));
        assert_eq!(
            canonical("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"),
            id("i-0abc")
        );
        assert_eq!(
            canonical("arn:aws-us-gov:ec2:us-gov-west-1:123456789012:network-interface/eni-1"),
            id("eni-1")
        );
        assert_eq!(
            canonical("arn:aws:rds:eu-west-1:123456789012:db:prod-db"),
            id("prod-db")
        );
        assert!(matches!(
            canonical("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/web/50dc"),
            Some(Pasted::Unsupported(_))
        ));
        assert!(matches!(
            canonical("arn:aws:ec2"),
            Some(Pasted::Unsupported(_))
        ));
        let ip = |s: &str| Some(Pasted::Ip(s.parse().unwrap()));
        assert_eq!(canonical("ip-10-0-1-10.ec2.internal"), ip("10.0.1.10"));
        assert_eq!(
            canonical("ip-10-0-1-10.us-west-2.compute.internal"),
            ip("10.0.1.10")
        );
        assert_eq!(
            canonical("ec2-203-0-113-25.compute-1.amazonaws.com"),
            ip("203.0.113.25")
        );
        assert_eq!(
            canonical("i-0123456789abcdef0.us-west-2.compute.internal"),
            id("i-0123456789abcdef0")
        );
        // An RDS endpoint is matched by resolve itself.
        assert_eq!(canonical("prod-db.abc.us-east-1.rds.amazonaws.com"), None);
        assert_eq!(canonical("app-server"), None);
    }
}
