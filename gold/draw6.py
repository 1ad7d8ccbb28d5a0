#!/usr/bin/env python3
"""The sixth draw of the coding sample: the test documents, to measure
behavioural framing on test with more than 32 positives.

After five draws the test split held 32 endorsed behavioural sentences,
so its F1 interval was 0.33 wide (the model 0.41 [0.24, 0.57]) and one
sentence moved F1 by 0.02. Both methods flagged sentences in the test
documents that nobody had coded: 199 sentences with the built-in model's
p_behavioural >= 0.15 and 20 more with a behavioural hit of lexicon 2.3.
This draw is independent of the other five and samples only from the
sentences of the 236 documents already in the test split (no document
changes split, and train and dev gain nothing), by simple random sampling
within these strata, per corpus, taken in this order (a sentence belongs
to the first that holds it):

  H   the built-in model of commit c10b40b has p_behavioural >= 0.15   every sentence
  L   lexicon 2.3.0 has a behavioural hit in the sentence              every sentence
  S   a strong behavioural-topic word of the second draw               every sentence
      (dependency, fraud, handouts, work requirements, ...)
  W   a weak behavioural-topic word (responsibility, choices, ...)      US 60, UK 60, Wikinews 30
  T   a poverty-topic word of the first draw (poverty, welfare, ...)    US 80, UK 80, Wikinews 30

H and L take every sentence either method flags, so precision on the
test documents is measured on all of them for both; S, W and T look for
what both miss. The design was fixed before any unit was drawn or coded,
and the figures on the enlarged test split are reported whatever they
are, beside those of the 1,150 test units before it.

A unit drawn before is not coded again (its `draw` gains `+6`).
Inclusion in the union of the six independent draws is
1 - (1 - p1)...(1 - p6); for a new unit p1 to p5 are its cells'
fractions in the earlier draws, recomputed from the frame with the earlier
draws' lexicons and models (--bin1, --bin3, --bin4, --bin5: framewatch with
lexicon 1.0, and with the lexicon and model files of commits 52db558,
4011887 and df58099). Before drawing, the script recomputes p_draw1 to
p_draw5 of every unit already in units.csv and stops if one differs: the
strata are reproduced exactly or nothing is drawn. See draw5.py for the
wrapper scripts (the binary of df58099 reading the older files).

Usage:
  python3 gold/draw6.py --bin target/release/framewatch --bin5 FRAMEWATCH_df58099 \
      --bin4 FRAMEWATCH_4011887 --bin3 FRAMEWATCH_52db558 --bin1 FRAMEWATCH_WITH_LEXICON_1.0 \
      --shared ../shared --sheets /tmp/sheets6 [--count]
writes gold/units.csv (with the new column p_draw6) and the blind sheets
batch_21.csv to batch_23.csv (outside the repository); --count only
prints the strata.
"""
import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import draw3  # noqa: E402  (scores, stratum3, era_of, take, finish)
import draw4  # noqa: E402  (stratum4)
import draw5  # noqa: E402  (stratum5, FIELDS)
import sample  # noqa: E402  (regexes, metadata, frame)

SEED6 = 20261208
FIRST_BATCH = 21
BATCHES6 = 3
MODEL_COMMIT = "c10b40b"
# corpus: units wanted from W, T (H, L and S are taken whole)
CORPORA6 = {"us_sotu": (60, 80), "uk_manifestos": (60, 80),
            "wikinews_econ_politics": (30, 30)}
FIELDS = draw5.FIELDS[:draw5.FIELDS.index("p_draw5") + 1] + ["p_draw6"] + \
    draw5.FIELDS[draw5.FIELDS.index("p_draw5") + 1:]


def behavioural_hits(bin_, shared, corpus, tmp):
    """The unit ids of sentences where the lexicon has a behavioural hit."""
    out = os.path.join(tmp, f"lex_{corpus}")
    subprocess.run([bin_, "run", os.path.join(shared, "corpora", corpus), "--measure", "lexicon",
                    "--format", "csv", "--out", out], check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "hits.csv"), newline="") as f:
        return {f"{r['doc_id']}#{r['sentence']}" for r in csv.DictReader(f) if r["category"] == "behavioural"}


def stratum6(pb, lexicon_hit, text):
    if pb >= 0.15:
        return "H"
    if lexicon_hit:
        return "L"
    if sample.STRONG_RE.search(text):
        return "S"
    if sample.WEAK_RE.search(text):
        return "W"
    if sample.TOPIC_RE.search(text):
        return "T"
    return None


def earlier_scores(args, corpus, tmp):
    """The models' scores of the third, fourth and fifth draws for every
    sentence of `corpus`: (p3, p4, p5)."""
    return tuple(draw3.scores(b, args.shared, corpus, os.path.join(tmp, m))
                 for b, m in ((args.bin3, "m3"), (args.bin4, "m4"), (args.bin5, "m5")))


def earlier_probabilities(rows, corpus, meta, scores, frac, have):
    """Give each frame row its index (`_i`), era (`_era`) and its
    probabilities in draws 1-5 (`_p`), recomputed from the frame and the
    earlier draws' scores; returns how many already-coded units' stored
    p_draw1-5 differ (printing the first ten)."""
    p3, p4, p5 = scores
    mismatches = 0
    for i, r in enumerate(rows):
        r["_i"] = i
        era = draw3.era_of(corpus, int(meta[r["doc_id"]]["date"][:4]))
        s2 = "S" if sample.STRONG_RE.search(r["text"]) else "W" if sample.WEAK_RE.search(r["text"]) else None
        s3 = draw3.stratum3(p3[r["unit_id"]])
        s4 = draw4.stratum4(p4[r["unit_id"]][0], r["text"])
        s5 = draw5.stratum5(p5[r["unit_id"]][0], r["text"])
        r["_era"] = era
        r["_p"] = [frac(0, f"{corpus}|{era}|{sample.stratum(r)}"),
                   frac(1, f"{corpus}|behaviour|{s2}" if s2 else None),
                   frac(2, f"{corpus}|model|{s3}" if s3 else None),
                   frac(3, f"{corpus}|model4|{s4}" if s4 else None),
                   frac(4, f"{corpus}|model5|{s5}" if s5 else None)]
        u = have.get(r["unit_id"])
        if u is not None:
            stored = [float(u[f"p_draw{k}"]) for k in range(1, 6)]
            if any(abs(a - b) > 1e-5 * max(b, 1e-9) for a, b in zip(r["_p"], stored)):
                mismatches += 1
                if mismatches <= 10:
                    print(f"{r['unit_id']}: recomputed p_draw1-5 {r['_p']}, units.csv {stored}", file=sys.stderr)
    return mismatches


def arguments(ap):
    """The arguments every draw from the sixth on takes: the earlier draws'
    binaries, the shared folder, the sheets' folder, --count and the units
    file."""
    ap.add_argument("--bin5", required=True, help="framewatch of commit df58099 (the fifth draw's strata)")
    ap.add_argument("--bin4", required=True, help="framewatch with commit 4011887's lexicon and model (fourth draw)")
    ap.add_argument("--bin3", required=True, help="framewatch with commit 52db558's lexicon and model (third draw)")
    ap.add_argument("--bin1", required=True, help="framewatch with lexicon 1.0 (first draw's F stratum)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets")
    ap.add_argument("--count", action="store_true", help="print the strata and stop")
    ap.add_argument("--units", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.csv"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="framewatch of commit c10b40b (its built-in model and lexicon)")
    arguments(ap)
    args = ap.parse_args()
    if not args.count and not args.sheets:
        sys.exit("--sheets DIR is needed to draw")
    units, have, _, frac = draw3.earlier_draws(args.units, 6)
    test_docs = {u["doc_id"] for u in units if u["split"] == "test"}
    rng = random.Random(SEED6)
    new = []
    mismatches = 0
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, wants in CORPORA6.items():
            rows = sample.frame(args.bin1, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            p6 = draw3.scores(args.bin, args.shared, corpus, os.path.join(tmp, "m6"))
            lex6 = behavioural_hits(args.bin, args.shared, corpus, tmp)
            meta = sample.metadata(args.shared, corpus)
            splits = {u["doc_id"]: u["split"] for u in units if u["corpus"] == corpus}
            strata = defaultdict(list)
            mismatches += earlier_probabilities(rows, corpus, meta, earlier_scores(args, corpus, tmp), frac, have)
            for r in rows:
                if r["doc_id"] not in test_docs:
                    continue
                s = stratum6(p6[r["unit_id"]][0], r["unit_id"] in lex6, r["text"])
                if s:
                    strata[s].append(r)
            want = dict(zip(("W", "T"), wants))
            for s in ("H", "L", "S", "W", "T"):
                pop = sorted(strata[s], key=lambda r: (r["doc_id"], int(r["sentence"])))
                coded = sum(r["unit_id"] in have for r in pop)
                n = min(want.get(s, len(pop)), len(pop))
                print(f"{corpus} {s}: population {len(pop)}, coded before {coded}, to draw {n}", file=sys.stderr)
                if args.count or mismatches:
                    continue
                fresh = draw3.take(pop, n, 6, f"{corpus}|test6|{s}", have, splits, rng, new, rows, meta,
                                   lambda r, _, __: dict(era=r["_era"], **{f"p_draw{k + 1}": p for k, p in enumerate(r["_p"])}))
                print(f"{corpus} {s}: {n} drawn of {len(pop)}, {fresh} new", file=sys.stderr)
    if mismatches:
        sys.exit(f"{mismatches} units' recomputed p_draw1-5 differ from units.csv: the earlier strata are not reproduced; nothing drawn")
    print("every unit's p_draw1-5 reproduced", file=sys.stderr)
    if args.count:
        return
    draw3.finish(units, new, rng, args.units, args.sheets, FIELDS, 6, FIRST_BATCH, BATCHES6, SEED6)


if __name__ == "__main__":
    main()
