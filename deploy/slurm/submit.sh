#!/usr/bin/env bash
# Queue a sharded framewatch run on Slurm: an array of N shard tasks, then
# the merge, which waits for all of them (afterok).
#
# usage: submit.sh CORPUS RUN_DIR N [framewatch run options...]
#   e.g. submit.sh /data/hansard /scratch/hansard-run 32 --by month --group party
set -euo pipefail
corpus=${1:?usage: submit.sh CORPUS RUN_DIR N [options]}
run=${2:?usage: submit.sh CORPUS RUN_DIR N [options]}
n=${3:?usage: submit.sh CORPUS RUN_DIR N [options]}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$run"
export CORPUS=$corpus RUN=$run FRAMEWATCH_ARGS="$*"
array=$(sbatch --parsable --chdir="$run" --array="1-$n" --export=ALL "$here/framewatch-shard.sbatch")
merge=$(sbatch --parsable --chdir="$run" --dependency="afterok:$array" --export=ALL "$here/framewatch-merge.sbatch")
echo "shards: job $array (array 1-$n); merge: job $merge -> $run/merged"
