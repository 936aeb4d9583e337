#!/usr/bin/env bash
# The main job on the shipped example, from a fresh Debian 12 machine: packages, build,
# validate and plan every topology in topologies/, then the seed's sync task on SQLite.
# Nothing here touches the network: the example topologies are only planned, never probed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin=$(bash scripts/build.sh build)

echo "== syncpath validate topologies/*.yaml"
for f in topologies/*.yaml; do "$bin" validate --no-color "$f"; done

echo
echo "== syncpath plan topologies/demo.yaml"
# Exit 1 means "some pairs need changes": that is the example's point, not a failure.
rc=0; "$bin" plan --no-color topologies/demo.yaml || rc=$?
((rc <= 1)) || exit "$rc"

echo
echo "== syncpath plan topologies/demo.yaml --format markdown (the remediation checklist)"
rc=0; "$bin" plan --no-color --format markdown topologies/demo.yaml || rc=$?
((rc <= 1)) || exit "$rc"

echo
echo "== syncpath sync examples/seed/job-sqlite.yaml (the seed's task: result_table -> odps_result)"
bash examples/seed/make-data.sh
"$bin" sync --no-color examples/seed/job-sqlite.yaml --skip-preflight
