#include "assemble.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "readers.hpp"

namespace syncpath::import {

namespace {

const std::string kDefaultAccount = "main";

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// A placeholder host name that can never resolve (RFC 2606 reserves .invalid).
std::string placeholder_host(const std::string& id) {
  std::string out;
  for (char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '-';
  return out + ".pending.invalid";
}

int default_port(SourceType t) {
  switch (t) {
    case SourceType::mysql: return 3306;
    case SourceType::postgresql: return 5432;
    case SourceType::sqlserver: return 1433;
    case SourceType::oracle: return 1521;
    default: return 0;
  }
}

class Assembler {
 public:
  Assembler(const Inventory& inv, const Settings& s, Diagnostics& d) : inv_(inv), s_(s), d_(d) {}

  Assembled run() {
    index();
    read_networks();
    read_links();
    read_routes();
    read_nats();
    read_groups();
    read_sources();
    read_workspace();
    read_accounts();
    out_.topology.index();
    return std::move(out_);
  }

 private:
  void warn(const Origin& o, const char* code, const std::string& msg) {
    d_.warning(o.pos.file.empty() ? SourcePos{s_.input, 0, 0} : o.pos, code, msg);
  }
  static std::string what(const Origin& o) { return o.address.empty() ? o.label : o.address; }

  std::string account_of(const std::string& owner) {
    if (owner.empty()) {
      used_default_account_ = true;
      return s_.account.empty() ? kDefaultAccount : s_.account;
    }
    auto it = s_.owners.find(owner);
    return it == s_.owners.end() ? owner : it->second;
  }

  // --- indexes ---------------------------------------------------------------------------------
  void index() {
    for (const auto& t : inv_.route_tables) table_vpc_[t.id] = t.vpc_id;
    for (const auto& v : inv_.vpcs)
      if (!v.route_table_id.empty()) table_vpc_[v.route_table_id] = v.id;
    for (const auto& v : inv_.vswitches) vswitch_vpc_[v.id] = v.vpc_id;
  }

  Network* network(const std::string& id) {
    auto it = net_index_.find(id);
    return it == net_index_.end() ? nullptr : &out_.topology.networks[it->second];
  }
  bool known_network(const std::string& id) { return network(id) || s_.overlay_networks.count(id); }
  void add_network(Network n, const Origin& o, const std::string& comment) {
    net_index_[n.id] = out_.topology.networks.size();
    CloudRef& r = out_.refs.at(RefKind::network, n.id);
    r.source = o.label;
    r.address = o.address;
    if (n.id != o.address) r.id = n.id;
    if (!o.provider.empty()) r.attrs["provider"] = o.provider;
    if (!n.region.empty()) r.attrs["region"] = n.region;
    out_.comments["network:" + n.id] = comment;
    out_.topology.networks.push_back(std::move(n));
  }

  // --- networks ----------------------------------------------------------------------------------
  void read_networks() {
    for (const auto& v : inv_.vpcs) {
      if (network(v.id)) {
        warn(v.origin, "duplicate-resource", what(v.origin) + ": VPC " + v.id + " is described twice; the first is used");
        continue;
      }
      Network n;
      n.id = v.id;
      n.kind = NetworkKind::vpc;
      n.account = account_of(v.owner);
      n.region = v.region;
      for (const auto& c : v.cidrs) add_cidr(n, c, v.origin);
      if (n.cidrs.empty()) {
        warn(v.origin, "missing-value", what(v.origin) + ": VPC " + v.id + " has no CIDR block; it is left out");
        continue;
      }
      add_network(std::move(n), v.origin, v.origin.label);
      if (!v.route_table_id.empty()) out_.refs.at(RefKind::network, v.id).attrs["route_table_id"] = v.route_table_id;
    }
    for (std::size_t i = 0; i < inv_.secondary_cidrs.size(); ++i) {
      const auto& [vpc, block] = inv_.secondary_cidrs[i];
      const Origin& o = inv_.secondary_cidr_origins[i];
      if (Network* n = network(vpc)) add_cidr(*n, block, o);
      else warn(o, "dangling-reference", what(o) + ": its VPC " + vpc + " is not in the input; skipped");
    }
    for (const auto& t : inv_.route_tables)
      if (!t.custom && !t.vpc_id.empty())
        if (network(t.vpc_id)) out_.refs.at(RefKind::network, t.vpc_id).attrs["route_table_id"] = t.id;
    for (const auto& v : inv_.vswitches) {
      Network* n = network(v.vpc_id);
      if (!n) {
        warn(v.origin, "dangling-reference", what(v.origin) + ": vSwitch " + v.id + " belongs to VPC " + v.vpc_id + ", which the input does not describe; left out");
        continue;
      }
      auto cidr = Cidr::parse(v.cidr);
      if (!cidr) {
        warn(v.origin, "bad-value", what(v.origin) + ": vSwitch " + v.id + " has the CIDR '" + v.cidr + "'; left out");
        continue;
      }
      if (n->find_vswitch(v.id)) continue;
      if (n->region.empty() && !v.region.empty()) n->region = v.region;
      VSwitch s;
      s.id = v.id;
      s.zone = v.zone;
      s.cidr = *cidr;
      n->vswitches.push_back(std::move(s));
      CloudRef& r = out_.refs.at(RefKind::vswitch, v.id);
      r.source = v.origin.label;
      r.address = v.origin.address;
      if (v.id != v.origin.address) r.id = v.id;
      r.attrs["network"] = n->id;
      out_.comments["vswitch:" + v.id] = v.origin.label;
    }
    for (auto& n : out_.topology.networks) {
      if (!n.region.empty()) continue;
      n.region = s_.region;
      if (n.region.empty())
        region_pending_.push_back(n.id);
      else
        warn(origin_of_network(n.id), "import-default",
             "VPC " + n.id + ": the input does not say its region; taken to be " + n.region + " (--region)");
      out_.refs.at(RefKind::network, n.id).attrs["region"] = n.region;
    }
  }
  Origin origin_of_network(const std::string& id) {
    const CloudRef* r = out_.refs.find(RefKind::network, id);
    return r ? Origin{r->source, r->address, {}, ""} : Origin{};
  }

  void add_cidr(Network& n, const std::string& text, const Origin& o) {
    auto c = Cidr::parse(text);
    if (!c) {
      warn(o, "bad-value", what(o) + ": '" + text + "' is not a CIDR block; left out");
      return;
    }
    if (std::find(n.cidrs.begin(), n.cidrs.end(), *c) == n.cidrs.end()) n.cidrs.push_back(*c);
  }

  // --- links ------------------------------------------------------------------------------------
  void add_link(const std::string& id, LinkKind kind, const std::string& a, const std::string& b, const Origin& o,
                const std::map<std::string, std::string>& attrs) {
    if (a == b || !link_ids_.insert(id).second) return;
    Link l;
    l.id = id;
    l.kind = kind;
    l.between = {a, b};
    out_.topology.links.push_back(l);
    links_at_[a].push_back(out_.topology.links.size() - 1);
    links_at_[b].push_back(out_.topology.links.size() - 1);
    CloudRef& r = out_.refs.at(RefKind::link, id);
    r.source = o.label;
    r.address = o.address;
    r.attrs = attrs;
    out_.comments["link:" + id] = o.label;
  }

  // The data center network a VBR or a customer gateway stands for (made on first use).
  std::string data_center(const std::string& id, const std::vector<std::string>& cidrs, const Origin& o, const std::string& comment) {
    if (Network* n = network(id)) {
      for (const auto& c : cidrs) add_cidr(*n, c, o);
      return id;
    }
    Network n;
    n.id = id;
    n.kind = NetworkKind::data_center;
    for (const auto& c : cidrs) add_cidr(n, c, o);
    if (n.cidrs.empty() && !s_.overlay_networks.count(id)) {
      warn(o, "missing-value", what(o) + ": the data center behind it has no known address range; give network '" + id +
                                   "' a `cidr` in an overlay to plan through it");
      return "";
    }
    add_network(std::move(n), o, comment);
    return id;
  }

  void read_links() {
    // CEN: every two members of one CEN are joined by a link of kind cen (it carries routes).
    std::map<std::string, std::vector<std::pair<std::string, Origin>>> members;
    std::vector<std::string> cen_order;
    for (const auto& a : inv_.cen_attachments) {
      if (!members.count(a.cen_id)) cen_order.push_back(a.cen_id);
      std::string child = a.child_id;
      if (a.child_type == "VBR") child = vbr_network(a.child_id, a.origin);
      if (child.empty()) continue;
      if (!known_network(child)) {
        warn(a.origin, "dangling-reference", what(a.origin) + ": CEN " + a.cen_id + " attaches " + a.child_id +
                                                  ", which the input does not describe (another account's VPC?); describe it in an overlay to plan through it");
        continue;
      }
      if (Network* n = network(child); n && n->kind == NetworkKind::vpc) {
        if (!a.child_owner.empty()) n->account = account_of(a.child_owner);
        if (n->region.empty() && !a.child_region.empty()) n->region = a.child_region;
      }
      auto& list = members[a.cen_id];
      bool dup = false;
      for (const auto& [m, o] : list) dup = dup || m == child;
      if (!dup) list.emplace_back(child, a.origin);
      out_.refs.at(RefKind::network, child).attrs["cen_id"] = a.cen_id;
    }
    // A CEN of many members would take a link per pair (quadratic): past kMeshMembers, the links
    // run from the VPCs resource groups are attached to (where every path starts) to each member.
    constexpr std::size_t kMeshMembers = 16;
    std::unordered_set<std::string> hubs;
    for (const auto& g : inv_.dw_groups) hubs.insert(g.vpc_id);
    for (const auto& n : inv_.dw_networks) hubs.insert(n.vpc_id);
    for (const auto& cen : cen_order) {
      const auto& list = members[cen];
      bool mesh = list.size() <= kMeshMembers;
      if (!mesh)
        warn(list.front().second, "large-cen", "CEN " + cen + " joins " + std::to_string(list.size()) +
                                                   " networks: links are written from the resource groups' VPCs to every member, not between every two");
      for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = 0; j < list.size(); ++j) {
          if (i == j || (mesh && j < i)) continue;
          if (!mesh && !hubs.count(list[i].first)) continue;
          if (!mesh && hubs.count(list[j].first) && j < i) continue;  // two hubs: one link
          std::string id = list.size() == 2 ? cen : cen + "/" + list[i].first + "/" + list[j].first;
          Origin o = list[j].second;
          o.label = list[i].second.label + ", " + list[j].second.label;
          add_link(id, LinkKind::cen, list[i].first, list[j].first, o, {{"cen_id", cen}});
        }
    }
    for (const auto& p : inv_.peerings) {
      for (const auto& end : {p.vpc_id, p.peer_vpc_id})
        if (!known_network(end)) warn(p.origin, "dangling-reference", what(p.origin) + ": the peered VPC " + end + " is not in the input; describe it in an overlay to plan through it");
      if (!known_network(p.vpc_id) || !known_network(p.peer_vpc_id)) continue;
      if (Network* n = network(p.peer_vpc_id); n && !p.peer_owner.empty()) n->account = account_of(p.peer_owner);
      add_link(p.id, LinkKind::vpc_peering, p.vpc_id, p.peer_vpc_id, p.origin, {{"peer_id", p.id}});
    }
    // VPN: each connection joins its gateway's VPC and the data center of its customer gateway.
    for (const auto& c : inv_.vpn_connections) {
      std::string vpc = vpn_gateway_vpc(c.gateway_id);
      if (vpc.empty() || !known_network(vpc)) {
        warn(c.origin, "dangling-reference", what(c.origin) + ": the VPC of VPN gateway " + c.gateway_id +
                                                  " is not known (add DescribeVpnGateways, or the alicloud_vpn_gateway); skipped");
        continue;
      }
      std::vector<std::string> remote;
      for (const auto& other : inv_.vpn_connections)
        if (other.customer_gateway_id == c.customer_gateway_id)
          for (const auto& r : other.remote_subnets) remote.push_back(r);
      std::string label = c.customer_gateway_id;
      for (const auto& g : inv_.customer_gateways)
        if (g.id == c.customer_gateway_id) label = g.origin.label;
      std::string dc = data_center(c.customer_gateway_id.empty() ? c.id + "-peer" : c.customer_gateway_id, remote, c.origin, label);
      if (dc.empty()) continue;
      add_link(c.id, LinkKind::vpn_gateway, vpc, dc, c.origin, {{"vpn_gateway_id", c.gateway_id}, {"customer_gateway_id", c.customer_gateway_id}});
      vpn_links_[c.gateway_id].push_back(c.id);
      // The customer gateway routes the connection's local subnets into the tunnel (an IPsec
      // policy names them on both sides): the data center's way back.
      if (Network* n = network(dc))
        for (const auto& local : c.local_subnets)
          if (auto cidr = Cidr::parse(local)) add_route(*n, *cidr, c.id, c.origin.label + " (local_subnet)");
    }
    // Express Connect: a VBR is the cloud end of a leased line; its data center's ranges are the
    // destinations of its own route table.
    for (const auto& v : inv_.vbrs) vbr_network(v.id, v.origin);
  }

  std::string vbr_network(const std::string& vbr_id, const Origin& o) {
    if (auto it = vbr_dc_.find(vbr_id); it != vbr_dc_.end()) return it->second;
    std::vector<std::string> cidrs;
    std::string table;
    Origin vo = o;
    for (const auto& v : inv_.vbrs)
      if (v.id == vbr_id) {
        table = v.route_table_id;
        vo = v.origin;
      }
    for (const auto& e : inv_.route_entries)
      if (!table.empty() && e.route_table_id == table && !e.system) cidrs.push_back(e.destination);
    std::string dc = data_center("idc-" + vbr_id, cidrs, vo, vo.label);
    vbr_dc_[vbr_id] = dc;
    return dc;
  }

  std::string vpn_gateway_vpc(const std::string& gateway) {
    for (const auto& g : inv_.vpn_gateways)
      if (g.id == gateway && !g.vpc_id.empty()) return g.vpc_id;
    for (const auto& e : inv_.route_entries)
      if (e.next_hop_type == "VpnGateway" && e.next_hop_id == gateway) return vpc_of_entry(e);
    return "";
  }

  std::string vpc_of_entry(const CloudRouteEntry& e) {
    if (!e.vpc_id.empty()) return e.vpc_id;
    auto it = table_vpc_.find(e.route_table_id);
    return it == table_vpc_.end() ? "" : it->second;
  }

  // --- routes -----------------------------------------------------------------------------------
  void add_route(Network& n, const Cidr& dest, const std::string& link, const std::string& comment) {
    for (const auto& r : n.routes)
      if (r.destination == dest) return;  // one next hop per destination (the first listed)
    Route r;
    r.destination = dest;
    r.via = link;
    n.routes.push_back(r);
    out_.comments["route:" + n.id + "|" + dest.str()] = comment;
  }

  // The link of `candidates` whose far end (from `net`) holds `dest`, else the only candidate.
  std::string pick_link(const std::string& net, const std::vector<std::size_t>& candidates, const Cidr& dest) {
    for (auto i : candidates) {
      const Link& l = out_.topology.links[i];
      const Network* far = network(std::string(l.other_end(net)));
      if (!far) continue;
      for (const auto& c : far->cidrs)
        if (c.contains(dest) || dest.contains(c)) return l.id;
    }
    return candidates.size() == 1 ? out_.topology.links[candidates.front()].id : "";
  }

  void read_routes() {
    auto entry_route = [&](const std::string& vpc, const std::string& dest_text, const std::string& type, const std::string& hop,
                           const Origin& o) {
      Network* n = network(vpc);
      if (!n) return;
      auto dest = Cidr::parse(dest_text, false);
      if (!dest) {
        warn(o, "bad-value", what(o) + ": '" + dest_text + "' is not a CIDR block; the route is left out");
        return;
      }
      if (type == "NatGateway" || type == "Instance" || type == "HaVip" || type == "NetworkInterface" || type == "IPv6Gateway" ||
          type == "Ipv4Gateway" || type == "GatewayEndpoint") {
        if (type != "NatGateway")
          warn(o, "skipped-route", what(o) + ": the route " + dest->str() + " via " + type + " " + hop +
                                       " does not lead over a link (syncpath models routes between networks); skipped");
        return;
      }
      std::vector<std::size_t> candidates;
      for (auto i : links_at_[vpc]) {
        const Link& l = out_.topology.links[i];
        const CloudRef* ref = out_.refs.find(RefKind::link, l.id);
        bool match = false;
        if (type == "VpnGateway") match = l.kind == LinkKind::vpn_gateway && ref && ref->attr("vpn_gateway_id") == hop;
        else if (type == "VpcPeer") match = l.kind == LinkKind::vpc_peering && l.id == hop;
        else if (type == "Attachment" || type == "Tr" || type == "TransitRouter") match = l.kind == LinkKind::cen;
        else match = l.id == hop || l.kind == LinkKind::express_connect || (l.kind == LinkKind::cen && vbr_dc_.count(hop));
        if (match) candidates.push_back(i);
      }
      if (type == "VirtualBorderRouter" || type == "RouterInterface" || vbr_dc_.count(hop)) {
        std::string dc = vbr_dc_.count(hop) ? vbr_dc_[hop] : "";
        bool cen = false;
        for (auto i : candidates) cen = cen || out_.topology.links[i].kind == LinkKind::cen;
        if (!dc.empty() && !cen) {
          add_link(hop, LinkKind::express_connect, vpc, dc, o, {{"vbr_id", hop}});
          candidates.push_back(out_.topology.links.size() - 1);
        }
      }
      std::string link = pick_link(vpc, candidates, *dest);
      if (link.empty()) {
        warn(o, "skipped-route", what(o) + ": the route " + dest->str() + " via " + (type.empty() ? "?" : type) + " " + hop +
                                     " leads over no connection the input describes; skipped");
        return;
      }
      add_route(*n, *dest, link, o.label);
    };
    for (const auto& e : inv_.route_entries) {
      if (e.system) continue;
      std::string vpc = vpc_of_entry(e);
      if (vpc.empty()) continue;  // a VBR's own table, or a table the input does not describe
      entry_route(vpc, e.destination, e.next_hop_type, e.next_hop_id, e.origin);
    }
    for (const auto& v : inv_.vpn_routes) {
      if (!v.publish_vpc) continue;
      std::string vpc = vpn_gateway_vpc(v.gateway_id);
      auto dest = Cidr::parse(v.destination, false);
      Network* n = network(vpc);
      if (!n || !dest) continue;
      for (const auto& link : vpn_links_[v.gateway_id])
        if (link == v.next_hop || vpn_links_[v.gateway_id].size() == 1) add_route(*n, *dest, link, v.origin.label);
    }
  }

  // --- Internet NAT -------------------------------------------------------------------------------
  void read_nats() {
    for (const auto& nat : inv_.nats) {
      if (!nat.internet) continue;
      Network* n = network(nat.vpc_id);
      if (!n) {
        warn(nat.origin, "dangling-reference", what(nat.origin) + ": its VPC " + nat.vpc_id + " is not in the input; skipped");
        continue;
      }
      if (n->internet_nat) continue;
      const CloudSnatEntry* snat = nullptr;
      for (const auto& e : inv_.snat_entries)
        if ((!e.snat_table_id.empty() && e.snat_table_id == nat.snat_table_id) || (!e.nat_id.empty() && e.nat_id == nat.id)) {
          snat = &e;
          break;
        }
      out_.refs.at(RefKind::network, n->id).attrs["nat_gateway_id"] = nat.id;
      if (!nat.snat_table_id.empty()) out_.refs.at(RefKind::network, n->id).attrs["snat_table_id"] = nat.snat_table_id;
      if (!snat) {
        warn(nat.origin, "no-snat", what(nat.origin) + ": the NAT gateway has no SNAT entry, so it gives " + n->id +
                                        " no Internet egress; left out (the plan will ask for one)");
        continue;
      }
      std::string vswitch = nat.vswitch_id;
      if (!n->find_vswitch(vswitch)) vswitch = snat->source_vswitch_id;
      if (!n->find_vswitch(vswitch) && !n->vswitches.empty()) vswitch = n->vswitches.front().id;
      if (!n->find_vswitch(vswitch)) {
        warn(nat.origin, "missing-value", what(nat.origin) + ": no vSwitch of " + n->id + " is known for the NAT gateway; left out");
        continue;
      }
      InternetNat in;
      in.vswitch = vswitch;
      std::vector<std::string> ips = snat->snat_ips;
      if (ips.empty()) {  // the EIPs bound to the gateway
        for (const auto& a : inv_.eip_associations)
          if (a.instance_id == nat.id)
            for (const auto& e : inv_.eips)
              if (e.id == a.allocation_id && !e.ip.empty()) ips.push_back(e.ip);
        for (const auto& e : inv_.eips)
          if (e.instance_id == nat.id && !e.ip.empty()) ips.push_back(e.ip);
        for (const auto& ip : nat.eips) ips.push_back(ip);
      }
      for (const auto& ip : ips)
        if (auto a = Ipv4::parse(ip)) {
          in.snat_eip = a;
          break;
        }
      if (!in.snat_eip)
        warn(snat->origin, "unknown-value", what(snat->origin) + ": the SNAT entry's address is not known; the NAT's egress address is left out");
      n->internet_nat = in;
      out_.comments["nat:" + n->id] = nat.origin.label + ", " + snat->origin.label;
    }
  }

  // --- resource groups ---------------------------------------------------------------------------
  void read_groups() {
    std::unordered_map<std::string, std::size_t> dw_network_index;  // DataWorks network id -> group index
    for (const auto& g : inv_.dw_groups) {
      if (g.kind == DwGroupKind::other) {
        warn(g.origin, "unsupported-resource", what(g.origin) + ": resource group " + g.id + " is of type " + g.type_word +
                                                   ", not one that runs sync tasks; skipped");
        continue;
      }
      ResourceGroup rg;
      rg.id = g.id;
      rg.kind = g.kind == DwGroupKind::exclusive ? GroupKind::exclusive : GroupKind::serverless;
      const Network* vpc = network(g.vpc_id);
      rg.region = vpc ? vpc->region : g.region;
      if (vpc) {
        attach(rg, g.vpc_id, g.vswitch_id, g.origin);
        if (group_vpc_region_.empty()) group_vpc_region_ = vpc->region;
        if (group_account_.empty()) group_account_ = vpc->account;
      } else if (!g.vpc_id.empty()) {
        warn(g.origin, "dangling-reference", what(g.origin) + ": its default VPC " + g.vpc_id + " is not in the input; the group is left unattached");
      }
      CloudRef& r = out_.refs.at(RefKind::group, rg.id);
      r.source = g.origin.label;
      r.address = g.origin.address;
      if (g.id != g.origin.address) r.id = g.id;
      if (!rg.region.empty()) r.attrs["region"] = rg.region;
      out_.comments["group:" + rg.id] = g.origin.label;
      if (!g.vpc_id.empty()) out_.comments["attachment:" + rg.id + "/" + g.vpc_id] = g.origin.label + " (default VPC)";
      out_.topology.resource_groups.push_back(std::move(rg));
    }
    auto find_group = [&](const std::string& id) -> ResourceGroup* {
      for (auto& g : out_.topology.resource_groups)
        if (g.id == id) return &g;
      return nullptr;
    };
    for (const auto& n : inv_.dw_networks) {
      ResourceGroup* g = find_group(n.group_id);
      if (!g) {
        warn(n.origin, "dangling-reference", what(n.origin) + ": its resource group " + n.group_id + " is not in the input; skipped");
        continue;
      }
      if (!network(n.vpc_id)) {
        warn(n.origin, "dangling-reference", what(n.origin) + ": its VPC " + n.vpc_id + " is not in the input; skipped");
        continue;
      }
      attach(*g, n.vpc_id, n.vswitch_id, n.origin);
      out_.refs.at(RefKind::attachment, g->id + "/" + n.vpc_id).attrs["network_id"] = n.id;
      out_.refs.at(RefKind::attachment, g->id + "/" + n.vpc_id).address = n.origin.address;
      if (!out_.comments.count("attachment:" + g->id + "/" + n.vpc_id)) out_.comments["attachment:" + g->id + "/" + n.vpc_id] = n.origin.label;
      dw_network_index[n.id] = static_cast<std::size_t>(g - out_.topology.resource_groups.data());
      dw_network_vpc_[n.id] = n.vpc_id;
    }
    for (const auto& r : inv_.dw_routes) {
      auto gi = dw_network_index.find(r.network_id);
      ResourceGroup* g = gi != dw_network_index.end() ? &out_.topology.resource_groups[gi->second] : find_group(r.group_id);
      std::string vpc = dw_network_vpc_.count(r.network_id) ? dw_network_vpc_[r.network_id] : "";
      if (!g || vpc.empty()) {
        warn(r.origin, "dangling-reference", "ListRoutes: the route " + r.destination + " belongs to network " + r.network_id +
                                                 ", which ListNetworks does not list; skipped");
        continue;
      }
      auto dest = Cidr::parse(r.destination, false);
      if (!dest) continue;
      bool dup = false;
      for (const auto& gr : g->routes) dup = dup || gr.destination == *dest;
      if (dup) continue;
      // The route every network gets to its own vSwitch is the attachment itself, not a route.
      const Network* n = network(vpc);
      bool own = false;
      for (const auto& a : g->attachments)
        if (a.network == vpc && n)
          if (const VSwitch* v = n->find_vswitch(a.vswitch); v && v->cidr == *dest) own = true;
      if (own) continue;
      g->routes.push_back({*dest, vpc, {}});
      out_.comments["grouproute:" + g->id + "|" + dest->str()] = r.origin.label;
    }
  }

  void attach(ResourceGroup& g, const std::string& vpc, const std::string& vswitch, const Origin& o) {
    for (const auto& a : g.attachments)
      if (a.network == vpc) return;
    Attachment a;
    a.network = vpc;
    const Network* n = network(vpc);
    if (n && n->find_vswitch(vswitch)) {
      a.vswitch = vswitch;
    } else if (!vswitch.empty()) {
      warn(o, "dangling-reference", what(o) + ": vSwitch " + vswitch + " is not one of " + vpc + "'s known vSwitches; attached to the VPC without it");
    }
    a.scope = AttachScope::vpc;
    g.attachments.push_back(a);
    CloudRef& r = out_.refs.at(RefKind::attachment, g.id + "/" + vpc);
    r.source = o.label;
  }

  // --- data sources ----------------------------------------------------------------------------
  const Network* network_of_vswitch(const std::string& vsw) {
    auto it = vswitch_vpc_.find(vsw);
    return it == vswitch_vpc_.end() ? nullptr : network(it->second);
  }

  void read_sources() {
    for (const auto& db : inv_.databases) {
      const Origin& o = db.origin;
      std::string type_word = source_type_of_engine(db.engine);
      if (db.engine.empty()) {
        warn(o, "missing-value", what(o) + ": the engine of " + db.id + " is not known (include DescribeDBInstances); left out");
        continue;
      }
      auto type = parse_enum<SourceType>(type_word);
      if (!type) {
        warn(o, "unsupported-value", what(o) + ": engine " + db.engine + " is not a type syncpath syncs; left out");
        continue;
      }
      const Network* net = network(db.vpc_id);
      if (!net) net = network_of_vswitch(db.vswitch_id);
      if (!net) {
        warn(o, "dangling-reference", what(o) + ": " + db.id + " is in no VPC the input describes; left out");
        continue;
      }
      DataSource s;
      s.name = db.id;
      s.type = *type;
      s.instance_kind = InstanceKind::rds;
      if (db.id != o.address) s.instance_id = db.id;
      s.network = net->id;
      if (net->find_vswitch(db.vswitch_id)) s.vswitch = db.vswitch_id;
      Endpoint e;
      e.host = db.host;
      if (auto ip = Ipv4::parse(db.ip)) e.ip = check_address(*net, s.vswitch, *ip, o, db.id);
      e.port = db.port ? db.port : default_port(*type);
      if (e.host.empty() && !e.ip) {
        e.host = placeholder_host(db.id);
        warn(o, "unknown-value", what(o) + ": the connection address is not known until apply; the endpoint's host is the placeholder " +
                                     e.host + " (the plan uses the vSwitch's CIDR)");
      }
      s.endpoint = e;
      for (const auto& c : inv_.db_connections)
        if (c.instance_id == db.id && (!c.host.empty() || Ipv4::parse(c.ip))) {
          Endpoint p;
          p.host = c.host;
          p.ip = Ipv4::parse(c.ip);
          p.port = c.port ? c.port : e.port;
          s.public_endpoint = p;
          out_.comments["public:" + s.name] = c.origin.label;
        }
      if (!s.public_endpoint && (!db.public_host.empty() || Ipv4::parse(db.public_ip))) {
        Endpoint p;
        p.host = db.public_host;
        p.ip = Ipv4::parse(db.public_ip);
        p.port = db.public_port ? db.public_port : e.port;
        s.public_endpoint = p;
      }
      if (db.whitelist) {
        std::vector<Cidr> wl;
        for (const auto& w : *db.whitelist) {
          auto c = Cidr::parse(w, false);
          if (!c) {
            warn(o, "bad-value", what(o) + ": the whitelist entry '" + w + "' is not an address or CIDR block; left out");
            continue;
          }
          if (std::find(wl.begin(), wl.end(), *c) == wl.end()) wl.push_back(*c);
        }
        s.whitelist = wl;
      } else {
        warn(o, "unknown-value", what(o) + ": the whitelist of " + db.id + " is not in the input (" +
                                     (o.address.empty() ? "include DescribeDBInstanceIPArrayList." + db.id + ".json" : "security_ips") +
                                     "); left out");
      }
      CloudRef& r = out_.refs.at(RefKind::source, s.name);
      r.source = o.label;
      r.address = o.address;
      r.id = s.instance_id;
      r.attrs["kind"] = db.kind == DatabaseKind::polardb ? "polardb" : "rds";
      r.attrs["region"] = net->region;
      out_.comments["source:" + s.name] = o.label;
      out_.topology.data_sources.push_back(std::move(s));
    }
    for (const auto& h : s_.hosted_sources) hosted_source(h);
  }

  std::optional<Ipv4> check_address(const Network& net, const std::string& vswitch, Ipv4 ip, const Origin& o, const std::string& id) {
    if (!net.contains(ip)) {
      warn(o, "bad-value", what(o) + ": " + id + "'s address " + ip.str() + " is outside " + net.id + "; left out");
      return std::nullopt;
    }
    if (const VSwitch* v = net.find_vswitch(vswitch); v && !v->cidr.contains(ip)) {
      warn(o, "bad-value", what(o) + ": " + id + "'s address " + ip.str() + " is outside its vSwitch " + vswitch + "; left out");
      return std::nullopt;
    }
    return ip;
  }

  // A source the overlay hosts on an instance of the input: network, address and security group.
  void hosted_source(const HostedSource& h) {
    const CloudEcs* ecs = nullptr;
    for (const auto& e : inv_.ecs)
      if (e.id == h.instance_id || e.origin.address == h.instance_id) ecs = &e;
    if (!ecs) return;  // the overlay describes it whole (or the loader will say what is missing)
    const Network* net = network_of_vswitch(ecs->vswitch_id);
    if (!net) net = network(ecs->vpc_id);
    if (!net) {
      warn(ecs->origin, "dangling-reference", what(ecs->origin) + ": instance " + ecs->id + " of data source " + h.name + " is in no VPC the input describes");
      return;
    }
    auto type = parse_enum<SourceType>(h.type);
    if (!type) return;
    DataSource s;
    s.name = h.name;
    s.type = *type;
    s.instance_kind = InstanceKind::ecs;
    if (ecs->id != ecs->origin.address) s.instance_id = ecs->id;
    s.network = net->id;
    if (net->find_vswitch(ecs->vswitch_id)) s.vswitch = ecs->vswitch_id;
    Endpoint e;
    if (auto ip = Ipv4::parse(ecs->private_ip)) e.ip = check_address(*net, s.vswitch, *ip, ecs->origin, ecs->id);
    e.port = h.port ? h.port : default_port(*type);
    if (!e.ip) e.host = placeholder_host(ecs->id);
    s.endpoint = e;
    std::vector<SecurityRule> rules;
    std::string first_group;
    for (const auto& sg : ecs->security_groups) {
      if (first_group.empty()) first_group = sg;
      std::vector<CloudSecurityRule> all;
      for (const auto& g : inv_.security_groups)
        if (g.id == sg) all.insert(all.end(), g.rules.begin(), g.rules.end());
      for (const auto& r : inv_.security_group_rules)
        if (r.security_group_id == sg) all.push_back(r.rule);
      for (const auto& r : all) {
        if (!r.ingress || !r.accept) continue;
        auto cidr = Cidr::parse(r.cidr, false);
        if (!cidr) continue;
        std::string proto;
        for (char c : r.protocol) proto += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        SecurityRule sr;
        sr.source = *cidr;
        if (proto == "all" || r.port_from == -1) {
          sr.protocol = "all";
          sr.port = 0;
        } else if (proto == "tcp" || proto == "udp") {
          sr.protocol = proto;
          if (r.port_from <= e.port && e.port <= r.port_to) sr.port = e.port;
          else if (r.port_from == r.port_to && r.port_from > 0) sr.port = r.port_from;
          else continue;  // a range without the source's port admits nothing the plan asks about
        } else {
          continue;
        }
        rules.push_back(sr);
      }
    }
    s.security_group = rules;
    CloudRef& r = out_.refs.at(RefKind::source, s.name);
    r.source = ecs->origin.label;
    r.address = ecs->origin.address;
    r.id = s.instance_id;
    r.attrs["kind"] = "ecs";
    r.attrs["region"] = net->region;
    if (!first_group.empty()) r.attrs["security_group_id"] = first_group;
    for (const auto& g : inv_.security_groups)
      if (g.id == first_group && !g.origin.address.empty()) r.attrs["security_group_address"] = g.origin.address;
    out_.comments["source:" + s.name] = ecs->origin.label + " (instance of the overlay's data source)";
    out_.topology.data_sources.push_back(std::move(s));
    out_.ecs_sources.push_back(h.name);
  }

  // --- workspace and accounts ------------------------------------------------------------------
  void read_workspace() {
    Workspace& w = out_.topology.workspace;
    auto& c = out_.comments;
    std::vector<std::string> regions;
    for (const auto& n : out_.topology.networks)
      if (n.kind == NetworkKind::vpc && !n.region.empty() && !has(regions, n.region)) regions.push_back(n.region);
    w.name = s_.workspace_name;
    if (w.name.empty()) {
      w.name = "imported";
      d_.warning({s_.input, 0, 0}, "import-default", "the workspace's name is not in the input; it is called 'imported' (--workspace or the overlay's workspace.name)");
      c["workspace.name"] = "default: --workspace or an overlay names it";
    }
    w.region = s_.workspace_region;
    if (w.region.empty() && !group_vpc_region_.empty()) {
      w.region = group_vpc_region_;
      d_.warning({s_.input, 0, 0}, "import-default", "the workspace's region is taken to be " + w.region + ", that of the DataWorks resource group's VPC (--workspace-region)");
      c["workspace.region"] = "default: the region of the DataWorks resource group's VPC";
    }
    if (w.region.empty() && regions.size() == 1) {
      w.region = regions.front();
      d_.warning({s_.input, 0, 0}, "import-default", "the workspace's region is taken to be " + w.region + ", the only region in the input (--workspace-region)");
      c["workspace.region"] = "default: the only region in the input";
    }
    if (w.region.empty() && !regions.empty()) {
      w.region = regions.front();
      d_.warning({s_.input, 0, 0}, "import-default", "the input spans " + join(regions) + " and no DataWorks resource group says which is the workspace's; " +
                                                         w.region + " is taken (--workspace-region)");
      c["workspace.region"] = "default: the first of " + join(regions);
    }
    if (w.region.empty()) w.region = s_.region;
    if (w.region.empty()) {
      d_.error({s_.input, 0, 0}, "no-region", "no region is known for the workspace: give --workspace-region (or --region)");
      w.region = "unknown";
    }
    for (const auto& id : region_pending_) {
      if (Network* n = network(id)) {
        n->region = w.region;
        out_.refs.at(RefKind::network, id).attrs["region"] = w.region;
        warn(origin_of_network(id), "import-default", "VPC " + id + ": the input does not say its region; taken to be the workspace's, " + w.region + " (--region)");
      }
    }
    for (auto& g : out_.topology.resource_groups)
      if (g.region.empty()) g.region = w.region;
    w.account = s_.workspace_account;
    if (w.account.empty()) {
      w.account = !group_account_.empty() ? group_account_ : account_of("");
      c["workspace.account"] = !group_account_.empty() ? "default: the account of the DataWorks resource group's VPC" : "default: the account that stands for unknown owners";
    }
    if (!s_.edition.empty()) {
      w.edition = parse_enum<Edition>(s_.edition).value_or(Edition::basic);
    } else {
      w.edition = s_.overlay_custom_group ? Edition::professional : Edition::basic;
      d_.warning({s_.input, 0, 0}, "import-default", std::string("the workspace's edition is not in the input; taken to be ") +
                                                         (s_.overlay_custom_group ? "professional (the overlay has a custom resource group, which needs it)" : "basic") +
                                                         " (--edition)");
      c["workspace.edition"] = "default: --edition or the overlay's workspace.edition says it";
    }
    if (!s_.mode.empty()) w.mode = parse_enum<WorkspaceMode>(s_.mode).value_or(WorkspaceMode::basic);
  }

  void read_accounts() {
    std::vector<std::string> ids;
    auto add = [&](const std::string& id) {
      if (!id.empty() && !has(ids, id)) ids.push_back(id);
    };
    add(out_.topology.workspace.account);
    for (const auto& n : out_.topology.networks) add(n.account);
    for (const auto& [uid, id] : s_.owners) add(id);
    for (const auto& id : ids) out_.topology.accounts.push_back({id, {}});
    std::string def = s_.account.empty() ? kDefaultAccount : s_.account;
    if (used_default_account_) {
      if (s_.account.empty())
        d_.warning({s_.input, 0, 0}, "import-default",
                   "the input does not say who owns some resources; one account, '" + def + "', stands for all of them (--account, or `owners:` in an overlay)");
      out_.comments["account:" + def] = "stands for every resource whose owner the input does not say";
    }
  }

  const Inventory& inv_;
  const Settings& s_;
  Diagnostics& d_;
  Assembled out_;
  std::unordered_map<std::string, std::size_t> net_index_;
  std::unordered_set<std::string> link_ids_;
  std::unordered_map<std::string, std::string> table_vpc_, vswitch_vpc_, dw_network_vpc_;
  std::unordered_map<std::string, std::vector<std::size_t>> links_at_;
  std::unordered_map<std::string, std::vector<std::string>> vpn_links_;
  std::unordered_map<std::string, std::string> vbr_dc_;
  std::vector<std::string> region_pending_;
  std::string group_vpc_region_, group_account_;
  bool used_default_account_ = false;
};

}  // namespace

Assembled assemble(const Inventory& inv, const Settings& settings, Diagnostics& diags) {
  return Assembler(inv, settings, diags).run();
}

}  // namespace syncpath::import
