#!/usr/bin/env python3
"""A `terraform show -json` state of about N resources (default 10,000), for bench/import: VPCs in
two regions, each with vSwitches, an RDS instance, a route entry over a VPN connection to a data
center, CEN attachments, and DataWorks serverless groups. Documentation and private ranges only."""
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
P = "registry.terraform.io/aliyun/alicloud"
res = []


def add(addr, typ, values):
    res.append({"address": addr, "mode": "managed", "type": typ, "name": addr.split(".")[-1], "provider_name": P,
                "schema_version": 0, "values": values, "sensitive_values": {}})


add("alicloud_cen_instance.main", "alicloud_cen_instance", {"id": "cen-bench0", "cen_instance_name": "bench"})
i = 0
while len(res) < n:
    region = "cn-hangzhou" if i % 2 == 0 else "cn-beijing"
    zone = region + ("-h" if i % 2 == 0 else "-c")
    a, b = (i // 250) % 256, i % 250
    vpc = "vpc-bench%d" % i
    add("alicloud_vpc.v%d" % i, "alicloud_vpc", {"id": vpc, "cidr_block": "10.%d.%d.0/24" % (a, b), "route_table_id": "vtb-bench%d" % i})
    for k in range(4):
        add("alicloud_vswitch.v%d_%d" % (i, k), "alicloud_vswitch",
            {"id": "vsw-bench%d-%d" % (i, k), "vpc_id": vpc, "cidr_block": "10.%d.%d.%d/26" % (a, b, 64 * k), "zone_id": zone})
    add("alicloud_db_instance.d%d" % i, "alicloud_db_instance",
        {"id": "rm-bench%d" % i, "engine": "MySQL", "vswitch_id": "vsw-bench%d-1" % i, "vpc_id": vpc, "zone_id": zone,
         "connection_string": "rm-bench%d.mysql.rds.example" % i, "port": "3306", "private_ip_address": "10.%d.%d.70" % (a, b),
         "security_ips": ["127.0.0.1", "10.%d.%d.0/26" % (a, b)]})
    add("alicloud_cen_instance_attachment.c%d" % i, "alicloud_cen_instance_attachment",
        {"id": "cen-bench0:%s" % vpc, "instance_id": "cen-bench0", "child_instance_id": vpc, "child_instance_type": "VPC",
         "child_instance_region_id": region})
    if i % 10 == 0:
        add("alicloud_vpn_gateway.g%d" % i, "alicloud_vpn_gateway", {"id": "vpn-bench%d" % i, "vpc_id": vpc})
        add("alicloud_vpn_customer_gateway.cg%d" % i, "alicloud_vpn_customer_gateway", {"id": "cgw-bench%d" % i, "ip_address": "203.0.113.%d" % (i % 250 + 1)})
        add("alicloud_vpn_connection.x%d" % i, "alicloud_vpn_connection",
            {"id": "vco-bench%d" % i, "vpn_gateway_id": "vpn-bench%d" % i, "customer_gateway_id": "cgw-bench%d" % i,
             "local_subnet": ["10.%d.%d.0/24" % (a, b)], "remote_subnet": ["192.168.%d.0/24" % (i % 250)]})
        add("alicloud_route_entry.r%d" % i, "alicloud_route_entry",
            {"id": "vtb-bench%d:r" % i, "route_table_id": "vtb-bench%d" % i, "destination_cidrblock": "192.168.%d.0/24" % (i % 250),
             "nexthop_type": "VpnGateway", "nexthop_id": "vpn-bench%d" % i})
    if i % 100 == 0:
        add("alicloud_data_works_dw_resource_group.g%d" % i, "alicloud_data_works_dw_resource_group",
            {"id": "Serverless_res_group_bench%d" % i, "default_vpc_id": vpc, "default_vswitch_id": "vsw-bench%d-0" % i})
    i += 1
json.dump({"format_version": "1.0", "terraform_version": "1.7.5", "values": {"root_module": {"resources": res}}}, sys.stdout)
