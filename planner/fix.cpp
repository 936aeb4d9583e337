#include "fix.hpp"

#include <yaml-cpp/yaml.h>

#include <set>
#include <unordered_set>

#include "loader.hpp"
#include "render.hpp"

namespace syncpath {

namespace {

// The item of sequence `seq` whose `key` is `id` (a handle into the tree), or an invalid node.
YAML::Node find_item(YAML::Node seq, const char* key, const std::string& id) {
  if (seq && seq.IsSequence())
    for (auto item : seq)
      if (item.IsMap() && item[key] && item[key].IsScalar() && item[key].Scalar() == id) return item;
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node flow_map() {
  YAML::Node n(YAML::NodeType::Map);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

class Applier {
 public:
  Applier(YAML::Node root, const Topology& t) : root_(root), t_(t) {}

  // True when the step is applied (it changed the tree, or is carried by another step's change).
  bool apply(const PlanStep& st) {
    switch (st.action) {
      case StepAction::create_vpc: return create_vpc(st);
      case StepAction::attach_vpc: return attach_vpc(st);
      case StepAction::create_link: return create_link(st);
      // A link in the topology is one the other account has authorized: the link create_link
      // writes says it.
      case StepAction::grant_cen_instance: return !st.link.empty();
      case StepAction::accept_vpc_peering: {
        auto l = find_item(root_["links"], "id", st.link);
        if (!l) return false;
        l["accepted"] = true;
        return true;
      }
      case StepAction::add_network_route: return add_network_route(st);
      case StepAction::add_rg_route: return add_rg_route(st);
      case StepAction::add_whitelist: return add_whitelist(st);
      case StepAction::add_security_group_rule: return add_security_group_rule(st);
      case StepAction::add_nat_gateway: return add_nat_gateway(st);
      case StepAction::upgrade_edition:      // a purchase
      case StepAction::use_exclusive_group:  // a choice of group, or of database settings
      case StepAction::migrate_to_vpc:       // moving a database
        return false;
    }
    return false;
  }

 private:
  bool attach_vpc(const PlanStep& st) {
    auto g = find_item(root_["resource_groups"], "id", st.resource_group);
    if (!g || st.vswitch.empty()) return false;
    auto at = flow_map();
    at["network"] = st.network;
    at["vswitch"] = st.vswitch;
    at["scope"] = "vpc";
    g["attachments"].push_back(at);
    return true;
  }

  bool create_link(const PlanStep& st) {
    auto l = flow_map();
    l["id"] = st.link;
    l["kind"] = st.link_kind;
    YAML::Node between(YAML::NodeType::Sequence);
    between.SetStyle(YAML::EmitterStyle::Flow);
    between.push_back(st.network);
    between.push_back(st.peer);
    l["between"] = between;
    root_["links"].push_back(l);
    return true;
  }

  bool add_network_route(const PlanStep& st) {
    auto n = find_item(root_["networks"], "id", st.network);
    if (!n || !st.destination) return false;
    replace_route(n["routes"], "destination", st.destination->str());
    auto r = flow_map();
    r["destination"] = st.destination->str();
    r["via"] = st.link;
    n["routes"].push_back(r);
    return true;
  }

  bool add_rg_route(const PlanStep& st) {
    auto g = find_item(root_["resource_groups"], "id", st.resource_group);
    if (!g || !st.destination) return false;
    auto r = flow_map();
    r["destination"] = st.destination->str();
    r["network"] = st.network;
    g["routes"].push_back(r);
    return true;
  }

  bool add_whitelist(const PlanStep& st) {
    auto s = find_item(root_["data_sources"], "name", st.data_source);
    if (!s || !st.cidr) return false;
    s["whitelist"].push_back(st.cidr->str());
    return true;
  }

  bool add_security_group_rule(const PlanStep& st) {
    auto s = find_item(root_["data_sources"], "name", st.data_source);
    if (!s || !st.cidr) return false;
    auto r = flow_map();
    r["protocol"] = st.protocol.empty() ? std::string("tcp") : st.protocol;
    r["port"] = st.port;
    r["source"] = st.cidr->str();
    s["security_group"]["ingress"].push_back(r);
    return true;
  }

  bool add_nat_gateway(const PlanStep& st) {
    auto n = find_item(root_["networks"], "id", st.network);
    if (!n || st.vswitch.empty()) return false;
    auto nat = flow_map();
    nat["vswitch"] = st.vswitch;
    n["internet_nat"] = nat;
    return true;
  }

  static void replace_route(YAML::Node routes, const char* key, const std::string& dest) {
    if (!routes || !routes.IsSequence()) return;
    YAML::Node kept(YAML::NodeType::Sequence);
    for (auto r : routes)
      if (!(r.IsMap() && r[key] && r[key].Scalar() == dest)) kept.push_back(r);
    routes = kept;
  }

  bool create_vpc(const PlanStep& st) {
    if (find_item(root_["networks"], "id", st.network)) return false;
    if (!st.cidr || !st.destination) return false;
    const std::string& region = t_.workspace.region;
    YAML::Node n(YAML::NodeType::Map);
    n["id"] = st.network;
    n["kind"] = "vpc";
    n["account"] = t_.workspace.account;
    n["region"] = region;
    n["cidr"] = st.cidr->str();
    auto v = flow_map();
    v["id"] = st.vswitch;
    v["zone"] = region + "-a";
    v["cidr"] = st.destination->str();
    n["vswitches"].push_back(v);
    root_["networks"].push_back(n);
    return true;
  }

  YAML::Node root_;
  const Topology& t_;
};

}  // namespace

FixResult fix_topology(const std::string& text, const std::string& file, const Rules& rules) {
  FixResult out;
  out.source_text = text;
  std::string current = text;
  std::unordered_set<std::string> applied_keys;
  constexpr int kMaxRounds = 6;  // each round can only add what the previous one made possible
  for (int round = 0; round < kMaxRounds; ++round) {
    LoadResult loaded = load_topology_text(current, file);
    if (!loaded.ok()) {
      if (round == 0) {
        out.diagnostics = loaded.diagnostics;
        return out;
      }
      // A fix produced a topology the loader rejects: a bug here, reported as such.
      out.diagnostics = loaded.diagnostics;
      out.diagnostics.error({file, 0, 0}, "fix-invalid", "the fixed topology does not validate (a bug in --fix); nothing written");
      return out;
    }
    std::vector<PlanStep> todo;
    std::unordered_set<std::string> seen;
    out.unfixable.clear();
    std::unordered_set<std::string> unfixable_seen;
    plan_pairs(*loaded.topology, rules, {}, [&](const PairPlan& p) {
      auto take = [&](const Judgement& j) {
        for (const auto& st : j.steps) {
          if (st.done) continue;
          std::string key = step_key(st);
          if (!st.fixable) {
            if (unfixable_seen.insert(key).second) out.unfixable.push_back(st);
            continue;
          }
          if (seen.insert(key).second) todo.push_back(st);
        }
      };
      if (p.hosts.empty()) take(p);
      for (const auto& h : p.hosts) take(h);
    });
    out.rounds = round;
    if (todo.empty()) {
      out.yaml = current;
      out.ok = true;
      return out;
    }
    YAML::Node root = YAML::Load(current);
    Applier applier(root, *loaded.topology);
    bool changed = false;
    // VPCs first, then attachments and links, so later steps find what they refer to.
    auto phase_of = [](StepAction a) {
      switch (a) {
        case StepAction::create_vpc: return 0;
        case StepAction::attach_vpc: return 1;
        case StepAction::create_link: return 2;
        case StepAction::add_nat_gateway: return 3;
        default: return 4;
      }
    };
    for (int phase = 0; phase <= 4; ++phase) {
      for (const auto& st : todo) {
        if (phase_of(st.action) != phase) continue;
        std::string key = step_key(st);
        if (applied_keys.count(key) && st.action != StepAction::add_network_route) continue;
        if (applier.apply(st)) {
          changed = true;
          if (applied_keys.insert(key).second) out.applied.push_back(st);
        } else if (unfixable_seen.insert(key).second) {
          out.unfixable.push_back(st);
        }
      }
    }
    YAML::Emitter emitter;
    emitter << root;
    current = std::string(emitter.c_str()) + "\n";
    if (!changed) {
      out.yaml = current;
      out.ok = true;
      return out;
    }
  }
  out.yaml = current;
  out.ok = true;
  return out;
}

}  // namespace syncpath
