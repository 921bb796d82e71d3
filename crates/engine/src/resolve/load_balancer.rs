//! References to load balancers: a name, an ARN, or a DNS name
//! (`NAME-ID.elb.REGION.amazonaws.com`, with or without `dualstack.`).
//! A load balancer stands at its nodes, one ENI per subnet: its DNS name
//! answers with each of them, so the answer covers each
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#dns-name>).

use netpath_model::LoadBalancer;

use super::{eni_endpoint, Endpoint, ResolveError};
use crate::topology::Topology;

/// The endpoint of load balancer `lb`: its nodes' ENIs.
///
/// Errors: [`ResolveError::Unplaceable`] when none of its ENIs is in the
/// snapshot.
pub(super) fn endpoint<'a>(
    topo: &Topology<'a>,
    r: &str,
    lb: &'a LoadBalancer,
    v6: bool,
) -> Result<Endpoint<'a>, ResolveError> {
    let enis = topo.load_balancers.nodes(lb);
    let Some(first) = enis.first() else {
        return Err(ResolveError::Unplaceable {
            reference: r.to_string(),
            message: format!(
                "load balancer {} has no network interface in the snapshot (its nodes' ENIs carry the description `ELB {}`): collect describe-network-interfaces",
                lb.load_balancer_name,
                lb.arn_tail().unwrap_or("?")
            ),
        });
    };
    let mut ep = eni_endpoint(topo, r, first, None, v6);
    for e in &enis[1..] {
        ep.placements
            .extend(eni_endpoint(topo, r, e, None, v6).placements);
    }
    ep.warnings.push(format!(
        "`{r}` is load balancer {} ({}, {}): its DNS name answers with each of its {} node{} ({}), so each is asked",
        lb.load_balancer_name,
        lb.load_balancer_type,
        lb.scheme,
        enis.len(),
        if enis.len() == 1 { "" } else { "s" },
        enis.iter()
            .map(|e| e.network_interface_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(ep)
}
