#!/usr/bin/env bash
# The runnable examples, as a user would run them (no servers): the seed scenario's SQLite demo
# from the README, and the slices example spread over plain parallel processes. Also checks
# what a script sees: no progress line when stderr is not a terminal, --output, exit codes.
set -uo pipefail
BIN=${SYNCPATH_BIN:?set SYNCPATH_BIN to the syncpath binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/syncpath-examples-$$-XXXX)
trap 'rm -rf "$WORK"' EXIT
fails=0
expect() { local d=$1; shift; if "$@"; then echo "PASS: $d"; else echo "FAIL: $d" >&2; fails=$((fails + 1)); fi; }
eq() { [[ "$1" == "$2" ]] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }

cp -r "$ROOT/examples" "$WORK/examples"
rm -f "$WORK"/examples/seed/*.db "$WORK"/examples/seed/*.json "$WORK"/examples/slices/*.json
bash "$WORK/examples/seed/make-data.sh" 20000 >/dev/null || { echo "FAIL: make-data.sh"; exit 1; }
src=$(sqlite3 "$WORK/examples/seed/source.db" "select count(*), count(education), count(num), sum(num) from result_table")

# The README's demo command.
(cd "$WORK" && "$BIN" sync examples/seed/job-sqlite.yaml) >"$WORK/demo.out" 2>"$WORK/demo.err"
rc=$?
expect "demo: exit 0" eq "$rc" 0
expect "demo: prints the totals" grep -q "^sync succeeded: 20000 read, 20000 written, 0 dirty" "$WORK/demo.out"
expect "demo: odps_result equals the source's education and num" eq "$(sqlite3 "$WORK/examples/seed/destination.db" "select count(*), count(education), count(num), sum(num) from odps_result")" "$src"
expect "demo: no progress line when stderr is not a terminal" eq "$(grep -c $'\r' "$WORK/demo.err")" 0
# Run again as it is, the finished job is not loaded a second time: exit 1, and it says why.
(cd "$WORK" && "$BIN" sync examples/seed/job-sqlite.yaml) >"$WORK/again.out" 2>"$WORK/again.err"
expect "demo again: exit 1, nothing loaded" eq "$?/$(wc -c <"$WORK/again.out")" "1/0"
expect "demo again: says the job already completed and how to load it again" \
  grep -q "the job already completed into table odps_result in .*destination.db (all 4 slices committed.*--start-over" "$WORK/again.err"
# --start-over loads it again on purpose (its pre_sql empties the table first).
(cd "$WORK" && "$BIN" sync examples/seed/job-sqlite.yaml --start-over --quiet --format json --output "$WORK/totals.json") >"$WORK/demo2.out" 2>&1
expect "demo --start-over: exit 0, nothing on stdout with --output" eq "$?/$(wc -c <"$WORK/demo2.out")" "0/0"
expect "demo --start-over: the totals went to --output as JSON" eq "$(python3 -c "import json; j=json.load(open('$WORK/totals.json')); print(j['schema_version'], j['status'], j['records_written'], j['dirty_records'])")" "1 succeeded 20000 0"
expect "demo --start-over: still exactly the source rows" eq "$(sqlite3 "$WORK/examples/seed/destination.db" "select count(*), count(education), count(num), sum(num) from odps_result")" "$src"
expect "no lock file is left beside the job" eq "$(ls "$WORK/examples/seed" | grep -c '\.lock$')" 0

# Plain parallel processes, one slice each.
sqlite3 "$WORK/examples/seed/destination.db" "delete from odps_result"
bash "$WORK/examples/slices/run-parallel.sh" "$WORK/examples/slices/job.yaml" 8 "$BIN" >"$WORK/par.out" 2>&1
expect "parallel slices: exit 0" eq "$?" 0
expect "parallel slices: every row once" eq "$(sqlite3 "$WORK/examples/seed/destination.db" "select count(*), count(education), count(num), sum(num) from odps_result")" "$src"
expect "parallel slices: the shared state file records all 8" eq "$(python3 -c "import json; print(len(json.load(open('$WORK/examples/slices/job.state.json'))['done']))")" 8
# Rerun (a scheduler retrying every index): each slice is refused as already committed, and
# with --resume each is skipped with exit 0; nothing is loaded twice.
bash "$WORK/examples/slices/run-parallel.sh" "$WORK/examples/slices/job.yaml" 8 "$BIN" >"$WORK/par2.out" 2>&1
expect "parallel slices again: every slice refused, then skipped by the retry with --resume" eq "$?/$(grep -c 'already committed' "$WORK/par2.out")" "0/8"
expect "parallel slices again: still every row once" eq "$(sqlite3 "$WORK/examples/seed/destination.db" "select count(*), count(education), count(num), sum(num) from odps_result")" "$src"

# Exit codes: unusable input is 2 with a positioned diagnostic.
printf 'version: 1\nsource: {data_source: {type: sqlite, path: x.db}, table: t}\ndestination: {data_source: {type: sqlite, path: y.db}, table: t}\nchannel: {rate_limit_mb_per_s: 0}\n' >"$WORK/bad.yaml"
"$BIN" sync "$WORK/bad.yaml" >"$WORK/bad.out" 2>&1
"$BIN" sync "$WORK/bad.yaml" >/dev/null 2>&1; rc=$?
expect "invalid channel: exit 2" eq "$rc" 2
expect "invalid channel: names the job file line and column" grep -q "bad.yaml:4:32: error: rate_limit_mb_per_s must be at least 1" "$WORK/bad.out"
"$BIN" sync "$WORK/missing.yaml" >/dev/null 2>&1
expect "missing job file: exit 2" eq "$?" 2

echo
if ((fails)); then echo "sync_examples: $fails check(s) failed"; exit 1; fi
echo "sync_examples: all checks passed"
