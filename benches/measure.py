#!/usr/bin/env python3
"""Throughput of `run --measure both` (lexicon and trained model) against
`run --measure lexicon`, side by side on the shared corpora.

Usage: python3 benches/measure.py [--runs 5] [--bin PATH] [--shared ../shared] [--threads 2]
       [--sentence-text all|labelled|none]

The two commands run alternately (lexicon, both, lexicon, both, ...) so that
machine noise falls on both alike; the table shows medians of wall seconds
and CPU seconds (user + system), MB/s of text, peak RSS, and the ratio
both / lexicon of throughput. The issue's bar is a ratio of at least 0.5.
"""
import argparse, csv, os, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd):
    """Wall seconds, CPU seconds of the child, and its peak RSS (KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"bench: command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(p.stderr.strip().splitlines()[-1])


def corpus_bytes(corpus):
    with open(os.path.join(corpus, "metadata.csv"), newline="") as f:
        return sum(os.path.getsize(os.path.join(corpus, r["path"])) for r in csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=None, help="framewatch binary (default: build with cargo --release)")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sentence-text", default=None, help="passed to `run --measure both` (default: the binary's default)")
    args = ap.parse_args()
    corpora = os.path.join(args.shared, "corpora")
    if not os.path.isdir(corpora):
        sys.exit(f"bench: {corpora} not found; the benchmark needs ../shared/corpora")
    binary = args.bin
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "framewatch")
    dirs = sorted(os.path.join(corpora, d) for d in os.listdir(corpora) if os.path.isfile(os.path.join(corpora, d, "metadata.csv")))
    mb = sum(corpus_bytes(d) for d in dirs) / 1e6
    tmp = tempfile.mkdtemp(prefix="framewatch-measure-")
    results = {"lexicon": [], "both": []}
    for _ in range(args.runs):
        for measure in results:
            out = os.path.join(tmp, measure)
            cmd = [binary, "run", *dirs, "--measure", measure, "--out", out, "--force", "--quiet", "--threads", str(args.threads)]
            if measure == "both" and args.sentence_text:
                cmd += ["--sentence-text", args.sentence_text]
            results[measure].append(timed(cmd))
    med = {m: [statistics.median(r[i] for r in rs) for i in range(3)] for m, rs in results.items()}
    print(f"run --measure lexicon vs both on {', '.join(os.path.basename(d) for d in dirs)} ({mb:.1f} MB), {args.threads} threads, median of {args.runs} alternating runs\n")
    print(f"{'measure':<10}{'wall s':>9}{'CPU s':>9}{'MB/s':>9}{'peak RSS MB':>13}")
    for m, (wall, cpu, rss) in med.items():
        print(f"{m:<10}{wall:>9.2f}{cpu:>9.2f}{mb / wall:>9.1f}{rss / 1024:>13.0f}")
    ratio = med["lexicon"][0] / med["both"][0]
    cpu_ratio = med["lexicon"][1] / med["both"][1]
    print(f"\nthroughput both / lexicon: {ratio:.2f} (wall), {cpu_ratio:.2f} (CPU); the bar is 0.50")


if __name__ == "__main__":
    main()
