#!/usr/bin/env python3
"""Build the per-entry review table of the default lexicon from the judgements.

    python3 lexicons/review/sample.py --bin BIN --lexicon lexicons/review/poverty-framing-1.0-candidates.toml --out target/lexicon-review/round1
    python3 lexicons/review/sample.py --bin BIN --lexicon lexicons/poverty-framing.toml --out target/lexicon-review/final
    python3 lexicons/review/summarise.py --round1 target/lexicon-review/round1 --final target/lexicon-review/final

Round 1 is the candidate list (0.2.0 plus the entries proposed for 1.0),
sampled before any decision; "final" is lexicons/poverty-framing.toml as
released, sampled again after the decisions (context rules change which
hits count, so gated entries get fresh samples). Every sampled line of both
rounds is judged in judgements-1.0.csv (1 = the line uses the sub-frame's
framing, or for the context category poverty/welfare talk, in the sense the
codebook defines; 0 = another sense). decisions-1.0.csv holds what was done
to each entry that changed, and why.

Writes lexicons/review/poverty-framing-1.0.csv (or --out): one row per entry
of the candidate list or the final lexicon.
"""
import argparse
import collections
import csv
import os
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))


def entries(path):
    lex = tomllib.load(open(path, "rb"))
    out = []
    for cat, subs in lex["categories"].items():
        for sub, body in subs.items():
            if not isinstance(body, dict) or "entries" not in body:
                continue
            for e in body["entries"]:
                if isinstance(e, str):
                    out.append((cat, sub, e, ""))
                else:
                    out.append((cat, sub, e["term"], e.get("context", body.get("context", ""))))
    return out


def stats(run_dir, judgements):
    counts = {}
    for r in csv.DictReader(open(os.path.join(run_dir, "counts.csv"), encoding="utf-8")):
        counts[(r["subframe"], r["entry"])] = r
    judged = collections.defaultdict(lambda: [0, 0, 0])  # n, correct, unjudged
    for r in csv.DictReader(open(os.path.join(run_dir, "sample.csv"), encoding="utf-8")):
        key = (r["subframe"], r["entry"])
        v = judgements.get((r["subframe"], r["entry"], r["doc_id"], r["byte_start"]))
        if v is None:
            judged[key][2] += 1
            continue
        judged[key][0] += 1
        judged[key][1] += int(v)
    return counts, judged


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--round1", required=True)
    p.add_argument("--final", required=True)
    p.add_argument("--candidates", default=os.path.join(HERE, "poverty-framing-1.0-candidates.toml"))
    p.add_argument("--lexicon", default=os.path.join(HERE, "..", "poverty-framing.toml"))
    p.add_argument("--judgements", default=os.path.join(HERE, "judgements-1.0.csv"))
    p.add_argument("--decisions", default=os.path.join(HERE, "decisions-1.0.csv"))
    p.add_argument("--out", default=os.path.join(HERE, "poverty-framing-1.0.csv"))
    args = p.parse_args()

    judgements = {(r["subframe"], r["entry"], r["doc_id"], r["byte_start"]): r["correct"]
                  for r in csv.DictReader(open(args.judgements, encoding="utf-8"))}
    decisions = {(r["subframe"], r["entry"]): r for r in csv.DictReader(open(args.decisions, encoding="utf-8"))}
    c1, j1 = stats(args.round1, judgements)
    cf, jf = stats(args.final, judgements)
    cand = entries(args.candidates)
    final = entries(args.lexicon)
    final_keys = {(s, e) for _, s, e, _ in final}
    cand_keys = {(s, e) for _, s, e, _ in cand}

    rows, seen = [], set()
    unjudged = 0
    for cat, sub, entry, ctx in final + cand:
        key = (sub, entry)
        if key in seen:
            continue
        seen.add(key)
        in_final = key in final_keys
        cnt = (cf if in_final else c1).get(key, {})
        n1, k1, u1 = j1.get(key, [0, 0, 0])
        nf, kf, uf = jf.get(key, [0, 0, 0])
        unjudged += u1 + (uf if in_final else 0)
        hits = sum(int(cnt.get(c, 0) or 0) for c in ("sotu", "ukman", "wikinews"))
        d = decisions.get(key)
        if d:
            decision, note = d["decision"], d["note"]
        elif not in_final:
            decision, note = "removed", ""
        elif hits == 0 and int(cnt.get("no_context", 0) or 0) == 0:
            decision, note = "kept", "never fired on the shared corpora; kept on the literature"
        elif nf and kf / nf < 0.7 and nf < 5:
            decision, note = "kept", f"fewer than 5 counted hits ({kf}/{nf}): too few to judge; kept on the literature"
        elif hits == 0:
            decision, note = "kept", "every hit rejected by its context rule"
        else:
            decision, note = "kept", ""
        if in_final and key not in cand_keys and not d:
            note = ("new after round 1; " + note).rstrip("; ")
        rows.append({
            "category": cat, "subframe": sub, "entry": entry,
            "in_1_0": "yes" if in_final else "no",
            "context_required": "yes" if ctx == "required" else "no",
            "hits_sotu": cnt.get("sotu", 0), "hits_ukman": cnt.get("ukman", 0),
            "hits_wikinews": cnt.get("wikinews", 0), "no_context": cnt.get("no_context", 0),
            "round1_n": n1, "round1_correct": k1,
            "round1_precision": f"{k1 / n1:.2f}" if n1 else "",
            "final_n": nf if in_final else "", "final_correct": kf if in_final else "",
            "final_precision": f"{kf / nf:.2f}" if in_final and nf else "",
            "decision": decision, "note": note,
        })
    # Entries tried and dropped between rounds (in neither list).
    cat_of = {s: c for c, s, _, _ in final + cand}
    for (sub, entry), d in decisions.items():
        if (sub, entry) in seen:
            continue
        nf, kf, _ = jf.get((sub, entry), [0, 0, 0])
        rows.append({
            "category": cat_of.get(sub, ""), "subframe": sub, "entry": entry, "in_1_0": "no",
            "context_required": "", "hits_sotu": "", "hits_ukman": "", "hits_wikinews": "",
            "no_context": "", "round1_n": 0, "round1_correct": 0, "round1_precision": "",
            "final_n": "", "final_correct": "", "final_precision": "",
            "decision": d["decision"], "note": "tried after round 1; " + d["note"],
        })
    order = {"behavioural": 0, "structural": 1, "context": 2}
    rows.sort(key=lambda r: (order.get(r["category"], 9), r["subframe"], r["in_1_0"] == "no", r["entry"]))
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    lines1 = sum(v[0] for v in j1.values())
    linesf = sum(v[0] for v in jf.values())
    print(f"summarise.py: {len(rows)} entries; round 1: {lines1} judged lines over "
          f"{sum(1 for v in j1.values() if v[0])} entries; final: {linesf} judged lines over "
          f"{sum(1 for v in jf.values() if v[0])} entries; unjudged sampled lines: {unjudged} -> {args.out}",
          file=sys.stderr)
    if unjudged:
        sys.exit(1)


if __name__ == "__main__":
    main()
