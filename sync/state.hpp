// The state file of a job: which slices have committed, with their counts, and the key ranges
// the slices were cut on (kept so --resume cuts the same way even if the source grew).
// Updated under an exclusive lock (on the folder that holds it, so no lock file is left behind)
// and replaced atomically, so several processes running --slice I/N on one host can share it
// and a kill -9 never leaves it half written.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace syncpath::sync {

struct SliceCounts {
  std::uint64_t read = 0, written = 0, dirty = 0, bytes = 0;
  std::string committed_at;  // UTC, ISO 8601; empty when only the destination knew (see run.cpp)
  SliceCounts& operator+=(const SliceCounts& o) {
    read += o.read, written += o.written, dirty += o.dirty, bytes += o.bytes;
    return *this;
  }
};

struct JobState {
  std::string fingerprint;  // what the job reads and writes (slices.hpp); a resume of another job is refused
  int slices = 0;
  std::string split_kind;   // "integer", "date" or "" (one slice)
  std::vector<std::pair<std::string, std::string>> ranges;  // per slice [lo, hi]; empty = unsplit
  std::vector<bool> empty;  // slices with nothing to read
  std::map<int, SliceCounts> done;
};

// nullopt when the file does not exist; throws std::runtime_error when it is unreadable or corrupt.
std::optional<JobState> read_state(const std::string& path);
// Locks, reads (or starts from `fresh`), lets `change` edit, writes back atomically, unlocks.
// Returns the state as written.
JobState update_state(const std::string& path, const JobState& fresh, const std::function<void(JobState&)>& change);

}  // namespace syncpath::sync
