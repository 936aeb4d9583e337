#!/usr/bin/env bash
# syncpath sync against real servers it starts itself (MariaDB, PostgreSQL, both on 127.0.0.1
# with free ports, data under a mktemp folder, torn down on exit), plus SQLite and CSV files:
#  1. every connector pair on a data set with NULLs, Unicode, extreme integers, decimals, dates
#     and long text: row counts and content checksums equal on both sides (dumped with each
#     database's own client, compared with a canonical form computed by Python);
#  2. write_mode upsert and replace on each database destination;
#  3. the dirty-data policy unset, 0, N and N+1 with injected bad rows: exact counts, dirty file complete;
#  4. kill -9 in the middle of a run, then --resume: every row exactly once;
#  5. preflight stops on an unreachable endpoint; a wrong password fails cleanly;
#  6. the password never appears in any output, dirty file or state file;
#  7. unattended: a first run with concurrency into a fresh database (the mark table is created
#     once, not raced for); a finished job is not loaded again (by the destination's marks alone
#     too); SIGTERM and SIGINT stop cleanly and --resume finishes; a wrong --slice touches
#     nothing; dirty records are said under --quiet and --fail-on-dirty fails on them.
set -uo pipefail
BIN=${SYNCPATH_BIN:?set SYNCPATH_BIN to the syncpath binary}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data/sync
WORK=$(mktemp -d /tmp/syncpath-sync-$$-XXXX)
source "$DATA/servers.bash"
source "$DATA/schema.bash"
cleanup() { stop_servers; rm -rf "$WORK"; }
trap cleanup EXIT

PW="S3cr3t-$$-$RANDOM-pw"
export SYNC_TEST_PW=$PW
DBUSER=syncer
DBNAME=syncdb
ALL=$WORK/all-output.log
fails=0
expect() { DESC=$1; shift; if "$@"; then echo "PASS: $DESC"; else echo "FAIL: $DESC" >&2; fails=$((fails + 1)); return 1; fi; }
eq() { [[ "$1" == "$2" ]] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }

# run_job JOB [ARGS]: runs syncpath sync --format json, output in $WORK/last.json, status in RC.
run_job() {
  local job=$1; shift
  "$BIN" sync "$job" --format json "$@" >"$WORK/last.json" 2>"$WORK/last.err"
  RC=$?
  cat "$WORK/last.json" "$WORK/last.err" >>"$ALL"
}
jget() { python3 -c "import json,sys; print(json.load(open('$WORK/last.json'))['$1'])"; }

echo "starting MariaDB and PostgreSQL under $WORK"
start_mariadb "$DBUSER" "$PW" "$DBNAME"
start_postgres "$DBUSER" "$PW" "$DBNAME"
echo "mariadb on 127.0.0.1:$MY_PORT, postgresql on 127.0.0.1:$PG_PORT"

# ------------------------------------------------------------------------------------------
# 1. every pair
echo "[$SECONDS s] every connector pair"
python3 "$DATA/dataset.py" gen "$WORK/data.csv" 2000 || die "cannot generate the data set"
expected=$(dump_csv "$WORK/data.csv" | md5sum)
rows=2000
SQLITE_DB=$WORK/test.db
: >"$WORK/.keep"
sqlite3 "$SQLITE_DB" 'select 1' >/dev/null
kinds=(csv sqlite mysql postgresql)
for src in "${kinds[@]}"; do
  ddl_sqlite "$SQLITE_DB" "t_from_$src"
  ddl_my "t_from_$src" || die "cannot create mariadb tables"
  ddl_pg "t_from_$src" >/dev/null || die "cannot create postgres tables"
done

pair_job() {  # SRC DST -> job file path
  local src=$1 dst=$2 job=$WORK/job-$1-$2.yaml
  {
    echo "version: 1"
    echo "source:"
    if [[ $src == csv ]]; then
      echo "  data_source: $(source_yaml csv "$WORK/data.csv")"
      echo "  csv: {null_marker: '\\N'}"
    else
      echo "  data_source: $(source_yaml "$src" "$SQLITE_DB")"
      echo "  table: t_from_csv"
      echo "  split_key: id"
    fi
    echo "  columns: [id, i64, i32, dec, txt, longtxt, d, dt, f]"
    echo "destination:"
    if [[ $dst == csv ]]; then
      echo "  data_source: $(source_yaml csv "$WORK/out_from_$src.csv")"
      echo "  csv: {null_marker: '\\N'}"
    else
      echo "  data_source: $(source_yaml "$dst" "$SQLITE_DB")"
      echo "  table: t_from_$src"
    fi
    echo "  batch_size: 300"
    echo "channel: {concurrency: 3}"
    echo "dirty_data: {path: $WORK/dirty-$src-$dst.jsonl}"
  } >"$job"
  echo "$job"
}
dump_of() {  # KIND TABLE_OR_FILE
  case $1 in
    sqlite) dump_sqlite "$SQLITE_DB" "$2" ;;
    mysql) dump_my "$2" ;;
    postgresql) dump_pg "$2" ;;
    csv) dump_csv "$2" ;;
  esac
}
target_of() { [[ $2 == csv ]] && echo "$WORK/out_from_$1.csv" || echo "t_from_$1"; }

for src in "${kinds[@]}"; do
  for dst in "${kinds[@]}"; do
    run_job "$(pair_job "$src" "$dst")"
    expect "$src -> $dst: exit 0" eq "$RC" 0 || { cat "$WORK/last.json" "$WORK/last.err" >&2; continue; }
    expect "$src -> $dst: $rows rows written" eq "$(jget records_written)" "$rows"
    expect "$src -> $dst: content checksum equal" eq "$(dump_of "$dst" "$(target_of "$src" "$dst")" | md5sum)" "$expected"
  done
done
expect "a 3-slice csv destination leaves no part files" eq "$(ls "$WORK" | grep -c '\.part-\|\.partial')" 0

# 1b. PostgreSQL destinations are written in COPY's binary format: every type it is used for,
# edge values and NULLs, must come out as the server's own text parser reads the same CSV.
echo "[$SECONDS s] binary COPY against the server's own CSV parser"
cat >"$WORK/types.csv" <<'CSV'
id,b,i2,i4,i8,r4,r8,n,n2,d,t,ts,tz,c,v,tx
1,t,-32768,-2147483648,-9223372036854775808,3.14159,-1.5e-10,0,0.0001,0001-01-01,00:00:00,0001-01-01 00:00:00,2024-02-29T12:00:00,ab,Grüße🙂,"tab	and
newline \ backslash"
2,f,32767,2147483647,9223372036854775807,-0.5,1e300,-0.000,-99999999999999.9999,9999-12-31,23:59:59.999999,9999-12-31 23:59:59.5,1970-01-01 00:00:00.000001,abcde,"",""
3,true,0,0,0,0,0,+12.5,12.5,2000-01-01,12:34:56.5,2000-01-01 00:00:00,2000-02-29 23:59:59,,x,plain
4,0,1,-1,10000,1,-2.25,123456789012345678901234567890.123456789,10000.0000,1999-12-31,01:02:03,1999-12-31 23:59:59.999999,2038-01-19 03:14:08,"  a  ",  spaced  ,
5,,,,,,,,,,,,,,,
CSV
types_ddl="(id integer PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, r4 real, r8 double precision, n numeric, n2 numeric(20,4),
  d date, t time, ts timestamp, tz timestamptz, c char(5), v varchar(10), tx text)"
pg_user -c "CREATE TABLE t_bin $types_ddl; CREATE TABLE t_txt $types_ddl"
cat >"$WORK/types.yaml" <<YAML
version: 1
source: {data_source: $(source_yaml csv "$WORK/types.csv")}
destination: {data_source: $(source_yaml postgresql), table: t_bin}
YAML
run_job "$WORK/types.yaml"
expect "binary COPY: all 5 rows written, none dirty" eq "$RC/$(jget records_written)/$(jget dirty_records)" "0/5/0" || cat "$WORK/last.err" "$WORK/types.dirty.jsonl" >&2
PGTZ=UTC pg_user -c "\\copy t_txt FROM '$WORK/types.csv' WITH (FORMAT csv, HEADER true)"
types_dump() { PGTZ=UTC pg_user -At -c "SELECT * FROM $1 ORDER BY id"; }
expect "binary COPY: every value as PostgreSQL's own CSV parser reads it" eq "$(types_dump t_bin | md5sum)" "$(types_dump t_txt | md5sum)" ||
  diff <(types_dump t_bin) <(types_dump t_txt) >&2

# 1c. MariaDB destinations are written with LOAD DATA LOCAL INFILE; a server that refuses it
# (local_infile off) gets prepared inserts instead, with the same rows.
echo "[$SECONDS s] MariaDB with local_infile off"
my_root -e "SET GLOBAL local_infile = 0"
ddl_my t_noinfile
job=$(pair_job csv mysql)
sed -i "s/table: t_from_csv/table: t_noinfile/" "$job"
run_job "$job"
my_root -e "SET GLOBAL local_infile = 1"
expect "local_infile off: exit 0, every row written by prepared inserts" eq "$RC/$(jget records_written)" "0/$rows" || cat "$WORK/last.err" >&2
expect "local_infile off: content checksum equal" eq "$(dump_my t_noinfile | md5sum)" "$expected"

# ------------------------------------------------------------------------------------------
# 2. upsert and replace
echo "[$SECONDS s] upsert and replace": rows changed and deleted in the destination come back as the source has them
for dst in sqlite mysql postgresql; do
  for mode in upsert replace; do
    job=$(pair_job csv "$dst")
    sed -i "s/  batch_size: 300/  batch_size: 300\n  write_mode: $mode/" "$job"
    case $dst in
      sqlite) sqlite3 "$SQLITE_DB" "UPDATE t_from_csv SET txt = 'changed' WHERE id % 10 = 0; DELETE FROM t_from_csv WHERE id % 7 = 0;" ;;
      mysql) my_user -e "UPDATE t_from_csv SET txt = 'changed' WHERE id % 10 = 0; DELETE FROM t_from_csv WHERE id % 7 = 0;" ;;
      postgresql) pg_user -c "UPDATE t_from_csv SET txt = 'changed' WHERE id % 10 = 0; DELETE FROM t_from_csv WHERE id % 7 = 0;" ;;
    esac
    run_job "$job" --start-over  # loads again, on purpose, what the pair run above committed
    expect "$mode into $dst: exit 0" eq "$RC" 0 || { cat "$WORK/last.json" "$WORK/last.err" >&2; continue; }
    expect "$mode into $dst: content equals the source again" eq "$(dump_of "$dst" t_from_csv | md5sum)" "$expected"
  done
done
# The same job again: it completed, so it is not loaded a second time (exit 1, nothing done).
for dst in mysql postgresql; do
  run_job "$(pair_job csv "$dst")"
  expect "csv -> $dst again: refused as already loaded, nothing written" eq "$RC/$(jget outcome)/$(jget records_written)" "1/already_loaded/0"
  grep -q "the job already completed into table t_from_csv in $dst 127.0.0.1:" "$WORK/last.err"
  expect "csv -> $dst again: the message names the destination and --start-over" eq "$?/$(grep -c -- '--start-over' "$WORK/last.err")" "0/1"
done
# plain insert over existing rows, deliberately (--start-over): every row is refused by the
# primary key, none written twice
run_job "$(pair_job csv postgresql)" --start-over
expect "insert over existing keys: the job goes on (no dirty limit) and reports every row dirty" eq "$RC/$(jget dirty_records)/$(jget records_written)" "0/$rows/0"
expect "insert over existing keys: content unchanged" eq "$(dump_pg t_from_csv | md5sum)" "$expected"

# ------------------------------------------------------------------------------------------
# 3. dirty-data policy: 1002 records, 3 that cannot convert, 2 the destination refuses (duplicate id)
python3 "$DATA/dataset.py" dirty "$WORK/dirty.csv" 1000 || die "cannot generate the dirty data set"
total=1002
echo "[$SECONDS s] dirty-data policy"
for dst in mysql postgresql sqlite; do
  # SQLite's INTEGER is 64-bit, so the value past int's range is not dirty there.
  bad=5 cols="['-', '-', 'd', 'i32', 'i32']"
  [[ $dst == sqlite ]] && bad=4 cols="['-', '-', 'd', 'i32']"
  for limit in unset 0 $((bad - 1)) $bad; do
    table=d_${dst}_$limit
    case $dst in
      sqlite) ddl_sqlite "$SQLITE_DB" "$table" ;;
      mysql) ddl_my "$table" ;;
      postgresql) ddl_pg "$table" >/dev/null ;;
    esac
    job=$WORK/dirty-$dst-$limit.yaml
    dfile=$WORK/dirty-$dst-$limit.jsonl
    {
      echo "version: 1"
      echo "source: {data_source: $(source_yaml csv "$WORK/dirty.csv"), csv: {null_marker: '\\N'}}"
      echo "destination: {data_source: $(source_yaml "$dst" "$SQLITE_DB"), table: $table, batch_size: 100}"
      [[ $limit == unset ]] && echo "channel: {concurrency: 1}" || echo "channel: {concurrency: 1, dirty_records_max: $limit}"
      echo "dirty_data: {path: $dfile}"
    } >"$job"
    run_job "$job"
    count=$(dump_of "$dst" "$table" | wc -l)
    lines=$(wc -l <"$dfile" 2>/dev/null || echo 0)
    case $limit in
      unset | "$bad")
        expect "dirty $limit into $dst: succeeds" eq "$RC" 0
        expect "dirty $limit into $dst: $((total - bad)) written, $bad dirty" eq "$(jget records_written)/$(jget dirty_records)/$count" "$((total - bad))/$bad/$((total - bad))"
        expect "dirty $limit into $dst: dirty file has the $bad records" eq "$lines" "$bad"
        expect "dirty $limit into $dst: dirty file names the columns and reasons" \
          eq "$(python3 -c "
import json
recs=[json.loads(l) for l in open('$dfile')]
print(sorted([r['column'] or '-' for r in recs]), all(r['reason'] for r in recs), sorted(str(r['row']['id']) for r in recs if r['column'] is None))
")" "$cols True ['401', '701']"
        ;;
      0)
        expect "dirty 0 into $dst: fails on the first" eq "$RC/$(jget dirty_records)/$count/$lines" "1/1/0/1"
        ;;
      *)
        expect "dirty $limit into $dst: fails on dirty record $bad, nothing committed" eq "$RC/$(jget dirty_records)/$count/$lines" "1/$bad/0/$bad"
        ;;
    esac
  done
done

# ------------------------------------------------------------------------------------------
# 3b. re-loading the dirty records after repair (source type jsonl): the dirty files of the
# "unset" runs above are repaired with sed and jq, loaded with a jsonl job into the same
# table, and the table must then equal the data set with the same repairs, every row once.
echo "[$SECONDS s] re-loading repaired dirty records"
python3 - "$WORK/dirty.csv" "$WORK/repaired.csv" <<'PY' || die "cannot write the repaired data set"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head, out = rows[0], [rows[0]]
col = {c: i for i, c in enumerate(head)}
for r in rows[1:]:
    r = list(r)
    if r[col["i32"]] in ("not a number", str(2 ** 40)): r[col["i32"]] = "7"
    if r[col["d"]] == "2023-02-30": r[col["d"]] = "2023-02-28"
    if r[col["txt"]] in ("duplicate of an earlier id", "another duplicate"): r[col["id"]] = str(100000 + int(r[col["id"]]))
    out.append(r)
csv.writer(open(sys.argv[2], "w", newline="", encoding="utf-8"), lineterminator="\r\n").writerows(out)
PY
expected_repaired=$(dump_csv "$WORK/repaired.csv" | md5sum)
for dst in mysql postgresql; do
  dfile=$WORK/dirty-$dst-unset.jsonl
  # The values that did not convert are fixed by text; the rows the destination refused
  # (duplicate ids) get new ids: jq, as the dirty file is JSON.
  sed -e 's/"i32":"not a number"/"i32":"7"/' -e 's/"i32":"1099511627776"/"i32":"7"/' -e 's/"d":"2023-02-30"/"d":"2023-02-28"/' "$dfile" |
    jq -c 'if .column == null then .row.id = 100000 + (.row.id | tonumber) else . end' >"$WORK/repaired-$dst.jsonl" ||
    die "cannot repair $dfile with sed and jq"
  job=$WORK/reload-$dst.yaml
  {
    echo "version: 1"
    echo "source: {data_source: {type: jsonl, path: $WORK/repaired-$dst.jsonl}}"
    echo "destination: {data_source: $(source_yaml "$dst" "$SQLITE_DB"), table: d_${dst}_unset, batch_size: 2}"
    echo "dirty_data: {path: $WORK/reload-$dst.dirty.jsonl}"
  } >"$job"
  run_job "$job"
  expect "reload into $dst: the 5 repaired records written, none dirty" eq "$RC/$(jget records_written)/$(jget dirty_records)" "0/5/0"
  expect "reload into $dst: every row of the repaired data set exactly once" eq "$(dump_of "$dst" "d_${dst}_unset" | md5sum)" "$expected_repaired"
  # Loading the same file again: every row is refused (the keys exist), none written twice.
  run_job "$job"
  expect "reload into $dst again: refused, the same file was loaded already" eq "$RC/$(jget outcome)/$(jget records_written)" "1/already_loaded/0"
  run_job "$job" --start-over
  expect "reload into $dst again with --start-over: all 5 refused by the key, nothing written twice" eq "$RC/$(jget records_written)/$(jget dirty_records)" "0/0/5"
  expect "reload into $dst again: content unchanged" eq "$(dump_of "$dst" "d_${dst}_unset" | md5sum)" "$expected_repaired"
done

# ------------------------------------------------------------------------------------------
# 4. kill -9 mid-run
echo "[$SECONDS s] kill -9 and --resume", then --resume: exactly the source rows
BIG=$WORK/big.db
sqlite3 "$BIG" "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER, s TEXT);
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
  INSERT INTO big SELECT i, i * 3, 'payload ' || i FROM n;"
src_sum=$(sqlite3 "$BIG" "select count(*), sum(v), sum(length(s)) from big" | tr '|' ' ')
for dst in mysql postgresql sqlite; do
  case $dst in
    mysql) my_user -e "CREATE TABLE big (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR(40))"; q() { my_user -N -B -e "$1"; } ;;
    postgresql) pg_user -c "CREATE TABLE big (id bigint PRIMARY KEY, v bigint, s varchar(40))"; q() { pg_user -At -c "$1"; } ;;
    sqlite) sqlite3 "$WORK/bigdst.db" "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER, s TEXT)"; q() { sqlite3 "$WORK/bigdst.db" "$1"; } ;;
  esac
  job=$WORK/resume-$dst.yaml
  {
    echo "version: 1"
    echo "source: {data_source: $(source_yaml sqlite "$BIG"), table: big, split_key: id}"
    echo "destination: {data_source: $(source_yaml "$dst" "$WORK/bigdst.db"), table: big, batch_size: 500}"
    echo "channel: {concurrency: 2, slices: 12, records_per_second: 20000}"
  } >"$job"
  state=$WORK/resume-$dst.state.json
  "$BIN" sync "$job" --format json >>"$ALL" 2>&1 &
  pid=$!
  done_n=0
  for _ in $(seq 1 400); do
    # grep, not python: polling must stay cheap on a loaded machine (one "read" key per done slice)
    done_n=$(grep -o '"read"' "$state" 2>/dev/null | wc -l)
    ((done_n >= 2)) && break
    sleep 0.02
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  done_n=$(python3 -c "import json; print(len(json.load(open('$state'))['done']))")
  committed=$(python3 -c "import json; print(sum(c['written'] for c in json.load(open('$state'))['done'].values()))")
  expect "kill -9 into $dst: killed with some slices done and some not ($done_n of 12)" test "$done_n" -ge 1 -a "$done_n" -lt 12
  # 12 slices of 10 000 rows: a killed slice leaves nothing, so only whole slices are there (the
  # state file may lag one commit behind: the destination's syncpath_slices table settles that).
  expect "kill -9 into $dst: the destination holds only whole committed slices" eq "$(( $(q 'select count(*) from big') % 10000 ))/$(( $(q 'select count(*) from big') >= committed ))" "0/1"
  run_job "$job" --resume
  expect "resume into $dst: exit 0" eq "$RC" 0 || cat "$WORK/last.json" "$WORK/last.err" >&2
  expect "resume into $dst: only unfinished slices redone" eq "$(( $(jget slices_skipped) + $(jget slices_run) ))/$(( $(jget slices_skipped) >= done_n ))" "12/1"
  expect "resume into $dst: every row exactly once" eq "$(q 'select count(*), count(distinct id), sum(v), sum(length(s)) from big' | tr '\t|' '  ' | cut -d' ' -f1,3,4)" "$src_sum"
  expect "resume into $dst: no duplicate ids" eq "$(q 'select count(distinct id) from big')" 120000
done

# ------------------------------------------------------------------------------------------
# 7. unattended runs
echo "[$SECONDS s] unattended: fresh databases, signals, reruns, --slice, dirty records under --quiet"
# 7a. A first run with concurrency into a database that has never seen syncpath: the slices must
# not race to create syncpath_slices (PostgreSQL failed a slice with "duplicate key value
# violates unique constraint pg_type_typname_nsp_index"). Three fresh databases each, 8 slices
# starting at once. The race needs two creations in flight at once, which timing alone makes
# rare on one host; so in PostgreSQL another session holds the same creation open (uncommitted)
# for 2 s while the job starts and then rolls it back: every creation the job has in flight then
# proceeds at the same moment (the code before the fix lost a slice to it every time).
pg_fresh() { PGPASSWORD=$PW psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$DBUSER" -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }
for dst in postgresql mysql; do
  ok=0
  for n in 1 2 3; do
    fresh=fresh_${dst}_$n
    case $dst in
      postgresql) pg_root -c "CREATE DATABASE $fresh OWNER \"$DBUSER\"" >/dev/null
        pg_fresh "$fresh" "CREATE TABLE big (id bigint PRIMARY KEY, v bigint, s varchar(40))"
        pg_fresh "$fresh" "BEGIN; CREATE TABLE syncpath_slices (job varchar(64), slice integer); SELECT pg_sleep(2); ROLLBACK" >/dev/null &
        holder=$!
        for _ in $(seq 1 100); do  # until the holder's creation is in flight
          [[ $(pg_fresh "$fresh" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; CREATE TABLE syncpath_slices%' AND state = 'active'" -At) == 1 ]] && break
          sleep 0.05
        done ;;
      mysql) my_user -e "CREATE DATABASE $fresh; CREATE TABLE $fresh.big (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR(40))" ;;
    esac
    job=$WORK/fresh-$dst-$n.yaml
    {
      echo "version: 1"
      echo "source: {data_source: $(source_yaml sqlite "$BIG"), table: big, split_key: id}"
      echo "destination: {data_source: $(source_yaml "$dst" | sed "s/database: $DBNAME/database: $fresh/"), table: big}"
      echo "channel: {concurrency: 8}"
    } >"$job"
    run_job "$job"
    [[ $dst == postgresql ]] && wait "$holder"
    [[ $RC == 0 && $(jget records_written) == 120000 ]] && ok=$((ok + 1)) || cat "$WORK/last.json" "$WORK/last.err" >&2
  done
  expect "first run into 3 fresh $dst databases, 8 slices at once: all succeed with every row" eq "$ok" 3
done

# 7b. SIGTERM and SIGINT mid-run: the slices in flight roll back, the committed ones stay, the
# state file records them, the tool says so and exits 128 + the signal; --resume finishes.
for dst in postgresql mysql; do
  for sig in TERM INT; do
    table=sig_${sig,,}  # lower case: PostgreSQL folds unquoted names
    case $dst in
      mysql) my_user -e "CREATE TABLE $table (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR(40))"; q() { my_user -N -B -e "$1"; } ;;
      postgresql) pg_user -c "CREATE TABLE $table (id bigint PRIMARY KEY, v bigint, s varchar(40))"; q() { pg_user -At -c "$1"; } ;;
    esac
    job=$WORK/sig-$dst-$sig.yaml
    {
      echo "version: 1"
      echo "source: {data_source: $(source_yaml sqlite "$BIG"), table: big, split_key: id}"
      echo "destination: {data_source: $(source_yaml "$dst"), table: $table, batch_size: 500}"
      echo "channel: {concurrency: 2, slices: 12, records_per_second: 20000}"
    } >"$job"
    state=$WORK/sig-$dst-$sig.state.json
    # Job control on, so the background run does not start with SIGINT ignored (as a
    # non-interactive shell's background jobs do; syncpath keeps an ignored SIGINT ignored).
    set -m
    "$BIN" sync "$job" --format json >"$WORK/sig.json" 2>"$WORK/sig.err" &
    pid=$!
    set +m
    for _ in $(seq 1 400); do
      (($(grep -o '"read"' "$state" 2>/dev/null | wc -l) >= 3)) && break
      sleep 0.02
    done
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    cat "$WORK/sig.json" "$WORK/sig.err" >>"$ALL"
    want=$((128 + $(kill -l "$sig")))
    done_n=$(python3 -c "import json; print(len(json.load(open('$state'))['done']))")
    committed=$(python3 -c "import json; print(sum(c['written'] for c in json.load(open('$state'))['done'].values()))")
    expect "SIG$sig into $dst: exit $want with 'interrupted: K of 12 slices committed; rerun with --resume'" \
      eq "$rc/$(grep -c "interrupted: $done_n of 12 slices committed; rerun with --resume" "$WORK/sig.err")" "$want/1"
    expect "SIG$sig into $dst: the JSON report says interrupted" eq "$(python3 -c "import json; j=json.load(open('$WORK/sig.json')); print(j['outcome'], j['job']['slices_committed'])")" "interrupted $done_n"
    marks=$(python3 -c "import json; s=json.load(open('$state')); print(s['fingerprint'] + '-' + str(s['slices']))")
    expect "SIG$sig into $dst: the destination holds exactly the committed slices, each with its mark, as the state file records them" \
      eq "$(q "select count(*) from $table")/$(q "select count(*) from syncpath_slices where job = '$marks'")" "$committed/$done_n"
    expect "SIG$sig into $dst: some slices committed, some not" test "$done_n" -ge 1 -a "$done_n" -lt 12
    run_job "$job" --resume
    expect "SIG$sig into $dst: --resume finishes with every row exactly once" \
      eq "$RC/$(q "select count(*), count(distinct id), sum(v) from $table" | tr '\t|' '  ')/$(jget slices_run)" "0/120000 120000 $(sqlite3 "$BIG" 'select sum(v) from big')/$((12 - done_n))"
    expect "SIG$sig into $dst: after the resume the job's totals are the whole job" eq "$(python3 -c "import json; j=json.load(open('$WORK/last.json')); print(j['job']['records_written'], j['job']['slices_committed'])")" "120000 12"
  done
done

# 7c. A finished job into each database is refused by the destination's marks alone (the state
# file deleted, as on a fresh pod); a wrong --slice is an input error that touches nothing.
for dst in postgresql mysql; do
  job=$WORK/sig-$dst-TERM.yaml
  rm -f "$WORK/sig-$dst-TERM.state.json"
  run_job "$job"
  expect "$dst: a finished job without its state file is still refused" eq "$RC/$(jget outcome)" "1/already_loaded"
  case $dst in
    mysql) q() { my_user -N -B -e "$1"; } ;;
    postgresql) q() { pg_user -At -c "$1"; } ;;
  esac
  run_job "$job" --resume
  before=$(md5sum <"$WORK/sig-$dst-TERM.state.json")
  run_job "$job" --slice 1/4
  expect "$dst: --slice 1/4 on a 12-slice job is an input error" eq "$RC/$(python3 -c "import json; print(json.load(open('$WORK/last.json'))['diagnostics'][0]['code'])")" "2/slice-mismatch"
  expect "$dst: ... and the state file and the table are as they were" eq "$(md5sum <"$WORK/sig-$dst-TERM.state.json")/$(q "select count(*) from sig_term")" "$before/120000"
done

# 7d. Dirty records are said under --quiet (the run succeeds: no limit), and --fail-on-dirty
# fails on the first with nothing committed.
for dst in postgresql mysql; do
  table=quiet_dirty
  case $dst in
    mysql) ddl_my "$table" ;;
    postgresql) ddl_pg "$table" >/dev/null ;;
  esac
  job=$WORK/quiet-$dst.yaml
  {
    echo "version: 1"
    echo "source: {data_source: $(source_yaml csv "$WORK/dirty.csv"), csv: {null_marker: '\\N'}}"
    echo "destination: {data_source: $(source_yaml "$dst"), table: $table, batch_size: 100}"
  } >"$job"
  "$BIN" sync "$job" --fail-on-dirty --quiet >"$WORK/q.out" 2>"$WORK/q.err"; rc=$?
  cat "$WORK/q.out" "$WORK/q.err" >>"$ALL"
  expect "$dst --fail-on-dirty: exit 1, nothing committed" eq "$rc/$(dump_of "$dst" "$table" | wc -l)" "1/0"
  "$BIN" sync "$job" --quiet >"$WORK/q.out" 2>"$WORK/q.err"; rc=$?
  cat "$WORK/q.out" "$WORK/q.err" >>"$ALL"
  expect "$dst --quiet with dirty records: exit 0, and a warning with the count and the file" \
    eq "$rc/$(wc -c <"$WORK/q.out")/$(grep -c "warning: 5 record(s) rejected as dirty and not written; they are in $WORK/quiet-$dst.dirty.jsonl" "$WORK/q.err")" "0/0/1"
done

# ------------------------------------------------------------------------------------------
# 5. preflight and login
echo "[$SECONDS s] preflight and login" failures
dead=$(free_port)
cat >"$WORK/unreachable.yaml" <<YAML
version: 1
source: {data_source: $(source_yaml csv "$WORK/data.csv")}
destination:
  data_source: {type: mysql, endpoint: {host: 127.0.0.1, port: $dead}, database: x, username: u, password: {env: SYNC_TEST_PW}}
  table: t
YAML
"$BIN" sync "$WORK/unreachable.yaml" >"$WORK/pre.out" 2>&1; rc=$?
cat "$WORK/pre.out" >>"$ALL"
expect "preflight: unreachable destination exits 1 with a remedy" eq "$rc/$(grep -c 'preflight:.*127.0.0.1:'"$dead"'.*check the server is running' "$WORK/pre.out")" "1/1"
"$BIN" sync "$WORK/unreachable.yaml" --skip-preflight >"$WORK/pre2.out" 2>&1; rc=$?
cat "$WORK/pre2.out" >>"$ALL"
expect "--skip-preflight: the connection failure is still reported, exit 1" eq "$rc/$(grep -c 'cannot connect' "$WORK/pre2.out")" "1/1"
WRONG="Wr0ng-$$-pw"
SYNC_TEST_PW=$WRONG "$BIN" sync "$(pair_job csv postgresql)" >"$WORK/auth.out" 2>&1; rc=$?
SYNC_TEST_PW=$WRONG "$BIN" sync "$(pair_job csv mysql)" >>"$WORK/auth.out" 2>&1; rc2=$?
cat "$WORK/auth.out" >>"$ALL"
expect "wrong password: exit 1 on both servers, the wrong password not echoed" eq "$rc/$rc2/$(grep -c -F "$WRONG" "$WORK/auth.out")" "1/1/0"
expect "wrong password: the failure says the login was refused" test "$(grep -c 'auth_failed.*refused the login' "$WORK/auth.out")" -ge 2

# ------------------------------------------------------------------------------------------
# 6. the password appears nowhere
leaks=$(grep -r -l -F "$PW" "$ALL" "$WORK"/*.jsonl "$WORK"/*.json "$WORK"/*.yaml 2>/dev/null | wc -l)
expect "the password appears in no output, dirty file, state file or job file" eq "$leaks" 0
expect "the outputs were collected (the leak check looked at something)" test "$(wc -c <"$ALL")" -gt 1000

echo
if ((fails)); then echo "sync_servers: $fails check(s) failed"; exit 1; fi
echo "sync_servers: all checks passed"
