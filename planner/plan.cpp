#include "plan.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "graph.hpp"

namespace syncpath {

std::string_view status_name(PairStatus s) {
  switch (s) {
    case PairStatus::ready: return "ready";
    case PairStatus::needs_changes: return "needs_changes";
    case PairStatus::unsupported: return "unsupported";
  }
  return "?";
}

namespace {

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The block of `net` that holds `block` (its CIDR covering it), or nullopt.
std::optional<Cidr> covering_cidr(const Network& net, const Cidr& block) {
  for (const auto& c : net.cidrs)
    if (c.contains(block)) return c;
  return std::nullopt;
}

// The route of `routes` that carries traffic for `block` (longest prefix among those covering
// the whole block), or nullptr.
template <typename R>
const R* best_route(const std::vector<R>& routes, const Cidr& block) {
  const R* best = nullptr;
  for (const auto& r : routes)
    if (r.destination.contains(block) && (!best || r.destination.prefix() > best->destination.prefix())) best = &r;
  return best;
}

struct RuleInfo {
  std::vector<StepAction> actions;  // the rule's steps (known_steps(): the loader checked them)
  bool wants_path = false;          // the solution connects networks (it owes create_link)
  bool checks_whitelist = false;    // it owes add_whitelist
};

// A network the user runs outside the cloud: its routes are set on the user's own equipment.
bool own_network(const Network* n) {
  return n && (n->kind == NetworkKind::data_center || n->kind == NetworkKind::other_cloud);
}

// Where the group stands for one judgement: the network it starts from and its egress.
struct Origin {
  const Network* network = nullptr;
  const VSwitch* vswitch = nullptr;
  AttachScope scope = AttachScope::vpc;
  bool attached = false;        // an existing attachment (else proposed, or a custom host)
  bool new_vpc = false;         // network is the VPC create_vpc proposes (not in the topology)
};

class Planner {
 public:
  Planner(const Topology& t, const Rules& rules) : t_(t), rules_(rules), graph_(t) {
    // Each source's network, looked up once (millions of pairs would otherwise hash ids).
    source_networks_.reserve(t.data_sources.size());
    for (const auto& s : t.data_sources) source_networks_.push_back(t.find_network(s.network));
    // Each rule's step actions as an enum, read once (not compared as strings per pair).
    for (const auto& r : rules_.solutions) {
      RuleInfo& info = rule_info_.emplace_back();
      for (const auto& a : r.steps)
        if (auto action = parse_step_action(a)) info.actions.push_back(*action);
      info.wants_path = has(r.steps, "create_link");
      info.checks_whitelist = has(r.steps, "add_whitelist");
    }
  }

  void plan_group(const ResourceGroup& g, const std::vector<const DataSource*>& sources,
                  const std::function<void(const PairPlan&)>& sink) {
    begin_group(g);
    for (std::size_t i = 0; i < sources.size(); ++i) sink(plan(*sources[i], i == 0));
  }

  // Plans one pair of the current group; the result is valid until the next call. `first`:
  // the first pair of the group that is planned.
  const PairPlan& plan(const DataSource& s, bool first) {
    plan_one(s, scratch_);
    scratch_.first_of_group = first;
    return scratch_;
  }

  // Asks the memory for what planning `s` will read, ahead of time: one group's pass over
  // 50,000 sources does not fit the caches, and a source's record, whitelist, network and
  // route table each cost a cache miss. `stage` 0 fetches the record itself; stage 1, some
  // sources later, follows its pointers (the record is in cache by then).
  void prefetch(const DataSource& s, int stage) const {
    if (stage == 0) {
      const char* p = reinterpret_cast<const char*>(&s);
      for (std::size_t off = 0; off < sizeof(DataSource); off += 64) __builtin_prefetch(p + off);
      return;
    }
    if (s.whitelist && !s.whitelist->empty()) __builtin_prefetch(s.whitelist->data());
    if (s.endpoint) __builtin_prefetch(s.endpoint->host.data());
    if (const Network* n = source_network(s)) {
      __builtin_prefetch(n);
      if (!n->routes.empty()) __builtin_prefetch(n->routes.data());
      if (!n->cidrs.empty()) __builtin_prefetch(n->cidrs.data());
      if (!n->vswitches.empty()) __builtin_prefetch(n->vswitches.data());
    }
  }

  // Prepares the per-group state every pair of `g` shares (searches, edition, region).
  void begin_group(const ResourceGroup& g) {
    if (group_ == &g) return;
    group_ = &g;
    kind_ = to_string(g.kind);
    // Groups are associated with VPCs of the workspace's region (the loader warns otherwise), and
    // create_vpc creates one there.
    region_ = t_.workspace.region;
    region_vpcs_ = region_vpcs();
    attached_.clear();
    for (const auto& a : g.attachments) {
      const Network* n = t_.find_network(a.network);
      attached_.push_back({n, n ? n->find_vswitch(a.vswitch) : nullptr});
    }
    host_networks_.clear();
    for (const auto& h : g.hosts) host_networks_.push_back(t_.find_network(h.network));
    rule_cache_.clear();
    standby_allowed_ = has(rules_.standby_groups, kind_) || !runs_tasks(g.purpose);
    // Each requirement's words for this group, made once (every pair says them).
    requirement_details_.clear();
    const std::string workspace_edition(to_string(t_.workspace.edition));
    for (const auto& req : rules_.requirements)
      requirement_details_.push_back(t_.workspace.edition >= req.edition
                                         ? "the workspace's " + workspace_edition + " edition allows " + kind_ +
                                               " resource groups"
                                         : kind_ + " resource groups need the " + std::string(to_string(req.edition)) +
                                               " edition or higher; the workspace has " + workspace_edition);
    reason_parts_.clear();
    // One breadth-first search per group (or per host): every source then walks its tree.
    searches_.clear();
    if (g.kind == GroupKind::custom) {
      for (const auto& h : g.hosts) {
        std::vector<std::size_t> start;
        if (auto i = net_index(h.network)) start.push_back(*i);
        searches_.push_back(graph_.search_from(start));
      }
    } else {
      std::vector<std::size_t> start;
      for (const auto& a : g.attachments)
        if (auto i = net_index(a.network)) start.push_back(*i);
      if (start.empty()) start = region_vpcs_;
      searches_.push_back(graph_.search_from(start));
    }
  }

  // The steps every pair of the current group shares (see group_steps()).
  std::vector<PlanStep> shared_steps() {
    Judgement j;
    used_ = 0;
    requirement_steps(j);
    j.steps.resize(used_);
    std::vector<PlanStep> out;
    for (auto& st : j.steps)
      if (st.group_level) out.push_back(std::move(st));
    return out;
  }

  void plan_one(const DataSource& s, PairPlan& p) {
    const ResourceGroup& g = *group_;
    p.resource_group = g.id;
    p.data_source = s.name;
    p.notes.clear();
    for (auto& a : p.alternatives) recycle(a.steps);
    p.alternatives.clear();
    for (auto& h : p.hosts) recycle(h.steps);
    p.hosts.clear();
    if (g.kind == GroupKind::custom && !g.hosts.empty()) {
      if (g.hosts.size() == 1) {
        judge(s, &g.hosts[0], 0, std::nullopt, p);
      } else {
        p.hosts.resize(g.hosts.size());
        std::size_t worst = 0;
        for (std::size_t h = 0; h < g.hosts.size(); ++h) {
          judge(s, &g.hosts[h], h, std::nullopt, p.hosts[h]);
          if (p.hosts[h].status > p.hosts[worst].status) worst = h;
        }
        static_cast<Judgement&>(p) = p.hosts[worst];
      }
    } else {
      judge(s, nullptr, 0, std::nullopt, p);
    }
    // Notes and alternatives.
    if (const SolutionRule* r = last_rule_) {
      for (const auto& n : r->notes) p.notes.push_back(n);
      const RuleInfo& info = rule_info_[static_cast<std::size_t>(r - rules_.solutions.data())];
      if (info.checks_whitelist && !s.whitelist && !has_default_whitelist(s.instance_kind))
        p.notes.emplace_back("whitelist_not_modelled");
    }
    if (s.security_group == std::nullopt && s.instance_kind == InstanceKind::ecs && p.relation != "local")
      p.notes.emplace_back("security_group_not_modelled");
    const std::string& alt = rules_.public_endpoint_alternative;
    if (!alt.empty() && s.public_endpoint && p.relation != alt) {
      Alternative a;
      std::size_t hosts = (g.kind == GroupKind::custom) ? std::max<std::size_t>(g.hosts.size(), 1) : 1;
      bool first = true;
      for (std::size_t h = 0; h < hosts; ++h) {
        Judgement j;
        judge(s, g.kind == GroupKind::custom && !g.hosts.empty() ? &g.hosts[h] : nullptr, h, alt, j);
        if (first || j.status > a.status) {
          a.solution = j.solution;
          a.relation = j.relation;
          a.status = j.status;
          a.reason = std::move(j.reason);
          a.steps = std::move(j.steps);
          a.egress_kind = j.egress_kind;
          a.egress = j.egress;
        }
        first = false;
      }
      p.alternatives.push_back(std::move(a));
    }
  }

 private:
  const Network* source_network(const DataSource& s) const {
    auto i = static_cast<std::size_t>(&s - t_.data_sources.data());
    return i < source_networks_.size() ? source_networks_[i] : t_.find_network(s.network);
  }

  // The network of `host`, one of the current group's hosts.
  const Network* host_network(const Host& host) const {
    auto i = static_cast<std::size_t>(&host - group_->hosts.data());
    return i < host_networks_.size() ? host_networks_[i] : t_.find_network(host.network);
  }

  std::optional<std::size_t> net_index(std::string_view id) const {
    const Network* n = t_.find_network(id);
    if (!n) return std::nullopt;
    return static_cast<std::size_t>(n - t_.networks.data());
  }

  // VPCs of the workspace's account and region: where an unattached group would go.
  std::vector<std::size_t> region_vpcs() const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < t_.networks.size(); ++i) {
      const auto& n = t_.networks[i];
      if (n.kind == NetworkKind::vpc && n.region == region_ && n.account == t_.workspace.account) out.push_back(i);
    }
    return out;
  }

  std::string_view relation_of(const DataSource& s, const Host* host) const {
    if (is_file_based(s.type) || s.network.empty()) return "local";
    if (s.network == kInternet) return "internet";
    const Network* n = source_network(s);
    if (!n) return "internet";  // the loader rejects unknown networks; be safe anyway
    std::string_view account = t_.workspace.account, region = t_.workspace.region;
    if (host) {
      if (host->network == s.network) return "same_network";
      if (const Network* hn = host_network(*host)) {
        if (!hn->account.empty()) account = hn->account;
        if (!hn->region.empty()) region = hn->region;
      }
    }
    switch (n->kind) {
      case NetworkKind::classic: return "classic";
      case NetworkKind::data_center:
      case NetworkKind::other_cloud: return "data_center";
      case NetworkKind::vpc: break;
    }
    std::string_view src_account = s.account.empty() ? std::string_view(n->account) : std::string_view(s.account);
    if (src_account != account) return "vpc_cross_account";
    if (n->region != region) return "vpc_cross_region";
    return "vpc_same_region";
  }

  // The address block a route or rg route must cover to reach the source.
  std::optional<Cidr> source_block(const DataSource& s, bool via_public) const {
    if (via_public) {
      if (s.public_endpoint && s.public_endpoint->ip) return Cidr::host(*s.public_endpoint->ip);
      return std::nullopt;
    }
    if (s.endpoint && s.endpoint->ip) return Cidr::host(*s.endpoint->ip);
    if (const Network* n = source_network(s)) {
      if (const VSwitch* v = n->find_vswitch(s.vswitch)) return v->cidr;
      if (!n->cidrs.empty()) return n->cidrs.front();
    }
    return std::nullopt;
  }

  static std::string_view link_kind_for(const Network& a, const Network& b) {
    if (a.kind == NetworkKind::vpc && b.kind == NetworkKind::vpc) return "cen";
    if (a.kind == NetworkKind::classic || b.kind == NetworkKind::classic) return "express_connect";
    return "vpn_gateway";
  }

  // A new step of `j` whose detail is `parts` (strings, CIDRs, numbers) put end to end. The
  // step overwrites one the same Judgement held for an earlier pair, or comes from spare_: its
  // strings keep their capacity, so millions of pairs do not allocate every detail anew.
  template <typename... Parts>
  PlanStep& add_step(Judgement& j, StepAction action, bool done, const Parts&... parts) {
    if (used_ == j.steps.size()) {
      if (spare_.empty()) {
        j.steps.emplace_back();
      } else {
        j.steps.push_back(std::move(spare_.back()));
        spare_.pop_back();
      }
    }
    PlanStep& st = j.steps[used_++];
    st.action = action;
    st.done = done;
    st.detail.clear();
    (put(st.detail, parts), ...);
    st.network.clear();
    st.vswitch.clear();
    st.link.clear();
    st.link_kind.clear();
    st.peer.clear();
    st.destination.reset();
    st.cidr.reset();
    st.protocol.clear();
    st.port = 0;
    st.data_source.clear();
    st.resource_group.clear();
    st.fixable = true;
    st.account.clear();
    st.region.clear();
    st.instance.clear();
    st.own_router = false;
    st.group_level = false;
    return st;
  }

  // Where a step to do is done: the console of `n`'s account and region, or the user's own
  // router for a data center or another cloud. (Steps done need no console.)
  static void in_network(PlanStep& st, const Network* n) {
    if (st.done || !n) return;
    if (own_network(n)) {
      st.own_router = true;
      return;
    }
    st.account = n->account;
    st.region = n->region;
  }
  void in_workspace(PlanStep& st) const {
    if (st.done) return;
    st.account = t_.workspace.account;
    st.region = t_.workspace.region;
  }
  // A step on the source itself (its whitelist, security group): its account, its network's
  // region, its instance id.
  void on_source(PlanStep& st, const DataSource& s) const {
    st.data_source = s.name;
    if (st.done) return;
    const Network* n = source_network(s);
    st.account = s.account.empty() && n ? n->account : s.account;
    if (n) st.region = n->region;
    st.instance = s.instance_id;
  }
  static void put(std::string& out, std::string_view v) { out += v; }
  template <std::size_t N>  // a literal: its length is known, no strlen
  static void put(std::string& out, const char (&v)[N]) { out.append(v, N - 1); }
  static void put(std::string& out, const Cidr& c) { c.append_to(out); }
  static void put(std::string& out, int v) { out += std::to_string(v); }
  static void put(std::string& out, char c) = delete;  // would print as a number: pass a string

  // Appends a hop to the path being made, into a string an earlier pair left (its capacity kept).
  void hop(Judgement& j, std::string_view name) {
    if (path_used_ < j.path.size()) j.path[path_used_].assign(name);
    else j.path.emplace_back(name);
    ++path_used_;
  }

  // Hands the steps' strings back to spare_ (with their capacity) and empties the list.
  void recycle(std::vector<PlanStep>& steps) {
    for (auto& st : steps) spare_.push_back(std::move(st));
    steps.clear();
  }

  // Chooses where the group starts for this source. `wants_path`: the solution connects
  // networks (any attachment may start the path); else the group must sit in the source's VPC
  // (or, for the Internet, in any VPC).
  Origin choose_origin(const DataSource& s, const Host* host, std::size_t host_i, bool wants_path,
                       const std::string& relation, std::optional<NetworkPath>& path) {
    Origin o;
    const ResourceGroup& g = *group_;
    const Network* src_ptr = source_network(s);
    std::optional<std::size_t> src;
    if (src_ptr) src = static_cast<std::size_t>(src_ptr - t_.networks.data());
    path.reset();
    if (host) {
      o.network = host_network(*host);
      if (src && host_i < searches_.size()) path = searches_[host_i].path_to(*src);
      return o;
    }
    auto take = [&](std::size_t i) {
      std::tie(o.network, o.vswitch) = attached_[i];
      o.scope = g.attachments[i].scope;
      o.attached = true;
    };
    const Network* src_net = src ? &t_.networks[*src] : nullptr;
    if (!wants_path && relation != "internet" && src_net) {
      for (std::size_t i = 0; i < attached_.size(); ++i)
        if (attached_[i].first == src_net) {
          take(i);
          return o;
        }
      o.network = src_net;  // proposed: attach to the source's own VPC
      o.vswitch = src_net->find_vswitch(s.vswitch);
      if (!o.vswitch && !src_net->vswitches.empty()) o.vswitch = &src_net->vswitches.front();
      return o;
    }
    if (wants_path && src) {
      path = searches_.front().path_to(*src);
      if (path) {
        const Network& start = t_.networks[path->networks.front()];
        for (std::size_t i = 0; i < attached_.size(); ++i)
          if (attached_[i].first == &start) {
            take(i);
            return o;
          }
        o.network = &start;  // proposed: the nearest VPC of the region
        o.vswitch = start.vswitches.empty() ? nullptr : &start.vswitches.front();
        return o;
      }
    }
    if (!g.attachments.empty()) {
      // Internet: prefer an attached VPC that already has an Internet NAT gateway.
      for (std::size_t i = 0; i < attached_.size(); ++i) {
        const Network* n = attached_[i].first;
        if (relation == "internet" && n && n->internet_nat) {
          take(i);
          return o;
        }
      }
      take(0);
      return o;
    }
    const auto& candidates = region_vpcs_;
    if (relation == "internet") {
      for (auto i : candidates)
        if (t_.networks[i].internet_nat) {
          o.network = &t_.networks[i];
          break;
        }
    }
    if (!o.network && !candidates.empty()) o.network = &t_.networks[candidates.front()];
    if (!o.network) {
      o.network = &new_vpc();
      o.new_vpc = true;
    }
    o.vswitch = o.network->vswitches.empty() ? nullptr : &o.network->vswitches.front();
    return o;
  }

  std::optional<Cidr> egress_of(EgressKind kind, const Origin& o, const Host* host) const {
    switch (kind) {
      case EgressKind::vswitch_cidr:
        if (o.vswitch) return o.vswitch->cidr;
        if (o.network && !o.network->cidrs.empty()) return o.network->cidrs.front();
        return std::nullopt;
      case EgressKind::eip:
        if (group_->eip) return Cidr::host(*group_->eip);
        return std::nullopt;
      case EgressKind::snat_eip:
        if (o.network && o.network->internet_nat && o.network->internet_nat->snat_eip)
          return Cidr::host(*o.network->internet_nat->snat_eip);
        return std::nullopt;
      case EgressKind::host_ip:
        if (host && host->ip) return Cidr::host(*host->ip);
        return std::nullopt;
      case EgressKind::host_public_ip:
        if (host && host->public_ip) return Cidr::host(*host->public_ip);
        return std::nullopt;
      case EgressKind::shared_region:
      case EgressKind::none: return std::nullopt;
    }
    return std::nullopt;
  }

  static std::string egress_words(EgressKind kind) {
    switch (kind) {
      case EgressKind::vswitch_cidr: return "the attached vSwitch's CIDR";
      case EgressKind::eip: return "the group's EIP (set `eip` on the resource group)";
      case EgressKind::snat_eip: return "the SNAT EIP of the VPC's Internet NAT gateway";
      case EgressKind::host_ip: return "the host's IP (set `ip` on the host)";
      case EgressKind::host_public_ip: return "the host's public IP (set `public_ip` on the host)";
      case EgressKind::shared_region: return "the shared resource group's published egress CIDRs for its region";
      case EgressKind::none: return "no address";
    }
    return "?";
  }

  // The group's edition requirements as steps of `j`; the first one the workspace does not
  // meet, or nullptr.
  const Requirement* requirement_steps(Judgement& j) {
    const Requirement* unmet = nullptr;
    for (std::size_t i = 0; i < rules_.requirements.size(); ++i) {
      const Requirement& req = rules_.requirements[i];
      if (!has(req.groups, kind_)) continue;
      bool ok = t_.workspace.edition >= req.edition;
      auto& st = add_step(j, req.step, ok, requirement_details_[i]);
      st.fixable = false;   // a purchase, not configuration
      st.group_level = ok;  // the same words for every pair of the group
      in_workspace(st);
      if (!ok && !unmet) unmet = &req;
    }
    return unmet;
  }

  // A rule's or requirement's reason with its placeholders (rules.hpp) filled in for `s`.
  void expand_reason(std::string& out, std::string_view tmpl, const DataSource& s, const Requirement* req) {
    // The template split once per group, the group's own placeholders filled in: a pair then
    // only appends the parts and its source's names.
    auto it = std::find_if(reason_parts_.begin(), reason_parts_.end(),
                           [&](const auto& entry) { return entry.first == tmpl.data(); });
    if (it == reason_parts_.end()) {
      std::vector<ReasonPart> parts(1);
      std::size_t at = 0;
      while (at < tmpl.size()) {
        std::size_t open = tmpl.find('{', at);
        std::size_t close = open == std::string_view::npos ? open : tmpl.find('}', open);
        if (close == std::string_view::npos) {
          parts.back().text += tmpl.substr(at);
          break;
        }
        parts.back().text += tmpl.substr(at, open - at);
        std::string_view name = tmpl.substr(open + 1, close - open - 1);
        auto source_field = [&](char f) {
          parts.back().field = f;
          parts.emplace_back();
        };
        if (name == "group") parts.back().text += group_->id;
        else if (name == "kind") parts.back().text += kind_;
        else if (name == "edition") parts.back().text += to_string(req ? req->edition : Edition::professional);
        else if (name == "workspace_edition") parts.back().text += to_string(t_.workspace.edition);
        else if (name == "source") source_field('s');
        else if (name == "network") source_field('n');
        else if (name == "public_endpoint") source_field('p');
        else parts.back().text += tmpl.substr(open, close - open + 1);  // the rule loader admits no other
        at = close + 1;
      }
      reason_parts_.emplace_back(tmpl.data(), std::move(parts));
      it = std::prev(reason_parts_.end());
    }
    out.clear();
    for (const ReasonPart& part : it->second) {
      out += part.text;
      switch (part.field) {
        case 's': out += s.name; break;
        case 'n': out += s.network; break;
        case 'p':
          out += s.public_endpoint ? "use " : "give ";
          out += s.name;
          out += s.public_endpoint ? "'s public endpoint (the alternative)" : " a public endpoint";
          break;
        default: break;
      }
    }
  }

  // One judgement of the pair (one host of a custom group, or the group itself). `force`
  // evaluates another relation (the Internet alternative).
  void judge(const DataSource& s, const Host* host, std::size_t host_i, std::optional<std::string> force,
             Judgement& j) {
    used_ = 0;
    judge_steps(s, host, host_i, std::move(force), j);
    // The steps past those made now (left from an earlier pair) go to spare_ with their capacity.
    for (std::size_t i = used_; i < j.steps.size(); ++i) spare_.push_back(std::move(j.steps[i]));
    j.steps.erase(j.steps.begin() + static_cast<std::ptrdiff_t>(used_), j.steps.end());
  }

  void judge_steps(const DataSource& s, const Host* host, std::size_t host_i, std::optional<std::string> force,
                   Judgement& j) {
    const ResourceGroup& g = *group_;
    j.host = host ? host->name : std::string();
    path_used_ = 0;
    bool via_public = force.has_value();
    if (force)
      j.relation = *force;
    else
      j.relation = relation_of(s, host);
    const SolutionRule* rule = rule_for(j.relation);
    if (!force) last_rule_ = rule;
    j.reason.clear();
    j.egress_kind = rule ? rule->egress : EgressKind::none;
    j.egress.reset();
    if (!rule) {  // the rule loader guarantees a full matrix; stay safe with custom rule sets
      j.solution = "unsupported";
      j.status = PairStatus::unsupported;
      j.reason = "no rule covers " + kind_ + " resource groups with the relation " + j.relation;
      return;
    }
    j.solution = rule->solution;
    const RuleInfo& info = rule_info_[static_cast<std::size_t>(rule - rules_.solutions.data())];
    const bool wants_path = info.wants_path;
    std::optional<NetworkPath> path;
    Origin o = choose_origin(s, host, host_i, wants_path, j.relation, path);
    const Network* src_net = source_network(s);
    auto target = source_block(s, via_public);
    auto egress = egress_of(rule->egress, o, host);
    j.egress = egress;
    int port = via_public ? (s.public_endpoint ? s.public_endpoint->port : 0) : (s.endpoint ? s.endpoint->port : 0);

    bool blocked = rule->unsupported;
    const Requirement* unmet = nullptr;
    if (g.kind == GroupKind::custom && host == nullptr && g.hosts.empty()) {
      add_step(j, StepAction::add_network_route, false, "the custom group has no hosts; add at least one under `hosts`")
          .fixable = false;
    }
    // Edition requirement first: it decides whether anything else matters.
    if (const Requirement* req = requirement_steps(j)) {
      unmet = req;
      blocked = true;
    }
    // Standby Library Settings: only an exclusive group may run a task on such a source.
    if (s.standby.enabled && !standby_allowed_ && !rule->unsupported && j.relation != "local") {
      const std::string standby = s.standby.instance.empty() ? "" : " (standby instance " + s.standby.instance + ")";
      auto& st = add_step(j, StepAction::use_exclusive_group, false, s.name, " has Standby Library Settings on", standby,
                          ": only an exclusive resource group can run its tasks; run them on an exclusive group "
                          "instead of ", g.id, ", or turn standby off");
      st.fixable = false;  // a choice of group or of database settings, not configuration to add
      st.data_source = s.name;
      st.resource_group = g.id;
      in_workspace(st);
    }

    // The link a solution that connects networks proposes when none joins them: named once.
    new_link_.clear();
    if (wants_path && !path && src_net && o.network && o.network != src_net) {
      new_link_ = "link-";
      new_link_ += o.network->id;
      new_link_ += '-';
      new_link_ += src_net->id;
    }

    // The path, hop by hop.
    if (!rule->unsupported) {
      hop(j, g.id);
      if (j.relation == "internet") {
        if (g.kind == GroupKind::serverless && o.network) hop(j, o.network->id);
        if (host && !host->network.empty()) hop(j, host->network);
        hop(j, kInternet);
      } else if (j.relation == "local") {
        // nothing between the group's host and a file
      } else if (wants_path && path) {
        for (std::size_t i = 0; i < path->networks.size(); ++i) {
          if (i > 0) hop(j, t_.links[path->links[i - 1]].id);
          hop(j, t_.networks[path->networks[i]].id);
        }
      } else if (wants_path && src_net) {
        std::string_view start = o.network ? std::string_view(o.network->id) : std::string_view();
        hop(j, start);
        if (!new_link_.empty()) hop(j, new_link_);
        if (start != src_net->id) hop(j, src_net->id);
      } else if (src_net) {
        hop(j, src_net->id);
      }
      hop(j, s.name);
    }
    j.path.resize(path_used_);  // the hops of an earlier pair past these are dropped

    for (StepAction action : info.actions) {
      switch (action) {
        case StepAction::attach_vpc: check_attach(j, o); break;
        case StepAction::create_link: check_link(j, o, src_net, path); break;
        case StepAction::add_network_route: check_routes(j, o, src_net, path, target, egress, host); break;
        case StepAction::add_rg_route: check_rg_route(j, s, o, src_net, target); break;
        case StepAction::add_whitelist: check_whitelist(j, s, rule->egress, egress); break;
        case StepAction::add_security_group_rule: check_security_group(j, s, rule->egress, egress, port); break;
        case StepAction::add_nat_gateway: check_nat(j, o); break;
        case StepAction::migrate_to_vpc: {
          auto& st = add_step(j, StepAction::migrate_to_vpc, false,
                              "move ", s.name, " from the classic network into a VPC; serverless and exclusive "
                              "resource groups cannot reach the classic network");
          st.fixable = false;
          on_source(st, s);
          break;
        }
        default: break;  // not a rule step (the rule loader admits only known_steps())
      }
    }
    if (blocked) {
      j.status = PairStatus::unsupported;
      expand_reason(j.reason, unmet ? std::string_view(unmet->reason) : std::string_view(rule->reason), s, unmet);
    } else {
      bool all = std::all_of(j.steps.begin(), j.steps.begin() + static_cast<std::ptrdiff_t>(used_),
                             [](const PlanStep& st) { return st.done; });
      j.status = all ? PairStatus::ready : PairStatus::needs_changes;
    }
  }

  void check_attach(Judgement& j, const Origin& o) {
    const ResourceGroup& g = *group_;
    if (o.attached) {
      auto& st = add_step(j, StepAction::attach_vpc, true, g.id, " is attached to ", o.network->id);
      if (o.vswitch) {
        put(st.detail, " (vSwitch ");
        put(st.detail, o.vswitch->id);
        put(st.detail, ")");
      }
      st.network = o.network->id;
      st.vswitch = o.vswitch ? o.vswitch->id : "";
      st.resource_group = g.id;
      return;
    }
    if (o.new_vpc) {
      auto& c = add_step(j, StepAction::create_vpc, false,
                         "create a VPC " + o.network->id + " (" + o.network->cidrs.front().str() + ") in " + region_ +
                             " with a vSwitch " + o.vswitch->id + " (" + o.vswitch->cidr.str() + ") to carry the connection" +
                             (new_vpc_full_ ? "; every private /16 overlaps the topology: pick a free block" : ""));
      c.network = o.network->id;
      c.vswitch = o.vswitch->id;
      c.cidr = o.network->cidrs.front();
      c.destination = o.vswitch->cidr;  // the vSwitch's block
      c.resource_group = g.id;
      c.fixable = !new_vpc_full_;
      in_workspace(c);
      // (c is not used past here: adding a step may move the vector's elements)
      auto& st = add_step(j, StepAction::attach_vpc, false, "associate " + g.id + " with the new VPC " + o.network->id);
      st.network = o.network->id;
      st.vswitch = o.vswitch->id;
      st.resource_group = g.id;
      in_workspace(st);
      return;
    }
    auto& st = add_step(j, StepAction::attach_vpc, false,
                        "associate " + g.id + " with " + o.network->id +
                            (o.vswitch ? ", vSwitch " + o.vswitch->id : " (create a vSwitch in it first)"));
    st.network = o.network->id;
    st.vswitch = o.vswitch ? o.vswitch->id : "";
    st.resource_group = g.id;
    st.fixable = o.vswitch != nullptr;
    in_workspace(st);
  }

  void check_link(Judgement& j, const Origin& o, const Network* src_net, const std::optional<NetworkPath>& path) {
    if (!src_net) return;
    std::string start = o.network ? o.network->id : std::string();
    if (path) {
      if (path->links.empty()) return;  // same network: nothing to connect
      std::string via;
      for (auto l : path->links) via += (via.empty() ? "" : ", ") + t_.links[l].id;
      add_step(j, StepAction::create_link, true, start, " and ", src_net->id, " are connected over ", via);
      // A VPC peering across accounts carries traffic once the other account has accepted it.
      for (std::size_t i = 0; i < path->links.size(); ++i) {
        const Link& l = t_.links[path->links[i]];
        if (l.kind != LinkKind::vpc_peering || l.accepted) continue;
        const Network& requester = t_.networks[path->networks[i]];
        const Network& accepter = t_.networks[path->networks[i + 1]];
        std::string from = requester.id;
        if (!requester.account.empty() && requester.account != accepter.account)
          from += " (account " + requester.account + ")";
        auto& st = add_step(j, StepAction::accept_vpc_peering, false, "log in to the account of ", accepter.id,
                            " and accept the VPC peering ", l.id, " from ", from);
        st.link = l.id;
        st.network = accepter.id;
        st.peer = requester.id;
        in_network(st, &accepter);
      }
      return;
    }
    if (o.network == src_net) return;
    const std::string_view kind = o.network ? link_kind_for(*o.network, *src_net) : std::string_view("cen");
    const std::string& link = new_link_;
    // A CEN instance attaches another account's VPC only once that account has authorized it.
    if (o.network && kind == "cen" && !o.network->account.empty() && !src_net->account.empty() &&
        o.network->account != src_net->account) {
      auto& g = add_step(j, StepAction::grant_cen_instance, false, "in ", src_net->account, ", authorize the CEN of ",
                         o.network->account, " to attach ", src_net->id);
      g.network = src_net->id;
      g.peer = start;
      g.link = link;
      in_network(g, src_net);
    }
    auto& st = add_step(j, StepAction::create_link, false, "connect ", start, " and ", src_net->id, " (", kind,
                        "); no chain of links joins them");
    st.network = start;
    st.peer = src_net->id;
    st.link = link;
    st.link_kind = kind;
    st.fixable = o.network != nullptr;
    // The link is set up on the cloud side: in the start network's account, or the peer's when
    // the group starts in a data center.
    in_network(st, own_network(o.network) ? src_net : o.network);
    st.own_router = own_network(o.network) || own_network(src_net);  // and the user's VPN / router end
  }

  // One direction of one hop: `from` must send `block` over `link`.
  // `what` and `whom` say which way: "toward " vpc-bj, "back to " rg-exclusive.
  void check_hop_route(Judgement& j, const Network* from, const std::string& from_id, const std::string& link_id,
                       const Network* toward, const std::optional<Cidr>& block, std::string_view what,
                       std::string_view whom) {
    if (from && from->kind == NetworkKind::classic) return;  // no route table of the user's: nothing to check or add
    if (!block) {
      auto& st = add_step(j, StepAction::add_network_route, false, "cannot check ", from_id, "'s route ", what, whom,
                          ": the address is unknown (give the endpoint's `ip` / the egress address)");
      st.network = from_id;
      st.link = link_id;
      st.fixable = false;
      in_network(st, from);
      return;
    }
    const Route* r = from ? best_route(from->routes, *block) : nullptr;
    if (r && r->via == link_id) {
      auto& st = add_step(j, StepAction::add_network_route, true, from_id, " routes ", *block, " via ", link_id, " (",
                          r->destination, ")");
      st.network = from_id;
      st.link = link_id;
      st.destination = r->destination;
      return;
    }
    // The natural destination is the far network's CIDR holding the address; a more specific
    // wrong route would still win, so then the exact block is routed.
    std::optional<Cidr> dest;
    if (toward) dest = covering_cidr(*toward, *block);
    if (!dest) dest = block;
    if (r && r->destination.prefix() > dest->prefix()) dest = block;
    // In a data center or another cloud the route is the user's own router's (or VPN customer
    // gateway's), not a cloud console's.
    auto& st = own_network(from) ? add_step(j, StepAction::add_network_route, false, "add a route ", *dest, " via ",
                                            link_id, " on ", from_id, "'s own router ", what, whom)
                                 : add_step(j, StepAction::add_network_route, false, "add a route ", *dest, " via ",
                                            link_id, " to ", from_id, "'s route table ", what, whom);
    if (r) {
      put(st.detail, " (now ");
      put(st.detail, r->destination);
      put(st.detail, " goes via ");
      put(st.detail, r->via);
      put(st.detail, ")");
    } else {
      put(st.detail, " (no route covers it)");
    }
    st.network = from_id;
    st.link = link_id;
    st.destination = dest;
    in_network(st, from);
  }

  void check_routes(Judgement& j, const Origin& o, const Network* src_net, const std::optional<NetworkPath>& path,
                    const std::optional<Cidr>& target, const std::optional<Cidr>& egress, const Host* host) {
    if (!src_net) return;
    const Network* origin = o.network;
    if (!path) {  // a link is to be created: its routes are owed too, unless it is a CEN
      if (!origin || origin == src_net) return;
      if (link_kind_for(*origin, *src_net) == "cen") return;
      check_hop_route(j, origin, origin->id, new_link_, src_net, target, "toward ", src_net->id);
      check_hop_route(j, src_net, src_net->id, new_link_, origin, egress, "back to ", egress_owner(host));
      return;
    }
    for (std::size_t i = 0; i + 1 < path->networks.size(); ++i) {
      const Link& l = t_.links[path->links[i]];
      if (l.kind == LinkKind::cen) continue;  // a CEN carries routes itself
      const Network& a = t_.networks[path->networks[i]];
      const Network& b = t_.networks[path->networks[i + 1]];
      check_hop_route(j, &a, a.id, l.id, src_net, target, "toward ", src_net->id);
      check_hop_route(j, &b, b.id, l.id, origin, egress, "back to ", egress_owner(host));
    }
  }

  const std::string& egress_owner(const Host* host) const { return host ? host->name : group_->id; }

  void check_rg_route(Judgement& j, const DataSource& s, const Origin& o, const Network* src_net,
                      const std::optional<Cidr>& target) {
    if (!src_net || !o.network) return;
    const ResourceGroup& g = *group_;
    bool same_vpc = o.network == src_net;
    if (same_vpc) {
      if (o.scope != AttachScope::vswitch || !o.attached) return;  // scope vpc: the system adds it
      if (target && o.vswitch && o.vswitch->cidr.contains(*target)) return;  // inside the vSwitch
    }
    std::optional<Cidr> dest;
    if (target) {
      dest = covering_cidr(*src_net, *target);
      if (same_vpc) {
        const VSwitch* v = src_net->find_vswitch(s.vswitch);
        dest = v && v->cidr.contains(*target) ? std::optional<Cidr>(v->cidr) : target;
      }
      if (!dest) dest = target;
    }
    if (!target) {
      auto& st = add_step(j, StepAction::add_rg_route, false,
                          "cannot check " + g.id + "'s routes: the address of " + s.name + " is unknown (give the endpoint's `ip`)");
      st.fixable = false;
      st.resource_group = g.id;
      st.network = o.network->id;
      in_workspace(st);
      return;
    }
    const GroupRoute* r = best_route(g.routes, *target);
    if (r && r->network == o.network->id) {
      auto& st = add_step(j, StepAction::add_rg_route, true, g.id, " routes ", r->destination, " into ", o.network->id);
      st.resource_group = g.id;
      st.network = o.network->id;
      st.destination = r->destination;
      return;
    }
    auto& st = add_step(j, StepAction::add_rg_route, false,
                        "add a route " + dest->str() + " to " + g.id + " into " + o.network->id +
                            (same_vpc ? " (it is attached with scope vswitch and " + s.name + " is outside " +
                                            (o.vswitch ? o.vswitch->id : std::string("the vSwitch")) + ")"
                                      : " (the path leaves the attached VPC)"));
    st.resource_group = g.id;
    st.network = o.network->id;
    st.destination = dest;
    in_workspace(st);
  }

  void check_whitelist(Judgement& j, const DataSource& s, EgressKind kind, const std::optional<Cidr>& egress) {
    if (s.whitelist_any) {
      on_source(add_step(j, StepAction::add_whitelist, true, s.name, " admits every address (`whitelist: any`)"), s);
      return;
    }
    const bool modelled = s.whitelist || has_default_whitelist(s.instance_kind);
    if (!egress) {
      auto& st = add_step(j, StepAction::add_whitelist, false, "add ", egress_words(kind), " to the whitelist of ", s.name,
                          modelled ? "" : " (if it has one: the topology does not say)");
      st.fixable = false;
      on_source(st, s);
      return;
    }
    const WhitelistCheck c = syncpath::check_whitelist(s, *egress);
    PlanStep* st = nullptr;
    switch (c.verdict) {
      case WhitelistVerdict::admits:
        st = &add_step(j, StepAction::add_whitelist, true, s.name, "'s whitelist admits ", *egress, " (", *c.entry, ")");
        break;
      case WhitelistVerdict::refuses:
        st = &add_step(j, StepAction::add_whitelist, false, "add ", *egress, " to the whitelist of ", s.name,
                       c.default_list ? " (its default whitelist admits 127.0.0.1 only)" : "");
        break;
      case WhitelistVerdict::not_modelled:
        st = &add_step(j, StepAction::add_whitelist, false, "add ", *egress, " to the whitelist of ", s.name,
                       ", if it has one (the topology does not say)");
        break;
    }
    st->cidr = egress;
    on_source(*st, s);
  }

  void check_security_group(Judgement& j, const DataSource& s, EgressKind kind, const std::optional<Cidr>& egress,
                            int port) {
    if (!s.security_group) return;  // not modelled (a note says so for ECS-hosted sources)
    if (!egress) {
      auto& st = add_step(j, StepAction::add_security_group_rule, false,
                          "open tcp port " + std::to_string(port) + " of " + s.name + "'s security group to " + egress_words(kind));
      st.protocol = "tcp";
      st.port = port;
      st.fixable = false;
      on_source(st, s);
      return;
    }
    if (const SecurityRule* r = security_rule_admitting(s, *egress, port)) {
      auto& st = add_step(j, StepAction::add_security_group_rule, true, s.name, "'s security group admits ", *egress, " on ",
                          r->protocol, " port ", port, " (", r->source, ")");
      st.data_source = s.name;
      st.cidr = egress;
      st.protocol = "tcp";
      st.port = port;
      return;
    }
    auto& st = add_step(j, StepAction::add_security_group_rule, false, "add an ingress rule tcp port ", port, " from ", *egress,
                        " to the security group of ", s.name);
    on_source(st, s);
    st.cidr = egress;
    st.protocol = "tcp";
    st.port = port;
  }

  void check_nat(Judgement& j, const Origin& o) {
    if (!o.network) return;
    if (o.network->internet_nat) {
      auto& st = add_step(j, StepAction::add_nat_gateway, true, o.network->id, " has an Internet NAT gateway");
      if (const auto& eip = o.network->internet_nat->snat_eip) {
        put(st.detail, " (SNAT EIP ");
        eip->append_to(st.detail);
        put(st.detail, ")");
      }
      st.network = o.network->id;
      st.vswitch = o.network->internet_nat->vswitch;
      return;
    }
    auto& st = add_step(j, StepAction::add_nat_gateway, false,
                        "give " + o.network->id + " an Internet NAT gateway with an SNAT entry and an EIP");
    st.network = o.network->id;
    st.vswitch = o.vswitch ? o.vswitch->id : "";
    st.fixable = o.vswitch != nullptr;
    in_network(st, o.network);
  }

  // The VPC create_vpc proposes: in the workspace's account and region, on the first private
  // /16 (of 10.0.0.0/8, then 172.16.0.0/12, then 192.168.0.0/16) that overlaps no network,
  // vSwitch, data source, host or egress address of the topology: a block it would have to
  // route to must never be reused. Should every one be taken, 10.255.0.0/16 is proposed as not
  // fixable (the user picks). Made once, so every pair proposes the same one.
  const Network& new_vpc() {
    if (!new_vpc_) {
      std::array<bool, 256 + 16 + 1> taken{};  // 10.b.0.0/16, 172.(16+b).0.0/16, 192.168.0.0/16
      auto mark = [&](const Cidr& c) {
        auto range = [&](std::uint32_t base, int prefix, std::size_t first, std::size_t count) {
          const Cidr space(Ipv4(base), prefix);
          if (!space.overlaps(c)) return;
          std::uint32_t lo = std::max(c.network().value(), base), hi = std::min(c.last().value(), space.last().value());
          for (std::uint32_t b = (lo - base) >> 16; b <= (hi - base) >> 16 && b < count; ++b) taken[first + b] = true;
        };
        range(10u << 24, 8, 0, 256);
        range((172u << 24) | (16u << 16), 12, 256, 16);
        range((192u << 24) | (168u << 16), 16, 272, 1);
      };
      auto mark_ip = [&](const std::optional<Ipv4>& ip) {
        if (ip) mark(Cidr::host(*ip));
      };
      for (const auto& net : t_.networks) {
        for (const auto& c : net.cidrs) mark(c);
        for (const auto& v : net.vswitches) mark(v.cidr);
        if (net.internet_nat) mark_ip(net.internet_nat->snat_eip);
      }
      for (const auto& s : t_.data_sources) {
        if (s.endpoint) mark_ip(s.endpoint->ip);
        if (s.public_endpoint) mark_ip(s.public_endpoint->ip);
      }
      for (const auto& g : t_.resource_groups) {
        mark_ip(g.eip);
        for (const auto& h : g.hosts) {
          mark_ip(h.ip);
          mark_ip(h.public_ip);
        }
      }
      auto it = std::find(taken.begin(), taken.end(), false);
      new_vpc_full_ = it == taken.end();
      const std::size_t b = static_cast<std::size_t>(it - taken.begin());
      const std::uint32_t base = new_vpc_full_ ? (10u << 24) | (255u << 16)
                                 : b < 256     ? (10u << 24) | (static_cast<std::uint32_t>(b) << 16)
                                 : b < 272     ? (172u << 24) | (static_cast<std::uint32_t>(16 + b - 256) << 16)
                                               : (192u << 24) | (168u << 16);
      const Cidr block(Ipv4(base), 16);
      Network n;
      n.id = "vpc-syncpath-" + region_;
      n.kind = NetworkKind::vpc;
      n.account = t_.workspace.account;
      n.region = region_;
      n.cidrs = {block};
      n.vswitches = {VSwitch{"vsw-syncpath-" + region_, region_ + "-a", Cidr(block.network(), 24), {}}};
      new_vpc_ = std::move(n);
    }
    return *new_vpc_;
  }

  const Topology& t_;
  const Rules& rules_;
  TopologyGraph graph_;
  std::string new_link_;         // the link this judgement proposes (judge_steps), or ""
  std::size_t path_used_ = 0;    // hops of the path being made so far
  std::optional<Network> new_vpc_;
  bool new_vpc_full_ = false;  // every private /16 is taken: new_vpc_ is only a suggestion
  std::vector<const Network*> source_networks_;
  const ResourceGroup* group_ = nullptr;
  std::string kind_;
  std::string region_;
  bool standby_allowed_ = true;  // the group may run tasks on a standby-enabled source
  std::vector<std::string> requirement_details_;  // per rules_.requirements, for this group
  struct ReasonPart {
    std::string text;  // literal text, the group's placeholders filled in
    char field = 0;    // then the source's: 's' name, 'n' network, 'p' public endpoint words
  };
  std::vector<std::pair<const char*, std::vector<ReasonPart>>> reason_parts_;  // per template, this group
  const SolutionRule* last_rule_ = nullptr;
  std::vector<TopologyGraph::Search> searches_;
  std::vector<std::size_t> region_vpcs_;  // this group's region_vpcs(), made once per group
  // This group's attachments (network and vSwitch, nullptr when unknown) and its hosts'
  // networks, looked up once per group, in the order of the group's lists.
  std::vector<std::pair<const Network*, const VSwitch*>> attached_;
  std::vector<const Network*> host_networks_;
  std::vector<RuleInfo> rule_info_;       // parallel to rules_.solutions
  std::vector<std::pair<std::string, const SolutionRule*>> rule_cache_;  // relation -> rule, per group

  // rules_.find for this group's kind, remembered per relation (a handful per group).
  const SolutionRule* rule_for(const std::string& relation) {
    for (const auto& [rel, rule] : rule_cache_)
      if (rel == relation) return rule;
    const SolutionRule* rule = rules_.find(kind_, relation);
    rule_cache_.emplace_back(relation, rule);
    return rule;
  }
  PairPlan scratch_;             // reused: a pair's strings and vectors keep their capacity
  std::vector<PlanStep> spare_;  // steps of earlier pairs, reused by add_step
  std::size_t used_ = 0;         // steps the judgement being made has so far
};

}  // namespace

namespace {

struct Selection {
  std::vector<const ResourceGroup*> groups;
  std::vector<const DataSource*> sources;
};

// The groups and sources the filter selects, in file order; names that do not exist go to
// `unknown` (if given).
Selection select(const Topology& topology, const PlanFilter& filter, std::vector<std::string>* unknown) {
  Selection sel;
  std::vector<std::string> groups = filter.groups, sources = filter.sources;
  for (const auto& name : filter.tasks) {
    const Task* task = topology.find_task(name);
    if (!task) {
      if (unknown) unknown->push_back("task `" + name + "`");
      continue;
    }
    groups.insert(groups.end(), {task->integration_group, task->scheduling_group});
    sources.insert(sources.end(), {task->source, task->destination});
  }
  if (groups.empty()) {
    for (const auto& g : topology.resource_groups) sel.groups.push_back(&g);
  } else {
    std::unordered_set<std::string> want(groups.begin(), groups.end());
    for (const auto& g : topology.resource_groups)
      if (want.count(g.id)) sel.groups.push_back(&g);
    for (const auto& id : filter.groups)
      if (!topology.find_group(id) && unknown) unknown->push_back("resource group `" + id + "`");
  }
  if (sources.empty()) {
    for (const auto& s : topology.data_sources) sel.sources.push_back(&s);
  } else {
    std::unordered_set<std::string> want(sources.begin(), sources.end());
    for (const auto& s : topology.data_sources)
      if (want.count(s.name)) sel.sources.push_back(&s);
    for (const auto& n : filter.sources)
      if (!topology.find_source(n) && unknown) unknown->push_back("data source `" + n + "`");
  }
  return sel;
}

}  // namespace

void plan_pairs(const Topology& topology, const Rules& rules, const PlanFilter& filter,
                const std::function<void(const PairPlan&)>& sink, std::vector<std::string>* unknown) {
  Selection sel = select(topology, filter, unknown);
  Planner planner(topology, rules);
  for (const ResourceGroup* g : sel.groups) planner.plan_group(*g, sel.sources, sink);
}

void plan_pairs_parallel(const Topology& topology, const Rules& rules, const PlanFilter& filter, unsigned threads,
                         const PairRender& render, const RunSink& sink, std::size_t run_pairs) {
  // 512 pairs a run (the default) is large enough that handing a run over costs nothing next to
  // planning it, and small enough that the runs in flight stay a few megabytes.
  const std::size_t kRunPairs = std::max<std::size_t>(run_pairs, 1);
  Selection sel = select(topology, filter, nullptr);
  const std::size_t runs_per_group = (sel.sources.size() + kRunPairs - 1) / kRunPairs;
  const std::size_t runs = sel.groups.size() * runs_per_group;
  // Each run on cache lines of its own: workers fill neighbouring slots at once, and the
  // buffer's size, written on every append, must not bounce between their cores.
  struct alignas(128) Run {
    TextBuf text;
    StatusCounts counts;
    bool done = false;
    std::exception_ptr error;
  };
  // Plans run `u` into `r` with `planner` (the worker's own).
  auto make_run = [&](Planner& planner, std::size_t u, Run& r) {
    planner.begin_group(*sel.groups[u / runs_per_group]);
    std::size_t first = (u % runs_per_group) * kRunPairs;
    std::size_t last = std::min(first + kRunPairs, sel.sources.size());
    for (std::size_t i = first; i < last; ++i) {
      if (i + 8 < last) planner.prefetch(*sel.sources[i + 8], 0);
      if (i + 4 < last) planner.prefetch(*sel.sources[i + 4], 1);
      const PairPlan& p = planner.plan(*sel.sources[i], i == 0);
      r.counts.add(p.status);
      render(r.text, p);
    }
  };
  if (threads <= 1 || runs <= 1) {
    Planner planner(topology, rules);
    Run r;
    for (std::size_t u = 0; u < runs; ++u) {
      r.text.clear();
      r.counts = {};
      make_run(planner, u, r);
      sink(r.text.view(), r.counts);
    }
    return;
  }

  // A ring of `window` runs: run u lives in slot u % window, claimed by a worker only once run
  // u - window has been handed to the sink.
  const std::size_t window = std::size_t{threads} * 4;
  std::vector<Run> ring(window);
  std::mutex m;
  std::condition_variable changed;
  std::size_t next = 0, handed = 0;
  bool stop = false;
  auto work = [&] {
    std::optional<Planner> planner;
    for (;;) {
      std::size_t u;
      {
        std::unique_lock lock(m);
        changed.wait(lock, [&] { return stop || next >= runs || next < handed + window; });
        if (stop || next >= runs) return;
        u = next++;
      }
      Run& r = ring[u % window];  // this worker's alone until it is marked done
      try {
        if (!planner) planner.emplace(topology, rules);
        make_run(*planner, u, r);
      } catch (...) {
        r.error = std::current_exception();
      }
      {
        std::lock_guard lock(m);
        r.done = true;
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  auto finish = [&] {
    {
      std::lock_guard lock(m);
      stop = true;
    }
    changed.notify_all();
    for (auto& w : workers) w.join();
  };
  try {
    for (unsigned t = 0; t < threads; ++t) workers.emplace_back(work);
    for (std::size_t u = 0; u < runs; ++u) {
      Run& r = ring[u % window];
      {
        std::unique_lock lock(m);
        changed.wait(lock, [&] { return r.done; });
      }
      if (r.error) std::rethrow_exception(r.error);
      sink(r.text.view(), r.counts);
      r.text.clear();  // keeps its capacity for run u + window
      r.counts = {};
      {
        std::lock_guard lock(m);
        r.done = false;
        handed = u + 1;
      }
      changed.notify_all();
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

std::vector<GroupSteps> group_steps(const Topology& topology, const Rules& rules, const PlanFilter& filter) {
  Selection sel = select(topology, filter, nullptr);
  std::vector<GroupSteps> out;
  if (sel.groups.empty()) return out;
  Planner planner(topology, rules);
  for (const ResourceGroup* g : sel.groups) {
    planner.begin_group(*g);
    out.push_back({g, planner.shared_steps()});
  }
  return out;
}

std::vector<TaskPlan> plan_tasks(const Topology& topology, const Rules& rules, const std::vector<std::string>& names) {
  std::vector<const Task*> tasks;
  for (const auto& task : topology.tasks)
    if (names.empty() || std::find(names.begin(), names.end(), task.name) != names.end()) tasks.push_back(&task);
  if (tasks.empty()) return {};
  PlanFilter filter;
  for (const Task* task : tasks) filter.tasks.push_back(task->name);
  std::unordered_map<std::string, PairStatus> status;  // "group\nsource" -> status
  plan_pairs(topology, rules, filter, [&](const PairPlan& p) { status[p.resource_group + '\n' + p.data_source] = p.status; });
  std::vector<TaskPlan> out;
  for (const Task* task : tasks) {
    TaskPlan& tp = out.emplace_back();
    tp.name = task->name;
    tp.integration_group = task->integration_group;
    tp.scheduling_group = task->scheduling_group;
    tp.source = task->source;
    tp.destination = task->destination;
    for (const auto& [group, role] : {std::pair{&task->integration_group, "data_integration"},
                                      std::pair{&task->scheduling_group, "scheduling"}})
      for (const std::string* source : {&task->source, &task->destination}) {
        auto it = status.find(*group + '\n' + *source);
        PairStatus st = it == status.end() ? PairStatus::unsupported : it->second;
        tp.pairs.push_back({*group, *source, role, st});
        tp.status = std::max(tp.status, st);
      }
  }
  return out;
}

std::vector<PairPlan> plan_all(const Topology& topology, const Rules& rules, const PlanFilter& filter) {
  std::vector<PairPlan> out;
  plan_pairs(topology, rules, filter, [&](const PairPlan& p) { out.push_back(p); });
  return out;
}

std::optional<PairPlan> plan_pair(const Topology& topology, std::string_view group, std::string_view source,
                                  const Rules& rules) {
  if (!topology.find_group(group) || !topology.find_source(source)) return std::nullopt;
  std::optional<PairPlan> out;
  PlanFilter f{{std::string(group)}, {std::string(source)}, {}};
  plan_pairs(topology, rules, f, [&](const PairPlan& p) { out = p; });
  return out;
}

}  // namespace syncpath
