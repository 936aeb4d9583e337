// Helpers for the sync core's tests: a temporary folder, SQLite databases made and queried
// through the sync core's own connector, files, and the CLI run in-process.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app.hpp"
#include "connector.hpp"

namespace sync_test {

using namespace syncpath;
using namespace syncpath::sync;
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "syncpath-unit-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline JobSide sqlite_at(const std::string& db, const std::string& table = "") {
  JobSide e;
  e.data_source.type = SourceType::sqlite;
  e.data_source.path = db;
  e.table = table;
  return e;
}

inline void sql(const std::string& db, const std::string& statements) {
  if (!fs::exists(db)) std::ofstream(db).put('\0').flush(), fs::resize_file(db, 0);  // an empty file is an empty database
  connect_sqlite(sqlite_at(db))->execute(statements);
}

inline std::vector<Row> rows_of(const std::string& db, const std::string& table, const std::vector<std::string>& cols) {
  JobSide e = sqlite_at(db, table);
  auto c = connect_sqlite(e);
  auto r = c->read(e, cols, KeyRange{});
  std::vector<Row> out;
  Row row;
  std::string problem;
  while (r->next(row, problem)) out.push_back(row);
  return out;
}

inline std::int64_t scalar(const std::string& db, const std::string& query) {
  JobSide e = sqlite_at(db);
  e.query = query;
  auto c = connect_sqlite(e);
  auto names = c->describe_query(query);
  auto r = c->read(e, {names.columns.at(0).name}, KeyRange{});
  Row row;
  std::string problem;
  REQUIRE(r->next(row, problem));
  return row.at(0).is_null() ? -1 : row.at(0).i;
}

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CliResult {
  int rc;
  std::string out, err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};
inline CliResult run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "syncpath");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {rc, out.str(), err.str()};
}

inline std::size_t lines_in(const std::string& path) {
  std::string t = read_file(path);
  return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
}


}  // namespace sync_test
