// `syncpath import`: a topology from the descriptions that already exist. The readers turn a
// Terraform JSON (`terraform show -json` of a plan or a state) or a folder of aliyun OpenAPI
// responses into the typed topology model the YAML loader builds; the writer writes it as a
// topology file, each item with a comment naming its source; the file is then loaded back with
// the topology loader, so the result is checked exactly as `syncpath validate` checks it.
// Nothing downstream learns about Terraform. No third-party type in this header.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloud_refs.hpp"
#include "diagnostics.hpp"
#include "model.hpp"

namespace syncpath::import {

struct ImportOptions {
  std::string workspace_name, workspace_account, workspace_region, edition, mode;  // empty: not given
  std::string account;  // the account of resources whose owner the input does not say
  std::string region;   // the region of resources whose region the input does not say
  std::string overlay;  // an overlay YAML file, or empty
  std::string output_name;  // what diagnostics about the written YAML call it (default: INPUT.imported.yaml)
  std::string command;      // the command line, for the file's header
};

struct ImportSummary {
  std::string kind;  // plan | state | aliyun
  std::string format_version;
  std::size_t resources = 0, files = 0;
};

struct ImportResult {
  bool ok = false;  // the input was usable and the written topology validates
  std::string yaml;  // the topology file's text (also when it does not validate, to show where)
  std::optional<Topology> topology;  // the written text loaded back (set when it parsed)
  CloudRefs refs;                    // the real resources behind the items
  Diagnostics diagnostics;           // the import's, then the loader's on the written text
  // Texts for carets under diagnostics: the written YAML under `output_name`.
  std::vector<std::pair<std::string, std::string>> texts;
  ImportSummary summary;
};

ImportResult import_terraform_file(const std::string& path, const ImportOptions& options);
ImportResult import_terraform_text(const std::string& text, const std::string& file, const ImportOptions& options);
ImportResult import_aliyun_dir(const std::string& dir, const ImportOptions& options);
// One response per (file name, text), the file name saying the call as in a folder.
ImportResult import_aliyun_files(const std::vector<std::pair<std::string, std::string>>& files, const ImportOptions& options);

// The diagnostic codes the import itself can emit (the loader's are its own), for docs and tests.
const std::vector<std::string>& import_diagnostic_codes();

}  // namespace syncpath::import
