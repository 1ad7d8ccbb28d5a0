#!/usr/bin/env bash
# Run every fuzz target (or those named) for SECONDS each, seeded from the
# project's fixtures, and print one line per target: executions, corpus
# size, and whether it crashed. Crash inputs land in fuzz/artifacts/TARGET/.
#
# usage: fuzz/run.sh SECONDS [TARGET...]
#
# FUZZ_SEED: libFuzzer's -seed (0 or unset: random). FUZZ_ARGS: more
# libFuzzer flags. FUZZ_EXTRA_SEEDS: a folder of real documents used as
# extra seeds for the ingest targets (default ../shared/realdocs beside the
# repository, when present; never copied into the repository).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on stable Rust:
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z sanitizer flags.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/framewatch/target-fuzz}"
if ! out=$(cargo fuzz build -O 2>&1); then
  echo "$out" >&2
  exit 2
fi

seed() { # target dir...: copy seed files into the target's corpus
  local t=$1; shift
  mkdir -p "corpus/$t"
  for d in "$@"; do
    find "../$d" -type f -size -64k 2>/dev/null | while read -r f; do
      cp "$f" "corpus/$t/seed-$(sha1sum "$f" | cut -c1-16)"
    done
  done
}

# Real documents kept outside the repository (never committed): extra
# seeds for the ingest targets when the folder is there.
extra=${FUZZ_EXTRA_SEEDS:-../../shared/realdocs}

seed_ext() { # target "ext..." dir...: seed files with those extensions
  local t=$1 exts=$2; shift 2
  mkdir -p "corpus/$t"
  for d in "$@"; do
    [ -d "$d" ] || continue
    for e in $exts; do
      find "$d" -type f -iname "*.$e" -size -256k 2>/dev/null
    done | while read -r f; do
      cp "$f" "corpus/$t/seed-$(sha1sum "$f" | cut -c1-16)"
    done
  done
}

status=0
for t in "${targets[@]}"; do
  case $t in
    lexicon) seed "$t" lexicons tests/fixtures/lexicons ;;
    dictionary_import) seed "$t" tests/fixtures/dicts ;;
    gold) seed "$t" tests/fixtures/gold ;;
    tag_text) seed "$t" corpora/demo tests/fixtures/audit ;;
    # pdf-extract has ~100 unwraps; the panics it raises on broken PDFs are
    # caught by ingest::guard in a run (the file is skipped as corrupt-pdf),
    # so this target lets them unwind to the guard (see common/mod.rs) and
    # still aborts on a panic in framewatch's code or outside the guard.
    ingest_pdf) seed_ext "$t" pdf ../tests/fixtures "$extra" ;;
    ingest_office) seed_ext "$t" "docx odt" ../tests/fixtures "$extra" ;;
    ingest_html) seed_ext "$t" "html htm" ../tests/fixtures "$extra" ;;
    ingest_table) seed_ext "$t" "csv tsv" ../tests/fixtures ;;
    ingest_jsonl) seed_ext "$t" "jsonl ndjson" ../tests/fixtures ;;
    ingest_feed) seed_ext "$t" "rss atom xml" ../tests/fixtures "$extra" ;;
    ingest_encoding) seed_ext "$t" "txt md csv" ../tests/fixtures ;;
    *) seed "$t" tests/fixtures ;;
  esac
  case $t in
    ingest_pdf) export FUZZ_CONTAIN=1 ;;
    *) unset FUZZ_CONTAIN ;;
  esac
  mkdir -p "artifacts/$t"
  log="artifacts/$t/last-run.log"
  start=$(date +%s)
  # FUZZ_SEED fixes libFuzzer's random seed (CI sets it, so a red run can
  # be repeated); 0 or unset: a new seed each run.
  if cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -timeout=10 -seed="${FUZZ_SEED:-0}" \
      -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log and artifacts/$t/)"
    status=1
  fi
  took=$(( $(date +%s) - start ))
  # Executions: libFuzzer's final stats, or its last status line on a crash.
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  echo "fuzz: $t: ${took}s, ${execs:-?} executions, $(ls "corpus/$t" | wc -l) corpus files: $result"
done
exit $status
