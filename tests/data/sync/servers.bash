# Sourced by the sync integration scripts and the benchmark: starts a private MariaDB and a
# private PostgreSQL on 127.0.0.1, free ports, data under $WORK (a mktemp folder the caller
# made), each with a user that logs in with a password. stop_servers tears both down; callers
# trap it. Nothing here touches any address but loopback.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

die() { echo "FAIL: $*" >&2; exit 1; }

# start_mariadb USER PASSWORD DATABASE: sets MY_PORT, MY_SOCK; runs mariadb as root via the socket.
start_mariadb() {
  local user=$1 pw=$2 db=$3
  MY_DIR=$WORK/mariadb
  mkdir -p "$MY_DIR"
  mariadb-install-db --no-defaults --datadir="$MY_DIR/data" --user=root --auth-root-authentication-method=socket \
    --skip-test-db >"$MY_DIR/install.log" 2>&1 || { cat "$MY_DIR/install.log" >&2; die "mariadb-install-db failed"; }
  MY_PORT=$(free_port)
  MY_SOCK=$MY_DIR/mysqld.sock
  mariadbd --no-defaults --datadir="$MY_DIR/data" --socket="$MY_SOCK" --port="$MY_PORT" --bind-address=127.0.0.1 \
    --user=root --skip-name-resolve --pid-file="$MY_DIR/mysqld.pid" --log-error="$MY_DIR/error.log" \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=64M --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
    --max-allowed-packet=64M --local-infile=1 >/dev/null 2>&1 &
  MY_PID=$!
  for _ in $(seq 1 120); do
    mariadb --no-defaults --socket="$MY_SOCK" -uroot -e 'select 1' >/dev/null 2>&1 && break
    kill -0 "$MY_PID" 2>/dev/null || { cat "$MY_DIR/error.log" >&2; die "mariadbd exited"; }
    sleep 0.25
  done
  mariadb --no-defaults --socket="$MY_SOCK" -uroot -e 'select 1' >/dev/null 2>&1 || die "mariadbd did not come up"
  my_root <<SQL || die "cannot create the mariadb user"
CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER '$user'@'%' IDENTIFIED BY '$pw';
GRANT ALL ON *.* TO '$user'@'%';
SQL
}

my_root() { mariadb --no-defaults --socket="$MY_SOCK" -uroot "$@"; }

# start_postgres USER PASSWORD DATABASE: sets PG_PORT, PG_SOCKDIR; runs as the postgres OS user.
start_postgres() {
  local user=$1 pw=$2 db=$3
  PG_DIR=$WORK/pg
  PG_BIN=/usr/lib/postgresql/15/bin
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL 15 server binaries are missing (apt-get install postgresql)"
  mkdir -p "$PG_DIR"
  chmod 755 "$WORK"
  chown postgres "$PG_DIR"
  local as_pg=(runuser -u postgres --)
  [[ $(id -u) -eq 0 ]] || as_pg=()
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  PG_PORT=$(free_port)
  PG_SOCKDIR=$PG_DIR
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_SOCKDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c shared_buffers=64MB" \
    start >/dev/null 2>&1 || { cat "$PG_DIR/server.log" >&2; die "postgres did not start"; }
  PG_STARTED=1
  pg_root -c "CREATE USER \"$user\" WITH PASSWORD '$pw' SUPERUSER" >/dev/null || die "cannot create the postgres user"
  pg_root -c "CREATE DATABASE \"$db\" OWNER \"$user\" ENCODING 'UTF8'" >/dev/null || die "cannot create the postgres database"
}

pg_root() { psql -X -q -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -d "${PG_DB:-postgres}" -v ON_ERROR_STOP=1 "$@"; }

stop_servers() {
  if [[ -n ${MY_PID:-} ]]; then
    kill "$MY_PID" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$MY_PID" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$MY_PID" 2>/dev/null
    MY_PID=
  fi
  if [[ -n ${PG_STARTED:-} ]]; then
    local as_pg=(runuser -u postgres --)
    [[ $(id -u) -eq 0 ]] || as_pg=()
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    PG_STARTED=
  fi
}
