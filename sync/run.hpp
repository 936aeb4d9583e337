// The run: a checked job cut into slices and run through the channel, `concurrency` slices at a
// time, each committed once and recorded in the state file for --resume. A run stops cleanly
// on the dirty limit or an interruption (running slices roll back, committed ones stay), and
// refuses to load again what an earlier run already committed, unless asked to start over.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "diagnostics.hpp"
#include "job.hpp"
#include "mapping.hpp"
#include "slices.hpp"

namespace syncpath::sync {

struct Progress {
  std::uint64_t rows = 0, bytes = 0;         // read so far by this run
  double seconds = 0;                        // since the run started
  std::optional<std::uint64_t> total_rows;   // this run's rows, counted before it (when asked)
  int slices_done = 0, slices_total = 0;     // of the slices this run covers (the job, or one --slice)
};

struct RunOptions {
  bool resume = false;                  // redo only the slices not committed yet
  bool start_over = false;              // load again slices an earlier run committed
  bool fail_on_dirty = false;           // any dirty record fails the run (the limit becomes 0)
  std::optional<SliceSpec> only_slice;  // --slice I/N
  std::string state_path;               // empty: <job>.state.json beside the job
  // Called every `progress_interval` seconds (0: never) from a monitor thread while slices run.
  double progress_interval = 0;
  std::function<void(const Progress&)> progress;
  bool count_rows = false;              // count the rows first, so progress has a total and an ETA
  // Polled about ten times a second: true stops the run as SIGINT would (running slices roll
  // back, committed ones stay, the state file records them).
  std::function<bool()> interrupted;
  // Messages for the user (a slice failed, pre_sql skipped); never contain a password.
  std::function<void(const std::string&)> note;
};

struct Counts {
  std::uint64_t read = 0, written = 0, dirty = 0, bytes = 0;
};

enum class Outcome {
  succeeded,       // finished within its dirty-data limit
  failed,          // a slice failed, the dirty limit passed, an endpoint failed
  interrupted,     // stopped by `interrupted` (a signal)
  already_loaded,  // an earlier run committed (some of) it: nothing was done
};

struct Totals {
  Outcome outcome = Outcome::failed;
  bool succeeded() const { return outcome == Outcome::succeeded; }
  Counts run;  // this run
  Counts job;  // every committed slice of the job so far, this run's included (the dirty limit's count)
  double seconds = 0.0;
  std::optional<int> slice;  // --slice I
  int slices_total = 0;      // N: the job's slices
  int slices_run = 0, slices_failed = 0, slices_skipped = 0;  // this run; skipped: committed before (--resume)
  int slices_committed = 0;  // of the job, after this run
  int slices_uncounted = 0;  // committed slices whose counts only the destination's mark knows
  std::optional<double> rate_limit_bytes_per_second, records_limit_per_second;
  std::string failure;       // why the run did not succeed
  std::string dirty_file;
  double records_per_second() const { return seconds > 0 ? static_cast<double>(run.read) / seconds : 0.0; }
  double bytes_per_second() const { return seconds > 0 ? static_cast<double>(run.bytes) / seconds : 0.0; }
};

// Runs the job. Input problems found only now (a --slice that does not match the job's slices,
// a state file of another job) go to `diags` and nothing is touched; everything else ends up
// in the totals.
Totals run_job(const Job& job, const Mapping& mapping, const RunOptions& opts, Diagnostics& diags);

}  // namespace syncpath::sync
