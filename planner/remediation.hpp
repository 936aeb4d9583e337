// What the code renderers (`plan --format terraform`, `plan --format aliyun`) share: the
// distinct to-do steps of a plan in the order a person applies them, what is known of the real
// resources behind the topology's items (from an import's CloudRefs, else the ids themselves),
// and the aliyun CLI call of every step, which the aliyun renderer writes for all steps and the
// Terraform renderer for the steps its provider has no resource for.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cloud_refs.hpp"
#include "model.hpp"
#include "plan.hpp"

namespace syncpath {

struct TodoStep {
  PlanStep step;
  std::vector<std::string> pairs;  // "group → source" (with the host for custom groups)
  std::vector<Cidr> cidrs;         // add_whitelist: every block to add to this source, merged
};

// Collects the to-do steps of every pair, one entry per distinct fix (step_key), whitelist
// entries merged per data source.
class TodoSteps {
 public:
  void add(const PairPlan& p);
  // In the order they are applied: VPCs, attachments, links, NAT, routes, group routes,
  // whitelists, security groups, then what configuration cannot do.
  std::vector<const TodoStep*> ordered() const;
  StatusCounts counts() const { return counts_; }

 private:
  std::vector<TodoStep> steps_;
  std::unordered_map<std::string, std::size_t> index_;
  StatusCounts counts_;
};

// The real resource behind a topology item, from the refs when an import made them, else from
// the topology: an id that looks like a cloud id is taken to be one.
class CloudLookup {
 public:
  CloudLookup(const Topology& t, const CloudRefs* refs) : t_(t), refs_(refs) {}

  const CloudRef* ref(RefKind kind, std::string_view key) const { return refs_ ? refs_->find(kind, key) : nullptr; }
  // The cloud id of a network / vSwitch / group, or "" when not known (a plan's new resource).
  std::string cloud_id(RefKind kind, const std::string& id) const;
  // The Terraform address of an item, "" when it did not come from Terraform.
  std::string address(RefKind kind, const std::string& id) const;
  std::string region(const std::string& network) const;
  std::string route_table_id(const std::string& network) const;
  std::string dataworks_network_id(const std::string& group, const std::string& network) const;
  std::string cen_of(const std::string& network) const;  // the CEN the network is attached to
  std::string attr(RefKind kind, const std::string& id, std::string_view key) const;
  // A cloud account id (a numeric UID) for a topology account, "" when the topology's id is not one.
  std::string account_uid(const std::string& account) const;
  const Topology& topology() const { return t_; }

 private:
  const Topology& t_;
  const CloudRefs* refs_;
};

// True when `id` has the shape of an Alibaba Cloud resource id ("vpc-bp1...", "rm-...").
bool looks_like_cloud_id(std::string_view id);
// `s` quoted for a POSIX shell when it needs it.
std::string shell_quote(std::string_view s);
// The CIDR as RDS whitelists write it: a /32 as the bare address.
std::string whitelist_entry(const Cidr& c);

// The aliyun CLI calls that apply one step, each a complete command line (lookups of what the
// topology does not know are `$(aliyun ... | jq ...)` substitutions; values that no API can say
// are shell variables the script asks for). Empty when no call applies it (`notes` says why).
struct CliCalls {
  std::vector<std::string> lines;  // commands and `NAME=$(...)` assignments, in order
  std::vector<std::string> notes;  // what cannot be a call (a router of the user's own, a purchase)
  std::vector<std::string> inputs;  // shell variables the calls need from the user: NAME=description
};
CliCalls aliyun_calls(const TodoStep& todo, const CloudLookup& lookup);

}  // namespace syncpath
