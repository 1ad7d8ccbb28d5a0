#!/usr/bin/env python3
"""Ingest throughput per format: documents/s and MB/s of reading (discovery
included; no tagging), on one thread, median of several runs.

Usage: python3 benches/ingest.py [--runs 5] [--bin PATH] [INPUT ...]

Default inputs: tests/fixtures/mixed and, if present, ../shared/realdocs.
It runs the hidden `framewatch ingest-bench --json` once per run and input
and prints, per input and format, files, documents read, skipped, MB (file
sizes) and the median seconds, documents/s and MB/s. Machines are noisy;
small inputs (the fixtures) mostly measure per-file overhead.
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=None, help="framewatch binary (default: build with cargo --release)")
    ap.add_argument("inputs", nargs="*")
    args = ap.parse_args()
    binary = args.bin
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "framewatch")
    inputs = args.inputs or [os.path.join(ROOT, "tests/fixtures/mixed")]
    realdocs = os.path.join(ROOT, "..", "shared", "realdocs")
    if not args.inputs and os.path.isdir(realdocs):
        inputs += [os.path.join(realdocs, d) for d in ("pdf", "docx", "html", "feeds")]
    print(f"{'input':<22} {'format':<8} {'files':>5} {'docs':>6} {'skip':>5} {'MB':>8} {'s (median)':>10} {'docs/s':>9} {'MB/s':>8}")
    for inp in inputs:
        runs = {}
        for _ in range(args.runs):
            p = subprocess.run([binary, "ingest-bench", "--json", inp], capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"bench: {inp}: {p.stderr}")
            for line in p.stdout.splitlines():
                r = json.loads(line)
                runs.setdefault(r["format"], []).append(r)
        name = os.path.relpath(inp, ROOT)
        if name.startswith("../shared/"):
            name = name[len("../shared/"):]
        for fmt, rs in sorted(runs.items()):
            secs = statistics.median(r["seconds"] for r in rs)
            r = rs[0]
            mb = r["bytes"] / 1e6
            print(f"{name:<22} {fmt:<8} {r['files']:>5} {r['documents']:>6} {r['skipped']:>5} {mb:>8.3f} {secs:>10.4f} "
                  f"{r['documents'] / secs:>9.1f} {mb / secs:>8.2f}")


if __name__ == "__main__":
    main()
