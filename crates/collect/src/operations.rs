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
];

/// Page size for an operation whose `MaxResults` lies in `min..=max`.
fn page(opts: &CollectOptions, min: i32, max: i32) -> i32 {
    opts.page_size.unwrap_or(1000).clamp(min, max)
}

pub(crate) async fn run(
    op: &'static str,
    ec2: &aws_sdk_ec2::Client,
    rds: &aws_sdk_rds::Client,
    region: &str,
    opts: &CollectOptions,
    is: &mut Issues,
) -> Result<Part, String> {
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
        other => return Err(format!("netpath bug: unknown operation {other}")),
    })
}
