//! `netpath`: explain why an AWS client can or cannot reach its destination.
//!
//! Exit status: 0 reachable; 1 blocked or partial; 2 bad usage or bad input;
//! 3 unknown.

mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use netpath_engine::{explain, ClientOs, ExplainError, ExplainOptions, Topology, Verdict};
use netpath_model::{IpProtocol, PortRange};

/// netpath: finds the first hop that blocks a connection in an AWS network
/// snapshot, names the rule or route, the symptom, and the smallest fix.
#[derive(Parser, Debug)]
#[command(name = "netpath", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Explain whether --from can reach --to, hop by hop.
    Explain(ExplainArgs),
    /// Convert a folder of `aws ec2 describe-*` / `aws rds describe-db-instances`
    /// JSON into one netpath snapshot file.
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
struct ExplainArgs {
    /// A netpath snapshot file, or a folder of AWS CLI describe-* JSON output.
    #[arg(long, short = 's')]
    snapshot: PathBuf,
    /// The client: instance id, ENI id, Name tag, RDS identifier, IPv4 address or `internet`.
    #[arg(long)]
    from: String,
    /// The server: instance id, ENI id, Name tag, RDS identifier, IPv4 address or `internet`.
    #[arg(long)]
    to: String,
    /// Destination port. Defaults to the endpoint port when --to is a DB instance.
    #[arg(long)]
    port: Option<u16>,
    /// Transport protocol.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    protocol: Proto,
    /// The client kind, which sets its ephemeral ports (default: from the instance's Platform, else linux).
    #[arg(long, value_parser = parse_client_os)]
    client_os: Option<ClientOs>,
    /// The client's ephemeral port range, LO-HI (overrides --client-os).
    #[arg(long, value_parser = parse_port_range)]
    ephemeral_ports: Option<PortRange>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// Folder of describe-* JSON (DIR/*.json, DIR/aws_configs/[<region>/]*.json, ...).
    dir: PathBuf,
    /// Where to write the snapshot (`-` for standard output).
    #[arg(long, short = 'o')]
    output: PathBuf,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Proto {
    Tcp,
    Udp,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// Hop-by-hop table, verdict, symptom and fixes.
    Table,
    /// The stable JSON contract of docs/explain-json.md.
    Json,
    /// The VPC / peering / gateway graph in Graphviz DOT.
    Dot,
}

fn parse_client_os(s: &str) -> Result<ClientOs, String> {
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

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => run_explain(args),
        Command::Import(args) => run_import(args).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("netpath: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_explain(args: ExplainArgs) -> anyhow::Result<u8> {
    let imported = netpath_model::load(&args.snapshot)?;
    let topo = Topology::new(&imported.snapshot);
    if args.output == Output::Dot {
        print!("{}", topo.to_dot());
        return Ok(0);
    }
    let opts = ExplainOptions {
        protocol: Some(match args.protocol {
            Proto::Tcp => IpProtocol::Tcp,
            Proto::Udp => IpProtocol::Udp,
        }),
        port: args.port,
        client_os: args.client_os,
        ephemeral_ports: args.ephemeral_ports,
    };
    let mut exp = match explain(&topo, &args.from, &args.to, &opts) {
        Ok(e) => e,
        Err(e @ (ExplainError::Resolve(_) | ExplainError::Usage(_))) => {
            return Err(anyhow::anyhow!(e))
                .with_context(|| format!("in {}", args.snapshot.display()))
        }
    };
    exp.warnings
        .extend(imported.warnings.iter().map(|w| w.to_string()));
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&exp)?),
        Output::Table | Output::Dot => print!("{}", render::table(&exp)),
    }
    Ok(match exp.verdict {
        Verdict::Reachable => 0,
        Verdict::Blocked | Verdict::Partial => 1,
        Verdict::Unknown => 3,
    })
}

fn run_import(args: ImportArgs) -> anyhow::Result<()> {
    let imported = netpath_model::import::import_dir(&args.dir)?;
    for w in &imported.warnings {
        eprintln!("netpath: warning: {w}");
    }
    let json = imported.snapshot.to_json();
    if args.output.as_os_str() == "-" {
        print!("{json}");
    } else {
        std::fs::write(&args.output, json)
            .with_context(|| format!("cannot write {}", args.output.display()))?;
        eprintln!("netpath: wrote {}", args.output.display());
    }
    Ok(())
}
