// The planner: for each (resource group, data source) pair, the relation, the solution the rules
// pick, the path through the topology, and every step checked against the topology.
// Plain data and functions; no third-party types.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipv4.hpp"
#include "model.hpp"
#include "rules.hpp"
#include "step_action.hpp"
#include "text_buf.hpp"

namespace syncpath {

enum class PairStatus { ready, needs_changes, unsupported };  // ordered: worse is greater
std::string_view status_name(PairStatus s);

struct PlanStep {
  StepAction action = StepAction::attach_vpc;
  bool done = false;
  std::string detail;  // one plain sentence
  // Structured fields (empty / nullopt when they do not apply), enough to apply the step:
  std::string network;               // the network whose route table, VPC to attach, NAT VPC
  std::string vswitch;               // attach_vpc: the vSwitch; add_nat_gateway: its vSwitch
  std::string link;                  // create_link: the new link's id; routes: the `via` link
  std::string link_kind;             // create_link: express_connect | vpn_gateway | cen
  std::string peer;                  // create_link: the other network
  std::optional<Cidr> destination;   // add_network_route / add_rg_route: destination block
  std::optional<Cidr> cidr;          // add_whitelist / add_security_group_rule: block to admit
  std::string protocol;              // add_security_group_rule
  int port = 0;                      // add_security_group_rule
  std::string data_source;           // whitelist / security group: the source to change
  std::string resource_group;        // attach_vpc / add_rg_route: the group to change
  bool fixable = true;               // --fix can apply it by editing the topology
  // What the console needs, set on steps to do: the account to log in to and the region
  // (empty where no cloud console is involved), the cloud's id of the instance to change
  // (`instance.id` of the source: rm-..., i-...).
  std::string account, region, instance;
  bool own_router = false;   // done on the user's own router / VPN customer gateway, not in a console
  bool group_level = false;  // the same for every pair of the group: shown once per group
};

// One judgement: for serverless, exclusive and shared groups the group itself; for a custom
// group one per host.
struct Judgement {
  std::string host;  // custom groups: the host's name; else empty
  std::string relation;
  std::string solution;
  PairStatus status = PairStatus::ready;
  std::string reason;  // unsupported: why, and what to use instead; else empty
  std::vector<std::string> path;  // hop names: group, networks, links, ..., data source
  std::vector<PlanStep> steps;
  // The group's address as the source sees it on this path (what its whitelist must admit),
  // when the topology gives it; not rendered (the probe diagnosis compares with it).
  EgressKind egress_kind = EgressKind::none;
  std::optional<Cidr> egress;
};

struct Alternative {
  std::string solution;
  std::string relation;
  PairStatus status = PairStatus::ready;
  std::string reason;
  std::vector<PlanStep> steps;
  EgressKind egress_kind = EgressKind::none;
  std::optional<Cidr> egress;
};

struct PairPlan : Judgement {  // the top-level fields are the worst host's (or the only one)
  std::string resource_group;
  std::string data_source;
  std::vector<std::string> notes;  // codes (see notes.hpp for their sentences)
  std::vector<Alternative> alternatives;
  std::vector<Judgement> hosts;  // custom groups with several hosts: each host's result
  bool first_of_group = false;   // the first pair planned of its group (group-level steps print here)
};

struct PlanFilter {  // empty lists select everything
  std::vector<std::string> groups;
  std::vector<std::string> sources;
  std::vector<std::string> tasks;  // adds each task's two groups and two data sources
};

// A task's verdict: each of its two groups (the one that runs it, the one that issues it) with
// each of its two data sources, and the worst of those as the task's status.
struct TaskPlan {
  std::string name, integration_group, scheduling_group, source, destination;
  PairStatus status = PairStatus::ready;
  struct Pair {
    std::string resource_group, data_source;
    std::string role;  // "data_integration" (runs the task) or "scheduling" (issues it)
    PairStatus status = PairStatus::ready;
  };
  std::vector<Pair> pairs;  // running group x {source, destination}, then issuing group x ...
};
// The steps that are the same for every pair of a group (the edition requirement, when the
// workspace meets it), for each group the filter selects, in file order: renderers show them
// once per group (PlanStep::group_level marks them in the pairs).
struct GroupSteps {
  const ResourceGroup* group = nullptr;
  std::vector<PlanStep> steps;
};
std::vector<GroupSteps> group_steps(const Topology& topology, const Rules& rules, const PlanFilter& filter = {});

// The tasks named in `names` (every task when empty), in file order; unknown names are skipped.
std::vector<TaskPlan> plan_tasks(const Topology& topology, const Rules& rules, const std::vector<std::string>& names = {});

// Plans every selected pair, group by group in file order, sources in file order, handing each
// to `sink` as soon as it is made (nothing is kept: memory stays flat in the number of pairs).
// Filter names that do not exist are reported in `unknown` (if given) and skipped.
void plan_pairs(const Topology& topology, const Rules& rules, const PlanFilter& filter,
                const std::function<void(const PairPlan&)>& sink,
                std::vector<std::string>* unknown = nullptr);
// How many pairs of each status.
struct StatusCounts {
  std::size_t ready = 0, needs_changes = 0, unsupported = 0;
  void add(PairStatus s) { (s == PairStatus::ready ? ready : s == PairStatus::needs_changes ? needs_changes : unsupported)++; }
  void add(const StatusCounts& o) {
    ready += o.ready;
    needs_changes += o.needs_changes;
    unsupported += o.unsupported;
  }
  std::size_t total() const { return ready + needs_changes + unsupported; }
  PairStatus worst() const {
    return unsupported ? PairStatus::unsupported : needs_changes ? PairStatus::needs_changes : PairStatus::ready;
  }
};

// Appends one pair's output to a buffer. Called on worker threads: it must depend on the pair
// alone (and on state fixed before planning starts).
using PairRender = std::function<void(TextBuf& out, const PairPlan& p)>;
// Receives a run of consecutive pairs' output and their statuses, on the calling thread.
using RunSink = std::function<void(std::string_view run, const StatusCounts& counts)>;

// The same pairs in the same order as plan_pairs, planned on `threads` worker threads (each with
// its own planner) in runs of consecutive pairs of one group; each run is rendered on its worker
// and handed to `sink` in order on the calling thread, which writes while the workers plan on.
// At most a few runs per thread are held at once, so memory stays flat. `threads` <= 1 plans on
// the calling thread alone. The output is byte for byte that of a serial run.
// `run_pairs` is the number of pairs per run (tests make it small to get many runs).
void plan_pairs_parallel(const Topology& topology, const Rules& rules, const PlanFilter& filter, unsigned threads,
                         const PairRender& render, const RunSink& sink, std::size_t run_pairs = 512);
// Convenience for small topologies and tests.
std::vector<PairPlan> plan_all(const Topology& topology, const Rules& rules = default_rules(),
                               const PlanFilter& filter = {});
// One pair; nullopt when either name is unknown.
std::optional<PairPlan> plan_pair(const Topology& topology, std::string_view group,
                                  std::string_view source, const Rules& rules = default_rules());

}  // namespace syncpath
