#!/usr/bin/env python3
"""The fourth draw of the coding sample: more behavioural framing, for the
model to learn from and for the test split to measure it on.

After three draws the test split held 15 endorsed behavioural sentences
(an F1 interval some 0.4 wide) and train + dev 133. The built-in model of
commit 4011887 (trained on train + dev, lexicon 2.2.0) had already seen
most sentences it rates highly: of the 664 sentences with
p_behavioural >= 0.15, 445 were coded. This draw is independent of the
other three and samples from the same sentence frame, by simple random
sampling within strata defined by that model's p_behavioural and by the
behavioural-topic words of the second draw (`sample.STRONG_RE`; topic
words `sample.TOPIC_RE` and `sample.WEAK_RE`):

  H   p_behavioural >= 0.15                           every sentence
  S1  0.05 <= p < 0.15, a strong behavioural-topic word (dependency, fraud,
      handouts, work requirements, ...)
  T1  0.10 <= p < 0.15, no strong word but a poverty-topic or weak
      behavioural word (responsibility, choices, ...)
  S0  p < 0.05, a strong behavioural-topic word       (the model's misses?)

per corpus (US State of the Union, UK manifestos, Wikinews). A unit drawn
before is not coded again (its `draw` gains `+4`). A unit's probability of
inclusion in the union of the four independent draws is
1 - (1 - p1)(1 - p2)(1 - p3)(1 - p4). For a new unit p1, p2 and p3 are its
cells' fractions in the earlier draws, recomputed from the frame: the first
draw's F stratum needs lexicon 1.0's hits (--bin1), the third draw's strata
the 52db558 model's probabilities (--bin3). Every unit's p_draw4 and
inclusion_prob are rewritten. Documents new to the sample get a split at
random, 60/20/20 (seeded), as in the second and third draws; others keep
theirs.

Usage:
  python3 gold/draw4.py --bin FRAMEWATCH_4011887 --bin3 FRAMEWATCH_52db558 \
      --bin1 FRAMEWATCH_WITH_LEXICON_1.0 --shared ../shared --sheets /tmp/sheets4
writes gold/units.csv (with the new column p_draw4) and the blind sheets
batch_14.csv to batch_16.csv (outside the repository).
"""
import argparse
import os
import random
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import draw3  # noqa: E402  (scores, stratum3, era_of, finish)
import sample  # noqa: E402  (regexes, context, metadata, frame, write_sheet)

SEED4 = 20261205
FIRST_BATCH = 14
BATCHES4 = 3
MODEL_COMMIT = "4011887"
# corpus: units wanted from S1, T1, S0 (H is taken whole)
CORPORA4 = {"us_sotu": (160, 66, 100), "uk_manifestos": (120, 141, 60),
            "wikinews_econ_politics": (60, 16, 40)}
FIELDS = draw3.FIELDS[:draw3.FIELDS.index("p_draw3") + 1] + ["p_draw4"] + \
    draw3.FIELDS[draw3.FIELDS.index("p_draw3") + 1:]


def model_stratum(pb, text, strong_min, topic_min, below):
    """The model-and-words strata of the fourth and fifth draws: `H` the
    model's p_behavioural >= 0.15; `S1` a strong behavioural-topic word and
    p >= strong_min (`below` under it); `T1` no strong word, a topic or weak
    word and p >= topic_min."""
    if pb >= 0.15:
        return "H"
    if sample.STRONG_RE.search(text):
        return "S1" if pb >= strong_min else below
    if pb >= topic_min and (sample.TOPIC_RE.search(text) or sample.WEAK_RE.search(text)):
        return "T1"
    return None


def stratum4(pb, text):
    return model_stratum(pb, text, 0.05, 0.1, "S0")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="framewatch with the model the strata use (commit 4011887)")
    ap.add_argument("--bin3", required=True, help="framewatch of commit 52db558 (the third draw's strata)")
    ap.add_argument("--bin1", required=True, help="framewatch built with lexicon 1.0 (first draw's F stratum)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets", required=True)
    ap.add_argument("--units", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.csv"))
    args = ap.parse_args()
    units, have, cells, frac = draw3.earlier_draws(args.units, 4)
    rng = random.Random(SEED4)
    new = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, wants in CORPORA4.items():
            rows = sample.frame(args.bin1, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            p4 = draw3.scores(args.bin, args.shared, corpus, os.path.join(tmp, "m4"))
            p3 = draw3.scores(args.bin3, args.shared, corpus, os.path.join(tmp, "m3"))
            meta = sample.metadata(args.shared, corpus)
            splits = {u["doc_id"]: u["split"] for u in units if u["corpus"] == corpus}
            strata = defaultdict(list)
            for i, r in enumerate(rows):
                r["_i"] = i
                s = stratum4(p4[r["unit_id"]][0], r["text"])
                if s:
                    strata[s].append(r)
            want = dict(zip(("S1", "T1", "S0"), wants))
            for s in ("H", "S1", "T1", "S0"):
                pop = sorted(strata[s], key=lambda r: (r["doc_id"], int(r["sentence"])))
                n = min(want.get(s, len(pop)), len(pop))

                def design(r, _, __):
                    era = draw3.era_of(corpus, int(meta[r["doc_id"]]["date"][:4]))
                    if f"{corpus}|{era}|{sample.stratum(r)}" not in cells[0]:
                        sys.exit(f"no first-draw cell {corpus}|{era}|{sample.stratum(r)}: is --bin1 lexicon 1.0?")
                    s2 = "S" if sample.STRONG_RE.search(r["text"]) else "W" if sample.WEAK_RE.search(r["text"]) else None
                    s3 = draw3.stratum3(p3[r["unit_id"]])
                    return dict(era=era, p_draw1=frac(0, f"{corpus}|{era}|{sample.stratum(r)}"),
                                p_draw2=frac(1, f"{corpus}|behaviour|{s2}" if s2 else None),
                                p_draw3=frac(2, f"{corpus}|model|{s3}" if s3 else None))

                fresh = draw3.take(pop, n, 4, f"{corpus}|model4|{s}", have, splits, rng, new, rows, meta, design)
                print(f"{corpus} {s}: {n} drawn of {len(pop)}, {fresh} new", file=sys.stderr)
    draw3.finish(units, new, rng, args.units, args.sheets, FIELDS, 4, FIRST_BATCH, BATCHES4, SEED4)

if __name__ == "__main__":
    main()
