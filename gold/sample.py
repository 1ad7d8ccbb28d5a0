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

A second, independent draw (added after the first was coded, because
behavioural framing proved rare: 53 endorsed or distanced behavioural units
in 3,015) samples sentences holding a word of the codebook's behavioural
topics (BEHAVIOUR_STRONG: dependency, fraud, handouts, work requirements,
sanctions, "hard-working"...; BEHAVIOUR_WEAK: responsibility, choices,
behaviour, culture, aspiration...), again a list of topic words, not the
lexicon's entries. Its strata are corpus x {S, W}, drawn by simple random
sampling from the whole frame, independently of the first draw; a unit
drawn by both is coded once. A sentence's inclusion probability in the
union is then 1 - (1 - p1)(1 - p2), where p1 is its first-draw stratum's
n_h / N_h and p2 its second-draw stratum's (0 outside the behavioural
population). `draw` says which draws picked a unit; `stratum` is the
first-draw stratum when the first draw picked it, else the second-draw one.

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

SEED2 = 20261205
BATCHES2 = 3
BEHAVIOUR_STRONG = [
    r"dependen\w*", r"scroung\w*", r"fraud\w*", r"cheat\w*", r"handouts?", r"work-?shy",
    r"idle", r"idleness", r"lazy", r"laziness", r"undeserving", r"deserving", r"workfare",
    r"welfare reform\w*", r"work requirements?", r"welfare to work", r"off welfare",
    r"on welfare", r"sanctions?", r"time limits?", r"something for nothing",
    r"self-relian\w*", r"self-sufficien\w*", r"hard-?working", r"able-bodied",
    r"out of wedlock", r"underclass", r"benefit culture", r"responsibilities",
]
BEHAVIOUR_WEAK = [
    r"responsib\w*", r"choices?", r"behaviou?r\w*", r"lifestyles?", r"culture",
    r"aspiration\w*", r"resilien\w*", r"incentives?", r"willing to work", r"work ethic",
    r"family breakdown", r"addict\w*", r"single (?:mothers?|parents?)", r"absent fathers?",
    r"teenage pregnanc\w*",
]
STRONG_RE = re.compile(r"\b(?:" + "|".join(BEHAVIOUR_STRONG) + r")\b", re.IGNORECASE)
WEAK_RE = re.compile(r"\b(?:" + "|".join(BEHAVIOUR_WEAK) + r")\b", re.IGNORECASE)
# corpus: (units from the S stratum, units from the W stratum)
CORPORA2 = {"us_sotu": (240, 160), "uk_manifestos": (240, 160), "wikinews_econ_politics": (140, 60)}
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
            for r in cells[(era, s)]:
                r["p1"] = want[s] / len(cells[(era, s)])
                r["stratum1"] = f"{corpus}|{era}|{s}"
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


def second_draw(units, frames, splits, shared):
    """The behavioural-topic draw (see the module doc). Marks first-draw
    units it picks again, appends the new ones, and returns their indices in
    batch order."""
    rng = random.Random(SEED2)
    have = {u["unit_id"]: u for u in units}
    new = []
    for corpus, (n_strong, n_weak) in CORPORA2.items():
        rows = frames[corpus]
        meta = metadata(shared, corpus)
        cells = {"S": [], "W": []}
        for r in rows:
            if STRONG_RE.search(r["text"]):
                cells["S"].append(r)
            elif WEAK_RE.search(r["text"]):
                cells["W"].append(r)
        for s, n in (("S", n_strong), ("W", n_weak)):
            pop = cells[s]
            n = min(n, len(pop))
            p2 = n / len(pop)
            for r in pop:
                r["p2"] = p2
                if r["unit_id"] in have:
                    have[r["unit_id"]]["p2"] = p2
            for r in rng.sample(pop, n):
                if r["unit_id"] in have:
                    u = have[r["unit_id"]]
                    u["p2"], u["draw"] = p2, "1+2"
                    continue
                doc = r["doc_id"]
                if doc not in splits[corpus]:
                    x = rng.random()
                    splits[corpus][doc] = "train" if x < 0.6 else "dev" if x < 0.8 else "test"
                before, after = context(rows, r["_i"])
                m = meta[doc]
                u = dict(r, corpus=corpus, date=m["date"], source=m.get("source", ""),
                         title=m.get("title", ""), split=splits[corpus][doc], before=before,
                         after=after, stratum=f"{corpus}|behaviour|{s}", population=len(pop),
                         drawn=n, draw="2")
                have[u["unit_id"]] = u
                new.append(u)
        print(f"{corpus}: second draw of {n_strong}+{n_weak} from {len(cells['S'])}+{len(cells['W'])} "
              f"behavioural-topic sentences", file=sys.stderr)
    start = len(units)
    units.extend(new)
    order = list(range(start, len(units)))
    rng.shuffle(order)
    for k, i in enumerate(order):
        units[i]["batch"] = BATCHES + k % BATCHES2 + 1
    return order


def write_sheet(folder, batch, units, seed):
    """The blind coding sheet of one batch: no stratum, no tool label; rows
    in a seeded hash order, so a sheet does not depend on the others."""
    os.makedirs(folder, exist_ok=True)
    mine = sorted(units, key=lambda u: hashlib.sha256(f"{seed}:{u['unit_id']}".encode()).hexdigest())
    with open(os.path.join(folder, f"batch_{batch:02d}.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["unit_id", "source", "date", "title", "context_before", "sentence", "context_after"])
        for u in mine:
            w.writerow([u["unit_id"], u["source"], u["date"], u["title"], u["before"], u["text"], u["after"]])
    return len(mine)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/framewatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets", required=True, help="folder for the blind coding sheets (outside the repository)")
    ap.add_argument("--units", default=os.path.join(os.path.dirname(__file__), "units.csv"))
    args = ap.parse_args()
    rng = random.Random(SEED)
    units = []
    frames, splits = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, (target, eras) in CORPORA.items():
            rows = frame(args.bin, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            frames[corpus] = rows
            meta = metadata(args.shared, corpus)
            chosen = draw(rows, corpus, target, eras, meta, rng)
            split = split_docs(chosen, rng)
            splits[corpus] = split
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
    for u in units:
        u.setdefault("p1", 1.0)
        u.setdefault("stratum1", u["stratum"])
        u["p2"], u["draw"] = 0.0, "1"
    order += second_draw(units, frames, splits, args.shared)
    units.sort(key=lambda u: (u["corpus"], u["doc_id"], int(u["sentence"])))
    fields = ["unit_id", "corpus", "doc_id", "sentence", "byte_start", "byte_end", "era",
              "stratum", "population", "drawn", "draw", "p_draw1", "p_draw2", "inclusion_prob",
              "split", "batch", "text_sha256"]
    for u in units:
        u["p_draw1"] = f"{float(u['p1']):.6g}"
        u["p_draw2"] = f"{float(u['p2']):.6g}"
        u["inclusion_prob"] = 1 - (1 - float(u["p1"])) * (1 - float(u["p2"]))
    with open(args.units, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(fields)
        for u in units:
            u["text_sha256"] = hashlib.sha256(u["text"].encode()).hexdigest()[:16]
            u["inclusion_prob"] = f"{float(u['inclusion_prob']):.6g}"
            w.writerow([u[k] for k in fields])
    for b in range(1, BATCHES + BATCHES2 + 1):
        write_sheet(args.sheets, b, [u for u in units if u["batch"] == b], SEED)
    lex = {u.get("lexicon", "") for u in units} - {""}
    print(f"{len(units)} units -> {args.units}; {BATCHES} sheets -> {args.sheets}; frame lexicon {', '.join(sorted(lex))}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
