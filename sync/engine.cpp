#include "engine.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include <algorithm>
#include "connector.hpp"
#include "state.hpp"

namespace syncpath::sync {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Pre-run check

std::string type_label(const ColumnType& t) {
  std::string s = t.native.empty() ? std::string(to_string(t.kind)) : t.native;
  return s;
}

const ColumnInfo* find_column(const Shape& s, const std::string& name) {
  for (const auto& c : s.columns)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<std::string> names_of(const Shape& s) {
  std::vector<std::string> out;
  for (const auto& c : s.columns) out.push_back(c.name);
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  std::string n = nearest(word, names);
  return n.empty() ? "" : "; did you mean '" + n + "'?";
}

SourcePos pos_or(const SourcePos& p, const SourcePos& fallback) { return p.line > 0 ? p : fallback; }

}  // namespace

std::optional<Mapping> check_job(const Job& job, Diagnostics& diags) {
  const JobSide& src = job.source;
  const JobSide& dst = job.destination;
  // A jsonl source is a file someone repaired by hand: every unusable line is reported with its
  // place before any row moves, as a job file's problems are.
  if (src.jsonl && !check_jsonl_file(resolve_path(src, src.data_source.path), diags)) return std::nullopt;
  std::unique_ptr<Connection> sconn, dconn;
  try {
    sconn = connect(src);
  } catch (const ConnectorError& e) {
    diags.error(src.pos, "source-unavailable", e.what());
  }
  try {
    dconn = connect(dst);
  } catch (const ConnectorError& e) {
    diags.error(dst.pos, "destination-unavailable", e.what());
  }
  if (!sconn || !dconn) return std::nullopt;

  Shape ss, ds;
  try {
    ss = src.query.empty() ? sconn->describe_table(src.table) : sconn->describe_query(src.query);
    ds = dconn->describe_table(dst.table);
  } catch (const ConnectorError& e) {
    diags.error(src.pos, "describe-failed", e.what());
    return std::nullopt;
  }
  if (!ss.found || (src.data_source.type == SourceType::csv && !ss.error.empty())) {
    diags.error(pos_or(src.table_pos, src.pos), "unknown-table", "source: " + ss.error);
    return std::nullopt;
  }
  if (!ds.found) {
    diags.error(pos_or(dst.table_pos, dst.pos), "unknown-table", "destination: " + ds.error);
    return std::nullopt;
  }

  Mapping m;
  std::vector<std::string> scols = src.columns.empty() ? names_of(ss) : src.columns;
  bool ok = true;
  std::vector<ColumnInfo> sinfo;
  for (std::size_t i = 0; i < scols.size(); ++i) {
    const ColumnInfo* c = find_column(ss, scols[i]);
    if (!c) {
      diags.error(i < src.column_pos.size() ? src.column_pos[i] : src.columns_pos, "unknown-column",
                  "source has no column '" + scols[i] + "'" + did_you_mean(scols[i], names_of(ss)));
      ok = false;
      continue;
    }
    sinfo.push_back(*c);
  }
  std::vector<std::string> dcols = dst.columns.empty() ? scols : dst.columns;
  if (dcols.size() != scols.size()) {
    diags.error(dst.columns_pos, "column-count",
                "destination maps " + std::to_string(dcols.size()) + " columns but the source gives " + std::to_string(scols.size()) +
                    "; columns map one-to-one by position");
    return std::nullopt;
  }
  std::vector<ColumnInfo> dinfo;
  for (std::size_t i = 0; i < dcols.size(); ++i) {
    SourcePos p = i < dst.column_pos.size() ? dst.column_pos[i] : dst.columns_pos;
    if (ds.free_form) {
      ColumnInfo c;
      c.name = dcols[i];
      c.type.native = "csv field";
      dinfo.push_back(c);
      continue;
    }
    const ColumnInfo* c = find_column(ds, dcols[i]);
    if (!c) {
      diags.error(p, "unknown-column",
                  "destination table '" + dst.table + "' has no column '" + dcols[i] + "'" + did_you_mean(dcols[i], names_of(ds)));
      ok = false;
      continue;
    }
    dinfo.push_back(*c);
  }
  if (!ok) return std::nullopt;
  for (std::size_t i = 0; i < dinfo.size(); ++i) {
    MappingRow r;
    r.source_column = sinfo[i].name;
    r.destination_column = dinfo[i].name;
    r.source_type = sinfo[i].type;
    r.destination_type = dinfo[i].type;
    Convertibility c = convertibility(r.source_type, r.destination_type);
    r.conversion = c == Convertibility::always ? "always" : c == Convertibility::per_value ? "per value" : "never";
    if (c == Convertibility::never) {
      SourcePos p = i < dst.column_pos.size() ? dst.column_pos[i] : dst.columns_pos;
      diags.error(p, "type-mismatch",
                  "source column '" + r.source_column + "' (" + type_label(r.source_type) + ") cannot be converted to destination column '" +
                      r.destination_column + "' (" + type_label(r.destination_type) + "); map another column or cast in a source query");
      ok = false;
    }
    m.rows.push_back(std::move(r));
  }
  if (!src.split_key.empty()) {
    const ColumnInfo* k = find_column(ss, src.split_key);
    if (!k) {
      diags.error(src.split_key_pos, "unknown-column",
                  "split_key: source has no column '" + src.split_key + "'" + did_you_mean(src.split_key, names_of(ss)));
      ok = false;
    } else if (k->type.kind == TypeKind::integer) {
      m.split_key_kind = "integer";
    } else if (k->type.kind == TypeKind::date || k->type.kind == TypeKind::datetime) {
      m.split_key_kind = "date";
    } else if (k->type.kind == TypeKind::any) {
      m.split_key_kind = "integer";  // an untyped SQLite column: the values decide (see key_bounds)
    } else {
      diags.error(src.split_key_pos, "bad-split-key",
                  "split_key '" + src.split_key + "' is " + type_label(k->type) + "; it must be an integer or date column");
      ok = false;
    }
  }
  if (dst.data_source.type != SourceType::csv) {
    m.keys = dst.key_columns.empty() ? ds.primary_key : dst.key_columns;
    for (const auto& k : dst.key_columns)
      if (!find_column(ds, k)) {
        diags.error(dst.pos, "unknown-column", "keys: destination has no column '" + k + "'" + did_you_mean(k, names_of(ds)));
        ok = false;
      }
    bool needs_keys = dst.write_mode == WriteMode::upsert ||
                      (dst.write_mode == WriteMode::replace && dst.data_source.type == SourceType::postgresql);
    if (needs_keys && dst.data_source.type != SourceType::mysql) {
      if (m.keys.empty()) {
        diags.error(dst.pos, "no-key",
                    "write_mode " + std::string(dst.write_mode == WriteMode::upsert ? "upsert" : "replace") + " needs a key: table '" +
                        dst.table + "' has no primary key; add 'keys: [column, ...]' naming a unique key");
        ok = false;
      }
      for (const auto& k : m.keys)
        if (std::find(dcols.begin(), dcols.end(), k) == dcols.end()) {
          diags.error(dst.columns_pos, "key-not-mapped", "key column '" + k + "' must be among the destination columns the job writes");
          ok = false;
        }
    }
  }
  if (!ok) return std::nullopt;
  return m;
}

void print_mapping(std::ostream& out, const Job& job, const Mapping& m) {
  std::size_t w1 = 14, w2 = 11, w3 = 18, w4 = 16;
  for (const auto& r : m.rows) {
    w1 = std::max(w1, r.source_column.size());
    w2 = std::max(w2, type_label(r.source_type).size());
    w3 = std::max(w3, r.destination_column.size());
    w4 = std::max(w4, type_label(r.destination_type).size());
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d, const std::string& e) {
    out << std::left << std::setw(static_cast<int>(w1)) << a << "  " << std::setw(static_cast<int>(w2)) << b << "  ->  "
        << std::setw(static_cast<int>(w3)) << c << "  " << std::setw(static_cast<int>(w4)) << d << "  " << e << '\n';
  };
  out << "source: " << (job.source.query.empty() ? job.source.table : "(query)") << " ("
      << (job.source.jsonl ? std::string_view("jsonl") : to_string(job.source.data_source.type)) << ")  destination: " << job.destination.table << " ("
      << to_string(job.destination.data_source.type) << ")\n";
  row("source column", "source type", "destination column", "destination type", "conversion");
  for (const auto& r : m.rows)
    row(r.source_column, type_label(r.source_type), r.destination_column, type_label(r.destination_type), r.conversion);
  out << "write_mode: "
      << (job.destination.write_mode == WriteMode::insert ? "insert" : job.destination.write_mode == WriteMode::replace ? "replace" : "upsert");
  if (!m.keys.empty()) {
    out << "  key:";
    for (const auto& k : m.keys) out << ' ' << k;
  }
  out << "\nslices: " << (job.source.split_key.empty() ? 1 : job.slice_count());
  if (!job.source.split_key.empty()) out << " on " << job.source.split_key << " (" << m.split_key_kind << ")";
  out << ", concurrency " << job.channel.concurrency << '\n';
}

namespace {

// ---------------------------------------------------------------------------------------------
// Channel pieces

// One throttle for the whole job: each acquire adds to the run's totals and sleeps until the
// moment those totals are allowed, so the rate holds over the whole run, not per window.
class Throttle {
 public:
  Throttle(std::optional<double> bytes_per_s, std::optional<double> records_per_s)
      : bytes_rate_(bytes_per_s), records_rate_(records_per_s), start_(Clock::now()) {}
  bool active() const { return bytes_rate_ || records_rate_; }
  void acquire(std::uint64_t bytes, std::uint64_t records) {
    double due = 0;
    {
      std::lock_guard<std::mutex> g(mu_);
      bytes_ += bytes, records_ += records;
      if (bytes_rate_) due = static_cast<double>(bytes_) / *bytes_rate_;
      if (records_rate_) due = std::max(due, static_cast<double>(records_) / *records_rate_);
    }
    auto when = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(due));
    if (when > Clock::now()) std::this_thread::sleep_until(when);
  }

 private:
  std::optional<double> bytes_rate_, records_rate_;
  Clock::time_point start_;
  std::mutex mu_;
  std::uint64_t bytes_ = 0, records_ = 0;
};

std::string fnv_hex(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string fingerprint(const Job& job, int slices) {
  auto side = [](const JobSide& e) {
    const DataSource& d = e.data_source;
    std::string s = std::string(to_string(d.type)) + "|" + d.path + "|" + d.database + "|";
    if (d.endpoint) s += d.endpoint->host + ":" + std::to_string(d.endpoint->port);
    s += "|" + e.table + "|" + e.query + "|" + e.where + "|" + e.split_key + "|";
    for (const auto& c : e.columns) s += c + ",";
    return s;
  };
  return fnv_hex(side(job.source) + "#" + side(job.destination) + "#" + std::to_string(slices));
}

nlohmann::json cell_json(const Cell& c) {
  switch (c.kind) {
    case CellKind::null: return nullptr;
    case CellKind::integer: return c.i;
    case CellKind::boolean: return c.i != 0;
    case CellKind::real: return std::isfinite(c.d) ? nlohmann::json(c.d) : nlohmann::json(format_double(c.d));
    case CellKind::bytes: {
      static const char* kHex = "0123456789abcdef";
      std::string h = "\\x";
      for (unsigned char b : c.s) h += kHex[b >> 4], h += kHex[b & 15];
      return h;
    }
    default: return c.s;
  }
}

// Everything the slices share.
struct RunContext {
  const Job& job;
  const Mapping& mapping;
  const RunOptions& opts;
  std::vector<ColumnInfo> dst_columns;
  std::vector<std::string> src_columns;
  Throttle throttle;
  std::atomic<std::uint64_t> read{0}, written{0}, bytes{0};
  std::mutex mu;  // guards what follows
  std::int64_t dirty = 0;
  bool stop = false;
  std::string stop_reason;
  std::mutex dirty_file_mu;

  RunContext(const Job& j, const Mapping& m, const RunOptions& o)
      : job(j), mapping(m), opts(o), throttle(j.channel.rate_limit_mb_per_s ? std::optional<double>(*j.channel.rate_limit_mb_per_s * 1e6) : std::nullopt,
                                               j.channel.records_per_second) {}

  bool stopped() {
    std::lock_guard<std::mutex> g(mu);
    return stop;
  }
  // Counts one dirty record; false when that breaks the job's limit (the job then stops).
  bool count_dirty() {
    std::lock_guard<std::mutex> g(mu);
    ++dirty;
    const auto& max = job.channel.dirty_records_max;
    if (max && dirty > *max) {
      if (!stop) {
        stop = true;
        stop_reason = "dirty record " + std::to_string(dirty) + " is past the limit of " + std::to_string(*max) +
                      " (channel.dirty_records_max); see " + job.dirty_path;
      }
      return false;
    }
    return true;
  }
  void uncount_dirty(std::int64_t n) {
    std::lock_guard<std::mutex> g(mu);
    dirty -= n;
  }
  // Appends a slice's dirty lines to the dirty file, under a lock other processes respect too.
  void append_dirty(const std::string& lines) {
    if (lines.empty()) return;
    std::lock_guard<std::mutex> g(dirty_file_mu);
    int fd = ::open(job.dirty_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw ConnectorError("cannot write the dirty-data file " + job.dirty_path + ": " + std::strerror(errno));
    ::flock(fd, LOCK_EX);
    bool ok = ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
    ::fsync(fd);
    ::flock(fd, LOCK_UN);
    ::close(fd);
    if (!ok) throw ConnectorError("cannot write the dirty-data file " + job.dirty_path);
  }
};

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
  SliceRun(RunContext& ctx, int index, int count, const KeyRange& range, std::string job_id)
      : ctx_(ctx), index_(index), count_(count), range_(range), job_id_(std::move(job_id)) {}

  // Throws ConnectorError (slice failure), DirtyLimit or Stopped; commits otherwise.
  // Reading (and converting) runs on its own thread, feeding batches through a queue of at most
  // kQueued batches to this thread, which writes them: the source, the conversion and the
  // destination work at the same time, and memory stays bounded by the queue.
  SliceCounts run() {
    auto src = connect(ctx_.job.source);
    auto dst = connect(ctx_.job.destination);
    auto reader = src->read(ctx_.job.source, ctx_.src_columns, range_);
    writer_ = dst->write(ctx_.job.destination, ctx_.dst_columns, ctx_.mapping.keys, index_, count_);
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
        if (ctx_.stopped()) throw Stopped();
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
    if (ctx_.stopped()) throw Stopped();
    writer_->commit(job_id_, index_);
    return counts_;
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
  const std::string& dirty_lines() const { return dirty_lines_; }
  std::int64_t dirty_count() const { return static_cast<std::int64_t>(counts_.dirty); }

 private:
  static constexpr std::size_t kQueued = 3;
  // Written batches kept for reuse (more are freed). This adds no memory: a batch is allocated
  // only when no spare is left, so the batches alive never outnumber the most that were in
  // flight at once (queued, in the writer's open load, being filled). Fewer spares than a 1 MB
  // load holds batches (about 6 of 2,000 rows) would bring the allocations back.
  static constexpr std::size_t kSpare = 8;

  void produce(RowReader& reader) {
    try {
      const std::size_t batch_size = static_cast<std::size_t>(ctx_.job.destination.batch_size);
      const std::size_t ncols = ctx_.dst_columns.size();
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
        ctx_.read.fetch_add(1, std::memory_order_relaxed);
        ctx_.bytes.fetch_add(w, std::memory_order_relaxed);
        if (ctx_.throttle.active()) {
          pending_bytes += w, ++pending_rows;
          if (pending_rows >= 16 || pending_bytes >= 16384) {  // small groups keep the lock cheap
            ctx_.throttle.acquire(pending_bytes, pending_rows);
            pending_bytes = pending_rows = 0;
          }
        }
        if (!problem.empty()) {
          dirty(row, "", problem);
          continue;
        }
        // Converted in place (no copy of values that stay as they are); a value that changed is
        // kept aside until the row is whole, so a dirty record shows the row as read.
        bool bad = false;
        for (std::size_t i = 0; i < ncols; ++i) {
          if (!convert_in_place(row[i], ctx_.dst_columns[i].type, reason, was[i], replaced[i])) {
            for (std::size_t k = 0; k < i; ++k)
              if (replaced[k]) row[k] = std::move(was[k]);
            dirty(row, ctx_.dst_columns[i].name, reason);
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
      if (pending_rows) ctx_.throttle.acquire(pending_bytes, pending_rows);
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
      counts_.written += n;
      ctx_.written.fetch_add(n, std::memory_order_relaxed);
    } else {
      for (const auto& b : pending_) {
        if (ctx_.stopped()) throw Stopped();
        flush(b);
      }
    }
    for (auto& b : pending_) recycle(std::move(b));
    pending_.clear();
  }

  void flush(const std::vector<Row>& rows) {
    WriteOutcome o = writer_->write(rows);
    if (o.ok) {
      counts_.written += rows.size();
      ctx_.written.fetch_add(rows.size(), std::memory_order_relaxed);
      return;
    }
    if (rows.size() == 1) {
      dirty_converted(rows[0], o.reason);
      return;
    }
    // The destination refused the batch and undid it: halve until the refused rows are alone.
    std::size_t half = rows.size() / 2;
    flush(std::vector<Row>(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(half)));
    flush(std::vector<Row>(rows.begin() + static_cast<std::ptrdiff_t>(half), rows.end()));
  }

  void record(const nlohmann::json& row, const std::string& column, const std::string& reason) {
    std::lock_guard<std::mutex> g(dirty_mu_);  // the reader's and the writer's threads both find dirty records
    ++counts_.dirty;
    nlohmann::json j;
    j["slice"] = index_;
    j["row"] = row;
    j["column"] = column.empty() ? nlohmann::json(nullptr) : nlohmann::json(column);
    j["reason"] = reason;
    dirty_lines_ += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (!ctx_.count_dirty()) throw DirtyLimit();
  }
  // A record as read from the source, keyed by source column names.
  void dirty(const Row& row, const std::string& column, const std::string& reason) {
    nlohmann::json r = nlohmann::json::object();
    for (std::size_t i = 0; i < row.size() && i < ctx_.src_columns.size(); ++i) r[ctx_.src_columns[i]] = cell_json(row[i]);
    record(r, column, reason);
  }
  // A converted record the destination refused: keyed by source column names too, so it can be
  // repaired and loaded again with the same job.
  void dirty_converted(const Row& row, const std::string& reason) { dirty(row, "", reason); }

  RunContext& ctx_;
  int index_, count_;
  KeyRange range_;
  std::string job_id_;
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

std::string date_literal(std::int64_t days) { return "'" + date_from_days(days) + "'"; }

// Cuts [lo, hi] into n ranges of near-equal width.
void cut_ranges(const KeyBounds& b, int n, JobState& st) {
  st.ranges.clear();
  st.empty.assign(static_cast<std::size_t>(n), false);
  if (b.empty) {
    // No key values: slice 0 reads everything (rows with a NULL key), the others nothing.
    for (int i = 0; i < n; ++i) st.ranges.emplace_back("", "");
    for (int i = 1; i < n; ++i) st.empty[static_cast<std::size_t>(i)] = true;
    return;
  }
  __extension__ typedef __int128 Wide;  // spans of the whole int64 range do not fit 64 bits
  Wide lo = b.lo, span = static_cast<Wide>(b.hi) - b.lo + 1;
  auto edge = [&](int i) { return static_cast<std::int64_t>(lo + span * i / n); };
  for (int i = 0; i < n; ++i) {
    std::int64_t a = edge(i), z = i + 1 < n ? edge(i + 1) : (b.is_date ? b.hi + 1 : b.hi);
    if (b.is_date) st.ranges.emplace_back(date_literal(a), date_literal(z));
    else st.ranges.emplace_back(std::to_string(a), std::to_string(z));
    if (i + 1 < n && a == z) st.empty[static_cast<std::size_t>(i)] = true;
  }
}

KeyRange range_of(const JobState& st, int i) {
  KeyRange r;
  const auto& [lo, hi] = st.ranges[static_cast<std::size_t>(i)];
  if (st.split_kind.empty() || lo.empty()) return r;
  r.whole = false;
  r.lo = lo, r.hi = hi;
  r.first = i == 0;
  // Integers: the last range is closed; dates: every range is half-open, the last ending the
  // day after the largest key, so datetimes on that day are included.
  r.last = i == st.slices - 1 && st.split_kind == "integer";
  return r;
}

}  // namespace

Totals run_job(const Job& job, const Mapping& mapping, const RunOptions& opts, Diagnostics& diags) {
  Totals totals;
  auto t0 = Clock::now();
  if (job.channel.rate_limit_mb_per_s) totals.rate_limit_bytes_per_second = *job.channel.rate_limit_mb_per_s * 1e6;
  totals.records_limit_per_second = job.channel.records_per_second;
  auto note = [&](const std::string& m) {
    if (opts.note) opts.note(m);
  };
  const bool split = !job.source.split_key.empty();
  int n = opts.only_slice ? opts.only_slice->count : (split ? job.slice_count() : 1);
  if (opts.only_slice && !split && n > 1) {
    diags.error(job.source.pos, "slice-needs-split-key", "--slice I/N with N > 1 needs a source split_key to cut the table on");
    return totals;
  }
  std::string state_path = opts.state_path;
  if (state_path.empty()) {
    fs::path p(job.file);
    state_path = (p.parent_path() / (p.stem().string() + ".state.json")).string();
  }
  const std::string fp = fingerprint(job, n);

  // The slices: from the state file on --resume (same cuts as before), else cut afresh.
  std::optional<JobState> prior;
  try {
    prior = read_state(state_path);
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "bad-state", e.what());
    return totals;
  }
  if (opts.resume && prior && (prior->fingerprint != fp || prior->slices != n)) {
    diags.error({state_path, 0, 0}, "state-mismatch",
                "the state file was written for another job or slice count (" + std::to_string(prior->slices) +
                    " slices); run without --resume to start over, or pass --state FILE");
    return totals;
  }
  JobState fresh;
  fresh.fingerprint = fp;
  fresh.slices = n;
  fresh.split_kind = split ? mapping.split_key_kind : "";
  JobState st;
  bool have_ranges = prior && prior->fingerprint == fp && prior->slices == n && (opts.resume || opts.only_slice);
  if (have_ranges) {
    st = *prior;
  } else {
    st = fresh;
    if (split) {
      try {
        auto c = connect(job.source);
        KeyBounds b = c->key_bounds(job.source, mapping.split_key_kind);
        st.split_kind = b.empty ? mapping.split_key_kind : (b.is_date ? "date" : "integer");
        cut_ranges(b, n, st);
      } catch (const ConnectorError& e) {
        totals.failure = e.what();
        return totals;
      }
    } else {
      st.ranges.assign(1, {"", ""});
      st.empty.assign(1, false);
    }
  }
  fresh.split_kind = st.split_kind, fresh.ranges = st.ranges, fresh.empty = st.empty;
  if (!opts.resume) {
    if (opts.only_slice) {
      st.done.erase(opts.only_slice->index);
    } else {
      st.done.clear();
      std::error_code ec;
      fs::remove(job.dirty_path, ec);  // a fresh run starts a fresh dirty file
    }
  }
  try {
    // Record the cut before any slice commits, so a crash mid-run resumes on the same ranges.
    int only = opts.only_slice ? opts.only_slice->index : -1;
    bool resume = opts.resume;
    st = update_state(state_path, fresh, [&](JobState& s) {
      if (s.fingerprint != fp || s.slices != n) s = fresh;
      s.split_kind = st.split_kind, s.ranges = st.ranges, s.empty = st.empty;
      if (!resume) {
        if (only >= 0) s.done.erase(only);
        else s.done.clear();
      }
    });
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "state-unwritable", e.what());
    return totals;
  }

  // The destination's own record of committed slices is the truth: a kill between a slice's
  // commit and the state file's update must not make --resume write that slice twice.
  try {
    auto d = connect(job.destination);
    if (opts.resume) {
      std::vector<int> missed;
      for (int i : d->committed_slices(fp))
        if (i >= 0 && i < n && !st.done.count(i)) missed.push_back(i);
      if (!missed.empty()) {
        st = update_state(state_path, fresh, [&](JobState& s) {
          for (int i : missed) s.done.emplace(i, SliceCounts{});
        });
        note(std::to_string(missed.size()) + " slice(s) had committed after the state file's last update; not redone");
      }
    } else {
      d->forget_slices(fp, opts.only_slice ? std::optional<int>(opts.only_slice->index) : std::nullopt);
    }
  } catch (const ConnectorError& e) {
    totals.failure = e.what();
    return totals;
  } catch (const std::runtime_error& e) {
    diags.error({state_path, 0, 0}, "state-unwritable", e.what());
    return totals;
  }

  std::vector<int> todo;
  for (int i = 0; i < n; ++i) {
    if (opts.only_slice && i != opts.only_slice->index) continue;
    if (st.done.count(i)) {
      ++totals.slices_skipped;
      continue;
    }
    todo.push_back(i);
  }
  totals.slices_total = n;

  RunContext ctx(job, mapping, opts);
  for (const auto& r : mapping.rows) {
    ctx.src_columns.push_back(r.source_column);
    ctx.dst_columns.push_back({r.destination_column, r.destination_type});
  }
  for (const auto& [i, c] : st.done) ctx.dirty += static_cast<std::int64_t>(c.dirty);  // the limit is over the whole job

  const bool full_run = !opts.only_slice && !opts.resume;
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
    return totals;
  }

  std::optional<std::uint64_t> expected;
  if (opts.want_progress && opts.progress) {
    try {
      auto c = connect(job.source);
      std::uint64_t sum = 0;
      bool known = true;
      for (int i : todo) {
        if (st.empty[static_cast<std::size_t>(i)]) continue;
        auto k = c->count(job.source, range_of(st, i));
        if (!k) known = false;
        else sum += *k;
      }
      if (known) expected = sum;
    } catch (const ConnectorError&) {
    }
  }

  std::mutex qmu;
  std::size_t next = 0;
  std::vector<std::string> failures;
  std::atomic<int> failed{0}, run_count{0};
  bool all_done_now = false;
  auto worker = [&] {
    for (;;) {
      int i;
      {
        std::lock_guard<std::mutex> g(qmu);
        if (next >= todo.size()) return;
        i = todo[next++];
      }
      if (ctx.stopped()) return;
      SliceCounts counts;
      if (!st.empty[static_cast<std::size_t>(i)]) {
        SliceRun slice(ctx, i, n, range_of(st, i), fp);
        try {
          counts = slice.run();
          ctx.append_dirty(slice.dirty_lines());
        } catch (const DirtyLimit&) {
          slice.abandon();
          ++failed;
          // Kept for the repair: marked so a later --resume's lines are not taken for duplicates.
          std::string lines = slice.dirty_lines(), marked;
          for (std::size_t a = 0, b; (b = lines.find('\n', a)) != std::string::npos; a = b + 1)
            marked += lines.substr(a, b - a - 1) + ",\"rolled_back\":true}\n";
          try {
            ctx.append_dirty(marked);
          } catch (const ConnectorError&) {
          }
          continue;
        } catch (const Stopped&) {
          slice.abandon();
          ctx.uncount_dirty(slice.dirty_count());
          continue;
        } catch (const ConnectorError& e) {
          slice.abandon();
          ctx.uncount_dirty(slice.dirty_count());
          ++failed;
          std::lock_guard<std::mutex> g(qmu);
          failures.push_back("slice " + std::to_string(i) + " failed: " + e.what());
          note(failures.back());
          continue;
        }
      }
      ++run_count;
      try {
        JobState after = update_state(state_path, fresh, [&](JobState& s) { s.done[i] = counts; });
        if (static_cast<int>(after.done.size()) == n) {
          std::lock_guard<std::mutex> g(qmu);
          all_done_now = true;
        }
      } catch (const std::runtime_error& e) {
        ++failed;
        std::lock_guard<std::mutex> g(qmu);
        failures.push_back(std::string("slice ") + std::to_string(i) + " committed but the state file was not updated: " + e.what());
      }
    }
  };

  int threads = std::max(1, std::min<int>(job.channel.concurrency, static_cast<int>(todo.size())));
  std::vector<std::thread> pool;
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool finished = false;
  std::thread monitor;
  if (opts.want_progress && opts.progress) {
    monitor = std::thread([&] {
      std::unique_lock<std::mutex> lk(done_mu);
      while (!done_cv.wait_for(lk, std::chrono::milliseconds(500), [&] { return finished; }))
        opts.progress(ctx.read.load(), ctx.bytes.load(), std::chrono::duration<double>(Clock::now() - t0).count(), expected);
    });
  }
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  {
    std::lock_guard<std::mutex> g(done_mu);
    finished = true;
  }
  done_cv.notify_all();
  if (monitor.joinable()) monitor.join();

  totals.records_read = ctx.read.load();
  totals.records_written = ctx.written.load();
  totals.bytes = ctx.bytes.load();
  totals.slices_run = run_count.load();
  totals.slices_failed = failed.load();
  {
    std::lock_guard<std::mutex> g(ctx.mu);
    std::int64_t before = 0;
    for (const auto& [i, c] : st.done) before += static_cast<std::int64_t>(c.dirty);
    totals.dirty_records = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ctx.dirty - before));
    if (ctx.stop) totals.failure = ctx.stop_reason;
  }
  if (totals.failure.empty() && !failures.empty()) {
    totals.failure = failures.front();
    if (failures.size() > 1) totals.failure += " (and " + std::to_string(failures.size() - 1) + " more)";
  }
  totals.succeeded = totals.failure.empty() && failed.load() == 0;
  if (totals.succeeded && all_done_now) {
    try {
      auto d = connect(job.destination);
      d->finish(job.destination, ctx.dst_columns, n);
      if (!job.destination.post_sql.empty()) {
        if (!opts.only_slice)
          for (const auto& s : job.destination.post_sql) d->execute(s);
        else
          note("post_sql not run with --slice: run it once from the scheduler after every slice");
      }
    } catch (const ConnectorError& e) {
      totals.succeeded = false;
      totals.failure = std::string("after the last slice: ") + e.what();
    }
  }
  if (!totals.succeeded && totals.failure.empty()) totals.failure = "a slice failed";
  totals.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return totals;
}

}  // namespace syncpath::sync
