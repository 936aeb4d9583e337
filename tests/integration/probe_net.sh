#!/usr/bin/env bash
# probe_net: every verdict of `syncpath probe` produced for real inside network namespaces and
# asserted in JSON and exit codes. Builds (names carry this shell's pid):
#   rg      10.231.1.2 + 10.231.1.3   the custom group's host etl-1; the prober runs here
#   router  10.231.1.1 / 10.231.3.1 / 10.231.4.1, nftables: drop 10.231.4.20, TCP reset for
#           10.231.4.21, ICMP admin-prohibited for 10.231.4.22; no route to 10.231.5.0/24
#   db      10.231.3.10 + .11: a real MariaDB and a real PostgreSQL
#   web     10.231.4.10/.20/.21/.22/.53: python http.server, openssl s_server (self-signed),
#           a listener that never speaks, dnsmasq serving *.probe.example
# Nothing is routed out of these namespaces; everything is torn down on exit, also on failure.
# Needs root, iproute2, nftables, dnsmasq-base, mariadb-server, postgresql, openssl, jq.
set -euo pipefail

BIN=${SYNCPATH_BIN:?set SYNCPATH_BIN to the syncpath binary}
BIN=$(readlink -f "$BIN")
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TOPO=$HERE/tests/data/probe/net.yaml
[[ $(id -u) -eq 0 ]] || { echo "FAIL: probe_net needs root (network namespaces)" >&2; exit 1; }
for cmd in ip nft dnsmasq mariadbd mariadb-install-db mariadb openssl jq python3 setpriv; do
  command -v "$cmd" >/dev/null || { echo "FAIL: $cmd not found (run scripts/setup.sh)" >&2; exit 1; }
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/postgres ]] || { echo "FAIL: PostgreSQL server binaries not found" >&2; exit 1; }

ID=$$
RG=sp${ID}rg ROUTER=sp${ID}rt DB=sp${ID}db WEB=sp${ID}web
TMP=$(mktemp -d /tmp/probe_net.XXXXXX)
chmod 755 "$TMP"
PIDS=()
MYSQL_PW="my-Secret-$RANDOM-pw"
PG_PW="pg-Secret-$RANDOM-pw"
PG_MD5_PW="md5-Secret-$RANDOM-pw"
WRONG_PW="wrong-Secret-$RANDOM-pw"

cleanup() {
  local rc=$?
  set +e
  if ((rc != 0)); then
    echo "--- probe_net failed (rc=$rc); server logs:" >&2
    tail -5 "$TMP"/*.log 2>/dev/null >&2
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.3
  done
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  # Anything still inside our namespaces was started by this script.
  for ns in "$RG" "$ROUTER" "$DB" "$WEB"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "/etc/netns/$RG" "$TMP"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# ---------------------------------------------------------------- network ----
step "namespaces and links"
for ns in "$RG" "$ROUTER" "$DB" "$WEB"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$RG" link add eth0 type veth peer name to-rg netns "$ROUTER"
ip -n "$DB" link add eth0 type veth peer name to-db netns "$ROUTER"
ip -n "$WEB" link add eth0 type veth peer name to-web netns "$ROUTER"
ip -n "$ROUTER" addr add 10.231.1.1/24 dev to-rg
ip -n "$ROUTER" addr add 10.231.3.1/24 dev to-db
ip -n "$ROUTER" addr add 10.231.4.1/24 dev to-web
for dev in to-rg to-db to-web; do ip -n "$ROUTER" link set "$dev" up; done
ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1
ip -n "$RG" addr add 10.231.1.2/24 dev eth0
ip -n "$RG" addr add 10.231.1.3/24 dev eth0
ip -n "$DB" addr add 10.231.3.10/24 dev eth0
ip -n "$DB" addr add 10.231.3.11/24 dev eth0
for a in 10 20 21 22 53; do ip -n "$WEB" addr add "10.231.4.$a/24" dev eth0; done
for ns in "$RG" "$DB" "$WEB"; do ip -n "$ns" link set eth0 up; done
ip -n "$RG" route add default via 10.231.1.1 src 10.231.1.2
# Towards 10.231.3.11 the host leaves from its second address: "a wrong host, or NAT".
ip -n "$RG" route add 10.231.3.11/32 via 10.231.1.1 src 10.231.1.3
ip -n "$DB" route add default via 10.231.3.1
ip -n "$WEB" route add default via 10.231.4.1
ip netns exec "$ROUTER" nft -f - <<'NFT'
table inet probe_net {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr 10.231.4.20 drop
    ip daddr 10.231.4.21 meta l4proto tcp reject with tcp reset
    ip daddr 10.231.4.22 reject with icmp type admin-prohibited
  }
}
NFT
# The rg namespace's system resolver (ip netns exec bind-mounts this file on /etc/resolv.conf).
mkdir -p "/etc/netns/$RG"
echo "nameserver 10.231.4.53" > "/etc/netns/$RG/resolv.conf"

# ---------------------------------------------------------------- web ----
step "web: http.server, s_server, silent listener, dnsmasq"
mkdir -p "$TMP/www" && echo ok > "$TMP/www/index.html"
ip netns exec "$WEB" python3 -m http.server 8080 --bind 0.0.0.0 --directory "$TMP/www" >"$TMP/http.log" 2>&1 &
PIDS+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 1 \
  -subj "/CN=web.probe.example" >/dev/null 2>&1
ip netns exec "$WEB" openssl s_server -accept 8443 -cert "$TMP/tls.crt" -key "$TMP/tls.key" -www -quiet \
  >"$TMP/s_server.log" 2>&1 </dev/null &
PIDS+=($!)
ip netns exec "$WEB" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.231.4.10", 9000)); s.listen(128)
time.sleep(3600)  # accepts (in the kernel backlog) and never says a word
' >"$TMP/silent.log" 2>&1 &
PIDS+=($!)
ip netns exec "$WEB" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
  --listen-address=10.231.4.53 --port=53 --user=root --pid-file="$TMP/dnsmasq.pid" \
  --log-queries --log-facility="$TMP/dns-queries.log" \
  --local=/probe.example/ \
  --address=/mysql.probe.example/10.231.3.10 --address=/pg.probe.example/10.231.3.10 \
  --address=/moved.probe.example/10.231.3.10 --address=/web.probe.example/10.231.4.10 \
  >"$TMP/dnsmasq.log" 2>&1 &
PIDS+=($!)

# ---------------------------------------------------------------- MariaDB ----
step "db: MariaDB"
mariadb-install-db --no-defaults --datadir="$TMP/mysql" --user=root --auth-root-authentication-method=socket \
  --skip-test-db >"$TMP/mysql-install.log" 2>&1 || fail "mariadb-install-db failed (see $TMP/mysql-install.log)"
ip netns exec "$DB" mariadbd --no-defaults --datadir="$TMP/mysql" --user=root --socket="$TMP/mysql.sock" \
  --port=3306 --bind-address=0.0.0.0 --skip-name-resolve --pid-file="$TMP/mysql.pid" \
  --log-error="$TMP/mysql.log" --innodb-buffer-pool-size=16M --skip-log-bin &
PIDS+=($!)

# ---------------------------------------------------------------- PostgreSQL ----
step "db: PostgreSQL"
mkdir -p "$TMP/pg" "$TMP/pgsock" && chown postgres: "$TMP/pg" "$TMP/pgsock"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
as_pg "$PGBIN/initdb" -D "$TMP/pg" -U postgres --auth-local=trust --auth-host=reject >"$TMP/initdb.log" 2>&1 \
  || fail "initdb failed"
cat > "$TMP/pg/pg_hba.conf" <<'HBA'
local all all                         trust
host  all sync_md5 10.231.1.2/32      md5
host  all all      10.231.1.2/32      scram-sha-256
HBA
ip netns exec "$DB" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$TMP/pg" \
  -c listen_addresses='10.231.3.10,10.231.3.11' -c port=5432 -c unix_socket_directories="$TMP/pgsock" \
  -c fsync=off -c logging_collector=off >"$TMP/postgres.log" 2>&1 &
PIDS+=($!)

step "waiting for the servers"
for _ in $(seq 1 100); do
  mariadb --no-defaults -S "$TMP/mysql.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
  sleep 0.3
done
mariadb --no-defaults -S "$TMP/mysql.sock" -uroot -e 'select 1' >/dev/null || fail "MariaDB did not start"
mariadb --no-defaults -S "$TMP/mysql.sock" -uroot <<SQL
CREATE DATABASE app;
CREATE USER 'sync'@'10.231.1.2' IDENTIFIED BY '$MYSQL_PW';
GRANT ALL ON app.* TO 'sync'@'10.231.1.2';
SQL
for _ in $(seq 1 100); do
  "$PGBIN/pg_isready" -q -h "$TMP/pgsock" -p 5432 && break
  sleep 0.3
done
"$PGBIN/pg_isready" -q -h "$TMP/pgsock" -p 5432 || fail "PostgreSQL did not start"
as_pg "$PGBIN/psql" -q -h "$TMP/pgsock" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE sync LOGIN PASSWORD '$PG_PW';
CREATE DATABASE app OWNER sync;
SET password_encryption = 'md5';
CREATE ROLE sync_md5 LOGIN PASSWORD '$PG_MD5_PW';
SQL
for _ in $(seq 1 50); do
  ip netns exec "$RG" python3 -c 'import socket; socket.create_connection(("10.231.4.10", 8080), 1).close()' 2>/dev/null && \
  ip netns exec "$RG" python3 -c 'import socket; socket.create_connection(("10.231.4.10", 8443), 1).close()' 2>/dev/null && break
  sleep 0.2
done

# ---------------------------------------------------------------- assertions ----
probe() {  # probe ARGS...: runs the prober inside the rg namespace; sets OUT and RC
  set +e
  OUT=$(ip netns exec "$RG" env PROBE_MYSQL_PASSWORD="$MYSQL_PW" PROBE_PG_PASSWORD="$PG_PW" \
        PROBE_WRONG_PASSWORD="$WRONG_PW" PROBE_MD5_PASSWORD="$PG_MD5_PW" "$BIN" probe "$@" 2>"$TMP/stderr")
  RC=$?
  set -e
  cat "$TMP/stderr" >> "$TMP/all-output"
  printf '%s\n' "$OUT" >> "$TMP/all-output"
}
expect_rc() { [[ $RC == "$1" ]] || { printf '%s\n' "$OUT" | head -60 >&2; cat "$TMP/stderr" >&2; fail "$2: exit code $RC, expected $1"; }; }
jget() { printf '%s' "$OUT" | jq -r "$1"; }
# expect_field SOURCE JQ_PATH EXPECTED: one result's field equals EXPECTED
expect_field() {
  local got
  got=$(printf '%s' "$OUT" | jq -r --arg n "$1" ".results[] | select(.data_source==\$n) | $2")
  [[ $got == "$3" ]] || fail "$1: $2 is '$got', expected '$3'"
}
# expect_match SOURCE JQ_PATH REGEX
expect_match() {
  local got
  got=$(printf '%s' "$OUT" | jq -r --arg n "$1" ".results[] | select(.data_source==\$n) | $2")
  [[ $got =~ $3 ]] || fail "$1: $2 is '$got', expected to match /$3/"
}
check() { printf '.checks[] | select(.check=="%s") | .%s' "$1" "$2"; }

step "ad-hoc targets, one verdict each"
declare -A ADHOC=(
  [reachable_http]="--target 10.231.4.10:8080 --protocol http"
  [reachable_mysql_login]="--target mysql.probe.example:3306 --protocol mysql --user sync --password-env PROBE_MYSQL_PASSWORD --database app"
  [reachable_pg_scram]="--target pg.probe.example:5432 --protocol postgresql --user sync --password-env PROBE_PG_PASSWORD --database app"
  [reachable_pg_md5]="--target 10.231.3.10:5432 --protocol postgresql --user sync_md5 --password-env PROBE_MD5_PASSWORD --database postgres"
  [dns_nxdomain]="--target missing.probe.example:3306 --protocol mysql"
  [dns_timeout]="--target mysql.probe.example:3306 --dns-server 10.231.4.20:53 --timeout 1"
  [dropped]="--target 10.231.4.20:8080 --timeout 1"
  [reset]="--target 10.231.4.21:8080"
  [icmp]="--target 10.231.4.22:8080"
  [no_route]="--target 10.231.5.5:3306"
  [closed]="--target 10.231.4.10:2121"
  [mysql_1130]="--target 10.231.3.11:3306 --protocol mysql"
  [mysql_1045]="--target 10.231.3.10:3306 --protocol mysql --user sync --password-env PROBE_WRONG_PASSWORD"
  [pg_hba]="--target 10.231.3.11:5432 --protocol postgresql --user sync"
  [pg_28P01]="--target 10.231.3.10:5432 --protocol postgresql --user sync --password-env PROBE_WRONG_PASSWORD"
  [tls_plain_port]="--target 10.231.4.10:8080 --protocol https"
  [tls_self_signed]="--target web.probe.example:8443 --protocol https"
  [hung]="--target 10.231.4.10:9000 --protocol mysql --timeout 1"
)
declare -A WANT=(
  [reachable_http]=reachable [reachable_mysql_login]=reachable [reachable_pg_scram]=reachable
  [reachable_pg_md5]=reachable [dns_nxdomain]=dns_failure [dns_timeout]=dns_failure
  [dropped]=no_route_or_filtered [reset]=refused [icmp]=no_route_or_filtered
  [no_route]=no_route_or_filtered [closed]=refused [mysql_1130]=rejected_by_whitelist
  [mysql_1045]=auth_failed [pg_hba]=rejected_by_whitelist [pg_28P01]=auth_failed
  [tls_plain_port]=tls_failure [tls_self_signed]=tls_failure [hung]=timeout
)
declare -A DETAIL=(
  [reachable_http]='handshake/pass/HTTP status 200'
  [reachable_mysql_login]='handshake/pass/logged in as sync'
  [reachable_pg_scram]='handshake/pass/logged in as sync'
  [reachable_pg_md5]='handshake/pass/logged in as sync_md5'
  [dns_nxdomain]='dns/fail/NXDOMAIN'
  [dns_timeout]='dns/fail/timed out'
  [dropped]='tcp/fail/no answer within'
  [reset]='tcp/fail/connection refused'
  [icmp]='tcp/fail/unreachable'
  [no_route]='tcp/fail/unreachable'
  [closed]='tcp/fail/connection refused'
  [mysql_1130]='handshake/fail/1130'
  [mysql_1045]='handshake/fail/1045'
  [pg_hba]='handshake/fail/no pg_hba.conf entry'
  [pg_28P01]='handshake/fail/28P01'
  [tls_plain_port]='handshake/fail/TLS failed'
  [tls_self_signed]='handshake/fail/certificate'
  [hung]='handshake/fail/did not answer'
)
for name in "${!ADHOC[@]}"; do
  # shellcheck disable=SC2086
  args=${ADHOC[$name]}
  [[ $args == *--timeout* ]] || args+=" --timeout 2"
  # shellcheck disable=SC2086
  probe $args --format json
  want=${WANT[$name]}
  src=$(jget '.results[0].data_source')
  expect_field "$src" .verdict "$want"
  IFS=/ read -r chk status text <<<"${DETAIL[$name]}"
  expect_field "$src" "$(check "$chk" status)" "$status"
  expect_match "$src" "$(check "$chk" detail)" "$text"
  if [[ $want == reachable ]]; then expect_rc 0 "$name"; else expect_rc 1 "$name"; fi
  echo "   $name: $want"
done
# A failed lookup names the DNS server that was asked: the namespace's resolv.conf, or --dns-server.
probe --target missing.probe.example:3306 --format json --timeout 2
expect_match missing.probe.example:3306 "$(check dns detail)" 'for the DNS server 10\.231\.4\.53:53 \(from /etc/resolv\.conf\)'
probe --target mysql.probe.example:3306 --dns-server 10.231.4.20:53 --timeout 1 --format json
expect_match mysql.probe.example:3306 "$(check dns detail)" 'the DNS server 10\.231\.4\.20:53 \(--dns-server\)'
# The address the connection left from is recorded for the whitelist check.
probe --target 10.231.3.11:3306 --protocol mysql --format json
expect_field 10.231.3.11:3306 .local_address 10.231.1.3
probe --target 10.231.3.10:3306 --protocol mysql --format json
expect_field 10.231.3.10:3306 .local_address 10.231.1.2

step "text and junit formats"
probe --target 10.231.4.21:8080 --no-color
expect_rc 1 "text format"
[[ $OUT == *"refused"* && $OUT == *"fix: check_endpoint"* ]] || fail "text output lacks the verdict or the fix: $OUT"
probe --target 10.231.4.21:8080 --format junit
expect_rc 1 "junit format"
printf '%s' "$OUT" | python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
cases = root.findall(".//testcase")
assert len(cases) == 1 and cases[0].find("failure").get("type") == "refused", "junit shape"
' || fail "junit output is not the expected XML"

step "bad input exits 2"
for args in "--target nohostport" "--target 10.231.4.10:99999" "--target 10.231.4.10:80 --protocol gopher" \
            "--target 10.231.4.10:80 --dns-server 10.231.4.53:xx" "--target 10.231.4.10:80 --concurrency 0" \
            "--target 10.231.4.10:80 --password-env PROBE_UNSET_VARIABLE --user x" "$TOPO" "$TOPO --rg rg-nope"; do
  # shellcheck disable=SC2086
  probe $args
  expect_rc 2 "bad input '$args'"
done

step "bad input is machine readable in json and junit (exit 2)"
probe --target 10.231.4.10:99999 --format json
expect_rc 2 "bad --target, json"
[[ $(jget .schema_version) == 1 && $(jget '.diagnostics[0].code') == bad-target ]] || fail "bad --target json: $OUT"
probe "$TOPO" --rg rg-nope --format json
expect_rc 2 "unknown --rg, json"
[[ $(jget '.diagnostics[0].code') == unknown-resource-group && $(jget '.diagnostics[0].message') == *"groups: rg-etl, rg-sched"* ]] \
  || fail "unknown --rg json: $OUT"
probe "$TOPO" --rg rg-nope --format junit
expect_rc 2 "unknown --rg, junit"
printf '%s' "$OUT" | python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
errors = root.findall(".//testcase/error")
assert root.get("errors") == "1" and len(errors) == 1 and errors[0].get("type") == "unknown-resource-group", "junit errors"
' || fail "junit output of bad input is not the expected XML: $OUT"

step "IPv6 literals are refused as input, without a DNS query"
queries_before=$(grep -c 'query\[' "$TMP/dns-queries.log" || true)
((queries_before > 0)) || fail "dnsmasq logged no query so far: the check below could not fail"
for target in "[::1]:5432" "::1:5432" "[fe80::1]:3306"; do
  probe --target "$target" --dns-server 10.231.4.53 --format json
  expect_rc 2 "IPv6 target $target"
  [[ $(jget '.diagnostics[0].code') == ipv6-target ]] || fail "IPv6 target $target: $OUT"
done
queries_after=$(grep -c 'query\[' "$TMP/dns-queries.log" || true)
[[ $queries_after == "$queries_before" ]] || fail "an IPv6 literal reached the DNS server: $(tail -3 "$TMP/dns-queries.log")"

step "topology mode: every data source of rg-etl in one run"
probe "$TOPO" --rg rg-etl --format json --timeout 2 --concurrency 32
[[ $(jget .host) == etl-1 ]] || fail "host is $(jget .host), expected etl-1"
expect_rc 1 "topology run"
declare -A TWANT=(
  [mysql_ok]=reachable [mysql_stale_whitelist]=reachable [mysql_bad_password]=auth_failed [mysql_not_allowed]=rejected_by_whitelist
  [pg_ok]=reachable [pg_bad_password]=auth_failed [pg_not_allowed]=rejected_by_whitelist
  [dns_missing]=dns_failure [dns_elsewhere]=reachable [web_dropped]=no_route_or_filtered
  [web_reset]=refused [web_icmp]=no_route_or_filtered [web_closed_port]=refused [web_hung]=timeout
  [oss_self_signed]=tls_failure [far_no_route]=no_route_or_filtered
  [ftp_not_whitelisted]=rejected_by_whitelist
)
declare -A TREMEDY=(
  [mysql_ok]=none [mysql_stale_whitelist]=none [mysql_bad_password]=fix_credentials [mysql_not_allowed]=add_whitelist
  [pg_ok]=none [pg_bad_password]=fix_credentials [pg_not_allowed]=add_whitelist
  [dns_missing]=fix_dns [dns_elsewhere]=none [web_dropped]=check_network [web_reset]=check_endpoint
  [web_icmp]=check_network [web_closed_port]=check_endpoint [web_hung]=check_service
  [oss_self_signed]=fix_tls [far_no_route]=create_link [ftp_not_whitelisted]=add_whitelist
)
[[ $(jget '.results | length') == "${#TWANT[@]}" ]] || fail "expected ${#TWANT[@]} results (local_file is not probed), got $(jget '.results | length')"
for src in "${!TWANT[@]}"; do
  expect_field "$src" .verdict "${TWANT[$src]}"
  expect_field "$src" .remedy.action "${TREMEDY[$src]}"
  [[ $(printf '%s' "$OUT" | jq --arg n "$src" '[.results[] | select(.data_source==$n) | .checks[].check] == ["dns","tcp","handshake","whitelist"]') == true ]] \
    || fail "$src: checks are not dns, tcp, handshake, whitelist"
done
expect_field mysql_ok "$(check whitelist status)" pass
expect_match mysql_ok "$(check dns detail)" 'mysql.probe.example -> 10.231.3.10'
expect_field mysql_not_allowed "$(check whitelist status)" fail
expect_field mysql_stale_whitelist "$(check whitelist status)" pass
expect_match mysql_stale_whitelist '.notes | join(" ")' 'does not match the real network: the server let this host in'
expect_match mysql_not_allowed .remedy.detail 'add 10.231.1.2/32 to mysql_not_allowed.s whitelist'
expect_match mysql_not_allowed .remedy.detail 'left from 10.231.1.3.*NAT or the wrong host'
expect_match mysql_not_allowed '.notes | join(" ")' 'NAT on the way, or this machine is not etl-1'
expect_match pg_not_allowed .remedy.detail 'add 10.231.1.2/32'
expect_match dns_elsewhere '.notes | join(" ")' 'resolves somewhere unexpected.*10.231.3.99'
expect_match web_dropped .remedy.detail 'does not match the real network'
expect_field web_dropped .plan.status ready
expect_match web_dropped '.notes | join(" ")' 'the plan says rg-etl -> web_dropped is ready, but the probe found no_route_or_filtered: the topology file does not match the real network'
expect_field far_no_route .plan.status needs_changes
expect_field mysql_bad_password '.notes | length' 0
expect_match far_no_route .remedy.detail "^connect idc-rg and vpc-far.*; then add_network_route: .*on idc-rg's own router.*; add_network_route: .*vpc-far's route table"
expect_match ftp_not_whitelisted "$(check whitelist detail)" 'does not cover 10.231.1.2/32'
expect_match mysql_bad_password .remedy.detail 'PROBE_WRONG_PASSWORD'
# Summary counts: every result once, by verdict.
[[ $(jget .schema_version) == 1 && $(jget .summary.targets) == "${#TWANT[@]}" ]] || fail "summary targets: $(jget .summary)"
for verdict in reachable refused rejected_by_whitelist no_route_or_filtered auth_failed dns_failure timeout tls_failure; do
  want=0
  for src in "${!TWANT[@]}"; do [[ ${TWANT[$src]} == "$verdict" ]] && want=$((want + 1)); done
  [[ $(jget ".summary.verdicts.$verdict") == "$want" ]] || fail "summary: $verdict is $(jget ".summary.verdicts.$verdict"), expected $want"
done
[[ $(jget .summary.reachable) == "$(jget .summary.verdicts.reachable)" ]] || fail "summary: reachable count"
[[ $(jget .summary.failing) == $(( ${#TWANT[@]} - $(jget .summary.reachable) )) ]] || fail "summary: failing count"

step "topology mode, text report (for the log)"
probe "$TOPO" --rg rg-etl --timeout 2 --concurrency 32 --no-color
expect_rc 1 "topology run, text"
printf '%s\n' "$OUT"
[[ $OUT == *"fix: create_link: connect idc-rg and vpc-far"* ]] || fail "text report lacks the create_link fix"

step "topology mode: --source selects, all reachable exits 0"
probe "$TOPO" --rg rg-etl --source mysql_ok --source pg_ok --source dns_elsewhere --format json
expect_rc 0 "reachable subset"
[[ $(jget '[.results[].verdict] | unique | join(",")') == reachable ]] || fail "subset not all reachable"
probe "$TOPO" --rg rg-etl --source mysql_ok --format json --dns-server 10.231.4.53:53
expect_rc 0 "explicit --dns-server"

step "a task: the group that runs it and the group that issues it both probe both of its sources"
probe "$TOPO" --task orders_to_app --format json --timeout 2
expect_rc 0 "task run"
got=$(jget '[.results[] | .resource_group + "/" + .role + "/" + .data_source + "/" + .verdict] | join(",")')
[[ $got == "rg-etl/data_integration/mysql_ok/reachable,rg-etl/data_integration/pg_ok/reachable,rg-sched/scheduling/mysql_ok/reachable,rg-sched/scheduling/pg_ok/reachable" ]] \
  || fail "task results: $got"
[[ $(jget .task) == orders_to_app ]] || fail "the report does not name the task"

step "secrets never appear in any output"
for secret in "$MYSQL_PW" "$PG_PW" "$PG_MD5_PW" "$WRONG_PW"; do
  ! grep -qF -- "$secret" "$TMP/all-output" || fail "a password appears in the prober's output"
done

echo "probe_net: all assertions passed"
