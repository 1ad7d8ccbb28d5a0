#!/usr/bin/env python3
"""Article-body extraction on the public article-extraction benchmark
(../shared/realdocs/article-bench: 120 saved news pages with human-annotated
bodies), scored with the benchmark's own metric, beside the extractors whose
outputs the benchmark publishes.

Usage: python3 benches/article_bench.py [--bench DIR] [--extractions DIR]
                                        [--score NAME=FILE.json ...] [--worst N]

The metric (the benchmark's evaluate.py): per page, both bodies become the
multiset of their word 4-grams (words are regex \\w+ runs); true positives
are the shared 4-grams, false positives those only extracted, false
negatives those only expected; the three are normalised to sum 1 per page.
Precision is averaged over pages with tp + fp > 0 and recall over pages
with tp + fn > 0 (an empty extraction scores recall 0 and drops out of the
precision average, as in evaluate.py); F1 comes from the two averages.

Steps:
1. Score every `published/NAME.json` and check the figures reproduce the
   ones the benchmark's SOURCE.md states (exit 1 if not: the scorer is not
   trusted then).
2. Unzip the pages to a temporary folder and run the ignored unit test
   `ingest::html::tests::dump_article_bench` (cargo test --release), which
   reads each page exactly as `framewatch run` does (file_doc + read_doc:
   decoding, extraction, normalisation) and writes `KEY.txt`; a page the
   pipeline skips (e.g. `empty-text`) gives an empty file. With
   `--extractions DIR` an existing folder of `KEY.txt` is scored instead.
3. Print a markdown table: extractor, F1, precision, recall, empty pages.

`--score NAME=FILE.json` adds any other extractor's output (the published
shape, `{KEY: {"articleBody": ...}}`) to the table; `--worst N` lists
framewatch's N lowest-F1 pages.
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BENCH = os.path.join(ROOT, "..", "shared", "realdocs", "article-bench")

# The published figures (SOURCE.md) the scorer must reproduce: F1, P, R.
PUBLISHED = {
    "trafilatura": (0.961, 0.940, 0.984),
    "readability_js": (0.950, 0.920, 0.983),
    "dom_smoothie": (0.873, 0.797, 0.965),
}
LABELS = {
    "trafilatura": "trafilatura 2.0.0 (published)",
    "readability_js": "Readability.js 0.6.0 (published)",
    "dom_smoothie": "dom_smoothie 0.14.0 (published)",
}

TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def shingles(text, n=4):
    tokens = TOKEN.findall(text or "")
    out = []
    for i in range(0, max(1, len(tokens) - n + 1)):
        s = tuple(tokens[i:i + n])
        if s:
            out.append(s)
    return Counter(out)


def page_counts(true, pred):
    """Normalised (tp, fp, fn) of one page, as evaluate.py computes them."""
    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for k in set(t) | set(p):
        a, b = t.get(k, 0), p.get(k, 0)
        tp += min(a, b)
        fp += max(0, b - a)
        fn += max(0, a - b)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (tp, fp, fn)


def precision(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def evaluate(truth, pred):
    """(f1, precision, recall, empty pages, per-page (key, p, r))."""
    if set(truth) != set(pred):
        missing = sorted(set(truth) - set(pred))[:3]
        sys.exit(f"article_bench: the extraction's keys differ from the ground truth (missing e.g. {missing})")
    counts = {k: page_counts(truth[k].get("articleBody", ""), pred[k].get("articleBody", "")) for k in sorted(truth)}
    ps = [precision(*c) for c in counts.values() if c[0] + c[1] > 0]
    rs = [recall(*c) for c in counts.values() if c[0] + c[2] > 0]
    p, r = sum(ps) / len(ps), sum(rs) / len(rs)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    empty = sum(1 for k in truth if not TOKEN.search(pred[k].get("articleBody", "") or ""))
    pages = [(k, precision(*c), recall(*c)) for k, c in counts.items()]
    return f1, p, r, empty, pages


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def extract_with_framewatch(bench, keys):
    """KEY → text, read by the pipeline through the ignored dump test."""
    with tempfile.TemporaryDirectory(prefix="fw-article-bench-") as tmp:
        pages, out = os.path.join(tmp, "pages"), os.path.join(tmp, "out")
        os.makedirs(pages)
        os.makedirs(out)
        for k in keys:
            with gzip.open(os.path.join(bench, "html", k + ".html.gz")) as f:
                data = f.read()
            with open(os.path.join(pages, k + ".html"), "wb") as f:
                f.write(data)
        env = dict(os.environ, FW_HTML_DUMP_IN=pages, FW_HTML_DUMP_OUT=out)
        cmd = ["cargo", "test", "--release", "--locked", "--quiet", "--lib",
               "ingest::html::tests::dump_article_bench", "--", "--ignored", "--exact"]
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"article_bench: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
        return read_folder(out, keys)


def read_folder(folder, keys):
    got = {}
    for k in keys:
        path = os.path.join(folder, k + ".txt")
        text = ""
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                text = f.read()
        got[k] = {"articleBody": text}
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", default=DEFAULT_BENCH, help="the article-bench folder")
    ap.add_argument("--extractions", help="score this folder of KEY.txt instead of running framewatch")
    ap.add_argument("--score", action="append", default=[], metavar="NAME=FILE.json",
                    help="also score another extractor's output")
    ap.add_argument("--worst", type=int, default=0, help="list framewatch's N lowest-F1 pages")
    args = ap.parse_args()
    if not os.path.isdir(args.bench):
        sys.exit(f"article_bench: {args.bench} is absent")
    truth = load(os.path.join(args.bench, "ground-truth.json"))
    keys = sorted(truth)

    rows = []
    bad = []
    for name in sorted(PUBLISHED):
        f1, p, r, empty, _ = evaluate(truth, load(os.path.join(args.bench, "published", name + ".json")))
        want = PUBLISHED[name]
        ok = all(abs(round(got, 3) - w) < 1e-9 for got, w in zip((f1, p, r), want))
        if not ok:
            bad.append(f"{name}: got F1 {f1:.3f} P {p:.3f} R {r:.3f}, published {want}")
        rows.append((LABELS[name], f1, p, r, empty, "yes" if ok else "NO"))
    for spec in args.score:
        name, _, path = spec.partition("=")
        f1, p, r, empty, _ = evaluate(truth, load(path))
        rows.append((name, f1, p, r, empty, ""))

    if args.extractions:
        fw = read_folder(args.extractions, keys)
    else:
        fw = extract_with_framewatch(args.bench, keys)
    f1, p, r, empty, pages = evaluate(truth, fw)
    rows.append(("framewatch (this tree)", f1, p, r, empty, ""))

    print(f"Article-body extraction, {len(keys)} pages, 4-gram shingle metric\n")
    print("| extractor | F1 | precision | recall | empty pages | reproduces published |")
    print("|---|---|---|---|---|---|")
    for name, f1_, p_, r_, e_, ok in rows:
        print(f"| {name} | {f1_:.3f} | {p_:.3f} | {r_:.3f} | {e_} | {ok} |")
    if args.worst:
        print(f"\nframewatch's {args.worst} lowest pages (F1, P, R, key, chars extracted):")
        scored = sorted(pages, key=lambda x: (2 * x[1] * x[2] / (x[1] + x[2]) if x[1] + x[2] else 0.0, x[0]))
        for k, pp, rr in scored[:args.worst]:
            f = 2 * pp * rr / (pp + rr) if pp + rr else 0.0
            print(f"  {f:.3f} {pp:.3f} {rr:.3f} {k} {len(fw[k]['articleBody'])}")
    if bad:
        print("\nthe scorer does not reproduce the published figures:\n  " + "\n  ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
