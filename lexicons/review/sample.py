#!/usr/bin/env python3
"""Concordance review of the default lexicon: seeded per-entry samples.

Regenerates, byte for byte, the concordance lines the lexicon's authors
judged for lexicons/review/poverty-framing-1.0.csv, so that anyone can
re-judge them.

    python3 lexicons/review/sample.py --bin PATH/TO/framewatch \
        [--lexicon lexicons/poverty-framing.toml] [--shared ../shared] \
        [--per-entry 20] [--per-context-entry 10] [--seed 20261128]
        [--out target/lexicon-review]

Writes to --out (not committed: the lines quote third-party text):

  hits.csv     every hit of every entry on the three shared corpora,
               including hits a context rule rejected (status no-context);
  counts.csv   per entry: counted hits per corpus and no-context hits;
  sample.csv   per entry, up to --per-entry (framing entries) or
               --per-context-entry (context entries) *counted* hits drawn uniformly
               without replacement from all three corpora pooled, with
               random.Random(f"{seed}:{subframe}:{entry}") over the hits
               sorted by (corpus, doc_id, byte_start). Columns: entry,
               subframe, corpus, doc_id, byte_start, byte_end, stance,
               left, match, right, and an empty `correct` column to fill.

The judgements themselves are kept in lexicons/review/judgements-1.0.csv
keyed by (subframe, entry, doc_id, byte_start), without the text; join
them to sample.csv to read each judged line again. The summary table
lexicons/review/poverty-framing-1.0.csv is rebuilt from the judgements by
summarise.py (its docstring has the commands for both review samples).
"""
import argparse
import collections
import csv
import os
import random
import subprocess
import sys

CORPORA = ["us_sotu", "uk_manifestos", "wikinews_econ_politics"]
SHORT = {"us_sotu": "sotu", "uk_manifestos": "ukman", "wikinews_econ_politics": "wikinews"}


def corpus_of(path):
    for c in CORPORA:
        if f"/corpora/{c}/" in path:
            return c
    raise ValueError(path)


def collect(args):
    os.makedirs(args.out, exist_ok=True)
    hits = os.path.join(args.out, "hits.csv")
    inputs = [os.path.join(args.shared, "corpora", c) for c in CORPORA]
    cmd = [args.bin, "kwic", *inputs, "--lexicon", args.lexicon, "--rejected",
           "-c", "behavioural", "-c", "structural", "-c", "context",
           "--format", "csv", "-w", str(args.window), "-o", hits]
    subprocess.run(cmd, check=True)
    rows = list(csv.DictReader(open(hits, newline="", encoding="utf-8")))
    for r in rows:
        r["corpus"] = corpus_of(r["path"])
    return rows


def sample(args, rows):
    counts = collections.defaultdict(collections.Counter)
    pools = collections.defaultdict(list)
    for r in rows:
        key = (r["category"], r["subframe"], r["entry"])
        if r["status"] == "counted":
            counts[key][SHORT[r["corpus"]]] += 1
            pools[key].append(r)
        else:
            counts[key]["no_context"] += 1
    with open(os.path.join(args.out, "counts.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["category", "subframe", "entry", "sotu", "ukman", "wikinews", "no_context"])
        for key in sorted(counts):
            c = counts[key]
            w.writerow([*key, c["sotu"], c["ukman"], c["wikinews"], c["no_context"]])
    with open(os.path.join(args.out, "sample.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["category", "subframe", "entry", "corpus", "doc_id", "byte_start", "byte_end",
                    "stance", "left", "match", "right", "correct"])
        n = 0
        for key in sorted(pools):
            pool = sorted(pools[key], key=lambda r: (r["corpus"], r["doc_id"], int(r["byte_start"])))
            rng = random.Random(f"{args.seed}:{key[1]}:{key[2]}")
            k = args.per_context_entry if key[0] == "context" else args.per_entry
            picked = pool if len(pool) <= k else rng.sample(pool, k)
            picked.sort(key=lambda r: (r["corpus"], r["doc_id"], int(r["byte_start"])))
            for r in picked:
                w.writerow([*key, SHORT[r["corpus"]], r["doc_id"], r["byte_start"], r["byte_end"],
                            r["stance"], r["left"], r["match"], r["right"], ""])
                n += 1
    print(f"sample.py: {len(rows)} hits, {len(pools)} entries with counted hits, {n} sampled lines -> {args.out}",
          file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True)
    p.add_argument("--lexicon", default="lexicons/poverty-framing.toml")
    p.add_argument("--shared", default="../shared")
    p.add_argument("--per-entry", type=int, default=20)
    p.add_argument("--per-context-entry", type=int, default=10)
    p.add_argument("--seed", default="20261128")
    p.add_argument("--window", type=int, default=12)
    p.add_argument("--out", default="target/lexicon-review")
    args = p.parse_args()
    sample(args, collect(args))


if __name__ == "__main__":
    main()
