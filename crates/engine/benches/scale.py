#!/usr/bin/env python3
"""Scale benchmark: every figure of the scale targets, as one table.

Builds netpath and the `scale` example in release mode, writes synthetic
snapshots of 10,000 and 100,000 ENIs with `netpath synth` (plus a copy with
10 rule edits for diff), then measures:

  1. load     parse + index, as a ratio to a bare serde_json::from_slice into
              serde_json::Value of the same file            target <= 1.5
  2. explain  `netpath explain` process start to exit, as a ratio to a process
              that only loads and indexes                   target <= 1.1
  3. reach    `reach --to <db>` after load, 100k ENIs       target < 1 s
  4. exposure after load, 100k ENIs                         target < 2 s
  5. diff     two 100k snapshots 10 rule edits apart, after load  target < 5 s
  6. memory   peak RSS of `netpath reach --to <db>` / ENIs  target < 2 KB

In-process times are the median of --runs runs of the `scale` example;
process times are the median of --runs runs of the real binary; peak memory
is the child's ru_maxrss. The last column shows how each figure grows from
10k to 100k ENIs (10x is linear).

With --tgw, every VPC of the synthetic estates is a spoke of one transit
gateway hub (`netpath synth --tgw`), so flows between VPCs walk its route
table both ways.

With --accounts N, the estates are synthetic AWS Organizations of N accounts
(`netpath synth --accounts N`: 8 VPCs per account, merged, with
cross-account peerings and group references and shared VPCs), as a merged
`netpath snapshot --org` gives; the targets of issue 18 are for 1,000,000
ENIs across 50 accounts: load < 5 s, reach < 3 s, exposure < 5 s, peak
memory < 1.5 KB per ENI, and every figure growing at most 12x from 100k to
1M. --no-diff skips figure 5 (and writing its edited copy), for sizes where
only those figures matter.

Usage: python3 crates/engine/benches/scale.py [--runs N] [--sizes 10000,100000] [--tgw] [--accounts N] [--no-diff]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
OUT = os.path.join(ROOT, "target", "bench-scale")
NETPATH = os.path.join(ROOT, "target", "release", "netpath")
SCALE = os.path.join(ROOT, "target", "release", "examples", "scale")


def sh(*args, **kw):
    subprocess.run(args, check=True, cwd=ROOT, **kw)


TGW = False
ACCOUNTS = None
NO_DIFF = False


def build():
    # Without the `live` feature: the AWS SDK plays no part in these figures.
    sh("cargo", "build", "--release", "-q", "-p", "netpath-cli", "--no-default-features", "--bin", "netpath")
    sh("cargo", "build", "--release", "-q", "-p", "netpath-engine", "--example", "scale")


def synth(enis, edits=0):
    hub = "-tgw" if TGW else ""
    org = f"-org{ACCOUNTS}" if ACCOUNTS else ""
    path = os.path.join(OUT, f"synth-{enis}-e{edits}{hub}{org}.json")
    if not os.path.exists(path):
        sh(NETPATH, "synth", "--enis", str(enis), "--vpcs", "8", "--seed", "1",
           "--edits", str(edits), "--out", path, *(["--tgw"] if TGW else []),
           *(["--accounts", str(ACCOUNTS)] if ACCOUNTS else []),
           stderr=subprocess.DEVNULL)
    return path


def run_child(args):
    """Runs args with stdout discarded; returns (wall seconds, peak RSS bytes)."""
    t = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        sys.exit(f"{args} exited with {code}")
    return wall, ru.ru_maxrss * 1024


def median_wall(args, runs):
    return statistics.median(run_child(args)[0] for _ in range(runs))


def measure(enis, runs):
    before = synth(enis)
    after = None if NO_DIFF else synth(enis, 10)
    samples = [json.loads(subprocess.run([SCALE, before] + ([after] if after else []), check=True,
                                         capture_output=True, text=True).stdout)
               for _ in range(runs)]
    keys = ("value_parse", "load", "index", "reach_to", "exposure") + (() if NO_DIFF else ("diff",))
    m = {k: statistics.median(s[k] for s in samples) for k in keys}
    if NO_DIFF:
        m["diff"] = float("nan")
    db, inst = samples[0]["db"], samples[0]["instance"]
    m["load_ratio"] = (m["load"] + m["index"]) / m["value_parse"]
    m["explain_proc"] = median_wall([NETPATH, "explain", "-s", before, "--from", inst,
                                     "--to", db, "--output", "json"], runs)
    m["load_proc"] = median_wall([SCALE, "--load-only", before], runs)
    m["explain_ratio"] = m["explain_proc"] / m["load_proc"]
    _, rss = run_child([NETPATH, "reach", "-s", before, "--to", db, "--output", "json"])
    _, rss_explain = run_child([NETPATH, "explain", "-s", before, "--from", inst, "--to", db])
    m["bytes_per_eni"] = rss / enis
    m["explain_bytes_per_eni"] = rss_explain / enis
    m["classes"] = samples[0]["reach_to_classes"]
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--accounts", type=int, default=None,
                    help="synthetic organizations of this many accounts (`synth --accounts`)")
    ap.add_argument("--no-diff", action="store_true", help="skip figure 5")
    ap.add_argument("--tgw", action="store_true",
                    help="synthetic estates whose VPCs are joined by one transit gateway hub (`synth --tgw`)")
    a = ap.parse_args()
    global TGW, ACCOUNTS, NO_DIFF
    TGW = a.tgw
    ACCOUNTS = a.accounts
    NO_DIFF = a.no_diff
    os.makedirs(OUT, exist_ok=True)
    build()
    sizes = [int(s) for s in a.sizes.split(",")]
    res = {n: measure(n, a.runs) for n in sizes}
    big = sizes[-1]
    rows = [
        ("1. load (parse+index) / Value parse", "load_ratio", "{:.2f}x", 1.5, "ratio"),
        ("   load + index, seconds", None, None, None, None),
        ("2. explain process / load-only process", "explain_ratio", "{:.2f}x", 1.1, "ratio"),
        ("3. reach --to <db> after load", "reach_to", "{:.3f} s", 1.0, "time"),
        ("4. exposure after load", "exposure", "{:.3f} s", 2.0, "time"),
        ("5. diff, 10 rule edits, after load", "diff", "{:.3f} s", 5.0, "time"),
        ("6. peak memory of reach, per ENI", "bytes_per_eni", "{:.0f} B", 2048, "bytes"),
        ("   peak memory of explain, per ENI", "explain_bytes_per_eni", "{:.0f} B", None, None),
    ]
    head = f"{'figure':<42}" + "".join(f"{f'{n:,} ENIs':>14}" for n in sizes) + f"{'target':>12}{'':>6}{'10k->100k':>11}"
    print(head)
    print("-" * len(head))
    for label, key, fmt, target, kind in rows:
        if key is None:
            vals = [res[n]["load"] + res[n]["index"] for n in sizes]
            fmt, kind = "{:.3f} s", "time"
        else:
            vals = [res[n][key] for n in sizes]
        cells = "".join(f"{fmt.format(v):>14}" for v in vals)
        if target is None:
            tgt, ok = "", ""
        else:
            unit = {"ratio": "x", "time": " s", "bytes": " B"}[kind]
            cmp = "<=" if kind == "ratio" else "<"
            tgt = f"{cmp} {target:g}{unit}"
            ok = "ok" if (vals[-1] <= target if kind == "ratio" else vals[-1] < target) else "MISS"
        growth = f"{vals[-1] / vals[0]:.1f}x" if len(vals) > 1 and vals[0] and kind == "time" else ""
        print(f"{label:<42}{cells}{tgt:>12}{ok:>6}{growth:>11}")
    print(f"\nequivalence classes for reach at {big:,} ENIs: {res[big]['classes']:,}; "
          f"explain process {res[big]['explain_proc']:.3f} s vs load-only {res[big]['load_proc']:.3f} s")
    print(f"machine: {os.cpu_count()} cores; runs per figure: {a.runs}")


if __name__ == "__main__":
    main()
