//! SDK shapes of VPC endpoints to model types.

use aws_sdk_ec2::types as ec2;
use netpath_model::{VpcEndpoint, VpcEndpointService};

use super::tags;

/// `DescribeVpcEndpoints` item; `None` without its id, type, VPC or service.
/// Shape: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html>.
pub fn vpc_endpoint(e: ec2::VpcEndpoint) -> Option<VpcEndpoint> {
    Some(VpcEndpoint {
        vpc_endpoint_id: e.vpc_endpoint_id?,
        vpc_endpoint_type: e.vpc_endpoint_type?.as_str().to_string(),
        vpc_id: e.vpc_id?,
        service_name: e.service_name?,
        state: e.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
        route_table_ids: e.route_table_ids.unwrap_or_default(),
        subnet_ids: e.subnet_ids.unwrap_or_default(),
        network_interface_ids: e.network_interface_ids.unwrap_or_default(),
        groups: e
            .groups
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| g.group_id)
            .collect(),
        private_dns_enabled: e.private_dns_enabled.unwrap_or(false),
        policy_document: e.policy_document,
        owner_id: e.owner_id,
        tags: tags(e.tags),
    })
}

/// `DescribeVpcEndpointServices` `ServiceDetails` item, read in `region`;
/// `None` without its id or name.
/// Shape: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html>.
pub fn vpc_endpoint_service(s: ec2::ServiceDetail, region: &str) -> Option<VpcEndpointService> {
    let mut private_dns_names: Vec<String> = s.private_dns_name.into_iter().collect();
    for n in s.private_dns_names.unwrap_or_default() {
        if let Some(n) = n.private_dns_name {
            if !private_dns_names.contains(&n) {
                private_dns_names.push(n);
            }
        }
    }
    Some(VpcEndpointService {
        service_id: s.service_id?,
        service_name: s.service_name?,
        service_types: s
            .service_type
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| t.service_type.map(|t| t.as_str().to_string()))
            .collect(),
        availability_zones: s.availability_zones.unwrap_or_default(),
        private_dns_names,
        base_endpoint_dns_names: s.base_endpoint_dns_names.unwrap_or_default(),
        owner: s.owner,
        acceptance_required: s.acceptance_required,
        region: Some(region.to_string()),
    })
}
