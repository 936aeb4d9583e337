// The overlay file: what the import cannot know, merged on top (see overlay.cpp for the rules).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "assemble.hpp"
#include "diagnostics.hpp"
#include "yaml_tree.hpp"

namespace syncpath::import {

struct Overlay {
  std::string workspace_name, workspace_account, workspace_region, edition, mode, default_account;
  std::map<std::string, std::string> owners;
  std::set<std::string> networks;
  bool custom_group = false;
  std::vector<HostedSource> hosted_sources;
  YNode tree = YNode::map();  // accounts, networks, links, resource_groups, data_sources
};

// False (errors in `diags`) when the file cannot be read or is not a valid overlay.
bool read_overlay(const std::string& path, Overlay& out, Diagnostics& diags);
// Merges `src` into `dst`: mappings key by key, lists of items by id/name, else replaced.
void merge_overlay(YNode& dst, const YNode& src);

}  // namespace syncpath::import
