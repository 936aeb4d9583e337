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

void print_diagnostics(Context& ctx, const CommonOptions& opts, const Diagnostics& diags, const SourceTexts& texts) {
  bool color = ctx.err_is_tty && !opts.no_color;
  // One pass per file, so that thousands of warnings on a large topology cost one scan of it.
  std::vector<std::string> files;
  for (const auto& d : diags.items())
    if (std::find(files.begin(), files.end(), d.pos.file) == files.end()) files.push_back(d.pos.file);
  TextBound bound;
  bound.max = opts.max_errors;
  for (const auto& file : files) {
    Diagnostics of_file;
    for (const auto& d : diags.items())
      if (d.pos.file == file) of_file.add(d);
    const std::string* text = nullptr;
    for (const auto& [f, t] : texts)
      if (f == file) text = &t;
    render_text(ctx.err, of_file, file, text, color, &bound);
  }
  render_hidden(ctx.err, bound);
}

void report_unusable(Context& ctx, const CommonOptions& opts, const Diagnostics& diags, const SourceTexts& texts,
                     int schema_version) {
  ctx.exit_code = kBadInput;
  if (opts.format != "json") {
    print_diagnostics(ctx, opts, diags, texts);
    return;
  }
  Report report(ctx, opts);
  report.stream() << "{\"schema_version\":" << schema_version << ",\"diagnostics\":" << json_diagnostics(diags) << "}\n";
  report.commit();
}

Diagnostic command_line_problem(const std::string& file, std::string code, std::string message) {
  Diagnostic d;
  d.pos = {file, 0, 0};
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

const Rules* load_rules_option(const std::string& dir, std::optional<Rules>& storage, Diagnostics& problems,
                               SourceTexts& texts) {
  if (dir.empty()) return &default_rules();
  auto loaded = load_rules_dir(dir);
  if (!loaded.ok()) {
    problems.append(loaded.diagnostics);
    texts.insert(texts.end(), loaded.texts.begin(), loaded.texts.end());
    return nullptr;
  }
  storage = std::move(loaded.rules);
  return &*storage;
}

std::optional<Topology> load_topology_option(const std::string& path, Diagnostics& diags, SourceTexts& texts) {
  LoadResult loaded = load_topology_file(path);
  diags.append(loaded.diagnostics);
  texts.emplace_back(path, std::move(loaded.source_text));
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded.topology);
}

namespace {

struct PlanOptions {
  CommonOptions common;
  std::string topology;
  std::vector<std::string> groups, sources, tasks;
  std::string rules_dir;
  std::string fix_file;
  unsigned threads = 0;  // 0: one per core
  FromOptions from;
};

void run_plan(Context& ctx, const PlanOptions& o) {
  Diagnostics diags;
  SourceTexts texts;
  std::optional<Rules> rules_storage;
  const Rules* rules = load_rules_option(o.rules_dir, rules_storage, diags, texts);
  if (!rules) return report_unusable(ctx, o.common, diags, texts, kPlanSchemaVersion);
  if (!o.from.from.empty() && !o.fix_file.empty()) {
    ctx.err << "syncpath plan: --fix edits a topology file; run `syncpath import` first and --fix its output\n";
    ctx.exit_code = kBadInput;
    return;
  }
  CloudRefs refs;  // what an import (--from) knows of the real resources, for --format terraform|aliyun
  auto topology = load_topology_option_from(o.topology, o.from, diags, texts, &refs);
  if (!topology) {
    report_unusable(ctx, o.common, diags, texts, kPlanSchemaVersion);
    if (o.common.format != "json")
      ctx.err << o.topology << ": invalid: " << diags.error_count() << " errors, " << diags.warning_count()
              << " warnings\n";
    return;
  }
  PlanFilter filter{o.groups, o.sources, o.tasks};
  Diagnostics unknown;
  for (const auto& g : o.groups)
    if (!topology->find_group(g))
      unknown.add(command_line_problem(o.topology, "unknown-resource-group",
                                       "--rg " + g + ": no resource group with that id in " + o.topology));
  for (const auto& s : o.sources)
    if (!topology->find_source(s))
      unknown.add(command_line_problem(o.topology, "unknown-source",
                                       "--source " + s + ": no data source with that name in " + o.topology));
  for (const auto& t : o.tasks)
    if (!topology->find_task(t))
      unknown.add(command_line_problem(o.topology, "unknown-task", "--task " + t + ": no task with that name in " +
                                                                       o.topology + " (tasks are listed under `tasks:`)"));
  if (!unknown.empty()) {
    if (o.common.format != "json") {
      for (const auto& u : unknown.items()) ctx.err << "syncpath plan: " << u.message << '\n';
      ctx.exit_code = kBadInput;
      return;
    }
    return report_unusable(ctx, o.common, unknown, {}, kPlanSchemaVersion);
  }
  // Warnings: on stderr in text, inside the document in json.
  if (o.common.format != "json") print_diagnostics(ctx, o.common, diags, texts);

  Report report(ctx, o.common);
  RenderOptions ro;
  ro.color = report.color();
  ro.quiet = o.common.quiet;
  ro.diagnostics = &diags;
  CodeOutput code;
  auto renderer = make_code_renderer(o.common, report.stream(), *topology, refs, code);
  if (!renderer) renderer = make_plan_renderer(o.common.format, report.stream(), *topology, ro);
  PairStatus worst = PairStatus::ready;
  renderer->groups(group_steps(*topology, *rules, filter));
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
  // The tasks' verdicts: for the tasks asked for, or for every task when the whole plan is.
  const bool whole = o.groups.empty() && o.sources.empty();
  if (!topology->tasks.empty() && (whole || !o.tasks.empty())) renderer->tasks(plan_tasks(*topology, *rules, o.tasks));
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
      print_diagnostics(ctx, o.common, fixed.diagnostics, {{o.topology, fixed.source_text}});  // stderr, as --fix reports
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
      for (const auto& st : fixed.unfixable) ctx.err << "  " << to_string(st.action) << ": " << st.detail << '\n';
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
  sub->add_option("--task", opts->tasks, "Only the pairs of this task: its two groups with its two data sources (repeatable)");
  sub->add_option("--rules", opts->rules_dir, "Load the rules from this folder of *.yaml files instead of the built-in ones");
  sub->add_option("--fix", opts->fix_file, "Write a topology with every fixable to-do step applied to FILE");
  sub->add_option("--threads", opts->threads, "Plan on N threads (text and json; default: one per core)")
      ->check(CLI::Range(1u, 256u));
  add_common_options(*sub, opts->common, {"text", "markdown", "json", "dot", "terraform", "aliyun"});
  add_from_options(*sub, opts->from);
  sub->callback([&ctx, opts] { run_plan(ctx, *opts); });
}

}  // namespace syncpath::cli
