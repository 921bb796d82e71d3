//! Import of AWS CLI `describe-*` JSON output into a [`Snapshot`].
//!
//! Each file is recognised by its top-level key, whatever its name:
//! `Vpcs`, `Subnets`, `SecurityGroups`, `NetworkAcls`, `RouteTables`,
//! `NetworkInterfaces`, `Reservations`, `VpcPeeringConnections`,
//! `InternetGateways`, `EgressOnlyInternetGateways`, `NatGateways`, `PrefixLists`, `DBInstances`,
//! `TransitGateways`, `TransitGatewayAttachments`, `TransitGatewayVpcAttachments`,
//! `TransitGatewayPeeringAttachments`,
//! `TransitGatewayRouteTables`, `TransitGatewayStaticRoutes` and `TransitGatewayPropagations`
//! (Batfish's per-route-table layouts, see `aws_cli_transit.rs`), `VpnGateways`,
//! `VpnConnections`, `directConnectGatewayAssociations` (the Direct Connect
//! API's camelCase), `OnPremNetworks` (the user's `onprem.json`),
//! `VpcEndpoints` (`aws_cli_endpoints.rs`), `LoadBalancers`,
//! `LoadBalancerListeners` (or `Listeners`), `LoadBalancerAttributes`,
//! `TargetGroups` and `LoadBalancerTargetHealth` (`aws_cli_elb.rs`), and
//! `Entries` (`get-managed-prefix-list-entries` output, in a file named after
//! its prefix list: `pl-<id>.json`). Other keys are skipped with one warning
//! each.
//!
//! A file that still holds a `NextToken` is one page of a paginated answer:
//! its resource types get a collection [`crate::Gap`], so the engine answers
//! `unknown` where it needs them. The same id in two files with different
//! content is reported with both files and gets a gap too; identical copies
//! merge.
//!
//! Folder layouts (the ones Batfish reads too): `DIR/*.json`,
//! `DIR/aws_configs/*.json`, `DIR/aws_configs/<region>/*.json`,
//! `DIR/aws_configs/accounts/<account>/<region>/*.json`, and the `aws_configs`
//! folder itself (`DIR/<region>/*.json`). A folder named like a region
//! (`us-west-2`) sets the region of what it holds.
//!
//! Shapes follow the EC2 API reference
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html> and its
//! siblings) and the RDS API reference
//! (<https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html>).

mod accumulate;
mod aws_cli;
mod aws_cli_elb;
mod aws_cli_endpoints;
mod aws_cli_hosts;
mod aws_cli_rules;
mod aws_cli_transit;
mod aws_cli_vpn;
mod dedupe;
mod elb_listeners;
mod finish;

use std::path::{Path, PathBuf};

use crate::error::ModelError;
use crate::raw::parse_object;
use crate::snapshot::Snapshot;
use accumulate::{is_snapshot, Accumulator};

pub use accumulate::Imported;

/// The top-level keys netpath reads.
pub const KNOWN_KEYS: &[&str] = &accumulate::KNOWN_KEYS;

/// Loads `path`, whichever kind it is: a netpath snapshot file, a folder of
/// describe-* output, or one describe-* file.
///
/// Errors: [`ModelError::Io`] when it cannot be read, [`ModelError::Json`] for
/// malformed JSON (file, line, column), [`ModelError::Field`] for a missing or
/// invalid field (file, resource id, field), [`ModelError::Format`] when the
/// folder holds no describe-* output at all.
pub fn load(path: &Path) -> Result<Imported, ModelError> {
    let meta = std::fs::metadata(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        return import_dir(path);
    }
    // A netpath snapshot file is read in one typed pass, streamed from the
    // file; anything else (or any error) takes the general path below, whose
    // messages name the file, line and column or the resource and field.
    if let Ok(file) = std::fs::File::open(path) {
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        if let Some(mut snapshot) = Snapshot::from_reader_fast(path, reader)? {
            sibling_onprem(path, &mut snapshot)?;
            let warnings = snapshot.dangling_references();
            return Ok(Imported { snapshot, warnings });
        }
    }
    let bytes = read(path)?;
    let mut imported = import_bytes(path, &bytes)?;
    sibling_onprem(path, &mut imported.snapshot)?;
    Ok(imported)
}

/// Adds the on-premises networks of an `onprem.json` beside the file
/// `path` (`{"OnPremNetworks": [{"Name": "dc1", "Cidr": "192.168.0.0/16"}]}`)
/// to `snap`, replacing same-named ones. A folder reads its own
/// `onprem.json` as one more file.
///
/// Errors: as [`import_bytes`], naming `onprem.json`.
fn sibling_onprem(path: &Path, snap: &mut Snapshot) -> Result<(), ModelError> {
    let side = path.with_file_name("onprem.json");
    if side == path || !side.is_file() {
        return Ok(());
    }
    let declared = import_bytes(&side, &read(&side)?)?.snapshot.onprem_networks;
    for n in declared.into_iter().flatten() {
        snap.declare_onprem(n);
    }
    Ok(())
}

/// Imports one file's bytes, already in memory: a netpath snapshot file or
/// one describe-* output. `path` names the file in messages only.
///
/// Output and errors as [`load`] (without [`ModelError::Io`]).
pub fn import_bytes(path: &Path, bytes: &[u8]) -> Result<Imported, ModelError> {
    if let Some(snapshot) = Snapshot::from_json_bytes_fast(path, bytes)? {
        let warnings = snapshot.dangling_references();
        return Ok(Imported { snapshot, warnings });
    }
    let obj = parse_object(path, bytes)?;
    if obj.is_none() {
        return Err(ModelError::Format {
            path: path.to_path_buf(),
            message: "the top level is not a JSON object, so this is neither a netpath snapshot nor aws describe-* output".into(),
        });
    }
    if let Some(o) = obj.as_ref().filter(|o| is_snapshot(o)) {
        let snapshot = Snapshot::from_raw(path, o.clone())?;
        let warnings = snapshot.dangling_references();
        return Ok(Imported { snapshot, warnings });
    }
    let mut acc = Accumulator::default();
    acc.add_file(path, obj, None)?;
    acc.finish(path)
}

/// Imports a folder of describe-* JSON (see the module docs for layouts).
/// Errors as [`load`].
pub fn import_dir(dir: &Path) -> Result<Imported, ModelError> {
    let mut files = Vec::new();
    collect_json_files(dir, 0, &mut files)?;
    files.sort();
    let mut acc = Accumulator::default();
    for file in files {
        let region = region_of(dir, &file);
        let bytes = read(&file)?;
        let value = parse_object(&file, &bytes)?;
        acc.add_file(&file, value, region)?;
    }
    acc.finish(dir)
}

fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Depth limit below the given folder: `aws_configs/accounts/<acct>/<region>/x.json` is 4.
const MAX_DEPTH: usize = 4;

fn collect_json_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), ModelError> {
    let io = |source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry.file_type().map_err(io)?;
        if ft.is_dir() && depth < MAX_DEPTH {
            collect_json_files(&p, depth + 1, out)?;
        } else if ft.is_file() && name.ends_with(".json") {
            out.push(p);
        }
    }
    Ok(())
}

/// True for names shaped like an AWS region: `us-west-2`, `eu-central-1`, `us-gov-west-1`.
pub fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

fn region_of(root: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root).ok()?;
    rel.parent()?
        .components()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .find(|c| looks_like_region(c))
        .or_else(|| {
            root.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .filter(|n| looks_like_region(n))
        })
}
