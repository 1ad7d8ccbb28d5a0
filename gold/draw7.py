#!/usr/bin/env python3
"""The seventh draw of the coding sample: the neighbours of behavioural
framing in the train and dev documents.

After six draws the model's behavioural recall was the weak point: on dev
(trained on train) it keeps every behavioural call of the lexicon and adds
a few, and what both miss is framing said without the words that flag it,
inside passages about welfare. The draws so far sampled sentences by their
words or the model's score, so few such sentences were coded. Framing
comes in passages: of the 120 already-coded sentences next to an endorsed
behavioural sentence of train or dev, 50 are endorsed behavioural too.

This draw takes, in the documents of the train and dev splits only (test
is untouched), every sentence directly before or after a unit whose
reference code (the adjudicator's, else the coders' majority) is endorsed
behavioural, per corpus, as one stratum `N` taken whole. It is adaptive
(its stratum depends on earlier codes), so its inclusion probability of 1
holds given those codes; the train and dev figures it touches are not
design-weighted estimates in the strict sense. The seed essay, coded in
full, has nothing to add.

A unit drawn before is not coded again (its `draw` gains `+7`). For a new
unit p1 to p5 are its cells' fractions in the earlier draws, recomputed
from the frame as draw6.py does (and checked against every earlier unit
first); p6 is 0 (the sixth draw sampled test documents only).

Usage:
  python3 gold/draw7.py --bin5 FRAMEWATCH_df58099 --bin4 FRAMEWATCH_4011887 \
      --bin3 FRAMEWATCH_52db558 --bin1 FRAMEWATCH_WITH_LEXICON_1.0 \
      --shared ../shared --sheets /tmp/sheets7 [--count]
writes gold/units.csv (with the new column p_draw7) and the blind sheets
batch_24.csv and batch_25.csv (outside the repository).
"""
import argparse
import csv
import os
import random
import sys
import tempfile
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import draw3  # noqa: E402  (earlier_draws, take, finish)
import draw6  # noqa: E402  (FIELDS, arguments, earlier_probabilities, earlier_scores)
import sample  # noqa: E402  (regexes, metadata, frame)

SEED7 = 20261209
FIRST_BATCH = 24
BATCHES7 = 2
CORPORA7 = ("us_sotu", "uk_manifestos", "wikinews_econ_politics")
FIELDS = draw6.FIELDS[:draw6.FIELDS.index("p_draw6") + 1] + ["p_draw7"] + \
    draw6.FIELDS[draw6.FIELDS.index("p_draw6") + 1:]


def endorsed_behavioural(coded):
    """Unit ids whose reference behavioural code is endorsed: the
    adjudicator's where there is one, else the coders' strict majority."""
    adjudicated, coders = {}, defaultdict(list)
    with open(coded, newline="") as f:
        for r in csv.DictReader(f):
            if r["role"] == "adjudicator":
                adjudicated[r["unit_id"]] = r["behavioural"]
            else:
                coders[r["unit_id"]].append(r["behavioural"])
    out = set()
    for u, codes in coders.items():
        top = Counter(codes).most_common()
        code = adjudicated.get(u) or (top[0][0] if len(top) == 1 or top[0][1] > top[1][1] else None)
        if code == "endorsed":
            out.add(u)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    draw6.arguments(ap)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--coded", default=os.path.join(here, "coded.csv"))
    args = ap.parse_args()
    if not args.count and not args.sheets:
        sys.exit("--sheets DIR is needed to draw")
    units, have, _, frac = draw3.earlier_draws(args.units, 7)
    split_of = {u["doc_id"]: u["split"] for u in units}
    positives = {u for u in endorsed_behavioural(args.coded) if split_of.get(u.rsplit("#", 1)[0]) in ("train", "dev")}
    wanted = set()
    for u in positives:
        doc, i = u.rsplit("#", 1)
        wanted.update(f"{doc}#{j}" for j in (int(i) - 1, int(i) + 1) if j >= 0)
    print(f"{len(positives)} endorsed behavioural units in train and dev; {len(wanted)} neighbours", file=sys.stderr)
    rng = random.Random(SEED7)
    new = []
    mismatches = 0
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in CORPORA7:
            rows = sample.frame(args.bin1, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            meta = sample.metadata(args.shared, corpus)
            splits = {u["doc_id"]: u["split"] for u in units if u["corpus"] == corpus}
            pop = []
            mismatches += draw6.earlier_probabilities(rows, corpus, meta, draw6.earlier_scores(args, corpus, tmp),
                                                      frac, have)
            for r in rows:
                r["_p"].append(0.0)  # p6: the sixth draw sampled test documents only
                if r["unit_id"] in wanted and splits.get(r["doc_id"]) in ("train", "dev"):
                    pop.append(r)
            coded = sum(r["unit_id"] in have for r in pop)
            print(f"{corpus} N: population {len(pop)}, coded before {coded}", file=sys.stderr)
            if args.count or mismatches:
                continue
            fresh = draw3.take(pop, len(pop), 7, f"{corpus}|neighbour7|N", have, splits, rng, new, rows, meta,
                               lambda r, _, __: dict(era=r["_era"], **{f"p_draw{k + 1}": p for k, p in enumerate(r["_p"])}))
            print(f"{corpus} N: {len(pop)} drawn, {fresh} new", file=sys.stderr)
    if mismatches:
        sys.exit(f"{mismatches} units' recomputed p_draw1-5 differ from units.csv: the earlier strata are not reproduced; nothing drawn")
    print("every unit's p_draw1-5 reproduced", file=sys.stderr)
    if args.count:
        return
    draw3.finish(units, new, rng, args.units, args.sheets, FIELDS, 7, FIRST_BATCH, BATCHES7, SEED7)


if __name__ == "__main__":
    main()
