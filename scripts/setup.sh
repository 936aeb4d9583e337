#!/usr/bin/env bash
# Installs every Debian 12 package syncpath needs to build, test and benchmark. Idempotent:
# when everything is present it does nothing (no apt-get update). Run as root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost-graph-dev libyaml-cpp-dev libc-ares-dev libcurl4-openssl-dev libcli11-dev
  doctest-dev nlohmann-json3-dev libmariadb-dev libpq-dev libsqlite3-dev sqlite3
  clang libclang-rt-14-dev
  mariadb-server mariadb-client postgresql postgresql-client
  iproute2 nftables dnsmasq-base python3 nmap pgloader graphviz procps time
  libssl-dev jq openssl util-linux   # probes: libcrypto (SHA1/HMAC/PBKDF2); probe_net: jq, s_server, setpriv
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# import_roundtrip.sh checks the HCL with HashiCorp's parser from npm (@cdktf/hcl2json): Debian's
# node and npm, unless a node with its npm is there already (the command, not the package, counts).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's maintainer scripts must not start the servers: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
