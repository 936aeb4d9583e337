# The test table in each dialect, and a dump query printing the canonical form of dataset.py.

ddl_sqlite() {  # DB TABLE. Decimals as TEXT: SQLite's NUMERIC affinity would turn them into doubles.
  sqlite3 "$1" "CREATE TABLE $2 (id INTEGER PRIMARY KEY, i64 INTEGER, i32 INTEGER, dec TEXT, txt VARCHAR(200), longtxt TEXT, d DATE, dt DATETIME, f REAL);"
}
ddl_my() {  # TABLE
  my_user -e "CREATE TABLE $1 (id BIGINT PRIMARY KEY, i64 BIGINT, i32 INT, \`dec\` DECIMAL(30,8), txt VARCHAR(200), longtxt MEDIUMTEXT, d DATE, dt DATETIME, f DOUBLE) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
}
ddl_pg() {  # TABLE
  pg_user -c "CREATE TABLE $1 (id bigint PRIMARY KEY, i64 bigint, i32 integer, dec numeric(30,8), txt varchar(200), longtxt text, d date, dt timestamp, f double precision)"
}

dump_sqlite() {  # DB TABLE. hex() and printf() of NULL are not NULL in SQLite: test for it first.
  sqlite3 -separator '|' "$1" "SELECT id, ifnull(i64,'\\N'), ifnull(i32,'\\N'), ifnull(dec,'\\N'),
    CASE WHEN txt IS NULL THEN '\\N' ELSE hex(txt) END, CASE WHEN longtxt IS NULL THEN '\\N' ELSE hex(longtxt) END,
    ifnull(d,'\\N'), ifnull(dt,'\\N'), CASE WHEN f IS NULL THEN '\\N' ELSE printf('%.3f', f) END FROM $2 ORDER BY id"
}
dump_my() {  # TABLE
  my_user -N -B --raw -e "SELECT id, IFNULL(i64,'\\\\N'), IFNULL(i32,'\\\\N'), IFNULL(\`dec\`,'\\\\N'), IFNULL(HEX(txt),'\\\\N'), IFNULL(HEX(longtxt),'\\\\N'),
    IFNULL(d,'\\\\N'), IFNULL(dt,'\\\\N'), IFNULL(CAST(f AS DECIMAL(30,3)),'\\\\N') FROM $1 ORDER BY id" | tr '\t' '|'
}
dump_pg() {  # TABLE
  pg_user -At -F'|' -c "SELECT id, coalesce(i64::text,'\\N'), coalesce(i32::text,'\\N'), coalesce(dec::text,'\\N'),
    coalesce(upper(encode(convert_to(txt,'UTF8'),'hex')),'\\N'), coalesce(upper(encode(convert_to(longtxt,'UTF8'),'hex')),'\\N'),
    coalesce(to_char(d,'YYYY-MM-DD'),'\\N'), coalesce(to_char(dt,'YYYY-MM-DD HH24:MI:SS'),'\\N'), coalesce(f::numeric(30,3)::text,'\\N')
    FROM $1 ORDER BY id"
}
dump_csv() { python3 "$DATA/dataset.py" canon "$1"; }

my_user() { MYSQL_PWD=$PW mariadb --no-defaults -h 127.0.0.1 -P "$MY_PORT" -u "$DBUSER" "$DBNAME" "$@"; }
pg_user() { PGPASSWORD=$PW psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$DBUSER" -d "$DBNAME" -v ON_ERROR_STOP=1 "$@"; }

# The YAML of an inline data source of KIND (sqlite|csv|mysql|postgresql) at PATH (file kinds).
source_yaml() {
  case $1 in
    sqlite) echo "{type: sqlite, path: $2}" ;;
    csv) echo "{type: csv, path: $2}" ;;
    mysql) echo "{type: mysql, endpoint: {host: 127.0.0.1, port: $MY_PORT}, database: $DBNAME, username: $DBUSER, password: {env: SYNC_TEST_PW}}" ;;
    postgresql) echo "{type: postgresql, endpoint: {host: 127.0.0.1, port: $PG_PORT}, database: $DBNAME, username: $DBUSER, password: {env: SYNC_TEST_PW}}" ;;
  esac
}
