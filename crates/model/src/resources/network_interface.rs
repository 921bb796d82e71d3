//! Network interfaces (`DescribeNetworkInterfaces`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::api_state::api_state;
use super::tags::Tags;
use crate::CompactString;

api_state! {
    /// `Status` of a network interface (`NetworkInterfaceStatus`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub enum NetworkInterfaceStatus {
        /// `available`: not attached.
        Available = "available",
        /// `associated`.
        Associated = "associated",
        /// `attaching`.
        Attaching = "attaching",
        /// `in-use`: attached.
        InUse = "in-use",
        /// `detaching`.
        Detaching = "detaching",
    }
}

/// A network interface (`DescribeNetworkInterfaces`), attached or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterface {
    /// `eni-...`.
    pub network_interface_id: CompactString,
    /// The subnet the ENI lives in.
    pub subnet_id: CompactString,
    /// The VPC.
    pub vpc_id: CompactString,
    /// Availability Zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<CompactString>,
    /// `Description`; RDS uses `RDSNetworkInterface`.
    #[serde(default)]
    pub description: CompactString,
    /// `InterfaceType` (`interface`, `nat_gateway`, `lambda`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<CompactString>,
    /// `RequesterId`: the service or principal that created the ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<CompactString>,
    /// `RequesterManaged`.
    #[serde(default)]
    pub requester_managed: bool,
    /// `Status`: `in-use`, `available`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NetworkInterfaceStatus>,
    /// Private IPv4 addresses, primary first, each with its public IP if any.
    pub private_ip_addresses: Vec<PrivateIpAddress>,
    /// IPv6 addresses (`Ipv6Addresses[].Ipv6Address`); each is itself
    /// public when the subnet routes `::/0` to an internet gateway.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_addresses: Vec<std::net::Ipv6Addr>,
    /// Security groups on the ENI (`Groups[].GroupId`).
    #[serde(default)]
    pub groups: Vec<CompactString>,
    /// The attachment, if the ENI is attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<NetworkInterfaceAttachment>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl NetworkInterface {
    /// True when `Status` is `in-use` (attached). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub fn is_in_use(&self) -> bool {
        self.status == Some(NetworkInterfaceStatus::InUse)
    }

    /// True when `Status` is `available` (not attached). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>.
    pub fn is_available(&self) -> bool {
        self.status == Some(NetworkInterfaceStatus::Available)
    }

    /// The primary private IPv4 address (the one marked `Primary`, else the first).
    pub fn primary_ip(&self) -> Option<Ipv4Addr> {
        self.private_ip_addresses
            .iter()
            .find(|p| p.primary)
            .or_else(|| self.private_ip_addresses.first())
            .map(|p| p.private_ip_address)
    }

    /// The public IPv4 address associated with the primary private IP, else
    /// with any private IP.
    pub fn public_ip(&self) -> Option<Ipv4Addr> {
        self.private_ip_addresses
            .iter()
            .find(|p| p.primary && p.public_ip.is_some())
            .or_else(|| {
                self.private_ip_addresses
                    .iter()
                    .find(|p| p.public_ip.is_some())
            })
            .and_then(|p| p.public_ip)
    }

    /// The AWS service that owns this ENI when it is not a host's interface:
    /// a load balancer, an interface or Gateway Load Balancer endpoint, a
    /// transit gateway attachment, a NAT gateway, Lambda, and so on, named
    /// for a human (`a Network Load Balancer (ELB net/web/0123)`). `None`
    /// for an instance's interface (`InterfaceType` `interface`, `efa`,
    /// `efa-only`, `branch` or `trunk`, not requester-managed) and for the
    /// ENIs RDS creates (`RDSNetworkInterface`), which answer as their DB
    /// instance.
    ///
    /// Managed ENIs do not listen on every port like a host, and do not
    /// originate connections of their own. Sources:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>
    /// (`InterfaceType`, `RequesterManaged`) and
    /// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html>.
    pub fn managed_service(&self) -> Option<String> {
        if self.description == "RDSNetworkInterface" {
            return None;
        }
        let kind = match self.interface_type.as_deref().unwrap_or("interface") {
            "interface" | "efa" | "efa-only" | "branch" | "trunk" => None,
            "nat_gateway" | "natGateway" => Some("a NAT gateway".to_string()),
            "network_load_balancer" => Some("a Network Load Balancer".to_string()),
            "gateway_load_balancer" => Some("a Gateway Load Balancer".to_string()),
            "gateway_load_balancer_endpoint" => {
                Some("a Gateway Load Balancer endpoint".to_string())
            }
            "vpc_endpoint" => Some("an interface VPC endpoint".to_string()),
            "lambda" => Some("AWS Lambda".to_string()),
            "transit_gateway" => Some("a transit gateway attachment".to_string()),
            "load_balancer" => Some("a load balancer".to_string()),
            other => Some(format!("the AWS service behind interface type `{other}`")),
        };
        let kind = kind.or_else(|| {
            self.requester_managed.then(|| {
                // `ELB app/NAME/ID` is an ELBv2 node; `ELB NAME` a Classic
                // Load Balancer's, which netpath does not model.
                if let Some(rest) = self.description.strip_prefix("ELB ") {
                    if rest.contains('/') {
                        "a load balancer".to_string()
                    } else {
                        "a Classic Load Balancer".to_string()
                    }
                } else {
                    format!(
                        "the AWS service {}",
                        self.requester_id.as_deref().unwrap_or("that manages it")
                    )
                }
            })
        })?;
        Some(if self.description.is_empty() {
            kind
        } else {
            format!("{kind} ({})", self.description)
        })
    }

    /// True for an ENI that is attached to nothing (`Status: available` and
    /// no attachment): it neither sends nor answers. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html>.
    pub fn is_detached(&self) -> bool {
        self.is_available() && self.attachment.is_none()
    }

    /// True when `ip` is one of the ENI's private IPv4 addresses.
    pub fn has_private_ip(&self, ip: Ipv4Addr) -> bool {
        self.private_ip_addresses
            .iter()
            .any(|p| p.private_ip_address == ip)
    }
}

/// One private IPv4 address of an ENI (`NetworkInterfacePrivateIpAddress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivateIpAddress {
    /// The address.
    pub private_ip_address: Ipv4Addr,
    /// True for the primary address.
    #[serde(default)]
    pub primary: bool,
    /// The public or Elastic IP associated with it (`Association.PublicIp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Ipv4Addr>,
}

/// An ENI's attachment (`NetworkInterfaceAttachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkInterfaceAttachment {
    /// The instance it is attached to, when it is an EC2 instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<CompactString>,
    /// `attaching`, `attached`, `detaching`, `detached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CompactString>,
    /// Device index (0 is the primary interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_index: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A requester-managed ENI with `description`, as ELB creates them.
    fn elb(description: &str) -> NetworkInterface {
        serde_json::from_value(serde_json::json!({
            "network_interface_id": "eni-1", "subnet_id": "subnet-1", "vpc_id": "vpc-1",
            "description": description, "requester_id": "amazon-elb",
            "requester_managed": true, "private_ip_addresses": []
        }))
        .unwrap()
    }

    #[test]
    fn classic_load_balancer_nodes_are_named_as_such() {
        assert_eq!(
            elb("ELB web-classic").managed_service().as_deref(),
            Some("a Classic Load Balancer (ELB web-classic)")
        );
        assert_eq!(
            elb("ELB app/web/0123").managed_service().as_deref(),
            Some("a load balancer (ELB app/web/0123)")
        );
    }
}
