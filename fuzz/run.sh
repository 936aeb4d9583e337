#!/usr/bin/env bash
# Builds the loader's libFuzzer target with clang (+ address sanitizer) in build-fuzz/ and runs
# it for a bounded time (FUZZ_SECONDS, default 60) with the shipped topologies as seed corpus.
# Exits non-zero if the build fails or the fuzzer finds a crash, leak or timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
build=build-fuzz
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCPATH_FUZZ=ON \
  -DSYNCPATH_TESTS=OFF -DSYNCPATH_WERROR=OFF >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" --target fuzz_topology -j2 >"$build.build.log" 2>&1 ||
  { grep -E "error" -A3 "$build.build.log" | head -40 >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp topologies/*.yaml "$work/corpus/"
[[ -d tests/data/topologies ]] && find tests/data/topologies -name '*.yaml' -exec cp {} "$work/corpus/" \;
echo "fuzz: $(ls "$work/corpus" | wc -l) seeds, ${seconds}s"
# -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory blow-ups.
if ! "$build/fuzz/fuzz_topology" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$work/artifacts/" -print_final_stats=1; then
  echo "fuzz: the fuzzer found a problem; reproducer(s):" >&2
  mkdir -p out/fuzz-artifacts
  cp "$work"/artifacts/* out/fuzz-artifacts/ 2>/dev/null || true
  ls -l out/fuzz-artifacts >&2 || true
  exit 1
fi
echo "fuzz: no crash in ${seconds}s"
