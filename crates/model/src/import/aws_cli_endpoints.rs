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
    fn slot(snap: &mut Snapshot) -> &mut Option<Vec<VpcEndpoint>> {
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
