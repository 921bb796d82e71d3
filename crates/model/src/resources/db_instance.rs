//! RDS DB instances (`DescribeDBInstances`).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::api_state::api_state;

api_state! {
    /// `DBInstanceStatus` of an RDS DB instance (a plain string in the API;
    /// these are the values the RDS User Guide documents). Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub enum DbInstanceStatus {
        /// `available`: accepts connections.
        Available = "available",
        /// `backing-up`.
        BackingUp = "backing-up",
        /// `configuring-enhanced-monitoring`.
        ConfiguringEnhancedMonitoring = "configuring-enhanced-monitoring",
        /// `configuring-iam-database-auth`.
        ConfiguringIamDatabaseAuth = "configuring-iam-database-auth",
        /// `configuring-log-exports`.
        ConfiguringLogExports = "configuring-log-exports",
        /// `converting-to-vpc`.
        ConvertingToVpc = "converting-to-vpc",
        /// `creating`.
        Creating = "creating",
        /// `delete-precheck`.
        DeletePrecheck = "delete-precheck",
        /// `deleting`.
        Deleting = "deleting",
        /// `failed`.
        Failed = "failed",
        /// `inaccessible-encryption-credentials`.
        InaccessibleEncryptionCredentials = "inaccessible-encryption-credentials",
        /// `inaccessible-encryption-credentials-recoverable`.
        InaccessibleEncryptionCredentialsRecoverable = "inaccessible-encryption-credentials-recoverable",
        /// `incompatible-network`.
        IncompatibleNetwork = "incompatible-network",
        /// `incompatible-option-group`.
        IncompatibleOptionGroup = "incompatible-option-group",
        /// `incompatible-parameters`.
        IncompatibleParameters = "incompatible-parameters",
        /// `incompatible-restore`.
        IncompatibleRestore = "incompatible-restore",
        /// `insufficient-capacity`.
        InsufficientCapacity = "insufficient-capacity",
        /// `maintenance`.
        Maintenance = "maintenance",
        /// `modifying`.
        Modifying = "modifying",
        /// `moving-to-vpc`.
        MovingToVpc = "moving-to-vpc",
        /// `rebooting`.
        Rebooting = "rebooting",
        /// `resetting-master-credentials`.
        ResettingMasterCredentials = "resetting-master-credentials",
        /// `renaming`.
        Renaming = "renaming",
        /// `restore-error`.
        RestoreError = "restore-error",
        /// `starting`.
        Starting = "starting",
        /// `stopped`.
        Stopped = "stopped",
        /// `stopping`.
        Stopping = "stopping",
        /// `storage-config-upgrade`.
        StorageConfigUpgrade = "storage-config-upgrade",
        /// `storage-full`.
        StorageFull = "storage-full",
        /// `storage-optimization`.
        StorageOptimization = "storage-optimization",
        /// `upgrading`.
        Upgrading = "upgrading",
    }
}

/// An RDS DB instance (`DescribeDBInstances`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInstance {
    /// `DBInstanceIdentifier`.
    pub db_instance_identifier: String,
    /// `DBInstanceStatus`: `available`, `stopped`, `starting`, ...
    pub db_instance_status: DbInstanceStatus,
    /// Engine (`postgres`, `mysql`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// The endpoint clients connect to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<DbEndpoint>,
    /// The subnet group that places the DB in a VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_subnet_group: Option<DbSubnetGroup>,
    /// `VpcSecurityGroups[].VpcSecurityGroupId`.
    #[serde(default)]
    pub vpc_security_group_ids: Vec<String>,
    /// `MultiAZ`.
    #[serde(default)]
    pub multi_az: bool,
    /// `PubliclyAccessible`.
    #[serde(default)]
    pub publicly_accessible: bool,
    /// Availability Zone of the primary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
}

impl DbInstance {
    /// True when `DBInstanceStatus` is `available` (it accepts connections).
    /// Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub fn is_available(&self) -> bool {
        self.db_instance_status == DbInstanceStatus::Available
    }

    /// True when `DBInstanceStatus` is `stopped`. Source:
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status>.
    pub fn is_stopped(&self) -> bool {
        self.db_instance_status == DbInstanceStatus::Stopped
    }
}

/// An RDS endpoint (`Endpoint`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbEndpoint {
    /// DNS name.
    pub address: String,
    /// TCP port the engine listens on.
    pub port: u16,
    /// The IPv4 addresses `address` resolved to when the snapshot was
    /// collected live (empty when not resolved, e.g. for imported JSON).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_addresses: Vec<Ipv4Addr>,
}

/// An RDS DB subnet group (`DBSubnetGroup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbSubnetGroup {
    /// `DBSubnetGroupName`.
    pub name: String,
    /// Its VPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// `Subnets[].SubnetIdentifier`.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
}
