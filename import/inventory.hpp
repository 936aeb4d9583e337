// The cloud's resources as the readers find them, before they mean anything to syncpath: one
// flat list per kind of Alibaba Cloud resource, ids as strings. Both readers (Terraform JSON and
// the aliyun OpenAPI output) fill it; assemble.cpp alone turns it into the topology model, so
// what a route's next hop or a NAT's SNAT entry means is written once.
//
// An id is the cloud's id when known, else the Terraform address of the resource that will
// create it (a plan's new resource): references between items use the same strings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"

namespace syncpath::import {

// Where an item came from: `label` goes into the YAML comment (`alicloud_vswitch.hz_a`,
// `DescribeVSwitches`), `address` is the Terraform address (empty for the OpenAPI reader).
struct Origin {
  std::string label;
  std::string address;
  SourcePos pos;         // where the input describes it (file; line 0 when unknown)
  std::string provider;  // Terraform: the provider configuration's alias ("bj"), if any
};

struct CloudVpc {
  std::string id, name, region, owner;
  std::vector<std::string> cidrs;  // primary first, then secondary blocks
  std::string route_table_id;
  Origin origin;
};

struct CloudVSwitch {
  std::string id, vpc_id, zone, cidr, name, region;
  Origin origin;
};

struct CloudRouteTable {
  std::string id, vpc_id;
  bool custom = false;
  Origin origin;
};

struct CloudRouteEntry {
  std::string route_table_id, vpc_id;  // vpc_id when the input says so directly
  std::string destination, next_hop_type, next_hop_id;
  bool system = false;  // a route the VPC makes itself (vSwitch CIDRs, cloud services)
  Origin origin;
};

struct CloudNat {
  std::string id, vpc_id, vswitch_id, snat_table_id;
  bool internet = true;
  std::vector<std::string> eips;  // addresses the input lists on the gateway itself
  Origin origin;
};

struct CloudEip {
  std::string id, ip, instance_id, instance_type;
  Origin origin;
};

struct CloudEipAssociation {
  std::string allocation_id, instance_id, instance_type;
  Origin origin;
};

struct CloudSnatEntry {
  std::string snat_table_id, nat_id, source_vswitch_id, source_cidr;
  std::vector<std::string> snat_ips;
  Origin origin;
};

struct CloudSecurityRule {
  bool ingress = true, accept = true;
  std::string protocol;  // tcp | udp | all (as syncpath words them)
  int port_from = 0, port_to = 0;
  std::string cidr;
  Origin origin;
};

struct CloudSecurityGroup {
  std::string id, vpc_id;
  std::vector<CloudSecurityRule> rules;
  Origin origin;
};

struct CloudSecurityGroupRule {  // a rule given as a resource of its own
  std::string security_group_id;
  CloudSecurityRule rule;
};

enum class DatabaseKind { rds, polardb };

struct CloudDatabase {
  DatabaseKind kind = DatabaseKind::rds;
  std::string id, name, engine, vpc_id, vswitch_id, zone, region;
  std::string host, ip;
  int port = 0;
  std::string public_host, public_ip;
  int public_port = 0;
  std::optional<std::vector<std::string>> whitelist;  // nullopt: not known from the input
  Origin origin;
};

struct CloudDbConnection {  // an extra (public) connection string of an RDS instance
  std::string instance_id, host, ip;
  int port = 0;
  Origin origin;
};

struct CloudEcs {
  std::string id, vswitch_id, vpc_id, private_ip, zone, region;
  std::vector<std::string> security_groups;
  Origin origin;
};

struct CloudCen {
  std::string id, owner;
  Origin origin;
};

struct CloudCenAttachment {  // also a transit router VPC attachment
  std::string cen_id, child_id, child_type = "VPC", child_region, child_owner;
  Origin origin;
};

struct CloudCenGrant {
  std::string cen_id, child_id, cen_owner;
  Origin origin;
};

struct CloudPeering {
  std::string id, vpc_id, peer_vpc_id, peer_owner, peer_region;
  Origin origin;
};

struct CloudVpnGateway {
  std::string id, vpc_id;
  Origin origin;
};

struct CloudVpnConnection {
  std::string id, gateway_id, customer_gateway_id;
  std::vector<std::string> local_subnets, remote_subnets;
  Origin origin;
};

struct CloudCustomerGateway {
  std::string id, ip, name;
  Origin origin;
};

struct CloudVpnRoute {  // destination-based route on a VPN gateway
  std::string gateway_id, destination, next_hop;
  bool publish_vpc = false;
  Origin origin;
};

struct CloudVbr {
  std::string id, name, route_table_id;
  Origin origin;
};

enum class DwGroupKind { serverless, exclusive, other };

struct CloudDwGroup {
  std::string id, name, vpc_id, vswitch_id, region;
  DwGroupKind kind = DwGroupKind::serverless;
  std::string type_word;  // the input's own word for the kind, for messages
  Origin origin;
};

struct CloudDwNetwork {
  std::string id, group_id, vpc_id, vswitch_id;
  Origin origin;
};

struct CloudDwRoute {
  std::string network_id, group_id, destination;
  Origin origin;
};

struct Inventory {
  std::vector<CloudVpc> vpcs;
  std::vector<std::pair<std::string, std::string>> secondary_cidrs;  // (vpc id, block) resources
  std::vector<Origin> secondary_cidr_origins;
  std::vector<CloudVSwitch> vswitches;
  std::vector<CloudRouteTable> route_tables;
  std::vector<CloudRouteEntry> route_entries;
  std::vector<CloudNat> nats;
  std::vector<CloudEip> eips;
  std::vector<CloudEipAssociation> eip_associations;
  std::vector<CloudSnatEntry> snat_entries;
  std::vector<CloudSecurityGroup> security_groups;
  std::vector<CloudSecurityGroupRule> security_group_rules;
  std::vector<CloudDatabase> databases;
  std::vector<CloudDbConnection> db_connections;
  std::vector<CloudEcs> ecs;
  std::vector<CloudCen> cens;
  std::vector<CloudCenAttachment> cen_attachments;
  std::vector<CloudCenGrant> cen_grants;
  std::vector<CloudPeering> peerings;
  std::vector<CloudVpnGateway> vpn_gateways;
  std::vector<CloudVpnConnection> vpn_connections;
  std::vector<CloudCustomerGateway> customer_gateways;
  std::vector<CloudVpnRoute> vpn_routes;
  std::vector<CloudVbr> vbrs;
  std::vector<CloudDwGroup> dw_groups;
  std::vector<CloudDwNetwork> dw_networks;
  std::vector<CloudDwRoute> dw_routes;
  std::size_t resources = 0;  // resources read, supported or not (for the summary)
};

}  // namespace syncpath::import
