#!/usr/bin/env bash
# Sync core benchmark: every figure is a ratio against a reference tool measured in the same
# run on the same data and servers (private MariaDB and PostgreSQL on 127.0.0.1, started here).
#   bash bench/sync/run.sh [ROWS]       (default 2000000; SYNCPATH_BIN overrides the binary)
# Not part of scripts/test.sh.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SYNCPATH_BIN:-$ROOT/build/cli/syncpath}
ROWS=${1:-2000000}
WORK=$(mktemp -d /tmp/syncpath-bench-$$-XXXX)
source "$ROOT/tests/data/sync/servers.bash"
trap 'stop_servers; rm -rf "$WORK"' EXIT
PW="bench-$RANDOM-$RANDOM"
export BENCH_PW=$PW
start_mariadb bench "$PW" bench
start_postgres bench "$PW" bench
my() { MYSQL_PWD=$PW mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u bench bench --local-infile=1 "$@"; }
pg() { PGPASSWORD=$PW psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U bench -d bench -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
MYDDL="(id BIGINT PRIMARY KEY, k INT, name VARCHAR(40), amount DECIMAL(12,2), d DATE, note VARCHAR(100))"
PGDDL="(id bigint PRIMARY KEY, k integer, name varchar(40), amount numeric(12,2), d date, note varchar(100))"
MYSRC="{type: mysql, endpoint: {host: 127.0.0.1, port: $MY_PORT}, database: bench, username: bench, password: {env: BENCH_PW}}"
PGSRC="{type: postgresql, endpoint: {host: 127.0.0.1, port: $PG_PORT}, database: bench, username: bench, password: {env: BENCH_PW}}"

echo "generating $ROWS rows"
python3 "$ROOT/bench/sync/gen.py" "$WORK/data.csv" "$ROWS"
MB=$(python3 -c "import os; print(f'{os.path.getsize(\"$WORK/data.csv\")/1e6:.1f}')")
sqlite3 "$WORK/src.db" "CREATE TABLE data (id INTEGER PRIMARY KEY, k INTEGER, name TEXT, amount TEXT, d DATE, note TEXT);"
sqlite3 "$WORK/src.db" ".import --csv --skip 1 $WORK/data.csv data"
echo "data: $ROWS rows, $MB MB of CSV; $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# job SRC_YAML SRC_TABLE_LINE DST_YAML DST_TABLE [CHANNEL] -> job file
job() {
  local f=$WORK/job-$RANDOM.yaml
  printf 'version: 1\nsource: {data_source: %s%s}\ndestination: {data_source: %s, table: %s, batch_size: 2000}\nchannel: %s\ndirty_data: {path: %s}\n' \
    "$1" "$2" "$3" "$4" "${5:-{concurrency: 1\}}" "$WORK/dirty.jsonl" >"$f"
  echo "$f"
}
# timed_sync JOB: runs it, prints seconds; fails loudly if the sync fails
timed_sync() {
  local t0 t1
  t0=$(now)
  "$BIN" sync "$1" --format json >"$WORK/last.json" 2>"$WORK/last.err" || { cat "$WORK/last.json" "$WORK/last.err" >&2; echo "sync failed" >&2; exit 1; }
  t1=$(now)
  secs "$t0" "$t1"
}
row() { printf '%-46s %8s s   %s\n' "$1" "$2" "${3:-}"; }
# The machine may be shared: each section says how loaded it was when it started.
section() { echo "== $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))"; }

section "CSV -> MariaDB"
my -e "CREATE TABLE s1 $MYDDL; CREATE TABLE r1 $MYDDL; CREATE TABLE data $MYDDL"
t_sync=$(timed_sync "$(job "{type: csv, path: $WORK/data.csv}" "" "$MYSRC" s1)")
t0=$(now); my -e "LOAD DATA LOCAL INFILE '$WORK/data.csv' INTO TABLE r1 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\r\n' IGNORE 1 LINES"; t1=$(now)
t_load=$(secs "$t0" "$t1")
t0=$(now); MYSQL_PWD=$PW mariadb-import --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u bench --local --fields-terminated-by=, \
  --fields-optionally-enclosed-by='"' --lines-terminated-by='\r\n' --ignore-lines=1 bench "$WORK/data.csv" >/dev/null; t1=$(now)
t_imp=$(secs "$t0" "$t1")
[[ $(my -N -e "select count(*) from s1") == "$ROWS" ]] || { echo "s1 incomplete" >&2; exit 1; }
row "syncpath csv -> mariadb" "$t_sync"
row "LOAD DATA LOCAL INFILE" "$t_load" "syncpath reaches $(ratio "$t_load" "$t_sync") of its speed"
row "mariadb-import --local" "$t_imp" "syncpath reaches $(ratio "$t_imp" "$t_sync") of its speed"
echo

section "SQLite and CSV -> PostgreSQL"
pg -c "CREATE TABLE s2 $PGDDL; CREATE TABLE s3 $PGDDL; CREATE TABLE r2 $PGDDL; CREATE TABLE data $PGDDL"
t_sq=$(timed_sync "$(job "{type: sqlite, path: $WORK/src.db}" ", table: data" "$PGSRC" s2)")
t_csv=$(timed_sync "$(job "{type: csv, path: $WORK/data.csv}" "" "$PGSRC" s3)")
t0=$(now); pg -c "\\copy r2 FROM '$WORK/data.csv' WITH (FORMAT csv, HEADER true)"; t1=$(now)
t_copy=$(secs "$t0" "$t1")
PGURL="postgresql://bench@127.0.0.1:$PG_PORT/bench"
cat >"$WORK/csv.load" <<LOAD
LOAD CSV FROM '$WORK/data.csv' (id, k, name, amount, d, note)
  INTO $PGURL?tablename=data (id, k, name, amount, d, note)
  WITH skip header = 1, fields optionally enclosed by '"', fields terminated by ',', truncate
  SET work_mem to '64MB';
LOAD
pg -c "TRUNCATE data"
t0=$(now); PGPASSWORD=$PW pgloader --quiet "$WORK/csv.load" >"$WORK/pgloader-csv.log" 2>&1; rc1=$?; t1=$(now)
t_pgl_csv=$(secs "$t0" "$t1"); n1=$(pg -At -c "select count(*) from data")
cat >"$WORK/sqlite.load" <<LOAD
LOAD DATABASE FROM sqlite://$WORK/src.db INTO $PGURL
  WITH data only, truncate, create no tables, include no drop;
LOAD
t0=$(now); PGPASSWORD=$PW pgloader --quiet "$WORK/sqlite.load" >"$WORK/pgloader-sqlite.log" 2>&1; rc2=$?; t1=$(now)
t_pgl_sq=$(secs "$t0" "$t1"); n2=$(pg -At -c "select count(*) from data")
row "syncpath sqlite -> postgresql" "$t_sq"
row "syncpath csv -> postgresql" "$t_csv"
row "psql \\copy (csv)" "$t_copy" "syncpath csv reaches $(ratio "$t_copy" "$t_csv") of its speed"
if [[ $rc1 -eq 0 && $n1 == "$ROWS" ]]; then row "pgloader csv" "$t_pgl_csv" "syncpath csv is $(ratio "$t_pgl_csv" "$t_csv")x as fast"
else row "pgloader csv" "n/a" "failed (rc $rc1, $n1 rows): $(tail -1 "$WORK/pgloader-csv.log")"; fi
if [[ $rc2 -eq 0 && $n2 == "$ROWS" ]]; then row "pgloader sqlite" "$t_pgl_sq" "syncpath sqlite is $(ratio "$t_pgl_sq" "$t_sq")x as fast"
else row "pgloader sqlite" "n/a" "failed (rc $rc2, $n2 rows): $(tail -1 "$WORK/pgloader-sqlite.log")"; fi
echo

section "MariaDB <-> PostgreSQL (concurrency 2, 8 slices on id)"
pg -c "CREATE TABLE m2p $PGDDL; CREATE TABLE pipe $PGDDL"
my -e "CREATE TABLE p2m $MYDDL; CREATE TABLE pipe $MYDDL"
t_m2p=$(timed_sync "$(job "$MYSRC" ", table: s1, split_key: id" "$PGSRC" m2p "{concurrency: 2, slices: 8}")")
t_p2m=$(timed_sync "$(job "$PGSRC" ", table: s2, split_key: id" "$MYSRC" p2m "{concurrency: 2, slices: 8}")")
# References: each database's own bulk export piped into the other's bulk load (both speak
# tab-separated text with \N for NULL).
t0=$(now); my -N -B -e "select id, k, name, amount, d, note from s1" | pg -c "\\copy pipe FROM STDIN"; t1=$(now)
t_pipe=$(secs "$t0" "$t1")
t0=$(now); pg -c "\\copy (select id, k, name, amount, d, note from s2) TO STDOUT" | my -e "LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE pipe"; t1=$(now)
t_pipe_back=$(secs "$t0" "$t1")
[[ $(pg -At -c "select count(*) from m2p") == "$ROWS" && $(my -N -e "select count(*) from p2m") == "$ROWS" ]] || { echo "m2p/p2m incomplete" >&2; exit 1; }
[[ $(pg -At -c "select count(*) from pipe") == "$ROWS" && $(my -N -e "select count(*) from pipe") == "$ROWS" ]] || { echo "a reference pipe lost rows" >&2; exit 1; }
row "syncpath mariadb -> postgresql" "$t_m2p" "$(python3 -c "print(f'{$ROWS/$t_m2p:.0f} rows/s')")"
row "mariadb --batch | psql \\copy (reference)" "$t_pipe" "syncpath mariadb -> postgresql reaches $(ratio "$t_pipe" "$t_m2p") of its speed"
row "syncpath postgresql -> mariadb" "$t_p2m" "$(python3 -c "print(f'{$ROWS/$t_p2m:.0f} rows/s')")"
row "psql \\copy to | LOAD DATA LOCAL (reference)" "$t_pipe_back" "syncpath postgresql -> mariadb reaches $(ratio "$t_pipe_back" "$t_p2m") of its speed"
echo

section "Throttle accuracy (csv -> csv, bytes over the whole run, each run sized to last about 6 s)"
# The reference is the same job unthrottled: its speed must be well above 20 MB/s, so that the
# throttle, not the destination, sets the pace of the throttled runs.
f=$(job "{type: csv, path: $WORK/data.csv}" "" "{type: csv, path: $WORK/thr.csv}" x)
timed_sync "$f" >/dev/null
read -r free_bps row_bytes < <(python3 -c "import json; j=json.load(open('$WORK/last.json')); print(j['bytes_per_second'], j['bytes']/j['records_read'])")
printf 'unthrottled: %.1f MB/s (%.0f bytes a row)\n' "$(python3 -c "print($free_bps/1e6)")" "$row_bytes"
for rate in 1 5 20; do
  n=$(python3 -c "print(min($ROWS, int($rate * 6e6 / $row_bytes)))")
  head -n $((n + 1)) "$WORK/data.csv" >"$WORK/thr-in.csv"
  # Not part of the run: replacing the last run's output (188 MB unthrottled) and the writeback
  # of the earlier phases' data would land in this run's final fsync and rename.
  rm -f "$WORK/thr.csv"
  sync
  f=$(job "{type: csv, path: $WORK/thr-in.csv}" "" "{type: csv, path: $WORK/thr.csv}" x "{rate_limit_mb_per_s: $rate}")
  timed_sync "$f" >/dev/null
  python3 - "$WORK/last.json" "$rate" "$free_bps" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); limit = float(sys.argv[2]) * 1e6; free = float(sys.argv[3])
got = j['bytes_per_second']
print(f"target {limit/1e6:5.1f} MB/s: reached {got/1e6:6.3f} MB/s over {j['seconds']:.2f} s ({j['records_read']} rows), "
      f"error {(got - limit) / limit * 100:+5.1f}%; the target is {limit / free * 100:.0f}% of the unthrottled speed")
PY
done
echo

section "Peak memory against data size (csv -> postgresql, the bulk COPY path; sqlite -> postgresql, concurrency 2)"
small=$((ROWS / 10))
head -n $((small + 1)) "$WORK/data.csv" >"$WORK/small.csv"
peak() {  # peak KB of one sync run
  pg -c "TRUNCATE m2p"
  /usr/bin/time -f "%M" -o "$WORK/mem" "$BIN" sync "$1" --quiet >/dev/null 2>&1 || { echo "sync failed" >&2; exit 1; }
  cat "$WORK/mem"
}
c1=$(peak "$(job "{type: csv, path: $WORK/small.csv}" "" "$PGSRC" m2p)")
c2=$(peak "$(job "{type: csv, path: $WORK/data.csv}" "" "$PGSRC" m2p)")
q1=$(peak "$(job "{type: sqlite, path: $WORK/src.db}" ", table: data, split_key: id, where: 'id <= $small'" "$PGSRC" m2p "{concurrency: 2, slices: 4}")")
q2=$(peak "$(job "{type: sqlite, path: $WORK/src.db}" ", table: data, split_key: id" "$PGSRC" m2p "{concurrency: 2, slices: 4}")")
python3 - "$small" "$ROWS" "$c1" "$c2" "$q1" "$q2" <<'PY'
import sys
small, rows, c1, c2, q1, q2 = (int(x) for x in sys.argv[1:])
for name, a, b in (("csv -> postgresql", c1, c2), ("sqlite -> postgresql", q1, q2)):
    print(f"{name:22s} peak RSS {a/1024:6.1f} MB at {small} rows, {b/1024:6.1f} MB at {rows} rows: "
          f"{rows // small}x the data, {b / a:.2f}x the memory")
PY
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
