#!/usr/bin/env python3
"""Draw the real-text coding sample: a seeded, stratified sample of sentences
from ../shared/corpora (US State of the Union, UK manifestos, Wikinews) plus
every sentence of the seed essay, with each unit's stratum, inclusion
probability and train/dev/test split.

The sentence frame comes from framewatch itself (`framewatch sample -n HUGE`
lists every sentence with its byte span and whether the lexicon fired), so a
unit is exactly a framewatch sentence and `validate` scores the same unit.

Strata, within each corpus x era:
  K  the sentence holds a topic word of poverty, welfare, unemployment or
     need from TOPIC_WORDS below (a list taken from the codebook's topic
     definition, not from the lexicon's framing entries; it shares some words
     with the lexicon's *context* category, which is not a framing);
  F  the lexicon fired (a counted behavioural or structural hit, any stance)
     and no topic word;
  R  neither.
Each stratum (named `corpus|era|K`, `...|F`, `...|R` in gold/units.csv) is
drawn by simple random sampling without replacement, so a unit's inclusion
probability is n_h / N_h. The seed essay is a census
(probability 1).

Splits are by document: within each corpus, the documents holding sampled
units are shuffled (seeded) and filled into train until 60% of the corpus's
units, then dev until 80%, then test. The seed essay is in dev.

Outputs (no corpus text is written into the repository):
  gold/units.csv                 one row per unit: ids, span, stratum, weight, split, batch
  $SHEETS/batch_NN.csv           blind coding sheets with the text (outside the repo)

Usage: python3 gold/sample.py --bin target/release/framewatch --shared ../shared \
           --sheets /tmp/coding/sheets
"""
import argparse
import csv
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

SEED = 20261204
BATCHES = 8

TOPIC_WORDS = [
    r"poverty", r"poor", r"poorer", r"poorest", r"impoverish\w*", r"destitut\w*",
    r"needy", r"in need", r"hardships?", r"deprivation", r"deprived",
    r"disadvantaged", r"low[- ]income", r"homeless\w*", r"hunger", r"hungry",
    r"welfare", r"benefits?", r"claimants?", r"dole", r"relief",
    r"unemploy\w*", r"jobless\w*", r"out of work", r"food stamps",
    r"social security", r"paupers?", r"pauperism", r"wages?", r"pensioners?",
    r"the needy", r"breadline", r"slums?", r"underclass",
]
TOPIC_RE = re.compile(r"\b(?:" + "|".join(TOPIC_WORDS) + r")\b", re.IGNORECASE)

CORPORA = {
    # corpus: (target units, eras as (label, first year, last year))
    "us_sotu": (1050, [("1790-1899", 1790, 1899), ("1900-1959", 1900, 1959),
                       ("1960-1999", 1960, 1999), ("2000-", 2000, 2100)]),
    "uk_manifestos": (1050, [("1945-1969", 1945, 1969), ("1970-1989", 1970, 1989),
                             ("1990-", 1990, 2100)]),
    "wikinews_econ_politics": (660, [("2004-2008", 1900, 2008), ("2009-", 2009, 2100)]),
}
SHARES = {"K": 0.55, "F": 0.25, "R": 0.20}
SEED_ESSAY = "seed/000_74abef35e795a6fa.txt"


def frame(bin_, inputs, tmp, name):
    """Every sentence of the inputs as framewatch splits them, with the key."""
    out = os.path.join(tmp, f"{name}.csv")
    subprocess.run([bin_, "sample", *inputs, "-n", "100000000", "--seed", "1",
                    "-o", out], check=True, stderr=subprocess.DEVNULL)
    key = {r["unit_id"]: r for r in csv.DictReader(open(os.path.join(tmp, f"{name}.key.csv")))}
    rows = list(csv.DictReader(open(out)))
    for r in rows:
        k = key[r["unit_id"]]
        r["fired"] = k["fired"] == "true"
        r["lexicon"] = k["lexicon"]
        r["lexicon_sha256"] = k["lexicon_sha256"]
    rows.sort(key=lambda r: (r["doc_id"], int(r["sentence"])))
    return rows


def metadata(shared, corpus):
    meta = {}
    with open(os.path.join(shared, "corpora", corpus, "metadata.csv"), newline="") as f:
        for r in csv.DictReader(f):
            meta[r["doc_id"]] = r
    return meta


def stratum(r):
    if TOPIC_RE.search(r["text"]):
        return "K"
    return "F" if r["fired"] else "R"


def context(rows, i, before=2, after=1, cap=500):
    """Neighbouring sentences of the same document, for voice and pronouns."""
    doc = rows[i]["doc_id"]
    b = [rows[j]["text"] for j in range(max(0, i - before), i) if rows[j]["doc_id"] == doc]
    a = [rows[j]["text"] for j in range(i + 1, min(len(rows), i + 1 + after)) if rows[j]["doc_id"] == doc]
    clip = lambda s: s if len(s) <= cap else "…" + s[-cap:]
    return clip(" ".join(b)), (" ".join(a))[:cap]


def draw(rows, corpus, target, eras, meta, rng):
    """Stratified draw for one corpus; returns (chosen rows with design fields)."""
    cells = defaultdict(list)
    for i, r in enumerate(rows):
        year = int(meta[r["doc_id"]]["date"][:4])
        era = next(lbl for lbl, a, b in eras if a <= year <= b)
        r["_i"] = i
        r["era"] = era
        r["stratum"] = stratum(r)
        cells[(era, r["stratum"])].append(r)
    per_era = target // len(eras)
    chosen = []
    for era, _, _ in eras:
        want = {s: round(per_era * SHARES[s]) for s in SHARES}
        # R and F first; what they cannot supply goes to K.
        spare = 0
        for s in ("R", "F"):
            have = len(cells[(era, s)])
            if have < want[s]:
                spare += want[s] - have
                want[s] = have
        want["K"] = min(len(cells[(era, "K")]), want["K"] + spare)
        for s in ("K", "F", "R"):
            pop = cells[(era, s)]
            pop_sorted = sorted(pop, key=lambda r: (r["doc_id"], int(r["sentence"])))
            pick = rng.sample(pop_sorted, want[s]) if want[s] else []
            for r in pick:
                r["stratum"] = f"{corpus}|{era}|{s}"
                r["population"] = len(pop)
                r["drawn"] = want[s]
                r["inclusion_prob"] = want[s] / len(pop)
                chosen.append(r)
    return chosen


def split_docs(units, rng):
    docs = defaultdict(int)
    for u in units:
        docs[u["doc_id"]] += 1
    order = sorted(docs)
    rng.shuffle(order)
    total = sum(docs.values())
    acc, split = 0, {}
    for d in order:
        split[d] = "train" if acc < 0.6 * total else "dev" if acc < 0.8 * total else "test"
        acc += docs[d]
    return split


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/framewatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets", required=True, help="folder for the blind coding sheets (outside the repository)")
    ap.add_argument("--units", default=os.path.join(os.path.dirname(__file__), "units.csv"))
    args = ap.parse_args()
    rng = random.Random(SEED)
    units = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, (target, eras) in CORPORA.items():
            rows = frame(args.bin, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            meta = metadata(args.shared, corpus)
            chosen = draw(rows, corpus, target, eras, meta, rng)
            split = split_docs(chosen, rng)
            for r in chosen:
                before, after = context(rows, r["_i"])
                m = meta[r["doc_id"]]
                units.append(dict(r, corpus=corpus, date=m["date"], source=m.get("source", ""),
                                  title=m.get("title", ""), split=split[r["doc_id"]],
                                  before=before, after=after))
            print(f"{corpus}: {len(rows)} sentences in the frame, {len(chosen)} drawn", file=sys.stderr)
        rows = frame(args.bin, [os.path.join(args.shared, SEED_ESSAY)], tmp, "seed")
        for i, r in enumerate(rows):
            before, after = context(rows, i)
            units.append(dict(r, corpus="seed_essay", era="", stratum="seed_essay|census", population=len(rows),
                              drawn=len(rows), inclusion_prob=1.0, date="", source="seed essay",
                              title="", split="dev", before=before, after=after))
        print(f"seed essay: {len(rows)} sentences, all drawn", file=sys.stderr)
    order = list(range(len(units)))
    rng.shuffle(order)
    for k, i in enumerate(order):
        units[i]["batch"] = k % BATCHES + 1
    units.sort(key=lambda u: (u["corpus"], u["doc_id"], int(u["sentence"])))
    fields = ["unit_id", "corpus", "doc_id", "sentence", "byte_start", "byte_end", "era",
              "stratum", "population", "drawn", "inclusion_prob", "split", "batch", "text_sha256"]
    with open(args.units, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(fields)
        for u in units:
            u["text_sha256"] = hashlib.sha256(u["text"].encode()).hexdigest()[:16]
            u["inclusion_prob"] = f"{float(u['inclusion_prob']):.6g}"
            w.writerow([u[k] for k in fields])
    os.makedirs(args.sheets, exist_ok=True)
    sheet_fields = ["unit_id", "source", "date", "title", "context_before", "sentence", "context_after"]
    for b in range(1, BATCHES + 1):
        mine = [units[i] for i in order if units[i]["batch"] == b]
        with open(os.path.join(args.sheets, f"batch_{b:02d}.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(sheet_fields)
            for u in mine:
                w.writerow([u["unit_id"], u["source"], u["date"], u["title"],
                            u["before"], u["text"], u["after"]])
    lex = {u.get("lexicon", "") for u in units} - {""}
    print(f"{len(units)} units -> {args.units}; {BATCHES} sheets -> {args.sheets}; frame lexicon {', '.join(sorted(lex))}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
