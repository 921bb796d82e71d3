//! VPC endpoints (`DescribeVpcEndpoints`): private paths from a VPC to an AWS
//! service or a PrivateLink service, without the internet.
//!
//! - A **Gateway** endpoint (S3, DynamoDB) is a route target: the route
//!   tables listed in `RouteTableIds` carry a route from the service's
//!   prefix list (`pl-…`) to the endpoint
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>).
//! - An **Interface** endpoint is one requester-managed network interface
//!   per subnet, with the endpoint's security groups
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html>).
//! - A **GatewayLoadBalancer** endpoint is a route target that hands the
//!   packet to an appliance fleet behind a Gateway Load Balancer
//!   (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>).
//!
//! Source: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcEndpoint.html>.

use serde::{Deserialize, Serialize};

use super::tags::Tags;

/// One VPC endpoint, as `DescribeVpcEndpoints` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    /// `vpce-…`.
    pub vpc_endpoint_id: String,
    /// `VpcEndpointType`: `Gateway`, `Interface`, `GatewayLoadBalancer`
    /// (or a type AWS adds later, kept as given).
    pub vpc_endpoint_type: String,
    /// The VPC it serves.
    pub vpc_id: String,
    /// `com.amazonaws.us-east-1.s3`, or a PrivateLink service
    /// `com.amazonaws.vpce.us-east-1.vpce-svc-…`.
    pub service_name: String,
    /// `available`, `pendingAcceptance`, `pending`, `deleting`, `deleted`,
    /// `rejected`, `failed`, `expired`: only `available` carries traffic.
    pub state: String,
    /// Gateway endpoints: the route tables that carry its prefix-list route.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_table_ids: Vec<String>,
    /// Interface and Gateway Load Balancer endpoints: one subnet per zone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnet_ids: Vec<String>,
    /// Interface and Gateway Load Balancer endpoints: their ENIs, one per subnet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_interface_ids: Vec<String>,
    /// Interface endpoints: the security groups of its ENIs (`Groups[].GroupId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Interface endpoints: the service's public DNS name resolves to the
    /// endpoint's addresses inside the VPC.
    #[serde(default)]
    pub private_dns_enabled: bool,
    /// The endpoint policy (an IAM policy document as JSON text), when it
    /// has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_document: Option<String>,
    /// The account that owns the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl VpcEndpoint {
    /// True for a `Gateway` endpoint (S3, DynamoDB).
    pub fn is_gateway(&self) -> bool {
        self.vpc_endpoint_type.eq_ignore_ascii_case("Gateway")
    }

    /// True for an `Interface` endpoint.
    pub fn is_interface(&self) -> bool {
        self.vpc_endpoint_type.eq_ignore_ascii_case("Interface")
    }

    /// True for a `GatewayLoadBalancer` endpoint: a route target that hands
    /// packets to the appliances behind a Gateway Load Balancer
    /// (<https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html>).
    pub fn is_gateway_load_balancer(&self) -> bool {
        self.vpc_endpoint_type
            .eq_ignore_ascii_case("GatewayLoadBalancer")
    }

    /// True when the endpoint carries traffic (`State` `available`; the API
    /// has spelt it `Available` too).
    pub fn is_available(&self) -> bool {
        self.state.eq_ignore_ascii_case("available")
    }

    /// The service's short name: `s3` for `com.amazonaws.us-east-1.s3`,
    /// `ecr.dkr` for `com.amazonaws.us-east-1.ecr.dkr`; `None` for a
    /// PrivateLink service (`com.amazonaws.vpce.…`) or a name of another form.
    pub fn aws_service(&self) -> Option<&str> {
        aws_service_of(&self.service_name)
    }

    /// True when the policy document is absent or is AWS's default full
    /// access (one `Allow` of every action on every resource to every
    /// principal). Anything else may deny what the network allows.
    pub fn policy_allows_all(&self) -> bool {
        let Some(doc) = &self.policy_document else {
            return true;
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(doc) else {
            return false;
        };
        let star = |x: &serde_json::Value| {
            x == "*"
                || x.get("AWS").is_some_and(|a| a == "*")
                || x.as_array().is_some_and(|a| a.len() == 1 && a[0] == "*")
        };
        match v.get("Statement") {
            Some(serde_json::Value::Array(st)) => {
                st.iter()
                    .all(|s| s.get("Effect").is_some_and(|e| e == "Allow"))
                    && st.iter().any(|s| {
                        s.get("Principal").is_some_and(star)
                            && s.get("Action").is_some_and(star)
                            && s.get("Resource").is_some_and(star)
                            && s.get("Condition").is_none()
                    })
            }
            _ => false,
        }
    }
}

/// The short name of an AWS service endpoint name: `s3` for
/// `com.amazonaws.us-east-1.s3`; `None` for PrivateLink services
/// (`com.amazonaws.vpce.REGION.vpce-svc-…`) and names of another form.
/// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html>.
pub fn aws_service_of(service_name: &str) -> Option<&str> {
    let rest = service_name.strip_prefix("com.amazonaws.")?;
    if rest.starts_with("vpce.") {
        return None;
    }
    let (_region, short) = rest.split_once('.')?;
    (!short.is_empty()).then_some(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(policy: Option<&str>) -> VpcEndpoint {
        VpcEndpoint {
            vpc_endpoint_id: "vpce-1".into(),
            vpc_endpoint_type: "Gateway".into(),
            vpc_id: "vpc-1".into(),
            service_name: "com.amazonaws.us-east-1.s3".into(),
            state: "available".into(),
            route_table_ids: vec![],
            subnet_ids: vec![],
            network_interface_ids: vec![],
            groups: vec![],
            private_dns_enabled: false,
            policy_document: policy.map(str::to_string),
            owner_id: None,
            tags: Tags::default(),
        }
    }

    #[test]
    fn service_names_have_a_short_form_only_for_aws_services() {
        assert_eq!(aws_service_of("com.amazonaws.us-east-1.s3"), Some("s3"));
        assert_eq!(
            aws_service_of("com.amazonaws.eu-west-1.ecr.dkr"),
            Some("ecr.dkr")
        );
        assert_eq!(
            aws_service_of("com.amazonaws.vpce.us-east-1.vpce-svc-0abc"),
            None
        );
        assert_eq!(aws_service_of("aws.sagemaker.us-east-1.notebook"), None);
    }

    #[test]
    fn only_the_default_full_access_policy_allows_all() {
        assert!(endpoint(None).policy_allows_all());
        let full = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert!(endpoint(Some(full)).policy_allows_all());
        let narrow = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        assert!(!endpoint(Some(narrow)).policy_allows_all());
        let deny = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert!(!endpoint(Some(deny)).policy_allows_all());
        assert!(!endpoint(Some("not json")).policy_allows_all());
    }
}
