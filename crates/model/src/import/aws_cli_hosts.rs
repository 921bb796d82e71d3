//! The raw AWS CLI shapes of what lives in a subnet: network interfaces
//! (`DescribeNetworkInterfaces`), EC2 instances with their embedded
//! interfaces (`DescribeInstances`, `Reservations[].Instances[]`) and RDS
//! DB instances (`DescribeDBInstances`).
//!
//! Shapes: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html> and
//! <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html>.

use std::net::Ipv4Addr;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::aws_cli::{tags, AwsItem, RawTag};
use crate::error::ModelError;
use crate::raw::{deserialize_field, resource_label};
use crate::resources::*;
use crate::snapshot::Snapshot;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawNetworkInterface {
    network_interface_id: String,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    availability_zone: Option<String>,
    description: Option<String>,
    interface_type: Option<String>,
    requester_id: Option<String>,
    requester_managed: Option<bool>,
    status: Option<String>,
    private_ip_address: Option<Ipv4Addr>,
    private_ip_addresses: Option<Vec<RawPrivateIp>>,
    ipv6_addresses: Option<Vec<RawIpv6Address>>,
    association: Option<RawAssociation>,
    groups: Option<Vec<RawGroupIdentifier>>,
    attachment: Option<RawAttachment>,
    tag_set: Option<Vec<RawTag>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPrivateIp {
    private_ip_address: Ipv4Addr,
    primary: Option<bool>,
    association: Option<RawAssociation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawIpv6Address {
    ipv6_address: std::net::Ipv6Addr,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAssociation {
    public_ip: Option<Ipv4Addr>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroupIdentifier {
    group_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttachment {
    instance_id: Option<String>,
    status: Option<String>,
    device_index: Option<i64>,
}

impl RawNetworkInterface {
    /// Converts, requiring `SubnetId` and `VpcId`. `instance_id` fills in the
    /// attachment of interfaces embedded in `DescribeInstances` output;
    /// `field_prefix` is where the interface sits in the file, for errors.
    fn convert(
        self,
        path: &Path,
        field_prefix: &str,
        instance_id: Option<&str>,
    ) -> Result<NetworkInterface, ModelError> {
        let required = |v: Option<String>, name: &str| {
            v.ok_or_else(|| ModelError::Field {
                path: path.to_path_buf(),
                resource: self.network_interface_id.clone(),
                field: format!("{field_prefix}{name}"),
                message: format!("missing field `{name}`"),
            })
        };
        let subnet_id = required(self.subnet_id.clone(), "SubnetId")?;
        let vpc_id = required(self.vpc_id.clone(), "VpcId")?;
        let mut private_ip_addresses: Vec<PrivateIpAddress> = self
            .private_ip_addresses
            .into_iter()
            .flatten()
            .map(|p| PrivateIpAddress {
                private_ip_address: p.private_ip_address,
                primary: p.primary.unwrap_or(false),
                public_ip: p.association.and_then(|a| a.public_ip),
            })
            .collect();
        let top = self.association.as_ref().and_then(|a| a.public_ip);
        if private_ip_addresses.is_empty() {
            if let Some(ip) = self.private_ip_address {
                private_ip_addresses.push(PrivateIpAddress {
                    private_ip_address: ip,
                    primary: true,
                    public_ip: top,
                });
            }
        } else if let Some(primary) = private_ip_addresses
            .iter_mut()
            .find(|p| p.primary && p.public_ip.is_none())
        {
            // The interface's own `Association` is its primary address's
            // (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkInterface.html>).
            primary.public_ip = top;
        }
        let mut attachment = self.attachment.map(|a| NetworkInterfaceAttachment {
            instance_id: a.instance_id.map(Into::into),
            status: a.status.map(Into::into),
            device_index: a.device_index,
        });
        if let Some(iid) = instance_id {
            let att = attachment.get_or_insert(NetworkInterfaceAttachment {
                instance_id: None,
                status: Some("attached".into()),
                device_index: None,
            });
            att.instance_id.get_or_insert_with(|| iid.into());
        }
        Ok(NetworkInterface {
            network_interface_id: self.network_interface_id.into(),
            subnet_id: subnet_id.into(),
            vpc_id: vpc_id.into(),
            availability_zone: self.availability_zone.map(Into::into),
            description: self.description.unwrap_or_default().into(),
            interface_type: self.interface_type.map(Into::into),
            requester_id: self.requester_id.map(Into::into),
            requester_managed: self.requester_managed.unwrap_or(false),
            status: self.status.map(NetworkInterfaceStatus::from),
            private_ip_addresses,
            ipv6_addresses: self
                .ipv6_addresses
                .into_iter()
                .flatten()
                .map(|a| a.ipv6_address)
                .collect(),
            groups: self
                .groups
                .into_iter()
                .flatten()
                .map(|g| g.group_id.into())
                .collect(),
            attachment,
            tags: tags(self.tag_set.or(self.tags)),
        })
    }
}

impl AwsItem for RawNetworkInterface {
    type Model = NetworkInterface;
    type Slot = crate::Shared<NetworkInterface>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.network_interfaces
    }
    fn into_model(self, path: &Path, _: Option<&str>) -> Result<NetworkInterface, ModelError> {
        self.convert(path, "", None)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RawReservation {
    #[serde(default)]
    instances: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInstance {
    instance_id: String,
    state: RawStateName,
    platform: Option<String>,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    private_ip_address: Option<Ipv4Addr>,
    public_ip_address: Option<Ipv4Addr>,
    network_interfaces: Option<Vec<Value>>,
    tags: Option<Vec<RawTag>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawStateName {
    name: String,
}

#[derive(Deserialize)]
pub(super) struct RawDbInstance {
    #[serde(rename = "DBInstanceIdentifier")]
    db_instance_identifier: String,
    #[serde(rename = "DBInstanceStatus")]
    db_instance_status: String,
    #[serde(rename = "Engine")]
    engine: Option<String>,
    #[serde(rename = "Endpoint")]
    endpoint: Option<RawDbEndpoint>,
    #[serde(rename = "DBSubnetGroup")]
    db_subnet_group: Option<RawDbSubnetGroup>,
    #[serde(rename = "VpcSecurityGroups")]
    vpc_security_groups: Option<Vec<RawVpcSecurityGroup>>,
    #[serde(rename = "MultiAZ")]
    multi_az: Option<bool>,
    #[serde(rename = "PubliclyAccessible")]
    publicly_accessible: Option<bool>,
    #[serde(rename = "AvailabilityZone")]
    availability_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDbEndpoint {
    address: Option<String>,
    port: Option<u16>,
}

#[derive(Deserialize)]
struct RawDbSubnetGroup {
    #[serde(rename = "DBSubnetGroupName")]
    name: Option<String>,
    #[serde(rename = "VpcId")]
    vpc_id: Option<String>,
    #[serde(rename = "Subnets")]
    subnets: Option<Vec<RawDbSubnet>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawDbSubnet {
    subnet_identifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVpcSecurityGroup {
    vpc_security_group_id: String,
}

impl AwsItem for RawDbInstance {
    type Model = DbInstance;
    type Slot = Vec<DbInstance>;
    fn slot(snap: &mut Snapshot) -> &mut Option<Self::Slot> {
        &mut snap.db_instances
    }
    fn into_model(self, _: &Path, _: Option<&str>) -> Result<DbInstance, ModelError> {
        Ok(DbInstance {
            db_instance_identifier: self.db_instance_identifier,
            db_instance_status: self.db_instance_status.into(),
            engine: self.engine,
            endpoint: self.endpoint.and_then(|e| {
                Some(DbEndpoint {
                    address: e.address.unwrap_or_default(),
                    port: e.port?,
                    resolved_addresses: Vec::new(),
                })
            }),
            db_subnet_group: self.db_subnet_group.map(|g| DbSubnetGroup {
                name: g.name.unwrap_or_default(),
                vpc_id: g.vpc_id,
                subnet_ids: g
                    .subnets
                    .into_iter()
                    .flatten()
                    .map(|s| s.subnet_identifier)
                    .collect(),
            }),
            vpc_security_group_ids: self
                .vpc_security_groups
                .into_iter()
                .flatten()
                .map(|g| g.vpc_security_group_id)
                .collect(),
            multi_az: self.multi_az.unwrap_or(false),
            publicly_accessible: self.publicly_accessible.unwrap_or(false),
            availability_zone: self.availability_zone,
        })
    }
}

/// The instances of `Reservations[]` and the interfaces embedded in them
/// (those in a VPC; EC2-Classic ones are skipped), each interface's
/// attachment naming its instance. `path` names the file in errors, whose
/// fields read `Reservations[r].Instances[i]...`.
pub(super) fn reservations(
    path: &Path,
    reservations: Vec<RawReservation>,
) -> Result<(Vec<Instance>, Vec<NetworkInterface>), ModelError> {
    let mut instances = Vec::new();
    let mut embedded_enis = Vec::new();
    for (ri, r) in reservations.into_iter().enumerate() {
        for (ii, inst) in r.instances.into_iter().enumerate() {
            let label = resource_label(&inst, "InstanceId", "instance", ii);
            let prefix = format!("Reservations[{ri}].Instances[{ii}]");
            let raw: RawInstance = deserialize_field(path, &label, &prefix, inst)?;
            let mut eni_ids = Vec::new();
            for (ni, eni) in raw.network_interfaces.into_iter().flatten().enumerate() {
                let eni_label = resource_label(&eni, "NetworkInterfaceId", "network interface", ni);
                let eni_prefix = format!("{prefix}.NetworkInterfaces[{ni}]");
                let reni: RawNetworkInterface =
                    deserialize_field(path, &eni_label, &eni_prefix, eni)?;
                if reni.subnet_id.is_none() {
                    continue; // EC2-Classic: not in a VPC
                }
                let m = reni.convert(path, &format!("{eni_prefix}."), Some(&raw.instance_id))?;
                eni_ids.push(m.network_interface_id.clone());
                embedded_enis.push(m);
            }
            instances.push(Instance {
                instance_id: raw.instance_id.into(),
                state: raw.state.name.into(),
                platform: raw.platform.map(Into::into),
                subnet_id: raw.subnet_id.map(Into::into),
                vpc_id: raw.vpc_id.map(Into::into),
                private_ip_address: raw.private_ip_address,
                public_ip_address: raw.public_ip_address,
                network_interface_ids: eni_ids,
                tags: tags(raw.tags),
            });
        }
    }
    Ok((instances, embedded_enis))
}
