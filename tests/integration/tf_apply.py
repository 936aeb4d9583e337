#!/usr/bin/env python3
"""Applies `syncpath plan --format terraform` output to a `terraform show -json` state the way
Terraform would, for the import round trip: each new resource is added to the state with its
arguments (references resolved against the state and the resources already added, computed
attributes given fresh ids), and each override block is merged into the resource it names.

usage: tf_apply.py STATE.json FIX.json FIX.tf [OVERRIDE.json OVERRIDE.tf] > NEW_STATE.json

FIX.json / OVERRIDE.json are what an HCL parser (hcl2json) made of the .tf files; the .tf text is
read for the `# syncpath-address:` line above each override block (a child module's resource).
Fails (exit 1, the reason on stderr) on anything it cannot resolve: a test must not pass on a fix
that Terraform would reject.
"""
import itertools
import json
import re
import sys

counter = itertools.count(1)
ips = itertools.count(200)


def fail(msg):
    sys.stderr.write("tf_apply: " + msg + "\n")
    sys.exit(1)


def state_resources(state):
    out = []

    def walk(module):
        for r in module.get("resources", []):
            out.append(r)
        for c in module.get("child_modules", []):
            walk(c)

    walk(state.get("values", {}).get("root_module", {}))
    return out


COMPUTED = {  # what the provider fills in when it creates each type
    "alicloud_vpc": lambda: {"id": "vpc-syncpath%d" % next(counter), "route_table_id": "vtb-syncpath%d" % next(counter)},
    "alicloud_vswitch": lambda: {"id": "vsw-syncpath%d" % next(counter)},
    "alicloud_nat_gateway": lambda: {"id": "ngw-syncpath%d" % next(counter), "snat_table_ids": "stb-syncpath%d" % next(counter)},
    "alicloud_eip_address": lambda: {"id": "eip-syncpath%d" % next(counter), "ip_address": "198.51.100.%d" % next(ips)},
    "alicloud_cen_instance": lambda: {"id": "cen-syncpath%d" % next(counter)},
    "alicloud_vpn_gateway": lambda: {"id": "vpn-syncpath%d" % next(counter)},
    "alicloud_vpn_customer_gateway": lambda: {"id": "cgw-syncpath%d" % next(counter)},
    "alicloud_vpn_connection": lambda: {"id": "vco-syncpath%d" % next(counter)},
}


def main():
    if len(sys.argv) not in (4, 6):
        fail(__doc__)
    state = json.load(open(sys.argv[1]))
    fix = json.load(open(sys.argv[2]))
    resources = state_resources(state)
    by_address = {r["address"]: r for r in resources}

    def data_lookup(kind, name, path):
        block = fix.get("data", {}).get(kind, {}).get(name)
        if not block:
            fail("data.%s.%s is not declared" % (kind, name))
        args = block[0]
        if kind == "alicloud_zones":
            return "cn-hangzhou-z"
        if kind == "alicloud_vpcs" and path[:2] == ["vpcs", "0"]:
            wanted = [resolve(v) for v in args["ids"]]
            for r in resources:
                if r["type"] == "alicloud_vpc" and r["values"].get("id") in wanted:
                    return r["values"][path[2]]
            fail("data.alicloud_vpcs.%s: no VPC %s in the state" % (name, wanted))
        fail("data.%s.%s.%s: not understood" % (kind, name, ".".join(path)))

    def lookup(ref):
        parts = ref.split(".")
        if parts[0] == "var":
            fail("%s: a variable the fix asks the user for; the round trip gives none" % ref)
        if parts[0] == "data":
            return data_lookup(parts[1], parts[2], parts[3:])
        address, attr = ".".join(parts[:2]), parts[2] if len(parts) > 2 else "id"
        r = by_address.get(address)
        if r is None:
            raise KeyError(address)
        if attr not in r["values"]:
            fail("%s: %s has no attribute %s" % (ref, address, attr))
        return r["values"][attr]

    def resolve(v):
        if isinstance(v, list):
            return [resolve(x) for x in v]
        if isinstance(v, dict):
            return {k: resolve(x) for k, x in v.items()}
        if isinstance(v, str):
            m = re.fullmatch(r"\$\{([^}]*)\}", v)
            if m:
                return lookup(m.group(1))
            if "${" in v:
                fail("an interpolation inside a string is not expected: " + v)
        return v

    pending = [(t, n, b[0]) for t, blocks in fix.get("resource", {}).items() for n, b in blocks.items()]
    added = 0
    while pending:
        still = []
        for t, n, args in pending:
            try:
                values = resolve({k: v for k, v in args.items() if k not in ("depends_on", "provider")})
            except KeyError:
                still.append((t, n, args))
                continue
            values.update(COMPUTED.get(t, lambda: {"id": "%s-syncpath%d" % (t, next(counter))})())
            r = {"address": "%s.%s" % (t, n), "mode": "managed", "type": t, "name": n,
                 "provider_name": "registry.terraform.io/aliyun/alicloud", "schema_version": 0, "values": values,
                 "sensitive_values": {}}
            state["values"]["root_module"]["resources"].append(r)
            resources.append(r)
            by_address[r["address"]] = r
            added += 1
        if len(still) == len(pending):
            fail("cannot resolve the references of " + ", ".join("%s.%s" % (t, n) for t, n, _ in still))
        pending = still

    merged = 0
    if len(sys.argv) == 6:
        override = json.load(open(sys.argv[4]))
        text = open(sys.argv[5]).read()
        addresses = dict(re.findall(r'# syncpath-address: (\S+)\n(?:#.*\n)*resource "[^"]+" "([^"]+)"', text))
        names = {n: a for a, n in addresses.items()}
        for t, blocks in override.get("resource", {}).items():
            for n, b in blocks.items():
                address = names.get(n, "%s.%s" % (t, n))
                r = by_address.get(address)
                if r is None:
                    fail("the override names %s, which the state does not have" % address)
                r["values"].update(resolve(b[0]))
                merged += 1
    json.dump(state, sys.stdout, indent=1)
    sys.stderr.write("tf_apply: %d resources added, %d overrides merged\n" % (added, merged))


main()
