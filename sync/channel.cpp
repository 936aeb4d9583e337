#include "channel.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <thread>

namespace syncpath::sync {

ChannelRuntime::ChannelRuntime(const Job& j, const Mapping& m, std::optional<std::int64_t> dirty_max, std::int64_t dirty_before,
                               Throttle::Clock::time_point start)
    : job(j),
      mapping(m),
      throttle(j.channel.rate_limit_mb_per_s ? std::optional<double>(*j.channel.rate_limit_mb_per_s * 1e6) : std::nullopt,
               j.channel.records_per_second, start),
      dirty(dirty_max, dirty_before),
      dirty_file(j.dirty_path) {
  for (const auto& r : m.rows) {
    src_columns.push_back(r.source_column);
    dst_columns.push_back({r.destination_column, r.destination_type});
  }
}

void ChannelRuntime::stop(StopReason why, const std::string& message) {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (reason_ != StopReason::none) return;
    reason_ = why;
    message_ = message;
  }
  stopped_.store(true);
  throttle.interrupt();  // readers waiting on the throttle see the stop at once
}

StopReason ChannelRuntime::stop_reason() const {
  std::lock_guard<std::mutex> g(mu_);
  return reason_;
}

std::string ChannelRuntime::stop_message() const {
  std::lock_guard<std::mutex> g(mu_);
  return message_;
}

namespace {

class DirtyLimit : public std::runtime_error {
 public:
  DirtyLimit() : std::runtime_error("dirty limit") {}
};
class Stopped : public std::runtime_error {
 public:
  Stopped() : std::runtime_error("stopped") {}
};

// One slice: its own connections and transaction, its dirty records staged until it ends.
class SliceRun {
 public:
  SliceRun(ChannelRuntime& rt, int index, int count, const KeyRange& range, const std::string& marks)
      : rt_(rt), index_(index), count_(count), range_(range), marks_(marks) {}

  // Throws ConnectorError (slice failure), DirtyLimit or Stopped; commits otherwise.
  // Reading (and converting) runs on its own thread, feeding batches through a queue of at most
  // kQueued batches to this thread, which writes them: the source, the conversion and the
  // destination work at the same time, and memory stays bounded by the queue.
  void run() {
    auto src = connect(rt_.job.source);
    auto dst = connect(rt_.job.destination);
    auto reader = src->read(rt_.job.source, rt_.src_columns, range_);
    writer_ = dst->write(rt_.job.destination, rt_.dst_columns, rt_.mapping.keys, index_, count_);
    std::thread producer([this, &reader] { produce(*reader); });
    try {
      for (;;) {
        std::vector<Row> batch;
        {
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait(lk, [&] { return !queue_.empty() || produced_; });
          if (queue_.empty()) break;
          batch = std::move(queue_.front());
          queue_.pop_front();
        }
        cv_.notify_all();
        if (rt_.stopped()) throw Stopped();
        if (writer_->bulk()) {
          bool full = writer_->add(batch);
          pending_.push_back(std::move(batch));
          if (full) settle();
        } else {
          flush(batch);
          recycle(std::move(batch));
        }
      }
      settle();
    } catch (const Stopped&) {
      stop_producer(producer);
      if (error_) std::rethrow_exception(error_);  // the reader's own reason (a dirty limit) comes first
      throw;
    } catch (...) {
      stop_producer(producer);
      throw;
    }
    producer.join();
    if (error_) std::rethrow_exception(error_);
    if (rt_.stopped()) throw Stopped();
    writer_->commit(marks_, index_);
  }

  void abandon() {
    if (writer_) {
      try {
        writer_->rollback();
      } catch (const ConnectorError&) {
        // the connection is gone; the server rolls the transaction back itself
      }
    }
  }
  const SliceCounts& counts() const { return counts_; }
  const std::string& dirty_lines() const { return dirty_lines_; }

 private:
  static constexpr std::size_t kQueued = 3;
  // Written batches kept for reuse (more are freed). This adds no memory: a batch is allocated
  // only when no spare is left, so the batches alive never outnumber the most that were in
  // flight at once (queued, in the writer's open load, being filled). Fewer spares than a 1 MB
  // load holds batches (about 6 of 2,000 rows) would bring the allocations back.
  static constexpr std::size_t kSpare = 8;

  void produce(RowReader& reader) {
    try {
      const std::size_t batch_size = static_cast<std::size_t>(rt_.job.destination.batch_size);
      const std::size_t ncols = rt_.dst_columns.size();
      std::vector<Row> batch;
      std::vector<Row> free_rows;  // rows of written batches, handed back: their cells keep their buffers
      auto next_batch = [&] {
        batch = take_spare();
        for (auto& r : batch) free_rows.push_back(std::move(r));
        batch.clear();
        batch.reserve(batch_size);
      };
      next_batch();
      Row row, was(ncols);
      std::unique_ptr<bool[]> replaced(new bool[ncols]());
      std::string problem, reason;
      std::uint64_t pending_bytes = 0, pending_rows = 0;
      for (;;) {
        problem.clear();
        if (row.empty() && !free_rows.empty()) {
          row = std::move(free_rows.back());
          free_rows.pop_back();
        }
        if (!reader.next(row, problem)) break;
        std::uint64_t w = 0;
        for (const auto& c : row) w += c.weight();
        ++counts_.read;
        counts_.bytes += w;
        rt_.read.fetch_add(1, std::memory_order_relaxed);
        rt_.bytes.fetch_add(w, std::memory_order_relaxed);
        if (rt_.throttle.active()) {
          pending_bytes += w, ++pending_rows;
          if (pending_rows >= 16 || pending_bytes >= 16384) {  // small groups keep the lock cheap
            rt_.throttle.acquire(pending_bytes, pending_rows);
            pending_bytes = pending_rows = 0;
            if (rt_.stopped()) break;
          }
        }
        if (!problem.empty()) {
          dirty(row, "", problem, reader.line());
          continue;
        }
        // Converted in place (no copy of values that stay as they are); a value that changed is
        // kept aside until the row is whole, so a dirty record shows the row as read.
        bool bad = false;
        for (std::size_t i = 0; i < ncols; ++i) {
          if (!convert_in_place(row[i], rt_.dst_columns[i].type, reason, was[i], replaced[i])) {
            for (std::size_t k = 0; k < i; ++k)
              if (replaced[k]) row[k] = std::move(was[k]);
            dirty(row, rt_.dst_columns[i].name, reason, reader.line());
            bad = true;
            break;
          }
        }
        if (bad) continue;
        row.resize(ncols);
        batch.push_back(std::move(row));
        row = Row();
        if (batch.size() >= batch_size) {
          if (!push(std::move(batch))) return;
          next_batch();
        }
      }
      if (pending_rows) rt_.throttle.acquire(pending_bytes, pending_rows);
      if (!batch.empty()) push(std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> g(mu_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      produced_ = true;
    }
    cv_.notify_all();
  }
  // Written batches go back to the reader's thread to be filled again: no allocation per row
  // or per value once the first few batches exist, and no memory freed on another thread than
  // the one that took it (both were a fifth of the time of a CSV -> PostgreSQL run).
  std::vector<Row> take_spare() {
    std::lock_guard<std::mutex> g(mu_);
    if (spare_.empty()) return {};
    std::vector<Row> b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  void recycle(std::vector<Row>&& batch) {
    std::lock_guard<std::mutex> g(mu_);
    if (spare_.size() < kSpare) spare_.push_back(std::move(batch));
  }
  // False when the writer gave up (the producer then stops).
  bool push(std::vector<Row> batch) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return queue_.size() < kQueued || abort_; });
    if (abort_) return false;
    queue_.push_back(std::move(batch));
    lk.unlock();
    cv_.notify_all();
    return true;
  }
  void stop_producer(std::thread& t) {
    {
      std::lock_guard<std::mutex> g(mu_);
      abort_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    t.join();
  }

  // Ends the writer's open bulk load: every pending row written, or, when the destination
  // refused one of them, all undone and written again batch by batch (flush bisects).
  void settle() {
    if (pending_.empty()) return;
    WriteOutcome o = writer_->settle();
    if (o.ok) {
      std::size_t n = 0;
      for (const auto& b : pending_) n += b.size();
      wrote(n);
    } else {
      for (const auto& b : pending_) {
        if (rt_.stopped()) throw Stopped();
        flush(b);
      }
    }
    for (auto& b : pending_) recycle(std::move(b));
    pending_.clear();
  }

  void flush(const std::vector<Row>& rows) {
    WriteOutcome o = writer_->write(rows);
    if (o.ok) {
      wrote(rows.size());
      return;
    }
    if (rows.size() == 1) {
      // A converted record the destination refused: keyed by source column names too, so it
      // can be repaired and loaded again with the same job.
      dirty(rows[0], "", o.reason, std::nullopt);
      return;
    }
    // The destination refused the batch and undid it: halve until the refused rows are alone.
    std::size_t half = rows.size() / 2;
    flush(std::vector<Row>(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(half)));
    flush(std::vector<Row>(rows.begin() + static_cast<std::ptrdiff_t>(half), rows.end()));
  }
  void wrote(std::size_t n) {
    counts_.written += n;
    rt_.written.fetch_add(n, std::memory_order_relaxed);
  }

  // A dirty record: staged with the slice (the reader's and the writer's threads both find them).
  void dirty(const Row& row, const std::string& column, const std::string& reason, std::optional<std::uint64_t> line) {
    std::lock_guard<std::mutex> g(dirty_mu_);
    ++counts_.dirty;
    dirty_lines_ += dirty_line(index_, rt_.src_columns, row, column, reason, line);
    if (!rt_.dirty.count()) {
      rt_.stop(StopReason::dirty_limit, "dirty record " + std::to_string(rt_.dirty.counted()) + " is past the limit of " +
                                            std::to_string(*rt_.dirty.max()) + " (" + rt_.dirty_limit_name + "); see " + rt_.dirty_file.path());
      throw DirtyLimit();
    }
  }

  ChannelRuntime& rt_;
  int index_, count_;
  KeyRange range_;
  const std::string& marks_;
  std::unique_ptr<RowWriter> writer_;
  SliceCounts counts_;
  std::string dirty_lines_;
  std::mutex dirty_mu_;
  std::mutex mu_;  // guards the queue and the flags below
  std::condition_variable cv_;
  std::deque<std::vector<Row>> queue_;
  std::vector<std::vector<Row>> pending_;  // batches in the writer's open bulk load, for a replay
  std::vector<std::vector<Row>> spare_;    // written batches for the reader to fill again
  bool produced_ = false, abort_ = false;
  std::exception_ptr error_;
};

}  // namespace

SliceResult run_slice(ChannelRuntime& rt, int index, int count, const KeyRange& range, const std::string& marks) {
  SliceResult res;
  SliceRun slice(rt, index, count, range, marks);
  try {
    slice.run();
    res.end = SliceResult::End::committed;
    res.counts = slice.counts();
    try {
      rt.dirty_file.append(slice.dirty_lines());
    } catch (const ConnectorError& e) {
      res.error = e.what();  // the slice did commit; the caller reports the lost dirty lines
    }
    return res;
  } catch (const DirtyLimit&) {
    slice.abandon();
    res.end = SliceResult::End::dirty_limit;
    try {
      rt.dirty_file.append(mark_rolled_back(slice.dirty_lines()));  // kept for the repair
    } catch (const ConnectorError&) {
    }
  } catch (const Stopped&) {
    slice.abandon();
    res.end = SliceResult::End::stopped;
    rt.dirty.uncount(static_cast<std::int64_t>(slice.counts().dirty));
  } catch (const std::exception& e) {  // ConnectorError: the environment failed under the slice
    slice.abandon();
    res.end = SliceResult::End::failed;
    res.error = e.what();
    rt.dirty.uncount(static_cast<std::int64_t>(slice.counts().dirty));
  }
  res.counts = slice.counts();
  return res;
}

}  // namespace syncpath::sync
