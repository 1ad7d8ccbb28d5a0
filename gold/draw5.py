#!/usr/bin/env python3
"""The fifth draw of the coding sample: behavioural framing again, by the
current model, and a test split that nothing has been scored on.

After four draws behavioural framing was still the weak measure: 27
endorsed behavioural sentences in test (an F1 interval some 0.36 wide)
and 192 in train + dev, with a learning curve (the model trained on a
quarter, half, three quarters and all of the train documents, scored on
dev) still rising. This draw is independent of the other four and samples
from the same sentence frame, by simple random sampling within strata
defined by the built-in model of commit df58099 (lexicon 2.3.0, trained on
train + dev of the four draws) and by the behavioural-topic words of the
second draw (`sample.STRONG_RE`):

  H   p_behavioural >= 0.15                           every sentence
  S1  0.03 <= p < 0.15, a strong behavioural-topic word (dependency, fraud,
      handouts, work requirements, ...)
  T1  0.08 <= p < 0.15, no strong word but a poverty-topic or weak
      behavioural word (responsibility, choices, ...)

(in the fourth draw, 27-32% of the coded H units of the US and UK were
endorsed behavioural, 4-12% of S1, 2-5% of T1 and 0-2% of S0, the
strong-word sentences under p 0.05, which this draw leaves out)

per corpus. A unit drawn before is not coded again (its `draw` gains
`+5`). Inclusion in the union of the five independent draws is
1 - (1 - p1)...(1 - p5); for a new unit p1 to p4 are its cells' fractions
in the earlier draws, recomputed from the frame with the earlier draws'
lexicons and models (--bin1, --bin3, --bin4: framewatch with lexicon 1.0,
and with the lexicon and model files of commits 52db558 and 4011887).
Before drawing, the script recomputes p_draw1 to p_draw4 of every unit
already in units.csv the same way and stops if one differs: the strata
are reproduced exactly or nothing is drawn. Documents new to the sample
get a split at random, 60/20/20 (seeded); others keep theirs.

The earlier binaries need not be built: framewatch of commit df58099 reading
an earlier commit's lexicon file (`--lexicon`) and model file (`--model`)
reproduced every unit's p_draw1 to p_draw4 (the check above), so --bin1,
--bin3 and --bin4 may be wrappers of the df58099 binary like

  #!/bin/sh
  # `run --model builtin` as of 4011887
  for a in "$@"; do [ "$a" = builtin ] && a=model-4011887.json; set -- "$@" "$a"; shift; done
  exec FRAMEWATCH_df58099 "$@" --lexicon lexicon-4011887.toml

(df58099 is the last commit that reads model format 2, the format of
those models and its own; later binaries refuse them.)

(`git show 4011887:lexicons/poverty-framing.toml > lexicon-4011887.toml`,
likewise the model; lexicon 1.0 is the file of commit a21f822).

Usage:
  python3 gold/draw5.py --bin FRAMEWATCH_df58099 --bin4 FRAMEWATCH_4011887 \
      --bin3 FRAMEWATCH_52db558 --bin1 FRAMEWATCH_WITH_LEXICON_1.0 \
      --shared ../shared --sheets /tmp/sheets5 [--count]
writes gold/units.csv (with the new column p_draw5) and the blind sheets
batch_18.csv to batch_20.csv (outside the repository); --count only
prints the strata.
"""
import argparse
import os
import random
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import draw3  # noqa: E402  (scores, stratum3, era_of, finish)
import draw4  # noqa: E402  (stratum4)
import sample  # noqa: E402  (regexes, context, metadata, frame, write_sheet)

SEED5 = 20261207
FIRST_BATCH = 18
BATCHES5 = 3
MODEL_COMMIT = "df58099"
# corpus: units wanted from S1, T1 (H is taken whole)
CORPORA5 = {"us_sotu": (450, 150), "uk_manifestos": (300, 200),
            "wikinews_econ_politics": (100, 30)}
FIELDS = draw4.FIELDS[:draw4.FIELDS.index("p_draw4") + 1] + ["p_draw5"] + \
    draw4.FIELDS[draw4.FIELDS.index("p_draw4") + 1:]


def stratum5(pb, text):
    return draw4.model_stratum(pb, text, 0.03, 0.08, None)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="framewatch with the model the strata use (commit df58099)")
    ap.add_argument("--bin4", required=True, help="framewatch with commit 4011887's lexicon and model (fourth draw)")
    ap.add_argument("--bin3", required=True, help="framewatch with commit 52db558's lexicon and model (third draw)")
    ap.add_argument("--bin1", required=True, help="framewatch with lexicon 1.0 (first draw's F stratum)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets")
    ap.add_argument("--count", action="store_true", help="print the strata and stop")
    ap.add_argument("--units", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.csv"))
    args = ap.parse_args()
    if not args.count and not args.sheets:
        sys.exit("--sheets DIR is needed to draw")
    units, have, _, frac = draw3.earlier_draws(args.units, 5)
    rng = random.Random(SEED5)
    new = []
    mismatches = 0
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, wants in CORPORA5.items():
            rows = sample.frame(args.bin1, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            p5 = draw3.scores(args.bin, args.shared, corpus, os.path.join(tmp, "m5"))
            p4 = draw3.scores(args.bin4, args.shared, corpus, os.path.join(tmp, "m4"))
            p3 = draw3.scores(args.bin3, args.shared, corpus, os.path.join(tmp, "m3"))
            meta = sample.metadata(args.shared, corpus)
            splits = {u["doc_id"]: u["split"] for u in units if u["corpus"] == corpus}
            strata = defaultdict(list)
            for i, r in enumerate(rows):
                r["_i"] = i
                era = draw3.era_of(corpus, int(meta[r["doc_id"]]["date"][:4]))
                s2 = "S" if sample.STRONG_RE.search(r["text"]) else "W" if sample.WEAK_RE.search(r["text"]) else None
                s3 = draw3.stratum3(p3[r["unit_id"]])
                s4 = draw4.stratum4(p4[r["unit_id"]][0], r["text"])
                r["_era"] = era
                r["_p"] = [frac(0, f"{corpus}|{era}|{sample.stratum(r)}"),
                           frac(1, f"{corpus}|behaviour|{s2}" if s2 else None),
                           frac(2, f"{corpus}|model|{s3}" if s3 else None),
                           frac(3, f"{corpus}|model4|{s4}" if s4 else None)]
                u = have.get(r["unit_id"])
                if u is not None:
                    stored = [float(u[f"p_draw{k}"]) for k in range(1, 5)]
                    if any(abs(a - b) > 1e-5 * max(b, 1e-9) for a, b in zip(r["_p"], stored)):
                        mismatches += 1
                        if mismatches <= 10:
                            print(f"{r['unit_id']}: recomputed p_draw1-4 {r['_p']}, units.csv {stored}", file=sys.stderr)
                s = stratum5(p5[r["unit_id"]][0], r["text"])
                if s:
                    strata[s].append(r)
            want = dict(zip(("S1", "T1"), wants))
            for s in ("H", "S1", "T1"):
                pop = sorted(strata[s], key=lambda r: (r["doc_id"], int(r["sentence"])))
                coded = sum(r["unit_id"] in have for r in pop)
                n = min(want.get(s, len(pop)), len(pop))
                print(f"{corpus} {s}: population {len(pop)}, coded before {coded}, to draw {n}", file=sys.stderr)
                if args.count or mismatches:
                    continue
                fresh = draw3.take(pop, n, 5, f"{corpus}|model5|{s}", have, splits, rng, new, rows, meta,
                                   lambda r, _, __: dict(era=r["_era"], **{f"p_draw{k + 1}": p for k, p in enumerate(r["_p"])}))
                print(f"{corpus} {s}: {n} drawn of {len(pop)}, {fresh} new", file=sys.stderr)
    if mismatches:
        sys.exit(f"{mismatches} units' recomputed p_draw1-4 differ from units.csv: the earlier strata are not reproduced; nothing drawn")
    print("every unit's p_draw1-4 reproduced", file=sys.stderr)
    if args.count:
        return
    draw3.finish(units, new, rng, args.units, args.sheets, FIELDS, 5, FIRST_BATCH, BATCHES5, SEED5)


if __name__ == "__main__":
    main()
