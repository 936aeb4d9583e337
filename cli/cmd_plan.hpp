// Pieces shared by the plan and diff subcommands: rules and topology options, diagnostics.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"
#include "diagnostics.hpp"
#include "model.hpp"
#include "rules.hpp"

namespace syncpath::cli {

void print_diagnostics(Context& ctx, const CommonOptions& opts, const Diagnostics& diags,
                       const std::vector<std::pair<std::string, std::string>>& texts);
// The built-in rules, or those of `dir`; nullptr (exit code set, diagnostics printed) if invalid.
const Rules* load_rules_option(Context& ctx, const CommonOptions& opts, const std::string& dir,
                               std::optional<Rules>& storage);
// The loaded topology, or nullopt (exit code 2 set, diagnostics printed) if it is invalid.
std::optional<Topology> load_topology_option(Context& ctx, const CommonOptions& opts, const std::string& path);

}  // namespace syncpath::cli
