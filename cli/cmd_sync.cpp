// `syncpath sync JOB`: load and check the job, preflight its endpoints, then run it through the
// embedded sync core and print the totals. Exit 0 when it finished within its dirty-data limit,
// 1 when the sync failed, an endpoint is unreachable or it was loaded before, 2 for unusable
// input, 128 + the signal when SIGINT or SIGTERM stopped it.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>

#include "app.hpp"
#include "connector.hpp"
#include "job.hpp"
#include "mapping.hpp"
#include "probe.hpp"
#include "report.hpp"
#include "run.hpp"

namespace syncpath::cli {

namespace {

namespace fs = std::filesystem;

struct SyncOptions {
  CommonOptions common;
  std::string job_path;
  bool explain = false, resume = false, start_over = false, skip_preflight = false, fail_on_dirty = false;
  std::string slice, state, progress;
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

void print_diagnostics(Context& ctx, const SyncOptions& o, const Diagnostics& diags, const std::string& text) {
  bool color = ctx.err_is_tty && !o.common.no_color;
  TextBound bound;
  bound.max = o.common.max_errors;
  render_text(ctx.err, diags, o.job_path, &text, color, &bound);
  render_hidden(ctx.err, bound);
}

// SIGINT and SIGTERM during a run: the first asks the engine to stop cleanly (slices in flight
// roll back, committed ones stay); the handler then resets itself, so a second one ends the
// process at once (the servers roll back what was in flight; --resume still works).
std::atomic<int> g_signal{0};
void on_stop_signal(int sig) { g_signal.store(sig); }

class StopSignals {
 public:
  StopSignals() {
    g_signal.store(0);
    catch_signal(SIGINT, old_int_);
    catch_signal(SIGTERM, old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  int signal() const { return g_signal.load(); }

 private:
  // A signal the process was started with ignored (a background job of a script, nohup) stays
  // ignored, as the convention is.
  static void catch_signal(int sig, struct sigaction& old) {
    struct sigaction sa {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) return;
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
  struct sigaction old_int_ {}, old_term_ {};
};

// The progress interval: --progress SECONDS or off; by default a live line on a terminal,
// a plain line every 10 s elsewhere (a CI or Kubernetes log), none with --quiet.
std::optional<double> progress_interval(const SyncOptions& o, bool tty, std::string& error) {
  if (o.progress.empty()) {
    if (o.common.quiet) return std::nullopt;
    return tty ? 0.5 : 10.0;
  }
  if (o.progress == "off") return std::nullopt;
  try {
    std::size_t used = 0;
    double v = std::stod(o.progress, &used);
    if (used == o.progress.size() && v >= 0.1 && v <= 86400) return v;
  } catch (const std::exception&) {
  }
  error = "--progress must be a number of seconds between 0.1 and 86400, or off, not '" + o.progress + "'";
  return std::nullopt;
}

bool has_unreachable(const Diagnostics& diags) {
  for (const auto& d : diags.items())
    if (d.code == "source-unavailable" || d.code == "destination-unavailable" || d.code == "describe-failed") return true;
  return false;
}

int run_sync(Context& ctx, const SyncOptions& o) {
  Report report(ctx, o.common);
  const bool json = o.common.format == "json";
  std::optional<sync::SliceSpec> slice;
  if (!o.slice.empty()) {
    slice = parse_slice(o.slice);
    if (!slice) {
      ctx.err << "syncpath sync: --slice must be I/N with 0 <= I < N (I counts from 0, as a Kubernetes JOB_COMPLETION_INDEX), not '"
              << o.slice << "'\n";
      return kBadInput;
    }
  }
  if (o.resume && o.start_over) {
    ctx.err << "syncpath sync: --resume and --start-over exclude each other: --resume keeps what committed, --start-over loads it again\n";
    return kBadInput;
  }
  std::string progress_error;
  const std::optional<double> interval = progress_interval(o, ctx.err_is_tty, progress_error);
  if (!progress_error.empty()) {
    ctx.err << "syncpath sync: " << progress_error << '\n';
    return kBadInput;
  }
  sync::JobLoadResult loaded = sync::load_job_file(o.job_path);
  // Input problems, all at once and in the file's order. Text: `found` (the warnings were
  // printed already); JSON: one document with the warnings too.
  auto input_problems = [&](const Diagnostics& found) {
    Diagnostics all = json && loaded.ok() ? loaded.diagnostics : Diagnostics{};
    all.append(found);
    all.sort();
    if (json) report.stream() << sync::diagnostics_json(all);
    else print_diagnostics(ctx, o, all, loaded.source_text);
    report.commit();
  };
  if (!loaded.ok()) {
    // The job file's problems and, when both sides are usable, the mapping's against the databases.
    Diagnostics all = loaded.diagnostics;
    if (loaded.job && loaded.sides_usable) sync::check_mapping(*loaded.job, all);
    input_problems(all);
    return kBadInput;
  }
  const sync::Job& job = *loaded.job;
  const Diagnostics& warnings = loaded.diagnostics;
  if (!warnings.empty() && !json) print_diagnostics(ctx, o, warnings, loaded.source_text);

  if (!o.skip_preflight && !o.explain) {
    std::vector<std::string> problems;
    for (bool is_source : {true, false}) {
      std::string p = preflight(is_source ? job.source : job.destination, is_source, job);
      if (!p.empty()) problems.push_back(p);
    }
    if (!problems.empty()) {
      if (json) {
        report.stream() << sync::preflight_json(problems, warnings);
        report.commit();
      } else {
        for (const auto& p : problems) ctx.err << "preflight: " << p << '\n';
        ctx.err << "syncpath sync: stopped before moving any row (--skip-preflight to bypass)\n";
      }
      return kFindings;
    }
  }

  Diagnostics diags;
  std::optional<sync::Mapping> mapping = sync::check_mapping(job, diags);
  if (!mapping) {
    input_problems(diags);
    return has_unreachable(diags) ? kFindings : kBadInput;
  }
  if (o.explain) {
    if (json) report.stream() << sync::explain_json(job, *mapping, warnings);
    else sync::write_explain_text(report.stream(), job, *mapping);
    return report.commit() ? kOk : kFindings;
  }

  sync::RunOptions ro;
  ro.resume = o.resume;
  ro.start_over = o.start_over;
  ro.fail_on_dirty = o.fail_on_dirty;
  ro.only_slice = slice;
  ro.state_path = o.state;
  std::mutex err_mu;
  bool live_shown = false;  // a terminal's progress line is on screen (cleared before other output)
  const bool live = ctx.err_is_tty;
  if (interval) {
    ro.progress_interval = *interval;
    ro.count_rows = true;
    ro.progress = [&](const sync::Progress& p) {
      std::lock_guard<std::mutex> g(err_mu);
      if (live) {
        ctx.err << '\r' << sync::progress_line(p, false) << "\033[K" << std::flush;
        live_shown = true;
      } else {
        ctx.err << sync::progress_line(p, true) << std::endl;
      }
    };
  }
  ro.note = [&](const std::string& m) {
    if (o.common.quiet) return;
    std::lock_guard<std::mutex> g(err_mu);
    ctx.err << (live_shown ? "\r\033[K" : "") << "syncpath sync: " << m << '\n';
    live_shown = false;
  };
  StopSignals signals;
  ro.interrupted = [&] { return signals.signal() != 0; };
  Diagnostics run_diags;
  sync::Totals t = sync::run_job(job, *mapping, ro, run_diags);
  if (live_shown) ctx.err << "\r\033[K" << std::flush;
  if (run_diags.has_errors()) {
    input_problems(run_diags);
    return kBadInput;
  }
  if (!t.succeeded()) ctx.err << "syncpath sync: " << (t.outcome == sync::Outcome::failed ? "failed: " : "") << t.failure << '\n';
  // Rejected records are always said, also under --quiet: exit 0 allows them (within the limit).
  if (t.run.dirty > 0)
    ctx.err << "syncpath sync: warning: " << t.run.dirty << " record(s) rejected as dirty and not written; they are in " << t.dirty_file
            << (t.succeeded() ? " (--fail-on-dirty makes any fail the run)" : "") << '\n';
  if (json) report.stream() << sync::totals_json(t, warnings);
  else if ((!o.common.quiet || !t.succeeded()) && t.outcome != sync::Outcome::already_loaded) sync::write_totals_text(report.stream(), t);
  if (!report.commit()) return kFindings;
  if (t.outcome == sync::Outcome::interrupted && signals.signal()) return 128 + signals.signal();
  return t.succeeded() ? kOk : kFindings;
}

}  // namespace

void add_sync_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<SyncOptions>();
  auto* sub = app.add_subcommand("sync", "Run a batch synchronization job with the embedded sync core");
  sub->add_option("job", opts->job_path, "The job file (YAML, see docs/sync.md)")->required();
  add_common_options(*sub, opts->common, {"text", "json"});
  sub->add_flag("--explain", opts->explain, "Check the job and print the column mapping and slices; move no rows");
  sub->add_flag("--resume", opts->resume, "Load only the slices not committed yet (after a failed, killed or interrupted run)");
  sub->add_flag("--start-over", opts->start_over,
                "Load again what an earlier run committed (without it, a job or slice that completed is not loaded twice)");
  sub->add_option("--slice", opts->slice, "Run only slice I of N (I from 0; N must be the job's slice count), for a scheduler spreading the job over hosts");
  sub->add_flag("--fail-on-dirty", opts->fail_on_dirty, "Fail the run on the first dirty record, whatever channel.dirty_records_max allows");
  sub->add_option("--progress", opts->progress,
                  "Progress every SECONDS on stderr, or off (default: a live line on a terminal, a plain line every 10 s elsewhere, none with --quiet)");
  sub->add_flag("--skip-preflight", opts->skip_preflight, "Do not check that source and destination are reachable first");
  sub->add_option("--state", opts->state, "The state file (default: JOB's name with .state.json, beside it)");
  sub->footer(
      "Exit status: 0 the job (or slice) finished within its dirty-data limit: rejected records, if any, are in the\n"
      "dirty-data file and a warning says how many (--fail-on-dirty to fail on any); 1 the sync failed, an endpoint is\n"
      "unusable, or the job or slice had already been loaded (nothing done); 2 unusable input (flags, job file,\n"
      "mapping, a state file of another job); 130/143 stopped by SIGINT/SIGTERM: committed slices stay, rerun with --resume.");
  sub->callback([&ctx, opts] { ctx.exit_code = run_sync(ctx, *opts); });
}

}  // namespace syncpath::cli
