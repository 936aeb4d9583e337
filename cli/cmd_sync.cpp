// `syncpath sync JOB`: load and check the job, preflight its endpoints, then run it through the
// embedded sync core and print the totals. Exit 0 when it finished within its dirty-data limit,
// 1 when the sync failed or an endpoint is unreachable, 2 for unusable input.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.hpp"
#include "connector.hpp"
#include "engine.hpp"
#include "job.hpp"
#include "probe.hpp"

namespace syncpath::cli {

namespace {

// A report as indented JSON. Server messages and file names need not be UTF-8: such bytes are
// replaced (U+FFFD) instead of throwing, which would lose the report of a run that happened.
std::string json_text(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace); }

namespace fs = std::filesystem;

struct SyncOptions {
  CommonOptions common;
  std::string job_path;
  bool explain = false, resume = false, skip_preflight = false;
  std::string slice, state;
};

std::optional<sync::SliceSpec> parse_slice(const std::string& s) {
  auto slash = s.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    std::size_t a = 0, b = 0;
    int i = std::stoi(s.substr(0, slash), &a), n = std::stoi(s.substr(slash + 1), &b);
    if (a != slash || b != s.size() - slash - 1 || n < 1 || i < 0 || i >= n || n > 100000) return std::nullopt;
    return sync::SliceSpec{i, n};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string remedy_for(probes::Verdict v, const DataSource& ds, const std::string& rg, const std::string& topology) {
  using V = probes::Verdict;
  std::string r;
  switch (v) {
    case V::dns_failure: r = "make the host name resolve from this host (its DNS zone, a private zone, or /etc/hosts)"; break;
    case V::refused: r = "nothing listens there: check the server is running and the endpoint's port"; break;
    case V::no_route_or_filtered:
    case V::timeout: r = "no answer: check the route, security group and firewall between this host and the server"; break;
    case V::rejected_by_whitelist: r = "the server refused this host: add its address to the data source's whitelist"; break;
    case V::auth_failed: r = "the server is reachable but refused the login: fix user '" + ds.username + "' or its password"; break;
    case V::tls_failure: r = "the TLS handshake failed: check the certificate and that the port speaks TLS"; break;
    case V::reachable: return {};
  }
  if (!rg.empty() && !topology.empty())
    r += "; `syncpath probe " + topology + " --rg " + rg + "` names the plan step that fixes it";
  return r;
}

// Preflight of one end. File-based sources are local files on this host; networked ones go
// through the probes library's ladder (DNS, TCP, the protocol handshake with the job's login),
// as `syncpath probe` runs it. Returns the problem with its remedy, or "".
std::string preflight(const sync::JobSide& e, bool is_source, const sync::Job& job) {
  const DataSource& ds = e.data_source;
  const std::string who = std::string(is_source ? "source" : "destination") + " '" + ds.name + "'";
  if (ds.type == SourceType::sqlite || ds.type == SourceType::csv) {
    fs::path p = sync::resolve_path(e, ds.path);
    if (ds.type == SourceType::csv && !is_source) {
      fs::path dir = fs::is_directory(p) ? p : p.parent_path();
      if (dir.empty()) dir = ".";
      if (::access(dir.c_str(), W_OK) != 0)
        return who + ": cannot write in " + dir.string() + "; create the directory or fix its permissions";
      return {};
    }
    if (!fs::exists(p)) return who + ": no file " + p.string() + "; check the data source's path (relative to the file that names it)";
    if (::access(p.c_str(), is_source ? R_OK : (R_OK | W_OK)) != 0)
      return who + ": " + p.string() + " is not " + (is_source ? "readable" : "writable") + "; fix its permissions";
    return {};
  }
  if (!ds.endpoint) return who + ": no endpoint to check";
  probes::Target t;
  t.name = ds.name;
  t.host = !ds.endpoint->host.empty() ? ds.endpoint->host : ds.endpoint->ip->str();
  if (!ds.endpoint->host.empty() && ds.endpoint->ip) t.expected_ip = ds.endpoint->ip->str();
  t.port = ds.endpoint->port;
  t.protocol = ds.type == SourceType::mysql ? probes::Protocol::mysql : probes::Protocol::postgresql;
  std::string err;
  if (auto pw = resolve_secret(ds.password, e.base_dir, err)) {
    t.database = ds.database, t.username = ds.username, t.password = *pw;  // a real login checks the credentials too
  }
  probes::Options opts;
  opts.timeout_seconds = 3.0;
  auto results = probes::run_probes({t}, opts);
  if (results.empty() || results[0].verdict == probes::Verdict::reachable) return {};
  const auto& r = results[0];
  std::string detail;
  for (const auto& c : r.checks)
    if (c.status == probes::CheckStatus::fail) {
      detail = c.check + ": " + c.detail;
      break;
    }
  return who + ": " + t.host + ":" + std::to_string(t.port) + " is not usable (" + probes::to_string(r.verdict) +
         (detail.empty() ? "" : ", " + detail) + "); " + remedy_for(r.verdict, ds, job.resource_group, job.topology_file);
}

std::string human_bytes(double b) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  if (b >= 1e9) o << b / 1e9 << " GB";
  else if (b >= 1e6) o << b / 1e6 << " MB";
  else if (b >= 1e3) o << b / 1e3 << " kB";
  else o << std::setprecision(0) << b << " B";
  return o.str();
}

void print_diagnostics(Context& ctx, Report& report, const SyncOptions& o, const Diagnostics& diags, const std::string& text) {
  if (o.common.format == "json") {
    render_json(report.stream(), diags);
    report.stream() << '\n';
    return;
  }
  bool color = ctx.err_is_tty && !o.common.no_color;
  for (const auto& d : diags.items()) render_text(ctx.err, d, d.pos.file == o.job_path ? &text : nullptr, color);
}

int run_sync(Context& ctx, const SyncOptions& o) {
  Report report(ctx, o.common);
  const bool json = o.common.format == "json";
  sync::JobLoadResult loaded = sync::load_job_file(o.job_path);
  std::optional<sync::SliceSpec> slice;
  if (!o.slice.empty()) {
    slice = parse_slice(o.slice);
    if (!slice) {
      ctx.err << "syncpath sync: --slice must be I/N with 0 <= I < N (I counts from 0, as a Kubernetes JOB_COMPLETION_INDEX), not '"
              << o.slice << "'\n";
      return kBadInput;
    }
  }
  if (!loaded.ok()) {
    print_diagnostics(ctx, report, o, loaded.diagnostics, loaded.source_text);
    report.commit();
    return kBadInput;
  }
  const sync::Job& job = *loaded.job;
  if (!loaded.diagnostics.empty() && !json) print_diagnostics(ctx, report, o, loaded.diagnostics, loaded.source_text);

  if (!o.skip_preflight && !o.explain) {
    std::vector<std::string> problems;
    for (bool is_source : {true, false}) {
      std::string p = preflight(is_source ? job.source : job.destination, is_source, job);
      if (!p.empty()) problems.push_back(p);
    }
    if (!problems.empty()) {
      if (json) {
        nlohmann::json j = {{"status", "failed"}, {"stage", "preflight"}, {"problems", problems}};
        report.stream() << json_text(j) << '\n';
        report.commit();
      } else {
        for (const auto& p : problems) ctx.err << "preflight: " << p << '\n';
        ctx.err << "syncpath sync: stopped before moving any row (--skip-preflight to bypass)\n";
      }
      return kFindings;
    }
  }

  Diagnostics diags;
  std::optional<sync::Mapping> mapping = sync::check_job(job, diags);
  if (!mapping) {
    print_diagnostics(ctx, report, o, diags, loaded.source_text);
    report.commit();
    bool unreachable = false;
    for (const auto& d : diags.items())
      if (d.code == "source-unavailable" || d.code == "destination-unavailable" || d.code == "describe-failed") unreachable = true;
    return unreachable ? kFindings : kBadInput;
  }
  if (o.explain) {
    if (json) {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& r : mapping->rows)
        rows.push_back({{"source_column", r.source_column}, {"source_type", r.source_type.native.empty() ? std::string(sync::to_string(r.source_type.kind)) : r.source_type.native},
                        {"destination_column", r.destination_column},
                        {"destination_type", r.destination_type.native.empty() ? std::string(sync::to_string(r.destination_type.kind)) : r.destination_type.native},
                        {"conversion", r.conversion}});
      report.stream() << json_text(nlohmann::json{{"mapping", rows}, {"keys", mapping->keys}}) << '\n';
    } else {
      sync::print_mapping(report.stream(), job, *mapping);
    }
    return report.commit() ? kOk : kFindings;
  }

  sync::RunOptions ro;
  ro.resume = o.resume;
  ro.only_slice = slice;
  ro.state_path = o.state;
  std::mutex err_mu;
  bool progress_shown = false;
  ro.want_progress = ctx.err_is_tty && !o.common.quiet;
  ro.progress = [&](std::uint64_t rows, std::uint64_t bytes, double secs, std::optional<std::uint64_t> total) {
    std::lock_guard<std::mutex> g(err_mu);
    std::ostringstream line;
    double rate = secs > 0 ? static_cast<double>(rows) / secs : 0;
    line << "\r" << rows << (total ? " / " + std::to_string(*total) : std::string()) << " rows  " << human_bytes(static_cast<double>(bytes))
         << "  " << static_cast<std::uint64_t>(rate) << " rows/s  " << human_bytes(secs > 0 ? static_cast<double>(bytes) / secs : 0) << "/s";
    if (total && rate > 0 && *total >= rows) line << "  " << static_cast<int>(std::ceil(static_cast<double>(*total - rows) / rate)) << " s left";
    line << "\033[K";
    ctx.err << line.str() << std::flush;
    progress_shown = true;
  };
  ro.note = [&](const std::string& m) {
    if (o.common.quiet) return;
    std::lock_guard<std::mutex> g(err_mu);
    ctx.err << (progress_shown ? "\r\033[K" : "") << "syncpath sync: " << m << '\n';
  };
  Diagnostics run_diags;
  sync::Totals t = sync::run_job(job, *mapping, ro, run_diags);
  if (progress_shown) ctx.err << "\r\033[K" << std::flush;
  if (run_diags.has_errors()) {
    print_diagnostics(ctx, report, o, run_diags, loaded.source_text);
    report.commit();
    return kBadInput;
  }
  if (json) {
    nlohmann::json j = {{"status", t.succeeded ? "succeeded" : "failed"},
                        {"records_read", t.records_read},
                        {"records_written", t.records_written},
                        {"dirty_records", t.dirty_records},
                        {"bytes", t.bytes},
                        {"seconds", t.seconds},
                        {"records_per_second", t.records_per_second()},
                        {"bytes_per_second", t.bytes_per_second()},
                        {"slices", t.slices_total},
                        {"slices_run", t.slices_run},
                        {"slices_skipped", t.slices_skipped},
                        {"slices_failed", t.slices_failed},
                        {"dirty_file", job.dirty_path}};
    if (t.rate_limit_bytes_per_second) j["rate_limit_bytes_per_second"] = *t.rate_limit_bytes_per_second;
    if (t.records_limit_per_second) j["records_limit_per_second"] = *t.records_limit_per_second;
    if (!t.succeeded) j["error"] = t.failure;
    report.stream() << json_text(j) << '\n';
  } else {
    std::ostream& out = report.stream();
    if (!t.succeeded) ctx.err << "syncpath sync: failed: " << t.failure << '\n';
    if (!o.common.quiet || !t.succeeded) {
      out << "sync " << (t.succeeded ? "succeeded" : "failed") << ": " << t.records_read << " read, " << t.records_written << " written, "
          << t.dirty_records << " dirty";
      if (t.dirty_records) out << " (in " << job.dirty_path << ")";
      out << "; " << human_bytes(static_cast<double>(t.bytes)) << " in " << std::fixed << std::setprecision(2) << t.seconds << " s, "
          << static_cast<std::uint64_t>(t.records_per_second()) << " rows/s, " << human_bytes(t.bytes_per_second()) << "/s";
      if (t.rate_limit_bytes_per_second) out << " (limit " << human_bytes(*t.rate_limit_bytes_per_second) << "/s)";
      out << "; slices " << t.slices_run << " run";
      if (t.slices_skipped) out << ", " << t.slices_skipped << " already done";
      if (t.slices_failed) out << ", " << t.slices_failed << " failed (rerun with --resume)";
      out << " of " << t.slices_total << '\n';
    }
  }
  if (!report.commit()) return kFindings;
  return t.succeeded ? kOk : kFindings;
}

}  // namespace

void add_sync_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<SyncOptions>();
  auto* sub = app.add_subcommand("sync", "Run a batch synchronization job with the embedded sync core");
  sub->add_option("job", opts->job_path, "The job file (YAML, see docs/sync.md)")->required();
  add_common_options(*sub, opts->common, {"text", "json"});
  sub->add_flag("--explain", opts->explain, "Check the job and print the column mapping and slices; move no rows");
  sub->add_flag("--resume", opts->resume, "Redo only the slices the state file does not record as finished");
  sub->add_option("--slice", opts->slice, "Run only slice I of N (I from 0), for a scheduler spreading the job over hosts");
  sub->add_flag("--skip-preflight", opts->skip_preflight, "Do not check that source and destination are reachable first");
  sub->add_option("--state", opts->state, "The state file (default: JOB's name with .state.json, beside it)");
  sub->callback([&ctx, opts] { ctx.exit_code = run_sync(ctx, *opts); });
}

}  // namespace syncpath::cli
