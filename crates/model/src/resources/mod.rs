//! The network resources of one AWS account, as netpath keeps them.
//!
//! Every type mirrors the EC2 / RDS API shape it comes from (the AWS SDK's own
//! names, in snake_case), flattened where the API nests a single value
//! (`Status.Code` becomes `status_code`). Nothing here evaluates anything: the
//! meaning of a rule or route lives in `netpath-engine`.
//!
//! Sources: EC2 API reference data types
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/OperationList-query-vpc.html>
//! and RDS `DBInstance`
//! <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html>.

mod api_state;
mod db_instance;
mod direct_connect;
mod gateway;
mod instance;
mod load_balancer;
mod network_acl;
mod network_interface;
mod onprem;
mod prefix_list;
mod protocol;
mod route_table;
mod security_group;
mod tags;
mod transit_gateway;
mod transit_gateway_peering;
mod vpc;
mod vpc_endpoint;
mod vpc_endpoint_service;
mod vpc_peering_connection;
mod vpn;

pub use db_instance::{DbEndpoint, DbInstance, DbInstanceStatus, DbSubnetGroup};
pub use direct_connect::DirectConnectGatewayAssociation;
pub use gateway::{
    EgressOnlyInternetGateway, InternetGateway, InternetGatewayAttachment, NatGateway,
    NatGatewayAddress, NatGatewayState,
};
pub use instance::{Instance, InstanceStateName};
pub use load_balancer::{
    Listener, ListenerAction, ListenerRule, LoadBalancer, LoadBalancerAttributes, LoadBalancerZone,
    RuleCondition, TargetGroup, TargetGroupAttributes, TargetGroupHealth, TargetHealth,
};
pub use network_acl::{
    is_default_rule_number, NetworkAcl, NetworkAclEntry, RuleAction, DEFAULT_IPV6_RULE_NUMBER,
    DEFAULT_RULE_NUMBER,
};
pub use network_interface::{
    NetworkInterface, NetworkInterfaceAttachment, NetworkInterfaceStatus, PrivateIpAddress,
};
pub use onprem::OnPremNetwork;
pub use prefix_list::PrefixList;
pub use protocol::{
    describe_traffic, icmp_keys, Direction, IcmpMessage, IcmpTypeCode, IpProtocol, PortRange,
};
pub use route_table::{Route, RouteState, RouteTable, RouteTableAssociation};
pub use security_group::{IpPermission, SecurityGroup, UserIdGroupPair};
pub use tags::Tags;
pub use transit_gateway::{
    TransitGateway, TransitGatewayAttachment, TransitGatewayAttachmentAssociation,
    TransitGatewayOptions, TransitGatewayPropagation, TransitGatewayRoute,
    TransitGatewayRouteAttachment, TransitGatewayRouteTable, TransitGatewayRouteTablePropagations,
    TransitGatewayRouteTableRoutes, TransitGatewayVpcAttachment,
};
pub use transit_gateway_peering::{PeeringTgwInfo, TransitGatewayPeeringAttachment};
pub use vpc::{Subnet, Vpc};
pub use vpc_endpoint::{aws_service_of, VpcEndpoint};
pub use vpc_endpoint_service::VpcEndpointService;
pub use vpc_peering_connection::{
    PeeringVpcInfo, VpcPeeringConnection, VpcPeeringConnectionStateReasonCode,
};
pub use vpn::{VgwTelemetry, VpnConnection, VpnGateway, VpnStaticRoute};
