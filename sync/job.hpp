// A sync job (../shared/spec/sync-job.md) once read: plain data, whatever file dialect it came
// from. A reader (the YAML job file here; other job dialects beside it) fills a Job and the
// places of its keys, then check_job_rules applies the rules every job obeys, so each dialect
// reports the same problems with the same codes at its own file's line and column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "model.hpp"

namespace syncpath::sync {

enum class WriteMode { insert, replace, upsert };

// Where a key and its value are in the job file (line 0: not written). A problem with a value
// points at the value; a key that does not belong points at the key.
struct Place {
  SourcePos key, value;
  bool given() const { return key.line > 0 || value.line > 0; }
};

// One end of the job: a data source (named in the topology or inline) and what to read/write.
struct JobSide {
  std::string data_source_name;  // empty when inline
  DataSource data_source;        // resolved (from the topology or the inline map)
  std::string base_dir;          // relative paths and password files resolve against this
  std::string table;
  std::string query;             // source only
  std::vector<std::string> columns;
  std::string where;             // source only
  std::string split_key;         // source only
  // destination only
  WriteMode write_mode = WriteMode::insert;
  std::vector<std::string> key_columns;  // upsert/replace key; default: the table's primary key
  int batch_size = 1000;                 // as written; check_job_rules checks the range
  std::vector<std::string> pre_sql, post_sql;
  // A JSON-lines file (`type: jsonl`, e.g. a repaired dirty-data file), source only. The sync
  // job adds this type; topologies do not have it, so it is carried as a csv-like file source
  // (data_source.type csv: a local file, one slice, no query) with this flag choosing the reader.
  bool jsonl = false;
  // csv options (either side)
  bool csv_given = false;
  char csv_delimiter = ',';
  std::string csv_null = "";     // the NULL marker; an empty unquoted field by default
  bool csv_header = true;
  // where things are in the job file, for the rules and for problems found against the databases
  SourcePos pos;  // the side's own section
  Place data_source_place, table_place, query_place, columns_place, split_key_place, write_mode_place, keys_place,
      batch_size_place, csv_place;
  std::vector<SourcePos> column_pos, key_pos;  // each listed column and key
};

struct Channel {
  int concurrency = 1;                         // as written; the rules check 1..256
  int slices = 0;                              // 0: one slice per concurrency
  std::optional<double> rate_limit_mb_per_s;   // MB = 10^6 bytes
  std::optional<double> records_per_second;
  std::optional<std::int64_t> dirty_records_max;
  bool distributed = false;
  SourcePos pos;
  Place concurrency_place, slices_place, rate_place, records_place, dirty_place, distributed_place;
};

struct Job {
  std::string file;
  std::string base_dir;
  std::string topology_file;  // resolved path, empty if none
  std::string resource_group;
  Place topology_place, resource_group_place;
  JobSide source, destination;
  Channel channel;
  std::string dirty_path;     // resolved; empty: <job>.dirty.jsonl beside the job
  int slice_count() const { return channel.slices > 0 ? channel.slices : channel.concurrency; }
  // Where the slice count comes from, for a problem with it.
  const Place& slice_count_place() const { return channel.slices > 0 ? channel.slices_place : channel.concurrency_place; }
};

struct JobLoadResult {
  std::optional<Job> job;
  Diagnostics diagnostics;
  std::string source_text;           // the file's text, any literal password masked (for carets)
  std::optional<Topology> topology;  // when the job names one and it loaded
  // True when both sides (data sources, tables, columns) read without an error: the job can
  // then be checked against the databases too, so one run reports every problem of the file.
  bool sides_usable = false;
  bool ok() const { return job && !diagnostics.has_errors(); }
};

JobLoadResult load_job_file(const std::string& path);
JobLoadResult load_job_text(const std::string& text, const std::string& file);

// Looks a named data source up in the topology into `side` (unknown names get "did you mean").
void resolve_named_source(JobSide& side, const Topology* topology, Diagnostics& diags);
// The rules every job obeys whatever its dialect: ranges of the channel and batch values,
// distributed with concurrency >= 8, one of table/query, what csv and jsonl sides allow,
// column lists, defaults (the dirty file beside the job). Problems go to `diags` at the places
// the reader recorded. False when a side broke one (it cannot be checked against a database).
bool check_job_rules(Job& job, Diagnostics& diags);

}  // namespace syncpath::sync
