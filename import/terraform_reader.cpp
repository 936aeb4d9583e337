// `terraform show -json` (plan or state, format_version 0.x and 1.x) into the Inventory.
//
// A plan's resources are those of `planned_values` (what exists after apply; a resource only
// deleted is not there), with `resource_changes[].change.after_unknown` saying which values are
// not known until apply. An unknown reference (a vSwitch's `vpc_id` of a VPC the plan creates)
// is resolved through `configuration` (`expressions.*.references`) to the resource it names,
// whose id is its address until it exists. A state has `values` and no configuration.
#include <algorithm>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "detail/json_read.hpp"
#include "readers.hpp"

namespace syncpath::import {

using detail::json;
using detail::member;
using detail::scalar_text;

SourcePos detail::json_error_pos(const std::string& file, const std::string& text, std::size_t byte) {
  std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  int line = 1, column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {file, line, column};
}

std::string region_of_zone(const std::string& zone) {
  if (zone.size() < 4) return "";
  char last = zone.back();
  if (last >= 'a' && last <= 'z' && zone[zone.size() - 2] >= '0' && zone[zone.size() - 2] <= '9')
    return zone.substr(0, zone.size() - 1);  // ap-southeast-1a
  auto dash = zone.rfind('-');
  if (dash == std::string::npos || dash + 2 != zone.size()) return "";  // cn-hangzhou-h: one letter
  return zone.substr(0, dash);
}

std::string source_type_of_engine(const std::string& engine) {
  std::string e;
  for (char c : engine) e += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (e == "mysql" || e == "mariadb") return "mysql";
  if (e == "postgresql" || e == "postgres" || e == "pgsql" || e == "ppas") return "postgresql";
  if (e == "sqlserver" || e == "mssql") return "sqlserver";
  if (e == "oracle") return "oracle";
  return "";
}

namespace {

// True if `u` (an after_unknown value) marks something unknown.
bool any_unknown(const json* u) {
  if (!u) return false;
  if (u->is_boolean()) return u->get<bool>();
  if (u->is_object() || u->is_array())
    for (const auto& v : *u)
      if (any_unknown(&v)) return true;
  return false;
}

// "module.a[0].module.b.alicloud_vpc.x[\"k\"]" -> "module.a.module.b.alicloud_vpc.x"
std::string strip_indexes(std::string_view address) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (char c : address) {
    if (depth > 0) {
      if (c == '"') quoted = !quoted;
      if (!quoted && c == '[') ++depth;
      if (!quoted && c == ']') --depth;
      continue;
    }
    if (c == '[') {
      depth = 1;
      continue;
    }
    out += c;
  }
  return out;
}

struct Provider {
  std::string region, account, alias;
};

struct Res {
  std::string address, type, name, module, index;  // module: "module.a.module.b" or ""
  const json* values = nullptr;
  const json* unknown = nullptr;
  const json* config = nullptr;
  Provider provider;
};

class Reader {
 public:
  Reader(const std::string& text, const std::string& file, Inventory& inv, Diagnostics& d)
      : text_(text), file_(file), inv_(inv), d_(d) {}

  bool read(ReadInfo& info) {
    auto parsed = detail::parse_json(text_, file_, "give the output of `terraform show -json`", d_);
    if (!parsed) return false;
    doc_ = std::move(*parsed);
    if (!doc_.is_object()) {
      d_.error({file_, 1, 1}, "not-terraform-json", "the JSON is not an object; give the output of `terraform show -json PLAN` or `terraform show -json`");
      return false;
    }
    const json* fv = member(&doc_, "format_version");
    if (!fv || !fv->is_string()) {
      d_.error({file_, 1, 1}, "not-terraform-json",
               "no `format_version`: this is not the output of `terraform show -json` (a raw .tfstate file is not read: run `terraform show -json` on it)");
      return false;
    }
    info.format_version = fv->get<std::string>();
    std::string major = info.format_version.substr(0, info.format_version.find('.'));
    if (major != "0" && major != "1") {
      d_.error(pos_of_key("format_version"), "unsupported-format-version",
               "format_version " + info.format_version + " is not supported (only 0.x and 1.x); use a Terraform that writes 1.x");
      return false;
    }
    read_configuration();
    const json* planned = member(member(&doc_, "planned_values"), "root_module");
    const json* changes = member(&doc_, "resource_changes");
    if (planned || changes) {
      info.kind = "plan";
      if (changes && changes->is_array()) read_changes(*changes);
      if (planned) walk_module(*planned, 0);
      // A change whose resource planned_values lacks (not the deleted ones) still exists after apply.
      for (const auto& [address, c] : change_after_)
        if (!by_address_.count(address)) add_resource(*c.entry, c.after, "");
    } else {
      info.kind = "state";
      if (const json* root = member(member(&doc_, "values"), "root_module")) walk_module(*root, 0);
    }
    if (resources_.empty())
      d_.warning({file_, 0, 0}, "no-resources", "the " + info.kind + " has no resources; the topology will hold only what an overlay adds");
    for (auto& r : resources_) attach_config(r);
    for (const auto& r : resources_) convert(r);
    inv_.resources += resources_.size();
    if (unsupported_ > kUnsupportedShown)
      d_.warning({file_, 0, 0}, "unsupported-resource",
                 std::to_string(unsupported_ - kUnsupportedShown) + " more resources syncpath does not use were skipped");
    return true;
  }

 private:
  static constexpr std::size_t kUnsupportedShown = 20;

  // --- positions ----------------------------------------------------------------------------
  // Line and column of a byte offset: a binary search in the line starts, found once.
  SourcePos pos_at(std::size_t offset) {
    if (line_starts_.empty()) {
      line_starts_.push_back(0);
      for (std::size_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());
    return {file_, static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
  }
  SourcePos pos_of_key(std::string_view key) {
    auto at = text_.find("\"" + std::string(key) + "\"");
    return at == std::string::npos ? SourcePos{file_, 0, 0} : pos_at(at);
  }
  // Where a resource's address is first written in the text (its planned or state values).
  SourcePos pos_of(const std::string& address) {
    if (address_offsets_.empty()) {
      std::size_t at = 0;
      while ((at = text_.find("\"address\"", at)) != std::string::npos) {
        std::size_t q = text_.find('"', text_.find(':', at + 9));
        if (q == std::string::npos) break;
        std::size_t e = q + 1;
        std::string value;
        while (e < text_.size() && text_[e] != '"') {
          if (text_[e] == '\\' && e + 1 < text_.size()) ++e;
          value += text_[e++];
        }
        address_offsets_.emplace(value, at);
        at = e;
      }
      address_offsets_.emplace("", 0);  // built once even for a text with no address
    }
    auto it = address_offsets_.find(address);
    return it == address_offsets_.end() ? SourcePos{file_, 0, 0} : pos_at(it->second);
  }

  void warn(const Res& r, const char* code, const std::string& msg) { d_.warning(pos_of(r.address), code, r.address + ": " + msg); }

  // --- configuration --------------------------------------------------------------------------
  void read_configuration() {
    const json* cfg = member(&doc_, "configuration");
    if (!cfg) return;
    if (const json* pc = member(cfg, "provider_config"); pc && pc->is_object()) {
      for (auto it = pc->begin(); it != pc->end(); ++it) {
        Provider p;
        if (auto a = member(&it.value(), "alias"); a && a->is_string()) p.alias = a->get<std::string>();
        const json* ex = member(&it.value(), "expressions");
        if (auto v = member(member(ex, "region"), "constant_value"); v && v->is_string()) p.region = v->get<std::string>();
        // assume_role { role_arn = "acs:ram::UID:role/NAME" }: the account the provider acts in.
        if (const json* ar = member(ex, "assume_role")) {
          const json* first = ar->is_array() && !ar->empty() ? &(*ar)[0] : ar;
          if (auto arn = member(member(first, "role_arn"), "constant_value"); arn && arn->is_string()) {
            std::string s = arn->get<std::string>();
            auto a = s.find("::"), b = s.find(':', a == std::string::npos ? 0 : a + 2);
            if (a != std::string::npos && b != std::string::npos) p.account = s.substr(a + 2, b - a - 2);
          }
        }
        providers_[it.key()] = p;
      }
    }
    if (const json* root = member(cfg, "root_module")) walk_config(*root, "", 0);
  }

  void walk_config(const json& module, const std::string& prefix, int depth) {
    if (depth > 64) return;
    config_modules_[prefix] = &module;
    if (const json* rs = member(&module, "resources"); rs && rs->is_array())
      for (const auto& r : *rs)
        if (auto a = member(&r, "address"); a && a->is_string())
          config_[prefix + (prefix.empty() ? "" : ".") + a->get<std::string>()] = &r;
    if (const json* calls = member(&module, "module_calls"); calls && calls->is_object())
      for (auto it = calls->begin(); it != calls->end(); ++it)
        if (const json* m = member(&it.value(), "module"))
          walk_config(*m, prefix + (prefix.empty() ? "" : ".") + "module." + it.key(), depth + 1);
  }

  void attach_config(Res& r) {
    auto it = config_.find(strip_indexes(r.address));
    if (it != config_.end()) r.config = it->second;
    std::string key = "alicloud";
    if (auto k = member(r.config, "provider_config_key"); k && k->is_string()) key = k->get<std::string>();
    auto p = providers_.find(key);
    if (p == providers_.end() && key.find(':') != std::string::npos) p = providers_.find(key.substr(key.find(':') + 1));
    if (p == providers_.end()) p = providers_.find("alicloud");
    if (p != providers_.end()) r.provider = p->second;
  }

  // --- values ---------------------------------------------------------------------------------
  void read_changes(const json& changes) {
    for (const auto& c : changes) {
      const json* address = member(&c, "address");
      if (!address || !address->is_string()) continue;
      if (member(&c, "deposed")) continue;  // the old object of a create-before-destroy replacement
      if (auto mode = member(&c, "mode"); mode && mode->is_string() && mode->get<std::string>() != "managed") continue;
      const json* change = member(&c, "change");
      const json* actions = member(change, "actions");
      bool deleted_only = actions && actions->is_array() && actions->size() == 1 && (*actions)[0] == "delete";
      std::string a = address->get<std::string>();
      if (deleted_only) continue;
      if (change_after_.count(a)) {
        d_.warning(pos_of(a), "duplicate-change", a + ": the plan lists this resource's change twice; the first is used");
        continue;
      }
      change_after_[a] = {&c, member(change, "after"), member(change, "after_unknown")};
    }
  }

  void walk_module(const json& module, int depth) {
    if (depth > 64) return;
    if (const json* rs = member(&module, "resources"); rs && rs->is_array())
      for (const auto& r : *rs) add_resource(r, member(&r, "values"), module_address(module));
    if (const json* cs = member(&module, "child_modules"); cs && cs->is_array())
      for (const auto& c : *cs) walk_module(c, depth + 1);
  }
  static std::string module_address(const json& module) {
    auto a = member(&module, "address");
    return a && a->is_string() ? a->get<std::string>() : std::string();
  }

  void add_resource(const json& r, const json* values, const std::string& module) {
    const json* address = member(&r, "address");
    const json* type = member(&r, "type");
    if (!address || !address->is_string() || !type || !type->is_string()) return;
    if (auto mode = member(&r, "mode"); mode && mode->is_string() && mode->get<std::string>() != "managed") return;
    Res res;
    res.address = address->get<std::string>();
    res.type = type->get<std::string>();
    if (auto n = member(&r, "name"); n && n->is_string()) res.name = n->get<std::string>();
    res.module = module;
    if (res.module.empty()) {
      if (auto m = member(&r, "module_address"); m && m->is_string()) res.module = m->get<std::string>();
    }
    res.values = values && values->is_object() ? values : nullptr;
    if (auto it = change_after_.find(res.address); it != change_after_.end()) {
      res.unknown = it->second.unknown;
      if (!res.values && it->second.after && it->second.after->is_object()) res.values = it->second.after;
    }
    if (!by_address_.emplace(res.address, resources_.size()).second) {
      d_.warning(pos_of(res.address), "duplicate-resource", res.address + ": listed twice; the first is used");
      return;
    }
    resources_.push_back(std::move(res));
  }

  // The value of `key`, nullopt when absent, null or unknown.
  std::optional<std::string> str(const Res& r, std::string_view key) const {
    if (is_unknown(r, key)) return std::nullopt;
    const json* v = member(r.values, key);
    return v ? scalar_text(*v) : std::nullopt;
  }
  std::string text(const Res& r, std::string_view key) const { return str(r, key).value_or(""); }
  std::string first_text(const Res& r, std::initializer_list<std::string_view> keys) const {
    for (auto k : keys)
      if (auto v = str(r, k); v && !v->empty()) return *v;
    return "";
  }
  bool is_unknown(const Res& r, std::string_view key) const { return any_unknown(member(r.unknown, key)); }
  // A list of strings (a set or list attribute, or one comma-separated string).
  std::optional<std::vector<std::string>> list(const Res& r, std::string_view key) const {
    if (is_unknown(r, key)) return std::nullopt;
    const json* v = member(r.values, key);
    if (!v || v->is_null()) return std::nullopt;
    std::vector<std::string> out;
    auto add_split = [&](const std::string& s) {
      std::size_t start = 0;
      while (start <= s.size()) {
        auto comma = s.find(',', start);
        std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        if (!part.empty()) out.push_back(part);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    };
    if (v->is_array()) {
      for (const auto& e : *v)
        if (auto s = scalar_text(e)) add_split(*s);
    } else if (auto s = scalar_text(*v)) {
      add_split(*s);
    }
    return out;
  }
  int port(const Res& r, std::string_view key) const {
    auto v = str(r, key);
    if (!v) return 0;
    try {
      int p = std::stoi(*v);
      return p > 0 && p <= 65535 ? p : 0;
    } catch (...) {
      return 0;
    }
  }

  // The id the inventory uses for `r`: its cloud id, or its address while it does not exist.
  std::string id_of(const Res& r) const {
    auto v = str(r, "id");
    return v && !v->empty() ? *v : r.address;
  }

  // The resource (and the attribute of it) a configuration expression of `r` refers to.
  struct Target {
    const Res* res = nullptr;
    std::string attribute;
  };
  Target reference(const Res& r, std::string_view key, int depth = 0) const {
    const json* refs = member(member(member(r.config, "expressions"), key), "references");
    if (!refs || !refs->is_array()) return {};
    return resolve_refs(*refs, r.module, index_of(r.address), depth);
  }
  Target resolve_refs(const json& refs, const std::string& module, const std::string& index, int depth) const {
    if (depth > 8) return {};
    for (const auto& ref : refs) {
      if (!ref.is_string()) continue;
      std::string s = ref.get<std::string>();
      if (s.rfind("module.", 0) == 0) {  // an output of a child module: follow its expression
        auto dot = s.find('.', 7);
        if (dot == std::string::npos) continue;
        std::string child = (module.empty() ? "" : module + ".") + strip_indexes(s.substr(0, dot));
        std::string output = s.substr(dot + 1);
        output = output.substr(0, output.find_first_of(".["));
        auto m = config_modules_.find(child);
        if (m == config_modules_.end()) continue;
        const json* out_refs = member(member(member(member(m->second, "outputs"), output), "expression"), "references");
        if (out_refs && out_refs->is_array())
          if (Target t = resolve_refs(*out_refs, child, "", depth + 1); t.res) return t;
        continue;
      }
      if (s.rfind("var.", 0) == 0 || s.rfind("local.", 0) == 0 || s.rfind("data.", 0) == 0 ||
          s.rfind("count.", 0) == 0 || s.rfind("each.", 0) == 0 || s.rfind("path.", 0) == 0)
        continue;
      // TYPE.NAME[INDEX].ATTRIBUTE...
      auto dot1 = s.find('.');
      if (dot1 == std::string::npos) continue;
      auto end_name = s.find_first_of(".[", dot1 + 1);
      std::string base = s.substr(0, end_name);
      std::string rest = end_name == std::string::npos ? "" : s.substr(end_name);
      std::string idx;
      if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        idx = rest.substr(0, close + 1);
        rest = close == std::string::npos ? "" : rest.substr(close + 1);
      }
      std::string attribute = !rest.empty() && rest[0] == '.' ? rest.substr(1, rest.find_first_of(".[", 1) - 1) : "";
      std::string full = (module.empty() ? "" : module + ".") + base;
      if (const Res* t = find_instance(full, idx, index)) return {t, attribute};
    }
    return {};
  }
  static std::string index_of(const std::string& address) {
    if (address.empty() || address.back() != ']') return "";
    auto open = address.rfind('[');
    return open == std::string::npos ? "" : address.substr(open);
  }
  // The instance of `base`: the one named by `idx`, the only one, or the one with the same index
  // as the referring resource (`count.index` / `each.key` patterns).
  const Res* find_instance(const std::string& base, const std::string& idx, const std::string& same) const {
    if (!idx.empty())
      if (auto it = by_address_.find(base + idx); it != by_address_.end()) return &resources_[it->second];
    if (auto it = by_address_.find(base); it != by_address_.end()) return &resources_[it->second];
    if (!same.empty())
      if (auto it = by_address_.find(base + same); it != by_address_.end()) return &resources_[it->second];
    const Res* only = nullptr;
    for (const auto& r : resources_)
      if (strip_indexes(r.address) == strip_indexes(base) && r.address.rfind(base, 0) == 0) {
        if (only) return nullptr;
        only = &r;
      }
    return only;
  }

  // A reference attribute (`vpc_id`): its value, or the id of the resource its expression
  // names, or "" (warned) when neither is known.
  std::string ref(const Res& r, std::string_view key, bool required = true) {
    if (auto v = str(r, key); v && !v->empty()) return *v;
    if (Target t = reference(r, key); t.res) {
      if (t.attribute.empty() || t.attribute == "id") return id_of(*t.res);
      if (auto v = str(*t.res, t.attribute); v && !v->empty()) return *v;
      return id_of(*t.res);  // e.g. a VPC's route_table_id: the VPC stands for its own table
    }
    if (required && (is_unknown(r, key) || member(member(r.config, "expressions"), key)))
      warn(r, "unknown-value", std::string(key) + " is not known until apply and its expression names no resource of the plan; left out");
    return "";
  }
  // The value of an attribute that may be unknown at plan time (warned then).
  std::string value(const Res& r, std::string_view key, const char* consequence) {
    if (auto v = str(r, key)) return *v;
    if (is_unknown(r, key)) warn(r, "unknown-value", std::string(key) + " is not known until apply; " + consequence);
    return "";
  }

  Origin origin(const Res& r) { return {r.address, r.address, pos_of(r.address), r.provider.alias}; }

  // --- resources --------------------------------------------------------------------------------
  void convert(const Res& r) {
    using Handler = void (Reader::*)(const Res&);
    static const std::unordered_map<std::string, Handler> handlers{
        {"alicloud_vpc", &Reader::vpc},
        {"alicloud_vpc_ipv4_cidr_block", &Reader::vpc_cidr},
        {"alicloud_vswitch", &Reader::vswitch},
        {"alicloud_route_table", &Reader::route_table},
        {"alicloud_route_entry", &Reader::route_entry},
        {"alicloud_nat_gateway", &Reader::nat},
        {"alicloud_eip_address", &Reader::eip},
        {"alicloud_eip", &Reader::eip},
        {"alicloud_eip_association", &Reader::eip_association},
        {"alicloud_snat_entry", &Reader::snat},
        {"alicloud_security_group", &Reader::security_group},
        {"alicloud_security_group_rule", &Reader::security_group_rule},
        {"alicloud_db_instance", &Reader::db_instance},
        {"alicloud_db_connection", &Reader::db_connection},
        {"alicloud_polardb_cluster", &Reader::polardb},
        {"alicloud_instance", &Reader::ecs},
        {"alicloud_cen_instance", &Reader::cen},
        {"alicloud_cen_instance_attachment", &Reader::cen_attachment},
        {"alicloud_cen_instance_grant", &Reader::cen_grant},
        {"alicloud_cen_transit_router_vpc_attachment", &Reader::tr_attachment},
        {"alicloud_vpc_peer_connection", &Reader::peering},
        {"alicloud_vpn_gateway", &Reader::vpn_gateway},
        {"alicloud_vpn_connection", &Reader::vpn_connection},
        {"alicloud_vpn_customer_gateway", &Reader::customer_gateway},
        {"alicloud_vpn_route_entry", &Reader::vpn_route},
        {"alicloud_express_connect_virtual_border_router", &Reader::vbr},
        {"alicloud_data_works_dw_resource_group", &Reader::dw_group},
        {"alicloud_data_works_network", &Reader::dw_network},
    };
    auto h = handlers.find(r.type);
    if (h == handlers.end()) {
      // Nothing of such a resource is read (an account's password stays where it is).
      if (++unsupported_ <= kUnsupportedShown)
        warn(r, "unsupported-resource", r.type + " carries nothing syncpath plans with; skipped");
      return;
    }
    (this->*h->second)(r);
  }

  std::string region_of(const Res& r, const std::string& zone = "") const {
    if (!zone.empty())
      if (auto z = region_of_zone(zone); !z.empty()) return z;
    return r.provider.region;
  }

  void vpc(const Res& r) {
    CloudVpc v;
    v.id = id_of(r);
    v.name = first_text(r, {"vpc_name", "name"});
    v.region = r.provider.region;
    v.owner = r.provider.account;
    std::string cidr = value(r, "cidr_block", "the VPC is left out");
    if (cidr.empty()) return;
    v.cidrs.push_back(cidr);
    if (auto sec = list(r, "secondary_cidr_blocks"))
      for (const auto& c : *sec) v.cidrs.push_back(c);
    v.route_table_id = text(r, "route_table_id");
    v.origin = origin(r);
    inv_.vpcs.push_back(std::move(v));
  }
  void vpc_cidr(const Res& r) {
    std::string vpc = ref(r, "vpc_id");
    std::string block = value(r, "secondary_cidr_block", "the block is left out");
    if (vpc.empty() || block.empty()) return;
    inv_.secondary_cidrs.emplace_back(vpc, block);
    inv_.secondary_cidr_origins.push_back(origin(r));
  }
  void vswitch(const Res& r) {
    CloudVSwitch s;
    s.id = id_of(r);
    s.vpc_id = ref(r, "vpc_id");
    s.cidr = value(r, "cidr_block", "the vSwitch is left out");
    s.zone = first_text(r, {"zone_id", "availability_zone"});
    s.name = first_text(r, {"vswitch_name", "name"});
    s.region = region_of(r, s.zone);
    s.origin = origin(r);
    if (s.vpc_id.empty() || s.cidr.empty()) return;
    inv_.vswitches.push_back(std::move(s));
  }
  void route_table(const Res& r) {
    inv_.route_tables.push_back({id_of(r), ref(r, "vpc_id"), true, origin(r)});
  }
  void route_entry(const Res& r) {
    CloudRouteEntry e;
    // route_table_id = alicloud_vpc.X.route_table_id names the VPC's system table.
    if (auto v = str(r, "route_table_id"); v && !v->empty()) {
      e.route_table_id = *v;
    } else if (Target t = reference(r, "route_table_id"); t.res) {
      if (t.res->type == "alicloud_vpc") e.vpc_id = id_of(*t.res);
      else e.route_table_id = id_of(*t.res);
    }
    e.destination = value(r, "destination_cidrblock", "the route is left out");
    e.next_hop_type = text(r, "nexthop_type");
    e.next_hop_id = ref(r, "nexthop_id");
    e.origin = origin(r);
    if (e.destination.empty() || (e.route_table_id.empty() && e.vpc_id.empty())) return;
    inv_.route_entries.push_back(std::move(e));
  }
  void nat(const Res& r) {
    CloudNat n;
    n.id = id_of(r);
    n.vpc_id = ref(r, "vpc_id");
    n.vswitch_id = ref(r, "vswitch_id", false);
    std::string type = text(r, "network_type");
    n.internet = type.empty() || type == "internet";
    if (auto ids = list(r, "snat_table_ids"); ids && !ids->empty()) n.snat_table_id = ids->front();
    n.origin = origin(r);
    inv_.nats.push_back(std::move(n));
  }
  void eip(const Res& r) {
    CloudEip e;
    e.id = id_of(r);
    e.ip = value(r, "ip_address", "its address cannot be used as an egress address");
    e.origin = origin(r);
    inv_.eips.push_back(std::move(e));
  }
  void eip_association(const Res& r) {
    inv_.eip_associations.push_back({ref(r, "allocation_id"), ref(r, "instance_id"), text(r, "instance_type"), origin(r)});
  }
  void snat(const Res& r) {
    CloudSnatEntry s;
    // snat_table_id = alicloud_nat_gateway.X.snat_table_ids names the gateway's table.
    if (auto v = str(r, "snat_table_id"); v && !v->empty()) {
      s.snat_table_id = *v;
    } else if (Target t = reference(r, "snat_table_id"); t.res) {
      if (t.res->type == "alicloud_nat_gateway") s.nat_id = id_of(*t.res);
      else s.snat_table_id = id_of(*t.res);
    }
    s.source_vswitch_id = ref(r, "source_vswitch_id", false);
    s.source_cidr = text(r, "source_cidr");
    if (auto ips = list(r, "snat_ip")) {
      s.snat_ips = *ips;
    } else if (Target t = reference(r, "snat_ip"); t.res) {
      if (auto ip = str(*t.res, "ip_address"); ip && !ip->empty()) s.snat_ips.push_back(*ip);
      else warn(r, "unknown-value", "snat_ip is not known until apply (the EIP is new); the SNAT address is left out");
    }
    s.origin = origin(r);
    inv_.snat_entries.push_back(std::move(s));
  }
  void security_group(const Res& r) {
    CloudSecurityGroup g;
    g.id = id_of(r);
    g.vpc_id = ref(r, "vpc_id", false);
    g.origin = origin(r);
    inv_.security_groups.push_back(std::move(g));
  }
  void security_group_rule(const Res& r) {
    CloudSecurityGroupRule sr;
    sr.security_group_id = ref(r, "security_group_id");
    sr.rule.ingress = text(r, "type") != "egress";
    sr.rule.accept = text(r, "policy") != "drop";
    sr.rule.protocol = text(r, "ip_protocol");
    std::string range = text(r, "port_range");
    auto slash = range.find('/');
    try {
      sr.rule.port_from = std::stoi(range.substr(0, slash));
      sr.rule.port_to = slash == std::string::npos ? sr.rule.port_from : std::stoi(range.substr(slash + 1));
    } catch (...) {
      sr.rule.port_from = sr.rule.port_to = -1;
    }
    sr.rule.cidr = text(r, "cidr_ip");
    sr.rule.origin = origin(r);
    if (sr.rule.cidr.empty()) {
      if (!text(r, "source_security_group_id").empty() || reference(r, "source_security_group_id").res)
        warn(r, "unsupported-value", "a rule admitting another security group is not modelled (only CIDR rules are); skipped");
      return;
    }
    if (sr.security_group_id.empty()) return;
    inv_.security_group_rules.push_back(std::move(sr));
  }
  void db_instance(const Res& r) {
    CloudDatabase db;
    db.kind = DatabaseKind::rds;
    db.id = id_of(r);
    db.name = text(r, "instance_name");
    db.engine = text(r, "engine");
    read_database_network(r, db);
    db.host = text(r, "connection_string");
    db.ip = text(r, "private_ip_address");
    db.port = port(r, "port");
    if (auto ips = list(r, "security_ips")) db.whitelist = *ips;
    else if (is_unknown(r, "security_ips")) warn(r, "unknown-value", "security_ips is not known until apply; the whitelist is left out");
    db.origin = origin(r);
    inv_.databases.push_back(std::move(db));
  }
  void polardb(const Res& r) {
    CloudDatabase db;
    db.kind = DatabaseKind::polardb;
    db.id = id_of(r);
    db.name = text(r, "description");
    db.engine = text(r, "db_type");
    read_database_network(r, db);
    db.host = text(r, "connection_string");
    db.port = port(r, "port");
    if (auto ips = list(r, "security_ips"); ips && !ips->empty()) {
      db.whitelist = *ips;
    } else if (const json* arrays = member(r.values, "db_cluster_ip_array"); arrays && arrays->is_array()) {
      std::vector<std::string> all;
      for (const auto& a : *arrays)
        if (const json* ips2 = member(&a, "security_ips"); ips2 && ips2->is_array())
          for (const auto& ip : *ips2)
            if (auto s = scalar_text(ip)) all.push_back(*s);
      db.whitelist = all;
    }
    db.origin = origin(r);
    inv_.databases.push_back(std::move(db));
  }
  void read_database_network(const Res& r, CloudDatabase& db) {
    std::string vsw = ref(r, "vswitch_id", false);
    db.vswitch_id = vsw.substr(0, vsw.find(','));  // several zones: the primary's comes first
    db.vpc_id = ref(r, "vpc_id", false);
    db.zone = text(r, "zone_id");
    db.region = region_of(r, db.zone);
  }
  void db_connection(const Res& r) {
    inv_.db_connections.push_back(
        {ref(r, "instance_id"), text(r, "connection_string"), text(r, "ip_address"), port(r, "port"), origin(r)});
  }
  void ecs(const Res& r) {
    CloudEcs e;
    e.id = id_of(r);
    e.vswitch_id = ref(r, "vswitch_id", false);
    e.private_ip = text(r, "private_ip");
    e.zone = first_text(r, {"availability_zone", "zone_id"});
    e.region = region_of(r, e.zone);
    if (auto sgs = list(r, "security_groups"); sgs && !sgs->empty()) {
      e.security_groups = *sgs;
    } else if (const json* refs = member(member(member(r.config, "expressions"), "security_groups"), "references");
               refs && refs->is_array()) {
      for (const auto& one : *refs) {
        json single = json::array({one});
        if (Target t = resolve_refs(single, r.module, index_of(r.address), 0); t.res && t.res->type == "alicloud_security_group") {
          std::string id = id_of(*t.res);
          if (std::find(e.security_groups.begin(), e.security_groups.end(), id) == e.security_groups.end())
            e.security_groups.push_back(id);
        }
      }
    }
    e.origin = origin(r);
    inv_.ecs.push_back(std::move(e));
  }
  void cen(const Res& r) { inv_.cens.push_back({id_of(r), r.provider.account, origin(r)}); }
  void cen_attachment(const Res& r) {
    CloudCenAttachment a;
    a.cen_id = ref(r, "instance_id");
    a.child_id = ref(r, "child_instance_id");
    if (auto t = str(r, "child_instance_type"); t && !t->empty()) a.child_type = *t;
    a.child_region = text(r, "child_instance_region_id");
    a.child_owner = text(r, "child_instance_owner_id");
    a.origin = origin(r);
    if (a.cen_id.empty() || a.child_id.empty()) return;
    inv_.cen_attachments.push_back(std::move(a));
  }
  void tr_attachment(const Res& r) {
    CloudCenAttachment a;
    a.cen_id = ref(r, "cen_id");
    a.child_id = ref(r, "vpc_id");
    a.child_owner = text(r, "vpc_owner_id");
    a.child_region = r.provider.region;
    a.origin = origin(r);
    if (a.cen_id.empty() || a.child_id.empty()) return;
    inv_.cen_attachments.push_back(std::move(a));
  }
  void cen_grant(const Res& r) {
    inv_.cen_grants.push_back({ref(r, "cen_id"), ref(r, "child_instance_id"), text(r, "cen_owner_id"), origin(r)});
  }
  void peering(const Res& r) {
    CloudPeering p;
    p.id = id_of(r);
    p.vpc_id = ref(r, "vpc_id");
    p.peer_vpc_id = ref(r, "accepting_vpc_id");
    p.peer_owner = text(r, "accepting_ali_uid");
    p.peer_region = text(r, "accepting_region_id");
    p.origin = origin(r);
    if (p.vpc_id.empty() || p.peer_vpc_id.empty()) return;
    inv_.peerings.push_back(std::move(p));
  }
  void vpn_gateway(const Res& r) { inv_.vpn_gateways.push_back({id_of(r), ref(r, "vpc_id"), origin(r)}); }
  void vpn_connection(const Res& r) {
    CloudVpnConnection c;
    c.id = id_of(r);
    c.gateway_id = ref(r, "vpn_gateway_id");
    c.customer_gateway_id = ref(r, "customer_gateway_id");
    c.local_subnets = list(r, "local_subnet").value_or(std::vector<std::string>{});
    c.remote_subnets = list(r, "remote_subnet").value_or(std::vector<std::string>{});
    c.origin = origin(r);
    inv_.vpn_connections.push_back(std::move(c));
  }
  void customer_gateway(const Res& r) {
    inv_.customer_gateways.push_back({id_of(r), text(r, "ip_address"), first_text(r, {"customer_gateway_name", "name"}), origin(r)});
  }
  void vpn_route(const Res& r) {
    CloudVpnRoute v;
    v.gateway_id = ref(r, "vpn_gateway_id");
    v.destination = value(r, "route_dest", "the route is left out");
    v.next_hop = ref(r, "next_hop");
    v.publish_vpc = text(r, "publish_vpc") == "true";
    v.origin = origin(r);
    inv_.vpn_routes.push_back(std::move(v));
  }
  void vbr(const Res& r) {
    inv_.vbrs.push_back({id_of(r), text(r, "virtual_border_router_name"), text(r, "route_table_id"), origin(r)});
  }
  void dw_group(const Res& r) {
    CloudDwGroup g;
    g.id = id_of(r);
    g.name = text(r, "resource_group_name");
    g.vpc_id = ref(r, "default_vpc_id");
    g.vswitch_id = ref(r, "default_vswitch_id");
    g.region = r.provider.region;
    g.kind = DwGroupKind::serverless;
    g.type_word = "serverless";
    g.origin = origin(r);
    inv_.dw_groups.push_back(std::move(g));
  }
  void dw_network(const Res& r) {
    inv_.dw_networks.push_back({id_of(r), ref(r, "dw_resource_group_id"), ref(r, "vpc_id"), ref(r, "vswitch_id"), origin(r)});
  }

  const std::string& text_;
  std::string file_;
  Inventory& inv_;
  Diagnostics& d_;
  json doc_;
  struct Change {
    const json* entry = nullptr;
    const json* after = nullptr;
    const json* unknown = nullptr;
  };
  std::unordered_map<std::string, Change> change_after_;
  std::vector<Res> resources_;
  std::unordered_map<std::string, std::size_t> by_address_;
  std::unordered_map<std::string, const json*> config_;          // resource address -> configuration
  std::unordered_map<std::string, const json*> config_modules_;  // module path -> configuration module
  std::unordered_map<std::string, Provider> providers_;
  std::unordered_map<std::string, std::size_t> address_offsets_;
  std::vector<std::size_t> line_starts_;
  std::size_t unsupported_ = 0;
};

}  // namespace

bool read_terraform(const std::string& text, const std::string& file, Inventory& inv, Diagnostics& diags,
                    ReadInfo& info) {
  Reader reader(text, file, inv, diags);
  return reader.read(info);
}

}  // namespace syncpath::import
