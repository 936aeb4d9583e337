#include "run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "channel.hpp"
#include "connector.hpp"
#include "state.hpp"

namespace syncpath::sync {

namespace {

namespace fs = std::filesystem;
using Clock = Throttle::Clock;

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The destination as the user named it, for messages.
std::string destination_label(const JobSide& d) {
  const DataSource& ds = d.data_source;
  std::string where = is_file_based(ds.type) ? resolve_path(d, ds.path)
                                             : std::string(to_string(ds.type)) + " " +
                                                   (ds.endpoint ? (ds.endpoint->host.empty() && ds.endpoint->ip ? ds.endpoint->ip->str() : ds.endpoint->host) +
                                                                      ":" + std::to_string(ds.endpoint->port)
                                                                : std::string()) +
                                                   (ds.database.empty() ? "" : "/" + ds.database);
  return (d.table.empty() ? "" : "table " + d.table + " in ") + where;
}

// Everything the run knows about which slices have committed, before it starts.
struct Committed {
  std::set<int> slices;      // in the destination's marks or the state file
  std::string last_at;       // when the last of them committed, when the state file says
};

// The run's refusal to load again what an earlier run committed, or "" when it may go on.
std::string refusal(const Job& job, const RunOptions& opts, const Committed& c, const std::optional<JobState>& prior,
                    const std::string& fp, int n) {
  if (opts.resume || opts.start_over) return {};
  const std::string dest = destination_label(job.destination);
  const std::string at = c.last_at.empty() ? "" : ", the last at " + c.last_at;
  if (opts.only_slice) {
    if (!c.slices.count(opts.only_slice->index)) return {};
    return "slice " + std::to_string(opts.only_slice->index) + " of " + std::to_string(n) + " already committed into " + dest + at +
           "; nothing was loaded. --resume skips it (exit 0); --start-over loads it again";
  }
  if (static_cast<int>(c.slices.size()) == n)
    return "the job already completed into " + dest + " (all " + std::to_string(n) + " slices committed" + at +
           "); nothing was loaded. To load it again, pass --start-over (first empty the destination, or give the job a pre_sql that does)";
  if (!c.slices.empty())
    return std::to_string(c.slices.size()) + " of " + std::to_string(n) + " slices of this job are already committed into " + dest +
           " by an earlier run that did not finish; nothing was loaded. Rerun with --resume to load only the other slices, or --start-over to load them all again";
  if (prior && prior->fingerprint == fp && prior->slices != n && !prior->done.empty())
    return "an earlier run of this job cut it into " + std::to_string(prior->slices) + " slices and committed " + std::to_string(prior->done.size()) +
           " of them into " + dest + "; nothing was loaded. Set the slices back to " + std::to_string(prior->slices) +
           " and rerun with --resume, or pass --start-over to load everything again";
  return {};
}

}  // namespace

Totals run_job(const Job& job, const Mapping& mapping, const RunOptions& opts, Diagnostics& diags) {
  Totals totals;
  const auto t0 = Clock::now();
  auto finish_totals = [&] {
    totals.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return totals;
  };
  totals.dirty_file = job.dirty_path;
  if (job.channel.rate_limit_mb_per_s) totals.rate_limit_bytes_per_second = *job.channel.rate_limit_mb_per_s * 1e6;
  totals.records_limit_per_second = job.channel.records_per_second;
  auto note = [&](const std::string& m) {
    if (opts.note) opts.note(m);
  };
  auto interrupted = [&] { return opts.interrupted && opts.interrupted(); };
  const bool split = !job.source.split_key.empty();
  const int n = split ? job.slice_count() : 1;
  totals.slices_total = n;
  if (opts.only_slice) {
    totals.slice = opts.only_slice->index;
    const Place& where = job.slice_count_place();
    const SourcePos p = where.value.line > 0 ? where.value : job.source.pos;
    if (!split && opts.only_slice->count > 1) {
      diags.error(job.source.split_key_place.given() ? job.source.split_key_place.key : job.source.pos, "slice-needs-split-key",
                  "--slice " + std::to_string(opts.only_slice->index) + "/" + std::to_string(opts.only_slice->count) +
                      ": the job has no source split_key, so it is one slice; add a split_key to cut it, or run it whole");
      return totals;
    }
    if (opts.only_slice->count != n) {
      diags.error(p, "slice-mismatch",
                  "--slice " + std::to_string(opts.only_slice->index) + "/" + std::to_string(opts.only_slice->count) +
                      " does not match the job, which is cut into " + std::to_string(n) + " slices (" +
                      (job.channel.slices > 0 ? "channel.slices" : "channel.concurrency") + "); use --slice I/" + std::to_string(n) +
                      " with 0 <= I < " + std::to_string(n));
      return totals;
    }
  }
  std::string state_path = opts.state_path;
  if (state_path.empty()) {
    fs::path p(job.file);
    state_path = (p.parent_path() / (p.stem().string() + ".state.json")).string();
  }
  const std::string fp = job_fingerprint(job);
  const std::string marks = marks_id(fp, n);

  std::optional<JobState> prior;
  try {
    prior = read_state(state_path);
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "bad-state", e.what());
    return totals;
  }
  const bool same_prior = prior && prior->fingerprint == fp && prior->slices == n;
  if (opts.resume && prior && !same_prior) {
    diags.error({state_path, 0, 0}, "state-mismatch",
                "the state file was written for another job or slice count (" + std::to_string(prior->slices) +
                    " slices); run without --resume to start over, or pass --state FILE");
    return totals;
  }
  if (interrupted()) {
    totals.outcome = Outcome::interrupted;
    totals.failure = "interrupted before any slice started";
    return finish_totals();
  }

  // What has committed: the destination's own marks (their table created here once, before any
  // slice, so concurrent slices never race to create it), which commit with the rows; the state
  // file only for a destination without marks (a CSV file).
  Committed committed;
  std::optional<std::vector<int>> marked;
  try {
    auto d = connect(job.destination);
    d->prepare_marks();
    marked = d->committed_slices(marks);
  } catch (const ConnectorError& e) {
    totals.failure = e.what();
    return finish_totals();
  }
  if (marked) {
    for (int i : *marked)
      if (i >= 0 && i < n) committed.slices.insert(i);
  } else if (same_prior) {
    for (const auto& [i, c] : prior->done) committed.slices.insert(i);
  }
  if (same_prior)
    for (const auto& [i, c] : prior->done)
      if (committed.slices.count(i)) committed.last_at = std::max(committed.last_at, c.committed_at);
  if (std::string why = refusal(job, opts, committed, prior, fp, n); !why.empty()) {
    totals.outcome = Outcome::already_loaded;
    totals.failure = why;
    totals.slices_committed = static_cast<int>(committed.slices.size());
    if (same_prior)
      for (const auto& [i, c] : prior->done) totals.job.read += c.read, totals.job.written += c.written, totals.job.dirty += c.dirty, totals.job.bytes += c.bytes;
    return finish_totals();
  }

  // The slices: the cut recorded in the state file when this run continues the job (--resume,
  // or one --slice of it), else cut afresh.
  JobState fresh;
  fresh.fingerprint = fp;
  fresh.slices = n;
  fresh.split_kind = split ? mapping.split_key_kind : "";
  JobState st = fresh;
  if (same_prior && (opts.resume || opts.only_slice)) {
    st = *prior;
  } else if (split) {
    try {
      auto c = connect(job.source);
      KeyBounds b = c->key_bounds(job.source, mapping.split_key_kind);
      st.split_kind = b.empty ? mapping.split_key_kind : (b.is_date ? "date" : "integer");
      cut_ranges(b, st);
    } catch (const ConnectorError& e) {
      totals.failure = e.what();
      return finish_totals();
    }
  } else {
    st.ranges.assign(1, {"", ""});
    st.empty.assign(1, false);
  }
  const std::optional<int> only = opts.only_slice ? std::optional<int>(opts.only_slice->index) : std::nullopt;
  try {
    // Record the cut before any slice commits, so a crash mid-run resumes on the same ranges.
    // Slices of one job run by several processes keep the first cut recorded.
    st = update_state(state_path, fresh, [&](JobState& s) {
      if (s.fingerprint != fp || s.slices != n) {
        s = fresh;
        s.split_kind = st.split_kind, s.ranges = st.ranges, s.empty = st.empty;
      } else if (!only || s.ranges.size() != static_cast<std::size_t>(n)) {
        s.split_kind = st.split_kind, s.ranges = st.ranges, s.empty = st.empty;
      }
      if (!opts.resume) {
        if (only) s.done.erase(*only);
        else s.done.clear();
      }
    });
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "state-unwritable", e.what());
    return totals;
  }
  JobState fresh_cut = fresh;
  fresh_cut.split_kind = st.split_kind, fresh_cut.ranges = st.ranges, fresh_cut.empty = st.empty;

  // The destination's marks are the truth: a kill between a slice's commit and the state file's
  // update must not make --resume write that slice twice, and a slice the state file records
  // but the destination does not have (it was emptied or made again) is loaded again.
  try {
    if (opts.resume && marked) {
      std::vector<int> missed, lost;
      for (int i : committed.slices)
        if (!st.done.count(i)) missed.push_back(i);
      for (const auto& [i, c] : st.done)
        if (!committed.slices.count(i)) lost.push_back(i);
      if (!missed.empty() || !lost.empty()) {
        st = update_state(state_path, fresh_cut, [&](JobState& s) {
          for (int i : missed) s.done.emplace(i, SliceCounts{});
          for (int i : lost) s.done.erase(i);
        });
      }
      if (!missed.empty()) note(std::to_string(missed.size()) + " slice(s) had committed after the state file's last update; not redone");
      if (!lost.empty())
        note(std::to_string(lost.size()) + " slice(s) the state file records are not in the destination (emptied or made again?); loading them again");
    } else if (!opts.resume) {
      connect(job.destination)->forget_slices(marks, only);
    }
  } catch (const ConnectorError& e) {
    totals.failure = e.what();
    return finish_totals();
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "state-unwritable", e.what());
    return totals;
  }

  std::vector<int> todo;
  int done_in_scope = 0;
  for (int i = 0; i < n; ++i) {
    if (only && i != *only) continue;
    if (st.done.count(i)) {
      ++totals.slices_skipped, ++done_in_scope;
      continue;
    }
    todo.push_back(i);
  }
  std::int64_t dirty_before = 0;
  for (const auto& [i, c] : st.done) dirty_before += static_cast<std::int64_t>(c.dirty);  // the limit is over the whole job

  const bool full_run = !only && !opts.resume;
  ChannelRuntime rt(job, mapping, opts.fail_on_dirty ? std::optional<std::int64_t>(0) : job.channel.dirty_records_max, dirty_before, t0);
  if (opts.fail_on_dirty) rt.dirty_limit_name = "--fail-on-dirty";
  if (full_run) rt.dirty_file.remove();  // a fresh run starts a fresh dirty file
  try {
    if (!job.destination.pre_sql.empty()) {
      if (full_run) {
        auto d = connect(job.destination);
        for (const auto& s : job.destination.pre_sql) d->execute(s);
      } else {
        note("pre_sql not run: it runs only on a fresh run of the whole job (not with --resume or --slice)");
      }
    }
  } catch (const ConnectorError& e) {
    totals.failure = std::string("pre_sql failed: ") + e.what();
    return finish_totals();
  }

  // The rows this run will read, for progress: counted on a thread of its own while the slices
  // run (a count of a large table must not delay the start), and cancelled if they end first.
  std::mutex count_mu;  // guards what follows
  std::optional<std::uint64_t> expected;
  Connection* counting = nullptr;
  std::atomic<bool> count_wanted{true};
  std::thread counter;
  if (opts.count_rows && opts.progress)
    counter = std::thread([&] {
      try {
        auto c = connect(job.source);
        {
          std::lock_guard<std::mutex> g(count_mu);
          if (!count_wanted) return;
          counting = c.get();
        }
        std::uint64_t sum = 0;
        bool known = true;
        for (int i : todo) {
          if (st.empty[static_cast<std::size_t>(i)]) continue;
          auto k = c->count(job.source, range_of(st, i));
          if (!k) known = false;
          else sum += *k;
          if (!known || !count_wanted || rt.stopped()) break;
        }
        std::lock_guard<std::mutex> g(count_mu);
        counting = nullptr;
        if (known && count_wanted) expected = sum;
      } catch (const ConnectorError&) {
        std::lock_guard<std::mutex> g(count_mu);
        counting = nullptr;
      }
    });
  if (interrupted()) rt.stop(StopReason::interrupted, "interrupted");

  std::mutex qmu;  // guards what follows
  std::size_t next = 0;
  std::vector<std::string> failures;
  int run_count = 0, failed = 0, done_now = done_in_scope;
  bool completed_job = false;  // this run's update made the state file complete
  auto worker = [&] {
    for (;;) {
      int i;
      {
        std::lock_guard<std::mutex> g(qmu);
        if (next >= todo.size() || rt.stopped()) return;
        i = todo[next++];
      }
      // A slice with nothing to read still commits its mark (and a csv destination its part).
      KeyRange range = st.empty[static_cast<std::size_t>(i)] ? KeyRange::nothing() : range_of(st, i);
      SliceResult r = run_slice(rt, i, n, range, marks);
      std::lock_guard<std::mutex> g(qmu);
      if (r.end == SliceResult::End::stopped) continue;
      if (r.end != SliceResult::End::committed) {
        ++failed;
        if (r.end == SliceResult::End::failed) {
          failures.push_back("slice " + std::to_string(i) + " failed: " + r.error);
          note(failures.back());
        }
        continue;
      }
      ++run_count, ++done_now;
      if (!r.error.empty()) failures.push_back("slice " + std::to_string(i) + " committed, but " + r.error);
      try {
        SliceCounts counts = r.counts;
        counts.committed_at = utc_now();
        JobState after = update_state(state_path, fresh_cut, [&](JobState& s) { s.done[i] = counts; });
        if (static_cast<int>(after.done.size()) == n && !completed_job) completed_job = true;
      } catch (const std::runtime_error& e) {
        ++failed;
        failures.push_back("slice " + std::to_string(i) + " committed but the state file was not updated: " + e.what());
      }
    }
  };

  // The monitor: polls for an interruption, and reports progress at its interval.
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool finished = false;
  std::thread monitor([&] {
    const auto tick = std::chrono::milliseconds(100);
    auto next_report = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.progress_interval));
    std::unique_lock<std::mutex> lk(done_mu);
    while (!done_cv.wait_for(lk, tick, [&] { return finished; })) {
      if (!rt.stopped() && interrupted()) rt.stop(StopReason::interrupted, "interrupted");
      if (opts.progress && opts.progress_interval > 0 && Clock::now() >= next_report) {
        next_report += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.progress_interval));
        Progress p;
        p.rows = rt.read.load(), p.bytes = rt.bytes.load();
        p.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        {
          std::lock_guard<std::mutex> g(count_mu);
          p.total_rows = expected;
        }
        {
          std::lock_guard<std::mutex> g(qmu);
          p.slices_done = done_now;
        }
        p.slices_total = only ? 1 : n;
        opts.progress(p);
      }
    }
  });
  const int threads = std::max(1, std::min<int>(job.channel.concurrency, static_cast<int>(todo.size())));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (counter.joinable()) {
    {
      std::lock_guard<std::mutex> g(count_mu);
      count_wanted = false;
      if (counting) counting->cancel();
    }
    counter.join();
  }
  {
    std::lock_guard<std::mutex> g(done_mu);
    finished = true;
  }
  done_cv.notify_all();
  monitor.join();

  totals.run.read = rt.read.load();
  totals.run.written = rt.written.load();
  totals.run.bytes = rt.bytes.load();
  totals.run.dirty = static_cast<std::uint64_t>(std::max<std::int64_t>(0, rt.dirty.counted() - dirty_before));
  totals.slices_run = run_count;
  totals.slices_failed = failed;
  // The job's totals: every committed slice, as the state file now records them (other
  // processes' slices included).
  JobState now = st;
  try {
    if (auto s = read_state(state_path); s && s->fingerprint == fp && s->slices == n) now = *s;
  } catch (const std::runtime_error&) {
  }
  for (const auto& [i, c] : now.done) {
    totals.job.read += c.read, totals.job.written += c.written, totals.job.dirty += c.dirty, totals.job.bytes += c.bytes;
    if (c.committed_at.empty()) ++totals.slices_uncounted;
  }
  totals.slices_committed = static_cast<int>(now.done.size());

  switch (rt.stop_reason()) {
    case StopReason::interrupted:
      totals.outcome = Outcome::interrupted;
      totals.failure = "interrupted: " + std::to_string(totals.slices_committed) + " of " + std::to_string(n) +
                       " slices committed; rerun with --resume";
      break;
    case StopReason::dirty_limit:
      totals.outcome = Outcome::failed;
      totals.failure = rt.stop_message();
      break;
    case StopReason::none:
      if (!failures.empty()) {
        totals.outcome = Outcome::failed;
        totals.failure = failures.front();
        if (failures.size() > 1) totals.failure += " (and " + std::to_string(failures.size() - 1) + " more)";
      } else if (failed > 0) {
        totals.outcome = Outcome::failed;
        totals.failure = "a slice failed";
      } else {
        totals.outcome = Outcome::succeeded;
      }
  }
  if (totals.succeeded() && completed_job) {
    try {
      auto d = connect(job.destination);
      d->finish(job.destination, rt.dst_columns, n);
      if (!job.destination.post_sql.empty()) {
        if (!only)
          for (const auto& s : job.destination.post_sql) d->execute(s);
        else
          note("post_sql not run with --slice: run it once from the scheduler after every slice");
      }
    } catch (const ConnectorError& e) {
      totals.outcome = Outcome::failed;
      totals.failure = std::string("after the last slice: ") + e.what();
    }
  }
  return finish_totals();
}

}  // namespace syncpath::sync
