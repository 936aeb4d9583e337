#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

namespace syncpath::sync {

namespace {

using json = nlohmann::ordered_json;  // keys in the order written: status first

// A report as indented JSON. Server messages and file names need not be UTF-8: such bytes are
// replaced (U+FFFD) instead of throwing, which would lose the report of a run that happened.
std::string text_of(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

// The diagnostics as render_json writes them (one shape for every command), as a JSON array.
json diagnostics_array(const Diagnostics& diags) {
  std::ostringstream s;
  render_json(s, diags);
  json j = json::parse(s.str(), nullptr, false);
  return j.is_object() && j.contains("diagnostics") ? j["diagnostics"] : json::array();
}

json document(const char* status, const char* stage, const Diagnostics& diags) {
  json j = {{"schema_version", kReportSchemaVersion}, {"status", status}, {"stage", stage}};
  if (!diags.empty()) j["diagnostics"] = diagnostics_array(diags);
  return j;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::succeeded: return "succeeded";
    case Outcome::failed: return "failed";
    case Outcome::interrupted: return "interrupted";
    case Outcome::already_loaded: return "already_loaded";
  }
  return "failed";
}

std::string write_mode_name(WriteMode w) { return w == WriteMode::insert ? "insert" : w == WriteMode::replace ? "replace" : "upsert"; }

std::string type_name(const JobSide& e) { return e.jsonl ? "jsonl" : std::string(to_string(e.data_source.type)); }

std::string clock_text(double seconds) {
  auto s = static_cast<long long>(seconds);
  std::ostringstream o;
  o << s / 3600 << ':' << std::setw(2) << std::setfill('0') << s / 60 % 60 << ':' << std::setw(2) << s % 60;
  return o.str();
}

}  // namespace

std::string human_bytes(double b) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1);
  if (b >= 1e9) o << b / 1e9 << " GB";
  else if (b >= 1e6) o << b / 1e6 << " MB";
  else if (b >= 1e3) o << b / 1e3 << " kB";
  else o << std::setprecision(0) << b << " B";
  return o.str();
}

void write_totals_text(std::ostream& out, const Totals& t) {
  out << "sync " << (t.succeeded() ? "succeeded" : t.outcome == Outcome::interrupted ? "interrupted" : "failed") << ": " << t.run.read
      << " read, " << t.run.written << " written, " << t.run.dirty << " dirty";
  if (t.run.dirty) out << " (in " << t.dirty_file << ")";
  out << "; " << human_bytes(static_cast<double>(t.run.bytes)) << " in " << std::fixed << std::setprecision(2) << t.seconds << " s, "
      << static_cast<std::uint64_t>(t.records_per_second()) << " rows/s, " << human_bytes(t.bytes_per_second()) << "/s";
  if (t.rate_limit_bytes_per_second) out << " (limit " << human_bytes(*t.rate_limit_bytes_per_second) << "/s)";
  if (t.slice) {
    out << "; slice " << *t.slice << " of " << t.slices_total << (t.slices_run ? " committed" : t.slices_skipped ? " already done" : " not committed");
  } else {
    out << "; slices " << t.slices_run << " run";
    if (t.slices_skipped) out << ", " << t.slices_skipped << " already done";
    if (t.slices_failed) out << ", " << t.slices_failed << " failed";
    out << " of " << t.slices_total;
  }
  out << '\n';
  // The whole job, when this run was not all of it.
  if (t.slice || t.slices_skipped) {
    out << "job: " << t.slices_committed << " of " << t.slices_total << " slices committed; " << t.job.read << " read, " << t.job.written
        << " written, " << t.job.dirty << " dirty, " << human_bytes(static_cast<double>(t.job.bytes));
    if (t.slices_uncounted) out << " (" << t.slices_uncounted << " slice(s) not counted: only the destination recorded them)";
    out << '\n';
  }
}

std::string totals_json(const Totals& t, const Diagnostics& warnings) {
  json j = document(t.succeeded() ? "succeeded" : "failed", "run", warnings);
  j["outcome"] = outcome_name(t.outcome);
  j["records_read"] = t.run.read;
  j["records_written"] = t.run.written;
  j["dirty_records"] = t.run.dirty;
  j["bytes"] = t.run.bytes;
  j["seconds"] = t.seconds;
  j["records_per_second"] = t.records_per_second();
  j["bytes_per_second"] = t.bytes_per_second();
  if (t.rate_limit_bytes_per_second) j["rate_limit_bytes_per_second"] = *t.rate_limit_bytes_per_second;
  if (t.records_limit_per_second) j["records_limit_per_second"] = *t.records_limit_per_second;
  j["slices"] = t.slices_total;
  if (t.slice) j["slice"] = *t.slice;
  j["slices_run"] = t.slices_run;
  j["slices_skipped"] = t.slices_skipped;
  j["slices_failed"] = t.slices_failed;
  j["job"] = {{"records_read", t.job.read},          {"records_written", t.job.written},
              {"dirty_records", t.job.dirty},        {"bytes", t.job.bytes},
              {"slices_committed", t.slices_committed}, {"slices", t.slices_total},
              {"slices_uncounted", t.slices_uncounted}};
  j["dirty_file"] = t.dirty_file;
  if (!t.succeeded()) j["error"] = t.failure;
  return text_of(j);
}

void write_explain_text(std::ostream& out, const Job& job, const Mapping& m) {
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
  out << "source: " << (job.source.query.empty() ? job.source.table : "(query)") << " (" << type_name(job.source)
      << ")  destination: " << job.destination.table << " (" << type_name(job.destination) << ")\n";
  row("source column", "source type", "destination column", "destination type", "conversion");
  for (const auto& r : m.rows) row(r.source_column, type_label(r.source_type), r.destination_column, type_label(r.destination_type), r.conversion);
  out << "write_mode: " << write_mode_name(job.destination.write_mode);
  if (!m.keys.empty()) {
    out << "  key:";
    for (const auto& k : m.keys) out << ' ' << k;
  }
  out << "\nslices: " << (job.source.split_key.empty() ? 1 : job.slice_count());
  if (!job.source.split_key.empty()) out << " on " << job.source.split_key << " (" << m.split_key_kind << ")";
  out << ", concurrency " << job.channel.concurrency << '\n';
}

std::string explain_json(const Job& job, const Mapping& m, const Diagnostics& warnings) {
  json j = document("succeeded", "explain", warnings);
  auto side = [](const JobSide& e) {
    json s = {{"type", type_name(e)}, {"table", e.table}};
    if (!e.query.empty()) s["query"] = e.query;
    if (!e.data_source_name.empty()) s["data_source"] = e.data_source_name;
    return s;
  };
  j["source"] = side(job.source);
  j["destination"] = side(job.destination);
  json rows = json::array();
  for (const auto& r : m.rows)
    rows.push_back({{"source_column", r.source_column},
                    {"source_type", type_label(r.source_type)},
                    {"destination_column", r.destination_column},
                    {"destination_type", type_label(r.destination_type)},
                    {"conversion", r.conversion}});
  j["mapping"] = std::move(rows);
  j["write_mode"] = write_mode_name(job.destination.write_mode);
  j["keys"] = m.keys;
  const bool split = !job.source.split_key.empty();
  j["slices"] = split ? job.slice_count() : 1;
  j["split_key"] = split ? json(job.source.split_key) : json(nullptr);
  j["split_key_kind"] = split ? json(m.split_key_kind) : json(nullptr);
  j["concurrency"] = job.channel.concurrency;
  return text_of(j);
}

std::string diagnostics_json(const Diagnostics& diags) {
  json j = document("failed", "input", diags);
  if (!j.contains("diagnostics")) j["diagnostics"] = json::array();
  return text_of(j);
}

std::string preflight_json(const std::vector<std::string>& problems, const Diagnostics& warnings) {
  json j = document("failed", "preflight", warnings);
  j["problems"] = problems;
  return text_of(j);
}

std::string progress_line(const Progress& p, bool plain) {
  std::ostringstream line;
  const double rate = p.seconds > 0 ? static_cast<double>(p.rows) / p.seconds : 0;
  const double bytes_rate = p.seconds > 0 ? static_cast<double>(p.bytes) / p.seconds : 0;
  if (plain) line << "syncpath sync: progress " << clock_text(p.seconds) << ": ";
  line << p.rows;
  if (p.total_rows) line << " / " << *p.total_rows;
  line << " rows";
  if (p.total_rows && *p.total_rows > 0)
    line << " (" << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(std::min(p.rows, *p.total_rows)) / static_cast<double>(*p.total_rows)
         << "%)";
  line << ", " << human_bytes(static_cast<double>(p.bytes)) << ", " << static_cast<std::uint64_t>(rate) << " rows/s, " << human_bytes(bytes_rate)
       << "/s, slices " << p.slices_done << " of " << p.slices_total << " done";
  if (p.total_rows && rate > 0 && *p.total_rows >= p.rows)
    line << ", ETA " << clock_text(std::ceil(static_cast<double>(*p.total_rows - p.rows) / rate));
  return line.str();
}

}  // namespace syncpath::sync
