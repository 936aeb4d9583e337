#!/usr/bin/env bash
# Benchmark of `syncpath plan --format json` on the large generated topology of
# bench/validate/gen_topology.py (10,000 networks, 50,000 data sources, 100 resource groups:
# 5,000,000 pairs), written to a file. The reference, measured in the same run, is
# `syncpath validate` on the same file (load + checks alone). Prints wall time and peak memory
# of both, the ratio of what planning adds to what loading costs (target <= 1), and the peak
# memory of a plan over a tenth of the sources (the same groups): flat memory means the two
# peaks are close although one run plans ten times the pairs. Beside it, in the same run: the
# same plan with every byte through the page cache (SYNCPATH_DIRECT_IO=off), the floor of
# writing that much JSON to a file (dd of the same size), and the plan to /dev/null on every
# core and on one thread (the planning without the file), and that plan to /dev/null while an
# unrelated dd writes as many bytes with O_DIRECT (what the disk alone costs the cores). Each
# run's user and system CPU too.
# With REF_BIN=/path/to/another/syncpath (e.g. main's build), that binary's plan to a file and to
# /dev/null is measured in the same run on the same topology, and the ratios this/reference are
# printed: the figure to read when a change must not slow the plan down.
# Usage: bench/plan/run.sh [BUILD_DIR]   (default build/, built if missing). Not run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${RUNS:-1}
[[ -x $build/cli/syncpath ]] || bash scripts/build.sh "$build" >/dev/null
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time is missing (Debian package 'time'; see scripts/setup.sh)" >&2; exit 1; }
bin=$build/cli/syncpath

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/validate/gen_topology.py "$work/big.yaml" ${GEN_ARGS:-}
python3 bench/validate/gen_topology.py "$work/tenth.yaml" --sources 5000
echo "generated big.yaml ($(($(stat -c %s "$work/big.yaml") / 1048576)) MB)"

# measure CMD...: best wall seconds, that run's peak RSS (KB) and its user and system CPU
# seconds into m_s / m_kb / m_cpu.
measure() {
  local best_s="" best_kb="" best_cpu=""
  for ((i = 0; i < runs; i++)); do
    # A plan replacing an existing file pays for ext4 flushing the new data at the rename
    # (auto_da_alloc): each run writes a new file, as a first run does. The sync keeps the
    # previous run's gigabytes, still being flushed, from slowing this one.
    rm -f "$work/plan.json" "$work/tenth.json" "$work/floor.bin"
    sync
    local bg=""
    if [[ -n ${beside:-} ]]; then (sleep "$v_s"; eval "$beside") & bg=$!; fi
    /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/err.txt" || true
    [[ -z $bg ]] || wait "$bg" || { echo "bench: '$beside' failed (does $work take O_DIRECT?)" >&2; exit 1; }
    read -r s kb u sys < <(tail -n 1 "$work/time.txt") || { echo "bench: $* did not run:" >&2; cat "$work/err.txt" >&2; exit 1; }
    if [[ -z $best_s ]] || awk -v x="$s" -v y="$best_s" 'BEGIN { exit !(x < y) }'; then
      best_s=$s best_kb=$kb best_cpu="user $u s, system $sys s"
    fi
  done
  m_s=$best_s m_kb=$best_kb m_cpu=$best_cpu
}

measure "$bin" validate "$work/big.yaml" --quiet
v_s=$m_s v_kb=$m_kb v_cpu=$m_cpu
measure "$bin" plan "$work/big.yaml" --format json --output "$work/plan.json"
p_s=$m_s p_kb=$m_kb p_cpu=$m_cpu
[[ -s $work/plan.json ]] || { echo "bench: plan wrote nothing:" >&2; head "$work/err.txt" >&2; exit 1; }
pairs=$(grep -c '^{"resource_group"' "$work/plan.json" || true)
json_bytes=$(stat -c %s "$work/plan.json")
json_mb=$((json_bytes / 1048576))
rm -f "$work/plan.json"
# The same with every byte through the page cache (the report writer's direct writes off).
measure env SYNCPATH_DIRECT_IO=off "$bin" plan "$work/big.yaml" --format json --output "$work/plan.json"
c_s=$m_s c_cpu=$m_cpu
rm -f "$work/plan.json"
# The floor of any plan to a file: writing that many bytes into the same folder, nothing else.
measure dd if=/dev/zero of="$work/floor.bin" bs=1M count="$json_mb" status=none
w_s=$m_s
rm -f "$work/floor.bin"
# The same plan without the file (to /dev/null): the planning alone.
measure "$bin" plan "$work/big.yaml" --format json --output /dev/null
n_s=$m_s n_kb=$m_kb n_cpu=$m_cpu
measure "$bin" plan "$work/big.yaml" --format json --output /dev/null --threads 1
n1_s=$m_s
# The plan to /dev/null again, while an unrelated dd writes as many bytes directly to the disk
# (oflag=direct, started when the loading ends): what the disk alone costs this machine's cores.
beside="dd if=/dev/zero of='$work/floor.bin' bs=4M count=$((json_mb / 4)) oflag=direct status=none"
measure "$bin" plan "$work/big.yaml" --format json --output /dev/null
d_s=$m_s d_cpu=$m_cpu
beside=""
measure "$bin" plan "$work/tenth.yaml" --format json --output "$work/tenth.json"
t_s=$m_s t_kb=$m_kb
if [[ -n ${REF_BIN:-} ]]; then
  measure "$REF_BIN" plan "$work/big.yaml" --format json --output "$work/plan.json"
  r_s=$m_s r_cpu=$m_cpu
  "$REF_BIN" plan "$work/big.yaml" --format json --output "$work/plan.json" 2>/dev/null || true
  r_mb=$(($(stat -c %s "$work/plan.json") / 1048576))
  rm -f "$work/plan.json"
  measure "$REF_BIN" plan "$work/big.yaml" --format json --output /dev/null
  rn_s=$m_s rn_cpu=$m_cpu
fi

printf '%-50s %8s s %8s MB\n' "reference: syncpath validate (load+checks)" "$v_s" "$((v_kb / 1024))"
printf '%-50s %s\n' "  its CPU" "$v_cpu"
printf '%-50s %8s s %8s MB   (%s pairs, %s MB of JSON)\n' "syncpath plan --format json --output FILE" "$p_s" "$((p_kb / 1024))" "$pairs" "$json_mb"
printf '%-50s %s\n' "  its CPU" "$p_cpu"
printf '%-50s %8s s\n' "  the same through the page cache only" "$c_s"
printf '%-50s %s\n' "  its CPU" "$c_cpu"
printf '%-50s %8s s\n' "  floor: dd of the same $json_mb MB to a file" "$w_s"
printf '%-50s %8s s %8s MB\n' "syncpath plan --format json --output /dev/null" "$n_s" "$((n_kb / 1024))"
printf '%-50s %s\n' "  its CPU" "$n_cpu"
printf '%-50s %8s s\n' "  the same on one thread (--threads 1)" "$n1_s"
printf '%-50s %8s s\n' "  the same beside a direct dd of $json_mb MB" "$d_s"
printf '%-50s %s\n' "  its CPU" "$d_cpu"
printf '%-50s %8s s %8s MB\n' "plan to a file over 5,000 sources (a tenth)" "$t_s" "$((t_kb / 1024))"
awk -v vs="$v_s" -v ps="$p_s" -v ns="$n_s" -v n1="$n1_s" -v ws="$w_s" -v cs="$c_s" -v ds="$d_s" -v vk="$v_kb" -v pk="$p_kb" -v tk="$t_kb" -v cores="$(nproc)" 'BEGIN {
  printf "ratio planning-added/load time, to a file: %.2f (target <= 1); plan/validate total time: %.2f\n", (ps - vs) / vs, ps / vs
  printf "  through the page cache only: %.2f\n", (cs - vs) / vs
  printf "  of which writing the JSON alone costs %.2f of the load time (dd floor / validate)\n", ws / vs
  printf "ratio planning-added/load time, without the file: %.2f on %d cores, %.2f on one thread\n", (ns - vs) / vs, cores, (n1 - vs) / vs
  printf "  without the file but beside a direct dd of as many bytes: %.2f\n", (ds - vs) / vs
  printf "peak memory plan/validate: %.2f; plan memory above validate: %d MB for 5,000,000 pairs; a tenth of the pairs: %d MB\n", pk / vk, (pk - vk) / 1024, tk / 1024
}'
if [[ -n ${REF_BIN:-} ]]; then
  printf '%-50s %8s s   (%s MB of JSON)\n' "reference $REF_BIN: plan --output FILE" "$r_s" "$r_mb"
  printf '%-50s %s\n' "  its CPU" "$r_cpu"
  printf '%-50s %8s s\n' "  plan --output /dev/null" "$rn_s"
  printf '%-50s %s\n' "  its CPU" "$rn_cpu"
  awk -v ps="$p_s" -v rs="$r_s" -v ns="$n_s" -v rn="$rn_s" 'BEGIN {
    printf "ratio this/reference: plan to a file %.3f, to /dev/null %.3f (above 1: slower)\n", ps / rs, ns / rn
  }'
fi
