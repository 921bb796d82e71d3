//! Why a hop blocks: [`ExplanationCode`], AWS Reachability Analyzer's
//! explanation codes and netpath's own, with their one-line descriptions
//! (`docs/explain-json.md` lists them all; a test keeps it in step).

use serde::Serialize;

/// Why a hop blocks: an AWS Reachability Analyzer explanation code
/// (<https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html>),
/// or, where Reachability Analyzer has none, a documented netpath code
/// prefixed `NETPATH_` (`docs/explain-json.md`).
///
/// Serialized as its name (`as_str()`), e.g. `"ENI_SG_RULES_MISMATCH"`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ExplanationCode {
    /// A component is in a state that carries no traffic: an instance that
    /// is not running, a DB that is not available, a peering that is not
    /// active, a gateway that does not exist.
    BadState,
    /// The internet gateway a route names is not attached to the VPC.
    BadStateAttachment,
    /// The matching route is a blackhole: its target no longer exists.
    BadStateRoute,
    /// The packet is routed somewhere that cannot deliver it (a peering
    /// whose far VPC does not hold the address, a private address sent to
    /// the internet, another ENI than the intended one).
    CannotRoute,
    /// No security-group rule of the ENI allows the traffic.
    EniSgRulesMismatch,
    /// The route table has no route for the destination.
    NoRouteToDestination,
    /// A network ACL entry denies the traffic.
    SubnetAclRestriction,
    /// netpath: a hop blocks without a more specific code.
    NetpathBlocked,
    /// netpath: the subnet was reached, but no ENI holds the address.
    NetpathNoDestination,
    /// netpath: the VPC has no attached internet gateway.
    NetpathNoInternetGateway,
    /// netpath: the host was reached on a port nothing listens on (a DB on
    /// another port): the connection is refused.
    NetpathNoListener,
    /// netpath: the ENI has no public IP, so the internet cannot address it
    /// and an internet gateway cannot carry its traffic.
    NetpathNoPublicIp,
    /// netpath: the address is inside the VPC but in none of its subnets.
    NetpathNoSubnet,
    /// netpath: the host's own firewall (nftables or iptables) drops the
    /// packet silently.
    NetpathHostFirewallDrop,
    /// netpath: the host's own firewall rejects the packet, answering with a
    /// TCP reset or an ICMP error.
    NetpathHostFirewallReject,
    /// The transit gateway attachment has no subnet in the Availability
    /// Zone the packet starts in, so the packet cannot reach the transit
    /// gateway.
    TgwAttachVpcAzRestriction,
    /// The attachment the packet arrived on is associated with no transit
    /// gateway route table.
    TgwAttachMissingTgwRtbAssociation,
    /// The transit gateway route table has no route for the destination.
    TgwRtbCannotRoute,
    /// The VPN connection is not in a functional state (not available, or
    /// every tunnel down).
    BadStateVpn,
    /// netpath: the Direct Connect gateway association's allowed prefixes
    /// do not cover the VPC-side address, so the customer network has no
    /// route to it.
    NetpathDirectConnectPrefixNotAllowed,
    /// A gateway VPC endpoint carries only TCP and ICMP echo requests.
    VpceGatewayProtocolRestriction,
    /// A gateway VPC endpoint carries only traffic that starts in its own VPC.
    VpceGatewayEgressSourceAddressRestriction,
    /// netpath: an interface VPC endpoint answers only its service's
    /// protocol and ports (TCP 443 for AWS services).
    NetpathVpcEndpointPortNotServed,
    /// netpath: the load balancer has no listener on the flow's protocol
    /// and port: it drops the packet.
    NetpathLoadBalancerNoListener,
    /// netpath: no target of the load balancer's target group takes the
    /// connection (none registered, none reachable from the load balancer,
    /// or none answering); with only some, the connection is intermittent.
    NetpathLoadBalancerNoTarget,
    /// netpath: an Application Load Balancer's listener rules send some
    /// requests (by what they carry) where they pass and others where they
    /// fail: the answer depends on the request.
    NetpathLoadBalancerRuleDependent,
}

impl ExplanationCode {
    /// The code's name, e.g. `ENI_SG_RULES_MISMATCH` or `NETPATH_NO_LISTENER`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// One line saying what the code means, as `docs/explain-json.md` does.
    pub fn description(self) -> &'static str {
        match self {
            ExplanationCode::BadState => "a component is in a state that carries no traffic",
            ExplanationCode::BadStateAttachment => {
                "the gateway the route names is not attached to the VPC"
            }
            ExplanationCode::BadStateRoute => "the matching route is a blackhole",
            ExplanationCode::CannotRoute => "the packet is routed where it cannot be delivered",
            ExplanationCode::EniSgRulesMismatch => {
                "no security-group rule of the ENI allows the traffic"
            }
            ExplanationCode::NoRouteToDestination => "no route matches the destination",
            ExplanationCode::SubnetAclRestriction => "a network ACL entry denies the traffic",
            ExplanationCode::NetpathBlocked => "a hop blocks without a more specific code",
            ExplanationCode::NetpathNoDestination => {
                "the subnet was reached, but no ENI holds the address"
            }
            ExplanationCode::NetpathNoInternetGateway => "the VPC has no attached internet gateway",
            ExplanationCode::NetpathNoListener => {
                "the host was reached on a port nothing listens on: refused"
            }
            ExplanationCode::NetpathNoPublicIp => "the ENI has no public IP",
            ExplanationCode::NetpathNoSubnet => "the address is inside the VPC but in no subnet",
            ExplanationCode::NetpathHostFirewallDrop => {
                "the host's own firewall drops the packet silently"
            }
            ExplanationCode::NetpathHostFirewallReject => {
                "the host's own firewall rejects the packet with a reset or an ICMP error"
            }
            ExplanationCode::TgwAttachVpcAzRestriction => {
                "the transit gateway attachment has no subnet in the packet's Availability Zone"
            }
            ExplanationCode::TgwAttachMissingTgwRtbAssociation => {
                "the transit gateway attachment is associated with no route table"
            }
            ExplanationCode::TgwRtbCannotRoute => {
                "the transit gateway route table has no route for the destination"
            }
            ExplanationCode::BadStateVpn => {
                "the VPN connection is not available or every tunnel is down"
            }
            ExplanationCode::NetpathDirectConnectPrefixNotAllowed => {
                "the Direct Connect gateway association does not allow the VPC-side address"
            }
            ExplanationCode::VpceGatewayProtocolRestriction => {
                "a gateway VPC endpoint carries only TCP and ICMP echo requests"
            }
            ExplanationCode::VpceGatewayEgressSourceAddressRestriction => {
                "a gateway VPC endpoint carries only traffic that starts in its own VPC"
            }
            ExplanationCode::NetpathVpcEndpointPortNotServed => {
                "the interface VPC endpoint does not answer this protocol and port"
            }
            ExplanationCode::NetpathLoadBalancerNoListener => {
                "the load balancer has no listener on this protocol and port"
            }
            ExplanationCode::NetpathLoadBalancerNoTarget => {
                "no target of the load balancer takes the connection (or only some do)"
            }
            ExplanationCode::NetpathLoadBalancerRuleDependent => {
                "the listener's rules send some requests where they pass and others where they fail"
            }
        }
    }
}

impl std::fmt::Display for ExplanationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ExplanationCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::ExplanationCode;

    #[test]
    fn every_explanation_code_is_documented_and_netpath_codes_say_so() {
        let doc = include_str!("../../../docs/explain-json.md");
        for c in ExplanationCode::iter() {
            assert!(
                doc.contains(&format!("`{}`", c.as_str())),
                "{c} is not in docs/explain-json.md"
            );
            assert!(!c.description().is_empty());
            assert_eq!(
                c.as_str().starts_with("NETPATH_"),
                format!("{c:?}").starts_with("Netpath"),
                "{c}"
            );
        }
    }
}
