// The channel's throttle: one for the whole job, over bytes and records. Each acquire adds to
// the totals since the run started and waits until the moment those totals are allowed, so the
// rate holds over the whole run (not per window) and every slice shares it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace syncpath::sync {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  // `start` is when the run began: time spent before the first row (connecting, cutting the
  // slices) counts toward the rate, so the rate over the whole run is the limit.
  Throttle(std::optional<double> bytes_per_second, std::optional<double> records_per_second, Clock::time_point start);
  bool active() const { return bytes_rate_ || records_rate_; }
  // Adds `bytes` and `records` and waits until they are due; returns at once after interrupt().
  void acquire(std::uint64_t bytes, std::uint64_t records);
  // Wakes every waiting acquire (the run is stopping) and lets later ones through.
  void interrupt();

 private:
  std::optional<double> bytes_rate_, records_rate_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t bytes_ = 0, records_ = 0;
  bool interrupted_ = false;
};

}  // namespace syncpath::sync
