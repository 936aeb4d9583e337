// `syncpath import terraform FILE` / `syncpath import aliyun DIR`: a topology file from what
// already describes the cloud. Flags in, the import library, the YAML and diagnostics out.
#include "cmd_import.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cmd_plan.hpp"
#include "import.hpp"

namespace syncpath::cli {

namespace {

struct ImportCommand {
  CommonOptions common;
  std::string input;
  import::ImportOptions options;
};

import::ImportResult run_import(const std::string& kind, const std::string& input, const import::ImportOptions& o) {
  return kind == "terraform" ? import::import_terraform_file(input, o) : import::import_aliyun_dir(input, o);
}

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

void run(Context& ctx, const std::string& kind, ImportCommand& c) {
  if (c.common.format == "json" && (c.common.output.empty() || c.common.output == "-")) {
    ctx.err << "syncpath import: --format json prints the diagnostics; give --output FILE for the topology\n";
    ctx.exit_code = kBadInput;
    return;
  }
  c.options.command = "syncpath import " + kind + " " + c.input;
  c.options.output_name = c.common.output.empty() || c.common.output == "-" ? c.input + ".imported.yaml" : c.common.output;
  import::ImportResult r = run_import(kind, c.input, c.options);
  const bool json = c.common.format == "json";
  if (json) {
    std::ostringstream diags;
    render_json(diags, r.diagnostics);
    nlohmann::json doc = nlohmann::json::parse(diags.str());
    doc["schema_version"] = 1;
    doc["valid"] = r.ok;
    doc["output"] = c.common.output;
    nlohmann::json summary{{"input", r.summary.kind}, {"resources", r.summary.resources},
                           {"errors", r.diagnostics.error_count()}, {"warnings", r.diagnostics.warning_count()}};
    if (r.topology)
      summary.update({{"networks", r.topology->networks.size()}, {"links", r.topology->links.size()},
                      {"resource_groups", r.topology->resource_groups.size()}, {"data_sources", r.topology->data_sources.size()}});
    doc["summary"] = summary;
    ctx.out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  } else {
    print_diagnostics(ctx, c.common, r.diagnostics, r.texts);
  }
  if (!r.ok) {
    if (!json) ctx.err << c.input << ": not imported: " << plural(r.diagnostics.error_count(), "error") << ", "
                       << plural(r.diagnostics.warning_count(), "warning") << "; nothing written\n";
    ctx.exit_code = kBadInput;
    return;
  }
  CommonOptions out_opts = c.common;
  out_opts.format = "yaml";  // the report is the YAML itself: never coloured
  Report report(ctx, out_opts);
  report.stream() << r.yaml;
  if (!report.commit()) {
    ctx.exit_code = kBadInput;
    return;
  }
  if (!json && !c.common.quiet) {
    const auto& t = *r.topology;
    ctx.err << "imported " << plural(r.summary.resources, "resource") << " from " << c.input << ": "
            << plural(t.networks.size(), "network") << ", " << plural(t.links.size(), "link") << ", "
            << plural(t.resource_groups.size(), "resource group") << ", " << plural(t.data_sources.size(), "data source")
            << " (" << plural(r.diagnostics.warning_count(), "warning") << ")"
            << (c.common.output.empty() || c.common.output == "-" ? "" : " into " + c.common.output) << '\n';
  }
  ctx.exit_code = kOk;
}

void add_import_options(CLI::App& sub, ImportCommand& c) {
  sub.add_option("--overlay", c.options.overlay, "Merge this YAML on top (workspace, accounts, custom groups, data source details)");
  sub.add_option("--workspace", c.options.workspace_name, "The workspace's name");
  sub.add_option("--workspace-account", c.options.workspace_account, "The account that owns the workspace");
  sub.add_option("--workspace-region", c.options.workspace_region, "The workspace's region");
  sub.add_option("--edition", c.options.edition, "The workspace's edition (basic, standard, professional, enterprise)");
  sub.add_option("--mode", c.options.mode, "The workspace's mode (basic, standard)");
  sub.add_option("--account", c.options.account, "The account of every resource whose owner the input does not say (default: main)");
  sub.add_option("--region", c.options.region, "The region of every resource whose region the input does not say");
  add_common_options(sub, c.common, {"text", "json"});
}

}  // namespace

void add_from_options(CLI::App& sub, FromOptions& opts) {
  sub.add_option("--from", opts.from, "Read TOPOLOGY as a Terraform JSON (terraform show -json) or a folder of aliyun responses")
      ->check(CLI::IsMember({"terraform", "aliyun"}));
  sub.add_option("--overlay", opts.overlay, "With --from: merge this YAML on top of the import");
}

LoadResult load_topology_from(const FromOptions& from, const std::string& path, std::string& source_name, CloudRefs* refs) {
  source_name = path;
  if (from.from.empty()) return load_topology_file(path);
  import::ImportOptions o;
  o.overlay = from.overlay;
  o.command = "syncpath --from " + from.from + " " + path;
  o.output_name = path + ".imported.yaml";
  import::ImportResult r = from.from == "terraform" ? import::import_terraform_file(path, o) : import::import_aliyun_dir(path, o);
  LoadResult out;
  out.diagnostics = std::move(r.diagnostics);
  if (r.ok || r.topology) out.topology = std::move(r.topology);
  if (!r.texts.empty()) {
    source_name = r.texts.front().first;
    out.source_text = r.texts.front().second;
  }
  if (refs) *refs = std::move(r.refs);
  return out;
}

std::optional<Topology> load_topology_option_from(const std::string& path, const FromOptions& from, Diagnostics& diags,
                                                  SourceTexts& texts, CloudRefs* refs) {
  if (from.from.empty()) return load_topology_option(path, diags, texts);
  std::string name;
  LoadResult loaded = load_topology_from(from, path, name, refs);
  // An import always has warnings (the defaults it chose): they go where the topology's own go
  // (stderr in text, inside the one JSON document of the run).
  diags.append(loaded.diagnostics);
  texts.emplace_back(name, std::move(loaded.source_text));
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded.topology);
}

void add_import_command(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("import", "Build a topology file from a Terraform JSON or aliyun OpenAPI responses");
  sub->require_subcommand(1);
  auto tf = std::make_shared<ImportCommand>();
  auto* t = sub->add_subcommand("terraform", "From `terraform show -json` of a plan file or of the state");
  t->add_option("FILE", tf->input, "The JSON terraform show -json wrote")->required();
  add_import_options(*t, *tf);
  t->callback([&ctx, tf] { run(ctx, "terraform", *tf); });
  auto ali = std::make_shared<ImportCommand>();
  auto* a = sub->add_subcommand("aliyun", "From a folder of aliyun CLI responses, one JSON file per call");
  a->add_option("DIR", ali->input, "The folder (files named after their call, e.g. DescribeVSwitches.json)")->required();
  add_import_options(*a, *ali);
  a->callback([&ctx, ali] { run(ctx, "aliyun", *ali); });
}

}  // namespace syncpath::cli
