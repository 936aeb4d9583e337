#!/usr/bin/env bash
# Spreads a job over N plain processes, one slice each (what an array job or a Kubernetes
# Indexed Job does across hosts), then retries the slices that failed with --resume.
# Usage: run-parallel.sh [JOB] [N] [path/to/syncpath]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
job=${1:-$here/job.yaml}
n=${2:-8}
bin=${3:-${SYNCPATH_BIN:-$here/../../build/cli/syncpath}}
pids=()
for ((i = 0; i < n; i++)); do
  "$bin" sync "$job" --slice "$i/$n" --quiet &
  pids+=($!)
done
failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("$i")
done
for i in "${failed[@]}"; do  # one retry each; --resume skips the slice if it did commit
  echo "slice $i/$n failed; retrying" >&2
  "$bin" sync "$job" --slice "$i/$n" --resume --quiet || exit 1
done
echo "all $n slices finished"
