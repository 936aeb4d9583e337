#include "model.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace syncpath {

namespace {

template <typename E>
struct EnumTable;

#define SYNCPATH_ENUM_TABLE(E, ...)                                  \
  template <>                                                        \
  struct EnumTable<E> {                                              \
    static const std::vector<std::string>& names() {                 \
      static const std::vector<std::string> n{__VA_ARGS__};          \
      return n;                                                      \
    }                                                                \
  };

// Order must follow the enum declarations in model.hpp.
SYNCPATH_ENUM_TABLE(Edition, "basic", "standard", "professional", "enterprise")
SYNCPATH_ENUM_TABLE(WorkspaceMode, "basic", "standard")
SYNCPATH_ENUM_TABLE(NetworkKind, "vpc", "classic", "data_center", "other_cloud")
SYNCPATH_ENUM_TABLE(LinkKind, "express_connect", "vpn_gateway", "cen", "vpc_peering")
SYNCPATH_ENUM_TABLE(GroupKind, "serverless", "exclusive", "shared", "custom")
SYNCPATH_ENUM_TABLE(GroupPurpose, "data_integration", "scheduling", "general")
SYNCPATH_ENUM_TABLE(AttachScope, "vpc", "vswitch")
SYNCPATH_ENUM_TABLE(Environment, "development", "production")
SYNCPATH_ENUM_TABLE(InstanceKind, "rds", "polardb", "ecs", "self_managed", "saas")
SYNCPATH_ENUM_TABLE(SourceType, "mysql", "postgresql", "sqlserver", "oracle", "polardbx", "dm",
                    "mongodb", "maxcompute", "oss", "ftp", "hdfs", "memcache", "sqlite", "csv")
#undef SYNCPATH_ENUM_TABLE

}  // namespace

template <typename E>
std::string_view to_string(E value) {
  const auto& n = EnumTable<E>::names();
  auto i = static_cast<std::size_t>(value);
  return i < n.size() ? std::string_view(n[i]) : std::string_view("?");
}

template <typename E>
std::optional<E> parse_enum(std::string_view word) {
  const auto& n = EnumTable<E>::names();
  auto it = std::find(n.begin(), n.end(), word);
  if (it == n.end()) return std::nullopt;
  return static_cast<E>(it - n.begin());
}

template <typename E>
const std::vector<std::string>& enum_names() {
  return EnumTable<E>::names();
}

#define SYNCPATH_ENUM_INSTANTIATE(E)                                    \
  template std::string_view to_string<E>(E);                            \
  template std::optional<E> parse_enum<E>(std::string_view);            \
  template const std::vector<std::string>& enum_names<E>();
SYNCPATH_ENUM_INSTANTIATE(Edition)
SYNCPATH_ENUM_INSTANTIATE(WorkspaceMode)
SYNCPATH_ENUM_INSTANTIATE(NetworkKind)
SYNCPATH_ENUM_INSTANTIATE(LinkKind)
SYNCPATH_ENUM_INSTANTIATE(GroupKind)
SYNCPATH_ENUM_INSTANTIATE(GroupPurpose)
SYNCPATH_ENUM_INSTANTIATE(AttachScope)
SYNCPATH_ENUM_INSTANTIATE(Environment)
SYNCPATH_ENUM_INSTANTIATE(InstanceKind)
SYNCPATH_ENUM_INSTANTIATE(SourceType)
#undef SYNCPATH_ENUM_INSTANTIATE

bool has_default_whitelist(InstanceKind k) { return k == InstanceKind::rds || k == InstanceKind::polardb; }

Cidr default_whitelist_entry() { return Cidr::host(Ipv4((127u << 24) | 1u)); }

WhitelistCheck check_whitelist(const DataSource& s, const Cidr& from) {
  WhitelistCheck c;
  if (!s.whitelist) {
    if (!has_default_whitelist(s.instance_kind)) return c;
    c.verdict = default_whitelist_entry().contains(from) ? WhitelistVerdict::admits : WhitelistVerdict::refuses;
    if (c.verdict == WhitelistVerdict::admits) c.entry = default_whitelist_entry();
    c.default_list = true;
    return c;
  }
  for (const auto& e : *s.whitelist)
    if (e.contains(from)) {
      c.verdict = WhitelistVerdict::admits;
      c.entry = e;
      return c;
    }
  c.verdict = WhitelistVerdict::refuses;
  return c;
}

const SecurityRule* security_rule_admitting(const DataSource& s, const Cidr& from, int port) {
  if (!s.security_group) return nullptr;
  for (const auto& r : *s.security_group) {
    bool proto = r.protocol == "tcp" || r.protocol == "all";
    bool port_ok = r.port == port || (r.protocol == "all" && r.port == 0);
    if (proto && port_ok && r.source.contains(from)) return &r;
  }
  return nullptr;
}

bool runs_tasks(GroupPurpose p) { return p != GroupPurpose::scheduling; }
bool schedules_tasks(GroupPurpose p) { return p != GroupPurpose::data_integration; }

bool is_file_based(SourceType t) { return t == SourceType::sqlite || t == SourceType::csv; }

std::string_view protocol_of(SourceType t) {
  switch (t) {
    case SourceType::mysql:
    case SourceType::polardbx: return "mysql";
    case SourceType::postgresql: return "postgresql";
    case SourceType::oss:
    case SourceType::maxcompute: return "https";
    default: return "tcp";
  }
}

const VSwitch* Network::find_vswitch(std::string_view vswitch_id) const {
  for (const auto& v : vswitches)
    if (v.id == vswitch_id) return &v;
  return nullptr;
}

bool Network::contains(Ipv4 address) const {
  return std::any_of(cidrs.begin(), cidrs.end(), [&](const Cidr& c) { return c.contains(address); });
}

bool Link::joins(std::string_view a, std::string_view b) const {
  return (between[0] == a && between[1] == b) || (between[0] == b && between[1] == a);
}

std::string_view Link::other_end(std::string_view from) const {
  if (between[0] == from) return between[1];
  if (between[1] == from) return between[0];
  return {};
}

std::optional<std::string> resolve_secret(const SecretRef& ref, const std::string& base_dir,
                                          std::string& error) {
  switch (ref.kind) {
    case SecretRef::Kind::none: return std::string{};
    case SecretRef::Kind::literal: return ref.value;
    case SecretRef::Kind::env: {
      const char* v = std::getenv(ref.value.c_str());
      if (!v) {
        error = "environment variable " + ref.value + " is not set";
        return std::nullopt;
      }
      return std::string(v);
    }
    case SecretRef::Kind::file: {
      std::filesystem::path p(ref.value);
      if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
      std::ifstream in(p, std::ios::binary);
      if (!in) {
        error = "cannot read password file " + p.string();
        return std::nullopt;
      }
      std::ostringstream s;
      s << in.rdbuf();
      std::string v = s.str();
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();  // one trailing newline is not part of it
      return v;
    }
  }
  return std::nullopt;
}

namespace {
template <typename T, typename Key>
const T* lookup(const std::vector<T>& items, const std::unordered_map<std::string, std::size_t>& index,
                std::string_view key, Key key_of) {
  if (!index.empty()) {
    auto it = index.find(std::string(key));
    return it == index.end() ? nullptr : &items[it->second];
  }
  for (const auto& item : items)
    if (key_of(item) == key) return &item;
  return nullptr;
}
}  // namespace

const Network* Topology::find_network(std::string_view id) const {
  return lookup(networks, network_index_, id, [](const Network& n) -> const std::string& { return n.id; });
}
const Link* Topology::find_link(std::string_view id) const {
  return lookup(links, link_index_, id, [](const Link& l) -> const std::string& { return l.id; });
}
const ResourceGroup* Topology::find_group(std::string_view id) const {
  return lookup(resource_groups, group_index_, id, [](const ResourceGroup& g) -> const std::string& { return g.id; });
}
const DataSource* Topology::find_source(std::string_view name) const {
  return lookup(data_sources, source_index_, name, [](const DataSource& d) -> const std::string& { return d.name; });
}
const Task* Topology::find_task(std::string_view name) const {
  for (const auto& task : tasks)
    if (task.name == name) return &task;
  return nullptr;
}

void Topology::index() {
  auto build = [](auto& items, auto& map, auto key_of) {
    map.clear();
    map.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) map.emplace(key_of(items[i]), i);  // first wins on duplicates
  };
  build(networks, network_index_, [](const Network& n) { return n.id; });
  build(links, link_index_, [](const Link& l) { return l.id; });
  build(resource_groups, group_index_, [](const ResourceGroup& g) { return g.id; });
  build(data_sources, source_index_, [](const DataSource& d) { return d.name; });
}

}  // namespace syncpath
