//! The command line (clap): the subcommands, their flags, and the arg groups
//! several share (where the snapshot comes from, how to collect live).
//!
//! `--output` is the output FORMAT of every command that prints an answer;
//! `--out FILE` is the file `snapshot`, `import` and `synth` write. `-o` is
//! kept for one release as a hidden, deprecated alias of whichever of the two
//! the command has; [`Command::fold_deprecated`] merges it and warns.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use netpath_engine::ClientOs;

mod explain;
mod org;
mod reach;

use explain::parse_client_os;
pub use explain::{ExplainArgs, Output, Proto};
#[cfg(feature = "live")]
pub use org::account_ids;
pub use org::{MergeArgs, OrgArgs};
pub use reach::{ExposureArgs, ReachArgs, ReachOutput};

use crate::render::ColorChoice;

/// netpath: finds the first hop that blocks a connection in an AWS network
/// snapshot, names the rule or route, the symptom, and the smallest fix.
#[derive(Parser, Debug)]
#[command(
    name = "netpath",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("NETPATH_GIT_COMMIT"), ")"),
    about,
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// An on-premises network, NAME=CIDR or CIDR; repeat for several. An
    /// address in one is reached over a VPN, Direct Connect or a transit
    /// gateway, never the internet; `check` selects them as `onprem` or
    /// `onprem:NAME`. Adds to an `onprem.json` beside the snapshot.
    #[arg(long = "onprem", global = true, value_name = "NAME=CIDR")]
    pub onprem: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explain whether --from can reach --to, hop by hop.
    #[command(
        after_help = "Example:\n  netpath explain --snapshot prod.json --from app-server --to prod-db\n  netpath explain --from i-0abc --to 10.0.2.20 --port 443 --output json"
    )]
    Explain(ExplainArgs),
    /// Collect a read-only snapshot of the account's network with the AWS SDK
    /// (--out is written atomically, with mode 0600).
    #[command(
        after_help = "Example:\n  netpath snapshot --profile prod --region us-east-1 --out prod.json\n  netpath snapshot --org --role-name NetpathReadOnly --all-regions --out org.json"
    )]
    Snapshot(SnapshotArgs),
    /// Combine snapshots collected separately (per account, region or job)
    /// into one; resources listed by several are kept once, and copies that
    /// differ are recorded as conflicts.
    #[command(
        after_help = "Example:\n  netpath merge network.json app.json data.json --out org.json\n\nExit status: 0 merged, 1 merged with conflicts (0 with --allow-conflicts), 2 on bad input."
    )]
    Merge(MergeArgs),
    /// Convert a folder of `aws ec2 describe-*` / `aws rds describe-db-instances`
    /// JSON into one netpath snapshot file.
    #[command(after_help = "Example:\n  netpath import ./describe-output --out prod.json")]
    Import(ImportArgs),
    /// Compare two snapshots: which flows a change breaks, opens or changes, and which edits caused it.
    #[command(after_help = "Example:\n  netpath diff before.json after.json --fail-on broken")]
    Diff(DiffArgs),
    /// Before `terraform apply`: which flows a Terraform plan (`terraform show -json`)
    /// breaks, opens or changes, and which Terraform addresses cause each.
    #[command(
        after_help = "Example:\n  terraform show -json tfplan > plan.json\n  netpath plan --snapshot prod.json plan.json --output markdown"
    )]
    Plan(PlanArgs),
    /// Check a snapshot against a TOML policy of reach / isolate / no-internet-exposure intents.
    #[command(
        after_help = "Example:\n  netpath check --snapshot prod.json policy.toml --output junit"
    )]
    Check(CheckArgs),
    /// Who can reach --to, or what --from can reach: every source or destination, grouped.
    #[command(
        after_help = "Example:\n  netpath reach --snapshot prod.json --to prod-db --port 5432"
    )]
    Reach(ReachArgs),
    /// Every ENI, instance and DB instance reachable from the internet, on which ports and through which gateway and rules.
    #[command(after_help = "Example:\n  netpath exposure --snapshot prod.json --port 22")]
    Exposure(ExposureArgs),
    /// Read VPC Flow Logs: name the security-group or network-ACL rule behind
    /// every REJECT, grouped by cause, and the records the snapshot contradicts.
    #[command(
        after_help = "Example:\n  netpath flowlogs --snapshot prod.json flow-logs/*.log.gz --top 10"
    )]
    Flowlogs(FlowlogsArgs),
    /// Write a synthetic snapshot (for benchmarks): same arguments, same bytes.
    #[command(
        after_help = "Example:\n  netpath synth --enis 10000 --vpcs 20 --seed 1 --out big.json"
    )]
    Synth(SynthArgs),
    /// Run on an instance (Linux, no AWS credentials needed): collect its
    /// listening sockets, host firewall and addresses as JSON for
    /// `explain --host-facts` (docs/host-facts.md).
    #[command(after_help = "Example:\n  sudo netpath host-facts --out /tmp/host-facts.json")]
    HostFacts(HostFactsArgs),
    /// Print a shell completion script: `netpath completions bash > /etc/bash_completion.d/netpath`.
    #[command(after_help = "Example:\n  netpath completions zsh > ~/.zfunc/_netpath")]
    Completions(CompletionsArgs),
    /// Print the man page (roff): `netpath man | man -l -`.
    #[command(after_help = "Example:\n  netpath man > /usr/local/share/man/man1/netpath.1")]
    Man,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  netpath flowlogs --snapshot s.json eni-logs.log.gz\n  netpath flowlogs --snapshot s.json --interface eni-0abc --since 2026-12-03T10:00:00Z export.jsonl\n  netpath flowlogs --snapshot s.json --format '${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status}' custom.log\n\nExit status: 0 when every REJECT is attributed and nothing disagrees, 1 otherwise, 2 on bad input."
)]
pub struct FlowlogsArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Flow log files: plain text, .gz (delivery to S3), or CloudWatch Logs
    /// exports (JSON lines with a `message` field).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The record format when the files have no header line, as in the
    /// console: '${version} ${interface-id} …'. Default: the version 2 format.
    #[arg(long)]
    pub format: Option<String>,
    /// Only records of this network interface.
    #[arg(long, value_name = "ENI")]
    pub interface: Option<String>,
    /// Only records whose window ends at or after this time (RFC 3339, or epoch seconds).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<u64>,
    /// Only records whose window starts at or before this time (RFC 3339, or epoch seconds).
    #[arg(long, value_parser = parse_time)]
    pub until: Option<u64>,
    /// Top talkers shown per cause.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    /// Clients outside the snapshot use this OS's ephemeral ports (linux,
    /// windows, nat-gateway, elb, lambda) for the verdict of a cause.
    #[arg(long, value_parser = parse_client_os)]
    pub client_os: Option<ClientOs>,
    /// Output format: a report, or the JSON contract of docs/flowlogs-json.md.
    #[arg(long, value_enum, default_value_t = FlowlogsOutput::Table)]
    pub output: FlowlogsOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowlogsOutput {
    /// The verdict line, then each cause with its rule, flows, talkers and fix.
    Table,
    /// The JSON document of docs/flowlogs-json.md.
    Json,
}

/// `--since` / `--until`: RFC 3339 (`2026-12-03T10:00:00Z`) or epoch seconds.
fn parse_time(s: &str) -> Result<u64, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    humantime::parse_rfc3339_weak(s)
        .map_err(|e| format!("{e}: give RFC 3339 (2026-12-03T10:00:00Z) or epoch seconds"))
        .and_then(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .map_err(|_| "a time before 1970".to_string())
        })
}

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct HostFactsArgs {
    /// Where to write the facts (`-`: standard output). Written atomically, with mode 0600.
    #[arg(long = "out", short = 'o', value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// The instance id these facts belong to. Default: asked of the instance
    /// metadata service (IMDSv2).
    #[arg(long)]
    pub instance_id: Option<String>,
    /// Do not ask the instance metadata service (then give --instance-id).
    #[arg(long)]
    pub no_imds: bool,
}

/// Printed when `-o` stands for `--output FORMAT`.
const DEPRECATED_O_FORMAT: &str = "netpath: warning: -o is deprecated; use --output FORMAT";
/// Printed when `-o` stands for `--out FILE`.
const DEPRECATED_O_FILE: &str = "netpath: warning: -o is deprecated here; use --out FILE";

/// `-o VALUE` given: warn on stderr and return it, else `current`.
fn fold<T>(current: T, deprecated: Option<T>, warning: &str) -> T {
    match deprecated {
        Some(v) => {
            eprintln!("{warning}");
            v
        }
        None => current,
    }
}

impl Command {
    /// Merges the deprecated `-o` into `--output` (explain, reach, exposure,
    /// diff, check) or `--out` (snapshot, import, synth), with a one-line
    /// warning on stderr when it was used. Clap makes `-o` conflict with the
    /// flag it stands for, so at most one of the two is set.
    pub fn fold_deprecated(&mut self) {
        let w = DEPRECATED_O_FORMAT;
        match self {
            Command::Explain(a) => a.output = fold(a.output, a.deprecated_o.take(), w),
            Command::Diff(a) => a.output = fold(a.output, a.deprecated_o.take(), w),
            Command::Check(a) => a.output = fold(a.output, a.deprecated_o.take(), w),
            Command::Reach(a) => a.output = fold(a.output, a.deprecated_o.take(), w),
            Command::Exposure(a) => a.output = fold(a.output, a.deprecated_o.take(), w),
            Command::Snapshot(a) => a.out.fold(),
            Command::Import(a) => a.out.fold(),
            Command::Merge(a) => a.out.fold(),
            Command::Synth(a) => a.out.fold(),
            Command::HostFacts(_)
            | Command::Flowlogs(_)
            | Command::Plan(_)
            | Command::Completions(_)
            | Command::Man => {}
        }
    }
}

/// `--out FILE` (required), with the deprecated `-o FILE` beside it.
#[derive(clap::Args, Debug)]
pub struct OutFile {
    /// Where to write the snapshot (`-` for standard output).
    #[arg(
        long = "out",
        value_name = "FILE",
        required_unless_present = "deprecated_o"
    )]
    out: Option<PathBuf>,
    /// Deprecated spelling of --out.
    #[arg(short = 'o', value_name = "FILE", hide = true, conflicts_with = "out")]
    deprecated_o: Option<PathBuf>,
}

impl OutFile {
    fn fold(&mut self) {
        let out = self.out.take();
        self.out = fold(out, self.deprecated_o.take().map(Some), DEPRECATED_O_FILE);
    }

    /// The file to write (`-` for standard output), from `--out` or `-o`.
    pub fn path(&self) -> &Path {
        self.out
            .as_deref()
            .or(self.deprecated_o.as_deref())
            .expect("clap requires --out or -o")
    }
}

/// Where the snapshot comes from: a file or folder, else live collection (cached).
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// A netpath snapshot file, or a folder of AWS CLI describe-* JSON output.
    /// Without it, netpath collects live with the default AWS credentials and
    /// caches the snapshot (see --max-age, --refresh).
    #[arg(long, short = 's')]
    pub snapshot: Option<PathBuf>,
    /// Without --snapshot: reuse a cached live snapshot younger than this many seconds.
    #[arg(long, default_value_t = 900)]
    pub max_age: u64,
    /// Without --snapshot: collect again even when a cached snapshot is fresh.
    #[arg(long)]
    pub refresh: bool,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// The flags that say where and how to collect (shared by `snapshot` and
/// the commands that collect when no `--snapshot` is given).
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Live collection")]
pub struct LiveArgs {
    /// Use this named profile from ~/.aws/config and ~/.aws/credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// A region to read; repeat for several. Default: the profile's or AWS_REGION.
    #[arg(long = "region")]
    pub regions: Vec<String>,
    /// Read every region enabled in the account (ec2:DescribeRegions).
    #[arg(long, conflicts_with = "regions")]
    pub all_regions: bool,
    /// Send every API call to this URL (e.g. an emulator), as the AWS CLI's --endpoint-url.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// API calls in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Timeout of one attempt of one API call, in seconds.
    #[arg(long, default_value_t = 30)]
    pub call_timeout: u64,
    /// Attempts per API call (standard retry with backoff on throttling and 5xx).
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// Items per page (EC2 MaxResults, clamped to each operation's range).
    #[arg(long, hide = true)]
    pub page_size: Option<i32>,
}

/// `-4`/`-6`: one address family only, for `reach`, `exposure`, `diff`
/// and `plan`. Neither: IPv4, and IPv6 too where the snapshot has IPv6
/// addresses.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct FamilyArgs {
    /// Only IPv4 flows.
    #[arg(short = '4', long, conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Only IPv6 flows: ends stand at their first IPv6 address, and `internet` is the IPv6 internet (2000::/3).
    #[arg(short = '6', long)]
    pub ipv6: bool,
}

impl FamilyArgs {
    /// The family asked for, if one.
    pub fn version(self) -> Option<netpath_engine::IpVersion> {
        match (self.ipv4, self.ipv6) {
            (true, _) => Some(netpath_engine::IpVersion::Ipv4),
            (_, true) => Some(netpath_engine::IpVersion::Ipv6),
            _ => None,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// Number of ENIs.
    #[arg(long, default_value_t = 10_000)]
    pub enis: usize,
    /// Number of VPCs (1-250).
    #[arg(long, default_value_t = 10)]
    pub vpcs: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A whole AWS Organization of this many accounts (--enis in all,
    /// --vpcs per account), merged, with cross-account peerings and group
    /// references and shared VPCs; one partition per account.
    #[arg(long, value_name = "N")]
    pub accounts: Option<usize>,
    /// Apply this many random rule edits (security-group rules, NACL entries) to the result.
    #[arg(long, default_value_t = 0)]
    pub edits: usize,
    /// Make the world dual-stack: IPv6 CIDRs, addresses on most ENIs, IPv6 twins of most rules, entries and routes, egress-only gateways (before --edits).
    #[arg(long)]
    pub dual_stack: bool,
    /// Join every VPC to one transit gateway hub: an attachment per VPC with a subnet per Availability Zone (a few miss one), one route table every VPC propagates into (a few do not), routes to the other VPCs through it (before --edits).
    #[arg(long)]
    pub tgw: bool,
    /// Also write VPC Flow Logs records (default format, all ACCEPT) of
    /// synthetic TCP connections between the world's ENIs to this file, for
    /// `flowlogs` benchmarks.
    #[arg(long, value_name = "FILE")]
    pub flow_logs: Option<PathBuf>,
    /// How many records --flow-logs writes (four per connection).
    #[arg(long, default_value_t = 10_000_000)]
    pub flow_log_records: usize,
    #[command(flatten)]
    pub out: OutFile,
}

/// `--assume-appliance-allows`, for every command that walks paths.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ApplianceArgs {
    /// Walk on through Gateway Load Balancer endpoints as if the appliances
    /// behind them (firewalls, inspection) pass every packet: the packet
    /// leaves by the route table of the endpoint's subnet. Without it a path
    /// through one is at best unknown. For check, as a policy's own
    /// `assume-appliance-allows = true`; for diff and plan, on both sides.
    #[arg(long)]
    pub assume_appliance_allows: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A netpath snapshot file, or a folder of AWS CLI describe-* JSON output.
    #[arg(long, short = 's')]
    pub snapshot: PathBuf,
    /// Check the snapshot as a Terraform plan (`terraform show -json`) will leave it.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// The policy file (TOML; see docs/policy.md).
    pub policy: PathBuf,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckOutput::Table)]
    pub output: CheckOutput,
    /// Deprecated spelling of --output.
    #[arg(
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        hide = true,
        conflicts_with = "output"
    )]
    pub deprecated_o: Option<CheckOutput>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutput {
    /// One PASS/FAIL line per intent, with the reasons for failures.
    Table,
    /// The JSON document of docs/policy.md.
    Json,
    /// JUnit XML: one test case per intent, for CI systems.
    Junit,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The snapshot before the change (a snapshot file or a folder of describe-* JSON).
    pub before: PathBuf,
    /// The snapshot after the change.
    pub after: PathBuf,
    /// Only flows from this source (instance id, ENI id, Name tag, DB identifier, IPv4 or IPv6 address, or `internet`).
    #[arg(long)]
    pub from: Option<String>,
    /// Only flows to this destination.
    #[arg(long)]
    pub to: Option<String>,
    /// Only this destination port (every destination is compared on it).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub protocol: Proto,
    #[command(flatten)]
    pub family: FamilyArgs,
    /// Which changes make the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Any)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format: a table, or the JSON contract of docs/diff-json.md.
    #[arg(long, value_enum, default_value_t = DiffOutput::Table)]
    pub output: DiffOutput,
    /// Deprecated spelling of --output.
    #[arg(
        short = 'o',
        value_name = "FORMAT",
        value_enum,
        hide = true,
        conflicts_with = "output"
    )]
    pub deprecated_o: Option<DiffOutput>,
}

/// `netpath plan`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  terraform plan -out tfplan && terraform show -json tfplan > plan.json
  netpath plan --snapshot snap.json plan.json
  netpath plan --snapshot snap.json plan.json --output markdown --fail-on broken > comment.md")]
pub struct PlanArgs {
    /// The snapshot the plan is applied to (a snapshot file or a folder of describe-* JSON).
    #[arg(long, short = 's')]
    pub snapshot: PathBuf,
    /// The plan as JSON: `terraform show -json PLANFILE > plan.json` (or `tofu show -json`).
    pub plan: PathBuf,
    /// Only flows from this source (instance id, ENI id, Name tag, DB identifier, IPv4 or IPv6 address, or `internet`).
    #[arg(long)]
    pub from: Option<String>,
    /// Only flows to this destination.
    #[arg(long)]
    pub to: Option<String>,
    /// Only this destination port.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// Protocol for --port.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub protocol: Proto,
    #[command(flatten)]
    pub family: FamilyArgs,
    /// Which changes make the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Any)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub appliances: ApplianceArgs,
    /// Output format: a table, JSON (docs/plan.md), a pull-request comment in Markdown, or JUnit XML.
    #[arg(long, value_enum, default_value_t = PlanOutput::Table)]
    pub output: PlanOutput,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanOutput {
    /// Verdict, edits with their Terraform addresses, changed flows, fixes.
    Table,
    /// The JSON document of docs/plan.md.
    Json,
    /// A pull-request comment.
    Markdown,
    /// JUnit XML: one test case per changed flow.
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FailOnArg {
    /// Broken flows, and changed flows that got worse or became unknown.
    Broken,
    /// Opened flows, and changed flows that got better or became unknown.
    Opened,
    /// Any changed flow.
    Any,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffOutput {
    /// Edit summary, then a table of changed flows.
    Table,
    /// docs/diff-json.md.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    // --out: written atomically, with mode 0600.
    #[command(flatten)]
    pub out: OutFile,
    /// Exit 0 even when some calls failed (the gaps are still recorded and printed).
    #[arg(long)]
    pub allow_partial: bool,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub org: OrgArgs,
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Folder of describe-* JSON (DIR/*.json, DIR/aws_configs/[<region>/]*.json, ...).
    pub dir: PathBuf,
    #[command(flatten)]
    pub out: OutFile,
}
