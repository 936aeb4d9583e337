#include "whichgroup.hpp"

#include <algorithm>
#include <cctype>

namespace syncpath {

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Finds `word` ignoring ASCII case.
std::size_t find_nocase(std::string_view hay, std::string_view word, std::size_t from = 0) {
  if (word.empty() || hay.size() < word.size()) return std::string_view::npos;
  for (std::size_t i = from; i + word.size() <= hay.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < word.size() && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(hay[i + k])) == std::tolower(static_cast<unsigned char>(word[k]));
    if (eq) return i;
  }
  return std::string_view::npos;
}

// A task id written on the line: taskId=123, task_id: 123, jobId 123, instanceId=... .
std::string task_id(std::string_view line) {
  for (std::string_view key : {"taskid", "task_id", "task id", "jobid", "job_id", "instanceid", "instance_id"}) {
    std::size_t at = find_nocase(line, key);
    if (at == std::string_view::npos) continue;
    std::size_t i = at + key.size();
    while (i < line.size() && (line[i] == ' ' || line[i] == '=' || line[i] == ':' || line[i] == '[' || line[i] == '"')) ++i;
    std::size_t j = i;
    while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_' || line[j] == '-')) ++j;
    if (j > i) return std::string(line.substr(i, j - i));
  }
  return {};
}

}  // namespace

std::string group_kind_of(std::string_view pipeline, std::string* cluster) {
  std::string name;
  for (char c : pipeline)
    if (!std::isspace(static_cast<unsigned char>(c))) name += c;  // "basecommon_ group_" as the seed writes it
  if (cluster) cluster->clear();
  if (starts_with(name, "basecommon_group_")) {
    if (cluster) {
      if (ends_with(name, "_oxs")) *cluster = "oxs";
      else if (ends_with(name, "_ecs")) *cluster = "ecs";
    }
    return "shared";
  }
  if (starts_with(name, "basecommon_S_res_group_")) return "exclusive";
  if (starts_with(name, "basecommon_") && name.size() > std::string_view("basecommon_").size()) return "custom";
  return "unknown";
}

std::optional<PipelineRun> parse_pipeline_line(std::string_view line, int line_number) {
  static constexpr std::string_view kMarker = "running in Pipeline[";
  std::size_t at = line.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t start = at + kMarker.size();
  std::size_t end = line.find(']', start);
  if (end == std::string_view::npos) return std::nullopt;
  PipelineRun r;
  r.line = line_number;
  r.pipeline = std::string(line.substr(start, end - start));
  r.group_kind = group_kind_of(r.pipeline, &r.cluster);
  r.task = task_id(line);
  return r;
}

std::vector<PipelineRun> scan_log(std::istream& in) {
  std::vector<PipelineRun> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (auto r = parse_pipeline_line(line, n)) out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace syncpath
