// `plan --format terraform`: every fixable to-do step as HCL for the alicloud provider, one
// handler per step action. New resources reference what Terraform already manages by address
// when the topology was imported from Terraform (root module), by id otherwise (a data source
// looks up what an id alone does not say, such as a VPC's route table). Changes to existing
// resources (a database's whitelist) go to an override file. A step the provider has no resource
// for comes out as its aliyun CLI call in a comment; a step no configuration can make, as a note.
#include <algorithm>
#include <map>
#include <ostream>
#include <set>

#include "remediation.hpp"
#include "render_code.hpp"

namespace syncpath {

namespace {

std::string hcl_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '$' || c == '%') {  // keep "${" and "%{" literal
      out += c;
      out += c;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string hcl_list(const std::vector<std::string>& quoted) {
  std::string out = "[";
  for (std::size_t i = 0; i < quoted.size(); ++i) out += (i ? ", " : "") + quoted[i];
  return out + "]";
}

std::string ident(std::string_view s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  while (out.find("__") != std::string::npos) out.replace(out.find("__"), 2, "_");
  if (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || !std::isalpha(static_cast<unsigned char>(out[0]))) out = "r_" + out;
  return out;
}

// An address of the root module ("alicloud_vpc.hz", "alicloud_vswitch.a[0]"): one that HCL here
// can refer to. A child module's resources are out of reach (only its outputs are).
bool root_address(const std::string& a) {
  return a.rfind("alicloud_", 0) == 0 && a.find('.') != std::string::npos && a.find("module.") == std::string::npos;
}

struct Attr {
  std::string key, value;  // value: an HCL expression, already written
};

class TerraformRenderer : public PlanRenderer {
 public:
  TerraformRenderer(std::ostream& out, const Topology& t, const CloudRefs* refs, std::ostream* override_out)
      : out_(out), override_out_(override_out), t_(t), l_(t, refs) {}

  void pair(const PairPlan& p) override { todo_.add(p); }

  void end() override {
    for (const TodoStep* step : todo_.ordered()) emit(*step);
    auto c = todo_.counts();
    auto n = [](std::size_t k, const char* one, const char* many) { return std::to_string(k) + " " + (k == 1 ? one : many); };
    out_ << "# Written by `syncpath plan --format terraform` for workspace " << t_.workspace.name << ": " << n(c.total(), "pair", "pairs")
         << ", " << c.ready << " ready, " << n(c.needs_changes, "needs", "need") << " changes, " << c.unsupported << " unsupported.\n"
         << "# " << n(resources_, "resource", "resources") << " to add below";
    if (overrides_) out_ << ", " << n(overrides_, "change", "changes") << " to existing resources in the override file";
    if (!cli_.empty()) out_ << ", " << n(cli_count_, "step", "steps") << " as aliyun CLI calls at the end";
    out_ << ".\n# Review it, then `terraform plan` and `terraform apply` it with your configuration.\n";
    if (resources_ == 0 && overrides_ == 0 && cli_.empty() && notes_.empty()) out_ << "\n# Nothing to do.\n";
    for (const auto& v : variables_) out_ << '\n' << v;
    for (const auto& d : data_) out_ << '\n' << d;
    out_ << body_;
    if (!cli_.empty()) {
      out_ << "\n# ---- Steps the alicloud provider has no resource for: run these after `terraform apply` ----\n";
      out_ << cli_;
    }
    if (!notes_.empty()) {
      out_ << "\n# ---- Steps that are neither Terraform nor an API call: do these by hand ----\n";
      out_ << notes_;
    }
    if (overrides_) {
      std::ostream& o = override_out_ ? *override_out_ : out_;
      if (!override_out_)
        o << "\n# ==== syncpath_override.tf: save what follows as a file of its own named *_override.tf ====\n";
      o << "# Changes to resources your configuration already declares (Terraform override file: it merges these\n"
        << "# arguments into the resource of the same type and name; save it in the module that declares each one).\n";
      o << override_body_;
    }
  }

 private:
  // --- HCL pieces ----------------------------------------------------------------------------
  std::string unique(const std::string& base) {
    std::string name = ident(base);
    if (names_.insert(name).second) return name;
    for (int i = 2;; ++i)
      if (names_.insert(name + "_" + std::to_string(i)).second) return name + "_" + std::to_string(i);
  }

  void resource(const std::string& type, const std::string& name, const std::vector<Attr>& attrs, const TodoStep& why,
                const std::string& network = "") {
    std::string b = "\n";
    if (!why_written_) b += comment_why(why);
    why_written_ = true;
    b += "resource \"" + type + "\" \"" + name + "\" {\n";
    std::vector<Attr> all = attrs;
    if (std::string p = provider(network); !p.empty()) all.insert(all.begin(), {"provider", p});
    std::size_t width = 0;
    for (const auto& a : all)
      if (a.key != "depends_on") width = std::max(width, a.key.size());
    for (const auto& a : all) b += "  " + a.key + std::string(width > a.key.size() ? width - a.key.size() : 0, ' ') + " = " + a.value + "\n";
    b += "}\n";
    body_ += b;
    ++resources_;
  }

  static std::string comment_why(const TodoStep& t) {
    std::string out = "# " + std::string(to_string(t.step.action)) + ": " + t.step.detail + "\n#   unblocks: ";
    for (std::size_t i = 0; i < t.pairs.size(); ++i) out += (i ? ", " : "") + t.pairs[i];
    return out + "\n";
  }

  std::string variable(const std::string& base, const std::string& description) {
    std::string name = ident(base);
    if (declared_.insert(name).second)
      variables_.push_back("variable \"" + name + "\" {\n  type        = string\n  description = " + hcl_string(description) + "\n}\n");
    return "var." + name;
  }

  // The provider configuration of a network's region, when the import knows its alias.
  std::string provider(const std::string& network) {
    if (network.empty()) return "";
    std::string alias = l_.attr(RefKind::network, network, "provider");
    if (alias.empty()) {  // a new resource: a configured network of the same region names it
      std::string region = l_.region(network);
      for (const auto& n : t_.networks)
        if (n.region == region && !l_.attr(RefKind::network, n.id, "provider").empty()) alias = l_.attr(RefKind::network, n.id, "provider");
    }
    return alias.empty() ? "" : "alicloud." + alias;
  }

  // An expression for an item's id: this file's new resource, a root-module address, the cloud
  // id, or a variable.
  std::string id_expr(RefKind kind, const std::string& id, const std::string& what) {
    if (auto it = created_.find(key(kind, id)); it != created_.end()) return it->second + ".id";
    std::string a = l_.address(kind, id);
    if (root_address(a)) return a + ".id";
    if (std::string c = l_.cloud_id(kind, id); !c.empty()) return hcl_string(c);
    if (root_address(id)) return id + ".id";  // a plan's new resource, known by its address
    return variable(what + "_" + id + "_id", "the id of " + what + " " + id + (a.empty() ? "" : " (" + a + ")"));
  }
  static std::string key(RefKind kind, const std::string& id) { return std::to_string(static_cast<int>(kind)) + ":" + id; }

  std::string route_table_expr(const std::string& network) {
    if (auto it = created_.find(key(RefKind::network, network)); it != created_.end()) return it->second + ".route_table_id";
    std::string a = l_.address(RefKind::network, network);
    if (root_address(a)) return a + ".route_table_id";
    if (std::string rt = l_.route_table_id(network); !rt.empty()) return hcl_string(rt);
    if (root_address(network)) return network + ".route_table_id";
    std::string vpc = l_.cloud_id(RefKind::network, network);
    if (vpc.empty()) return variable("route_table_" + network + "_id", "the id of the system route table of VPC " + network);
    std::string name = ident(network);
    if (data_names_.insert(name).second)
      data_.push_back("data \"alicloud_vpcs\" \"" + name + "\" {\n  ids = [" + hcl_string(vpc) + "]\n}\n");
    return "data.alicloud_vpcs." + name + ".vpcs.0.route_table_id";
  }

  void cli_fallback(const TodoStep& t, const std::string& why) {
    CliCalls calls = aliyun_calls(t, l_);
    std::string block = comment_why(t);
    if (!why.empty()) block += "#   " + why + "\n";
    for (const auto& line : calls.lines) block += "#   " + line + "\n";
    for (const auto& n : calls.notes) block += "#   (" + n + ")\n";
    for (const auto& in : calls.inputs) block += "#   needs $" + in.substr(0, in.find('=')) + ": " + in.substr(in.find('=') + 1) + "\n";
    if (calls.lines.empty()) {
      notes_ += block;
    } else {
      cli_ += block;
      ++cli_count_;
    }
  }

  // --- one handler per step action -----------------------------------------------------------
  void emit(const TodoStep& t) {
    why_written_ = false;
    const PlanStep& st = t.step;
    if (!st.fixable) {
      notes_ += comment_why(t) + "#   (not fixable by configuration)\n";
      return;
    }
    using Handler = void (TerraformRenderer::*)(const TodoStep&);
    static const std::map<std::string, Handler, std::less<>> handlers{
        {"create_vpc", &TerraformRenderer::create_vpc},
        {"attach_vpc", &TerraformRenderer::attach_vpc},
        {"create_link", &TerraformRenderer::create_link},
        {"add_nat_gateway", &TerraformRenderer::add_nat_gateway},
        {"add_network_route", &TerraformRenderer::add_network_route},
        {"add_rg_route", &TerraformRenderer::no_resource},
        {"add_whitelist", &TerraformRenderer::add_whitelist},
        {"add_security_group_rule", &TerraformRenderer::add_security_group_rule},
    };
    auto h = handlers.find(to_string(st.action));
    if (h == handlers.end()) {
      cli_fallback(t, "the alicloud provider has no resource for " + std::string(to_string(st.action)));
      return;
    }
    (this->*h->second)(t);
  }

  void no_resource(const TodoStep& t) {
    cli_fallback(t, t.step.action == StepAction::add_rg_route ? "the alicloud provider has no resource for a resource group's routes (DataWorks CreateRoute)" : "");
  }

  void create_vpc(const TodoStep& t) {
    const PlanStep& st = t.step;
    std::string vpc = unique("syncpath_" + st.network), vsw = unique("syncpath_" + st.vswitch);
    if (data_names_.insert("syncpath_zones").second)
      data_.push_back("data \"alicloud_zones\" \"syncpath_zones\" {\n  available_resource_creation = \"VSwitch\"\n}\n");
    resource("alicloud_vpc", vpc, {{"vpc_name", hcl_string(st.network)}, {"cidr_block", hcl_string(st.cidr ? st.cidr->str() : "")}}, t);
    created_[key(RefKind::network, st.network)] = "alicloud_vpc." + vpc;
    resource("alicloud_vswitch", vsw,
             {{"vpc_id", "alicloud_vpc." + vpc + ".id"},
              {"cidr_block", hcl_string(st.destination ? st.destination->str() : "")},
              {"zone_id", "data.alicloud_zones.syncpath_zones.zones.0.id"},
              {"vswitch_name", hcl_string(st.vswitch)}},
             t);
    created_[key(RefKind::vswitch, st.vswitch)] = "alicloud_vswitch." + vsw;
  }

  void attach_vpc(const TodoStep& t) {
    const PlanStep& st = t.step;
    const ResourceGroup* g = t_.find_group(st.resource_group);
    if (g && g->kind != GroupKind::serverless) {
      cli_fallback(t, "the alicloud provider binds networks to serverless resource groups only (alicloud_data_works_network)");
      return;
    }
    resource("alicloud_data_works_network", unique("syncpath_" + st.resource_group + "_" + st.network),
             {{"dw_resource_group_id", id_expr(RefKind::group, st.resource_group, "resource_group")},
              {"vpc_id", id_expr(RefKind::network, st.network, "vpc")},
              {"vswitch_id", id_expr(RefKind::vswitch, st.vswitch, "vswitch")}},
             t, st.network);
  }

  void create_link(const TodoStep& t) {
    const PlanStep& st = t.step;
    const Network* a = t_.find_network(st.network);
    const Network* b = t_.find_network(st.peer);
    if (st.link_kind == "cen" && a && b) {
      std::string cen = l_.cen_of(a->id).empty() ? l_.cen_of(b->id) : l_.cen_of(a->id);
      std::string cen_expr = hcl_string(cen);
      if (cen.empty()) {
        std::string name = unique("syncpath_" + st.link);
        resource("alicloud_cen_instance", name, {{"cen_instance_name", hcl_string(st.link)}}, t);
        cen_expr = "alicloud_cen_instance." + name + ".id";
      }
      for (const Network* n : {a, b}) {
        if (!cen.empty() && l_.cen_of(n->id) == cen) continue;  // already a member
        bool foreign = !n->account.empty() && n->account != t_.workspace.account;
        std::vector<Attr> attrs{{"instance_id", cen_expr},
                                {"child_instance_id", id_expr(RefKind::network, n->id, "vpc")},
                                {"child_instance_type", "\"VPC\""},
                                {"child_instance_region_id", hcl_string(l_.region(n->id))}};
        if (foreign) {
          std::string uid = l_.account_uid(n->account);
          attrs.push_back({"child_instance_owner_id", uid.empty() ? variable("account_" + n->account + "_uid", "the account id (UID) of " + n->account) : hcl_string(uid)});
          // The VPC's own account must allow the attachment: a grant made with that account's provider.
          std::string owner = l_.account_uid(t_.workspace.account);
          std::string grant = unique("syncpath_grant_" + n->id);
          body_ += "\n# apply with the provider configuration of account " + n->account + " (the VPC's owner)\n";
          resource("alicloud_cen_instance_grant", grant,
                   {{"cen_id", cen_expr},
                    {"child_instance_id", id_expr(RefKind::network, n->id, "vpc")},
                    {"cen_owner_id", owner.empty() ? variable("account_" + t_.workspace.account + "_uid", "the account id (UID) of " + t_.workspace.account) : hcl_string(owner)}},
                   t, n->id);
          attrs.push_back({"depends_on", "[alicloud_cen_instance_grant." + grant + "]"});
        }
        resource("alicloud_cen_instance_attachment", unique("syncpath_" + st.link + "_" + n->id), attrs, t);
      }
      return;
    }
    if (st.link_kind == "vpn_gateway" && a && b && (a->kind == NetworkKind::vpc) != (b->kind == NetworkKind::vpc)) {
      const Network* vpc = a->kind == NetworkKind::vpc ? a : b;
      const Network* dc = vpc == a ? b : a;
      std::string gw = unique("syncpath_" + st.link), cgw = unique("syncpath_" + dc->id), conn = unique("syncpath_" + st.link + "_connection");
      std::vector<Attr> gw_attrs{{"vpn_gateway_name", hcl_string(st.link)}, {"vpc_id", id_expr(RefKind::network, vpc->id, "vpc")},
                                 {"bandwidth", "10"}, {"enable_ipsec", "true"}, {"enable_ssl", "false"}};
      if (!vpc->vswitches.empty()) gw_attrs.push_back({"vswitch_id", id_expr(RefKind::vswitch, vpc->vswitches.front().id, "vswitch")});
      resource("alicloud_vpn_gateway", gw, gw_attrs, t, vpc->id);
      created_[key(RefKind::link, st.link)] = "alicloud_vpn_gateway." + gw;
      resource("alicloud_vpn_customer_gateway", cgw,
               {{"customer_gateway_name", hcl_string(dc->id)},
                {"ip_address", variable("customer_gateway_ip_" + dc->id, "the public IP address of " + dc->id + "'s VPN device")}},
               t, vpc->id);
      std::vector<std::string> local, remote;
      for (const auto& c : vpc->cidrs) local.push_back(hcl_string(c.str()));
      for (const auto& c : dc->cidrs) remote.push_back(hcl_string(c.str()));
      resource("alicloud_vpn_connection", conn,
               {{"vpn_connection_name", hcl_string(st.link)},
                {"vpn_gateway_id", "alicloud_vpn_gateway." + gw + ".id"},
                {"customer_gateway_id", "alicloud_vpn_customer_gateway." + cgw + ".id"},
                {"local_subnet", hcl_list(local)},
                {"remote_subnet", hcl_list(remote)},
                {"effect_immediately", "true"}},
               t, vpc->id);
      return;
    }
    cli_fallback(t, st.link_kind == "express_connect" ? "an Express Connect circuit is ordered, not declared"
                    : st.link_kind == "vpn_gateway"   ? "neither end is an Alibaba Cloud VPC: a VPN between them is the networks' own"
                                                      : "");
  }

  void add_nat_gateway(const TodoStep& t) {
    const PlanStep& st = t.step;
    std::string base = "syncpath_" + st.network;
    std::string existing = l_.attr(RefKind::network, st.network, "nat_gateway_id");
    std::string table = hcl_string(l_.attr(RefKind::network, st.network, "snat_table_id"));
    std::string nat_expr = hcl_string(existing);
    if (existing.empty()) {
      std::string nat = unique(base + "_nat");
      resource("alicloud_nat_gateway", nat,
               {{"vpc_id", id_expr(RefKind::network, st.network, "vpc")},
                {"vswitch_id", id_expr(RefKind::vswitch, st.vswitch, "vswitch")},
                {"nat_gateway_name", hcl_string("syncpath-" + st.network)},
                {"nat_type", "\"Enhanced\""},
                {"network_type", "\"internet\""},
                {"payment_type", "\"PayAsYouGo\""}},
               t, st.network);
      nat_expr = "alicloud_nat_gateway." + nat + ".id";
      table = "alicloud_nat_gateway." + nat + ".snat_table_ids";
    }
    std::string eip = unique(base + "_eip"), assoc = unique(base + "_eip_nat"), snat = unique(base + "_snat");
    resource("alicloud_eip_address", eip,
             {{"address_name", hcl_string("syncpath-" + st.network)}, {"internet_charge_type", "\"PayByTraffic\""}, {"payment_type", "\"PayAsYouGo\""}},
             t, st.network);
    resource("alicloud_eip_association", assoc,
             {{"allocation_id", "alicloud_eip_address." + eip + ".id"}, {"instance_id", nat_expr}, {"instance_type", "\"Nat\""}}, t, st.network);
    resource("alicloud_snat_entry", snat,
             {{"snat_table_id", table},
              {"source_vswitch_id", id_expr(RefKind::vswitch, st.vswitch, "vswitch")},
              {"snat_ip", "alicloud_eip_address." + eip + ".ip_address"},
              {"depends_on", "[alicloud_eip_association." + assoc + "]"}},
             t, st.network);
  }

  void add_network_route(const TodoStep& t) {
    const PlanStep& st = t.step;
    const Network* n = t_.find_network(st.network);
    if (n && n->kind != NetworkKind::vpc) {
      cli_fallback(t, "");  // a router of the user's own: a note
      return;
    }
    const Link* link = t_.find_link(st.link);
    std::string type, hop;
    if (!link || link->kind == LinkKind::vpn_gateway) {
      type = "VpnGateway";
      if (auto it = created_.find(key(RefKind::link, st.link)); it != created_.end()) hop = it->second + ".id";
      else if (std::string g = l_.attr(RefKind::link, st.link, "vpn_gateway_id"); root_address(g)) hop = g + ".id";
      else if (looks_like_cloud_id(g)) hop = hcl_string(g);
      else hop = variable("vpn_gateway_" + st.link + "_id", "the id of the VPN gateway of link " + st.link);
    } else if (link->kind == LinkKind::vpc_peering) {
      type = "VpcPeer";
      hop = looks_like_cloud_id(st.link) ? hcl_string(st.link) : root_address(st.link) ? st.link + ".id" : variable("peer_" + st.link + "_id", "the id of peering connection " + st.link);
    } else {
      type = "RouterInterface";
      hop = variable("router_interface_" + st.network + "_" + st.link + "_id", "the id of " + st.network + "'s router interface toward " + st.link);
    }
    resource("alicloud_route_entry", unique("syncpath_" + st.network + "_" + (st.destination ? st.destination->str() : "")),
             {{"route_table_id", route_table_expr(st.network)},
              {"destination_cidrblock", hcl_string(st.destination ? st.destination->str() : "")},
              {"nexthop_type", hcl_string(type)},
              {"nexthop_id", hop}},
             t, st.network);
  }

  void add_whitelist(const TodoStep& t) {
    const PlanStep& st = t.step;
    const DataSource* s = t_.find_source(st.data_source);
    std::string address = l_.address(RefKind::source, st.data_source);
    // module.x.alicloud_db_instance.name -> its type and name, and the module that declares it
    std::string tail = address;
    while (tail.rfind("module.", 0) == 0) {
      auto dot = tail.find('.', 7);
      tail = dot == std::string::npos ? "" : tail.substr(dot + 1);
    }
    auto dot = tail.find('.');
    std::string rtype = dot == std::string::npos ? "" : tail.substr(0, dot);
    std::string rname = dot == std::string::npos ? "" : tail.substr(dot + 1);
    bool managed = s && (rtype == "alicloud_db_instance" || rtype == "alicloud_polardb_cluster") && rname.find('[') == std::string::npos;
    if (!managed) {
      cli_fallback(t, address.empty() ? "the database is not a resource of the Terraform configuration" : address + " has more than one instance: change its security_ips where it is declared");
      return;
    }
    std::vector<std::string> ips;
    if (s->whitelist)
      for (const auto& c : *s->whitelist) ips.push_back(hcl_string(whitelist_entry(c)));
    for (const auto& c : t.cidrs)
      if (std::find(ips.begin(), ips.end(), hcl_string(whitelist_entry(c))) == ips.end()) ips.push_back(hcl_string(whitelist_entry(c)));
    std::string module = address.substr(0, address.size() - tail.size());
    if (!module.empty()) module.pop_back();
    override_body_ += "\n" + comment_why(t) + "# syncpath-address: " + address + "\n";
    if (!module.empty()) override_body_ += "# (in the directory of " + module + ")\n";
    override_body_ += "resource \"" + rtype + "\" \"" + rname + "\" {\n  security_ips = " + hcl_list(ips) + "\n}\n";
    ++overrides_;
  }

  void add_security_group_rule(const TodoStep& t) {
    const PlanStep& st = t.step;
    std::string sg_address = l_.attr(RefKind::source, st.data_source, "security_group_address");
    std::string sg = l_.attr(RefKind::source, st.data_source, "security_group_id");
    std::string sg_expr = root_address(sg_address)      ? sg_address + ".id"
                          : looks_like_cloud_id(sg)     ? hcl_string(sg)
                                                        : variable("security_group_" + st.data_source + "_id", "the security group of " + st.data_source + "'s instance");
    const DataSource* s = t_.find_source(st.data_source);
    resource("alicloud_security_group_rule", unique("syncpath_" + st.data_source + "_" + (st.cidr ? st.cidr->str() : "")),
             {{"type", "\"ingress\""},
              {"ip_protocol", hcl_string(st.protocol.empty() ? "tcp" : st.protocol)},
              {"nic_type", "\"intranet\""},
              {"policy", "\"accept\""},
              {"port_range", hcl_string(std::to_string(st.port) + "/" + std::to_string(st.port))},
              {"priority", "1"},
              {"security_group_id", sg_expr},
              {"cidr_ip", hcl_string(st.cidr ? st.cidr->str() : "")}},
             t, s ? s->network : "");
  }

  std::ostream& out_;
  std::ostream* override_out_;
  const Topology& t_;
  CloudLookup l_;
  TodoSteps todo_;
  std::string body_, cli_, notes_, override_body_;
  std::vector<std::string> variables_, data_;
  std::set<std::string> names_, declared_, data_names_;
  std::map<std::string, std::string> created_;  // topology item -> the address this file gives it
  std::size_t resources_ = 0, overrides_ = 0, cli_count_ = 0;
  bool why_written_ = false;
};

}  // namespace

std::unique_ptr<PlanRenderer> make_terraform_renderer(std::ostream& out, const Topology& topology, const CloudRefs* refs,
                                                      std::ostream* override_out) {
  return std::make_unique<TerraformRenderer>(out, topology, refs, override_out);
}

}  // namespace syncpath
