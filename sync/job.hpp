// A sync job file (../shared/spec/sync-job.md) once loaded and checked. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "model.hpp"

namespace syncpath::sync {

enum class WriteMode { insert, replace, upsert };

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
  int batch_size = 1000;
  std::vector<std::string> pre_sql, post_sql;
  // A JSON-lines file (`type: jsonl`, e.g. a repaired dirty-data file), source only. The sync
  // job adds this type; topologies do not have it, so it is carried as a csv-like file source
  // (data_source.type csv: a local file, one slice, no query) with this flag choosing the reader.
  bool jsonl = false;
  // csv options (either side)
  char csv_delimiter = ',';
  std::string csv_null = "";     // the NULL marker; an empty unquoted field by default
  bool csv_header = true;
  // where things are in the job file, for diagnostics found after loading
  SourcePos pos, table_pos, columns_pos, split_key_pos;
  std::vector<SourcePos> column_pos;
};

struct Channel {
  int concurrency = 1;
  int slices = 0;                              // 0: one slice per concurrency
  std::optional<double> rate_limit_mb_per_s;   // MB = 10^6 bytes
  std::optional<double> records_per_second;
  std::optional<std::int64_t> dirty_records_max;
  bool distributed = false;
  SourcePos pos, concurrency_pos, rate_pos, records_pos, dirty_pos, distributed_pos;
};

struct Job {
  std::string file;
  std::string base_dir;
  std::string topology_file;  // resolved path, empty if none
  std::string resource_group;
  SourcePos resource_group_pos;
  JobSide source, destination;
  Channel channel;
  std::string dirty_path;     // resolved; empty: <job>.dirty.jsonl beside the job
  int slice_count() const { return channel.slices > 0 ? channel.slices : channel.concurrency; }
};

struct JobLoadResult {
  std::optional<Job> job;
  Diagnostics diagnostics;
  std::string source_text;
  std::optional<Topology> topology;  // when the job names one and it loaded
  bool ok() const { return job && !diagnostics.has_errors(); }
};

JobLoadResult load_job_file(const std::string& path);
JobLoadResult load_job_text(const std::string& text, const std::string& file);

}  // namespace syncpath::sync
