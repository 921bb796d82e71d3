//! Reading flow log files, streamed: plain text, gzip (delivery to S3
//! writes `.log.gz` files), and CloudWatch Logs exports (JSON lines whose
//! `message` field holds the record). One line is in memory at a time.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-cwl.html>

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::{FlowLogError, FlowLogFormat, FlowLogRecord};

/// Why a flow log file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FlowLogReadError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line is not a record of the format.
    #[error("{}:{line}: {source}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: u64,
        /// What is wrong with it.
        source: FlowLogError,
    },
    /// A line starting with `{` that is not a CloudWatch Logs event with a
    /// `message`.
    #[error("{}:{line}: a JSON line without a string `message` field; CloudWatch Logs exports hold one event per line, with the record in `message`", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: u64,
    },
    /// Parquet delivery, which netpath does not read.
    #[error("{}: this is a Parquet file; netpath reads the text format (plain or .gz): deliver the flow log as text, or convert it, e.g. with `duckdb -c \"COPY (SELECT * FROM '{0}') TO 'out.log' (DELIMITER ' ', HEADER)\"`", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
    },
}

#[derive(serde::Deserialize)]
struct CloudWatchEvent<'a> {
    #[serde(borrow)]
    message: std::borrow::Cow<'a, str>,
}

/// Streams the records of one file to `f`, with each record's text.
///
/// Input: the file (plain, gzip, or CloudWatch Logs JSON lines, told apart
/// by their first bytes), and the format to use until a header line says
/// otherwise (`None`: the version 2 default). Blank lines are skipped.
///
/// Errors: [`FlowLogReadError`], naming the file and, for a bad line, its
/// number and field.
pub fn read_file(
    path: &Path,
    format: Option<&FlowLogFormat>,
    f: impl FnMut(&FlowLogRecord<'_>, &str),
) -> Result<(), FlowLogReadError> {
    let io = |source| FlowLogReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    let head = file.fill_buf().map_err(io)?;
    if head.starts_with(b"PAR1") {
        return Err(FlowLogReadError::Parquet {
            path: path.to_path_buf(),
        });
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::MultiGzDecoder::new(file);
        read(path, BufReader::with_capacity(1 << 16, gz), format, f)
    } else {
        read(path, file, format, f)
    }
}

/// Streams the records of `input` (already decompressed) to `f`; `path`
/// names it in errors. See [`read_file`].
pub fn read(
    path: &Path,
    mut input: impl BufRead,
    format: Option<&FlowLogFormat>,
    mut f: impl FnMut(&FlowLogRecord<'_>, &str),
) -> Result<(), FlowLogReadError> {
    let default = FlowLogFormat::default_v2();
    let mut current = format.cloned().unwrap_or(default);
    let mut buf = Vec::with_capacity(512);
    let mut n = 0u64;
    loop {
        buf.clear();
        let got = input
            .read_until(b'\n', &mut buf)
            .map_err(|source| FlowLogReadError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if got == 0 {
            return Ok(());
        }
        n += 1;
        // Records are ASCII; anything else is read lossily.
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(&buf),
        };
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |source| FlowLogReadError::Record {
            path: path.to_path_buf(),
            line: n,
            source,
        };
        if line.starts_with('{') {
            let ev: CloudWatchEvent =
                serde_json::from_str(line).map_err(|_| FlowLogReadError::Json {
                    path: path.to_path_buf(),
                    line: n,
                })?;
            let msg = ev.message.trim();
            if let Some(h) = FlowLogFormat::from_header(msg) {
                current = h.map_err(bad)?;
                continue;
            }
            let r = current.record(msg).map_err(bad)?;
            f(&r, msg);
            continue;
        }
        if let Some(h) = FlowLogFormat::from_header(line) {
            current = h.map_err(bad)?;
            continue;
        }
        let r = current.record(line).map_err(bad)?;
        f(&r, line);
    }
}
