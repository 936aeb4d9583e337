#!/usr/bin/env bash
# Remediation as code, as a user runs it: `plan --format terraform` parsed by HashiCorp's HCL
# parser (npm @cdktf/hcl2json, installed here into out/), `--format aliyun` checked by bash, and
# the round trip: import a state, plan, apply the emitted fix to the state the way Terraform
# would (tests/integration/tf_apply.py), import again, plan: every pair the HCL can fix is ready.
set -uo pipefail
BIN=${SYNCPATH_BIN:?set SYNCPATH_BIN to the syncpath binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$ROOT/tests/data/import
WORK=$(mktemp -d /tmp/syncpath-roundtrip-$$-XXXX)
trap 'rm -rf "$WORK"' EXIT
fails=0
expect() { local d=$1; shift; if "$@"; then echo "PASS: $d"; else echo "FAIL: $d" >&2; fails=$((fails + 1)); fi; }
eq() { [[ "$1" == "$2" ]] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }

NPM_DIR=$ROOT/out/npm-hcl2json
if [[ ! -d $NPM_DIR/node_modules/@cdktf/hcl2json ]]; then
  command -v npm >/dev/null || { echo "FAIL: npm is needed for the HCL parser (scripts/setup.sh installs it)"; exit 1; }
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent @cdktf/hcl2json@0.21.0 >"$WORK/npm.log" 2>&1 ||
    { cat "$WORK/npm.log"; echo "FAIL: cannot install @cdktf/hcl2json from npm"; exit 1; }
fi
hcl2json() { NODE_PATH=$NPM_DIR/node_modules node "$ROOT/tests/integration/hcl2json.js" "$1"; }
parses() {  # parses DESCRIPTION FILE.tf [OUT.json]: the HCL parser accepts the file
  local out=${3:-/dev/null}
  hcl2json "$2" >"$out" 2>"$WORK/parse.err"
  expect "$1" eq "$?/$(cat "$WORK/parse.err")" "0/"
}

# The parser can fail: a broken file is rejected (else the checks below would prove nothing).
printf 'resource "alicloud_route_entry" "x" {\n  route_table_id = \n}\n' >"$WORK/broken.tf"
expect "the HCL parser rejects a broken file" bash -c '! NODE_PATH='"$NPM_DIR"'/node_modules node '"$ROOT"'/tests/integration/hcl2json.js '"$WORK"'/broken.tf >/dev/null 2>&1'

# Every world's fix, as HCL and as a script, from the Terraform JSON (--from) and from the YAML.
worlds=(
  "cen terraform $DATA/cen-two-regions.state.json"
  "plan terraform $DATA/unknowns.plan.json"
  "nat terraform $DATA/nat-internet.state.json --overlay $DATA/nat-internet.overlay.yaml"
  "vpn aliyun $DATA/vpn-data-center/aliyun --overlay $DATA/vpn-data-center/overlay.yaml"
)
for w in "${worlds[@]}"; do
  read -r name from input rest <<<"$w"
  # shellcheck disable=SC2086
  "$BIN" plan --from "$from" "$input" $rest --format terraform --output "$WORK/$name.tf" 2>>"$WORK/all.err"
  expect "$name: plan --format terraform exits 1 (pairs need changes)" eq "$?" 1
  parses "$name: the HCL parses" "$WORK/$name.tf" "$WORK/$name.json"
  if [[ -f $WORK/${name}_override.tf ]]; then
    parses "$name: the override file parses" "$WORK/${name}_override.tf" "$WORK/${name}_override.json"
  fi
  # shellcheck disable=SC2086
  "$BIN" plan --from "$from" "$input" $rest --format terraform >"$WORK/$name.stdout.tf" 2>>"$WORK/all.err"
  parses "$name: to standard output (resources, then the override part) it parses too" "$WORK/$name.stdout.tf"
  # shellcheck disable=SC2086
  "$BIN" plan --from "$from" "$input" $rest --format aliyun --output "$WORK/$name.sh" 2>>"$WORK/all.err"
  expect "$name: the aliyun script is valid bash" bash -n "$WORK/$name.sh"
  expect "$name: every CLI parameter is filled in" eq "$(grep -v '^#' "$WORK/$name.sh" | grep -c -- ' ?\( \|$\)')" 0
  # shellcheck disable=SC2086
  "$BIN" import "$from" "$input" $rest --output "$WORK/$name.yaml" 2>>"$WORK/all.err"
  "$BIN" plan "$WORK/$name.yaml" --format terraform --output "$WORK/$name.yaml.tf" 2>>"$WORK/all.err"
  parses "$name: from the imported YAML (ids only) the HCL parses" "$WORK/$name.yaml.tf"
done
# The shipped topologies (hand-written YAML: no refs, every step kind among them).
for t in "$ROOT"/topologies/*.yaml; do
  name=$(basename "$t" .yaml)
  "$BIN" plan "$t" --format terraform --output "$WORK/shipped-$name.tf" 2>>"$WORK/all.err"
  parses "topologies/$name.yaml: the HCL parses" "$WORK/shipped-$name.tf"
  [[ -f $WORK/shipped-${name}_override.tf ]] && parses "topologies/$name.yaml: the override parses" "$WORK/shipped-${name}_override.tf"
  "$BIN" plan "$t" --format aliyun --output "$WORK/shipped-$name.sh" 2>>"$WORK/all.err"
  expect "topologies/$name.yaml: the aliyun script is valid bash" bash -n "$WORK/shipped-$name.sh"
done
expect "demo: a link between two networks outside the cloud is a note, not a resource" \
  grep -q "neither end is an Alibaba Cloud VPC" "$WORK/shipped-demo.tf"
# demo.yaml's plan connects vpc-hz to other-cloud over a new VPN and routes over it, and opens a
# security group; the links between two networks outside the cloud are notes, not resources.
expect "demo: VPN resources, route entries, a security group rule" \
  eq "$(grep -ho '^resource "[a-z_]*"' "$WORK"/shipped-demo.tf | sort -u | tr '\n' ' ')" \
  'resource "alicloud_route_entry" resource "alicloud_security_group_rule" resource "alicloud_vpn_connection" resource "alicloud_vpn_customer_gateway" resource "alicloud_vpn_gateway" '

expect "cen: the RDS whitelist is an override of the module's alicloud_db_instance" \
  eq "$(python3 -c "import json; print(json.load(open('$WORK/cen_override.json'))['resource']['alicloud_db_instance']['orders'][0]['security_ips'])")" \
  "['127.0.0.1', '172.16.1.0/24']"
expect "cen: the group route is an aliyun CLI call with its parameters" grep -q '^#   aliyun dataworks-public CreateRoute --version 2024-05-18 --region cn-hangzhou --NetworkId ' "$WORK/cen.tf"
expect "nat: a new NAT gateway with an EIP and an SNAT entry for the legacy VPC" \
  eq "$(python3 -c "import json; r=json.load(open('$WORK/nat.json'))['resource']; print(sorted(k for k in r))")" \
  "['alicloud_data_works_network', 'alicloud_eip_address', 'alicloud_eip_association', 'alicloud_nat_gateway', 'alicloud_security_group_rule', 'alicloud_snat_entry']"

# The round trip on the NAT world: every pair whose fixes are all HCL is ready afterwards.
rt() {  # rt NAME STATE [import args...]: fix, apply, re-plan; prints "group source status" lines
  local name=$1 state=$2; shift 2
  "$BIN" plan --from terraform "$state" "$@" --format terraform --output "$WORK/rt-$name.tf" 2>/dev/null
  hcl2json "$WORK/rt-$name.tf" >"$WORK/rt-$name.json" || return 1
  local over=()
  if [[ -f $WORK/rt-${name}_override.tf ]]; then
    hcl2json "$WORK/rt-${name}_override.tf" >"$WORK/rt-${name}_override.json" || return 1
    over=("$WORK/rt-${name}_override.json" "$WORK/rt-${name}_override.tf")
  fi
  python3 "$ROOT/tests/integration/tf_apply.py" "$state" "$WORK/rt-$name.json" "$WORK/rt-$name.tf" "${over[@]}" >"$WORK/rt-$name.state.json" || return 1
  "$BIN" plan --from terraform "$WORK/rt-$name.state.json" "$@" --format json >"$WORK/rt-$name.plan.json" 2>/dev/null
  python3 -c "
import json
for p in json.load(open('$WORK/rt-$name.plan.json'))['pairs']:
    todo = [s['action'] for s in p['steps'] if not s['done']]
    print(p['resource_group'], p['data_source'], p['status'], ','.join(todo))"
}
rt nat "$DATA/nat-internet.state.json" --overlay "$DATA/nat-internet.overlay.yaml" >"$WORK/rt-nat.out"
expect "round trip (nat): the fixed state imports and plans" test -s "$WORK/rt-nat.out"
expect "round trip (nat): every pair is ready but those whose fix is outside Terraform (partner_api's own whitelist)" \
  eq "$(grep -v partner_api "$WORK/rt-nat.out" | grep -vc ' ready ')" 0
expect "round trip (nat): 8 pairs ready" eq "$(grep -c ' ready ' "$WORK/rt-nat.out")" 8
expect "round trip (nat): partner_api is left with its whitelist only" \
  eq "$(grep partner_api "$WORK/rt-nat.out" | awk '{print $4}' | sort -u | tr '\n' ' ')" "add_whitelist "
rt cen "$DATA/cen-two-regions.state.json" >"$WORK/rt-cen.out"
expect "round trip (cen): the whitelist is fixed; only the group route (a CLI call) is left" \
  eq "$(cat "$WORK/rt-cen.out")" "Serverless_res_group_1example rm-bj1orders needs_changes add_rg_route"

# Secrets of the inputs appear in no output of any command above.
for secret in Plain-Secret-7f3a9c Plan-Secret-4e1b Ecs-Root-Pass-91d2 hunter2-literal; do
  expect "no output holds the secret $secret" eq "$(grep -rl --exclude='*.state.json' -- "$secret" "$WORK" | wc -l)" 0
done

((fails)) && { echo "$fails failed"; exit 1; }
echo "all passed"
