// The sync core's driver: checks a loaded job against the real source and destination,
// cuts it into slices, and runs them through the channel (concurrency, one shared throttle,
// the dirty-data policy), recording finished slices in a state file for --resume.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "job.hpp"
#include "value.hpp"

namespace syncpath::sync {

struct MappingRow {
  std::string source_column, destination_column;
  ColumnType source_type, destination_type;
  std::string conversion;  // "always" | "per value" | "never"
};

// What the pre-run check found: the column mapping and the destination key, or diagnostics.
struct Mapping {
  std::vector<MappingRow> rows;
  std::vector<std::string> keys;  // conflict key for replace/upsert
  std::string split_key_kind;     // "integer" | "date" | "" (no split)
};

// Checks tables, columns, counts, types and keys, connecting to both sides. Problems go to
// `diags` with the job file's positions; the mapping is returned when there are none.
std::optional<Mapping> check_job(const Job& job, Diagnostics& diags);

// The --explain table: source column and type, destination column and type, conversion.
void print_mapping(std::ostream& out, const Job& job, const Mapping& m);

struct SliceSpec {
  int index = 0, count = 1;  // 0-based index, as a Kubernetes Indexed Job's completion index
};

struct RunOptions {
  bool resume = false;
  std::optional<SliceSpec> only_slice;  // --slice I/N
  std::string state_path;               // empty: <job>.state.json beside the job
  bool want_progress = false;
  // Called about twice a second from a monitor thread while slices run.
  std::function<void(std::uint64_t rows, std::uint64_t bytes, double seconds, std::optional<std::uint64_t> total_rows)> progress;
  // Messages for the user (slice failures, skipped pre_sql); never contain a password.
  std::function<void(const std::string&)> note;
};

struct Totals {
  bool succeeded = false;
  std::uint64_t records_read = 0, records_written = 0, dirty_records = 0, bytes = 0;
  double seconds = 0.0;
  int slices_total = 0, slices_run = 0, slices_failed = 0, slices_skipped = 0;  // skipped: done before (--resume)
  std::optional<double> rate_limit_bytes_per_second, records_limit_per_second;
  std::string failure;  // why the job failed, when it did
  double records_per_second() const { return seconds > 0 ? static_cast<double>(records_read) / seconds : 0.0; }
  double bytes_per_second() const { return seconds > 0 ? static_cast<double>(bytes) / seconds : 0.0; }
};

// Runs the job. Input problems found only now (a --slice out of range, a state file of another
// job) go to `diags` and the run does not start; everything else ends up in the totals.
Totals run_job(const Job& job, const Mapping& mapping, const RunOptions& opts, Diagnostics& diags);

}  // namespace syncpath::sync
