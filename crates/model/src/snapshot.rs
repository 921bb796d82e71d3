//! The snapshot: every resource netpath knows of one or more accounts and
//! regions, and the netpath snapshot file format (`"format":
//! "netpath-snapshot", "version": 2`, documented in
//! `docs/snapshot-format.md`). Version 1 files (one account, no
//! [`Partition`]s) are still read, and migrated on read
//! (`snapshot_read.rs`, [`crate::partition::migrate_v1`]).
//!
//! Each collection is an `Option`: `None` means the input did not contain that
//! kind of resource at all (for example no `NetworkAcls` output), which the
//! engine reports as missing data rather than as "no ACLs".

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Warning};
use crate::resources::*;
use crate::shared::{Collection, Shared};

pub use crate::metadata::{Gap, Metadata, Partition};
pub use crate::raw::parse_json;

/// The value of the `format` field of a snapshot file.
pub const SNAPSHOT_FORMAT: &str = "netpath-snapshot";
/// The snapshot format version this build writes. It reads this one and
/// version 1, which it migrates (see [`crate::partition::migrate_v1`]).
pub const SNAPSHOT_VERSION: u64 = 2;

/// True for a snapshot format version this build reads: 1 (migrated on
/// read) and 2.
pub fn version_readable(v: u64) -> bool {
    v == 1 || v == SNAPSHOT_VERSION
}

/// All resources of a snapshot. `None` collections were absent from the input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Provenance.
    pub metadata: Metadata,
    /// `DescribeVpcs`.
    pub vpcs: Option<Vec<Vpc>>,
    /// `DescribeSubnets`.
    pub subnets: Option<Vec<Subnet>>,
    /// `DescribeSecurityGroups`.
    pub security_groups: Option<Vec<SecurityGroup>>,
    /// `DescribeNetworkAcls`.
    pub network_acls: Option<Vec<NetworkAcl>>,
    /// `DescribeRouteTables`.
    pub route_tables: Option<Vec<RouteTable>>,
    /// `DescribeNetworkInterfaces` (plus interfaces embedded in `DescribeInstances`).
    pub network_interfaces: Option<Shared<NetworkInterface>>,
    /// `DescribeInstances`.
    pub instances: Option<Shared<Instance>>,
    /// `DescribeVpcPeeringConnections`.
    pub vpc_peering_connections: Option<Vec<VpcPeeringConnection>>,
    /// `DescribeInternetGateways`.
    pub internet_gateways: Option<Vec<InternetGateway>>,
    /// `DescribeEgressOnlyInternetGateways` (absent in snapshots from
    /// before it was collected: routes to one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateways: Option<Vec<EgressOnlyInternetGateway>>,
    /// `DescribeNatGateways`.
    pub nat_gateways: Option<Vec<NatGateway>>,
    /// `DescribePrefixLists` / managed prefix lists.
    pub prefix_lists: Option<Vec<PrefixList>>,
    /// RDS `DescribeDBInstances`.
    pub db_instances: Option<Vec<DbInstance>>,
    /// `DescribeTransitGateways` (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateways: Option<Vec<TransitGateway>>,
    /// `DescribeTransitGatewayAttachments` (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_attachments: Option<Vec<TransitGatewayAttachment>>,
    /// `DescribeTransitGatewayVpcAttachments` (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_vpc_attachments: Option<Vec<TransitGatewayVpcAttachment>>,
    /// `DescribeTransitGatewayPeeringAttachments` (absent in snapshots from
    /// before peerings were read: a route to a peering attachment is then
    /// followed by the attachments' own records, and a peer gateway not in
    /// the snapshot is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_peering_attachments: Option<Vec<TransitGatewayPeeringAttachment>>,
    /// `DescribeTransitGatewayRouteTables` (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_route_tables: Option<Vec<TransitGatewayRouteTable>>,
    /// `SearchTransitGatewayRoutes`, per route table (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_routes: Option<Vec<TransitGatewayRouteTableRoutes>>,
    /// `GetTransitGatewayRouteTablePropagations`, per route table (absent in snapshots from before transit gateways were read:
    /// paths through one are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_propagations: Option<Vec<TransitGatewayRouteTablePropagations>>,
    /// `DescribeVpnGateways` (absent in snapshots from before VPN was read: paths
    /// through a virtual private gateway are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpn_gateways: Option<Vec<VpnGateway>>,
    /// `DescribeVpnConnections` (absent in snapshots from before VPN was read: paths
    /// through a virtual private gateway are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpn_connections: Option<Vec<VpnConnection>>,
    /// `directconnect:DescribeDirectConnectGatewayAssociations` (absent in
    /// snapshots from before Direct Connect was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_connect_gateway_associations: Option<Vec<DirectConnectGatewayAssociation>>,
    /// On-premises networks the user declared (`onprem.json`, `--onprem`);
    /// never collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem_networks: Option<Vec<OnPremNetwork>>,
    /// `DescribeVpcEndpoints` (absent in snapshots from before endpoints
    /// were read: routes to one and endpoint interfaces are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<Vec<VpcEndpoint>>,
    /// `DescribeVpcEndpointServices`, per region (absent in snapshots from
    /// before services were read: a service is then named only by its
    /// endpoints and prefix lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoint_services: Option<Vec<VpcEndpointService>>,
    /// `elbv2:DescribeLoadBalancers` (absent in snapshots from before load
    /// balancers were read: their ENIs are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancers: Option<Vec<LoadBalancer>>,
    /// `elbv2:DescribeListeners`, per load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_listeners: Option<Vec<Listener>>,
    /// `elbv2:DescribeRules`, per listener of an Application Load Balancer
    /// (absent in snapshots from before rules were read: a request that
    /// matches a rule may then go elsewhere than the default action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_rules: Option<Vec<ListenerRule>>,
    /// `elbv2:DescribeLoadBalancerAttributes`, per load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_attributes: Option<Vec<LoadBalancerAttributes>>,
    /// `elbv2:DescribeTargetGroups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_groups: Option<Vec<TargetGroup>>,
    /// `elbv2:DescribeTargetGroupAttributes`, per target group (absent in
    /// snapshots from before it was read: whether a Network Load Balancer
    /// preserves the client's address is then its documented default, and
    /// a flow whose answer depends on it is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group_attributes: Option<Vec<TargetGroupAttributes>>,
    /// `elbv2:DescribeTargetHealth`, per target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_health: Option<Vec<TargetGroupHealth>>,
}

/// The on-disk envelope: format marker, version, then the snapshot.
#[derive(Serialize)]
struct Envelope<'a> {
    format: &'static str,
    version: u64,
    #[serde(flatten)]
    snapshot: &'a Snapshot,
}

impl Snapshot {
    /// Serializes to the snapshot file format (pretty JSON, resources sorted by id
    /// so the same input always gives the same bytes).
    pub fn to_json(&self) -> String {
        let mut sorted = self.clone();
        sorted.sort();
        let env = Envelope {
            format: SNAPSHOT_FORMAT,
            version: SNAPSHOT_VERSION,
            snapshot: &sorted,
        };
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(&env).expect("snapshot serializes") + "\n"
    }

    /// Sorts every collection by resource id.
    pub fn sort(&mut self) {
        fn by<C: Collection>(v: &mut Option<C>, key: impl Fn(&C::Item) -> &str) {
            if let Some(v) = v {
                v.items_mut().sort_by(|a, b| key(a).cmp(key(b)));
            }
        }
        by(&mut self.vpcs, |x| &x.vpc_id);
        by(&mut self.subnets, |x| &x.subnet_id);
        by(&mut self.security_groups, |x| &x.group_id);
        by(&mut self.network_acls, |x| &x.network_acl_id);
        by(&mut self.route_tables, |x| &x.route_table_id);
        by(&mut self.network_interfaces, |x| &x.network_interface_id);
        by(&mut self.instances, |x| &x.instance_id);
        by(&mut self.vpc_peering_connections, |x| {
            &x.vpc_peering_connection_id
        });
        by(&mut self.internet_gateways, |x| &x.internet_gateway_id);
        by(&mut self.egress_only_internet_gateways, |x| {
            &x.egress_only_internet_gateway_id
        });
        by(&mut self.nat_gateways, |x| &x.nat_gateway_id);
        by(&mut self.prefix_lists, |x| &x.prefix_list_id);
        by(&mut self.db_instances, |x| &x.db_instance_identifier);
        by(&mut self.transit_gateways, |x| &x.transit_gateway_id);
        by(&mut self.transit_gateway_attachments, |x| {
            &x.transit_gateway_attachment_id
        });
        by(&mut self.transit_gateway_vpc_attachments, |x| {
            &x.transit_gateway_attachment_id
        });
        by(&mut self.transit_gateway_peering_attachments, |x| {
            &x.transit_gateway_attachment_id
        });
        by(&mut self.transit_gateway_route_tables, |x| {
            &x.transit_gateway_route_table_id
        });
        by(&mut self.transit_gateway_routes, |x| {
            &x.transit_gateway_route_table_id
        });
        by(&mut self.transit_gateway_propagations, |x| {
            &x.transit_gateway_route_table_id
        });
        by(&mut self.vpn_gateways, |x| &x.vpn_gateway_id);
        by(&mut self.vpn_connections, |x| &x.vpn_connection_id);
        by(&mut self.direct_connect_gateway_associations, |x| {
            &x.association_id
        });
        by(&mut self.onprem_networks, |x| &x.name);
        by(&mut self.vpc_endpoints, |x| &x.vpc_endpoint_id);
        by(&mut self.vpc_endpoint_services, |x| &x.service_id);
        by(&mut self.load_balancers, |x| &x.load_balancer_arn);
        by(&mut self.load_balancer_listeners, |x| &x.listener_arn);
        by(&mut self.load_balancer_rules, |x| &x.rule_arn);
        by(&mut self.load_balancer_attributes, |x| &x.load_balancer_arn);
        by(&mut self.target_groups, |x| &x.target_group_arn);
        by(&mut self.target_health, |x| &x.target_group_arn);
        by(&mut self.target_group_attributes, |x| &x.target_group_arn);
    }

    /// Adds declared on-premises network `n`, replacing one of the same
    /// name (a later declaration wins: `--onprem` over `onprem.json`).
    pub fn declare_onprem(&mut self, n: OnPremNetwork) {
        let list = self.onprem_networks.get_or_insert_with(Vec::new);
        list.retain(|x| x.name != n.name);
        list.push(n);
    }

    /// Checks the constraints serde's types cannot: NACL rule numbers 1-32768
    /// (32767 and 32768 are the IPv4 and IPv6 catch-all entries),
    /// TCP/UDP ports 0-65535 with `from <= to`. `path` names the file in errors.
    ///
    /// Source for the ranges: <https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html>
    /// and <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html>.
    pub fn validate(&self, path: &Path) -> Result<(), ModelError> {
        let field_err = |resource: &str, field: String, message: String| ModelError::Field {
            path: path.to_path_buf(),
            resource: resource.to_string(),
            field,
            message,
        };
        for acl in self.network_acls.iter().flatten() {
            for (i, e) in acl.entries.iter().enumerate() {
                if e.rule_number == 0 || e.rule_number > DEFAULT_IPV6_RULE_NUMBER {
                    return Err(field_err(
                        &acl.network_acl_id,
                        format!("Entries[{i}].RuleNumber"),
                        format!(
                            "rule number {} is outside 1-{DEFAULT_IPV6_RULE_NUMBER}: AWS numbers entries 1-32766 and its catch-all entries 32767 (IPv4) and 32768 (IPv6)",
                            e.rule_number
                        ),
                    ));
                }
                if let Some(pr) = e.port_range {
                    if e.protocol.has_ports() && pr.from > pr.to {
                        return Err(field_err(
                            &acl.network_acl_id,
                            format!("Entries[{i}].PortRange"),
                            format!("From {} is greater than To {}", pr.from, pr.to),
                        ));
                    }
                }
            }
        }
        for sg in self.security_groups.iter().flatten() {
            for (dir, perms) in [
                ("IpPermissions", &sg.ip_permissions),
                ("IpPermissionsEgress", &sg.ip_permissions_egress),
            ] {
                for (i, p) in perms.iter().enumerate() {
                    if !p.ip_protocol.has_ports() {
                        continue;
                    }
                    let (from, to) = (p.from_port.unwrap_or(0), p.to_port.unwrap_or(65535));
                    for (name, v) in [("FromPort", from), ("ToPort", to)] {
                        if !(0..=65535).contains(&v) {
                            return Err(field_err(
                                &sg.group_id,
                                format!("{dir}[{i}].{name}"),
                                format!("port {v} is outside 0-65535"),
                            ));
                        }
                    }
                    if from > to {
                        return Err(field_err(
                            &sg.group_id,
                            format!("{dir}[{i}].FromPort"),
                            format!("FromPort {from} is greater than ToPort {to}"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Warnings for references that point at nothing in the snapshot: an ENI in
    /// an unknown subnet, a group id nobody defines, a route to an unknown
    /// peering, a DB subnet in another VPC. Only collections present in the
    /// input are checked (a missing collection is reported by the engine).
    pub fn dangling_references(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        let mut warn = |resource: &str, message: String| {
            out.push(Warning {
                file: None,
                resource: Some(resource.to_string()),
                message,
                skipped_key: None,
            })
        };
        fn ids<'a, T>(
            v: &'a Option<Vec<T>>,
            id: impl Fn(&'a T) -> &'a str,
        ) -> Option<HashSet<&'a str>> {
            v.as_ref().map(|v| v.iter().map(id).collect())
        }
        let subnets = ids(&self.subnets, |s| s.subnet_id.as_str());
        let groups = ids(&self.security_groups, |s| s.group_id.as_str());
        let vpcs = ids(&self.vpcs, |s| s.vpc_id.as_str());
        let pcxs = ids(&self.vpc_peering_connections, |s| {
            s.vpc_peering_connection_id.as_str()
        });
        let subnet_vpc: HashMap<&str, &str> = self
            .subnets
            .iter()
            .flatten()
            .map(|s| (s.subnet_id.as_str(), s.vpc_id.as_str()))
            .collect();
        let mut undefined_groups = BTreeSet::new();
        for eni in self.network_interfaces.iter().flatten() {
            if let Some(s) = &subnets {
                if !s.contains(eni.subnet_id.as_str()) {
                    warn(
                        &eni.network_interface_id,
                        format!("its subnet {} is not in the snapshot", eni.subnet_id),
                    );
                }
            }
            if let Some(g) = &groups {
                for gid in &eni.groups {
                    if !g.contains(gid.as_str()) {
                        undefined_groups.insert((gid.clone(), eni.network_interface_id.clone()));
                    }
                }
            }
        }
        for (gid, eni) in undefined_groups {
            warn(
                &gid,
                format!("security group is used by {eni} but not defined in the snapshot"),
            );
        }
        if let Some(v) = &vpcs {
            for s in self.subnets.iter().flatten() {
                if !v.contains(s.vpc_id.as_str()) {
                    warn(
                        &s.subnet_id,
                        format!("its VPC {} is not in the snapshot", s.vpc_id),
                    );
                }
            }
        }
        if let Some(p) = &pcxs {
            for rt in self.route_tables.iter().flatten() {
                for r in &rt.routes {
                    if let Some(pcx) = &r.vpc_peering_connection_id {
                        if !p.contains(pcx.as_str()) {
                            warn(
                                &rt.route_table_id,
                                format!("routes to peering connection {pcx}, which is not in the snapshot"),
                            );
                        }
                    }
                }
            }
        }
        for db in self.db_instances.iter().flatten() {
            let Some(group) = &db.db_subnet_group else {
                continue;
            };
            for sid in &group.subnet_ids {
                match (subnet_vpc.get(sid.as_str()), &group.vpc_id) {
                    (Some(v), Some(gv)) if v != gv => warn(
                        &db.db_instance_identifier,
                        format!("subnet group {} lists {sid}, which is in {v}, not the DB's VPC {gv}; it is ignored", group.name),
                    ),
                    (None, _) if subnets.is_some() => warn(
                        &db.db_instance_identifier,
                        format!("subnet group {} lists {sid}, which is not in the snapshot", group.name),
                    ),
                    _ => {}
                }
            }
        }
        out
    }
}
