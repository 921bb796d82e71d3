//! EC2 instances (`DescribeInstances`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::api_state::api_state;
use super::tags::Tags;
use crate::CompactString;

api_state! {
    /// `State.Name` of an EC2 instance (`InstanceStateName`). Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub enum InstanceStateName {
        /// `pending`: starting up.
        Pending = "pending",
        /// `running`.
        Running = "running",
        /// `shutting-down`: being terminated.
        ShuttingDown = "shutting-down",
        /// `terminated`.
        Terminated = "terminated",
        /// `stopping`.
        Stopping = "stopping",
        /// `stopped`.
        Stopped = "stopped",
    }
}

/// An EC2 instance (`DescribeInstances`, `Reservations[].Instances[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `i-...`.
    pub instance_id: CompactString,
    /// `State.Name`: `running`, `stopped`, `pending`, ...
    pub state: InstanceStateName,
    /// `Platform`: `windows` for Windows instances, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<CompactString>,
    /// Subnet of the primary interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<CompactString>,
    /// VPC of the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<CompactString>,
    /// Primary private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip_address: Option<Ipv4Addr>,
    /// Public IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip_address: Option<Ipv4Addr>,
    /// Interfaces attached to it.
    #[serde(default)]
    pub network_interface_ids: Vec<CompactString>,
    /// Tags (the `Name` tag names it).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl Instance {
    /// True when the instance is `terminated` or `shutting-down`: it lingers
    /// in `DescribeInstances` for a while after termination, under the same
    /// `Name` tag, but has no network interface any more. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html>.
    pub fn is_terminated(&self) -> bool {
        matches!(
            self.state,
            InstanceStateName::Terminated | InstanceStateName::ShuttingDown
        )
    }

    /// True when `State.Name` is `running`. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub fn is_running(&self) -> bool {
        self.state == InstanceStateName::Running
    }

    /// True when `State.Name` is `stopped`. Source:
    /// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html>.
    pub fn is_stopped(&self) -> bool {
        self.state == InstanceStateName::Stopped
    }
}
