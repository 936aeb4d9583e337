#include "remediation.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "render.hpp"  // step_key

namespace syncpath {

namespace {

// The order steps are applied in; steps of an action not listed here (added to the planner
// later) come last, in the order met.
int phase(std::string_view action) {
  static const std::vector<std::string_view> kOrder{"create_vpc", "attach_vpc", "create_link", "add_nat_gateway",
                                                    "add_network_route", "add_rg_route", "add_whitelist",
                                                    "add_security_group_rule", "upgrade_edition", "migrate_to_vpc"};
  auto it = std::find(kOrder.begin(), kOrder.end(), action);
  return it == kOrder.end() ? static_cast<int>(kOrder.size()) : static_cast<int>(it - kOrder.begin());
}

std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

}  // namespace

void TodoSteps::add(const PairPlan& p) {
  counts_.add(p.status);
  const std::string name = p.resource_group + " → " + p.data_source;
  auto take = [&](const Judgement& j) {
    for (const auto& st : j.steps) {
      if (st.done) continue;
      // Whitelist entries of one source merge into one change of its whitelist.
      std::string key = st.action == StepAction::add_whitelist && st.fixable && st.cidr ? "add_whitelist|" + st.data_source : step_key(st);
      auto it = index_.find(key);
      if (it == index_.end()) {
        it = index_.emplace(key, steps_.size()).first;
        steps_.push_back({st, {}, {}});
      }
      TodoStep& t = steps_[it->second];
      if (st.action == StepAction::add_whitelist && st.cidr && std::find(t.cidrs.begin(), t.cidrs.end(), *st.cidr) == t.cidrs.end())
        t.cidrs.push_back(*st.cidr);
      std::string label = j.host.empty() ? name : name + " (host " + j.host + ")";
      if (std::find(t.pairs.begin(), t.pairs.end(), label) == t.pairs.end()) t.pairs.push_back(label);
    }
  };
  if (p.hosts.empty()) take(p);
  for (const auto& h : p.hosts) take(h);
}

std::vector<const TodoStep*> TodoSteps::ordered() const {
  std::vector<const TodoStep*> out;
  for (const auto& s : steps_) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const TodoStep* a, const TodoStep* b) { return phase(to_string(a->step.action)) < phase(to_string(b->step.action)); });
  return out;
}

bool looks_like_cloud_id(std::string_view id) {
  static const std::vector<std::string_view> kPrefixes{"vpc-", "vsw-", "vtb-", "vpn-", "vco-", "cgw-", "cen-", "pcc-", "vbr-",
                                                       "rm-", "pc-", "pgm-", "i-", "sg-", "ngw-", "eip-", "stb-", "Serverless_res_group_",
                                                       "S_res_group_"};
  if (id.find('.') != std::string_view::npos || id.find(' ') != std::string_view::npos) return false;
  for (auto p : kPrefixes)
    if (id.size() > p.size() && id.substr(0, p.size()) == p) return true;
  return false;
}

std::string shell_quote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_./,:=@+%").find(c) != std::string_view::npos);
  if (plain) return std::string(s);
  if (s.size() > 1 && (s.front() == '"' || s.substr(0, 2) == "$(")) return std::string(s);  // already a quoted expansion
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string whitelist_entry(const Cidr& c) { return c.prefix() == 32 ? c.network().str() : c.str(); }

std::string CloudLookup::cloud_id(RefKind kind, const std::string& id) const {
  if (const CloudRef* r = ref(kind, id); r && !r->id.empty()) return r->id;
  if (const CloudRef* r = ref(kind, id); r && !r->address.empty() && r->address == id) return "";  // not created yet
  return looks_like_cloud_id(id) ? id : "";
}

std::string CloudLookup::address(RefKind kind, const std::string& id) const {
  const CloudRef* r = ref(kind, id);
  return r ? r->address : "";
}

std::string CloudLookup::attr(RefKind kind, const std::string& id, std::string_view key) const {
  const CloudRef* r = ref(kind, id);
  return r ? r->attr(key) : "";
}

std::string CloudLookup::region(const std::string& network) const {
  if (const Network* n = t_.find_network(network); n && !n->region.empty()) return n->region;
  if (auto r = attr(RefKind::network, network, "region"); !r.empty()) return r;
  return t_.workspace.region;
}

std::string CloudLookup::route_table_id(const std::string& network) const { return attr(RefKind::network, network, "route_table_id"); }

std::string CloudLookup::dataworks_network_id(const std::string& group, const std::string& network) const {
  return attr(RefKind::attachment, group + "/" + network, "network_id");
}

std::string CloudLookup::cen_of(const std::string& network) const {
  if (auto c = attr(RefKind::network, network, "cen_id"); !c.empty()) return c;
  for (const auto& l : t_.links)
    if (l.kind == LinkKind::cen && (l.between[0] == network || l.between[1] == network)) {
      std::string id = l.id.substr(0, l.id.find('/'));  // the import writes a CEN of many VPCs as CEN/A/B
      if (looks_like_cloud_id(id)) return id;
    }
  return "";
}

std::string CloudLookup::account_uid(const std::string& account) const {
  bool digits = !account.empty();
  for (char c : account) digits = digits && c >= '0' && c <= '9';
  return digits ? account : "";
}

// --- aliyun CLI calls, one builder per step action ----------------------------------------------

namespace {

class Cli {
 public:
  Cli(const TodoStep& t, const CloudLookup& l, CliCalls& out) : t_(t), st_(t.step), l_(l), out_(out) {}

  // A value the calls need: the literal when known, else a shell variable (assigned by an
  // earlier call of the script, or asked of the user).
  std::string id(RefKind kind, const std::string& item, const char* prefix, const std::string& what) {
    std::string v = l_.cloud_id(kind, item);
    if (!v.empty()) return v;
    std::string var = std::string(prefix) + sanitize(item);
    out_.inputs.push_back(var + "=" + what);
    return "\"$" + var + "\"";
  }
  std::string vpc(const std::string& n) { return id(RefKind::network, n, "VPC_", "the id of VPC " + n); }
  std::string vswitch(const std::string& v) { return id(RefKind::vswitch, v, "VSW_", "the id of vSwitch " + v); }
  std::string region(const std::string& n) { return l_.region(n); }

  void line(std::string s) { out_.lines.push_back(std::move(s)); }
  void note(std::string s) { out_.notes.push_back(std::move(s)); }

  void create_vpc() {
    std::string r = region(st_.network);
    std::string v = "VPC_" + sanitize(st_.network), s = "VSW_" + sanitize(st_.vswitch);
    line(v + "=$(aliyun vpc CreateVpc --RegionId " + r + " --CidrBlock " + (st_.cidr ? st_.cidr->str() : "?") + " --VpcName " +
         shell_quote(st_.network) + " | jq -r .VpcId)");
    line(s + "=$(aliyun vpc CreateVSwitch --RegionId " + r + " --VpcId \"$" + v + "\" --CidrBlock " +
         (st_.destination ? st_.destination->str() : "?") + " --VSwitchName " + shell_quote(st_.vswitch) +
         " --ZoneId \"$(aliyun vpc DescribeZones --RegionId " + r + " | jq -r '.Zones.Zone[0].ZoneId')\" | jq -r .VSwitchId)");
  }

  void attach_vpc() {
    const ResourceGroup* g = l_.topology().find_group(st_.resource_group);
    if (g && g->kind != GroupKind::serverless) {
      note("associate " + st_.resource_group + " with " + st_.network + " in the DataWorks console (Resource Groups > Network Settings): "
           "the OpenAPI binds networks to serverless resource groups only");
      return;
    }
    line("aliyun dataworks-public CreateNetwork --version 2024-05-18 --region " + region(st_.network) + " --ResourceGroupId " +
         id(RefKind::group, st_.resource_group, "GROUP_", "the id of resource group " + st_.resource_group) + " --VpcId " +
         vpc(st_.network) + " --VswitchId " + vswitch(st_.vswitch));
  }

  void create_link() {
    const Network* a = l_.topology().find_network(st_.network);
    const Network* b = l_.topology().find_network(st_.peer);
    if (st_.link_kind == "cen") {
      std::string cen = l_.cen_of(st_.network);
      if (cen.empty()) cen = l_.cen_of(st_.peer);
      std::string cen_value = cen;
      if (cen.empty()) {
        cen_value = "\"$CEN_" + sanitize(st_.link) + "\"";
        line("CEN_" + sanitize(st_.link) + "=$(aliyun cbn CreateCen --Name " + shell_quote(st_.link) + " | jq -r .CenId)");
      }
      for (const Network* n : {a, b}) {
        if (!n || (!cen.empty() && l_.cen_of(n->id) == cen)) continue;
        std::string owner = l_.account_uid(n->account);
        bool foreign = !n->account.empty() && n->account != l_.topology().workspace.account;
        if (foreign) {
          std::string cen_uid = l_.account_uid(l_.topology().workspace.account);
          line("aliyun vpc GrantInstanceToCen --profile " + shell_quote(n->account) + " --RegionId " + region(n->id) + " --InstanceId " +
               vpc(n->id) + " --InstanceType VPC --CenId " + cen_value + " --CenUid " +
               (cen_uid.empty() ? "\"$CEN_OWNER_UID\"" : cen_uid));
          if (cen_uid.empty()) out_.inputs.push_back("CEN_OWNER_UID=the account id (UID) that owns the CEN instance");
        }
        line("aliyun cbn AttachCenChildInstance --CenId " + cen_value + " --ChildInstanceId " + vpc(n->id) +
             " --ChildInstanceType VPC --ChildInstanceRegionId " + region(n->id) +
             (foreign ? " --ChildInstanceOwnerId " + (owner.empty() ? "\"$OWNER_" + sanitize(n->account) + "\"" : owner) : ""));
        if (foreign && owner.empty()) out_.inputs.push_back("OWNER_" + sanitize(n->account) + "=the account id (UID) of account " + n->account);
      }
      return;
    }
    if (st_.link_kind == "vpn_gateway") {
      const Network* vpc_net = a && a->kind == NetworkKind::vpc ? a : b;
      const Network* dc = vpc_net == a ? b : a;
      if (!vpc_net || !dc || vpc_net->kind != NetworkKind::vpc || dc->kind == NetworkKind::vpc) {
        note("connect " + st_.network + " and " + st_.peer + " with a VPN of their own: neither end is an Alibaba Cloud VPC, or both are "
             "(a CEN joins two VPCs)");
        return;
      }
      std::string r = region(vpc_net->id), k = sanitize(st_.link);
      std::string vsw = vpc_net->vswitches.empty() ? "" : vswitch(vpc_net->vswitches.front().id);
      line("VPN_" + k + "=$(aliyun vpc CreateVpnGateway --RegionId " + r + " --VpcId " + vpc(vpc_net->id) +
           (vsw.empty() ? "" : " --VSwitchId " + vsw) + " --Bandwidth 10 --EnableIpsec true --InstanceChargeType POSTPAY --Name " +
           shell_quote(st_.link) + " | jq -r .VpnGatewayId)");
      out_.inputs.push_back("CGW_IP_" + sanitize(dc->id) + "=the public IP address of " + dc->id + "'s VPN device");
      line("CGW_" + k + "=$(aliyun vpc CreateCustomerGateway --RegionId " + r + " --IpAddress \"$CGW_IP_" + sanitize(dc->id) +
           "\" --Name " + shell_quote(dc->id) + " | jq -r .CustomerGatewayId)");
      line("aliyun vpc CreateVpnConnection --RegionId " + r + " --VpnGatewayId \"$VPN_" + k + "\" --CustomerGatewayId \"$CGW_" + k +
           "\" --LocalSubnet " + join_cidrs(vpc_net->cidrs) + " --RemoteSubnet " + join_cidrs(dc->cidrs) + " --Name " + shell_quote(st_.link) +
           " --EffectImmediately true");
      return;
    }
    note("connect " + st_.network + " and " + st_.peer + " with Express Connect: a leased line is ordered, not configured "
         "(Express Connect console > Physical connections, then a VBR; API: CreateVirtualBorderRouter)");
  }

  void add_nat_gateway() {
    std::string r = region(st_.network), k = sanitize(st_.network);
    std::string nat = l_.attr(RefKind::network, st_.network, "nat_gateway_id");
    std::string table = l_.attr(RefKind::network, st_.network, "snat_table_id");
    if (nat.empty()) {
      line("NAT_" + k + "=$(aliyun vpc CreateNatGateway --RegionId " + r + " --VpcId " + vpc(st_.network) + " --VSwitchId " +
           vswitch(st_.vswitch) + " --NatType Enhanced --NetworkType internet --InternetChargeType PayByLcu --Name " +
           shell_quote("syncpath-" + st_.network) + " | jq -r .NatGatewayId)");
      line("SNAT_TABLE_" + k + "=$(aliyun vpc DescribeNatGateways --RegionId " + r + " --NatGatewayId \"$NAT_" + k +
           "\" | jq -r '.NatGateways.NatGateway[0].SnatTableIds.SnatTableId[0]')");
      nat = "\"$NAT_" + k + "\"";
      table = "\"$SNAT_TABLE_" + k + "\"";
    }
    line("EIP_" + k + "=$(aliyun vpc AllocateEipAddress --RegionId " + r + " --InternetChargeType PayByTraffic | jq -r .AllocationId)");
    line("aliyun vpc AssociateEipAddress --RegionId " + r + " --AllocationId \"$EIP_" + k + "\" --InstanceId " + nat + " --InstanceType Nat");
    line("EIP_IP_" + k + "=$(aliyun vpc DescribeEipAddresses --RegionId " + r + " --AllocationId \"$EIP_" + k +
         "\" | jq -r '.EipAddresses.EipAddress[0].IpAddress')");
    line("aliyun vpc CreateSnatEntry --RegionId " + r + " --SnatTableId " + table + " --SourceVSwitchId " + vswitch(st_.vswitch) +
         " --SnatIp \"$EIP_IP_" + k + "\"");
  }

  void add_network_route() {
    const Network* n = l_.topology().find_network(st_.network);
    const Link* link = l_.topology().find_link(st_.link);
    std::string dest = st_.destination ? st_.destination->str() : "?";
    if (n && n->kind != NetworkKind::vpc) {
      note("on " + st_.network + "'s own router or VPN customer gateway (not an Alibaba Cloud resource): route " + dest + " into " + st_.link);
      return;
    }
    std::string r = region(st_.network);
    std::string table = l_.route_table_id(st_.network);
    if (table.empty())
      table = "\"$(aliyun vpc DescribeRouteTableList --RegionId " + r + " --VpcId " + vpc(st_.network) +
              " | jq -r '.RouterTableList.RouterTableListType[] | select(.RouteTableType==\"System\") | .RouteTableId')\"";
    std::string type, hop;
    std::string kind = link ? std::string(to_string(link->kind)) : "vpn_gateway";
    if (kind == "vpn_gateway") {
      type = "VpnGateway";
      hop = l_.attr(RefKind::link, st_.link, "vpn_gateway_id");
      if (hop.empty() || !looks_like_cloud_id(hop)) hop = link ? "\"$VPN_GATEWAY_" + sanitize(st_.link) + "\"" : "\"$VPN_" + sanitize(st_.link) + "\"";
      if (link && hop.rfind("\"$VPN_GATEWAY_", 0) == 0) out_.inputs.push_back("VPN_GATEWAY_" + sanitize(st_.link) + "=the id of the VPN gateway of " + st_.link);
    } else if (kind == "vpc_peering") {
      type = "VpcPeer";
      hop = looks_like_cloud_id(st_.link) ? st_.link : "\"$PEER_" + sanitize(st_.link) + "\"";
      if (!looks_like_cloud_id(st_.link)) out_.inputs.push_back("PEER_" + sanitize(st_.link) + "=the id of the peering connection " + st_.link);
    } else {
      type = "RouterInterface";
      hop = "\"$ROUTER_INTERFACE_" + sanitize(st_.link) + "\"";
      out_.inputs.push_back("ROUTER_INTERFACE_" + sanitize(st_.link) + "=the id of " + st_.network + "'s router interface toward " + st_.link);
    }
    line("aliyun vpc CreateRouteEntry --RegionId " + r + " --RouteTableId " + table + " --DestinationCidrBlock " + dest + " --NextHopType " +
         type + " --NextHopId " + hop);
  }

  void add_rg_route() {
    std::string r = region(st_.network);
    std::string net_id = l_.dataworks_network_id(st_.resource_group, st_.network);
    std::string group = id(RefKind::group, st_.resource_group, "GROUP_", "the id of resource group " + st_.resource_group);
    if (net_id.empty())
      net_id = "\"$(aliyun dataworks-public ListNetworks --version 2024-05-18 --region " + r + " --ResourceGroupId " + group +
               " | jq -r '.PagingInfo.NetworkList[] | select(.VpcId==\"" + strip_quotes(vpc(st_.network)) + "\") | .Id')\"";
    line("aliyun dataworks-public CreateRoute --version 2024-05-18 --region " + r + " --NetworkId " + net_id + " --DestinationCidr " +
         (st_.destination ? st_.destination->str() : "?"));
  }

  void add_whitelist() {
    const DataSource* s = l_.topology().find_source(st_.data_source);
    std::string ips;
    for (const auto& c : t_.cidrs) ips += (ips.empty() ? "" : ",") + whitelist_entry(c);
    std::string kind = l_.attr(RefKind::source, st_.data_source, "kind");
    std::string instance = s ? s->instance_id : "";
    if (s && s->instance_kind == InstanceKind::rds && !instance.empty()) {
      std::string r = s->network.empty() ? l_.topology().workspace.region : region(s->network);
      if (kind == "polardb" || instance.rfind("pc-", 0) == 0)
        line("aliyun polardb ModifyDBClusterAccessWhitelist --RegionId " + r + " --DBClusterId " + instance + " --SecurityIps " + ips +
             " --ModifyMode Append");
      else
        line("aliyun rds ModifySecurityIps --RegionId " + r + " --DBInstanceId " + instance + " --SecurityIps " + ips + " --ModifyMode Append");
      return;
    }
    note("add " + ips + " to the allow list of " + st_.data_source + " (" +
         (s && s->instance_kind == InstanceKind::rds ? "give its `instance: {id: rm-...}` for the API call" : "the database's own configuration") + ")");
  }

  void add_security_group_rule() {
    const DataSource* s = l_.topology().find_source(st_.data_source);
    std::string sg = l_.attr(RefKind::source, st_.data_source, "security_group_id");
    std::string r = s && !s->network.empty() ? region(s->network) : l_.topology().workspace.region;
    if (sg.empty()) {
      sg = "\"$SECURITY_GROUP_" + sanitize(st_.data_source) + "\"";
      out_.inputs.push_back("SECURITY_GROUP_" + sanitize(st_.data_source) + "=the security group of " + st_.data_source + "'s instance");
    }
    line("aliyun ecs AuthorizeSecurityGroup --RegionId " + r + " --SecurityGroupId " + sg + " --IpProtocol " +
         (st_.protocol.empty() ? "tcp" : st_.protocol) + " --PortRange " + std::to_string(st_.port) + "/" + std::to_string(st_.port) +
         " --SourceCidrIp " + (st_.cidr ? st_.cidr->str() : "?") + " --Policy accept --NicType intranet");
  }

 private:
  static std::string join_cidrs(const std::vector<Cidr>& cidrs) {
    std::string out;
    for (const auto& c : cidrs) out += (out.empty() ? "" : ",") + c.str();
    return out.empty() ? "?" : out;
  }
  static std::string strip_quotes(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
  }

  const TodoStep& t_;
  const PlanStep& st_;
  const CloudLookup& l_;
  CliCalls& out_;
};

}  // namespace

CliCalls aliyun_calls(const TodoStep& todo, const CloudLookup& lookup) {
  CliCalls out;
  const PlanStep& st = todo.step;
  if (!st.fixable) {
    out.notes.push_back(st.detail + " (not fixable by configuration)");
    return out;
  }
  using Builder = void (Cli::*)();
  static const std::map<std::string, Builder, std::less<>> table{
      {"create_vpc", &Cli::create_vpc},           {"attach_vpc", &Cli::attach_vpc},
      {"create_link", &Cli::create_link},         {"add_nat_gateway", &Cli::add_nat_gateway},
      {"add_network_route", &Cli::add_network_route}, {"add_rg_route", &Cli::add_rg_route},
      {"add_whitelist", &Cli::add_whitelist},     {"add_security_group_rule", &Cli::add_security_group_rule},
  };
  auto it = table.find(to_string(st.action));
  if (it == table.end()) {
    out.notes.push_back(std::string(to_string(st.action)) + ": " + st.detail + " (no API call is known for this step)");
    return out;
  }
  Cli cli(todo, lookup, out);
  (cli.*it->second)();
  return out;
}

}  // namespace syncpath
