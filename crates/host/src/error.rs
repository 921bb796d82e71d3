//! The errors of the parsers and of the IMDS client.

/// A text that a parser could not read.
///
/// Displays as `ORIGIN: LOCATION: MESSAGE`, e.g.
/// `iptables-save: line 7: bad port "70000" in --dport 70000` or
/// `nft -j list ruleset: nftables[4].rule: no rule chain`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {location}: {message}")]
pub struct ParseError {
    /// What was being read: a file name or a command, as the caller named it.
    pub origin: String,
    /// Where in it: `line N` (iptables-save, /proc/net tables) or a JSON path
    /// such as `nftables[3].chain.prio` (nft).
    pub location: String,
    /// What was wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(
        origin: &str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ParseError {
            origin: origin.to_string(),
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Why the instance id could not be read from IMDSv2.
#[derive(Debug, thiserror::Error)]
pub enum ImdsError {
    /// The endpoint is not `http://HOST[:PORT]`.
    #[error("bad IMDS endpoint {0:?}: expected http://HOST[:PORT]")]
    Endpoint(String),
    /// Connecting, sending or receiving failed (including timeouts).
    #[error("IMDS {step}: {source}")]
    Io {
        /// `token` (the PUT) or `instance-id` (the GET), and what was being done.
        step: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The service answered with a status other than 200.
    #[error("IMDS {step}: HTTP status {status}")]
    Status {
        /// `token` or `instance-id`.
        step: &'static str,
        /// The HTTP status code.
        status: u16,
    },
    /// The answer was not a readable HTTP response, or not an instance id.
    #[error("IMDS {step}: {message}")]
    Malformed {
        /// `token` or `instance-id`.
        step: &'static str,
        /// What was wrong.
        message: String,
    },
}
