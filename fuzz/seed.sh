#!/usr/bin/env bash
# Rebuilds the checked-in seed corpus from the fixtures:
#   import_aws_json: every describe-* file of every fixture;
#   snapshot_file:   every fixture imported into a netpath snapshot file;
#   policy:          the policy fixtures;
#   host_facts:      real and hand-written iptables-save, nft JSON and /proc/net
#                    captures, and the fixtures' host-facts files;
#   flow_logs:       the flow log scenarios' records (plain and CloudWatch JSON lines);
#   terraform_plan:  the public plans, and each terraform scenario's plan cut to
#                    its changes (no-ops and prior state dropped, to keep seeds small).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf fuzz/corpus && mkdir -p fuzz/corpus/{import_aws_json,snapshot_file,policy,host_facts,flow_logs,terraform_plan}
for d in fixtures/*/aws fixtures/diff/*/*/aws; do
  name=$(echo "$d" | tr '/' '_')
  for f in "$d"/*.json; do cp "$f" "fuzz/corpus/import_aws_json/${name}_$(basename "$f")"; done
done
for d in fixtures/*/aws; do
  n=$(basename "$(dirname "$d")")
  cargo run -q -p netpath-cli -- import "$d" --out "fuzz/corpus/snapshot_file/$n.json" 2>/dev/null
done
cp fixtures/policies/*.toml fuzz/corpus/policy/
for f in fixtures/host-facts/*/* fixtures/*/host-facts/*.json; do
  [ "$(basename "$f")" = README.md ] && continue
  cp "$f" "fuzz/corpus/host_facts/$(echo "$f" | tr '/' '_')"
done
for f in fixtures/flowlogs/*/*.log fixtures/flowlogs/*/*.jsonl; do
  cp "$f" "fuzz/corpus/flow_logs/$(echo "$f" | tr '/' '_')"
done
for f in fixtures/plans/public/*/plan.json; do
  cp "$f" "fuzz/corpus/terraform_plan/$(echo "$f" | tr '/' '_')"
done
for f in fixtures/plans/terraform/*/plan.json; do
  python3 - "$f" "fuzz/corpus/terraform_plan/$(echo "$f" | tr '/' '_')" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["resource_changes"] = [r for r in p["resource_changes"] if r["change"]["actions"] != ["no-op"]]
for k in ("prior_state", "planned_values", "resource_drift", "relevant_attributes", "variables"):
    p.pop(k, None)
json.dump(p, open(sys.argv[2], "w"), separators=(",", ":"))
PY
done
