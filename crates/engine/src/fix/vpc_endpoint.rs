//! Fixes for paths to AWS services behind VPC endpoints.
//!
//! - A client whose route table has no route to S3 or DynamoDB gets the
//!   service's gateway endpoint route: the VPC's existing gateway endpoint
//!   gains the route table (`modify-vpc-endpoint --add-route-table-ids`), or
//!   a new gateway endpoint is created for it (`create-vpc-endpoint`). It
//!   opens only the service's prefix list, where a route to a NAT or
//!   internet gateway would open the internet
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>,
//!   <https://docs.aws.amazon.com/cli/latest/reference/ec2/modify-vpc-endpoint.html>).
//! - An interface endpoint asked on a port it does not serve: the port it
//!   serves, as advice.

use netpath_model::PrefixList;

use super::FixContext;
use crate::addr::AddrSet;
use crate::answer::{FixEdit, Hop};

/// The services with gateway endpoints.
/// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>.
const GATEWAY_SERVICES: [&str; 2] = ["s3", "dynamodb"];

impl<'a> FixContext<'_, 'a> {
    /// The AWS-managed prefix list (`com.amazonaws.…`) whose CIDRs hold every
    /// address of `addr`, if the snapshot has one with its entries.
    pub(super) fn aws_prefix_list_of(&self, addr: &AddrSet) -> Option<&'a PrefixList> {
        self.topo
            .snapshot
            .prefix_lists
            .iter()
            .flatten()
            .filter(|p| p.prefix_list_name.starts_with("com.amazonaws."))
            .find(|p| {
                p.cidrs.as_ref().is_some_and(|cidrs| {
                    addr.cidrs()
                        .iter()
                        .all(|d| cidrs.iter().any(|c| c.contains(d)))
                })
            })
    }

    /// The gateway endpoint route that carries the request from `vpc_id`
    /// through route table `rtb` to the destination, when the destination
    /// lies in the prefix list of S3 or DynamoDB; `None` otherwise.
    pub(super) fn gateway_endpoint_route(
        &self,
        rtb: &str,
        vpc_id: &str,
    ) -> Option<(String, Option<String>, Option<FixEdit>)> {
        let list = self
            .aws_prefix_list_of(self.dst.address.as_ref()?)
            .filter(|p| {
                netpath_model::aws_service_of(&p.prefix_list_name)
                    .is_some_and(|s| GATEWAY_SERVICES.contains(&s))
            })?;
        let service = &list.prefix_list_name;
        let pl = &list.prefix_list_id;
        let existing = self
            .topo
            .snapshot
            .vpc_endpoints
            .iter()
            .flatten()
            .find(|e| e.vpc_id == vpc_id && e.is_gateway() && &e.service_name == service);
        Some(match existing {
            Some(e) if !e.is_available() => (
                format!(
                    "{} ({service}) is {}, not available: recreate it with {rtb} among its route tables",
                    e.vpc_endpoint_id, e.state
                ),
                None,
                None,
            ),
            Some(e) => (
                format!(
                    "add {rtb} to gateway endpoint {} ({service}): the table gains the route {pl} -> {}, which opens only the service's addresses",
                    e.vpc_endpoint_id, e.vpc_endpoint_id
                ),
                Some(format!(
                    "aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --add-route-table-ids {rtb}",
                    e.vpc_endpoint_id
                )),
                Some(FixEdit::GatewayVpcEndpointRoute {
                    vpc_endpoint_id: Some(e.vpc_endpoint_id.clone()),
                    vpc_id: vpc_id.to_string(),
                    service_name: service.clone(),
                    prefix_list_id: pl.clone(),
                    route_table_id: rtb.to_string(),
                }),
            ),
            None => (
                format!(
                    "create a gateway endpoint for {service} in {vpc_id} on {rtb}: the table gains a route from {pl} to it, which opens only the service's addresses (gateway endpoints cost nothing)"
                ),
                Some(format!(
                    "aws ec2 create-vpc-endpoint --vpc-id {vpc_id} --vpc-endpoint-type Gateway --service-name {service} --route-table-ids {rtb}"
                )),
                Some(FixEdit::GatewayVpcEndpointRoute {
                    vpc_endpoint_id: None,
                    vpc_id: vpc_id.to_string(),
                    service_name: service.clone(),
                    prefix_list_id: pl.clone(),
                    route_table_id: rtb.to_string(),
                }),
            ),
        })
    }

    /// Advice for an interface endpoint that does not serve the flow's
    /// port (`h` is its hop): the ports it serves.
    pub(super) fn endpoint_port_advice(&self, h: &Hop) -> String {
        let Some(e) = self.topo.endpoints.get(&h.component) else {
            return h.detail.clone();
        };
        let ports =
            match crate::vpc_endpoint::interface_serves(e, self.flow.protocol, self.flow.port) {
                crate::vpc_endpoint::Serves::No(ports) => ports,
                _ => return h.detail.clone(),
            };
        format!(
            "connect on {ports}, which {} ({}) serves; it answers nothing else",
            e.vpc_endpoint_id, e.service_name
        )
    }
}
