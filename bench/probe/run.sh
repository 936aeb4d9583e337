#!/usr/bin/env bash
# Benchmark: `syncpath probe` against `nmap -sT` on the same thousands of loopback targets,
# inside a network namespace this script creates (and deletes on exit):
#   127.0.0.1 ports P..P+N-1        listening (a Python process holds N listening sockets)
#   127.0.0.1 ports P+N..P+2N-1     closed (answered with a reset)
#   127.0.0.2 the same 2N ports     dropped by nftables in the namespace (no answer at all)
# Both tools scan the same 4N host:port pairs with no retries; both results are counted and
# must agree. Prints probes/second, total time and the ratio. Root needed.
# Usage: bench/probe/run.sh [N=1000] [SYNCPATH_BIN=build/cli/syncpath] [TIMEOUT=1] [CONCURRENCY=1000]
set -euo pipefail
N=${1:-1000}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(readlink -f "${SYNCPATH_BIN:-$HERE/build/cli/syncpath}")
TIMEOUT=${TIMEOUT:-1}
CONCURRENCY=${CONCURRENCY:-1000}
P=20000
[[ $(id -u) -eq 0 ]] || { echo "bench needs root (network namespace)" >&2; exit 1; }
for c in ip nft nmap jq python3; do command -v $c >/dev/null || { echo "missing $c" >&2; exit 1; }; done
[[ -x $BIN ]] || { echo "no syncpath binary at $BIN (bash scripts/build.sh build)" >&2; exit 1; }

NS=spb$$
TMP=$(mktemp -d /tmp/probe_bench.XXXXXX)
LISTENER=""
cleanup() {
  set +e
  [[ -n $LISTENER ]] && kill "$LISTENER" 2>/dev/null
  for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 16384

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 127.0.0.2/8 dev lo 2>/dev/null || true
ip netns exec "$NS" nft -f - <<'NFT'
table inet probe_bench {
  chain output { type filter hook output priority 0; policy accept; ip daddr 127.0.0.2 drop; }
}
NFT
ip netns exec "$NS" python3 -c "
import socket, sys, time
socks = []
for port in range($P, $P + $N):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port)); s.listen(16); socks.append(s)
open('$TMP/ready', 'w').close()
time.sleep(3600)
" &
LISTENER=$!
for _ in $(seq 1 100); do [[ -e $TMP/ready ]] && break; sleep 0.1; done
[[ -e $TMP/ready ]] || { echo "listener did not start" >&2; exit 1; }

LAST=$((P + 2 * N - 1))
for host in 127.0.0.1 127.0.0.2; do
  for ((port = P; port <= LAST; port++)); do echo "$host:$port"; done
done > "$TMP/targets"
TOTAL=$(wc -l < "$TMP/targets")

now() { date +%s.%N; }
echo "targets: $TOTAL ($N listening, $N closed, $((2 * N)) dropped); timeout ${TIMEOUT}s, no retries"

t0=$(now)
set +e
ip netns exec "$NS" "$BIN" probe --targets-file "$TMP/targets" --timeout "$TIMEOUT" --retries 0 \
  --concurrency "$CONCURRENCY" --format json --output "$TMP/syncpath.json"
rc=$?
set -e
t1=$(now)
[[ $rc == 1 ]] || { echo "syncpath exited $rc, expected 1 (some targets fail)" >&2; exit 1; }
read -r sp_open sp_closed sp_filtered < <(jq -r '[.results[].verdict] | [(map(select(.=="reachable"))|length), (map(select(.=="refused"))|length), (map(select(.=="no_route_or_filtered"))|length)] | @tsv' "$TMP/syncpath.json")

t2=$(now)
ip netns exec "$NS" nmap -sT -Pn -n -T4 --max-retries 0 -p "$P-$LAST" 127.0.0.1 127.0.0.2 -oX "$TMP/nmap.xml" >/dev/null
t3=$(now)
read -r nm_open nm_closed nm_filtered < <(python3 - "$TMP/nmap.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
counts = {"open": 0, "closed": 0, "filtered": 0}
for host in root.findall("host"):
    for port in host.findall("ports/port"):
        counts[port.find("state").get("state")] = counts.get(port.find("state").get("state"), 0) + 1
    for extra in host.findall("ports/extraports"):
        counts[extra.get("state")] = counts.get(extra.get("state"), 0) + int(extra.get("count"))
print(counts["open"], counts["closed"], counts["filtered"])
PY
)

python3 - "$TOTAL" "$t0" "$t1" "$t2" "$t3" "$sp_open" "$sp_closed" "$sp_filtered" "$nm_open" "$nm_closed" "$nm_filtered" "$CONCURRENCY" <<'PY'
import sys
total = int(sys.argv[1]); t0, t1, t2, t3 = map(float, sys.argv[2:6])
sp = list(map(int, sys.argv[6:9])); nm = list(map(int, sys.argv[9:12])); conc = sys.argv[12]
sp_s, nm_s = t1 - t0, t3 - t2
print(f"syncpath probe (concurrency {conc}): {sp_s:7.2f} s  {total / sp_s:9.0f} probes/s  open/closed/filtered = {sp[0]}/{sp[1]}/{sp[2]}")
print(f"nmap -sT -T4 --max-retries 0:  {nm_s:7.2f} s  {total / nm_s:9.0f} probes/s  open/closed/filtered = {nm[0]}/{nm[1]}/{nm[2]}")
print(f"ratio (nmap time / syncpath time): {nm_s / sp_s:.2f}x")
if sp != nm:
    print("MISMATCH: the two tools disagree about the targets", file=sys.stderr)
    sys.exit(1)
PY
