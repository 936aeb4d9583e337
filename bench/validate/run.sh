#!/usr/bin/env bash
# Benchmark of `syncpath validate` on a large generated topology (10,000 networks, 50,000 data
# sources, 100 resource groups). Prints wall time and peak memory of the full load+validate,
# and the same for a reference that only parses the file with yaml-cpp (YAML::LoadFile), both
# measured in this run, with their ratio; and against yaml-cpp's bare event parser (the floor
# for any loader built on yaml-cpp). Best of RUNS (default 3) runs each.
# Usage: bench/validate/run.sh [BUILD_DIR]   (default build/, built if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${RUNS:-3}
[[ -x $build/cli/syncpath ]] || bash scripts/build.sh "$build" >/dev/null
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (Debian package 'time'; see scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The reference is built with the project's optimisation level (RelWithDebInfo: -O2 -g).
g++ -std=c++20 -O2 -g -o "$work/yaml_parse_ref" bench/validate/yaml_parse_ref.cpp -lyaml-cpp
g++ -std=c++20 -O2 -g -o "$work/yaml_events_ref" bench/validate/yaml_events_ref.cpp -lyaml-cpp

t0=$(date +%s.%N)
python3 bench/validate/gen_topology.py "$work/big.yaml"
t1=$(date +%s.%N)
size=$(stat -c %s "$work/big.yaml")
awk -v b="$size" -v a="$t0" -v c="$t1" 'BEGIN { printf "generated big.yaml (%.1f MB) in %.2f s\n", b / 1048576, c - a }'

# measure NAME CMD...: best wall seconds and the peak RSS (KB) of that run, into globals.
measure() {
  local best_s="" best_kb=""
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt" ||
      { echo "bench: $* failed:" >&2; cat "$work/err.txt" >&2; exit 1; }
    read -r s kb <"$work/time.txt"
    if [[ -z $best_s ]] || awk -v x="$s" -v y="$best_s" 'BEGIN { exit !(x < y) }'; then best_s=$s best_kb=$kb; fi
  done
  m_s=$best_s m_kb=$best_kb
}

measure "$build/cli/syncpath" validate "$work/big.yaml" --quiet
v_s=$m_s v_kb=$m_kb
grep -q . "$work/err.txt" && { echo "bench: validate printed diagnostics:" >&2; head "$work/err.txt" >&2; exit 1; }
measure "$work/yaml_parse_ref" "$work/big.yaml"
r_s=$m_s r_kb=$m_kb
measure "$work/yaml_events_ref" "$work/big.yaml"
e_s=$m_s e_kb=$m_kb

printf '%-34s %8s s %10s MB\n' "syncpath validate (load+checks)" "$v_s" "$((v_kb / 1024))"
printf '%-34s %8s s %10s MB\n' "reference: yaml-cpp LoadFile only" "$r_s" "$((r_kb / 1024))"
printf '%-34s %8s s %10s MB\n' "floor: yaml-cpp events only" "$e_s" "$((e_kb / 1024))"
awk -v vs="$v_s" -v rs="$r_s" -v vk="$v_kb" -v rk="$r_kb" \
  'BEGIN { printf "ratio validate/reference: time %.2f, peak memory %.2f\n", vs / rs, vk / rk }'
awk -v vs="$v_s" -v es="$e_s" 'BEGIN { printf "ratio validate/events-only floor: time %.2f\n", vs / es }'
