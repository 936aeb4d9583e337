// The typed topology model: what a topology file means once loaded and checked.
// See ../shared/spec/topology.md for the vocabulary. Plain data; no YAML types here.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "diagnostics.hpp"
#include "ipv4.hpp"

namespace syncpath {

enum class Edition { basic, standard, professional, enterprise };
enum class WorkspaceMode { basic, standard };
enum class NetworkKind { vpc, classic, data_center, other_cloud };
enum class LinkKind { express_connect, vpn_gateway, cen, vpc_peering };
enum class GroupKind { serverless, exclusive, shared, custom };
// What a group is for: running Data Integration tasks, issuing (scheduling) them, or both.
enum class GroupPurpose { data_integration, scheduling, general };
enum class AttachScope { vpc, vswitch };
enum class Environment { development, production };
enum class InstanceKind { rds, polardb, ecs, self_managed, saas };
enum class SourceType {
  mysql, postgresql, sqlserver, oracle, polardbx, dm, mongodb, maxcompute, oss, ftp, hdfs,
  memcache, sqlite, csv
};

// Names as written in YAML, and their parsers (nullopt for an unknown word).
// `enum_names<E>()` lists the valid words, for "expected one of" messages.
template <typename E> std::string_view to_string(E value);
template <typename E> std::optional<E> parse_enum(std::string_view word);
template <typename E> const std::vector<std::string>& enum_names();

// File-based types live on the group's host and have a `path` instead of an endpoint.
bool is_file_based(SourceType t);
// The wire protocol a probe speaks to this type ("mysql", "postgresql", "tcp", ...).
std::string_view protocol_of(SourceType t);

inline constexpr std::string_view kInternet = "internet";  // reserved network id

struct Workspace {
  std::string name;
  std::string account;
  std::string region;
  Edition edition = Edition::basic;
  WorkspaceMode mode = WorkspaceMode::basic;
  SourcePos pos;
};

struct Account {
  std::string id;
  SourcePos pos;
};

struct VSwitch {
  std::string id;
  std::string zone;
  Cidr cidr;
  SourcePos pos;
};

struct Route {
  Cidr destination;
  std::string via;  // a link id
  SourcePos pos;
};

struct InternetNat {
  std::string vswitch;
  std::optional<Ipv4> snat_eip;
  SourcePos pos;
};

struct Network {
  std::string id;
  NetworkKind kind = NetworkKind::vpc;
  std::string account;  // may be empty for data centers and other clouds
  std::string region;
  std::vector<Cidr> cidrs;
  std::optional<InternetNat> internet_nat;
  std::vector<VSwitch> vswitches;
  std::vector<Route> routes;
  SourcePos pos;

  const VSwitch* find_vswitch(std::string_view vswitch_id) const;
  bool contains(Ipv4 address) const;  // inside one of its CIDRs
};

struct Link {
  std::string id;
  LinkKind kind = LinkKind::express_connect;
  std::array<std::string, 2> between;
  SourcePos pos;
  // vpc_peering only: false while the peer has not accepted the request (`accepted: false`).
  bool accepted = true;

  bool joins(std::string_view a, std::string_view b) const;
  // The network on the other side from `from`, or "" if `from` is not an end.
  std::string_view other_end(std::string_view from) const;
};

struct Attachment {
  std::string network;
  std::string vswitch;
  AttachScope scope = AttachScope::vpc;
  SourcePos pos;
};

struct GroupRoute {  // a route added to the resource group ("Add a route")
  Cidr destination;
  std::string network;
  SourcePos pos;
};

struct Host {  // a server of a custom resource group
  std::string name;
  std::string network;
  std::optional<Ipv4> ip;
  std::optional<Ipv4> public_ip;
  SourcePos pos;
};

struct ResourceGroup {
  std::string id;
  GroupKind kind = GroupKind::exclusive;
  GroupPurpose purpose = GroupPurpose::data_integration;  // the loader defaults it by kind
  std::string region;
  std::optional<Ipv4> eip;
  std::vector<Attachment> attachments;
  std::vector<GroupRoute> routes;
  std::vector<Host> hosts;
  SourcePos pos;
};

struct Endpoint {
  std::string host;  // DNS name, may be empty
  std::optional<Ipv4> ip;
  int port = 0;
  SourcePos pos;
};

struct SecurityRule {
  std::string protocol = "tcp";  // tcp | udp | all
  int port = 0;                  // 0 with protocol all: every port
  Cidr source;
  SourcePos pos;
};

// Where a secret comes from. A literal is kept only to be used, never to be printed.
struct SecretRef {
  enum class Kind { none, env, file, literal };
  Kind kind = Kind::none;
  std::string value;  // env var name, file path (relative to the topology file), or literal
  SourcePos pos;
};
// The secret's value, or nullopt with `error` set (which names the variable or file, never the
// value). File paths are resolved against `base_dir`.
std::optional<std::string> resolve_secret(const SecretRef& ref, const std::string& base_dir,
                                          std::string& error);

struct Standby {
  bool enabled = false;
  std::string instance;
};

struct DataSource {
  std::string name;
  SourceType type = SourceType::mysql;
  Environment environment = Environment::production;
  InstanceKind instance_kind = InstanceKind::self_managed;
  std::string instance_id;
  std::string account;  // defaulted to the network's account by the loader
  std::string network;  // a network id or "internet"; empty for file-based types
  std::string vswitch;
  std::optional<Endpoint> endpoint;
  std::optional<Endpoint> public_endpoint;
  // nullopt: the file says nothing (see has_default_whitelist); `whitelist: any` is the
  // list {0.0.0.0/0} with whitelist_any set.
  std::optional<std::vector<Cidr>> whitelist;
  bool whitelist_any = false;
  std::optional<std::vector<SecurityRule>> security_group;  // nullopt: not modelled
  std::string database;
  std::string username;
  SecretRef password;
  Standby standby;
  std::string path;  // file-based types, relative to the topology file
  SourcePos pos;
};

// A sync task (an addition to the spec): run by a resource group for Data Integration and
// issued by a resource group for scheduling; both must reach both of its data sources.
struct Task {
  std::string name;
  std::string source, destination;  // data source names
  std::string integration_group;    // runs it
  std::string scheduling_group;     // issues it
  SourcePos pos;
};

// ApsaraDB RDS and PolarDB instances start with the whitelist 127.0.0.1 only: an absent
// `whitelist:` means that default. For other kinds an absent whitelist is not modelled.
bool has_default_whitelist(InstanceKind k);
Cidr default_whitelist_entry();  // 127.0.0.1/32

// What the source's whitelist, as the topology states it, says of the address block `from`:
// admitted (by `entry`; `whitelist: any` admits everything), refused (`default_list`: by the
// rds/polardb default 127.0.0.1), or not modelled (no `whitelist:` on another kind).
enum class WhitelistVerdict { admits, refuses, not_modelled };
struct WhitelistCheck {
  WhitelistVerdict verdict = WhitelistVerdict::not_modelled;
  std::optional<Cidr> entry;  // admits: the entry that covers `from`
  bool default_list = false;  // refuses: the list is the instance's default
};
struct DataSource;
WhitelistCheck check_whitelist(const DataSource& s, const Cidr& from);
// The security-group rule that opens tcp `port` to `from`, or nullptr (the group has none, or
// is not modelled: see DataSource::security_group).
struct SecurityRule;
const SecurityRule* security_rule_admitting(const DataSource& s, const Cidr& from, int port);

// Whether the group may do that kind of work (general groups do both).
bool runs_tasks(GroupPurpose p);
bool schedules_tasks(GroupPurpose p);

struct Topology {
  std::string file;      // the path it was loaded from
  std::string base_dir;  // its directory, for relative paths
  int version = 1;
  Workspace workspace;
  std::vector<Account> accounts;
  std::vector<Network> networks;
  std::vector<Link> links;
  std::vector<ResourceGroup> resource_groups;
  std::vector<DataSource> data_sources;
  std::vector<Task> tasks;

  const Network* find_network(std::string_view id) const;
  const Link* find_link(std::string_view id) const;
  const ResourceGroup* find_group(std::string_view id) const;
  const DataSource* find_source(std::string_view name) const;
  const Task* find_task(std::string_view name) const;
  // Builds the id -> index maps; the loader calls it, and so must code that edits the vectors.
  void index();

 private:
  std::unordered_map<std::string, std::size_t> network_index_, link_index_, group_index_,
      source_index_;
};

}  // namespace syncpath
