// `syncpath probe`: live checks from this machine, taken to be a resource group's host.
// Two modes: a topology (every data source the group, or a task's two groups, must reach; the
// diagnosis library holds each result against the plan) or ad-hoc `--target HOST:PORT`s.
// This file parses flags, calls probes/ and diagnosis/, and renders.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "app.hpp"
#include "cmd_plan.hpp"
#include "diagnosis.hpp"
#include "probe.hpp"
#include "probe_render.hpp"

namespace syncpath::cli {

namespace {

using diagnosis::ProbeReport;

struct ProbeArgs {
  std::string topology, rg, host, task, targets_file, protocol = "tcp", dns_server, user, database, password_env,
      http_path = "/";
  std::vector<std::string> sources, targets;
  int concurrency = 64, retries = 0;
  double timeout = 3.0;
  bool insecure = false;
  CommonOptions common;
};

std::string machine_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

probes::Options probe_options(const ProbeArgs& a) {
  probes::Options o;
  o.concurrency = a.concurrency;
  o.timeout_seconds = a.timeout;
  o.retries = a.retries;
  o.dns_server = a.dns_server;
  o.verify_tls = !a.insecure;
  return o;
}

// Writes the report in the chosen format. Unusable input (an error among its diagnostics) is
// exit 2; in text its diagnostics go to stderr like every command's.
int write_report(Context& ctx, const ProbeArgs& a, ProbeReport& rep, const SourceTexts& texts) {
  const bool unusable = rep.diagnostics.has_errors();
  if (a.common.format == "text") {
    // With --quiet the topology's warnings are left out: they are not problems of this run.
    if (unusable || !a.common.quiet) print_diagnostics(ctx, a.common, rep.diagnostics, texts);
    if (unusable) return kBadInput;
    if (!a.common.quiet && !rep.skipped.empty()) {
      std::string all;
      for (const auto& n : rep.skipped) all += (all.empty() ? "" : ", ") + n;
      ctx.err << "syncpath probe: not probed (file-based, no network endpoint): " << all << '\n';
    }
  }
  if (!a.common.quiet)
    for (const auto& w : rep.warnings) ctx.err << "syncpath probe: " << w << '\n';
  Report report(ctx, a.common);
  if (a.common.format == "json") diagnosis::render_probe_json(report.stream(), rep);
  else if (a.common.format == "junit") diagnosis::render_probe_junit(report.stream(), rep);
  else diagnosis::render_probe_text(report.stream(), rep, a.common.quiet, report.color());
  if (!report.commit() || unusable) return kBadInput;
  return diagnosis::summarize(rep).failing ? kFindings : kOk;
}

// A problem with the flags themselves, reported in the chosen format.
int bad_input(Context& ctx, const ProbeArgs& a, const std::string& code, const std::string& message) {
  ProbeReport rep;
  rep.diagnostics.add(command_line_problem(a.topology, code, message));
  if (a.common.format == "text") {
    ctx.err << "syncpath probe: " << message << '\n';
    return kBadInput;
  }
  return write_report(ctx, a, rep, {});
}

int run_ad_hoc(Context& ctx, const ProbeArgs& a) {
  auto proto = probes::parse_protocol(a.protocol);
  if (!proto)
    return bad_input(ctx, a, "bad-option", "--protocol '" + a.protocol + "': expected tcp, mysql, postgresql, http or https");
  std::string password;
  if (!a.password_env.empty()) {
    const char* pw = std::getenv(a.password_env.c_str());
    if (!pw)
      return bad_input(ctx, a, "bad-option", "--password-env " + a.password_env + ": the environment variable is not set");
    password = pw;
  }
  ProbeReport rep;
  auto targets = diagnosis::ad_hoc_targets(a.targets, a.targets_file, rep);
  if (rep.diagnostics.has_errors()) return write_report(ctx, a, rep, {});
  for (auto& t : targets) {
    t.protocol = *proto;
    t.username = a.user;
    t.password = password;
    t.database = a.database;
    t.http_path = a.http_path;
  }
  rep.host = machine_name();
  diagnosis::diagnose_ad_hoc(probes::run_probes(targets, probe_options(a)), rep);
  return write_report(ctx, a, rep, {});
}

int run_topology(Context& ctx, const ProbeArgs& a) {
  ProbeReport rep;
  SourceTexts texts;
  auto topology = load_topology_option(a.topology, rep.diagnostics, texts);
  if (!topology) {
    int rc = write_report(ctx, a, rep, texts);
    if (a.common.format == "text")
      ctx.err << a.topology << ": invalid: " << rep.diagnostics.error_count() << " errors, "
              << rep.diagnostics.warning_count() << " warnings\n";
    return rc;
  }
  diagnosis::ProbeSelection sel{a.rg, a.host, a.task, a.sources};
  auto plan = diagnosis::plan_probes(*topology, default_rules(), sel, rep);
  if (rep.diagnostics.has_errors()) return write_report(ctx, a, rep, texts);
  if (rep.host.empty()) rep.host = machine_name();
  diagnosis::diagnose(plan, probes::run_probes(plan.targets, probe_options(a)), rep);
  return write_report(ctx, a, rep, texts);
}

}  // namespace

void add_probe_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ProbeArgs>();
  auto* sub = app.add_subcommand("probe", "Live checks from this machine: DNS, TCP, protocol handshake, whitelist");
  sub->add_option("topology", args->topology, "Topology file (with --rg or --task)");
  sub->add_option("--rg", args->rg, "The resource group this machine is a host of");
  sub->add_option("--task", args->task,
                  "Probe a task's two data sources as its two groups (the one that runs it and the one that issues it)");
  sub->add_option("--host", args->host, "Which host of a custom group this machine is");
  // One value per flag, so that `--source a TOPOLOGY` does not swallow the positional.
  sub->add_option("--source", args->sources, "Probe only this data source (repeatable)")->allow_extra_args(false);
  sub->add_option("--target", args->targets, "Probe the endpoint HOST:PORT instead of a topology (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--targets-file", args->targets_file, "Probe every HOST:PORT listed in FILE, one a line");
  sub->add_option("--protocol", args->protocol, "With --target: tcp, mysql, postgresql, http or https")->default_val("tcp");
  sub->add_option("--user", args->user, "With --target: user for a real login");
  sub->add_option("--password-env", args->password_env, "With --target: environment variable holding the password");
  sub->add_option("--database", args->database, "With --target: database to log in to");
  sub->add_option("--path", args->http_path, "With --target and http/https: the path to request")->default_val("/");
  sub->add_option("--concurrency", args->concurrency, "Targets probed at once")->default_val(64);
  sub->add_option("--timeout", args->timeout, "Seconds each check may take")->default_val(3.0);
  sub->add_option("--retries", args->retries, "Extra attempts for a check that timed out")->default_val(0);
  sub->add_option("--dns-server", args->dns_server, "Ask this DNS server (IP or IP:PORT) instead of the system's");
  sub->add_flag("--insecure", args->insecure, "https: do not verify the certificate");
  add_common_options(*sub, args->common, {"text", "json", "junit"});
  sub->callback([&ctx, args] {
    const ProbeArgs& a = *args;
    const bool ad_hoc = !a.targets.empty() || !a.targets_file.empty();
    if (ad_hoc == !a.topology.empty()) {
      ctx.exit_code = bad_input(ctx, a, "bad-option", "give either a TOPOLOGY file with --rg ID, or --target HOST:PORT");
      return;
    }
    if (!a.topology.empty() && a.rg.empty() && a.task.empty()) {
      ctx.exit_code = bad_input(ctx, a, "bad-option",
                                "--rg ID (or --task NAME) is required with a topology: which resource group is this "
                                "machine a host of?");
      return;
    }
    if (ad_hoc && (!a.rg.empty() || !a.sources.empty() || !a.task.empty())) {
      ctx.exit_code = bad_input(ctx, a, "bad-option",
                                "--rg, --task and --source need a topology file; --target probes one endpoint on its own");
      return;
    }
    if (auto problem = probes::check_options(probe_options(a)); !problem.empty()) {
      ctx.exit_code = bad_input(ctx, a, "bad-option", problem);
      return;
    }
    ctx.exit_code = ad_hoc ? run_ad_hoc(ctx, a) : run_topology(ctx, a);
  });
}

}  // namespace syncpath::cli
