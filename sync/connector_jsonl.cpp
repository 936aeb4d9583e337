// JSON lines as a source (`type: jsonl`, a job-file type): re-loads a dirty-data file after
// repair, or any file of one JSON object per line. A record with a `row` object (what the
// dirty-data file writes) contributes that object; any other object is the row itself. Records
// marked `"rolled_back": true` are skipped: their slice was undone, and the run that redoes it
// (--resume) writes them again, unmarked, if they are still dirty.
#include <fstream>

#include <nlohmann/json.hpp>

#include "connector.hpp"

namespace syncpath::sync {

namespace {

using Json = nlohmann::ordered_json;  // keeps the keys in file order: that is the column order

enum class Kind { row, skipped, bad };

// One line, classified: the row object it holds, a record to skip, or why it is unusable.
// `column` is the 1-based byte where the problem is, when known.
Kind parse_line(const std::string& line, Json& row, std::string& why, std::size_t& column) {
  column = 1;
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded()) {
    // Parse again with exceptions only to learn where: rare, and only for broken lines.
    try {
      Json again = Json::parse(line);
      (void)again;
    } catch (const Json::parse_error& e) {
      column = e.byte > 0 ? e.byte : 1;
    }
    why = "not valid JSON; each line must be one JSON object (a record of the dirty-data file, or a row)";
    return Kind::bad;
  }
  if (!j.is_object()) {
    why = "a JSON " + std::string(j.type_name()) + ", not an object; each line must be one JSON object";
    return Kind::bad;
  }
  if (auto rb = j.find("rolled_back"); rb != j.end() && rb->is_boolean() && rb->get<bool>()) return Kind::skipped;
  if (auto r = j.find("row"); r != j.end()) {
    if (!r->is_object()) {
      why = "'row' is a JSON " + std::string(r->type_name()) + "; it must be an object of column: value";
      return Kind::bad;
    }
    row = std::move(*r);
  } else {
    row = std::move(j);
  }
  for (const auto& [k, v] : row.items())
    if (v.is_object() || v.is_array()) {
      why = "the value of '" + k + "' is a JSON " + std::string(v.type_name()) + "; values must be strings, numbers, booleans or null";
      return Kind::bad;
    }
  if (row.empty()) {
    why = "the row has no columns";
    return Kind::bad;
  }
  return Kind::row;
}

Cell cell_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return Cell::null();
    case Json::value_t::boolean: return Cell::boolean(v.get<bool>());
    case Json::value_t::number_integer: return Cell::integer(v.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = v.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(INT64_MAX)) return Cell::integer(static_cast<std::int64_t>(u));
      return Cell::of(CellKind::decimal, std::to_string(u));  // converts per value (an unsigned bigint column takes it)
    }
    case Json::value_t::number_float: return Cell::real(v.get<double>());
    case Json::value_t::string: return Cell::text(v.get<std::string>());
    default: return Cell::text(v.dump());
  }
}

class JsonlReader : public RowReader {
 public:
  JsonlReader(const std::string& path, std::vector<std::string> columns) : path_(path), columns_(std::move(columns)), in_(path) {
    if (!in_) throw ConnectorError("jsonl: cannot read " + path);
  }
  bool next(Row& row, std::string& problem) override {
    std::string line, why;
    Json obj;
    std::size_t col = 0;
    for (;;) {
      if (!std::getline(in_, line)) {
        if (in_.bad()) throw ConnectorError("jsonl: read error in " + path_);
        return false;
      }
      ++line_no_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      Kind k = parse_line(line, obj, why, col);
      if (k == Kind::skipped) continue;
      row.assign(columns_.size(), Cell::null());
      if (k == Kind::bad) {  // checked before the run, so only a file changed since then gets here
        problem = "line " + std::to_string(line_no_) + ": " + why;
        return true;
      }
      for (std::size_t i = 0; i < columns_.size(); ++i) {
        auto it = obj.find(columns_[i]);
        if (it == obj.end()) {
          if (problem.empty()) problem = "line " + std::to_string(line_no_) + " has no '" + columns_[i] + "'";
          continue;
        }
        row[i] = cell_of(*it);
      }
      return true;
    }
  }
  std::optional<std::uint64_t> line() const override { return line_no_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::ifstream in_;
  std::uint64_t line_no_ = 0;
};

class JsonlConnection : public Connection {
 public:
  explicit JsonlConnection(const JobSide& e) : endpoint_(e), path_(resolve_path(e, e.data_source.path)) {}

  // The columns are the keys of the first row, in file order.
  Shape describe_table(const std::string&) override {
    Shape s;
    std::ifstream in(path_);
    if (!in) {
      s.error = "cannot read " + path_;
      return s;
    }
    std::string line, why;
    Json row;
    std::size_t col = 0;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (parse_line(line, row, why, col) != Kind::row) continue;  // check_jsonl_file reports bad lines
      for (const auto& [k, v] : row.items()) s.columns.push_back({k, ColumnType{TypeKind::any, "json value"}});
      break;
    }
    s.found = !s.columns.empty();
    if (!s.found) s.error = path_ + " holds no row to load";
    return s;
  }
  Shape describe_query(const std::string&) override {
    Shape s;
    s.error = "a jsonl source cannot run a query";
    return s;
  }
  KeyBounds key_bounds(const JobSide&, const std::string&) override { return {}; }
  std::unique_ptr<RowReader> read(const JobSide&, const std::vector<std::string>& columns, const KeyRange&) override {
    return std::make_unique<JsonlReader>(path_, columns);
  }
  std::unique_ptr<RowWriter> write(const JobSide&, const std::vector<ColumnInfo>&, const std::vector<std::string>&, int, int) override {
    throw ConnectorError("jsonl: a jsonl data source is a source only");
  }
  void execute(const std::string&) override { throw ConnectorError("jsonl: a jsonl data source cannot run pre_sql or post_sql"); }
  std::optional<std::uint64_t> count(const JobSide&, const KeyRange&) override { return std::nullopt; }

 private:
  JobSide endpoint_;
  std::string path_;
};

}  // namespace

std::unique_ptr<Connection> connect_jsonl(const JobSide& e) { return std::make_unique<JsonlConnection>(e); }

bool check_jsonl_file(const std::string& path, Diagnostics& diags, std::size_t max_reported) {
  std::ifstream in(path);
  if (!in) {
    diags.error({path, 0, 0}, "unreadable-file", "cannot read the jsonl source; check the data source's path");
    return false;
  }
  std::string line, why;
  Json row;
  std::size_t line_no = 0, bad = 0, rows = 0, col = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Kind k = parse_line(line, row, why, col);
    if (k == Kind::row) ++rows;
    if (k != Kind::bad) continue;
    if (++bad <= max_reported) diags.error({path, static_cast<int>(line_no), static_cast<int>(col)}, "bad-jsonl", why);
  }
  if (bad > max_reported)
    diags.error({path, 0, 0}, "bad-jsonl", std::to_string(bad - max_reported) + " more lines are not usable records (only the first " +
                                               std::to_string(max_reported) + " are listed)");
  if (bad == 0 && rows == 0) diags.error({path, 0, 0}, "empty-source", "the jsonl source holds no row to load");
  return bad == 0 && rows > 0;
}

}  // namespace syncpath::sync
