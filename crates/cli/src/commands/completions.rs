//! `netpath completions SHELL` (clap_complete) and `netpath man`
//! (clap_mangen): generated from the same clap definition as the parser,
//! so they never drift from it.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};

/// Prints the completion script for `args.shell`. Exit status 0.
pub fn run(args: CompletionsArgs) -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "netpath", &mut out);
    super::print_stdout(&String::from_utf8_lossy(&out))?;
    Ok(0)
}

/// Prints the man page, in roff. Exit status 0.
pub fn man() -> anyhow::Result<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    super::print_stdout(&String::from_utf8_lossy(&out))?;
    Ok(0)
}
