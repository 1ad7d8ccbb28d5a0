#!/usr/bin/env bash
# Run every fuzz target (or those named) for SECONDS each, seeded from the
# project's fixtures, and print one line per target: executions, corpus
# size, and whether it crashed. Crash inputs land in fuzz/artifacts/TARGET/.
#
# usage: fuzz/run.sh SECONDS [TARGET...]
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

status=0
for t in "${targets[@]}"; do
  case $t in
    lexicon) seed "$t" lexicons tests/fixtures/lexicons ;;
    dictionary_import) seed "$t" tests/fixtures/dicts ;;
    gold) seed "$t" tests/fixtures/gold ;;
    tag_text) seed "$t" corpora/demo tests/fixtures/audit ;;
    *) seed "$t" tests/fixtures ;;
  esac
  mkdir -p "artifacts/$t"
  log="artifacts/$t/last-run.log"
  start=$(date +%s)
  # FUZZ_SEED fixes libFuzzer's random seed (CI sets it, so a red run can
  # be repeated); 0 or unset: a new seed each run.
  if cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -timeout=10 -seed="${FUZZ_SEED:-0}" \
      -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 >"$log" 2>&1; then
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
