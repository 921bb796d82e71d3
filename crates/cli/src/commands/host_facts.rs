//! `netpath host-facts`: run on an instance, it writes the host's
//! listening sockets, firewall and addresses as JSON (docs/host-facts.md)
//! for `explain --host-facts`. Read-only; needs no AWS credentials.

use crate::args::HostFactsArgs;

/// Exit status: 0 when everything was read, 1 when some part could not be
/// (the facts are still written, and say what is missing).
pub fn run(args: HostFactsArgs) -> anyhow::Result<u8> {
    let facts = netpath_host::collect(&netpath_host::CollectOptions {
        instance_id: args.instance_id,
        imds: !args.no_imds,
    });
    for w in &facts.warnings {
        eprintln!("netpath: warning: {w}");
    }
    let json = serde_json::to_string_pretty(&facts)? + "\n";
    if args.out.as_os_str() == "-" {
        super::print_stdout(&json)?;
    } else {
        crate::private_file::write_private(&args.out, &json)?;
        eprintln!(
            "netpath: wrote {} ({} listening sockets, firewall: {})",
            args.out.display(),
            facts.listeners.sockets.len(),
            serde_json::to_value(facts.firewall.source)?
                .as_str()
                .unwrap_or("?")
        );
    }
    let whole = facts.listeners.complete
        && facts.firewall.source != netpath_model::host::FirewallSource::Unreadable
        && facts.instance_id.is_some();
    Ok(if whole { 0 } else { 1 })
}
