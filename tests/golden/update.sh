#!/usr/bin/env bash
# Regenerates the golden plan outputs of the shipped topologies with the given binary.
# The result MUST be reviewed by hand against ../shared/spec/topology.md before committing
# (git diff tests/golden): the test compares the plan to these files, so a wrong golden file
# would make a wrong plan pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-build/cli/syncpath}
for t in topologies/*.yaml; do
  name=$(basename "$t" .yaml)
  for fmt in text markdown json dot; do
    ext=$fmt; [[ $fmt == markdown ]] && ext=md
    "$bin" plan "$t" --format "$fmt" --no-color >"tests/golden/$name.$ext" 2>/dev/null || true
  done
done
echo "wrote tests/golden/*; review with: git diff tests/golden"
