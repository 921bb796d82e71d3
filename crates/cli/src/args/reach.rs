//! The flags of `reach` and `exposure`: who reaches an end, or what the
//! internet reaches, and how to print it.

use clap::ValueEnum;

use super::{ApplianceArgs, FamilyArgs, Proto, SourceArgs};

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("end").required(true).args(["to", "from"])))]
pub struct ReachArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// List every source that can reach this destination (instance id, ENI id, Name tag, DB identifier or endpoint, IPv4 or IPv6 address, or `internet`).
    #[arg(long)]
    pub to: Option<String>,
    /// List every destination this source can reach.
    #[arg(long)]
    pub from: Option<String>,
    /// Only this destination port (default: a DB's endpoint port, else every port the destination's inbound rules open).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub protocol: Proto,
    #[command(flatten)]
    pub family: FamilyArgs,
    /// In the table, list every member of each group (JSON always does).
    #[arg(long)]
    pub members: bool,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReachOutput::Table)]
    pub output: ReachOutput,
    /// Deprecated spelling of --output.
    #[arg(
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        hide = true,
        conflicts_with = "output"
    )]
    pub deprecated_o: Option<ReachOutput>,
}

#[derive(clap::Args, Debug)]
pub struct ExposureArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Only this destination port (default: every port each end's inbound rules open).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub protocol: Proto,
    #[command(flatten)]
    pub family: FamilyArgs,
    /// In the table, list every member of each group (JSON always does).
    #[arg(long)]
    pub members: bool,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReachOutput::Table)]
    pub output: ReachOutput,
    /// Deprecated spelling of --output.
    #[arg(
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        hide = true,
        conflicts_with = "output"
    )]
    pub deprecated_o: Option<ReachOutput>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReachOutput {
    /// One block per group of ends: answer, who, ports and the rules on the way.
    Table,
    /// The JSON document of docs/reach-json.md.
    Json,
    /// The groups and the target as a Mermaid flowchart.
    Mermaid,
}
