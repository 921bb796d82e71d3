//! The raw AWS CLI shape (PascalCase) of `describe-vpc-endpoints`
//! (`VpcEndpoints`). `DnsEntries`, `CreationTimestamp` and the rest are not
//! read.
//!
//! Shape: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html>.

use std::path::Path;

use serde::Deserialize;

use super::aws_cli::{tags, AwsItem, RawTag};
use crate::error::ModelError;
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawVpcEndpoint {
    vpc_endpoint_id: String,
    vpc_endpoint_type: Option<String>,
    vpc_id: Option<String>,
    service_name: Option<String>,
    state: Option<String>,
    route_table_ids: Option<Vec<String>>,
    subnet_ids: Option<Vec<String>>,
    network_interface_ids: Option<Vec<String>>,
    groups: Option<Vec<RawGroup>>,
    private_dns_enabled: Option<bool>,
    policy_document: Option<String>,
    owner_id: Option<String>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroup {
    group_id: String,
}

impl AwsItem for RawVpcEndpoint {
    type Model = VpcEndpoint;
    type Slot = Vec<VpcEndpoint>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpc_endpoints
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<VpcEndpoint, ModelError> {
        let field = |name: &str, v: Option<String>| {
            v.ok_or_else(|| ModelError::Field {
                path: path.to_path_buf(),
                resource: self.vpc_endpoint_id.clone(),
                field: name.to_string(),
                message: "missing; describe-vpc-endpoints always gives it, so re-run it"
                    .to_string(),
            })
        };
        Ok(VpcEndpoint {
            vpc_endpoint_type: field("VpcEndpointType", self.vpc_endpoint_type)?,
            vpc_id: field("VpcId", self.vpc_id)?,
            service_name: field("ServiceName", self.service_name)?,
            state: self.state.unwrap_or_default(),
            route_table_ids: self.route_table_ids.unwrap_or_default(),
            subnet_ids: self.subnet_ids.unwrap_or_default(),
            network_interface_ids: self.network_interface_ids.unwrap_or_default(),
            groups: self
                .groups
                .into_iter()
                .flatten()
                .map(|g| g.group_id)
                .collect(),
            private_dns_enabled: self.private_dns_enabled.unwrap_or(false),
            policy_document: self.policy_document,
            owner_id: self.owner_id,
            tags: tags(self.tags),
            vpc_endpoint_id: self.vpc_endpoint_id,
        })
    }
}

/// One item of `describe-vpc-endpoint-services`' `ServiceDetails`.
/// Shape: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html>.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawServiceDetail {
    service_id: Option<String>,
    service_name: String,
    service_type: Option<Vec<RawServiceType>>,
    availability_zones: Option<Vec<String>>,
    private_dns_name: Option<String>,
    private_dns_names: Option<Vec<RawPrivateDnsName>>,
    base_endpoint_dns_names: Option<Vec<String>>,
    owner: Option<String>,
    acceptance_required: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawServiceType {
    service_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrivateDnsName {
    private_dns_name: Option<String>,
}

impl AwsItem for RawServiceDetail {
    type Model = VpcEndpointService;
    type Slot = Vec<VpcEndpointService>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.vpc_endpoint_services
    }
    /// `region` is the folder's; else the region in the service name
    /// (`com.amazonaws.REGION.…`, `com.amazonaws.vpce.REGION.…`).
    fn into_model(
        self,
        path: &Path,
        region: Option<&str>,
    ) -> Result<VpcEndpointService, ModelError> {
        let service_id = self.service_id.ok_or_else(|| ModelError::Field {
            path: path.to_path_buf(),
            resource: self.service_name.clone(),
            field: "ServiceId".to_string(),
            message: "missing; describe-vpc-endpoint-services always gives it, so re-run it"
                .to_string(),
        })?;
        let mut private_dns_names: Vec<String> = self.private_dns_name.into_iter().collect();
        for n in self.private_dns_names.into_iter().flatten() {
            if let Some(n) = n.private_dns_name {
                if !private_dns_names.contains(&n) {
                    private_dns_names.push(n);
                }
            }
        }
        let region = region.map(str::to_string).or_else(|| {
            let rest = self.service_name.strip_prefix("com.amazonaws.")?;
            let rest = rest.strip_prefix("vpce.").unwrap_or(rest);
            let r = rest.split('.').next()?;
            r.contains('-').then(|| r.to_string())
        });
        Ok(VpcEndpointService {
            service_id,
            service_types: self
                .service_type
                .into_iter()
                .flatten()
                .map(|t| t.service_type)
                .collect(),
            availability_zones: self.availability_zones.unwrap_or_default(),
            private_dns_names,
            base_endpoint_dns_names: self.base_endpoint_dns_names.unwrap_or_default(),
            owner: self.owner,
            acceptance_required: self.acceptance_required,
            region,
            service_name: self.service_name,
        })
    }
}
