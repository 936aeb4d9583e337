// `syncpath diff OLD NEW`: pairs whose status, path or steps change between two topologies;
// exit 1 when any pair got worse.
#include <CLI/CLI.hpp>

#include "app.hpp"
#include "cmd_plan.hpp"
#include "diff.hpp"
#include "render.hpp"

namespace syncpath::cli {

namespace {

struct DiffOptions {
  CommonOptions common;
  std::string old_file, new_file, rules_dir;
};

std::string path_text(const std::vector<std::string>& p) {
  std::string out;
  for (const auto& h : p) out += (out.empty() ? "" : " > ") + h;
  return out.empty() ? "(none)" : out;
}

const char* kind_name(ChangeKind k) {
  switch (k) {
    case ChangeKind::changed: return "changed";
    case ChangeKind::added: return "added";
    case ChangeKind::removed: return "removed";
  }
  return "?";
}

void run_diff(Context& ctx, const DiffOptions& o) {
  Diagnostics diags;
  SourceTexts texts;
  std::optional<Rules> storage;
  const Rules* rules = load_rules_option(o.rules_dir, storage, diags, texts);
  if (!rules) return report_unusable(ctx, o.common, diags, texts, kDiffSchemaVersion);
  auto old_t = load_topology_option(o.old_file, diags, texts);
  auto new_t = load_topology_option(o.new_file, diags, texts);
  if (!old_t || !new_t) return report_unusable(ctx, o.common, diags, texts, kDiffSchemaVersion);
  if (o.common.format != "json") print_diagnostics(ctx, o.common, diags, texts);  // warnings
  auto changes = diff_plans(*old_t, *new_t, *rules);
  std::size_t worse = 0, better = 0;
  for (const auto& c : changes) {
    worse += c.worse();
    better += c.better();
  }
  Report report(ctx, o.common);
  auto& out = report.stream();
  auto status = [](const std::optional<PairStatus>& s) { return s ? std::string(status_name(*s)) : std::string("-"); };
  if (o.common.format == "json") {
    out << "{\"schema_version\":" << kDiffSchemaVersion << ",\"diagnostics\":" << json_diagnostics(diags)
        << ",\"changes\":[";
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const auto& c = changes[i];
      out << (i ? ",\n" : "\n") << "{\"resource_group\":";
      json_string(out, c.resource_group);
      out << ",\"data_source\":";
      json_string(out, c.data_source);
      out << ",\"change\":\"" << kind_name(c.kind) << "\"";
      if (c.old_status) out << ",\"old_status\":\"" << status_name(*c.old_status) << '"';
      if (c.new_status) out << ",\"new_status\":\"" << status_name(*c.new_status) << '"';
      out << ",\"worse\":" << (c.worse() ? "true" : "false");
      auto path = [&](const char* key, const std::vector<std::string>& p) {
        out << ",\"" << key << "\":[";
        for (std::size_t k = 0; k < p.size(); ++k) {
          if (k) out << ',';
          json_string(out, p[k]);
        }
        out << ']';
      };
      path("old_path", c.old_path);
      path("new_path", c.new_path);
      auto steps = [&](const char* key, const std::vector<PlanStep>& s) {
        out << ",\"" << key << "\":[";
        for (std::size_t k = 0; k < s.size(); ++k) {
          if (k) out << ',';
          json_step(out, s[k]);
        }
        out << ']';
      };
      steps("steps_removed", c.steps_removed);
      steps("steps_added", c.steps_added);
      out << '}';
    }
    out << (changes.empty() ? "" : "\n") << "],\"worse\":" << worse << ",\"better\":" << better << "}\n";
  } else {
    for (const auto& c : changes) {
      out << c.resource_group << " -> " << c.data_source << ": " << kind_name(c.kind) << ", " << status(c.old_status)
          << " -> " << status(c.new_status) << (c.worse() ? " (worse)" : c.better() ? " (better)" : "") << '\n';
      if (c.old_path != c.new_path) out << "  path: " << path_text(c.old_path) << "  =>  " << path_text(c.new_path) << '\n';
      if (o.common.quiet) continue;
      for (const auto& st : c.steps_removed)
        out << "  - [" << (st.done ? "done" : "todo") << "] " << to_string(st.action) << ": " << st.detail << '\n';
      for (const auto& st : c.steps_added)
        out << "  + [" << (st.done ? "done" : "todo") << "] " << to_string(st.action) << ": " << st.detail << '\n';
    }
    out << changes.size() << " pairs changed: " << worse << " worse, " << better << " better\n";
  }
  if (!report.commit()) {
    ctx.exit_code = kBadInput;
    return;
  }
  ctx.exit_code = worse ? kFindings : kOk;
}

}  // namespace

void add_diff_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<DiffOptions>();
  auto* sub = app.add_subcommand("diff", "Pairs whose status, path or steps change between two topologies");
  sub->add_option("old", opts->old_file, "The topology before the change")->required();
  sub->add_option("new", opts->new_file, "The topology after the change")->required();
  sub->add_option("--rules", opts->rules_dir, "Load the rules from this folder instead of the built-in ones");
  add_common_options(*sub, opts->common, {"text", "json"});
  sub->callback([&ctx, opts] { run_diff(ctx, *opts); });
}

}  // namespace syncpath::cli
