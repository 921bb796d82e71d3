//! The flags of `netpath explain`, and what other commands share with it:
//! the protocol, the client's OS and ephemeral ports, the output format.

use std::path::PathBuf;

use clap::ValueEnum;
use netpath_engine::ClientOs;
use netpath_model::PortRange;

use super::{ApplianceArgs, SourceArgs};

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The client: instance id, ENI id, Name tag, RDS identifier, IPv4 or IPv6 address, or `internet`.
    #[arg(long)]
    pub from: String,
    /// The server: instance id, ENI id, Name tag, RDS identifier, IPv4 or IPv6 address, or `internet`.
    #[arg(long)]
    pub to: String,
    /// Ask over IPv6: named instances, ENIs and DB instances stand at their
    /// IPv6 address, and `internet` is the IPv6 internet. Implied by an IPv6
    /// address as --from or --to, and by --protocol icmpv6.
    #[arg(short = '6', long)]
    pub ipv6: bool,
    /// Destination port, 1-65535. Defaults to the endpoint port when --to is a DB instance.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Transport protocol (icmp, icmpv6: see --icmp-type).
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub protocol: Proto,
    /// With --protocol icmp or icmpv6: the ICMP type sent (default: echo
    /// request, 8 for ICMP and 128 for ICMPv6, as ping sends).
    #[arg(long)]
    pub icmp_type: Option<u8>,
    /// With --protocol icmp or icmpv6: the ICMP code (default 0).
    #[arg(long, requires = "icmp_type")]
    pub icmp_code: Option<u8>,
    /// The client kind, which sets its ephemeral ports (default: from the instance's Platform, else linux).
    #[arg(long, value_parser = parse_client_os)]
    pub client_os: Option<ClientOs>,
    /// The client's ephemeral port range, LO-HI (overrides --client-os).
    #[arg(long, value_parser = parse_port_range)]
    pub ephemeral_ports: Option<PortRange>,
    /// Host facts written by `netpath host-facts` on an instance (a file, or
    /// a folder of them; repeatable). The walk goes on past that instance's
    /// ENI: its firewall, its listener. A `host-facts/` folder beside a
    /// describe-* folder is read too.
    #[arg(long = "host-facts", value_name = "PATH")]
    pub host_facts: Vec<PathBuf>,
    /// What the client saw: connects, refused, timeout, reset, unreachable,
    /// or the server's message (e.g. "no pg_hba.conf entry"). netpath says
    /// whether it agrees and what to check.
    #[arg(long, value_parser = parse_observed)]
    pub observed: Option<netpath_engine::Observed>,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// Deprecated spelling of --output.
    #[arg(
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        hide = true,
        conflicts_with = "output"
    )]
    pub deprecated_o: Option<Output>,
}

fn parse_observed(s: &str) -> Result<netpath_engine::Observed, String> {
    s.parse()
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
    /// ICMP (explain only): an echo request unless --icmp-type says otherwise.
    Icmp,
    /// ICMPv6 (explain only; implies --ipv6): an echo request (128) unless --icmp-type says otherwise.
    Icmpv6,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Hop-by-hop table, verdict, symptom and fixes.
    Table,
    /// The stable JSON contract of docs/explain-json.md.
    Json,
    /// The path as a Mermaid flowchart (pastes into GitHub, GitLab, incident docs).
    Mermaid,
    /// The path in Graphviz DOT.
    Dot,
    /// The snapshot's VPC / peering / gateway graph in Graphviz DOT.
    Topology,
    /// The JSON of a Reachability Analyzer NetworkInsightsAnalysis
    /// (docs/explain-json.md maps it).
    ReachabilityAnalyzer,
    /// The verified fixes as a bash script (`set -euo pipefail`, one comment
    /// per step; `DRY_RUN=1` passes EC2's --dry-run).
    FixScript,
}

pub(super) fn parse_client_os(s: &str) -> Result<ClientOs, String> {
    ClientOs::parse(s)
        .ok_or_else(|| format!("`{s}` is not one of linux, windows, nat-gateway, elb, lambda"))
}

fn parse_port_range(s: &str) -> Result<PortRange, String> {
    let (lo, hi) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}` is not LO-HI, e.g. 32768-60999"))?;
    let lo: u16 = lo
        .trim()
        .parse()
        .map_err(|_| format!("`{lo}` is not a port 0-65535"))?;
    let hi: u16 = hi
        .trim()
        .parse()
        .map_err(|_| format!("`{hi}` is not a port 0-65535"))?;
    if lo > hi {
        return Err(format!("{lo} is greater than {hi}"));
    }
    Ok(PortRange::new(lo, hi))
}
