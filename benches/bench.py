#!/usr/bin/env python3
"""Tagging throughput and peak memory of framewatch on the shared corpora,
side by side with `wc -w` over the same files (the floor to compare with).

Usage: python3 benches/bench.py [--runs 5] [--bin PATH] [--shared ../shared]

For each corpus (and all three together) it runs framewatch with 1 and 2
threads and `wc -w` on the concatenated texts, each --runs times, and prints
medians: MB/s (text bytes / wall seconds), peak RSS, and framewatch's speed
as a fraction of wc -w. It then checks that peak memory does not grow with
corpus size: a manifest that lists the Wikinews files 1x and 4x (same files,
distinct doc_ids) is tagged and the peak RSS of both runs is compared.
Timings are medians of several runs; machines are noisy.
"""
import argparse, csv, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd, **kw):
    """Wall seconds and peak RSS (KB) of one command, via GNU time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"bench: command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    rss = int(p.stderr.strip().splitlines()[-1])
    return wall, rss


def corpus_files(corpus):
    with open(os.path.join(corpus, "metadata.csv"), newline="") as f:
        return [os.path.join(corpus, r["path"]) for r in csv.DictReader(f)]


def median_runs(cmd, runs, **kw):
    results = [timed(cmd, **kw) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=None, help="framewatch binary (default: build with cargo --release)")
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = ap.parse_args()

    corpora_dir = os.path.join(args.shared, "corpora")
    if not os.path.isdir(corpora_dir):
        sys.exit(f"bench: {corpora_dir} not found; the benchmark needs ../shared/corpora")
    binary = args.bin
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(target, "release", "framewatch")

    names = sorted(d for d in os.listdir(corpora_dir) if os.path.isfile(os.path.join(corpora_dir, d, "metadata.csv")))
    sets = [(n, [os.path.join(corpora_dir, n)]) for n in names] + [("all three", [os.path.join(corpora_dir, n) for n in names])]
    tmp = tempfile.mkdtemp(prefix="framewatch-bench-")
    rows = []
    try:
        for label, dirs in sets:
            files = [f for d in dirs for f in corpus_files(d)]
            mb = sum(os.path.getsize(f) for f in files) / 1e6
            cat = os.path.join(tmp, "cat.txt")
            with open(cat, "wb") as out:
                for f in files:
                    with open(f, "rb") as src:
                        shutil.copyfileobj(src, out)
            wc_t, wc_rss = median_runs(["wc", "-w", cat], args.runs)
            row = {"corpus": label, "MB": mb, "wc": (wc_t, wc_rss)}
            for threads in (1, 2):
                out = os.path.join(tmp, f"out-{threads}")
                cmd = [binary, "run", *dirs, "--measure", "lexicon", "--out", out, "--threads", str(threads), "--quiet"]
                row[threads] = median_runs(cmd, args.runs)
            rows.append(row)

        print(f"framewatch tagging vs wc -w, median of {args.runs} runs (MB = text bytes / 1e6)\n")
        print(f"{'corpus':<24}{'MB':>7}{'wc -w MB/s':>12}{'fw 1t MB/s':>12}{'fw 2t MB/s':>12}{'2t / wc':>9}{'2t / 1t':>9}{'fw peak RSS':>13}")
        for r in rows:
            wc = r["MB"] / r["wc"][0]
            one, two = r["MB"] / r[1][0], r["MB"] / r[2][0]
            print(f"{r['corpus']:<24}{r['MB']:>7.1f}{wc:>12.1f}{one:>12.1f}{two:>12.1f}{two / wc:>9.2f}{two / one:>9.2f}{max(r[1][1], r[2][1]) / 1024:>10.1f} MB")

        # Memory against corpus size: the same Wikinews files listed 1x and 4x.
        wiki = os.path.join(corpora_dir, "wikinews_econ_politics")
        with open(os.path.join(wiki, "metadata.csv"), newline="") as f:
            rows_meta = list(csv.DictReader(f))
        print("\npeak RSS against corpus size (Wikinews listed 1x and 4x, 2 threads):")
        for k in (1, 4):
            d = os.path.join(tmp, f"scaled-{k}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "metadata.csv"), "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["doc_id", "date", "source", "kind", "title", "path"])
                for i in range(k):
                    for r in rows_meta:
                        w.writerow([f"{r['doc_id']}#{i}", r["date"], r["source"], r["kind"], r["title"], os.path.join(wiki, r["path"])])
            mb = k * sum(os.path.getsize(os.path.join(wiki, r["path"])) for r in rows_meta) / 1e6
            t, rss = median_runs([binary, "run", d, "--measure", "lexicon", "--out", os.path.join(tmp, f"o{k}"), "-j", "2", "-q"], max(3, args.runs // 2))
            print(f"  {k}x: {mb:7.1f} MB text, {mb / t:6.1f} MB/s, peak RSS {rss / 1024:.1f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
