#!/usr/bin/env python3
"""Add each unit's sentence text back to a gold file from ../shared.

The repository holds spans and labels only (the corpora are not ours to
copy). This reads gold/coded.csv (or gold/units.csv, or any file with
`unit_id, doc_id, byte_start, byte_end`), finds each document in
../shared/corpora/*/metadata.csv (or the seed essay), cuts the span, checks
it against the fingerprint recorded in gold/units.csv, and writes the rows
with a `text` column.

Usage: python3 gold/resolve.py gold/coded.csv -o /tmp/coded-with-text.csv [--shared ../shared]
"""
import argparse
import csv
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_ESSAY = ("000_74abef35e795a6fa", "seed/000_74abef35e795a6fa.txt")


def documents(shared):
    paths = {SEED_ESSAY[0]: os.path.join(shared, SEED_ESSAY[1])}
    corpora = os.path.join(shared, "corpora")
    for c in sorted(os.listdir(corpora)):
        meta = os.path.join(corpora, c, "metadata.csv")
        if os.path.exists(meta):
            with open(meta, newline="") as f:
                for r in csv.DictReader(f):
                    paths[r["doc_id"]] = os.path.join(corpora, c, r["path"])
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    args = ap.parse_args()
    if not os.path.isdir(os.path.join(args.shared, "corpora")):
        sys.exit(f"{args.shared}/corpora not found: give --shared PATH (the shared folder beside the project)")
    paths = documents(args.shared)
    with open(os.path.join(HERE, "units.csv"), newline="") as f:
        prints = {r["unit_id"]: r["text_sha256"] for r in csv.DictReader(f)}
    cache = {}
    rows = list(csv.DictReader(open(args.gold, newline="")))
    bad = 0
    for r in rows:
        d = r["doc_id"]
        if d not in cache:
            with open(paths[d], "rb") as f:
                raw = f.read()
            cache[d] = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        text = cache[d][int(r["byte_start"]):int(r["byte_end"])].decode("utf-8")
        r["text"] = " ".join(text.split())
        want = prints.get(r["unit_id"])
        if want and hashlib.sha256(r["text"].encode()).hexdigest()[:16] != want:
            bad += 1
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows -> {args.out}" + (f"; {bad} spans differ from the recorded text: the corpus has changed" if bad else ""),
          file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
