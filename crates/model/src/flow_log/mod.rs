//! VPC Flow Logs records: the format (which field is in which column) and
//! one record parsed from one line, without allocating.
//!
//! A record is one line of space-separated fields; `-` means the field has
//! no value for that record (for example the ports of a `NODATA` record).
//! The default format is version 2's fourteen fields; a custom format names
//! its fields, as `${field}` in the console and the API, and as bare names
//! in the header line that delivery to S3 writes.
//! <https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html>

use std::net::IpAddr;

mod read;

pub use read::{read, read_file, FlowLogReadError};

/// The fields of a flow log record that netpath reads, by their AWS names.
/// Every other field AWS defines is [`FlowLogField::Other`] and ignored.
/// <https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html#flow-logs-fields>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowLogField {
    /// `version`.
    Version,
    /// `account-id`.
    AccountId,
    /// `interface-id`: the ENI the traffic was recorded on.
    InterfaceId,
    /// `srcaddr`: for incoming traffic the source; for outgoing traffic the
    /// interface's own address (also for traffic through a NAT gateway).
    SrcAddr,
    /// `dstaddr`.
    DstAddr,
    /// `srcport`.
    SrcPort,
    /// `dstport`.
    DstPort,
    /// `protocol`: the IANA protocol number.
    Protocol,
    /// `packets`.
    Packets,
    /// `bytes`.
    Bytes,
    /// `start`: epoch seconds of the first packet in the window.
    Start,
    /// `end`: epoch seconds of the last packet in the window.
    End,
    /// `action`: `ACCEPT` or `REJECT`.
    Action,
    /// `log-status`: `OK`, `NODATA` or `SKIPDATA`.
    LogStatus,
    /// `vpc-id` (v3).
    VpcId,
    /// `subnet-id` (v3).
    SubnetId,
    /// `instance-id` (v3).
    InstanceId,
    /// `tcp-flags` (v3): the OR of the flags seen in the window (FIN 1, SYN
    /// 2, RST 4, SYN-ACK 18).
    TcpFlags,
    /// `type` (v3): `IPv4`, `IPv6` or `EFA`.
    Type,
    /// `pkt-srcaddr` (v3): the packet's own source, which differs from
    /// `srcaddr` for traffic through a middlebox.
    PktSrcAddr,
    /// `pkt-dstaddr` (v3).
    PktDstAddr,
    /// `pkt-src-aws-service` (v5).
    PktSrcAwsService,
    /// `pkt-dst-aws-service` (v5).
    PktDstAwsService,
    /// `flow-direction` (v5): `ingress` or `egress`, relative to the interface.
    FlowDirection,
    /// `traffic-path` (v5): the path egress traffic takes (1-8).
    TrafficPath,
    /// Any other field AWS defines (`region`, `az-id`, `ecs-*`, …): kept in
    /// place, not read.
    Other,
}

/// Every field name AWS documents, with what netpath reads of it.
const FIELDS: &[(&str, FlowLogField)] = &[
    ("version", FlowLogField::Version),
    ("account-id", FlowLogField::AccountId),
    ("interface-id", FlowLogField::InterfaceId),
    ("srcaddr", FlowLogField::SrcAddr),
    ("dstaddr", FlowLogField::DstAddr),
    ("srcport", FlowLogField::SrcPort),
    ("dstport", FlowLogField::DstPort),
    ("protocol", FlowLogField::Protocol),
    ("packets", FlowLogField::Packets),
    ("bytes", FlowLogField::Bytes),
    ("start", FlowLogField::Start),
    ("end", FlowLogField::End),
    ("action", FlowLogField::Action),
    ("log-status", FlowLogField::LogStatus),
    ("vpc-id", FlowLogField::VpcId),
    ("subnet-id", FlowLogField::SubnetId),
    ("instance-id", FlowLogField::InstanceId),
    ("tcp-flags", FlowLogField::TcpFlags),
    ("type", FlowLogField::Type),
    ("pkt-srcaddr", FlowLogField::PktSrcAddr),
    ("pkt-dstaddr", FlowLogField::PktDstAddr),
    ("region", FlowLogField::Other),
    ("az-id", FlowLogField::Other),
    ("sublocation-type", FlowLogField::Other),
    ("sublocation-id", FlowLogField::Other),
    ("pkt-src-aws-service", FlowLogField::PktSrcAwsService),
    ("pkt-dst-aws-service", FlowLogField::PktDstAwsService),
    ("flow-direction", FlowLogField::FlowDirection),
    ("traffic-path", FlowLogField::TrafficPath),
    ("ecs-cluster-arn", FlowLogField::Other),
    ("ecs-cluster-name", FlowLogField::Other),
    ("ecs-container-instance-arn", FlowLogField::Other),
    ("ecs-container-instance-id", FlowLogField::Other),
    ("ecs-container-id", FlowLogField::Other),
    ("ecs-second-container-id", FlowLogField::Other),
    ("ecs-service-name", FlowLogField::Other),
    ("ecs-task-definition-arn", FlowLogField::Other),
    ("ecs-task-arn", FlowLogField::Other),
    ("ecs-task-id", FlowLogField::Other),
    ("reject-reason", FlowLogField::Other),
    ("resource-id", FlowLogField::Other),
    ("encryption-status", FlowLogField::Other),
];

impl FlowLogField {
    /// The field a name stands for, e.g. `pkt-srcaddr`; `None` for a name
    /// AWS does not define.
    pub fn from_name(name: &str) -> Option<FlowLogField> {
        FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// Which field is in which column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLogFormat {
    /// The columns, in order.
    pub fields: Vec<FlowLogField>,
}

/// The version 2 default format: `version account-id interface-id srcaddr
/// dstaddr srcport dstport protocol packets bytes start end action
/// log-status`.
pub const DEFAULT_FORMAT: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

/// Why a format or a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowLogError {
    /// A format names a field AWS does not define.
    #[error("unknown flow log field `{0}`; the fields are listed at https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html")]
    UnknownField(String),
    /// A format without `interface-id`, or without the addresses: records in
    /// it cannot be tied to an interface or a flow.
    #[error("the format has no `{0}` field, which attribution needs; give the format the logs were written with (--format)")]
    MissingField(&'static str),
    /// A line with another number of fields than the format.
    #[error("the record has {got} fields, the format {want}; if the logs use a custom format, give it with --format or keep the header line")]
    FieldCount {
        /// Fields in the line.
        got: usize,
        /// Fields in the format.
        want: usize,
    },
    /// A field whose value does not parse.
    #[error("field `{field}` is `{value}`, which is not {what}")]
    BadValue {
        /// The field's AWS name.
        field: &'static str,
        /// The text found.
        value: String,
        /// What was expected, e.g. `an IP address`.
        what: &'static str,
    },
}

impl FlowLogFormat {
    /// The version 2 default format ([`DEFAULT_FORMAT`]).
    pub fn default_v2() -> FlowLogFormat {
        FlowLogFormat::parse(DEFAULT_FORMAT).expect("the default format parses")
    }

    /// Parses a format as the console and the API write it (`${version}
    /// ${interface-id} …`) or as a header line writes it (`version
    /// interface-id …`).
    ///
    /// Errors: [`FlowLogError::UnknownField`] for a name AWS does not define;
    /// [`FlowLogError::MissingField`] when `interface-id`, `srcaddr` or
    /// `dstaddr` is absent.
    pub fn parse(spec: &str) -> Result<FlowLogFormat, FlowLogError> {
        let mut fields = Vec::new();
        for tok in spec.split_ascii_whitespace() {
            let name = tok
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(tok);
            fields.push(
                FlowLogField::from_name(name)
                    .ok_or_else(|| FlowLogError::UnknownField(name.to_string()))?,
            );
        }
        for (f, name) in [
            (FlowLogField::InterfaceId, "interface-id"),
            (FlowLogField::SrcAddr, "srcaddr"),
            (FlowLogField::DstAddr, "dstaddr"),
        ] {
            if !fields.contains(&f) {
                return Err(FlowLogError::MissingField(name));
            }
        }
        Ok(FlowLogFormat { fields })
    }

    /// The format a header line declares, when `line` is one: every token is
    /// a field name AWS defines (delivery to S3 writes such a line first).
    /// `None` for a record.
    pub fn from_header(line: &str) -> Option<Result<FlowLogFormat, FlowLogError>> {
        // Every field name starts with a lowercase letter; most records
        // start with a version number.
        if !line
            .trim_start()
            .starts_with(|c: char| c.is_ascii_lowercase())
        {
            return None;
        }
        let mut toks = line.split_ascii_whitespace().peekable();
        toks.peek()?;
        if toks.all(|t| FlowLogField::from_name(t).is_some()) {
            Some(FlowLogFormat::parse(line))
        } else {
            None
        }
    }

    /// Parses one record line.
    ///
    /// Errors: [`FlowLogError::FieldCount`] when the line has another number
    /// of fields than the format; [`FlowLogError::BadValue`] naming the
    /// field whose value does not parse.
    pub fn record<'a>(&self, line: &'a str) -> Result<FlowLogRecord<'a>, FlowLogError> {
        let mut r = FlowLogRecord::default();
        let mut n = 0;
        for (i, tok) in line.split_ascii_whitespace().enumerate() {
            n = i + 1;
            let Some(&field) = self.fields.get(i) else {
                continue;
            };
            if tok == "-" {
                continue;
            }
            match field {
                FlowLogField::InterfaceId => r.interface_id = Some(tok),
                FlowLogField::AccountId => r.account_id = Some(tok),
                FlowLogField::SrcAddr => r.srcaddr = Some(ip(tok, "srcaddr")?),
                FlowLogField::DstAddr => r.dstaddr = Some(ip(tok, "dstaddr")?),
                FlowLogField::PktSrcAddr => r.pkt_srcaddr = Some(ip(tok, "pkt-srcaddr")?),
                FlowLogField::PktDstAddr => r.pkt_dstaddr = Some(ip(tok, "pkt-dstaddr")?),
                FlowLogField::SrcPort => r.srcport = Some(num(tok, "srcport")?),
                FlowLogField::DstPort => r.dstport = Some(num(tok, "dstport")?),
                FlowLogField::Protocol => r.protocol = Some(num(tok, "protocol")?),
                FlowLogField::Packets => r.packets = Some(num(tok, "packets")?),
                FlowLogField::Bytes => r.bytes = Some(num(tok, "bytes")?),
                FlowLogField::Start => r.start = Some(num(tok, "start")?),
                FlowLogField::End => r.end = Some(num(tok, "end")?),
                FlowLogField::TcpFlags => r.tcp_flags = Some(num(tok, "tcp-flags")?),
                FlowLogField::Action => {
                    r.action = Some(match tok {
                        "ACCEPT" => FlowLogAction::Accept,
                        "REJECT" => FlowLogAction::Reject,
                        _ => return Err(bad("action", tok, "ACCEPT or REJECT")),
                    })
                }
                FlowLogField::LogStatus => {
                    r.log_status = Some(match tok {
                        "OK" => LogStatus::Ok,
                        "NODATA" => LogStatus::NoData,
                        "SKIPDATA" => LogStatus::SkipData,
                        _ => return Err(bad("log-status", tok, "OK, NODATA or SKIPDATA")),
                    })
                }
                FlowLogField::FlowDirection => {
                    r.flow_direction = Some(match tok {
                        "ingress" => FlowDirection::Ingress,
                        "egress" => FlowDirection::Egress,
                        _ => return Err(bad("flow-direction", tok, "ingress or egress")),
                    })
                }
                FlowLogField::VpcId => r.vpc_id = Some(tok),
                FlowLogField::SubnetId => r.subnet_id = Some(tok),
                FlowLogField::InstanceId => r.instance_id = Some(tok),
                FlowLogField::PktSrcAwsService => r.pkt_src_aws_service = Some(tok),
                FlowLogField::PktDstAwsService => r.pkt_dst_aws_service = Some(tok),
                FlowLogField::Version
                | FlowLogField::Type
                | FlowLogField::TrafficPath
                | FlowLogField::Other => {}
            }
        }
        if n != self.fields.len() {
            return Err(FlowLogError::FieldCount {
                got: n,
                want: self.fields.len(),
            });
        }
        Ok(r)
    }
}

fn bad(field: &'static str, value: &str, what: &'static str) -> FlowLogError {
    FlowLogError::BadValue {
        field,
        value: value.chars().take(80).collect(),
        what,
    }
}

fn ip(tok: &str, field: &'static str) -> Result<IpAddr, FlowLogError> {
    tok.parse().map_err(|_| bad(field, tok, "an IP address"))
}

fn num<T: std::str::FromStr>(tok: &str, field: &'static str) -> Result<T, FlowLogError> {
    tok.parse()
        .map_err(|_| bad(field, tok, "a number in range"))
}

/// `ACCEPT` or `REJECT`: whether the security groups and network ACLs let
/// the recorded traffic through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowLogAction {
    /// `ACCEPT`.
    Accept,
    /// `REJECT`.
    Reject,
}

/// `log-status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStatus {
    /// `OK`: data is logging normally.
    Ok,
    /// `NODATA`: no traffic to or from the interface in the window.
    NoData,
    /// `SKIPDATA`: some records were skipped in the window.
    SkipData,
}

/// `flow-direction`, relative to the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowDirection {
    /// Into the interface.
    Ingress,
    /// Out of the interface.
    Egress,
}

/// One record; absent fields (not in the format, or `-`) are `None`.
/// Strings borrow the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowLogRecord<'a> {
    /// `interface-id`.
    pub interface_id: Option<&'a str>,
    /// `account-id`.
    pub account_id: Option<&'a str>,
    /// `srcaddr`.
    pub srcaddr: Option<IpAddr>,
    /// `dstaddr`.
    pub dstaddr: Option<IpAddr>,
    /// `srcport`.
    pub srcport: Option<u16>,
    /// `dstport`.
    pub dstport: Option<u16>,
    /// `protocol`, the IANA number (6 TCP, 17 UDP, 1 ICMP).
    pub protocol: Option<u8>,
    /// `packets`.
    pub packets: Option<u64>,
    /// `bytes`.
    pub bytes: Option<u64>,
    /// `start`, epoch seconds.
    pub start: Option<u64>,
    /// `end`, epoch seconds.
    pub end: Option<u64>,
    /// `action`.
    pub action: Option<FlowLogAction>,
    /// `log-status`.
    pub log_status: Option<LogStatus>,
    /// `tcp-flags`.
    pub tcp_flags: Option<u16>,
    /// `pkt-srcaddr`.
    pub pkt_srcaddr: Option<IpAddr>,
    /// `pkt-dstaddr`.
    pub pkt_dstaddr: Option<IpAddr>,
    /// `flow-direction`.
    pub flow_direction: Option<FlowDirection>,
    /// `vpc-id`.
    pub vpc_id: Option<&'a str>,
    /// `subnet-id`.
    pub subnet_id: Option<&'a str>,
    /// `instance-id`.
    pub instance_id: Option<&'a str>,
    /// `pkt-src-aws-service`.
    pub pkt_src_aws_service: Option<&'a str>,
    /// `pkt-dst-aws-service`.
    pub pkt_dst_aws_service: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_format_reads_aws_documented_records() {
        // From the examples in the Flow Logs user guide.
        let f = FlowLogFormat::default_v2();
        let r = f
            .record("2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK")
            .unwrap();
        assert_eq!(r.interface_id, Some("eni-1235b8ca123456789"));
        assert_eq!(r.dstport, Some(3389));
        assert_eq!(r.protocol, Some(6));
        assert_eq!(r.action, Some(FlowLogAction::Reject));
        let nodata = f
            .record(
                "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            )
            .unwrap();
        assert_eq!(nodata.log_status, Some(LogStatus::NoData));
        assert_eq!(nodata.srcaddr, None);
    }

    #[test]
    fn custom_formats_come_from_the_console_syntax_or_a_header() {
        let f = FlowLogFormat::parse("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status}").unwrap();
        let r = f
            .record("3 vpc-12345678 subnet-012345678 i-01234567890123456 eni-1235b8ca123456789 123456789012 IPv4 10.0.1.5 10.0.0.220 39812 80 10.0.1.5 203.0.113.5 6 2000 10 1566848875 1566848933 ACCEPT 2 OK")
            .unwrap();
        assert_eq!(r.pkt_dstaddr, Some("203.0.113.5".parse().unwrap()));
        assert_eq!(r.tcp_flags, Some(2));
        assert!(FlowLogFormat::from_header("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status").is_some());
        assert!(FlowLogFormat::from_header("2 123 eni-1 - - - - - - - 1 2 - NODATA").is_none());
        assert!(matches!(
            FlowLogFormat::parse("${version} ${nonsense}"),
            Err(FlowLogError::UnknownField(_))
        ));
        assert!(matches!(
            FlowLogFormat::parse("${version} ${srcaddr} ${dstaddr}"),
            Err(FlowLogError::MissingField("interface-id"))
        ));
    }

    #[test]
    fn bad_lines_name_the_field() {
        let f = FlowLogFormat::default_v2();
        let e = f.record("2 1 eni-1 10.0.0.1 10.0.0.2 99999 22 6 1 1 1 2 ACCEPT OK");
        assert!(e.unwrap_err().to_string().contains("srcport"));
        let e = f.record("2 1 eni-1 10.0.0.1");
        assert!(matches!(
            e,
            Err(FlowLogError::FieldCount { got: 4, want: 14 })
        ));
    }
}
