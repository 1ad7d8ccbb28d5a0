#!/usr/bin/env python3
"""The third draw of the coding sample: where the trained model is unsure or
sees behavioural framing.

Two draws were coded first (gold/sample.py): a stratified random draw and a
behavioural-topic draw. The trained model (format 2, built-in at commit
52db558, lexicon 2.2.0) then still had only 73 endorsed behavioural
sentences in train to learn from and 12 in test to be measured on. This
draw is independent of the other two and samples, by simple random sampling
within strata, from the same sentence frame (every sentence of the three
corpora as `framewatch sample` splits them), using the model's probability
of an endorsed label (`p_behavioural`, `p_structural` in the `sentences`
table of `framewatch run --measure both`):

  B2  p_behavioural >= 0.2          (the model sees behavioural framing or nearly)
  B1  0.1 <= p_behavioural < 0.2    (the model's grey zone: most of its misses)
  S1  0.2 <= p_structural < 0.5, not B1/B2   (structural, unsure)

per corpus (US State of the Union, UK manifestos, Wikinews). A unit drawn
before is not coded again (its `draw` gains `+3`). A unit's probability of
inclusion in the union of the three independent draws is
1 - (1 - p1)(1 - p2)(1 - p3), where p1 and p2 are its cells' drawn /
population in the first two draws (read from gold/units.csv; the first
draw's F stratum needs lexicon 1.0's hits, hence --bin1) and p3 its cell's
here. Every unit's p_draw3 and inclusion_prob are rewritten (first- and
second-draw units that fall in a draw-3 stratum become more likely).
Documents new to the sample get a split at random, 60/20/20 (seeded), as
in the second draw; others keep theirs.

Usage:
  python3 gold/draw3.py --bin target/release/framewatch --bin1 FRAMEWATCH_WITH_LEXICON_1.0 \
      --shared ../shared --sheets /tmp/sheets3
writes gold/units.csv (with the new column p_draw3) and the blind sheets
batch_12.csv, batch_13.csv (outside the repository).
"""
import argparse
import csv
import hashlib
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sample  # noqa: E402  (TOPIC_RE, STRONG_RE, WEAK_RE, context, metadata, frame)

SEED3 = 20261206
FIRST_BATCH = 12
BATCHES3 = 2
MODEL_COMMIT = "52db558"
# corpus: units wanted from B2, B1, S1
CORPORA3 = {"us_sotu": (150, 130, 100), "uk_manifestos": (140, 130, 100),
            "wikinews_econ_politics": (50, 30, 30)}
FIELDS = ["unit_id", "corpus", "doc_id", "sentence", "byte_start", "byte_end", "era",
          "stratum", "population", "drawn", "draw", "p_draw1", "p_draw2", "p_draw3",
          "inclusion_prob", "split", "batch", "text_sha256"]


def scores(bin_, shared, corpus, tmp):
    """p_behavioural and p_structural of every sentence, by unit id."""
    out = os.path.join(tmp, f"run_{corpus}")
    subprocess.run([bin_, "run", os.path.join(shared, "corpora", corpus), "--measure", "both",
                    "--model", "builtin", "--format", "csv", "--out", out],
                   check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "sentences.csv"), newline="") as f:
        return {f"{r['doc_id']}#{r['sentence']}": (float(r["p_behavioural"]), float(r["p_structural"]))
                for r in csv.DictReader(f)}


def stratum3(p):
    pb, ps = p
    if pb >= 0.2:
        return "B2"
    if pb >= 0.1:
        return "B1"
    if 0.2 <= ps < 0.5:
        return "S1"
    return None


def era_of(corpus, year):
    return next(lbl for lbl, a, b in sample.CORPORA[corpus][1] if a <= year <= b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/framewatch", help="framewatch with the model the strata use")
    ap.add_argument("--bin1", required=True, help="framewatch built with lexicon 1.0 (first draw's F stratum)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--sheets", required=True)
    ap.add_argument("--units", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "units.csv"))
    args = ap.parse_args()
    with open(args.units, newline="") as f:
        units = list(csv.DictReader(f))
    if units and "p_draw3" in units[0]:
        sys.exit(f"{args.units} already holds the third draw: run gold/sample.py first to write the first two")
    have = {u["unit_id"]: u for u in units}
    # The first two draws' cells: stratum -> (drawn, population).
    cell1, cell2 = {}, {}
    for u in units:
        if u["draw"] in ("1", "1+2") and u["corpus"] != "seed_essay":
            cell1[u["stratum"]] = (int(u["drawn"]), int(u["population"]))
        if u["draw"] == "2":
            cell2[u["stratum"]] = (int(u["drawn"]), int(u["population"]))
    rng = random.Random(SEED3)
    new = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus, wants in CORPORA3.items():
            rows = sample.frame(args.bin1, [os.path.join(args.shared, "corpora", corpus)], tmp, corpus)
            p = scores(args.bin, args.shared, corpus, tmp)
            meta = sample.metadata(args.shared, corpus)
            splits = {u["doc_id"]: u["split"] for u in units if u["corpus"] == corpus}
            cells = defaultdict(list)
            for i, r in enumerate(rows):
                r["_i"] = i
                s = stratum3(p[r["unit_id"]])
                if s:
                    cells[s].append(r)
            # Check the first two draws' cells against this frame.
            pop1 = defaultdict(int)
            for r in rows:
                era = era_of(corpus, int(meta[r["doc_id"]]["date"][:4]))
                r["_cell1"] = f"{corpus}|{era}|{sample.stratum(r)}"
                pop1[r["_cell1"]] += 1
                s2 = "S" if sample.STRONG_RE.search(r["text"]) else "W" if sample.WEAK_RE.search(r["text"]) else None
                r["_cell2"] = f"{corpus}|behaviour|{s2}" if s2 else None
            for c, (_, n) in cell1.items():
                if c.startswith(corpus + "|") and pop1[c] != n:
                    sys.exit(f"first-draw cell {c}: {pop1[c]} sentences in this frame, {n} in units.csv: is --bin1 lexicon 1.0?")
            for s, n in zip(("B2", "B1", "S1"), wants):
                pop = sorted(cells[s], key=lambda r: (r["doc_id"], int(r["sentence"])))
                n = min(n, len(pop))

                def design(r, _, __):
                    d1, n1 = cell1.get(r["_cell1"], (0, 1))
                    d2, n2 = cell2.get(r["_cell2"], (0, 1)) if r["_cell2"] else (0, 1)
                    m = meta[r["doc_id"]]
                    return dict(era=era_of(corpus, int(m["date"][:4])), p_draw1=d1 / n1, p_draw2=d2 / n2)

                fresh = take(pop, n, 3, f"{corpus}|model|{s}", have, splits, rng, new, rows, meta, design)
                print(f"{corpus} {s}: {n} drawn of {len(pop)}, {fresh} new", file=sys.stderr)
    finish(units, new, rng, args.units, args.sheets, FIELDS, 3, FIRST_BATCH, BATCHES3, SEED3)


def earlier_draws(path, draw):
    """gold/units.csv at `path` as the draw numbered `draw` (4 or later)
    finds it: its units (stopping unless it holds draw - 1 and not yet
    `draw`), the units by id, the earlier draws' cells (per draw, stratum
    -> (drawn, population)) and `frac(k, cell)`, the fraction of the cell
    (a stratum's name) drawn in draw k + 1 (0 outside its strata)."""
    with open(path, newline="") as f:
        units = list(csv.DictReader(f))
    before = ["first", "second", "third", "fourth", "fifth", "sixth"]
    if not units or f"p_draw{draw - 1}" not in units[0]:
        sys.exit(f"{path} does not hold the {before[draw - 2]} draw: run gold/draw{draw - 1}.py first")
    if f"p_draw{draw}" in units[0]:
        sys.exit(f"{path} already holds the {before[draw - 1]} draw: rebuild it with gold/draw{draw - 1}.py first")
    # The earlier draws' cells: stratum -> (drawn, population).
    cells = [{} for _ in range(draw - 1)]
    for u in units:
        first = u["draw"].split("+")[0]
        if u["corpus"] != "seed_essay" and first in {str(k) for k in range(1, draw)}:
            cells[int(first) - 1][u["stratum"]] = (int(u["drawn"]), int(u["population"]))

    def frac(k, cell):
        if cell is None:
            return 0.0
        d, n = cells[k].get(cell, (0, 1))
        return d / n

    return units, {u["unit_id"]: u for u in units}, cells, frac


def take(pop, n, draw, stratum, have, splits, rng, new, rows, meta, design):
    """Draw `n` of a stratum's sentences `pop` (sorted by document and
    sentence) by simple random sampling, as every later draw does: the
    stratum's fraction becomes `p_draw<draw>` of the units already coded in
    it; a drawn unit coded before gains `+<draw>` in `draw`; a new one, whose
    document gets a split at random (60/20/20) if it is new to the sample, is
    appended to `new` with `design(row, fraction, split)`'s columns (its era
    and earlier draws' probabilities) and its sheet's context. Returns how
    many were new."""
    frac = n / len(pop) if pop else 0.0
    key = f"p_draw{draw}"
    for r in pop:
        if r["unit_id"] in have:
            have[r["unit_id"]][key] = frac
    fresh = 0
    for r in rng.sample(pop, n):
        if r["unit_id"] in have:
            have[r["unit_id"]]["draw"] += f"+{draw}"
            continue
        doc = r["doc_id"]
        if doc not in splits:
            x = rng.random()
            splits[doc] = "train" if x < 0.6 else "dev" if x < 0.8 else "test"
        before, after = sample.context(rows, r["_i"])
        m = meta[doc]
        u = dict(unit_id=r["unit_id"], corpus=stratum.split("|")[0], doc_id=doc, sentence=r["sentence"],
                 byte_start=r["byte_start"], byte_end=r["byte_end"], stratum=stratum, population=len(pop),
                 drawn=n, draw=str(draw), split=splits[doc], text=r["text"], before=before, after=after,
                 source=m.get("source", ""), date=m["date"], title=m.get("title", ""))
        u.update(design(r, frac, splits[doc]))
        u[key] = frac
        have[u["unit_id"]] = u
        new.append(u)
        fresh += 1
    return fresh


def finish(units, new, rng, path, sheets, fields, draws, first_batch, batches, seed):
    """What every later draw does with its new units: spread them over
    `batches` sheets in a seeded order, give every unit its probability of
    inclusion in the union of the `draws` independent draws,
    1 - (1 - p1)(1 - p2)..., write the units file sorted by document and
    sentence, and write the blind sheets."""
    order = list(range(len(new)))
    rng.shuffle(order)
    for k, i in enumerate(order):
        new[i]["batch"] = first_batch + k % batches
    units.extend(new)
    keys = [f"p_draw{d}" for d in range(1, draws + 1)]
    for u in units:
        u.setdefault(keys[-1], 0.0)
        q = 1.0
        for k in keys:
            q *= 1 - float(u[k])
        u["inclusion_prob"] = 1 - q
        for k in keys + ["inclusion_prob"]:
            u[k] = f"{float(u[k]):.6g}"
        if "text" in u:
            u["text_sha256"] = hashlib.sha256(u["text"].encode()).hexdigest()[:16]
    units.sort(key=lambda u: (u["corpus"], u["doc_id"], int(u["sentence"])))
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(fields)
        for u in units:
            w.writerow([u[k] for k in fields])
    for b in range(first_batch, first_batch + batches):
        n = sample.write_sheet(sheets, b, [u for u in new if u["batch"] == b], seed)
        print(f"batch_{b}.csv: {n} units", file=sys.stderr)
    print(f"{len(new)} new units; {len(units)} in {path}", file=sys.stderr)

if __name__ == "__main__":
    main()
