//! VPC endpoint services (`DescribeVpcEndpointServices`): the AWS services
//! and PrivateLink services a VPC endpoint can be made for, as the account
//! sees them in one region.
//!
//! netpath reads them to resolve a service's public DNS name
//! (`ssm.us-east-1.amazonaws.com`, or a wildcard such as
//! `*.notebook.us-east-1.sagemaker.aws`) and its id (`vpce-svc-…`) to the
//! service, to say which endpoint type it offers and in which zones when a
//! VPC has no endpoint for it, and to name the account that must accept a
//! pending endpoint connection.
//!
//! Source: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ServiceDetail.html>,
//! <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#interface-endpoint-private-dns>.

use serde::{Deserialize, Serialize};

/// One endpoint service, as `DescribeVpcEndpointServices` lists it in its
/// `ServiceDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpointService {
    /// `vpce-svc-…`.
    pub service_id: String,
    /// `com.amazonaws.us-east-1.ssm`, `com.amazonaws.vpce.us-east-1.vpce-svc-…`.
    pub service_name: String,
    /// `Interface`, `Gateway` and/or `GatewayLoadBalancer` (S3 offers two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_types: Vec<String>,
    /// The Availability Zones (names) an endpoint for it can be placed in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub availability_zones: Vec<String>,
    /// The service's DNS names that an interface endpoint with private DNS
    /// answers inside the VPC (`PrivateDnsName` and `PrivateDnsNames`); a
    /// leading `*.` matches any one or more labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_dns_names: Vec<String>,
    /// `BaseEndpointDnsNames`: every endpoint's own names end with one
    /// (`vpce-0abc-1x2y.ssm.us-east-1.vpce.amazonaws.com`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_endpoint_dns_names: Vec<String>,
    /// `amazon`, or the account id of a PrivateLink service's owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The owner must accept each endpoint connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance_required: Option<bool>,
    /// The region of the describe call, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl VpcEndpointService {
    /// True when the service offers endpoint type `t` (`Interface`,
    /// `Gateway`, `GatewayLoadBalancer`; any case).
    pub fn offers(&self, t: &str) -> bool {
        self.service_types.iter().any(|x| x.eq_ignore_ascii_case(t))
    }

    /// True when DNS name `name` (any case, a trailing dot allowed) is one
    /// of the service's private DNS names; `*.rest` matches a name with one
    /// or more labels before `rest`.
    pub fn answers_for(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.private_dns_names.iter().any(|p| {
            let p = p.to_ascii_lowercase();
            match p.strip_prefix("*.") {
                Some(rest) => name
                    .strip_suffix(rest)
                    .and_then(|head| head.strip_suffix('.'))
                    .is_some_and(|head| !head.is_empty()),
                None => name == p,
            }
        })
    }

    /// True when `name` is a `Gateway` service's public DNS name (its
    /// `BaseEndpointDnsNames`: `s3.us-east-1.amazonaws.com`) or a name
    /// under it (`bucket.s3.us-east-1.amazonaws.com`): public addresses in
    /// the service's AWS-managed prefix list, which a gateway endpoint serves.
    /// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html>.
    pub fn gateway_answers_for(&self, name: &str) -> bool {
        if !self.offers("Gateway") {
            return false;
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.base_endpoint_dns_names.iter().any(|b| {
            let b = b.to_ascii_lowercase();
            name == b
                || name
                    .strip_suffix(&b)
                    .is_some_and(|head| head.len() > 1 && head.ends_with('.'))
        })
    }

    /// The id of the endpoint an endpoint-specific DNS name names:
    /// `vpce-0abc` for `vpce-0abc-1x2y.ssm.us-east-1.vpce.amazonaws.com`
    /// or `us-east-1a.vpce-0abc-1x2y.ssm…` (a zonal name), when the name
    /// ends with one of [`Self::base_endpoint_dns_names`].
    /// Source: <https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html#access-aws-services-dns>.
    pub fn endpoint_of_dns_name(&self, name: &str) -> Option<String> {
        if self
            .service_types
            .iter()
            .all(|t| t.eq_ignore_ascii_case("Gateway"))
        {
            return None;
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.base_endpoint_dns_names.iter().find_map(|base| {
            let head = name
                .strip_suffix(&base.to_ascii_lowercase())?
                .strip_suffix('.')?;
            let label = head.rsplit('.').next()?;
            // vpce-<id>-<suffix>: the id is the first two dash-separated parts.
            let mut parts = label.splitn(3, '-');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("vpce"), Some(id), Some(_)) if !id.is_empty() => Some(format!("vpce-{id}")),
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssm() -> VpcEndpointService {
        VpcEndpointService {
            service_id: "vpce-svc-1".into(),
            service_name: "com.amazonaws.us-east-1.ssm".into(),
            service_types: vec!["Interface".into()],
            availability_zones: vec!["us-east-1a".into()],
            private_dns_names: vec!["ssm.us-east-1.amazonaws.com".into()],
            base_endpoint_dns_names: vec!["ssm.us-east-1.vpce.amazonaws.com".into()],
            owner: Some("amazon".into()),
            acceptance_required: Some(false),
            region: Some("us-east-1".into()),
        }
    }

    #[test]
    fn private_dns_names_match_exactly_or_by_wildcard() {
        let mut s = ssm();
        assert!(s.answers_for("SSM.us-east-1.amazonaws.com."));
        assert!(!s.answers_for("x.ssm.us-east-1.amazonaws.com"));
        s.private_dns_names = vec!["*.notebook.us-east-1.sagemaker.aws".into()];
        assert!(s.answers_for("nb1.notebook.us-east-1.sagemaker.aws"));
        assert!(s.answers_for("a.b.notebook.us-east-1.sagemaker.aws"));
        assert!(!s.answers_for("notebook.us-east-1.sagemaker.aws"));
        assert!(!s.answers_for("xnotebook.us-east-1.sagemaker.aws"));
    }

    #[test]
    fn endpoint_names_give_the_endpoint_id() {
        let s = ssm();
        assert_eq!(
            s.endpoint_of_dns_name("vpce-0abc123-1x2y3z.ssm.us-east-1.vpce.amazonaws.com"),
            Some("vpce-0abc123".into())
        );
        assert_eq!(
            s.endpoint_of_dns_name(
                "vpce-0abc123-1x2y3z-us-east-1a.ssm.us-east-1.vpce.amazonaws.com"
            ),
            Some("vpce-0abc123".into())
        );
        assert_eq!(
            s.endpoint_of_dns_name("ssm.us-east-1.vpce.amazonaws.com"),
            None
        );
        assert_eq!(s.endpoint_of_dns_name("ssm.us-east-1.amazonaws.com"), None);
    }

    #[test]
    fn gateway_services_answer_for_their_public_names() {
        let mut s = ssm();
        assert!(!s.gateway_answers_for("ssm.us-east-1.vpce.amazonaws.com"));
        s.service_types = vec!["Gateway".into()];
        s.base_endpoint_dns_names = vec!["s3.us-east-1.amazonaws.com".into()];
        assert!(s.gateway_answers_for("s3.us-east-1.amazonaws.com"));
        assert!(s.gateway_answers_for("my-bucket.S3.us-east-1.amazonaws.com."));
        assert!(!s.gateway_answers_for("xs3.us-east-1.amazonaws.com"));
        assert_eq!(
            s.endpoint_of_dns_name("vpce-1-2.s3.us-east-1.amazonaws.com"),
            None
        );
    }
}
