// The rules every job obeys, whatever file dialect it was read from: a reader fills the Job and
// the places of its keys, these rules report at those places.
#include <algorithm>
#include <filesystem>
#include <set>

#include "job.hpp"

namespace syncpath::sync {

namespace {

// The first non-empty position: where a problem is reported when the better place is not known.
SourcePos at(const SourcePos& p, const SourcePos& fallback) { return p.line > 0 ? p : fallback; }

bool has_error_at(const Diagnostics& diags, const SourcePos& p) {
  if (p.line <= 0) return false;
  return std::any_of(diags.items().begin(), diags.items().end(), [&](const Diagnostic& d) {
    return d.severity == Severity::error && d.pos.file == p.file && d.pos.line == p.line && d.pos.column == p.column;
  });
}

bool is_sync_type(SourceType t) {
  return t == SourceType::sqlite || t == SourceType::csv || t == SourceType::mysql || t == SourceType::postgresql;
}

// Side rules; returns the number of errors reported.
std::size_t check_side(const JobSide& e, bool is_source, Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  const std::string what = is_source ? "source" : "destination";
  const bool file = e.data_source.type == SourceType::csv;  // csv and jsonl files
  const std::string kind = e.jsonl ? "jsonl" : "csv";
  if (e.jsonl && !is_source)
    diags.error(at(e.data_source_place.value, e.pos), "jsonl-destination",
                "a jsonl data source is a source only (it re-loads repaired dirty-data files); write to a database or a csv file");
  if (e.table.empty() && e.query.empty() && !file && !e.table_place.given())
    diags.error(e.pos, "missing-key", what + (is_source ? " needs a 'table' or a 'query'" : " needs a 'table'"));
  if (!e.query.empty() && !e.table.empty())
    diags.error(at(e.query_place.key, e.pos), "table-and-query", "source has both 'table' and 'query'; keep one");
  if (!e.query.empty() && file)
    diags.error(at(e.query_place.key, e.pos), "query-on-csv",
                "a " + kind + " source cannot run a query; name the file with 'table' or the data source path");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < e.columns.size(); ++i)
    if (!seen.insert(e.columns[i]).second)
      diags.error(at(i < e.column_pos.size() ? e.column_pos[i] : SourcePos{}, e.pos), "duplicate-column",
                  "column '" + e.columns[i] + "' is listed twice");
  if (!e.split_key.empty() && file)
    diags.error(at(e.split_key_place.key, e.pos), "split-key-on-csv", "a " + kind + " source is read as one slice; remove split_key");
  if (e.csv_given && (!file || e.jsonl))
    diags.error(at(e.csv_place.key, e.pos), "csv-options", "'csv' options only apply to a csv data source");
  if (!is_source) {
    if (e.write_mode != WriteMode::insert && file)
      diags.error(at(e.write_mode_place.value, e.pos), "bad-write-mode", "a csv destination is written whole; write_mode must be insert");
    if (e.batch_size < 1 || e.batch_size > 100000)
      diags.error(at(e.batch_size_place.value, e.pos), "bad-batch-size", "batch_size must be between 1 and 100000");
  }
  return diags.error_count() - before;
}

void check_channel(const Job& job, Diagnostics& diags) {
  const Channel& c = job.channel;
  const SourcePos fallback = at(c.pos, {job.file, 0, 0});
  const bool concurrency_ok = c.concurrency >= 1 && c.concurrency <= 256;
  if (!concurrency_ok)
    diags.error(at(c.concurrency_place.value, fallback), "bad-concurrency",
                "concurrency must be between 1 and 256 (it is " + std::to_string(c.concurrency) + ")");
  if (c.slices_place.given() && (c.slices < 1 || c.slices > 100000) && !has_error_at(diags, c.slices_place.value))
    diags.error(at(c.slices_place.value, fallback), "bad-slices", "slices must be between 1 and 100000");
  if (c.rate_limit_mb_per_s && !(*c.rate_limit_mb_per_s >= 1.0))
    diags.error(at(c.rate_place.value, fallback), "rate-too-low", "rate_limit_mb_per_s must be at least 1 (MB/s); remove the key for no limit");
  if (c.records_per_second && !(*c.records_per_second >= 1.0))
    diags.error(at(c.records_place.value, fallback), "bad-records-rate", "records_per_second must be at least 1");
  if (c.dirty_records_max && *c.dirty_records_max < 0)
    diags.error(at(c.dirty_place.value, fallback), "bad-dirty-max", "dirty_records_max must be 0 or more (remove it for no limit)");
  // Said with the concurrency the job really has, and where it says so; not when that value
  // is unreadable (already reported).
  if (c.distributed && c.concurrency < 8 && !has_error_at(diags, c.concurrency_place.value)) {
    std::string is = c.concurrency_place.given()
                         ? "it is " + std::to_string(c.concurrency) + " at line " + std::to_string(c.concurrency_place.value.line)
                         : "concurrency is not set, so it is 1";
    diags.error(at(c.distributed_place.value, fallback), "distributed-needs-concurrency",
                "distributed: true needs concurrency of at least 8 (" + is + ")");
  }
  const JobSide& s = job.source;
  if (concurrency_ok && job.slice_count() > 1 && s.split_key.empty() && s.data_source.type != SourceType::csv)
    diags.warning(at(job.slice_count_place().key, fallback), "no-split-key",
                  "concurrency > 1 without a source split_key: the table is read as one slice");
}

}  // namespace

void resolve_named_source(JobSide& e, const Topology* topo, Diagnostics& diags) {
  if (!topo || e.data_source_name.empty()) return;
  const SourcePos p = at(e.data_source_place.value, e.pos);
  const DataSource* found = topo->find_source(e.data_source_name);
  if (!found) {
    std::vector<std::string> names;
    for (const auto& d : topo->data_sources) names.push_back(d.name);
    std::string near = nearest(e.data_source_name, names);
    diags.error(p, "unknown-data-source",
                "no data source named '" + e.data_source_name + "' in the topology" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
    return;
  }
  e.data_source = *found;
  e.base_dir = topo->base_dir;
  if (!is_sync_type(e.data_source.type))
    diags.error(p, "unsupported-type",
                "data source '" + e.data_source_name + "' is of type " + std::string(to_string(e.data_source.type)) +
                    ", which the sync core cannot read or write (sqlite, csv, mysql, postgresql)");
}

bool check_job_rules(Job& job, Diagnostics& diags) {
  std::size_t side_errors = check_side(job.source, true, diags) + check_side(job.destination, false, diags);
  JobSide& s = job.source;
  JobSide& d = job.destination;
  if (!s.columns.empty() && !d.columns.empty() && s.columns.size() != d.columns.size()) {
    diags.error(at(d.columns_place.value, d.pos), "column-count",
                "destination lists " + std::to_string(d.columns.size()) + " columns but the source lists " + std::to_string(s.columns.size()) +
                    "; columns map one-to-one by position");
    ++side_errors;
  }
  check_channel(job, diags);
  if (job.dirty_path.empty()) {
    std::filesystem::path p(job.file);
    job.dirty_path = (p.parent_path() / (p.stem().string() + ".dirty.jsonl")).string();
  }
  return side_errors == 0;
}

}  // namespace syncpath::sync
