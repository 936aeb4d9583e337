// `syncpath whichgroup LOGFILE`: which kind of resource group ran each task of a sync log.
#include <CLI/CLI.hpp>

#include <fstream>

#include "app.hpp"
#include "render.hpp"
#include "whichgroup.hpp"

namespace syncpath::cli {

namespace {

struct WhichOptions {
  CommonOptions common;
  std::string log;
};

std::string describe(const PipelineRun& r) {
  if (r.group_kind == "shared") {
    if (r.cluster == "oxs") return "shared resource group (OXS cluster: ApsaraDB RDS involved)";
    if (r.cluster == "ecs") return "shared resource group (ECS cluster)";
    return "shared resource group";
  }
  if (r.group_kind == "exclusive") return "exclusive resource group for Data Integration";
  if (r.group_kind == "custom") return "custom resource group";
  return "unknown (not a basecommon_ pipeline name)";
}

void run_whichgroup(Context& ctx, const WhichOptions& o) {
  std::ifstream in(o.log, std::ios::binary);
  if (!in) {
    ctx.err << "syncpath whichgroup: cannot read " << o.log << ": check the path and its permissions\n";
    ctx.exit_code = kBadInput;
    return;
  }
  auto runs = scan_log(in);
  Report report(ctx, o.common);
  auto& out = report.stream();
  if (o.common.format == "json") {
    out << "{\"schema_version\":" << kWhichgroupSchemaVersion << ",\"file\":";
    json_string(out, o.log);
    out << ",\"tasks\":[";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& r = runs[i];
      out << (i ? ",\n" : "\n") << "{\"line\":" << r.line << ",\"pipeline\":";
      json_string(out, r.pipeline);
      out << ",\"group_kind\":\"" << r.group_kind << '"';
      if (!r.cluster.empty()) out << ",\"cluster\":\"" << r.cluster << '"';
      if (!r.task.empty()) {
        out << ",\"task\":";
        json_string(out, r.task);
      }
      out << '}';
    }
    out << (runs.empty() ? "" : "\n") << "]}\n";
  } else {
    for (const auto& r : runs) {
      out << o.log << ':' << r.line << ": ";
      if (!r.task.empty()) out << "task " << r.task << ": ";
      out << describe(r) << " (Pipeline[" << r.pipeline << "])\n";
    }
    if (runs.empty()) out << "no `running in Pipeline[...]` line found in " << o.log << '\n';
  }
  if (!report.commit()) {
    ctx.exit_code = kBadInput;
    return;
  }
  ctx.exit_code = runs.empty() ? kFindings : kOk;
}

}  // namespace

void add_whichgroup_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<WhichOptions>();
  auto* sub = app.add_subcommand("whichgroup", "Which kind of resource group ran each task of a sync log");
  sub->add_option("logfile", opts->log, "A sync log")->required();
  add_common_options(*sub, opts->common, {"text", "json"});
  sub->callback([&ctx, opts] { run_whichgroup(ctx, *opts); });
}

}  // namespace syncpath::cli
