// Probe results explained: what a live check found, held against what the plan says of the
// pair, and the plan step that fixes a failure. The planner's judgement of each pair (its path,
// its steps, the group's egress on that path, the source's whitelist as the model reads it) is
// the one source of truth; probes/ knows nothing of topologies, and cli/ only renders this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "model.hpp"
#include "plan.hpp"
#include "probe.hpp"

namespace syncpath::diagnosis {

// The probe JSON's schema_version (docs/json.md).
inline constexpr int kProbeSchemaVersion = 1;

struct Remedy {
  std::string action;  // a plan step's name (step_action.hpp), or a probe-only action (docs/probe.md)
  std::string detail;
};

// One probed data source (or ad-hoc endpoint) as the report shows it.
struct Row {
  std::string data_source;     // the source's name, or HOST:PORT ad hoc
  std::string resource_group;  // topology mode: the group this machine stood for
  std::string role;            // --task: data_integration (runs the task) or scheduling (issues it)
  probes::TargetResult result;
  Remedy remedy;
  std::vector<std::string> notes;          // e.g. "the topology file does not match the real network"
  std::string plan_status, plan_solution;  // topology mode: what the planner says of the pair
};

struct ProbeReport {
  std::string host;            // the host this machine stood for (or its own name)
  std::string resource_group;  // topology mode with one group
  std::string task;            // --task
  std::vector<Row> rows;
  Diagnostics diagnostics;     // the topology's warnings, or the problems that made the input unusable
  std::vector<std::string> skipped;  // selected sources not probed (file-based, no endpoint)
  // Passwords that could not be resolved ("orders_rds: environment variable X is not set;
  // login not tried"): never the value.
  std::vector<std::string> warnings;
};

// What a topology run probes: each (group, source) pair with the plan's judgement of it.
struct ProbePlan {
  struct Pair {
    const ResourceGroup* group = nullptr;
    const Host* host = nullptr;  // custom groups: the host this machine is
    const DataSource* source = nullptr;
    std::string role;
    bool uses_public_endpoint = false;  // the plan reaches the source only over its public endpoint
    std::string login_note;             // why no login is tried (an unresolved password), or ""
    PairPlan plan;
  };
  std::vector<Pair> pairs;  // parallel to targets
  std::vector<probes::Target> targets;
};

// What to probe from a topology: the groups (`--rg`, else the task's two groups) taken to be
// this machine, `--host` naming the custom host it is, the sources (`--source`, the task's two,
// or all). Unusable choices (an unknown group, host or source, a custom group with several
// hosts and no --host, nothing with a network endpoint) are diagnostics in `report`, and the
// plan is then empty. Secrets are resolved here (from the environment or files).
struct ProbeSelection {
  std::string group, host, task;
  std::vector<std::string> sources;
};
ProbePlan plan_probes(const Topology& topology, const Rules& rules, const ProbeSelection& selection, ProbeReport& report);

// Explains each result of a topology run against its pair's plan (result i is pair i).
void diagnose(const ProbePlan& plan, std::vector<probes::TargetResult> results, ProbeReport& report);

// Ad-hoc targets: `specs` (HOST:PORT each) and the lines of `targets_file` (if not empty), or
// diagnostics in `report` when one is not HOST:PORT with a port in 1..65535, is an IPv6 address
// (the prober speaks IPv4: never a DNS query for `[::1]`), or the file cannot be read.
std::vector<probes::Target> ad_hoc_targets(const std::vector<std::string>& specs, const std::string& targets_file,
                                           ProbeReport& report);
// Explains ad-hoc results: no topology, so generic remedies.
void diagnose_ad_hoc(std::vector<probes::TargetResult> results, ProbeReport& report);

// The summary every format prints: targets, how many reachable, how many per verdict.
struct ProbeSummary {
  std::size_t targets = 0, reachable = 0, failing = 0;
  std::vector<std::pair<probes::Verdict, std::size_t>> verdicts;  // every verdict, in ladder order
};
ProbeSummary summarize(const ProbeReport& report);

}  // namespace syncpath::diagnosis
