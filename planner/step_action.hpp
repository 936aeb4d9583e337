// The actions a plan step can ask for: one enum and one table, the only place they are named.
// Renderers (text, markdown, json and those of other tools) and --fix switch on the enum; the
// table gives each action its stable name (JSON, rules), the heading of its checklist section
// and what it means (docs/plan.md has the same table).
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace syncpath {

// In the order a person works through a checklist: decisions and purchases first, then what
// is created, then what is connected, then what is opened.
enum class StepAction {
  upgrade_edition,          // custom groups need the professional edition
  use_exclusive_group,      // a standby-enabled source: run it on an exclusive group, or turn standby off
  migrate_to_vpc,           // classic-network sources cannot be reached by serverless or exclusive groups
  create_vpc,               // a VPC in the workspace's region to carry the connection
  attach_vpc,               // associate a serverless or exclusive group with a VPC and vSwitch
  grant_cen_instance,       // the other account authorizes the CEN instance to attach its VPC
  create_link,              // connect two networks (Express Connect, VPN gateway, CEN)
  accept_vpc_peering,       // the other account accepts a VPC peering request
  add_network_route,        // a route in a network's route table (or on the user's own router)
  add_rg_route,             // a route added to the resource group
  add_nat_gateway,          // an Internet NAT gateway with SNAT for a serverless group's VPC
  add_whitelist,            // the group's egress CIDR on the source's whitelist
  add_security_group_rule,  // the port opened to the group's egress on an ECS-hosted source
};

struct StepActionInfo {
  StepAction action;
  std::string_view name;     // as in JSON and the rule files
  std::string_view heading;  // the markdown checklist's section
  std::string_view meaning;  // one line, as docs/plan.md says it
};

// Every action, in the enum's order.
const std::vector<StepActionInfo>& step_actions();

namespace detail {
// The names alone, for to_string on the plan's hot path (step_actions() has them too).
inline constexpr std::array<std::string_view, 13> kStepActionNames{
    "upgrade_edition", "use_exclusive_group", "migrate_to_vpc", "create_vpc", "attach_vpc",
    "grant_cen_instance", "create_link", "accept_vpc_peering", "add_network_route", "add_rg_route",
    "add_nat_gateway", "add_whitelist", "add_security_group_rule"};
}  // namespace detail

inline std::string_view to_string(StepAction a) {
  auto i = static_cast<std::size_t>(a);
  return i < detail::kStepActionNames.size() ? detail::kStepActionNames[i] : std::string_view("?");
}
std::optional<StepAction> parse_step_action(std::string_view name);

}  // namespace syncpath
