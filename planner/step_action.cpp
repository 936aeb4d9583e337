#include "step_action.hpp"

namespace syncpath {

const std::vector<StepActionInfo>& step_actions() {
  using A = StepAction;
  auto name = [](A a) { return to_string(a); };  // the header's list, in the enum's order
  static const std::vector<StepActionInfo> table{
      {A::upgrade_edition, name(A::upgrade_edition), "Upgrade the edition",
       "custom resource groups need the professional edition or higher"},
      {A::use_exclusive_group, name(A::use_exclusive_group), "Standby sources",
       "a source with Standby Library Settings on can be used only from an exclusive group: use one, or turn standby off"},
      {A::migrate_to_vpc, name(A::migrate_to_vpc), "Migrate classic sources",
       "classic-network sources cannot be reached by serverless or exclusive groups"},
      {A::create_vpc, name(A::create_vpc), "Create VPCs", "create a VPC in the workspace's region to carry the connection"},
      {A::attach_vpc, name(A::attach_vpc), "Associate resource groups with VPCs",
       "associate the serverless or exclusive group with a VPC (and vSwitch)"},
      {A::grant_cen_instance, name(A::grant_cen_instance), "Authorize CEN across accounts",
       "in the other account, authorize the CEN instance to attach that account's VPC"},
      {A::create_link, name(A::create_link), "Connect networks", "connect two networks (Express Connect, VPN gateway, CEN)"},
      {A::accept_vpc_peering, name(A::accept_vpc_peering), "Accept VPC peering",
       "in the other account, accept the VPC peering request"},
      {A::add_network_route, name(A::add_network_route), "Add network routes",
       "add a route to a network's route table (in a data center or another cloud: on the user's own router)"},
      {A::add_rg_route, name(A::add_rg_route), "Add resource-group routes", "add a route to the resource group"},
      {A::add_nat_gateway, name(A::add_nat_gateway), "Add Internet NAT gateways",
       "give the serverless group's VPC an Internet NAT gateway with an SNAT entry and EIP"},
      {A::add_whitelist, name(A::add_whitelist), "Add whitelist entries", "add the group's egress CIDR to the source's whitelist"},
      {A::add_security_group_rule, name(A::add_security_group_rule), "Open security groups",
       "open the port to the group's egress CIDR on an ECS-hosted source"},
  };
  return table;
}



std::optional<StepAction> parse_step_action(std::string_view name) {
  for (const auto& info : step_actions())
    if (info.name == name) return info.action;
  return std::nullopt;
}

}  // namespace syncpath
