// Loads a topology file into the typed model and checks it, collecting every problem.
#pragma once

#include <optional>
#include <string>

#include "diagnostics.hpp"
#include "model.hpp"

namespace syncpath {

struct LoadResult {
  std::optional<Topology> topology;  // set unless the file could not be read or parsed at all
  Diagnostics diagnostics;
  std::string source_text;  // the file's text, for carets under diagnostics
  bool ok() const { return topology && !diagnostics.has_errors(); }
};

// Reads and checks the file. Never throws on bad content; an unreadable file is a diagnostic.
LoadResult load_topology_file(const std::string& path);
// Same, from text already in memory; `file` names it in diagnostics.
LoadResult load_topology_text(const std::string& text, const std::string& file);

}  // namespace syncpath
