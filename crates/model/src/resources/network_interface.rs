//! Network interfaces (`DescribeNetworkInterfaces`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::api_state::api_state;
use super::tags::Tags;

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
    pub network_interface_id: String,
    /// The subnet the ENI lives in.
    pub subnet_id: String,
    /// The VPC.
    pub vpc_id: String,
    /// Availability Zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// `Description`; RDS uses `RDSNetworkInterface`.
    #[serde(default)]
    pub description: String,
    /// `InterfaceType` (`interface`, `nat_gateway`, `lambda`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_type: Option<String>,
    /// `RequesterId`: the service or principal that created the ENI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_id: Option<String>,
    /// `RequesterManaged`.
    #[serde(default)]
    pub requester_managed: bool,
    /// `Status`: `in-use`, `available`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NetworkInterfaceStatus>,
    /// Private IPv4 addresses, primary first, each with its public IP if any.
    pub private_ip_addresses: Vec<PrivateIpAddress>,
    /// Security groups on the ENI (`Groups[].GroupId`).
    #[serde(default)]
    pub groups: Vec<String>,
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
    pub instance_id: Option<String>,
    /// `attaching`, `attached`, `detaching`, `detached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Device index (0 is the primary interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_index: Option<i64>,
}
