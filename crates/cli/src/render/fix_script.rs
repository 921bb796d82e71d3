//! `netpath explain --output fix-script`: the verified fixes as a bash
//! script to review and run.
//!
//! `set -euo pipefail` stops at the first failing step. With `DRY_RUN=1`,
//! EC2 commands get `--dry-run`, which checks permissions and parameters
//! without making the change
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html>);
//! commands of services without it (RDS) are printed instead of run.

use std::fmt::Write;

use netpath_engine::Explanation;

/// The script: a header naming the question and verdict, then one step per
/// verified fix (its sentence as a comment, then the command), and each
/// unverified fix as a comment only. Ends with a newline.
pub fn fix_script(exp: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "#!/usr/bin/env bash");
    let _ = writeln!(
        out,
        "# netpath: {} -> {} {} {}: {}",
        exp.source.reference,
        exp.destination.reference,
        exp.protocol,
        exp.port,
        exp.verdict.as_str()
    );
    if let Some(a) = exp.after_fixes.as_ref().filter(|a| !a.also_opens_measured) {
        let _ = writeln!(
            out,
            "# After these steps netpath expects: {} (what else they open was not measured).",
            a.verdict.as_str()
        );
    } else if let Some(a) = &exp.after_fixes {
        let _ = writeln!(
            out,
            "# After these steps netpath expects: {} ({} other flow{} opened).",
            a.verdict.as_str(),
            a.also_opens,
            if a.also_opens == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(
        out,
        "# Each step was applied to a copy of the snapshot and verified. DRY_RUN=1 checks\n# the EC2 calls with --dry-run and only prints the others.\nset -euo pipefail\n"
    );
    // EC2 answers a successful dry run with the error DryRunOperation (and
    // a failing one with e.g. UnauthorizedOperation), so the step passes
    // only on that error.
    out.push_str(
        r#"run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then
    if [ "$2" = ec2 ]; then
      local answer
      answer=$("$@" --dry-run 2>&1) || true
      if grep -q DryRunOperation <<<"$answer"; then
        echo "dry run passed: $*"
      else
        echo "dry run failed: $*" >&2
        echo "$answer" >&2
        return 1
      fi
    else
      echo "would run: $*"
    fi
  else
    "$@"
  fi
}

# new_id VAR aws ...: run a create call and keep the new resource's id in VAR.
new_id() {
  local var=$1
  shift
  if [ "${DRY_RUN:-0}" = 1 ]; then
    run "$@"
    printf -v "$var" '%s' "(new id)"
  else
    printf -v "$var" '%s' "$("$@")"
  fi
}

# later aws ...: a step that names an id created above; a dry run can only
# print it, since the id does not exist yet.
later() {
  if [ "${DRY_RUN:-0}" = 1 ]; then
    echo "would run: $*"
  else
    "$@"
  fi
}

"#,
    );
    for w in exp.warnings.iter().filter(|w| w.contains("--region")) {
        let _ = writeln!(
            out,
            "# note: {}
",
            one_line(w)
        );
    }
    let mut steps = 0;
    for f in &exp.fixes {
        match (&f.command, f.verified) {
            (Some(cmd), true) => {
                steps += 1;
                let _ = writeln!(out, "# {steps}. {}", one_line(&f.summary));
                for part in cmd.split(" && ") {
                    let _ = match part.split_once("=$(") {
                        Some((var, call)) if call.ends_with(')') => {
                            writeln!(out, "new_id {var} {}", &call[..call.len() - 1])
                        }
                        _ if part.contains("\"$") => writeln!(out, "later {part}"),
                        _ => writeln!(out, "run {part}"),
                    };
                }
                out.push('\n');
            }
            _ => {
                let _ = writeln!(
                    out,
                    "# not scripted (advice netpath could not verify): {}\n",
                    one_line(&f.summary)
                );
            }
        }
    }
    if steps == 0 {
        let _ = writeln!(out, "echo 'netpath: no verified fix to apply' >&2");
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
