//! AWS Direct Connect, read once per collection (Direct Connect gateways
//! are global: any region's endpoint lists them all): the account's Direct
//! Connect gateways (`DescribeDirectConnectGateways`), then per gateway its
//! associations with virtual private and transit gateways
//! (`DescribeDirectConnectGatewayAssociations`, which must name a gateway),
//! with the prefixes each allows toward the customer network. Neither call
//! has a paginator in the SDK: `nextToken` is followed here. A gateway
//! whose associations cannot be read is a gap naming it; the rest
//! completes.
//!
//! Associations of a Direct Connect gateway owned by another account with
//! this account's gateways are listed by that account: collect it too
//! (`snapshot --org`, or `netpath merge`).
//!
//! Sources: <https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeDirectConnectGateways.html>,
//! <https://docs.aws.amazon.com/directconnect/latest/APIReference/API_DescribeDirectConnectGatewayAssociations.html>.

use aws_sdk_directconnect::types::{
    DirectConnectGatewayAssociation as RawAssociation, GatewayType,
};
use ipnet::IpNet;
use netpath_model::{DirectConnectGatewayAssociation, Gap};

use crate::convert::Issues;
use crate::error_line;

/// The operation `collect` runs, once, in the first region.
pub(crate) const OPERATION: &str = "directconnect:DescribeDirectConnectGateways";

/// The operation it makes per gateway.
pub(crate) const SUB_OPERATION: &str = "directconnect:DescribeDirectConnectGatewayAssociations";

/// Every association of every Direct Connect gateway of the account, and
/// the gaps of the gateways whose associations could not be read.
///
/// Errors: the message of a failing `DescribeDirectConnectGateways` (the
/// whole collection is then a gap).
pub(crate) async fn collect(
    dx: &aws_sdk_directconnect::Client,
    region: &str,
    is: &mut Issues,
) -> Result<(Vec<DirectConnectGatewayAssociation>, Vec<Gap>), String> {
    let mut gateways = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = dx
            .describe_direct_connect_gateways()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| error_line(&e))?;
        gateways.extend(
            out.direct_connect_gateways
                .unwrap_or_default()
                .into_iter()
                .filter_map(|g| g.direct_connect_gateway_id),
        );
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let mut associations = Vec::new();
    let mut gaps = Vec::new();
    for gw in gateways {
        let mut token: Option<String> = None;
        loop {
            let out = dx
                .describe_direct_connect_gateway_associations()
                .direct_connect_gateway_id(&gw)
                .set_next_token(token.take())
                .send()
                .await;
            match out {
                Ok(out) => {
                    for a in out.direct_connect_gateway_associations.unwrap_or_default() {
                        match association(a, is) {
                            Ok(a) => associations.extend(a),
                            // Part of what it allows is unreadable: the
                            // gateway's answers are unknown, not narrower.
                            Err(e) => gaps.push(Gap {
                                account_id: None,
                                operation: SUB_OPERATION.into(),
                                region: Some(region.to_string()),
                                error: e,
                                resource: Some(gw.clone()),
                            }),
                        }
                    }
                    match out.next_token.filter(|t| !t.is_empty()) {
                        Some(t) => token = Some(t),
                        None => break,
                    }
                }
                Err(e) => {
                    gaps.push(Gap {
                        account_id: None,
                        operation: SUB_OPERATION.into(),
                        region: Some(region.to_string()),
                        error: error_line(&e),
                        resource: Some(gw.clone()),
                    });
                    break;
                }
            }
        }
    }
    Ok((associations, gaps))
}

/// One association in the model's terms; `None` (with an issue) when it
/// names no gateway.
///
/// Errors: an allowed prefix that is not a CIDR (leaving it out would make
/// the association allow less than it does).
fn association(
    a: RawAssociation,
    is: &mut Issues,
) -> Result<Option<DirectConnectGatewayAssociation>, String> {
    let id = a.association_id.unwrap_or_default();
    let (gw, kind, owner) = match (a.associated_gateway, a.virtual_gateway_id) {
        (Some(g), _) => (
            g.id.unwrap_or_default(),
            g.r#type.map(|t| match t {
                GatewayType::TransitGateway => "transitGateway".to_string(),
                GatewayType::VirtualPrivateGateway => "virtualPrivateGateway".to_string(),
                other => other.as_str().to_string(),
            }),
            g.owner_account,
        ),
        (None, Some(v)) => (
            v,
            Some("virtualPrivateGateway".into()),
            a.virtual_gateway_owner_account,
        ),
        (None, None) => (String::new(), None, None),
    };
    if gw.is_empty() {
        is.0.push(format!(
            "{id}: the Direct Connect gateway association names no virtual private or transit gateway; skipped"
        ));
        return Ok(None);
    }
    let mut allowed = Vec::new();
    for p in a
        .allowed_prefixes_to_direct_connect_gateway
        .unwrap_or_default()
    {
        let cidr = p.cidr.unwrap_or_default();
        match cidr.parse::<IpNet>() {
            Ok(n) => allowed.push(n.trunc()),
            Err(_) => {
                return Err(format!(
                    "{id}: allowedPrefixesToDirectConnectGateway `{cidr}` is not a CIDR"
                ))
            }
        }
    }
    let kind = kind.unwrap_or_else(|| {
        if gw.starts_with("tgw-") {
            "transitGateway".into()
        } else {
            "virtualPrivateGateway".into()
        }
    });
    Ok(Some(DirectConnectGatewayAssociation {
        association_id: id,
        direct_connect_gateway_id: a.direct_connect_gateway_id.unwrap_or_default(),
        association_state: a
            .association_state
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        associated_gateway_id: gw,
        associated_gateway_type: kind,
        associated_gateway_owner_account: owner,
        allowed_prefixes: allowed,
    }))
}
