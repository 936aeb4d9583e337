// Dirty data: the policy that decides when rejected records fail the job, and the file they go
// to. A record is dirty when it does not convert to its destination column or the destination
// refuses it; it is written to the dirty file with its reason, never to the destination.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "value.hpp"

namespace syncpath::sync {

// The job's dirty-record limit (channel.dirty_records_max), counted over the whole job as each
// record is found: absent, no limit; 0, the first fails the job; N, the N+1th does.
class DirtyPolicy {
 public:
  // `already`: dirty records of slices that committed before this run (they count too).
  DirtyPolicy(std::optional<std::int64_t> max, std::int64_t already) : max_(max), count_(already) {}
  // Counts one record; false when it is past the limit.
  bool count();
  // A slice that rolled back for another reason takes its records back (they will be found again).
  void uncount(std::int64_t n);
  std::int64_t counted() const;
  const std::optional<std::int64_t>& max() const { return max_; }

 private:
  std::optional<std::int64_t> max_;
  mutable std::mutex mu_;
  std::int64_t count_;
};

// One dirty record as a JSON line: {"slice", "row" (keyed by source column), "column" (null when
// the destination refused the row as a whole), "reason"}, plus "line" when the source is a file
// (its line number there).
std::string dirty_line(int slice, const std::vector<std::string>& columns, const Row& row, const std::string& column,
                       const std::string& reason, std::optional<std::uint64_t> line);
// The same lines marked "rolled_back": true (their slice was undone; kept so the file shows what
// to repair, and skipped when the file is loaded back).
std::string mark_rolled_back(const std::string& lines);

// The dirty-data file, shared by the slices of a run and by other processes running slices of
// the same job: lines are appended whole under an exclusive lock and synced.
class DirtyFile {
 public:
  explicit DirtyFile(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }
  void append(const std::string& lines);  // throws ConnectorError when it cannot be written
  void remove();                          // a fresh run starts a fresh file

 private:
  std::string path_;
  std::mutex mu_;
};

}  // namespace syncpath::sync
