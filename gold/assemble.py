#!/usr/bin/env python3
"""Turn the coders' sheets into the gold file, in two steps.

  python3 gold/assemble.py disagreements --sheets S --codes C --out A
      For every batch coded by both coders, write A/batch_NN.csv: the units
      where the two coders' three-way codes differ on either framing, with
      the sentence, its context and both coders' codes and notes, for the
      third reader (the adjudicator).

  python3 gold/assemble.py gold --codes C --adjudication A [--keep gold/coded.csv] [--out gold/coded.csv]
                                [--units gold/units.csv]
      Write the gold file `framewatch validate` reads: one row per unit and
      coder (role `coder`), plus one row per adjudicated unit (role
      `adjudicator`, with the reason in `note`), each with the unit's span,
      corpus, split, stratum and inclusion probability from gold/units.csv.
      No corpus text is written, nor the coders' notes (they quote it): a
      row keeps their markers (`weak`, `hard_case`) and the codebook rules
      cited; `gold/resolve.py` adds the sentence back from ../shared.
      With --keep FILE (an earlier gold file), the batches not in C are
      taken from FILE, their design columns (stratum, inclusion
      probability, split, ...) refreshed from gold/units.csv: how a new
      draw's batches join the earlier ones, whose coders' files (which
      quote the corpora) are not kept. With --units gold/external-units.csv
      (and --out gold/external-coded.csv), the external check's units, with
      their `passage` column.

Coder files are C/batch_NN.coder1.csv and C/batch_NN.coder2.csv
(`unit_id,behavioural,structural,note`); adjudication files are
A/batch_NN.decided.csv (`unit_id,behavioural,structural,reason`).
"""
import argparse
import csv
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VALUES = {"endorsed", "distanced", "none"}
# A gold row's columns taken from gold/units.csv.
DESIGN = ("doc_id", "byte_start", "byte_end", "corpus", "era", "stratum", "inclusion_prob", "split", "batch")


def flags(note):
    """What the repository keeps of a coder's note or an adjudicator's
    reason: the codebook's markers and the rules cited, not the words (notes
    quote the corpora, which are not ours to copy)."""
    note = (note or "").lower()
    rules = sorted({int(n) for m in re.finditer(r"rules?\s+([\d ,and&/]+)", note)
                    for n in re.findall(r"\d+", m.group(1)) if 1 <= int(n) <= 17})
    return {"weak": int("(weak)" in note or "weak" in note.split()), "hard_case": int("hard case" in note),
            "rules": " ".join(map(str, rules))}


def read_codes(path):
    out = {}
    with open(path, newline="") as f:
        for i, r in enumerate(csv.DictReader(f), start=2):
            for k in ("behavioural", "structural"):
                v = (r.get(k) or "").strip().lower()
                if v not in VALUES:
                    sys.exit(f"{path}:{i}: `{k}` must be endorsed, distanced or none, not {r.get(k)!r}")
                r[k] = v
            if r["unit_id"] in out:
                sys.exit(f"{path}:{i}: unit {r['unit_id']} coded twice")
            out[r["unit_id"]] = r
    return out


def batches(codes):
    found = {}
    for p in sorted(glob.glob(os.path.join(codes, "batch_*.coder[12].csv"))):
        m = re.search(r"batch_(\d+)\.coder([12])\.csv$", p)
        found.setdefault(int(m.group(1)), {})[int(m.group(2))] = p
    return found


def units(path):
    with open(path, newline="") as f:
        return {r["unit_id"]: r for r in csv.DictReader(f)}


def disagreements(args):
    os.makedirs(args.out, exist_ok=True)
    for b, files in sorted(batches(args.codes).items()):
        if set(files) != {1, 2}:
            print(f"batch {b}: waiting for coder {', '.join(str(k) for k in {1, 2} - set(files))}", file=sys.stderr)
            continue
        sheet = list(csv.DictReader(open(os.path.join(args.sheets, f"batch_{b:02d}.csv"), newline="")))
        c1, c2 = read_codes(files[1]), read_codes(files[2])
        missing = [u["unit_id"] for u in sheet if u["unit_id"] not in c1 or u["unit_id"] not in c2]
        if missing:
            print(f"batch {b}: {len(missing)} units not coded by both coders yet (e.g. {missing[0]})", file=sys.stderr)
            continue
        rows = []
        for u in sheet:
            a, z = c1[u["unit_id"]], c2[u["unit_id"]]
            if (a["behavioural"], a["structural"]) != (z["behavioural"], z["structural"]):
                rows.append(dict(u, coder1_behavioural=a["behavioural"], coder1_structural=a["structural"],
                                 coder1_note=a.get("note", ""), coder2_behavioural=z["behavioural"],
                                 coder2_structural=z["structural"], coder2_note=z.get("note", "")))
        out = os.path.join(args.out, f"batch_{b:02d}.csv")
        with open(out, "w", newline="") as f:
            fields = list(sheet[0].keys()) + ["coder1_behavioural", "coder1_structural", "coder1_note",
                                              "coder2_behavioural", "coder2_structural", "coder2_note"]
            w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        print(f"batch {b}: {len(rows)} of {len(sheet)} units disagree -> {out}", file=sys.stderr)


def gold(args):
    meta = units(args.units)
    # The external check's units carry a `passage`, and no era.
    design = DESIGN + tuple(k for k in ("passage",) if k in next(iter(meta.values())))
    rows = []
    seen = set()
    for b, files in sorted(batches(args.codes).items()):
        if set(files) != {1, 2}:
            sys.exit(f"batch {b}: only coder {list(files)} has coded it")
        c1, c2 = read_codes(files[1]), read_codes(files[2])
        decided_path = os.path.join(args.adjudication, f"batch_{b:02d}.decided.csv")
        decided = read_codes(decided_path) if os.path.exists(decided_path) else {}
        in_batch = [u for u in meta.values() if int(u["batch"]) == b]
        for u in in_batch:
            uid = u["unit_id"]
            a, z = c1.get(uid), c2.get(uid)
            if a is None or z is None:
                sys.exit(f"batch {b}: unit {uid} is not coded by both coders")
            disagree = (a["behavioural"], a["structural"]) != (z["behavioural"], z["structural"])
            if disagree and uid not in decided:
                sys.exit(f"batch {b}: unit {uid}: the coders disagree and no adjudication is recorded in {decided_path}")
            base = {k: u.get(k, "") for k in ("unit_id",) + design}
            for n, c in ((1, a), (2, z)):
                rows.append(dict(base, coder=f"b{b:02d}-coder{n}", role="coder",
                                 behavioural=c["behavioural"], structural=c["structural"],
                                 **flags(c.get("note"))))
            if disagree:
                d = decided[uid]
                rows.append(dict(base, coder=f"b{b:02d}-adjudicator", role="adjudicator",
                                 behavioural=d["behavioural"], structural=d["structural"],
                                 **flags(d.get("reason"))))
            seen.add(uid)
    if args.keep:
        coded = batches(args.codes)
        with open(args.keep, newline="") as f:
            for i, r in enumerate(csv.DictReader(f), start=2):
                if int(r["batch"]) in coded:
                    continue
                u = meta.get(r["unit_id"])
                if u is None:
                    sys.exit(f"{args.keep}:{i}: unit {r['unit_id']} is not in {args.units}")
                r.update({k: u.get(k, "") for k in design})
                rows.append(r)
                seen.add(r["unit_id"])
    missing = set(meta) - seen
    if missing:
        print(f"warning: {len(missing)} units of units.csv are in no coded batch", file=sys.stderr)
    rows.sort(key=lambda r: (r["corpus"], r["doc_id"], int(r["byte_start"]), r["role"], r["coder"]))
    fields = ["unit_id", "doc_id", "byte_start", "byte_end", "corpus", "era", "stratum", "inclusion_prob",
              "split", "batch", *design[len(DESIGN):], "coder", "role", "behavioural", "structural", "weak",
              "hard_case", "rules"]
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    n_adj = sum(r["role"] == "adjudicator" for r in rows)
    print(f"{len(seen)} units, {len(rows) - n_adj} coder rows, {n_adj} adjudicated -> {args.out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("disagreements")
    d.add_argument("--sheets", required=True)
    d.add_argument("--codes", required=True)
    d.add_argument("--out", required=True)
    g = sub.add_parser("gold")
    g.add_argument("--codes", required=True)
    g.add_argument("--adjudication", required=True)
    g.add_argument("--keep", help="an earlier gold file: batches not in --codes are taken from it")
    g.add_argument("--out", default=os.path.join(HERE, "coded.csv"))
    g.add_argument("--units", default=os.path.join(HERE, "units.csv"), help="the units file (default gold/units.csv)")
    args = ap.parse_args()
    {"disagreements": disagreements, "gold": gold}[args.cmd](args)


if __name__ == "__main__":
    main()
