// The Inventory into the topology model: what a route's next hop, a CEN attachment, a VPN
// connection or a NAT's SNAT entry means for syncpath is decided here and nowhere else. What the
// input cannot know comes from the settings (flags and overlay); without them a default keeps
// the result valid and a warning says so.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cloud_refs.hpp"
#include "diagnostics.hpp"
#include "inventory.hpp"
#include "model.hpp"

namespace syncpath::import {

// A data source the overlay hosts on an ECS instance the input describes: the import fills its
// network, vSwitch, address and security group from the instance.
struct HostedSource {
  std::string name, instance_id, type;
  int port = 0;
};

struct Settings {
  // Flags, or the overlay's `workspace:` (flags win); empty: not given.
  std::string workspace_name, workspace_account, workspace_region, edition, mode;
  std::string account;  // the account of resources whose owner the input does not say
  std::string region;   // the region of resources whose region the input does not say
  std::map<std::string, std::string> owners;  // cloud owner id (UID) -> account id
  // What the overlay adds, so that links to its networks are kept and defaults fit.
  std::set<std::string> overlay_networks;
  bool overlay_custom_group = false;
  std::vector<HostedSource> hosted_sources;
  std::string input;  // the input file or folder, for whole-input diagnostics
};

struct Assembled {
  Topology topology;
  CloudRefs refs;
  // The YAML comment of each written item, keyed as yaml_writer.cpp looks them up
  // ("network:ID", "route:NETWORK|DESTINATION", "nat:NETWORK", "workspace.region", ...).
  std::map<std::string, std::string> comments;
  std::vector<std::string> ecs_sources;  // names of hosted sources filled from an instance
};

Assembled assemble(const Inventory& inv, const Settings& settings, Diagnostics& diags);

}  // namespace syncpath::import
