// `--from terraform|aliyun` for the commands that read a topology: the input is imported (as
// `syncpath import` would write it) instead of read as YAML.
#pragma once

#include <optional>
#include <string>

#include "app.hpp"
#include "cloud_refs.hpp"
#include "cmd_plan.hpp"
#include "loader.hpp"
#include "model.hpp"

namespace CLI {
class App;
}

namespace syncpath::cli {

struct FromOptions {
  std::string from;  // "" (YAML), terraform, aliyun
  std::string overlay;
};

void add_from_options(CLI::App& sub, FromOptions& opts);
// The topology at `path` as the loader's result: read as YAML, or imported when `from` says so.
// Imported, the diagnostics name the input (the import's) and PATH.imported.yaml (the loader's
// on the written text, whose lines name each item's source); `source_name` says which file
// `source_text` is. `refs` (if given) receives the real resources behind the items.
LoadResult load_topology_from(const FromOptions& from, const std::string& path, std::string& source_name,
                              CloudRefs* refs = nullptr);
// As load_topology_option (cmd_plan.hpp), read as `from` says: the diagnostics (the import's
// and the loader's) go to `diags`, the texts for carets to `texts`; nullopt when unusable.
std::optional<Topology> load_topology_option_from(const std::string& path, const FromOptions& from, Diagnostics& diags,
                                                  SourceTexts& texts, CloudRefs* refs = nullptr);

}  // namespace syncpath::cli
