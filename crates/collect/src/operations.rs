//! One read-only call per resource type and region, and what it returned
//! (`Part`): the operations `collect` runs, in the order they start.

use netpath_model::Gap;

use crate::convert::{self, Issues};
use crate::{error_line, CollectOptions};

/// The resources one call returned.
pub(crate) enum Part {
    Vpcs(Vec<netpath_model::Vpc>),
    Subnets(Vec<netpath_model::Subnet>),
    SecurityGroups(Vec<netpath_model::SecurityGroup>),
    NetworkAcls(Vec<netpath_model::NetworkAcl>),
    RouteTables(Vec<netpath_model::RouteTable>),
    Peerings(Vec<netpath_model::VpcPeeringConnection>),
    NetworkInterfaces(Vec<netpath_model::NetworkInterface>),
    Instances(Vec<netpath_model::Instance>),
    InternetGateways(Vec<netpath_model::InternetGateway>),
    EgressOnlyInternetGateways(Vec<netpath_model::EgressOnlyInternetGateway>),
    NatGateways(Vec<netpath_model::NatGateway>),
    PrefixLists(Vec<netpath_model::PrefixList>, Vec<Gap>),
    DbInstances(Vec<netpath_model::DbInstance>),
    TransitGateways(Vec<netpath_model::TransitGateway>),
    TransitGatewayAttachments(Vec<netpath_model::TransitGatewayAttachment>),
    TransitGatewayVpcAttachments(Vec<netpath_model::TransitGatewayVpcAttachment>),
    TransitGatewayPeeringAttachments(Vec<netpath_model::TransitGatewayPeeringAttachment>),
    /// The route tables, with each one's routes and propagations (the
    /// calls per table that failed are gaps).
    TransitGatewayRouteTables(TgwTables),
    VpnGateways(Vec<netpath_model::VpnGateway>),
    VpnConnections(Vec<netpath_model::VpnConnection>),
    VpcEndpoints(Vec<netpath_model::VpcEndpoint>),
    VpcEndpointServices(Vec<netpath_model::VpcEndpointService>),
    /// Load balancers, listeners, attributes, target groups and their
    /// targets' health (`elb.rs`).
    LoadBalancing(crate::elb::Elb),
    /// Direct Connect gateway associations, and the gateways whose
    /// associations could not be read (`direct_connect.rs`).
    DirectConnect(
        Vec<netpath_model::DirectConnectGatewayAssociation>,
        Vec<Gap>,
    ),
}

/// The clients of one region (and account).
#[derive(Clone)]
pub(crate) struct Clients {
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) rds: aws_sdk_rds::Client,
    pub(crate) elb: aws_sdk_elasticloadbalancingv2::Client,
    pub(crate) dx: aws_sdk_directconnect::Client,
}

impl Clients {
    /// The clients of `cfg`'s region and credentials.
    pub(crate) fn new(cfg: &aws_config::SdkConfig) -> Clients {
        Clients {
            ec2: aws_sdk_ec2::Client::new(cfg),
            rds: aws_sdk_rds::Client::new(cfg),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(cfg),
            dx: aws_sdk_directconnect::Client::new(cfg),
        }
    }
}

/// What `DescribeTransitGatewayRouteTables` and the calls per table gave.
pub(crate) struct TgwTables {
    pub(crate) tables: Vec<netpath_model::TransitGatewayRouteTable>,
    pub(crate) routes: Vec<netpath_model::TransitGatewayRouteTableRoutes>,
    pub(crate) propagations: Vec<netpath_model::TransitGatewayRouteTablePropagations>,
    pub(crate) gaps: Vec<Gap>,
}

impl Part {
    pub(crate) fn len(&self) -> usize {
        match self {
            Part::Vpcs(v) => v.len(),
            Part::Subnets(v) => v.len(),
            Part::SecurityGroups(v) => v.len(),
            Part::NetworkAcls(v) => v.len(),
            Part::RouteTables(v) => v.len(),
            Part::Peerings(v) => v.len(),
            Part::NetworkInterfaces(v) => v.len(),
            Part::Instances(v) => v.len(),
            Part::InternetGateways(v) => v.len(),
            Part::EgressOnlyInternetGateways(v) => v.len(),
            Part::NatGateways(v) => v.len(),
            Part::PrefixLists(v, _) => v.len(),
            Part::DbInstances(v) => v.len(),
            Part::TransitGateways(v) => v.len(),
            Part::TransitGatewayAttachments(v) => v.len(),
            Part::TransitGatewayVpcAttachments(v) => v.len(),
            Part::TransitGatewayPeeringAttachments(v) => v.len(),
            Part::TransitGatewayRouteTables(t) => t.tables.len(),
            Part::VpnGateways(v) => v.len(),
            Part::VpnConnections(v) => v.len(),
            Part::VpcEndpoints(v) => v.len(),
            Part::VpcEndpointServices(v) => v.len(),
            Part::LoadBalancing(e) => e.load_balancers.len() + e.target_groups.len(),
            Part::DirectConnect(v, _) => v.len(),
        }
    }
}

/// The per-region operations, in the order they are started.
pub(crate) const REGION_OPERATIONS: &[&str] = &[
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeEgressOnlyInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeManagedPrefixLists",
    "rds:DescribeDBInstances",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeTransitGatewayAttachments",
    "ec2:DescribeTransitGatewayVpcAttachments",
    "ec2:DescribeTransitGatewayPeeringAttachments",
    "ec2:DescribeTransitGatewayRouteTables",
    "ec2:DescribeVpnGateways",
    "ec2:DescribeVpnConnections",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeVpcEndpointServices",
    "elasticloadbalancing:DescribeLoadBalancers",
];

/// Page size for an operation whose `MaxResults` lies in `min..=max`.
fn page(opts: &CollectOptions, min: i32, max: i32) -> i32 {
    opts.page_size.unwrap_or(1000).clamp(min, max)
}

/// Runs operation `op` (one of [`REGION_OPERATIONS`], or
/// [`crate::direct_connect::OPERATION`]) with `clients` of `region`.
///
/// Errors: the message of the call that failed (the whole operation is
/// then a gap).
pub(crate) async fn run(
    op: &'static str,
    clients: &Clients,
    region: &str,
    opts: &CollectOptions,
    is: &mut Issues,
) -> Result<Part, String> {
    let Clients { ec2, rds, elb, dx } = clients;
    macro_rules! all {
        ($req:expr) => {
            $req.into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| error_line(&e))?
        };
    }
    Ok(match op {
        "ec2:DescribeVpcs" => Part::Vpcs(
            all!(ec2.describe_vpcs().max_results(page(opts, 5, 1000)))
                .into_iter()
                .filter_map(|v| convert::vpc(v, region, is))
                .collect(),
        ),
        "ec2:DescribeSubnets" => Part::Subnets(
            all!(ec2.describe_subnets().max_results(page(opts, 5, 1000)))
                .into_iter()
                .filter_map(|v| convert::subnet(v, is))
                .collect(),
        ),
        "ec2:DescribeSecurityGroups" => Part::SecurityGroups(
            all!(ec2
                .describe_security_groups()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(|v| convert::security_group(v, is))
            .collect(),
        ),
        "ec2:DescribeNetworkAcls" => Part::NetworkAcls(
            all!(ec2.describe_network_acls().max_results(page(opts, 5, 100)))
                .into_iter()
                .filter_map(|v| convert::network_acl(v, is))
                .collect(),
        ),
        "ec2:DescribeRouteTables" => Part::RouteTables(
            all!(ec2.describe_route_tables().max_results(page(opts, 5, 100)))
                .into_iter()
                .filter_map(|v| convert::route_table(v, is))
                .collect(),
        ),
        "ec2:DescribeVpcPeeringConnections" => Part::Peerings(
            all!(ec2
                .describe_vpc_peering_connections()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(|v| convert::peering(v, is))
            .collect(),
        ),
        "ec2:DescribeNetworkInterfaces" => Part::NetworkInterfaces(
            all!(ec2
                .describe_network_interfaces()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(|v| convert::network_interface(v, is))
            .collect(),
        ),
        "ec2:DescribeInstances" => Part::Instances(
            all!(ec2.describe_instances().max_results(page(opts, 5, 1000)))
                .into_iter()
                .flat_map(|r| r.instances.unwrap_or_default())
                .filter_map(|v| convert::instance(v, is))
                .collect(),
        ),
        "ec2:DescribeInternetGateways" => Part::InternetGateways(
            all!(ec2
                .describe_internet_gateways()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::internet_gateway)
            .collect(),
        ),
        "ec2:DescribeEgressOnlyInternetGateways" => Part::EgressOnlyInternetGateways(
            all!(ec2
                .describe_egress_only_internet_gateways()
                .max_results(page(opts, 5, 255)))
            .into_iter()
            .filter_map(convert::egress_only_internet_gateway)
            .collect(),
        ),
        "ec2:DescribeNatGateways" => Part::NatGateways(
            all!(ec2.describe_nat_gateways().max_results(page(opts, 5, 1000)))
                .into_iter()
                .filter_map(|v| convert::nat_gateway(v, is))
                .collect(),
        ),
        "ec2:DescribeManagedPrefixLists" => {
            let lists = all!(ec2
                .describe_managed_prefix_lists()
                .max_results(page(opts, 1, 100)));
            let mut out = Vec::new();
            let mut gaps = Vec::new();
            for pl in lists {
                let id = pl.prefix_list_id.clone().unwrap_or_default();
                let entries = ec2
                    .get_managed_prefix_list_entries()
                    .prefix_list_id(&id)
                    .max_results(page(opts, 1, 100))
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await;
                let entries = match entries {
                    Ok(e) => Some(e),
                    Err(e) => {
                        gaps.push(Gap {
                            account_id: None,
                            operation: "ec2:GetManagedPrefixListEntries".into(),
                            region: Some(region.to_string()),
                            error: format!("{id}: {}", error_line(&e)),
                            resource: None,
                        });
                        None
                    }
                };
                out.extend(convert::prefix_list(pl, entries, is));
            }
            Part::PrefixLists(out, gaps)
        }
        "rds:DescribeDBInstances" => Part::DbInstances(
            rds.describe_db_instances()
                .max_records(page(opts, 20, 100))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| error_line(&e))?
                .into_iter()
                .filter_map(convert::db_instance)
                .collect(),
        ),
        "ec2:DescribeTransitGateways" => Part::TransitGateways(
            all!(ec2
                .describe_transit_gateways()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::transit_gateway)
            .collect(),
        ),
        "ec2:DescribeTransitGatewayAttachments" => Part::TransitGatewayAttachments(
            all!(ec2
                .describe_transit_gateway_attachments()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::transit_gateway_attachment)
            .collect(),
        ),
        "ec2:DescribeTransitGatewayVpcAttachments" => Part::TransitGatewayVpcAttachments(
            all!(ec2
                .describe_transit_gateway_vpc_attachments()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::transit_gateway_vpc_attachment)
            .collect(),
        ),
        "elasticloadbalancing:DescribeLoadBalancers" => {
            Part::LoadBalancing(crate::elb::collect(elb, region).await?)
        }
        "ec2:DescribeVpcEndpoints" => Part::VpcEndpoints(
            all!(ec2
                .describe_vpc_endpoints()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::vpc_endpoint)
            .collect(),
        ),
        "ec2:DescribeTransitGatewayPeeringAttachments" => Part::TransitGatewayPeeringAttachments(
            all!(ec2
                .describe_transit_gateway_peering_attachments()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::transit_gateway_peering_attachment)
            .collect(),
        ),
        "ec2:DescribeTransitGatewayRouteTables" => {
            let tables: Vec<_> = all!(ec2
                .describe_transit_gateway_route_tables()
                .max_results(page(opts, 5, 1000)))
            .into_iter()
            .filter_map(convert::transit_gateway_route_table)
            .collect();
            tgw_tables(ec2, region, opts, tables, is).await
        }
        // The SDK has no paginator for it: `NextToken` is followed here.
        "ec2:DescribeVpcEndpointServices" => {
            let mut services = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let out = ec2
                    .describe_vpc_endpoint_services()
                    .max_results(page(opts, 5, 1000))
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| error_line(&e))?;
                services.extend(
                    out.service_details
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|s| convert::vpc_endpoint_service(s, region)),
                );
                match out.next_token.filter(|t| !t.is_empty()) {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
            Part::VpcEndpointServices(services)
        }
        // Neither call pages: each answers in one response.
        "ec2:DescribeVpnGateways" => Part::VpnGateways(
            ec2.describe_vpn_gateways()
                .send()
                .await
                .map_err(|e| error_line(&e))?
                .vpn_gateways
                .unwrap_or_default()
                .into_iter()
                .filter_map(convert::vpn_gateway)
                .collect(),
        ),
        "ec2:DescribeVpnConnections" => Part::VpnConnections(
            ec2.describe_vpn_connections()
                .send()
                .await
                .map_err(|e| error_line(&e))?
                .vpn_connections
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| convert::vpn_connection(c, is))
                .collect(),
        ),
        crate::direct_connect::OPERATION => {
            let (a, gaps) = crate::direct_connect::collect(dx, region, is).await?;
            Part::DirectConnect(a, gaps)
        }
        other => return Err(format!("netpath bug: unknown operation {other}")),
    })
}

/// The routes (`SearchTransitGatewayRoutes`, active and blackhole ones, up
/// to its 1000-route limit, beyond which `AdditionalRoutesAvailable` makes
/// the table unknown) and the propagations
/// (`GetTransitGatewayRouteTablePropagations`) of each route table. A call
/// that fails leaves that table's data out and records a gap naming it.
async fn tgw_tables(
    ec2: &aws_sdk_ec2::Client,
    region: &str,
    opts: &CollectOptions,
    tables: Vec<netpath_model::TransitGatewayRouteTable>,
    is: &mut Issues,
) -> Part {
    let mut out = TgwTables {
        tables: Vec::new(),
        routes: Vec::new(),
        propagations: Vec::new(),
        gaps: Vec::new(),
    };
    let gap = |op: &str, id: &str, e: String| Gap {
        account_id: None,
        operation: op.into(),
        region: Some(region.to_string()),
        error: format!("{id}: {e}"),
        resource: None,
    };
    for t in tables {
        let id = t.transit_gateway_route_table_id.clone();
        let state = aws_sdk_ec2::types::Filter::builder()
            .name("state")
            .values("active")
            .values("blackhole")
            .build();
        let routes = ec2
            .search_transit_gateway_routes()
            .transit_gateway_route_table_id(&id)
            .filters(state)
            // No MaxResults: AWS's default is the 1000 maximum (and moto
            // 5.2.5 fails with a 500 when it is given).
            .send()
            .await;
        match routes {
            Ok(r) => out.routes.push(convert::transit_gateway_routes(
                &id,
                r.routes.unwrap_or_default(),
                r.additional_routes_available.unwrap_or(false),
                is,
            )),
            Err(e) => out
                .gaps
                .push(gap("ec2:SearchTransitGatewayRoutes", &id, error_line(&e))),
        }
        let propagations = ec2
            .get_transit_gateway_route_table_propagations()
            .transit_gateway_route_table_id(&id)
            .max_results(page(opts, 5, 1000))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await;
        match propagations {
            Ok(p) => out
                .propagations
                .push(convert::transit_gateway_propagations(&id, p)),
            Err(e) => out.gaps.push(gap(
                "ec2:GetTransitGatewayRouteTablePropagations",
                &id,
                error_line(&e),
            )),
        }
        out.tables.push(t);
    }
    Part::TransitGatewayRouteTables(out)
}
