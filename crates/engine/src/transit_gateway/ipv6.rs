//! IPv6 through a transit gateway: a VPC attachment propagates its VPC's
//! IPv6 CIDRs only with its `Ipv6Support` option enabled. "When disabled,
//! the network interface does not receive an IPv6 address, and IPv6 routes
//! do not propagate. The setting does not filter IPv6 traffic": a static
//! IPv6 route to the attachment still carries traffic
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html>).

use crate::addr::AddrSet;

use super::TransitGateways;

impl TransitGateways<'_> {
    /// Whether VPC attachment `att` propagates its VPC's IPv6 CIDRs (into
    /// `rtb`): only with its `Ipv6Support` option enabled. "When disabled,
    /// ... IPv6 routes do not propagate. The setting does not filter IPv6
    /// traffic" (static IPv6 routes to it still carry traffic):
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGatewayVpcAttachmentRequestOptions.html>.
    ///
    /// Errors: the option was not read (an attachment or option absent
    /// from the snapshot) while the VPC has IPv6 CIDRs (`has_ipv6`) to
    /// propagate: which routes the table holds is then unknown.
    pub fn propagates_ipv6(&self, att: &str, rtb: &str, has_ipv6: bool) -> Result<bool, String> {
        match self.vpc_attachment(att).and_then(|a| a.ipv6_support.as_deref()) {
            Some(o) => Ok(o == "enable"),
            None if !has_ipv6 => Ok(false),
            None => Err(format!(
                "the IPv6 support option of {att} (DescribeTransitGatewayVpcAttachments Options.Ipv6Support), which decides whether its VPC's IPv6 CIDRs propagate into {rtb}"
            )),
        }
    }

    /// The enabled VPC propagation into `rtb` whose VPC holds `dest` in an
    /// IPv6 CIDR but whose attachment has IPv6 support disabled: why `rtb`
    /// has no route for `dest`. Output: (attachment id, VPC id, the CIDR).
    pub fn ipv6_not_propagated(
        &self,
        rtb: &str,
        dest: &AddrSet,
    ) -> Option<(String, String, String)> {
        if !dest.is_v6() {
            return None;
        }
        self.propagations
            .get(rtb)?
            .propagations
            .iter()
            .filter(|p| p.state == "enabled" && p.resource_type.as_deref() == Some("vpc"))
            .find_map(|p| {
                let att = p.transit_gateway_attachment_id.as_str();
                let vpc = self.vpcs.get(p.resource_id.as_deref()?)?;
                let cidr = vpc.ipv6_cidr_blocks.iter().find(|c| dest.within(*c))?;
                let off = self
                    .vpc_attachment(att)?
                    .ipv6_support
                    .as_deref()
                    .is_some_and(|o| o != "enable");
                off.then(|| (att.to_string(), vpc.vpc_id.clone(), cidr.to_string()))
            })
    }
}
