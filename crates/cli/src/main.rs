//! `netpath`: explain why an AWS client can or cannot reach its destination.
//!
//! Exit status: 0 reachable; 1 blocked or partial; 2 bad usage or bad input;
//! 3 unknown.
//!
//! `args` is the command line, `commands` one module per subcommand,
//! `render` what they print, `live` live collection (the `live` feature).

/// mimalloc instead of the system allocator: the walk allocates many small
/// strings, and glibc's malloc slows down as the heap of a large snapshot
/// grows (measured: a walk at a million ENIs cost 2.4x one at 100,000).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod args;
mod commands;
mod live;
mod live_org;
mod private_file;
mod render;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

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
    let mut cli = Cli::parse();
    cli.command.fold_deprecated();
    render::term::init(cli.color);
    if let Err(e) = commands::declare_onprem(&cli.onprem) {
        eprintln!("netpath: error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Explain(args) => commands::explain::run(args),
        Command::Snapshot(args) => commands::snapshot::run(args),
        Command::Import(args) => commands::import::run(args),
        Command::Merge(args) => commands::merge::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Reach(args) => commands::reach::run(args),
        Command::Exposure(args) => commands::reach::run_exposure(args),
        Command::Flowlogs(args) => commands::flowlogs::run(args),
        Command::Synth(args) => commands::synth::run(args),
        Command::HostFacts(args) => commands::host_facts::run(args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man => commands::completions::man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): nothing more to say, as for any
        // Unix filter.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("netpath: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
