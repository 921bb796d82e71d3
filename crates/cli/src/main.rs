//! `netpath`: explain why an AWS client can or cannot reach its destination.
//!
//! Exit status: 0 reachable; 1 blocked or partial; 2 bad usage or bad input;
//! 3 unknown.

mod live;
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
    /// Collect a read-only snapshot of the account's network with the AWS SDK.
    Snapshot(SnapshotArgs),
    /// Convert a folder of `aws ec2 describe-*` / `aws rds describe-db-instances`
    /// JSON into one netpath snapshot file.
    Import(ImportArgs),
    /// Compare two snapshots: which flows a change breaks, opens or changes, and which edits caused it.
    Diff(DiffArgs),
    /// Check a snapshot against a TOML policy of reach / isolate / no-internet-exposure intents.
    Check(CheckArgs),
    /// Who can reach --to, or what --from can reach: every source or destination, grouped.
    Reach(ReachArgs),
    /// Every ENI, instance and DB instance reachable from the internet, on which ports and through which gateway and rules.
    Exposure(ExposureArgs),
    /// Write a synthetic snapshot (for benchmarks): same arguments, same bytes.
    Synth(SynthArgs),
}

/// Where the snapshot comes from: a file or folder, else live collection (cached).
#[derive(clap::Args, Debug)]
struct SourceArgs {
    /// A netpath snapshot file, or a folder of AWS CLI describe-* JSON output.
    /// Without it, netpath collects live with the default AWS credentials and
    /// caches the snapshot (see --max-age, --refresh).
    #[arg(long, short = 's')]
    snapshot: Option<PathBuf>,
    /// Without --snapshot: reuse a cached live snapshot younger than this many seconds.
    #[arg(long, default_value_t = 900)]
    max_age: u64,
    /// Without --snapshot: collect again even when a cached snapshot is fresh.
    #[arg(long)]
    refresh: bool,
    #[command(flatten)]
    live: live::LiveArgs,
}

impl SourceArgs {
    /// Loads the snapshot; returns it and a name for messages.
    fn load(&self) -> anyhow::Result<(netpath_model::Imported, String)> {
        let imported = match &self.snapshot {
            Some(path) => netpath_model::load(path)?,
            None => {
                let (snapshot, _) = live::cached_or_collect(
                    &self.live,
                    std::time::Duration::from_secs(self.max_age),
                    self.refresh,
                )?;
                netpath_model::Imported {
                    snapshot,
                    warnings: Vec::new(),
                }
            }
        };
        let name = self.snapshot.as_ref().map_or_else(
            || "the live snapshot".to_string(),
            |p| p.display().to_string(),
        );
        Ok((imported, name))
    }
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("end").required(true).args(["to", "from"])))]
struct ReachArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// List every source that can reach this destination (instance id, ENI id, Name tag, DB identifier or endpoint, IPv4 address or `internet`).
    #[arg(long)]
    to: Option<String>,
    /// List every destination this source can reach.
    #[arg(long)]
    from: Option<String>,
    /// Only this destination port (default: a DB's endpoint port, else every port the destination's inbound rules open).
    #[arg(long)]
    port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    protocol: Proto,
    /// In the table, list every member of each group (JSON always does).
    #[arg(long)]
    members: bool,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ReachOutput::Table)]
    output: ReachOutput,
}

#[derive(clap::Args, Debug)]
struct ExposureArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Only this destination port (default: every port each end's inbound rules open).
    #[arg(long)]
    port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    protocol: Proto,
    /// In the table, list every member of each group (JSON always does).
    #[arg(long)]
    members: bool,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = ReachOutput::Table)]
    output: ReachOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ReachOutput {
    /// One block per group of ends: answer, who, ports and the rules on the way.
    Table,
    /// The JSON document of docs/reach-json.md.
    Json,
}

#[derive(clap::Args, Debug)]
struct SynthArgs {
    /// Number of ENIs.
    #[arg(long, default_value_t = 10_000)]
    enis: usize,
    /// Number of VPCs (1-250).
    #[arg(long, default_value_t = 10)]
    vpcs: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Apply this many random rule edits (security-group rules, NACL entries) to the result.
    #[arg(long, default_value_t = 0)]
    edits: usize,
    /// Where to write the snapshot (`-` for standard output).
    #[arg(long, short = 'o')]
    output: PathBuf,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// A netpath snapshot file, or a folder of AWS CLI describe-* JSON output.
    #[arg(long, short = 's')]
    snapshot: PathBuf,
    /// The policy file (TOML; see docs/policy.md).
    policy: PathBuf,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = CheckOutput::Table)]
    output: CheckOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckOutput {
    /// One PASS/FAIL line per intent, with the reasons for failures.
    Table,
    /// The JSON document of docs/policy.md.
    Json,
    /// JUnit XML: one test case per intent, for CI systems.
    Junit,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// The snapshot before the change (a snapshot file or a folder of describe-* JSON).
    before: PathBuf,
    /// The snapshot after the change.
    after: PathBuf,
    /// Only flows from this source (instance id, ENI id, Name tag, DB identifier, IPv4 or `internet`).
    #[arg(long)]
    from: Option<String>,
    /// Only flows to this destination.
    #[arg(long)]
    to: Option<String>,
    /// Only this destination port (every destination is compared on it).
    #[arg(long)]
    port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    protocol: Proto,
    /// Which changes make the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Any)]
    fail_on: FailOnArg,
    /// Output format: a table, or the JSON contract of docs/diff-json.md.
    #[arg(long, short = 'o', value_enum, default_value_t = DiffOutput::Table)]
    output: DiffOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FailOnArg {
    /// Broken flows, and changed flows that got worse or became unknown.
    Broken,
    /// Opened flows, and changed flows that got better or became unknown.
    Opened,
    /// Any changed flow.
    Any,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DiffOutput {
    /// Edit summary, then a table of changed flows.
    Table,
    /// docs/diff-json.md.
    Json,
}

#[derive(clap::Args, Debug)]
struct ExplainArgs {
    #[command(flatten)]
    source: SourceArgs,
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
struct SnapshotArgs {
    /// Where to write the snapshot (written atomically, mode 0600; `-` for standard output).
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Exit 0 even when some calls failed (the gaps are still recorded and printed).
    #[arg(long)]
    allow_partial: bool,
    #[command(flatten)]
    live: live::LiveArgs,
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

/// `RUST_LOG`, except that the SDK's request signing, HTTP and
/// orchestration layers never log below `info`: at `debug`/`trace` they can
/// print signed requests, whose headers carry session tokens. Credentials,
/// tokens and signed URLs must never reach the logs.
fn log_filter() -> tracing_subscriber::EnvFilter {
    let mut f = tracing_subscriber::EnvFilter::from_default_env();
    for d in [
        "aws_sigv4=off",
        "aws_runtime=info",
        "aws_smithy_runtime=info",
        "aws_smithy_runtime_api=info",
        "aws_smithy_http_client=info",
        "aws_config=info",
        "aws_credential_types=info",
        "hyper=info",
        "hyper_util=info",
        "h2=info",
        "rustls=info",
    ] {
        if let Ok(d) = d.parse() {
            f = f.add_directive(d);
        }
    }
    f
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Explain(args) => run_explain(args),
        Command::Snapshot(args) => run_snapshot(args),
        Command::Import(args) => run_import(args).map(|()| 0),
        Command::Diff(args) => run_diff(args),
        Command::Check(args) => run_check(args),
        Command::Reach(args) => {
            let query = match (args.to.clone(), args.from.clone()) {
                (Some(t), _) => netpath_engine::ReachQuery::To(t),
                (None, Some(f)) => netpath_engine::ReachQuery::From(f),
                (None, None) => unreachable!("clap requires --to or --from"),
            };
            run_reach(
                &args.source,
                query,
                args.port,
                args.protocol,
                args.members,
                args.output,
            )
        }
        Command::Exposure(args) => run_reach(
            &args.source,
            netpath_engine::ReachQuery::Exposure,
            args.port,
            args.protocol,
            args.members,
            args.output,
        ),
        Command::Synth(args) => run_synth(args).map(|()| 0),
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
    let (imported, source) = args.source.load()?;
    let topo = Topology::new(&imported.snapshot);
    if args.output == Output::Dot {
        print!("{}", topo.to_dot());
        return Ok(0);
    }
    let opts = ExplainOptions {
        protocol: Some(proto(args.protocol)),
        port: args.port,
        client_os: args.client_os,
        ephemeral_ports: args.ephemeral_ports,
    };
    let mut exp = match explain(&topo, &args.from, &args.to, &opts) {
        Ok(e) => e,
        Err(e @ (ExplainError::Resolve(_) | ExplainError::Usage(_))) => {
            let gaps: Vec<String> = imported
                .snapshot
                .metadata
                .gaps
                .iter()
                .map(|g| format!("{} in {}", g.operation, g.region.as_deref().unwrap_or("?")))
                .collect();
            let partial = if gaps.is_empty() {
                String::new()
            } else {
                format!(" (the snapshot is partial: {} failed)", gaps.join(", "))
            };
            return Err(anyhow::anyhow!(e)).with_context(|| format!("in {source}{partial}"));
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

/// The JSON document of `netpath reach` / `netpath exposure --output json`
/// (docs/reach-json.md).
#[derive(serde::Serialize)]
struct ReachDocument<'a> {
    format: &'static str,
    version: u32,
    snapshot: String,
    #[serde(flatten)]
    reach: &'a netpath_engine::Reach,
}

fn run_reach(
    source: &SourceArgs,
    query: netpath_engine::ReachQuery,
    port: Option<u16>,
    protocol: Proto,
    members: bool,
    output: ReachOutput,
) -> anyhow::Result<u8> {
    use std::io::Write;
    let (imported, name) = source.load()?;
    let topo = Topology::new(&imported.snapshot);
    let opts = netpath_engine::ReachOptions {
        port,
        protocol: Some(proto(protocol)),
    };
    let mut r = netpath_engine::reach(&topo, &query, &opts)
        .map_err(anyhow::Error::new)
        .with_context(|| format!("in {name}"))?;
    r.warnings
        .extend(imported.warnings.iter().map(|w| w.to_string()));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match output {
        ReachOutput::Json => {
            let doc = ReachDocument {
                format: "netpath-reach",
                version: 1,
                snapshot: name,
                reach: &r,
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        ReachOutput::Table => render::reach(&mut out, &r, members)?,
    }
    out.flush()?;
    Ok(0)
}

fn proto(p: Proto) -> IpProtocol {
    match p {
        Proto::Tcp => IpProtocol::Tcp,
        Proto::Udp => IpProtocol::Udp,
    }
}

/// The JSON document of `netpath diff --output json` (docs/diff-json.md).
#[derive(serde::Serialize)]
struct DiffDocument<'a> {
    format: &'static str,
    version: u32,
    before: String,
    after: String,
    summary: &'a netpath_engine::diff::DiffSummary,
    edits: &'a [netpath_engine::edits::Edit],
    changes: &'a [netpath_engine::diff::FlowChange],
    warnings: &'a [String],
}

fn run_diff(args: DiffArgs) -> anyhow::Result<u8> {
    let before = netpath_model::load(&args.before)?;
    let after = netpath_model::load(&args.after)?;
    let (tb, ta) = (
        Topology::new(&before.snapshot),
        Topology::new(&after.snapshot),
    );
    let opts = netpath_engine::DiffOptions {
        from: args.from,
        to: args.to,
        port: args.port,
        protocol: Some(proto(args.protocol)),
    };
    let mut d = netpath_engine::diff(&tb, &ta, &opts)?;
    for (label, imp) in [("BEFORE", &before), ("AFTER", &after)] {
        d.warnings
            .extend(imp.warnings.iter().map(|w| format!("{label}: {w}")));
        for g in &imp.snapshot.metadata.gaps {
            d.warnings.push(format!(
                "{label}: collection gap: {} in {} failed ({}); flows that need it may show as unknown",
                g.operation,
                g.region.as_deref().unwrap_or("?"),
                g.error
            ));
        }
    }
    match args.output {
        DiffOutput::Json => {
            let doc = DiffDocument {
                format: "netpath-diff",
                version: 1,
                before: args.before.display().to_string(),
                after: args.after.display().to_string(),
                summary: &d.summary,
                edits: &d.edits,
                changes: &d.changes,
                warnings: &d.warnings,
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        DiffOutput::Table => print!(
            "{}",
            render::diff(
                &d,
                &args.before.display().to_string(),
                &args.after.display().to_string()
            )
        ),
    }
    let fail_on = match args.fail_on {
        FailOnArg::Broken => netpath_engine::FailOn::Broken,
        FailOnArg::Opened => netpath_engine::FailOn::Opened,
        FailOnArg::Any => netpath_engine::FailOn::Any,
    };
    Ok(u8::from(d.fails(fail_on)))
}

fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(&args.policy)
        .with_context(|| format!("cannot read policy {}", args.policy.display()))?;
    let policy = netpath_engine::policy::Policy::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.policy.display()))?;
    let imported = netpath_model::load(&args.snapshot)?;
    let topo = Topology::new(&imported.snapshot);
    let report = netpath_engine::policy::check(&topo, &policy);
    for w in &imported.warnings {
        eprintln!("netpath: warning: {w}");
    }
    for g in &imported.snapshot.metadata.gaps {
        eprintln!(
            "netpath: warning: collection gap: {} in {} failed ({}); intents that need it fail as unknown",
            g.operation,
            g.region.as_deref().unwrap_or("?"),
            g.error
        );
    }
    match args.output {
        CheckOutput::Table => print!(
            "{}",
            render::check(&report, &args.policy.display().to_string())
        ),
        CheckOutput::Json => {
            let doc = CheckDocument {
                format: "netpath-check",
                version: 1,
                snapshot: args.snapshot.display().to_string(),
                policy: args.policy.display().to_string(),
                report: &report,
            };
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        CheckOutput::Junit => print!(
            "{}",
            render::junit(&report, &args.policy.display().to_string())?
        ),
    }
    Ok(u8::from(report.failed > 0))
}

/// The JSON document of `netpath check --output json` (docs/policy.md).
#[derive(serde::Serialize)]
struct CheckDocument<'a> {
    format: &'static str,
    version: u32,
    snapshot: String,
    policy: String,
    #[serde(flatten)]
    report: &'a netpath_engine::policy::CheckReport,
}

fn run_synth(args: SynthArgs) -> anyhow::Result<()> {
    use netpath_synth as synth;
    let mut snap = synth::generate(&synth::SynthParams {
        enis: args.enis,
        vpcs: args.vpcs,
        seed: args.seed,
    });
    if args.edits > 0 {
        let (edited, log) = synth::perturb(&snap, args.edits, args.seed.wrapping_add(1));
        for l in log {
            eprintln!("netpath: edit: {l}");
        }
        snap = edited;
    }
    write_output(&args.output, &snap.to_json())
}

fn write_output(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        print!("{text}");
    } else {
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("netpath: wrote {}", path.display());
    }
    Ok(())
}

fn run_snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    let snap = live::collect_live(&args.live)?;
    let json = snap.to_json();
    if args.output.as_os_str() == "-" {
        print!("{json}");
        live::report(&snap, "collected");
    } else {
        live::write_private(&args.output, &json)?;
        live::report(&snap, &format!("wrote {}", args.output.display()));
    }
    let gaps = snap.metadata.gaps.len();
    if gaps > 0 && !args.allow_partial {
        eprintln!(
            "netpath: the snapshot is partial ({gaps} failed call{}); paths that need the missing data will be `unknown`. Pass --allow-partial to exit 0 anyway",
            if gaps == 1 { "" } else { "s" }
        );
        return Ok(1);
    }
    Ok(0)
}

fn run_import(args: ImportArgs) -> anyhow::Result<()> {
    let imported = netpath_model::import::import_dir(&args.dir)?;
    for w in &imported.warnings {
        eprintln!("netpath: warning: {w}");
    }
    write_output(&args.output, &imported.snapshot.to_json())
}
