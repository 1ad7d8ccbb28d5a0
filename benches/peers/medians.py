#!/usr/bin/env python3
"""Medians over the repetitions written by run.sh: one markdown table with
tool, MB/s, CPU s, peak RSS and total hits, then framewatch's ratios to the
targets of issue 7. usage: medians.py OUTDIR"""
import csv, glob, os, statistics, sys

out = sys.argv[1]
NAMES = {
    "wc": "wc -w",
    "rg": "ripgrep (2 passes, all cores)",
    "py_regex": "Python regex",
    "py_regex_stem": "Python regex + Snowball",
    "spacy": "spaCy PhraseMatcher",
    "spacy_stem": "spaCy PhraseMatcher + Snowball",
    "rust": "framewatch tag --stem (2 threads)",
    "rust-1t": "framewatch tag --stem -j 1",
}
runs = {}  # peer -> list of rows
reps = sorted(glob.glob(os.path.join(out, "rep*")))
for d in reps:
    if not os.path.isdir(d):
        continue
    suffix = "-1t" if d.endswith("-1t") else ""
    with open(os.path.join(d, "summary.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] != "ok":
                continue
            runs.setdefault(row["peer"] + suffix, []).append(row)

def med(rows, key):
    vals = [float(r[key]) for r in rows if r[key] not in ("", None)]
    return statistics.median(vals) if vals else None

first = next(d for d in reps if os.path.isdir(d))
print(open(os.path.join(first, "versions.txt")).read().strip())
print()
print("| tool | runs | MB/s (median) | wall s | CPU s | peak RSS MB | behavioural | structural |")
print("|---|---|---|---|---|---|---|---|")
mbs = {}
for peer in NAMES:
    rows = runs.get(peer)
    if not rows:
        continue
    hits = {(r["behavioural"], r["structural"]) for r in rows}
    b, s = rows[0]["behavioural"], rows[0]["structural"]
    if len(hits) > 1:
        b, s = b + " (varies!)", s
    mbs[peer] = med(rows, "MB_per_s")
    print(f"| {NAMES[peer]} | {len(rows)} | {mbs[peer]:.2f} | {med(rows, 'wall_s'):.2f} | "
          f"{med(rows, 'cpu_s'):.2f} | {med(rows, 'peak_RSS_MB'):.0f} | {b} | {s} |")
print()
fw = mbs.get("rust")
def ratio(name, other, target):
    if fw and mbs.get(other):
        r = fw / mbs[other]
        print(f"- framewatch / {NAMES[other]}: {r:.1f}x (target {target}) -> {'met' if r >= float(target.rstrip('x')) else 'NOT met'}")
ratio("spacy", "spacy_stem", "50x")
ratio("spacy", "spacy", "50x")
ratio("rg", "rg", "1.0x")
if fw and mbs.get("rust-1t"):
    r = fw / mbs["rust-1t"]
    print(f"- framewatch 2 threads / 1 thread: {r:.2f}x (target 1.8x) -> {'met' if r >= 1.8 else 'NOT met'}")
