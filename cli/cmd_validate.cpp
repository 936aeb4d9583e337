// `syncpath validate TOPOLOGY`: loads and checks a topology, prints every diagnostic.
// Text: diagnostics on stderr (with the source line and a caret), a one-line summary on the
// report stream. JSON: {"diagnostics": [...], "valid": bool, "summary": {...}} on the report
// stream. Exit 0 when valid (warnings allowed), 2 on any error.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.hpp"
#include "cmd_import.hpp"
#include "loader.hpp"

namespace syncpath::cli {

namespace {

constexpr int kValidateSchemaVersion = 1;  // docs/json.md

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void run_validate(Context& ctx, const CommonOptions& opts, const std::string& path, const FromOptions& from) {
  std::string source_name;  // the file source_text is (PATH.imported.yaml with --from)
  LoadResult r = load_topology_from(from, path, source_name);
  Report report(ctx, opts);
  const bool valid = r.ok();
  if (opts.format == "json") {
    // The diagnostics' shape is every document's; validate adds its verdict and counts beside it.
    nlohmann::ordered_json doc;
    doc["schema_version"] = kValidateSchemaVersion;
    doc["diagnostics"] = nlohmann::ordered_json::parse(json_diagnostics(r.diagnostics));
    doc["valid"] = valid;
    if (r.topology) {
      const auto& t = *r.topology;
      doc["summary"] = {{"networks", t.networks.size()},
                        {"links", t.links.size()},
                        {"resource_groups", t.resource_groups.size()},
                        {"data_sources", t.data_sources.size()},
                        {"tasks", t.tasks.size()},
                        {"errors", r.diagnostics.error_count()},
                        {"warnings", r.diagnostics.warning_count()}};
    }
    report.stream() << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  } else {
    const bool color = ctx.err_is_tty && !opts.no_color;
    TextBound bound;
    bound.max = opts.max_errors;
    render_text(ctx.err, r.diagnostics, source_name, r.source_text.empty() ? nullptr : &r.source_text, color, &bound);
    render_hidden(ctx.err, bound);
    if (valid) {
      if (!opts.quiet) {
        const auto& t = *r.topology;
        report.stream() << "ok: " << path << ": " << plural(t.networks.size(), "network") << ", "
                        << plural(t.links.size(), "link") << ", " << plural(t.resource_groups.size(), "resource group")
                        << ", " << plural(t.data_sources.size(), "data source");
        if (!t.tasks.empty()) report.stream() << ", " << plural(t.tasks.size(), "task");
        if (auto w = r.diagnostics.warning_count()) report.stream() << " (" << plural(w, "warning") << ")";
        report.stream() << '\n';
      }
    } else {
      ctx.err << path << ": invalid: " << plural(r.diagnostics.error_count(), "error") << ", "
              << plural(r.diagnostics.warning_count(), "warning") << '\n';
    }
  }
  if (!report.commit()) {
    ctx.exit_code = kBadInput;
    return;
  }
  ctx.exit_code = valid ? kOk : kBadInput;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("validate", "Load and check a topology file; print every problem found");
  auto opts = std::make_shared<CommonOptions>();
  auto path = std::make_shared<std::string>();
  sub->add_option("TOPOLOGY", *path, "The topology YAML file")->required();
  add_common_options(*sub, *opts, {"text", "json"});
  auto from = std::make_shared<FromOptions>();
  add_from_options(*sub, *from);
  sub->callback([&ctx, opts, path, from] { run_validate(ctx, *opts, *path, *from); });
}

}  // namespace syncpath::cli
