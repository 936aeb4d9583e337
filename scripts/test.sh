#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: packages, two builds (plain and with
# address+undefined sanitizers), unit tests on both, integration scripts with real servers and
# network namespaces, and a short bounded fuzz run. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh || { echo "setup failed"; exit 1; }

passed=0 failed=0 failures=()
step() {  # step NAME COMMAND...: runs one test step, counts it
  local name=$1; shift
  local log="$root/out/test-logs/${name//\//_}.log"
  mkdir -p "$root/out/test-logs"
  local t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $name ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name ($((SECONDS - t0))s), log: $log"; tail -40 "$log" | sed 's/^/    /'
  fi
}

# Release (what users build) with -Werror: warnings fail CI, not users' builds (SYNCPATH_WERROR is off by default).
step build bash scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DSYNCPATH_WERROR=ON
# Unoptimised with line tables only: the sanitizer build is the longest step of the suite, and
# -O0 -g1 compiles faster than -O2 -g, and ASan and UBSan check the same code either way.
step build-sanitize bash scripts/build.sh build-asan -DSYNCPATH_SANITIZE=address,undefined -DSYNCPATH_WERROR=ON \
  -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1
[[ -x build/tests/syncpath_tests ]] && step unit build/tests/syncpath_tests
[[ -x build-asan/tests/syncpath_tests ]] && step unit-sanitize build-asan/tests/syncpath_tests
for script in tests/integration/*.sh; do
  [[ -e $script ]] || continue
  name=$(basename "$script" .sh)
  step "integration/$name" env SYNCPATH_BIN="$root/build/cli/syncpath" bash "$script"
done
if [[ -f fuzz/run.sh ]]; then
  step fuzz bash fuzz/run.sh
fi

echo
((failed)) && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
