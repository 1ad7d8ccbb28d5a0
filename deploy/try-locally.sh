#!/usr/bin/env bash
# Execute the shell steps of the GitHub Actions workflow and the Kubernetes
# manifests on this machine, with the variables a runner or a pod would
# set, on a small corpus; then check that the merged run equals a single run
# byte for byte. (No runner or cluster needed: this tests our commands, not
# GitHub's or Kubernetes' scheduling.)
#
# usage: deploy/try-locally.sh CORPUS_DIR [FRAMEWATCH]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "${1:?usage: try-locally.sh CORPUS_DIR [FRAMEWATCH]}" && pwd)
fw=${2:-framewatch}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"; ln -s "$(command -v "$fw")" "$work/bin/framewatch"
export PATH="$work/bin:$PATH"

steps() { # FILE KIND -> prints the shell commands, one per line (NUL-separated)
  python3 - "$1" "$2" <<'PY'
import sys, yaml
doc = list(yaml.safe_load_all(open(sys.argv[1])))[0]
if sys.argv[2] == "gha":
    for job in ("shard", "merge"):
        for s in doc["jobs"][job]["steps"]:
            if "run" in s and "install" not in s.get("name", ""):
                print(job + "\t" + s["run"].replace("\n", "; "))
else:
    c = doc["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    print(doc["spec"].get("completions", 1), "\t", ";".join(f"export {k}='{v}'" for k, v in env.items()), "\t", c["args"][0])
PY
}

echo "== GitHub Actions matrix (4 jobs) + merge job"
mkdir -p "$work/gha" && cd "$work/gha" && ln -s "$corpus" corpus
gha_args=$(python3 -c "import yaml; print(yaml.safe_load(open('$here/github-actions/framewatch-sharded.yml'))['env']['RUN_ARGS'])")
while IFS=$'\t' read -r job cmd; do
  if [ "$job" = shard ]; then
    for idx in 0 1 2 3; do
      c=${cmd//'${{ strategy.job-index }}'/$idx}; c=${c//'${{ strategy.job-total }}'/4}
      (mkdir -p "runner$idx" && cd "runner$idx" && ln -sf "$corpus" corpus && RUN_ARGS=$gha_args bash -euo pipefail -c "$c")
      mkdir -p shards && cp -r "runner$idx/shards/." shards/   # upload + download-artifact (merge-multiple)
    done
  else
    RUN_ARGS=$gha_args bash -euo pipefail -c "$cmd"
  fi
done < <(steps "$here/github-actions/framewatch-sharded.yml" gha)
# shellcheck disable=SC2086
framewatch run $gha_args --out merged-single -q
for f in merged-single/*.parquet; do cmp "$f" "merged/$(basename "$f")"; done
echo "gha: merged == single run (Parquet tables byte for byte)"

echo "== Kubernetes Indexed Job (8 pods) + merge Job"
mkdir -p "$work/k8s/data/run" && ln -s "$corpus" "$work/k8s/data/corpus"
IFS=$'\t' read -r completions envs args < <(steps "$here/kubernetes/framewatch-indexed-job.yaml" k8s)
for ((i = 0; i < completions; i++)); do
  c=${args//\/data/$work/k8s/data}
  (eval "${envs//\/data/$work/k8s/data}"; JOB_COMPLETION_INDEX=$i sh -c "$c")
done
IFS=$'\t' read -r _ _ margs < <(steps "$here/kubernetes/framewatch-merge-job.yaml" k8s)
sh -c "${margs//\/data/$work/k8s/data}"
(eval "${envs//\/data/$work/k8s/data}"; framewatch run $RUN_ARGS --out "$work/k8s/single" -q)
for f in "$work"/k8s/single/*.parquet; do cmp "$f" "$work/k8s/data/run/merged/$(basename "$f")"; done
echo "k8s: merged == single run (Parquet tables byte for byte)"
