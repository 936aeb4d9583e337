// `syncpath plan TOPOLOGY`: per (resource group, data source) pair, the relation, the solution,
// the path and every step checked; the remediation checklist; `--fix FILE` writes the topology
// with every fixable step applied.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "app.hpp"
#include "cmd_import.hpp"
#include "fix.hpp"
#include "loader.hpp"
#include "plan.hpp"
#include "plan_code.hpp"
#include "cmd_plan.hpp"
#include "render.hpp"
#include "rules.hpp"

namespace syncpath::cli {

void print_diagnostics(Context& ctx, const CommonOptions& opts, const Diagnostics& diags,
                       const std::vector<std::pair<std::string, std::string>>& texts) {
  if (opts.format == "json") {
    render_json(ctx.out, diags);
    return;
  }
  bool color = ctx.err_is_tty && !opts.no_color;
  for (const auto& d : diags.items()) {
    const std::string* text = nullptr;
    for (const auto& [f, t] : texts)
      if (f == d.pos.file) text = &t;
    render_text(ctx.err, d, text, color);
  }
}

const Rules* load_rules_option(Context& ctx, const CommonOptions& opts, const std::string& dir,
                               std::optional<Rules>& storage) {
  if (dir.empty()) return &default_rules();
  auto loaded = load_rules_dir(dir);
  if (!loaded.ok()) {
    print_diagnostics(ctx, opts, loaded.diagnostics, loaded.texts);
    ctx.exit_code = kBadInput;
    return nullptr;
  }
  storage = std::move(loaded.rules);
  return &*storage;
}

std::optional<Topology> load_topology_option(Context& ctx, const CommonOptions& opts, const std::string& path) {
  LoadResult loaded = load_topology_file(path);
  if (!loaded.diagnostics.empty()) print_diagnostics(ctx, opts, loaded.diagnostics, {{path, loaded.source_text}});
  if (!loaded.ok()) {
    if (opts.format != "json")
      ctx.err << path << ": invalid: " << loaded.diagnostics.error_count() << " errors, "
              << loaded.diagnostics.warning_count() << " warnings\n";
    ctx.exit_code = kBadInput;
    return std::nullopt;
  }
  return std::move(loaded.topology);
}

namespace {

struct PlanOptions {
  CommonOptions common;
  std::string topology;
  std::vector<std::string> groups, sources;
  std::string rules_dir;
  std::string fix_file;
  unsigned threads = 0;  // 0: one per core
  FromOptions from;
};

void run_plan(Context& ctx, const PlanOptions& o) {
  std::optional<Rules> rules_storage;
  const Rules* rules = load_rules_option(ctx, o.common, o.rules_dir, rules_storage);
  if (!rules) return;
  if (!o.from.from.empty() && !o.fix_file.empty()) {
    ctx.err << "syncpath plan: --fix edits a topology file; run `syncpath import` first and --fix its output\n";
    ctx.exit_code = kBadInput;
    return;
  }
  CloudRefs refs;  // what an import (--from) knows of the real resources, for --format terraform|aliyun
  auto topology = load_topology_option_from(ctx, o.common, o.topology, o.from, &refs);
  if (!topology) return;
  PlanFilter filter{o.groups, o.sources};
  std::vector<std::string> unknown;
  for (const auto& g : o.groups)
    if (!topology->find_group(g)) unknown.push_back("--rg " + g + ": no resource group with that id in " + o.topology);
  for (const auto& s : o.sources)
    if (!topology->find_source(s)) unknown.push_back("--source " + s + ": no data source with that name in " + o.topology);
  if (!unknown.empty()) {
    for (const auto& u : unknown) ctx.err << "syncpath plan: " << u << '\n';
    ctx.exit_code = kBadInput;
    return;
  }

  Report report(ctx, o.common);
  RenderOptions ro;
  ro.color = report.color();
  ro.quiet = o.common.quiet;
  CodeOutput code;
  auto renderer = make_code_renderer(o.common, report.stream(), *topology, refs, code);
  if (!renderer) renderer = make_plan_renderer(o.common.format, report.stream(), *topology, ro);
  PairStatus worst = PairStatus::ready;
  renderer->begin();
  if (renderer->per_pair()) {  // text and json: planned on every core, written in order
    unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    plan_pairs_parallel(
        *topology, *rules, filter, threads, [&](TextBuf& out, const PairPlan& p) { renderer->render(out, p); },
        [&](std::string_view run, const StatusCounts& counts) {
          worst = std::max(worst, counts.worst());
          renderer->write(run, counts);
          report.check_written();  // a full disk stops the run here, not after planning it all
        });
  } else {
    plan_pairs(*topology, *rules, filter, [&](const PairPlan& p) {
      if (p.status > worst) worst = p.status;
      renderer->pair(p);
    });
  }
  renderer->end();
  if (!report.commit() || !commit_code_output(ctx, o.common, code)) {
    ctx.exit_code = kBadInput;
    return;
  }
  ctx.exit_code = worst == PairStatus::ready ? kOk : kFindings;

  if (!o.fix_file.empty()) {
    std::ifstream in(o.topology, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    FixResult fixed = fix_topology(text.str(), o.topology, *rules);
    if (!fixed.ok) {
      print_diagnostics(ctx, o.common, fixed.diagnostics, {{o.topology, fixed.source_text}});
      ctx.exit_code = kBadInput;
      return;
    }
    std::error_code type_ec;
    auto type = std::filesystem::status(o.fix_file, type_ec).type();
    if (!type_ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::not_found)
      throw std::runtime_error("--fix " + o.fix_file + ": not a regular file; give a path for the new topology");
    std::string staged = o.fix_file + ".partial";
    {
      std::ofstream f(staged, std::ios::binary | std::ios::trunc);
      f << "# Written by `syncpath plan --fix` from " << o.topology << ": every to-do step that configuration can fix\n"
        << "# is applied (" << fixed.applied.size() << " changes).\n"
        << fixed.yaml;
      if (!f) throw std::runtime_error("cannot write " + staged + ": check the directory exists and is writable");
    }
    std::error_code ec;
    std::filesystem::rename(staged, o.fix_file, ec);
    if (ec) throw std::runtime_error("cannot write " + o.fix_file + ": " + ec.message());
    if (!o.common.quiet) {
      ctx.err << "syncpath plan: wrote " << o.fix_file << " with " << fixed.applied.size() << " changes applied";
      if (!fixed.unfixable.empty()) ctx.err << "; " << fixed.unfixable.size() << " steps are not fixable by configuration:";
      ctx.err << '\n';
      for (const auto& st : fixed.unfixable) ctx.err << "  " << st.action << ": " << st.detail << '\n';
    }
  }
}

}  // namespace

void add_plan_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<PlanOptions>();
  auto* sub = app.add_subcommand("plan", "Plan every (resource group, data source) pair: relation, solution, path, steps");
  sub->add_option("topology", opts->topology, "Topology file (YAML)")->required();
  sub->add_option("--rg", opts->groups, "Only this resource group (repeatable)");
  sub->add_option("--source", opts->sources, "Only this data source (repeatable)");
  sub->add_option("--rules", opts->rules_dir, "Load the rules from this folder of *.yaml files instead of the built-in ones");
  sub->add_option("--fix", opts->fix_file, "Write a topology with every fixable to-do step applied to FILE");
  sub->add_option("--threads", opts->threads, "Plan on N threads (text and json; default: one per core)")
      ->check(CLI::Range(1u, 256u));
  add_common_options(*sub, opts->common, {"text", "markdown", "json", "dot", "terraform", "aliyun"});
  add_from_options(*sub, opts->from);
  sub->callback([&ctx, opts] { run_plan(ctx, *opts); });
}

}  // namespace syncpath::cli
