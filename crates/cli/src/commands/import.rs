//! `netpath import DIR --out FILE`: a folder of AWS CLI describe-* JSON into
//! one netpath snapshot file.

use crate::args::ImportArgs;

/// Exit status 0 (errors aside); import warnings go to stderr.
pub fn run(args: ImportArgs) -> anyhow::Result<u8> {
    let imported = netpath_model::import::import_dir(&args.dir)?;
    super::warn_input(&imported.warnings);
    super::write_output(args.out.path(), &imported.snapshot.to_json())?;
    Ok(0)
}
