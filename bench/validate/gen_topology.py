#!/usr/bin/env python3
"""Writes a large, valid topology for the validate benchmark.

Default size: 10,000 networks (8,000 VPCs with 2 vSwitches each, 1,000 data centers, 1,000
classic networks), 5,000 links with routes both ways, 100 resource groups, 50,000 data
sources. Addresses are private ranges written as data only; names end in `.example`.
Usage: gen_topology.py OUT.yaml [--networks N] [--sources N] [--groups N]
"""
import argparse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--networks", type=int, default=10000)
    ap.add_argument("--sources", type=int, default=50000)
    ap.add_argument("--groups", type=int, default=100)
    a = ap.parse_args()
    if a.networks > 60000:
        raise SystemExit("at most 60000 networks (one /24 each inside 10.0.0.0/8)")

    regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen"]
    accounts = [f"acct-{i}" for i in range(10)]
    out = []
    w = out.append
    w("version: 1\n")
    w("workspace: {name: ws-bench, account: acct-0, region: cn-hangzhou, edition: enterprise, mode: standard}\n")
    w("accounts:\n")
    for acc in accounts:
        w(f"  - id: {acc}\n")

    # Network i owns 10.(i // 256).(i % 256).0/24; kinds: 8 of 10 VPC, then data center, classic.
    kinds = ["vpc" if i % 10 < 8 else "data_center" if i % 10 == 8 else "classic" for i in range(a.networks)]

    def nid(i):
        return {"vpc": "vpc", "data_center": "idc", "classic": "classic"}[kinds[i]] + f"-{i}"

    def cidr(i):
        return f"10.{i // 256}.{i % 256}.0/24"

    # Links: VPCs 10j+1 .. 10j+5 each to the hub VPC 10j, with routes both ways.
    routes = {}
    links = []
    for i in range(a.networks):
        if kinds[i] == "vpc" and 1 <= i % 10 <= 5:
            hub = i - i % 10
            lid = f"ec-{hub}-{i}"
            links.append((lid, nid(hub), nid(i)))
            routes.setdefault(hub, []).append((cidr(i), lid))
            routes.setdefault(i, []).append((cidr(hub), lid))

    w("networks:\n")
    for i in range(a.networks):
        o2, o3 = i // 256, i % 256
        region = regions[i % len(regions)]
        if kinds[i] == "vpc":
            w(f"  - id: {nid(i)}\n    kind: vpc\n    account: {accounts[i % len(accounts)]}\n"
              f"    region: {region}\n    cidr: {cidr(i)}\n    vswitches:\n"
              f"      - {{id: vsw-{i}-a, zone: {region}-a, cidr: 10.{o2}.{o3}.0/26}}\n"
              f"      - {{id: vsw-{i}-b, zone: {region}-b, cidr: 10.{o2}.{o3}.64/26}}\n")
        elif kinds[i] == "data_center":
            w(f"  - id: {nid(i)}\n    kind: data_center\n    cidr: {cidr(i)}\n")
        else:
            w(f"  - id: {nid(i)}\n    kind: classic\n    account: {accounts[i % len(accounts)]}\n"
              f"    region: {region}\n")
        if i in routes:
            w("    routes:\n")
            for dest, lid in routes[i]:
                w(f"      - {{destination: {dest}, via: {lid}}}\n")

    w("links:\n")
    for lid, x, y in links:
        w(f"  - {{id: {lid}, kind: express_connect, between: [{x}, {y}]}}\n")

    vpcs_hz = [i for i in range(a.networks) if kinds[i] == "vpc" and regions[i % len(regions)] == "cn-hangzhou"]
    dcs = [i for i in range(a.networks) if kinds[i] == "data_center"]
    w("resource_groups:\n")
    for g in range(a.groups):
        kind = ["exclusive", "serverless", "custom", "shared"][g % 4]
        w(f"  - id: rg-{g}\n    kind: {kind}\n")
        if kind in ("exclusive", "serverless"):
            v = vpcs_hz[g % len(vpcs_hz)]
            w("    region: cn-hangzhou\n")
            if kind == "exclusive":
                w(f"    eip: 198.51.100.{g % 250 + 1}\n")
            w(f"    attachments: [{{network: {nid(v)}, vswitch: vsw-{v}-a, scope: vpc}}]\n")
            w(f"    routes: [{{destination: 10.0.0.0/8, network: {nid(v)}}}]\n")
        elif kind == "custom":
            d = dcs[g % len(dcs)]
            w(f"    hosts:\n      - {{name: etl-{g}, network: {nid(d)}, ip: 10.{d // 256}.{d % 256}.200, "
              f"public_ip: 203.0.113.{g % 250 + 1}}}\n")
        else:
            w("    region: cn-hangzhou\n")

    types = ["mysql", "postgresql", "sqlserver", "oracle", "mongodb"]
    ports = {"mysql": 3306, "postgresql": 5432, "sqlserver": 1433, "oracle": 1521, "mongodb": 27017}
    w("data_sources:\n")
    for s in range(a.sources):
        i = s % a.networks
        t = types[s % len(types)]
        host_octet = 10 + (s // a.networks) % 50
        w(f"  - name: src_{s}\n    type: {t}\n    environment: {'production' if s % 2 else 'development'}\n")
        if s % 25 == 0:
            w(f"    network: internet\n    endpoint: {{host: src-{s}.example, ip: 203.0.113.{s % 250 + 1}, "
              f"port: {ports[t]}}}\n    whitelist: [198.51.100.0/24]\n")
        elif kinds[i] == "vpc":
            w(f"    instance: {{kind: rds, id: rm-{s}-example}}\n    network: {nid(i)}\n    vswitch: vsw-{i}-a\n"
              f"    endpoint: {{host: src-{s}.rds.example, ip: 10.{i // 256}.{i % 256}.{host_octet}, port: {ports[t]}}}\n"
              f"    whitelist: [10.0.0.0/8, 198.51.100.0/24]\n"
              f"    security_group:\n      ingress: [{{protocol: tcp, port: {ports[t]}, source: 10.0.0.0/8}}]\n")
        elif kinds[i] == "data_center":
            w(f"    network: {nid(i)}\n"
              f"    endpoint: {{host: src-{s}.idc.example, ip: 10.{i // 256}.{i % 256}.{host_octet}, port: {ports[t]}}}\n")
        else:
            w(f"    network: {nid(i)}\n    endpoint: {{host: src-{s}.classic.example, ip: 100.100.{i % 256}.{host_octet}, "
              f"port: {ports[t]}}}\n")
        w(f"    database: db_{s}\n    username: sync_user\n    password: {{env: SRC_{s}_PASSWORD}}\n")

    with open(a.out, "w") as f:
        f.write("".join(out))


if __name__ == "__main__":
    main()
