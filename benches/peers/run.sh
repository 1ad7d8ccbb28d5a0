#!/usr/bin/env bash
# Side-by-side benchmark of `framewatch tag` against the peer taggers in
# ../shared/bench/peers (wc -w, ripgrep, Python regex ± Snowball, spaCy
# PhraseMatcher ± Snowball), on one corpus and one dictionary, repeated
# REPS times; prints one table of medians. See README.md.
#
# usage: benches/peers/run.sh [OUTDIR]
#
# Env:
#   SHARED        the shared folder (default: ../shared beside the repo)
#   BENCH_DIR     where the corpus is built (default ~/.cache/framewatch/bench)
#   CORPUS_MB     minimum corpus size in MB (default 200): the shared corpora
#                 (.txt files only) copied whole as often as needed
#   REPS          repetitions of the whole peer set (default 3)
#   PEERS         other peers run by run_peers.sh (default: all six); framewatch
#                 ("rust", 2 threads, then 1 thread) is always added
#   FRAMEWATCH    framewatch binary (default: cargo build --release, then
#                 $CARGO_TARGET_DIR/release/framewatch)
#   PEER_TIMEOUT  seconds per peer (default 1800: spaCy on 200 MB takes ~5 min)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SHARED=${SHARED:-$repo/../shared}
PEERKIT=$SHARED/bench/peers
DICT=$PEERKIT/poverty_framing.yml
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/framewatch/bench}
CORPUS_MB=${CORPUS_MB:-200}
REPS=${REPS:-3}
export PEER_TIMEOUT=${PEER_TIMEOUT:-1800}
OUT=${1:-$BENCH_DIR/results-$(date -u +%Y%m%dT%H%M%SZ)}
[ -x "$PEERKIT/run_peers.sh" ] || { echo "bench: no peer kit at $PEERKIT" >&2; exit 2; }

if [ -z "${FRAMEWATCH:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  FRAMEWATCH=${CARGO_TARGET_DIR:-$repo/target}/release/framewatch
fi
[ -x "$FRAMEWATCH" ] || { echo "bench: no framewatch binary at $FRAMEWATCH" >&2; exit 2; }

# The corpus: whole copies of the shared corpora's .txt files (no
# metadata.csv, so every tool reads the same plain folder of documents).
corpus=$BENCH_DIR/corpus$CORPUS_MB
if [ ! -f "$corpus/.complete" ]; then
  rm -rf "$corpus"; mkdir -p "$corpus"
  i=0
  while [ "$(du -sb "$corpus" | cut -f1)" -lt $((CORPUS_MB * 1000000)) ]; do
    i=$((i + 1))
    for c in "$SHARED"/corpora/*/; do
      name=$(basename "$c")
      (cd "$c" && find . -type f -name '*.txt' -print0 | while IFS= read -r -d '' f; do
        mkdir -p "$corpus/r$i/$name/$(dirname "$f")"; cp "$f" "$corpus/r$i/$name/$f"; done)
    done
  done
  touch "$corpus/.complete"
fi
echo "bench: corpus $corpus: $(find "$corpus" -name '*.txt' | wc -l) documents, $(find "$corpus" -name '*.txt' -print0 | du -cb --files0-from=- | tail -1 | cut -f1) bytes"

# framewatch reads the quanteda YAML itself (the `lexicon import` code path)
# and, like the *_stem peers, matches plain words by Snowball stem.
mkdir -p "$OUT"
"$FRAMEWATCH" lexicon import "$DICT" --out "$OUT/poverty_framing.toml" 2> "$OUT/import.log" || true
for r in $(seq 1 "$REPS"); do
  echo "== repetition $r/$REPS ($(uptime | sed 's/.*load/load/'))"
  RUST_TOOL=$FRAMEWATCH RUST_TOOL_ARGS="--stem" \
    PEERS="${PEERS:-wc rg py_regex py_regex_stem spacy spacy_stem} rust" \
    "$PEERKIT/run_peers.sh" "$corpus" "$DICT" "$OUT/rep$r" > "$OUT/rep$r.log" 2>&1
  # One thread, for the scaling ratio.
  RUST_TOOL=$FRAMEWATCH RUST_TOOL_ARGS="--stem -j 1" PEERS=rust \
    "$PEERKIT/run_peers.sh" "$corpus" "$DICT" "$OUT/rep$r-1t" > "$OUT/rep$r-1t.log" 2>&1
  uptime >> "$OUT/load.txt"
done
python3 "$here/medians.py" "$OUT" | tee "$OUT/table.md"
