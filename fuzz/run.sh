#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ address sanitizer) in build-fuzz/ and runs each for a
# bounded time (FUZZ_SECONDS per target, default 30): the topology loader with the shipped
# topologies as seeds, the Terraform JSON reader with tests/data/import's plans and states, the
# aliyun reader with its responses. Exits non-zero if a build fails or a fuzzer finds a crash,
# leak or timeout (reproducers are copied to out/fuzz-artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
build=build-fuzz
targets=(fuzz_topology fuzz_terraform fuzz_aliyun)
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNCPATH_FUZZ=ON \
  -DSYNCPATH_TESTS=OFF -DSYNCPATH_WERROR=OFF >"$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" --target "${targets[@]}" -j2 >"$build.build.log" 2>&1 ||
  { grep -E "error" -A3 "$build.build.log" | head -40 >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do mkdir -p "$work/$t" "$work/$t.artifacts"; done
cp topologies/*.yaml "$work/fuzz_topology/"
[[ -d tests/data/topologies ]] && find tests/data/topologies -name '*.yaml' -exec cp {} "$work/fuzz_topology/" \;
cp tests/data/import/*.json "$work/fuzz_terraform/"
for f in tests/data/import/*/aliyun/*.json; do  # "CALL\nJSON", the call from the file's name
  name=$(basename "$f" .json)
  { echo "${name%%.*}"; cat "$f"; } >"$work/fuzz_aliyun/$name.seed"
done

for t in "${targets[@]}"; do
  echo "fuzz: $t: $(ls "$work/$t" | wc -l) seeds, ${seconds}s"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory blow-ups.
  if ! "$build/fuzz/$t" "$work/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -artifact_prefix="$work/$t.artifacts/" -print_final_stats=1; then
    echo "fuzz: $t found a problem; reproducer(s):" >&2
    mkdir -p out/fuzz-artifacts
    cp "$work/$t.artifacts"/* out/fuzz-artifacts/ 2>/dev/null || true
    ls -l out/fuzz-artifacts >&2 || true
    exit 1
  fi
  echo "fuzz: $t: no crash in ${seconds}s"
done
