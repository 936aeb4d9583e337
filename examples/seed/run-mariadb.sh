#!/usr/bin/env bash
# Runs the seed scenario into a real MariaDB: starts a private server on 127.0.0.1 (free port,
# data in a temporary folder, stopped on exit), creates the tutorial's odps_result table and a
# user with a password, then runs job-mariadb.yaml. Usage: run-mariadb.sh [path/to/syncpath]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${SYNCPATH_BIN:-$here/../../build/cli/syncpath}}
[[ -f $here/source.db ]] || bash "$here/make-data.sh"
WORK=$(mktemp -d /tmp/syncpath-seed-XXXX)
source "$here/../../tests/data/sync/servers.bash"
trap 'stop_servers; rm -rf "$WORK"' EXIT
export SEED_DB_PASSWORD="seed-$RANDOM-$RANDOM"
start_mariadb seed_writer "$SEED_DB_PASSWORD" seed
# The tutorial's CREATE TABLE (lower-case name: MariaDB on Linux tells the cases apart).
my_root seed -e 'CREATE TABLE `odps_result` (`education` varchar(255) NULL, `num` int(10) NULL)'
sed -e "s/port: 3306/port: $MY_PORT/" -e "s#path: source.db#path: $here/source.db#" \
    -e "s#path: seed-mariadb.dirty.jsonl#path: $WORK/seed.dirty.jsonl#" "$here/job-mariadb.yaml" >"$WORK/job.yaml"
"$bin" sync "$WORK/job.yaml"
echo "odps_result now holds: $(my_root seed -N -e 'select count(*), count(education), sum(num) from odps_result' | tr '\t' ' ') (rows, non-NULL education, sum of num)"
