// `syncpath diff OLD NEW`: what a topology change breaks or fixes, pair by pair.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan.hpp"

namespace syncpath {

// The diff JSON's schema_version (docs/json.md).
inline constexpr int kDiffSchemaVersion = 1;

enum class ChangeKind { changed, added, removed };

struct PairChange {
  std::string resource_group;
  std::string data_source;
  ChangeKind kind = ChangeKind::changed;
  std::optional<PairStatus> old_status, new_status;
  std::vector<std::string> old_path, new_path;
  std::vector<PlanStep> steps_removed;  // in OLD's plan, not in NEW's (same action, target, done)
  std::vector<PlanStep> steps_added;    // in NEW's plan, not in OLD's
  bool worse() const { return old_status && new_status && *new_status > *old_status; }
  bool better() const { return old_status && new_status && *new_status < *old_status; }
};

// Plans both topologies and lists the pairs whose status, path or steps differ, in NEW's order
// (removed pairs last). OLD's plan is kept in memory (compactly); NEW's is streamed.
std::vector<PairChange> diff_plans(const Topology& old_topology, const Topology& new_topology,
                                   const Rules& rules = default_rules());

}  // namespace syncpath
