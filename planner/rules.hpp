// The solution matrix as data: which solution each (resource-group kind, relation) pair gets,
// which steps that solution owes, which notes it carries. Loaded from rules/*.yaml (compiled in
// as the default; `--rules DIR` loads others) and checked like a topology, with positions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "model.hpp"
#include "step_action.hpp"

namespace syncpath {

// The group's address as the source sees it on a given path (what a whitelist must admit).
enum class EgressKind {
  vswitch_cidr,    // serverless/exclusive private path: the attached vSwitch's CIDR
  eip,             // exclusive on the Internet: the group's EIP
  snat_eip,        // serverless on the Internet: the SNAT EIP of the attached VPC's NAT
  host_ip,         // custom, private path: each host's IP
  host_public_ip,  // custom, Internet: each host's public IP
  shared_region,   // shared group: the region's published egress list (not in the topology)
  none             // no network traffic (file-based sources)
};

struct SolutionRule {
  std::vector<std::string> groups;     // group kinds this rule covers
  std::vector<std::string> relations;  // relations this rule covers
  std::string solution;                // e.g. direct, attach_vpc, link_and_route, unsupported
  bool unsupported = false;            // solution == "unsupported": the pair cannot be served
  EgressKind egress = EgressKind::none;
  std::vector<std::string> steps;      // step actions, in order: each a check the engine implements
  std::vector<std::string> notes;
  // An unsupported rule says why and what to use instead (required there): a sentence with
  // placeholders from reason_placeholders(), filled in per pair.
  std::string reason;
  SourcePos pos;
};

struct Requirement {  // a group kind needs an edition; below it every pair is unsupported
  std::vector<std::string> groups;
  Edition edition = Edition::professional;
  StepAction step = StepAction::upgrade_edition;
  std::string reason;  // why such a pair is unsupported (placeholders as for a rule's reason)
  SourcePos pos;
};

struct Rules {
  std::vector<SolutionRule> solutions;
  std::vector<Requirement> requirements;
  // Kinds that may run a task on a source with Standby Library Settings on; a group of any
  // other kind that runs tasks owes use_exclusive_group for such a source.
  std::vector<std::string> standby_groups;
  // When a source has a public_endpoint, the solution for this relation is offered beside the
  // chosen one (empty: no alternative).
  std::string public_endpoint_alternative;
  std::vector<std::string> files;  // where they came from

  // The rule for a group kind and relation, or nullptr.
  const SolutionRule* find(std::string_view group_kind, std::string_view relation) const;
};

// Relations the engine can tell (the rules may only name these).
const std::vector<std::string>& known_relations();
// Step actions the engine can check (the rules may only name these).
const std::vector<std::string>& known_steps();
// The placeholders a reason may use, each written `{name}`: group, kind (the group's),
// source, network (the source's), public_endpoint ("use S's public endpoint (the
// alternative)" when it has one, else "give S a public endpoint"), edition (required),
// workspace_edition.
const std::vector<std::string>& reason_placeholders();

struct RulesLoad {
  std::optional<Rules> rules;
  Diagnostics diagnostics;
  std::vector<std::pair<std::string, std::string>> texts;  // (file, text) for carets
  bool ok() const { return rules && !diagnostics.has_errors(); }
};

// Loads every *.yaml file in `dir` (sorted by name) as one rule set.
RulesLoad load_rules_dir(const std::string& dir);
// Loads rule files given as (name, text) pairs.
RulesLoad load_rules_texts(const std::vector<std::pair<std::string, std::string>>& files);
// The rules compiled in from rules/*.yaml at build time.
const Rules& default_rules();

}  // namespace syncpath
