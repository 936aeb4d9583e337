#!/usr/bin/env bash
# Builds syncpath into DIR (default build/) with extra CMake arguments; prints the binary path.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.cmake.log" 2>&1 || { cat "$dir.cmake.log" >&2; exit 1; }
cmake --build "$dir" -j"$(nproc)" >"$dir.build.log" 2>&1 || { grep -E "error|Error" -A3 "$dir.build.log" | head -60 >&2; exit 1; }
echo "$PWD/$dir/cli/syncpath"
