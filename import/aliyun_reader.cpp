// The aliyun CLI's JSON (one file per call, the raw body or `--pager` output) into the Inventory.
//
// A file is named after its call: `DescribeVSwitches.json`, optionally with a qualifier after a
// dot: `DescribeVSwitches.cn-beijing.json` (a region: for items whose response does not say it)
// or `DescribeDBInstanceNetInfo.rm-bp1example.json` (the instance the call was about, which
// those responses do not repeat). Raw bodies and `--pager` output hold the list at the same
// path; a raw body that is one page of several is warned about (use `--pager`).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_map>

#include "detail/json_read.hpp"
#include "readers.hpp"

namespace syncpath::import {

using detail::json;
using detail::member;
using detail::scalar_text;

namespace {

std::string text(const json& item, std::string_view key) {
  const json* v = member(&item, key);
  return v ? scalar_text(*v).value_or("") : "";
}

int number(const json& item, std::string_view key) {
  try {
    int p = std::stoi(text(item, key));
    return p > 0 && p <= 65535 ? p : 0;
  } catch (...) {
    return 0;
  }
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, ',')) {
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// The strings of a list written as {"VSwitchId": [...]} (the OpenAPI's wrapping) or [...].
std::vector<std::string> wrapped_strings(const json& item, std::string_view key, std::string_view inner) {
  const json* v = member(&item, key);
  if (v && v->is_object()) v = member(v, inner);
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& e : *v)
      if (auto s = scalar_text(e)) out.push_back(*s);
  return out;
}

// The region from a qualifier that looks like a region id: "cn-hangzhou", "ap-southeast-1".
std::string qualifier_region(const std::string& q) {
  if (q.empty() || q.find('-') == std::string::npos) return "";
  for (char c : q)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return "";
  static const char* kInstancePrefixes[] = {"rm-", "pc-", "pgm-", "vpc-", "vsw-", "sg-", "i-", "ngw-", "cen-"};
  for (const char* p : kInstancePrefixes)
    if (q.rfind(p, 0) == 0) return "";
  return q;
}

struct Call {
  const char* name;
  std::vector<const char*> path;  // keys down to the list; the last one may be empty (a bare list)
  bool per_instance = false;      // the response does not name its instance: the file name must
  void (*read)(const json& item, const std::string& qualifier, const Origin& o, Inventory& inv);
};

CloudVpc* find_vpc(Inventory& inv, const std::string& id) {
  for (auto& v : inv.vpcs)
    if (v.id == id) return &v;
  return nullptr;
}

// The instance `id` (several calls describe parts of one), its origin naming each of them.
CloudDatabase& database(Inventory& inv, const std::string& id, const Origin& o) {
  for (auto& d : inv.databases)
    if (d.id == id) {
      if (d.origin.label.find(o.label) == std::string::npos) d.origin.label += ", " + o.label;
      return d;
    }
  CloudDatabase d;
  d.id = id;
  d.origin = o;
  inv.databases.push_back(std::move(d));
  return inv.databases.back();
}

const std::vector<Call>& calls() {
  static const std::vector<Call> table{
      {"DescribeVpcs", {"Vpcs", "Vpc"}, false,
       [](const json& it, const std::string& q, const Origin& o, Inventory& inv) {
         CloudVpc v;
         v.id = text(it, "VpcId");
         v.name = text(it, "VpcName");
         v.region = text(it, "RegionId");
         if (v.region.empty()) v.region = qualifier_region(q);
         v.owner = text(it, "OwnerId");
         if (auto c = text(it, "CidrBlock"); !c.empty()) v.cidrs.push_back(c);
         for (auto& c : wrapped_strings(it, "SecondaryCidrBlocks", "SecondaryCidrBlock")) v.cidrs.push_back(c);
         v.origin = o;
         if (!v.id.empty()) inv.vpcs.push_back(std::move(v));
       }},
      {"DescribeVSwitches", {"VSwitches", "VSwitch"}, false,
       [](const json& it, const std::string& q, const Origin& o, Inventory& inv) {
         CloudVSwitch s;
         s.id = text(it, "VSwitchId");
         s.vpc_id = text(it, "VpcId");
         s.zone = text(it, "ZoneId");
         s.cidr = text(it, "CidrBlock");
         s.name = text(it, "VSwitchName");
         s.region = region_of_zone(s.zone);
         if (s.region.empty()) s.region = qualifier_region(q);
         s.origin = o;
         if (!s.id.empty()) inv.vswitches.push_back(std::move(s));
       }},
      {"DescribeRouteTableList", {"RouterTableList", "RouterTableListType"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudRouteTable t{text(it, "RouteTableId"), text(it, "VpcId"), text(it, "RouteTableType") == "Custom", o};
         if (!t.custom)
           if (CloudVpc* v = find_vpc(inv, t.vpc_id); v && v->route_table_id.empty()) v->route_table_id = t.id;
         if (!t.id.empty()) inv.route_tables.push_back(std::move(t));
       }},
      {"DescribeRouteEntryList", {"RouteEntrys", "RouteEntry"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudRouteEntry e;
         e.route_table_id = text(it, "RouteTableId");
         e.destination = text(it, "DestinationCidrBlock");
         e.system = text(it, "Type") == "System";
         const json* hops = member(member(&it, "NextHops"), "NextHop");
         if (hops && hops->is_array() && !hops->empty()) {
           e.next_hop_type = text((*hops)[0], "NextHopType");
           e.next_hop_id = text((*hops)[0], "NextHopId");
         }
         e.origin = o;
         if (!e.destination.empty()) inv.route_entries.push_back(std::move(e));
       }},
      {"DescribeNatGateways", {"NatGateways", "NatGateway"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudNat n;
         n.id = text(it, "NatGatewayId");
         n.vpc_id = text(it, "VpcId");
         n.vswitch_id = text(*(member(&it, "NatGatewayPrivateInfo") ? member(&it, "NatGatewayPrivateInfo") : &it), "VswitchId");
         std::string type = text(it, "NetworkType");
         n.internet = type.empty() || type == "internet";
         auto tables = wrapped_strings(it, "SnatTableIds", "SnatTableId");
         if (!tables.empty()) n.snat_table_id = tables.front();
         if (const json* ips = member(member(&it, "IpLists"), "IpList"); ips && ips->is_array())
           for (const auto& ip : *ips)
             if (auto a = text(ip, "IpAddress"); !a.empty()) n.eips.push_back(a);
         n.origin = o;
         if (!n.id.empty()) inv.nats.push_back(std::move(n));
       }},
      {"DescribeSnatTableEntries", {"SnatTableEntries", "SnatTableEntry"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudSnatEntry s;
         s.snat_table_id = text(it, "SnatTableId");
         s.nat_id = text(it, "NatGatewayId");
         s.source_vswitch_id = text(it, "SourceVSwitchId");
         s.source_cidr = text(it, "SourceCIDR");
         s.snat_ips = split(text(it, "SnatIp"));
         s.origin = o;
         inv.snat_entries.push_back(std::move(s));
       }},
      {"DescribeEipAddresses", {"EipAddresses", "EipAddress"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudEip e{text(it, "AllocationId"), text(it, "IpAddress"), text(it, "InstanceId"), text(it, "InstanceType"), o};
         if (!e.ip.empty()) inv.eips.push_back(std::move(e));
       }},
      {"DescribeVpnConnections", {"VpnConnections", "VpnConnection"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudVpnConnection c;
         c.id = text(it, "VpnConnectionId");
         c.gateway_id = text(it, "VpnGatewayId");
         c.customer_gateway_id = text(it, "CustomerGatewayId");
         c.local_subnets = split(text(it, "LocalSubnet"));
         c.remote_subnets = split(text(it, "RemoteSubnet"));
         c.origin = o;
         if (!c.id.empty()) inv.vpn_connections.push_back(std::move(c));
       }},
      {"DescribeVpnGateways", {"VpnGateways", "VpnGateway"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudVpnGateway g{text(it, "VpnGatewayId"), text(it, "VpcId"), o};
         if (!g.id.empty()) inv.vpn_gateways.push_back(std::move(g));
       }},
      {"DescribeCustomerGateways", {"CustomerGateways", "CustomerGateway"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudCustomerGateway g{text(it, "CustomerGatewayId"), text(it, "IpAddress"), text(it, "Name"), o};
         if (!g.id.empty()) inv.customer_gateways.push_back(std::move(g));
       }},
      {"DescribeSecurityGroupAttribute", {"Permissions", "Permission"}, false, nullptr},  // see read_security_group
      {"DescribeInstances", {"Instances", "Instance"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudEcs e;
         e.id = text(it, "InstanceId");
         const json* vpc = member(&it, "VpcAttributes");
         if (vpc) {
           e.vpc_id = text(*vpc, "VpcId");
           e.vswitch_id = text(*vpc, "VSwitchId");
           auto ips = wrapped_strings(*vpc, "PrivateIpAddress", "IpAddress");
           if (!ips.empty()) e.private_ip = ips.front();
         }
         e.zone = text(it, "ZoneId");
         e.region = text(it, "RegionId");
         e.security_groups = wrapped_strings(it, "SecurityGroupIds", "SecurityGroupId");
         e.origin = o;
         if (!e.id.empty()) inv.ecs.push_back(std::move(e));
       }},
      {"DescribeDBInstances", {"Items", "DBInstance"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         std::string id = text(it, "DBInstanceId");
         if (id.empty()) return;
         CloudDatabase& d = database(inv, id, o);
         d.kind = DatabaseKind::rds;
         d.engine = text(it, "Engine");
         d.name = text(it, "DBInstanceDescription");
         d.vpc_id = text(it, "VpcId");
         d.vswitch_id = text(it, "VSwitchId");
         d.zone = text(it, "ZoneId");
         d.region = text(it, "RegionId");
         if (d.region.empty()) d.region = region_of_zone(d.zone);
       }},
      {"DescribeDBInstanceAttribute", {"Items", "DBInstanceAttribute"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         std::string id = text(it, "DBInstanceId");
         if (id.empty()) return;
         CloudDatabase& d = database(inv, id, o);
         if (auto e = text(it, "Engine"); !e.empty()) d.engine = e;
         if (auto v = text(it, "VpcId"); !v.empty()) d.vpc_id = v;
         if (auto v = text(it, "VSwitchId"); !v.empty()) d.vswitch_id = v;
         if (auto v = text(it, "ZoneId"); !v.empty()) d.zone = v;
         if (auto v = text(it, "RegionId"); !v.empty()) d.region = v;
         if (d.host.empty()) d.host = text(it, "ConnectionString");
         if (!d.port) d.port = number(it, "Port");
       }},
      {"DescribeDBInstanceIPArrayList", {"Items", "DBInstanceIPArray"}, true,
       [](const json& it, const std::string& q, const Origin& o, Inventory& inv) {
         CloudDatabase& d = database(inv, q, o);
         if (!d.whitelist) d.whitelist.emplace();
         for (auto& ip : split(text(it, "SecurityIPList"))) d.whitelist->push_back(ip);
       }},
      {"DescribeDBInstanceNetInfo", {"DBInstanceNetInfos", "DBInstanceNetInfo"}, true,
       [](const json& it, const std::string& q, const Origin& o, Inventory& inv) {
         CloudDatabase& d = database(inv, q, o);
         std::string type = text(it, "IPType");
         if (type == "Public") {
           d.public_host = text(it, "ConnectionString");
           d.public_ip = text(it, "IPAddress");
           d.public_port = number(it, "Port");
         } else if (type == "Private" || type == "Inner") {
           if (auto h = text(it, "ConnectionString"); !h.empty()) d.host = h;
           d.ip = text(it, "IPAddress");
           if (auto p = number(it, "Port")) d.port = p;
           if (auto v = text(it, "VPCId"); !v.empty()) d.vpc_id = v;
           if (auto v = text(it, "VSwitchId"); !v.empty()) d.vswitch_id = v;
         }
       }},
      {"DescribeCenAttachedChildInstances", {"ChildInstances", "ChildInstance"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudCenAttachment a;
         a.cen_id = text(it, "CenId");
         a.child_id = text(it, "ChildInstanceId");
         if (auto t = text(it, "ChildInstanceType"); !t.empty()) a.child_type = t;
         a.child_region = text(it, "ChildInstanceRegionId");
         a.child_owner = text(it, "ChildInstanceOwnerId");
         a.origin = o;
         if (!a.cen_id.empty() && !a.child_id.empty()) inv.cen_attachments.push_back(std::move(a));
       }},
      {"ListResourceGroups", {"PagingInfo", "ResourceGroupList"}, false,
       [](const json& it, const std::string& q, const Origin& o, Inventory& inv) {
         CloudDwGroup g;
         g.id = text(it, "Id");
         g.name = text(it, "Name");
         g.vpc_id = text(it, "DefaultVpcId");
         g.vswitch_id = text(it, "DefaultVswicthId");  // sic: the API's spelling
         if (g.vswitch_id.empty()) g.vswitch_id = text(it, "DefaultVswitchId");
         g.type_word = text(it, "ResourceGroupType");
         g.kind = g.type_word.empty() || g.type_word == "CommonV2" ? DwGroupKind::serverless
                  : g.type_word == "ExclusiveDataIntegration" ? DwGroupKind::exclusive
                                                              : DwGroupKind::other;
         g.region = qualifier_region(q);
         g.origin = o;
         if (!g.id.empty()) inv.dw_groups.push_back(std::move(g));
       }},
      {"ListNetworks", {"PagingInfo", "NetworkList"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudDwNetwork n{text(it, "Id"), text(it, "ResourceGroupId"), text(it, "VpcId"), text(it, "VswitchId"), o};
         if (!n.group_id.empty() && !n.vpc_id.empty()) inv.dw_networks.push_back(std::move(n));
       }},
      {"ListRoutes", {"PagingInfo", "RouteList"}, false,
       [](const json& it, const std::string&, const Origin& o, Inventory& inv) {
         CloudDwRoute r{text(it, "NetworkId"), text(it, "ResourceGroupId"), text(it, "DestinationCidr"), o};
         if (!r.destination.empty()) inv.dw_routes.push_back(std::move(r));
       }},
  };
  return table;
}

// DescribeSecurityGroupAttribute describes one group: its id at the top, its rules in a list.
void read_security_group(const json& doc, const Origin& o, Inventory& inv) {
  CloudSecurityGroup g;
  g.id = text(doc, "SecurityGroupId");
  g.vpc_id = text(doc, "VpcId");
  g.origin = o;
  if (const json* perms = member(member(&doc, "Permissions"), "Permission"); perms && perms->is_array()) {
    for (const auto& p : *perms) {
      CloudSecurityRule r;
      r.ingress = text(p, "Direction") != "egress";
      std::string policy = text(p, "Policy");
      r.accept = policy.empty() || policy == "Accept" || policy == "accept";
      r.protocol = text(p, "IpProtocol");
      std::string range = text(p, "PortRange");
      auto slash = range.find('/');
      try {
        r.port_from = std::stoi(range.substr(0, slash));
        r.port_to = slash == std::string::npos ? r.port_from : std::stoi(range.substr(slash + 1));
      } catch (...) {
        r.port_from = r.port_to = -1;
      }
      r.cidr = text(p, "SourceCidrIp");
      r.origin = o;
      if (!r.cidr.empty()) g.rules.push_back(std::move(r));
    }
  }
  if (!g.id.empty()) inv.security_groups.push_back(std::move(g));
}

}  // namespace

const std::vector<std::string>& aliyun_calls() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& c : calls()) n.push_back(c.name);
    return n;
  }();
  return names;
}

bool read_aliyun_response(const std::string& call_name, const std::string& qualifier, const std::string& text_in,
                          const std::string& file, Inventory& inv, Diagnostics& d) {
  const Call* call = nullptr;
  for (const auto& c : calls())
    if (call_name == c.name) call = &c;
  if (!call) {
    std::string hint = nearest(call_name, aliyun_calls());
    d.warning({file, 0, 0}, "unknown-api-call",
              "`" + call_name + "` is not a call syncpath reads" + (hint.empty() ? "" : " (did you mean " + hint + "?)") +
                  "; the file is skipped (name each file after its call, e.g. DescribeVSwitches.json)");
    return true;
  }
  auto parsed = detail::parse_json(text_in, file, "save what `aliyun " + call_name + "` prints", d);
  if (!parsed) return false;
  const json& doc = *parsed;
  if (!doc.is_object()) {
    d.error({file, 1, 1}, "not-an-api-response", "not a " + call_name + " response: the JSON is not an object");
    return false;
  }
  if (member(&doc, "Code") && member(&doc, "Message") && !member(&doc, call->path[0])) {
    d.error({file, 1, 1}, "api-error-response",
            "the call failed: " + text(doc, "Code") + ": " + text(doc, "Message") + "; run it again and save a successful response");
    return false;
  }
  Origin o{call_name, "", {file, 0, 0}, ""};
  if (call->per_instance && qualifier.empty()) {
    d.error({file, 0, 0}, "missing-instance-id",
            call_name + " responses do not name their instance: name the file " + call_name + ".<instance id>.json");
    return false;
  }
  if (!call->read) {  // DescribeSecurityGroupAttribute
    if (!member(&doc, "SecurityGroupId")) {
      d.error({file, 1, 1}, "not-an-api-response", "not a " + call_name + " response: no SecurityGroupId");
      return false;
    }
    read_security_group(doc, o, inv);
    ++inv.resources;
    return true;
  }
  const json* list = &doc;
  std::string where;
  for (const char* key : call->path) {
    where += (where.empty() ? "" : ".") + std::string(key);
    list = member(list, key);
    if (!list) break;
  }
  if (!list || !list->is_array()) {
    d.error({file, 1, 1}, "not-an-api-response", "not a " + call_name + " response: no list at " + where);
    return false;
  }
  for (const auto& item : *list)
    if (item.is_object()) call->read(item, qualifier, o, inv);
  inv.resources += list->size();
  // A raw body is one page: say so when the call had more.
  const json* total = member(&doc, "TotalCount");
  if (!total) total = member(&doc, "TotalRecordCount");  // RDS's name for it
  if (!total) total = member(member(&doc, "PagingInfo"), "TotalCount");
  if (total && total->is_number() && total->get<long long>() > static_cast<long long>(list->size()))
    d.warning({file, 0, 0}, "incomplete-pages",
              call_name + ": this is one page (" + std::to_string(list->size()) + " of " + std::to_string(total->get<long long>()) +
                  " items); run the call with --pager to save all of them");
  if (const json* next = member(&doc, "NextToken"); next && next->is_string() && !next->get<std::string>().empty())
    d.warning({file, 0, 0}, "incomplete-pages",
              call_name + ": the response has a NextToken: more items follow; run it again with --NextToken and save each page");
  return true;
}

bool read_aliyun_dir(const std::string& dir, Inventory& inv, Diagnostics& d, ReadInfo& info) {
  namespace fs = std::filesystem;
  info.kind = "aliyun";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    d.error({dir, 0, 0}, "not-readable", "not a folder: give the folder that holds one JSON file per aliyun call");
    return false;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) {
    d.error({dir, 0, 0}, "not-readable", "cannot read the folder: " + ec.message());
    return false;
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    d.error({dir, 0, 0}, "no-input-files", "no *.json file in the folder; save one file per call, e.g. `aliyun vpc DescribeVpcs --pager > " + dir + "/DescribeVpcs.json`");
    return false;
  }
  bool ok = true;
  // Security groups and routes refer to VPCs and tables other files describe: read the VPC-level
  // files first so that later ones find them.
  std::stable_sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    auto rank = [](const fs::path& p) { return p.filename().string().rfind("DescribeVpcs", 0) == 0 ? 0 : 1; };
    return rank(a) < rank(b);
  });
  for (const auto& p : files) {
    std::string name = p.filename().string();
    std::string stem = name.substr(0, name.size() - 5);
    std::size_t end = 0;
    while (end < stem.size() && std::isalpha(static_cast<unsigned char>(stem[end]))) ++end;
    std::string call = stem.substr(0, end);
    std::string qualifier = stem.substr(end);
    qualifier.erase(0, qualifier.find_first_not_of(".-_"));
    std::ifstream in(p, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (!in && !in.eof()) {
      d.error({p.string(), 0, 0}, "not-readable", "cannot read the file");
      ok = false;
      continue;
    }
    ++info.files;
    ok = read_aliyun_response(call, qualifier, buf.str(), p.string(), inv, d) && ok;
  }
  return ok;
}

}  // namespace syncpath::import
