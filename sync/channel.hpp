// The channel: what carries rows from a slice's reader to its writer. Each slice reads and
// converts on one thread and writes on another, through a queue of a few batches (memory stays
// flat); every slice of the run shares one throttle, one dirty-data policy and file, the
// counters progress is drawn from, and one stop: the dirty limit passed, a signal, a failure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "connector.hpp"
#include "dirty_data.hpp"
#include "job.hpp"
#include "mapping.hpp"
#include "state.hpp"
#include "throttle.hpp"

namespace syncpath::sync {

enum class StopReason { none, dirty_limit, interrupted };

// The channel at run time, shared by every slice of the run.
class ChannelRuntime {
 public:
  // `dirty_max`: the limit in force (the job's, or 0 with --fail-on-dirty); `dirty_before`:
  // dirty records of slices committed before this run, which count toward it.
  ChannelRuntime(const Job& job, const Mapping& mapping, std::optional<std::int64_t> dirty_max, std::int64_t dirty_before,
                 Throttle::Clock::time_point start);

  const Job& job;
  const Mapping& mapping;
  std::vector<ColumnInfo> dst_columns;
  std::vector<std::string> src_columns;
  Throttle throttle;
  DirtyPolicy dirty;
  DirtyFile dirty_file;
  std::string dirty_limit_name = "channel.dirty_records_max";  // what set the limit, for the message
  std::atomic<std::uint64_t> read{0}, written{0}, bytes{0};  // this run, for progress and totals

  // Stops every slice (running ones roll back); the first reason is kept.
  void stop(StopReason why, const std::string& message);
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  StopReason stop_reason() const;
  std::string stop_message() const;

 private:
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  StopReason reason_ = StopReason::none;
  std::string message_;
};

// How one slice ended.
struct SliceResult {
  enum class End { committed, dirty_limit, stopped, failed } end = End::failed;
  SliceCounts counts;
  std::string error;  // when failed: why (never a password)
};

// Runs slice `index` of `count` over `range` in its own transaction: committed (with its mark,
// filed under `marks`, in the destination) or rolled back. Its dirty records go to the dirty
// file when it commits, or marked rolled back when it broke the dirty limit.
SliceResult run_slice(ChannelRuntime& rt, int index, int count, const KeyRange& range, const std::string& marks);

}  // namespace syncpath::sync
