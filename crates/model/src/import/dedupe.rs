//! Duplicates across describe files: identical copies merge; different
//! copies of one id are reported with both files and become a collection
//! gap, so the answers that need them are unknown rather than decided by
//! which file sorts first.

use std::borrow::Cow;
use std::path::Path;

use super::accumulate::{Accumulator, TOP_LEVEL_KEYS};

impl Accumulator {
    /// Keeps the first of several resources with one id. Identical copies
    /// (the same capture read twice) are merged with a warning; copies that
    /// differ are reported with both files, and the resource type gets a
    /// collection gap, so answers that need it are unknown instead of
    /// depending on which file sorts first.
    pub(super) fn dedupe(&mut self, root: &Path) {
        struct Dup {
            key: &'static str,
            id: String,
            first: usize,
            other: usize,
            same: bool,
        }
        fn dd<C: crate::Collection>(
            key: &'static str,
            v: &mut Option<C>,
            origins: &[usize],
            id: impl Fn(&C::Item) -> Cow<'_, str>,
            dups: &mut Vec<Dup>,
        ) where
            C::Item: PartialEq,
        {
            let Some(v) = v else { return };
            let mut first: std::collections::HashMap<String, usize> =
                std::collections::HashMap::new();
            let mut keep = vec![true; v.len()];
            for i in 0..v.len() {
                match first.get(id(&v[i]).as_ref()) {
                    Some(&f) => {
                        keep[i] = false;
                        dups.push(Dup {
                            key,
                            id: id(&v[i]).to_string(),
                            first: origins.get(f).copied().unwrap_or(usize::MAX),
                            other: origins.get(i).copied().unwrap_or(usize::MAX),
                            same: v[f] == v[i],
                        });
                    }
                    None => {
                        first.insert(id(&v[i]).to_string(), i);
                    }
                }
            }
            let mut k = keep.into_iter();
            v.items_mut().retain(|_| k.next().unwrap_or(true));
        }
        let mut dups = Vec::new();
        let o = std::mem::take(&mut self.origins);
        let org = |k: &str| o.get(k).map_or(&[][..], Vec::as_slice);
        let s = &mut self.snap;
        dd(
            "Vpcs",
            &mut s.vpcs,
            org("Vpcs"),
            |x| Cow::from(&x.vpc_id),
            &mut dups,
        );
        dd(
            "Subnets",
            &mut s.subnets,
            org("Subnets"),
            |x| Cow::from(&x.subnet_id),
            &mut dups,
        );
        dd(
            "SecurityGroups",
            &mut s.security_groups,
            org("SecurityGroups"),
            |x| Cow::from(&x.group_id),
            &mut dups,
        );
        dd(
            "NetworkAcls",
            &mut s.network_acls,
            org("NetworkAcls"),
            |x| Cow::from(&x.network_acl_id),
            &mut dups,
        );
        dd(
            "RouteTables",
            &mut s.route_tables,
            org("RouteTables"),
            |x| Cow::from(&x.route_table_id),
            &mut dups,
        );
        dd(
            "NetworkInterfaces",
            &mut s.network_interfaces,
            org("NetworkInterfaces"),
            |x| Cow::from(&x.network_interface_id),
            &mut dups,
        );
        dd(
            "Reservations",
            &mut s.instances,
            org("Reservations"),
            |x| Cow::from(&x.instance_id),
            &mut dups,
        );
        dd(
            "VpcPeeringConnections",
            &mut s.vpc_peering_connections,
            org("VpcPeeringConnections"),
            |x| Cow::from(&x.vpc_peering_connection_id),
            &mut dups,
        );
        dd(
            "InternetGateways",
            &mut s.internet_gateways,
            org("InternetGateways"),
            |x| Cow::from(&x.internet_gateway_id),
            &mut dups,
        );
        dd(
            "EgressOnlyInternetGateways",
            &mut s.egress_only_internet_gateways,
            org("EgressOnlyInternetGateways"),
            |x| Cow::from(&x.egress_only_internet_gateway_id),
            &mut dups,
        );
        dd(
            "NatGateways",
            &mut s.nat_gateways,
            org("NatGateways"),
            |x| Cow::from(&x.nat_gateway_id),
            &mut dups,
        );
        dd(
            "PrefixLists",
            &mut s.prefix_lists,
            org("PrefixLists"),
            |x| Cow::from(&x.prefix_list_id),
            &mut dups,
        );
        dd(
            "TransitGateways",
            &mut s.transit_gateways,
            org("TransitGateways"),
            |x| Cow::from(&x.transit_gateway_id),
            &mut dups,
        );
        dd(
            "TransitGatewayAttachments",
            &mut s.transit_gateway_attachments,
            org("TransitGatewayAttachments"),
            // A peering attachment is listed once per gateway, under one
            // id: a record is one attachment on one gateway.
            |x| {
                Cow::from(format!(
                    "{} (on {})",
                    x.transit_gateway_attachment_id, x.transit_gateway_id
                ))
            },
            &mut dups,
        );
        dd(
            "TransitGatewayVpcAttachments",
            &mut s.transit_gateway_vpc_attachments,
            org("TransitGatewayVpcAttachments"),
            |x| Cow::from(&x.transit_gateway_attachment_id),
            &mut dups,
        );
        dd(
            "TransitGatewayPeeringAttachments",
            &mut s.transit_gateway_peering_attachments,
            org("TransitGatewayPeeringAttachments"),
            |x| Cow::from(&x.transit_gateway_attachment_id),
            &mut dups,
        );
        dd(
            "TransitGatewayRouteTables",
            &mut s.transit_gateway_route_tables,
            org("TransitGatewayRouteTables"),
            |x| Cow::from(&x.transit_gateway_route_table_id),
            &mut dups,
        );
        dd(
            "TransitGatewayStaticRoutes",
            &mut s.transit_gateway_routes,
            org("TransitGatewayStaticRoutes"),
            |x| Cow::from(&x.transit_gateway_route_table_id),
            &mut dups,
        );
        dd(
            "TransitGatewayPropagations",
            &mut s.transit_gateway_propagations,
            org("TransitGatewayPropagations"),
            |x| Cow::from(&x.transit_gateway_route_table_id),
            &mut dups,
        );
        dd(
            "VpnGateways",
            &mut s.vpn_gateways,
            org("VpnGateways"),
            |x| Cow::from(&x.vpn_gateway_id),
            &mut dups,
        );
        dd(
            "VpnConnections",
            &mut s.vpn_connections,
            org("VpnConnections"),
            |x| Cow::from(&x.vpn_connection_id),
            &mut dups,
        );
        dd(
            "directConnectGatewayAssociations",
            &mut s.direct_connect_gateway_associations,
            org("directConnectGatewayAssociations"),
            |x| Cow::from(&x.association_id),
            &mut dups,
        );
        dd(
            "OnPremNetworks",
            &mut s.onprem_networks,
            org("OnPremNetworks"),
            |x| Cow::from(&x.name),
            &mut dups,
        );
        dd(
            "VpcEndpoints",
            &mut s.vpc_endpoints,
            org("VpcEndpoints"),
            |x| Cow::from(&x.vpc_endpoint_id),
            &mut dups,
        );
        dd(
            "ServiceDetails",
            &mut s.vpc_endpoint_services,
            org("ServiceDetails"),
            |x| Cow::from(&x.service_id),
            &mut dups,
        );
        dd(
            "LoadBalancers",
            &mut s.load_balancers,
            org("LoadBalancers"),
            |x| Cow::from(&x.load_balancer_arn),
            &mut dups,
        );
        dd(
            "LoadBalancerListeners",
            &mut s.load_balancer_listeners,
            org("LoadBalancerListeners"),
            |x| Cow::from(&x.listener_arn),
            &mut dups,
        );
        dd(
            "Rules",
            &mut s.load_balancer_rules,
            org("Rules"),
            |x| Cow::from(&x.rule_arn),
            &mut dups,
        );
        dd(
            "LoadBalancerAttributes",
            &mut s.load_balancer_attributes,
            org("LoadBalancerAttributes"),
            |x| Cow::from(&x.load_balancer_arn),
            &mut dups,
        );
        dd(
            "TargetGroupAttributes",
            &mut s.target_group_attributes,
            org("TargetGroupAttributes"),
            |x| Cow::from(&x.target_group_arn),
            &mut dups,
        );
        dd(
            "TargetGroups",
            &mut s.target_groups,
            org("TargetGroups"),
            |x| Cow::from(&x.target_group_arn),
            &mut dups,
        );
        dd(
            "LoadBalancerTargetHealth",
            &mut s.target_health,
            org("LoadBalancerTargetHealth"),
            |x| Cow::from(&x.target_group_arn),
            &mut dups,
        );
        dd(
            "DBInstances",
            &mut s.db_instances,
            org("DBInstances"),
            |x| Cow::from(&x.db_instance_identifier),
            &mut dups,
        );
        let file = |i: usize| {
            self.files
                .get(i)
                .map_or_else(|| root.display().to_string(), |p| p.display().to_string())
        };
        let mut gaps = Vec::new();
        let mut warnings = Vec::new();
        for d in dups {
            if d.same {
                warnings.push((
                    d.id,
                    "appears more than once in the input, in identical copies; one is kept"
                        .to_string(),
                ));
                continue;
            }
            let (a, b) = (file(d.first), file(d.other));
            warnings.push((
                d.id.clone(),
                format!("has two different copies, in {a} and in {b}: netpath cannot tell which is current, so answers that need it are unknown; remove the stale file"),
            ));
            let operation = TOP_LEVEL_KEYS
                .iter()
                .find(|k| k.key == d.key)
                .map_or(d.key, |k| k.operation);
            // The engine checks these kinds resource by resource; for the
            // others the whole operation's data is in doubt.
            let precise = matches!(
                d.key,
                "SecurityGroups"
                    | "NetworkAcls"
                    | "RouteTables"
                    | "NetworkInterfaces"
                    | "Reservations"
                    | "DBInstances"
            );
            if d.key == "PrefixLists" {
                if let Some(p) = self
                    .snap
                    .prefix_lists
                    .iter_mut()
                    .flatten()
                    .find(|p| p.prefix_list_id == d.id)
                {
                    p.cidrs = None;
                }
            }
            gaps.push(crate::snapshot::Gap {
                account_id: None,
                operation: operation.to_string(),
                region: None,
                error: format!("conflict: in {a} and in {b}"),
                resource: precise.then(|| d.id.clone()),
            });
        }
        self.snap.metadata.gaps.extend(gaps);
        for (id, message) in warnings {
            self.warn(root, Some(id), message);
        }
    }
}
