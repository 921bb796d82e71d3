//! The client's ephemeral port range, which the reply of a connection is
//! addressed to and which stateless network ACLs must allow.
//!
//! Source: <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html>:
//! many Linux kernels use 32768-60999; Windows Server 2008 and later use
//! 49152-65535; NAT gateways, Elastic Load Balancing and AWS Lambda use
//! 1024-65535.

use netpath_model::{NetworkInterface, PortRange};

use crate::resolve::Endpoint;

/// The kind of client, which fixes its ephemeral range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOs {
    /// 32768-60999.
    Linux,
    /// 49152-65535.
    Windows,
    /// 1024-65535.
    NatGateway,
    /// 1024-65535.
    Elb,
    /// 1024-65535.
    Lambda,
}

impl ClientOs {
    /// Parses `linux`, `windows`, `nat-gateway`, `elb` or `lambda`.
    pub fn parse(s: &str) -> Option<ClientOs> {
        Some(match s.to_ascii_lowercase().as_str() {
            "linux" => ClientOs::Linux,
            "windows" => ClientOs::Windows,
            "nat-gateway" | "nat" => ClientOs::NatGateway,
            "elb" => ClientOs::Elb,
            "lambda" => ClientOs::Lambda,
            _ => return None,
        })
    }

    /// The name used in output.
    pub fn name(self) -> &'static str {
        match self {
            ClientOs::Linux => "linux",
            ClientOs::Windows => "windows",
            ClientOs::NatGateway => "nat-gateway",
            ClientOs::Elb => "elb",
            ClientOs::Lambda => "lambda",
        }
    }

    /// The ephemeral range (units: ports, inclusive).
    pub fn ephemeral_ports(self) -> PortRange {
        match self {
            ClientOs::Linux => PortRange::new(32768, 60999),
            ClientOs::Windows => PortRange::new(49152, 65535),
            ClientOs::NatGateway | ClientOs::Elb | ClientOs::Lambda => PortRange::new(1024, 65535),
        }
    }
}

fn of_eni(eni: &NetworkInterface) -> Option<ClientOs> {
    match eni.interface_type.as_deref() {
        Some("nat_gateway") => return Some(ClientOs::NatGateway),
        Some("lambda") => return Some(ClientOs::Lambda),
        _ => {}
    }
    if eni.requester_id.as_deref() == Some("amazon-elb") || eni.description.starts_with("ELB ") {
        return Some(ClientOs::Elb);
    }
    None
}

/// The client kind of a source: Windows instances (`Platform: windows`) are
/// Windows; NAT gateway, Lambda and ELB interfaces are what they are; every
/// other client is treated as Linux.
pub fn client_os_of(src: &Endpoint) -> ClientOs {
    if let Some(inst) = src.instance {
        if inst
            .platform
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
        {
            return ClientOs::Windows;
        }
    }
    src.placements
        .first()
        .and_then(|p| p.eni)
        .and_then(of_eni)
        .unwrap_or(ClientOs::Linux)
}
