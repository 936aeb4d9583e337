// The job's totals, as `syncpath sync` prints them at the end.
#pragma once
#include <cstdint>
namespace syncpath::sync {
struct Totals {
  std::uint64_t records_read = 0, records_written = 0, dirty_records = 0, bytes = 0;
  double seconds = 0.0;
  double records_per_second() const;
};
}  // namespace syncpath::sync
