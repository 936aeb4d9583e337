// `syncpath whichgroup`: which kind of resource group ran a sync task, from the
// `running in Pipeline[...]` lines of its log (see the end of the seed document on network
// connectivity solutions).
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncpath {

// The whichgroup JSON's schema_version (docs/json.md).
inline constexpr int kWhichgroupSchemaVersion = 1;

struct PipelineRun {
  int line = 0;            // 1-based line number in the log
  std::string pipeline;    // the name inside Pipeline[...], as written
  std::string group_kind;  // shared | exclusive | custom | unknown
  std::string cluster;     // shared only: oxs (ApsaraDB RDS involved) | ecs | "" (not said)
  std::string task;        // a task / job id found on the line, or ""
};

// The kind a pipeline name stands for. basecommon_group_xxx (the seed also writes
// "basecommon_ group_xxx", with a space) is the shared group, on an OXS cluster with the suffix
// _oxs, on an ECS cluster with _ecs; basecommon_S_res_group_xxx is exclusive; any other
// basecommon_xxx is custom.
std::string group_kind_of(std::string_view pipeline, std::string* cluster = nullptr);

// The run described by one log line, or nullopt if it has no `running in Pipeline[...]`.
std::optional<PipelineRun> parse_pipeline_line(std::string_view line, int line_number);

// Every run in a log.
std::vector<PipelineRun> scan_log(std::istream& in);

}  // namespace syncpath
