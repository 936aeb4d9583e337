// Pieces shared by the subcommands that read topologies (plan, diff, probe): rules and
// topology options, and how unusable input is reported in each format.
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

using SourceTexts = std::vector<std::pair<std::string, std::string>>;  // (file, text) for carets

// Text formats: every diagnostic on stderr, with its source line and a caret. (A JSON document
// carries its diagnostics inside.)
void print_diagnostics(Context& ctx, const CommonOptions& opts, const Diagnostics& diags, const SourceTexts& texts);
// Unusable input, exit 2: text as print_diagnostics; json the document
// {"schema_version": V, "diagnostics": [...]} on the report (--output FILE included).
void report_unusable(Context& ctx, const CommonOptions& opts, const Diagnostics& diags, const SourceTexts& texts,
                     int schema_version);
// A problem with the command line itself (an unknown --rg, a bad --target): a diagnostic
// naming `file` (the topology, or "" for none) without a position.
Diagnostic command_line_problem(const std::string& file, std::string code, std::string message);

// The built-in rules, or those of `dir`; nullptr with `problems` (and their texts) filled when
// the folder is unusable.
const Rules* load_rules_option(const std::string& dir, std::optional<Rules>& storage, Diagnostics& problems,
                               SourceTexts& texts);
// Loads a topology: its diagnostics (warnings, or the errors that make it unusable) go to
// `diags`, its text to `texts`; nullopt when it is invalid.
std::optional<Topology> load_topology_option(const std::string& path, Diagnostics& diags, SourceTexts& texts);

}  // namespace syncpath::cli
