#include "diff.hpp"

#include <unordered_map>
#include <unordered_set>

#include "render.hpp"

namespace syncpath {

namespace {

struct Kept {
  PairStatus status;
  std::vector<std::string> path;
  std::vector<PlanStep> steps;
  bool seen = false;
};

std::string pair_key(const PairPlan& p) { return p.resource_group + '\n' + p.data_source; }

// All steps of a pair (every host's for a custom group with several hosts).
std::vector<PlanStep> all_steps(const PairPlan& p) {
  if (p.hosts.empty()) return p.steps;
  std::vector<PlanStep> out;
  for (const auto& h : p.hosts) out.insert(out.end(), h.steps.begin(), h.steps.end());
  return out;
}

std::string signature(const PlanStep& st) { return step_key(st) + (st.done ? "|done" : "|todo"); }

std::vector<PlanStep> minus(const std::vector<PlanStep>& a, const std::vector<PlanStep>& b) {
  std::unordered_set<std::string> in_b;
  for (const auto& st : b) in_b.insert(signature(st));
  std::vector<PlanStep> out;
  for (const auto& st : a)
    if (!in_b.count(signature(st))) out.push_back(st);
  return out;
}

}  // namespace

std::vector<PairChange> diff_plans(const Topology& old_topology, const Topology& new_topology, const Rules& rules) {
  std::unordered_map<std::string, Kept> old_plan;
  std::vector<std::string> old_order;
  plan_pairs(old_topology, rules, {}, [&](const PairPlan& p) {
    auto key = pair_key(p);
    old_order.push_back(key);
    old_plan[key] = Kept{p.status, p.path, all_steps(p), false};
  });
  std::vector<PairChange> out;
  plan_pairs(new_topology, rules, {}, [&](const PairPlan& p) {
    auto it = old_plan.find(pair_key(p));
    PairChange c;
    c.resource_group = p.resource_group;
    c.data_source = p.data_source;
    c.new_status = p.status;
    c.new_path = p.path;
    auto steps = all_steps(p);
    if (it == old_plan.end()) {
      c.kind = ChangeKind::added;
      c.steps_added = steps;
      out.push_back(std::move(c));
      return;
    }
    it->second.seen = true;
    c.old_status = it->second.status;
    c.old_path = it->second.path;
    c.steps_removed = minus(it->second.steps, steps);
    c.steps_added = minus(steps, it->second.steps);
    if (c.old_status != c.new_status || c.old_path != c.new_path || !c.steps_removed.empty() || !c.steps_added.empty())
      out.push_back(std::move(c));
  });
  for (const auto& key : old_order) {
    auto& k = old_plan[key];
    if (k.seen) continue;
    PairChange c;
    c.kind = ChangeKind::removed;
    auto nl = key.find('\n');
    c.resource_group = key.substr(0, nl);
    c.data_source = key.substr(nl + 1);
    c.old_status = k.status;
    c.old_path = k.path;
    c.steps_removed = k.steps;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace syncpath
