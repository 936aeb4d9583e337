#include "throttle.hpp"

#include <algorithm>

namespace syncpath::sync {

Throttle::Throttle(std::optional<double> bytes_per_second, std::optional<double> records_per_second, Clock::time_point start)
    : bytes_rate_(bytes_per_second), records_rate_(records_per_second), start_(start) {}

void Throttle::acquire(std::uint64_t bytes, std::uint64_t records) {
  std::unique_lock<std::mutex> lk(mu_);
  bytes_ += bytes, records_ += records;
  double due = 0;
  if (bytes_rate_) due = static_cast<double>(bytes_) / *bytes_rate_;
  if (records_rate_) due = std::max(due, static_cast<double>(records_) / *records_rate_);
  const auto when = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(due));
  cv_.wait_until(lk, when, [&] { return interrupted_; });
}

void Throttle::interrupt() {
  {
    std::lock_guard<std::mutex> g(mu_);
    interrupted_ = true;
  }
  cv_.notify_all();
}

}  // namespace syncpath::sync
