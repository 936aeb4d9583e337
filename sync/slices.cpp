#include "slices.hpp"

#include <sys/stat.h>

#include <cstdio>

namespace syncpath::sync {

namespace {

std::string fnv_hex(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// A csv or jsonl source file by its size and time of change (nanoseconds).
std::string file_identity(const JobSide& e) {
  struct stat st {};
  if (::stat(resolve_path(e, e.data_source.path).c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

std::string side(const JobSide& e, bool is_source) {
  const DataSource& d = e.data_source;
  std::string s = std::string(e.jsonl ? "jsonl" : to_string(d.type)) + "|" + d.path + "|" + d.database + "|";
  if (d.endpoint) s += d.endpoint->host + (d.endpoint->ip ? "/" + d.endpoint->ip->str() : "") + ":" + std::to_string(d.endpoint->port);
  s += "|" + e.table + "|" + e.query + "|" + e.where + "|" + e.split_key + "|";
  for (const auto& c : e.columns) s += c + ",";
  if (is_source && d.type == SourceType::csv) s += "|" + file_identity(e);
  return s;
}

std::string date_literal(std::int64_t days) { return "'" + date_from_days(days) + "'"; }

}  // namespace

std::string job_fingerprint(const Job& job) { return fnv_hex(side(job.source, true) + "#" + side(job.destination, false)); }

std::string marks_id(const std::string& fingerprint, int slices) { return fingerprint + "-" + std::to_string(slices); }

void cut_ranges(const KeyBounds& b, JobState& st) {
  const int n = st.slices;
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

}  // namespace syncpath::sync
