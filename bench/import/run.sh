#!/usr/bin/env bash
# Benchmark of `syncpath import terraform` on a generated state of 10,000 resources (about 1,350
# VPCs with vSwitches, RDS instances and CEN attachments, VPN connections, DataWorks groups),
# against `syncpath validate` of the YAML it writes, measured in this run, with their ratio. The
# import checks what it writes by loading it back (the load validate does), so the command
# includes one load; the phase breakdown (bench/import/import_phases.cpp, built here against the
# project's libraries) shows the import's own work beside that check. Best of RUNS (default 3).
# Usage: bench/import/run.sh [BUILD_DIR] [RESOURCES]   (default build/, 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
resources=${2:-10000}
runs=${RUNS:-3}
[[ -x $build/cli/syncpath ]] || bash scripts/build.sh "$build" >/dev/null
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (Debian package 'time'; see scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/import/gen_state.py "$resources" >"$work/state.json"
printf 'generated a state of %s resources (%.1f MB)\n' "$resources" "$(awk -v b="$(stat -c %s "$work/state.json")" 'BEGIN { print b / 1048576 }')"
# The phase harness, at the project's optimisation level (RelWithDebInfo: -O2 -g).
g++ -std=c++20 -O2 -g -Iplanner -Iimport -o "$work/import_phases" bench/import/import_phases.cpp \
  "$build/import/libsyncpath_import.a" "$build/planner/libsyncpath_planner.a" -lyaml-cpp -lpthread

measure() {  # measure CMD...: best wall seconds and that run's peak RSS (KB) into m_s, m_kb
  local best_s="" best_kb=""
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" ||
      { echo "bench: $* failed:" >&2; cat "$work/err.txt" >&2; exit 1; }
    read -r s kb <"$work/time.txt"
    if [[ -z $best_s ]] || awk -v x="$s" -v y="$best_s" 'BEGIN { exit !(x < y) }'; then best_s=$s best_kb=$kb; fi
  done
  m_s=$best_s m_kb=$best_kb
}

measure "$build/cli/syncpath" import terraform "$work/state.json" --workspace-region cn-hangzhou --output "$work/topology.yaml" --quiet
i_s=$m_s i_kb=$m_kb
measure "$build/cli/syncpath" validate "$work/topology.yaml" --quiet
v_s=$m_s v_kb=$m_kb
best=""
for ((i = 0; i < runs; i++)); do
  line=$("$work/import_phases" "$work/state.json")
  total=$(awk '{ print $2 + $4 + $6 }' <<<"$line")
  if [[ -z $best ]] || awk -v x="$total" -v y="$best" 'BEGIN { exit !(x < y) }'; then best=$total phases=$line; fi
done
read -r _ p_read _ p_assemble _ p_write _ p_check <<<"$phases"

printf '%-44s %8s s %8s MB\n' "syncpath import terraform (with its check)" "$i_s" "$((i_kb / 1024))"
printf '%-44s %8s s %8s MB\n' "syncpath validate of the YAML it wrote" "$v_s" "$((v_kb / 1024))"
printf 'phases: read JSON %.3f s, assemble %.3f s, write YAML %.3f s, check (load) %.3f s\n' "$p_read" "$p_assemble" "$p_write" "$p_check"
awk -v is="$i_s" -v vs="$v_s" -v ik="$i_kb" -v vk="$v_kb" \
  'BEGIN { printf "ratio import/validate: time %.2f, peak memory %.2f\n", is / vs, ik / vk }'
awk -v r="$p_read" -v a="$p_assemble" -v w="$p_write" -v c="$p_check" \
  'BEGIN { printf "ratio import'\''s own work (read+assemble+write)/load: %.2f\n", (r + a + w) / c }'
