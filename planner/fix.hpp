// `plan --fix`: writes a new topology in which every to-do step that configuration can fix is
// applied (VPCs, attachments, links, network and resource-group routes, whitelist entries,
// security-group rules, Internet NAT gateways). Edition upgrades and migrations out of the
// classic network are purchases / moves, not configuration: they are reported, not applied.
#pragma once

#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "plan.hpp"
#include "rules.hpp"

namespace syncpath {

struct FixResult {
  bool ok = false;                   // false: the input did not load (see diagnostics)
  std::string yaml;                  // the fixed topology
  std::vector<PlanStep> applied;     // each distinct change made, in order
  std::vector<PlanStep> unfixable;   // to-do steps left (not fixable by configuration)
  int rounds = 0;                    // plan/apply rounds until nothing fixable was left
  Diagnostics diagnostics;
  std::string source_text;
};

// Plans the topology in `text` (named `file` in diagnostics), applies the fixable steps,
// re-plans, and repeats until no fixable step is left (a few rounds at most).
FixResult fix_topology(const std::string& text, const std::string& file, const Rules& rules = default_rules());

}  // namespace syncpath
