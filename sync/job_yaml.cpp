// The YAML job file: reads the tree into a Job, recording where every key and value is, and
// reports what only YAML can get wrong (syntax, unknown keys, a value of the wrong shape). The
// rules every job obeys are check_job_rules' (job_rules.cpp), shared with other job dialects.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "job.hpp"
#include "loader.hpp"

namespace syncpath::sync {

namespace {

namespace fs = std::filesystem;

// Walks the YAML tree, turning every problem into a diagnostic with the node's position.
class JobReader {
 public:
  JobReader(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  SourcePos pos(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};  // yaml-cpp marks are 0-based: the one place we add 1
  }

  // Where `key` and its value are in `map` (nothing when the key is absent).
  Place place(const YAML::Node& map, const std::string& key) const {
    if (!map.IsMap()) return {};
    for (auto it = map.begin(); it != map.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == key) return {pos(it->first), pos(it->second)};
    return {};
  }

  void error(const YAML::Node& n, const std::string& code, const std::string& msg) { diags_.error(pos(n), code, msg); }

  // Reports keys not in `allowed`, with a "did you mean" when one is close.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string k = it->first.IsNull() ? "null" : it->first.Scalar();  // yaml-cpp reads a bare `null` key as no scalar
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string near = nearest(k, allowed);
      error(it->first, "unknown-key",
            "unknown key '" + k + "' in " + where + (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }

  bool is_map(const YAML::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    error(n, "expected-map", what + " must be a mapping (key: value lines)");
    return false;
  }

  std::optional<std::string> str(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) return n.Scalar();
    error(n, "expected-string", what + " must be a single value");
    return std::nullopt;
  }

  template <typename T>
  std::optional<T> num(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) {
      try {
        return n.as<T>();
      } catch (const YAML::Exception&) {
      }
    }
    error(n, "expected-number", what + " must be a number, not '" + (n.IsScalar() ? n.Scalar() : std::string("...")) + "'");
    return std::nullopt;
  }

  std::optional<bool> boolean(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) {
      try {
        return n.as<bool>();
      } catch (const YAML::Exception&) {
      }
    }
    error(n, "expected-boolean", what + " must be true or false");
    return std::nullopt;
  }

  std::vector<std::string> str_list(const YAML::Node& n, const std::string& what, std::vector<SourcePos>* where = nullptr) {
    std::vector<std::string> out;
    if (n.IsScalar()) {  // a single item is accepted as a list of one
      out.push_back(n.Scalar());
      if (where) where->push_back(pos(n));
      return out;
    }
    if (!n.IsSequence()) {
      error(n, "expected-list", what + " must be a list, e.g. [a, b]");
      return out;
    }
    for (const auto& item : n) {
      if (auto s = str(item, "each item of " + what)) {
        out.push_back(*s);
        if (where) where->push_back(pos(item));
      }
    }
    return out;
  }

  // A literal password's text in the job, so carets never print it (see mask_secrets).
  void secret(const YAML::Node& n) { secrets_.push_back(n.Mark().pos); }
  const std::vector<int>& secrets() const { return secrets_; }

  Diagnostics& diags() { return diags_; }

 private:
  std::string file_;
  Diagnostics& diags_;
  std::vector<int> secrets_;  // byte offsets of literal password scalars
};

// Blanks the literal password scalars starting at `offsets` with '*', quoted or plain, so the
// line a diagnostic quotes under its caret never shows one.
std::string mask_secrets(std::string text, const std::vector<int>& offsets) {
  for (int at : offsets) {
    if (at < 0 || static_cast<std::size_t>(at) >= text.size()) continue;
    auto i = static_cast<std::size_t>(at);
    const char q = text[i];
    if (q == '"' || q == '\'') {
      for (++i; i < text.size() && text[i] != q && text[i] != '\n'; ++i) {
        if (q == '"' && text[i] == '\\' && i + 1 < text.size()) text[i++] = '*';
        text[i] = '*';
      }
      continue;
    }
    // Plain: up to the end of the line, a comment, or the end of a flow item.
    for (; i < text.size() && text[i] != '\n' && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
           !(text[i] == '#' && i > 0 && text[i - 1] == ' ');
         ++i)
      text[i] = '*';
  }
  return text;
}

// `jsonl` (a job-file type, see JobSide::jsonl) comes back as csv with `jsonl` set.
std::optional<SourceType> supported_type(JobReader& r, const YAML::Node& n, bool& jsonl) {
  std::string word = n.IsScalar() ? n.Scalar() : "";
  jsonl = word == "jsonl";
  if (jsonl) return SourceType::csv;
  auto t = parse_enum<SourceType>(word);
  static const std::vector<std::string> kSupported = {"sqlite", "csv", "mysql", "postgresql", "jsonl"};
  if (!t || (*t != SourceType::sqlite && *t != SourceType::csv && *t != SourceType::mysql && *t != SourceType::postgresql)) {
    std::string near = nearest(word, kSupported);
    r.error(n, "unsupported-type",
            "the sync core has no connector for type '" + word + "'; use sqlite, csv, mysql, postgresql or jsonl (a source only)" +
                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    return std::nullopt;
  }
  return t;
}

// An inline data source, with the same keys as a topology data source. Every problem is
// reported; nullopt when the data source is not usable.
std::optional<DataSource> inline_source(JobReader& r, const YAML::Node& n, bool& jsonl) {
  if (!r.is_map(n, "an inline data_source")) return std::nullopt;
  r.check_keys(n, {"name", "type", "path", "endpoint", "database", "username", "password"}, "the inline data_source");
  DataSource ds;
  ds.pos = r.pos(n);
  ds.name = n["name"] ? n["name"].Scalar() : "inline";
  if (!n["type"]) {
    r.error(n, "missing-key", "the inline data_source needs a 'type' (sqlite, csv, mysql or postgresql)");
    return std::nullopt;
  }
  auto t = supported_type(r, n["type"], jsonl);
  if (!t) return std::nullopt;
  ds.type = *t;
  const std::string type_word = jsonl ? "jsonl" : std::string(to_string(ds.type));
  bool ok = true;
  if (is_file_based(ds.type)) {
    if (!n["path"]) {
      r.error(n, "missing-key", "a " + type_word + " data source needs a 'path'");
      ok = false;
    } else if (auto p = r.str(n["path"], "path")) {
      ds.path = *p;
    } else {
      ok = false;
    }
    return ok ? std::optional<DataSource>(ds) : std::nullopt;
  }
  const YAML::Node ep = n["endpoint"];
  if (!ep) {
    r.error(n, "missing-key", "a " + type_word + " data source needs an 'endpoint: {host, port}'");
    ok = false;
  } else if (r.is_map(ep, "endpoint")) {
    r.check_keys(ep, {"host", "ip", "port"}, "endpoint");
    syncpath::Endpoint& out = ds.endpoint.emplace();
    out.pos = r.pos(ep);
    if (ep["host"]) out.host = ep["host"].Scalar();
    if (ep["ip"]) {
      auto ip = Ipv4::parse(ep["ip"].Scalar());
      if (ip) {
        out.ip = *ip;
      } else {
        r.error(ep["ip"], "bad-ip", "'" + ep["ip"].Scalar() + "' is not an IPv4 address");
        ok = false;
      }
    }
    if (out.host.empty() && !ep["ip"]) {
      r.error(ep, "missing-key", "endpoint needs a 'host' or an 'ip'");
      ok = false;
    }
    if (!ep["port"]) {
      out.port = ds.type == SourceType::mysql ? 3306 : 5432;
    } else if (auto p = r.num<int>(ep["port"], "port")) {
      if (*p < 1 || *p > 65535) {
        r.error(ep["port"], "bad-port", "port must be between 1 and 65535");
        ok = false;
      }
      out.port = *p;
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (n["database"]) ds.database = n["database"].Scalar();
  if (n["username"]) ds.username = n["username"].Scalar();
  if (const YAML::Node pw = n["password"]) {
    ds.password.pos = r.pos(pw);
    if (pw.IsMap() && pw["env"]) {
      ds.password.kind = SecretRef::Kind::env, ds.password.value = pw["env"].Scalar();
    } else if (pw.IsMap() && pw["file"]) {
      ds.password.kind = SecretRef::Kind::file, ds.password.value = pw["file"].Scalar();
    } else if (pw.IsScalar()) {
      // Accepted so a quick test works, but a job file is often committed: say so.
      ds.password.kind = SecretRef::Kind::literal, ds.password.value = pw.Scalar();
      r.secret(pw);
      r.diags().warning(r.pos(pw), "literal-password", "the password is written in the job file; use {env: NAME} or {file: PATH} instead");
    } else {
      r.error(pw, "bad-password", "password must be {env: NAME} or {file: PATH}");
      ok = false;
    }
  }
  return ok ? std::optional<DataSource>(ds) : std::nullopt;
}

WriteMode parse_write_mode(JobReader& r, const YAML::Node& n) {
  std::string w = n.IsScalar() ? n.Scalar() : "";
  if (w == "insert") return WriteMode::insert;
  if (w == "replace") return WriteMode::replace;
  if (w == "upsert") return WriteMode::upsert;
  std::string near = nearest(w, {"insert", "replace", "upsert"});
  r.error(n, "bad-write-mode", "write_mode must be insert, replace or upsert" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
  return WriteMode::insert;
}

void read_csv_options(JobReader& r, const YAML::Node& n, JobSide& e) {
  if (!r.is_map(n, "csv")) return;
  e.csv_given = true;
  r.check_keys(n, {"delimiter", "null_marker", "header"}, "csv");
  if (n["delimiter"]) {
    std::string d = n["delimiter"].Scalar();
    if (d == "\\t") d = "\t";
    if (d.size() != 1 || d == "\"" || d == "\n" || d == "\r")
      r.error(n["delimiter"], "bad-delimiter", "csv delimiter must be one character other than a quote or newline");
    else
      e.csv_delimiter = d[0];
  }
  if (n["null_marker"]) e.csv_null = n["null_marker"].Scalar();
  if (n["header"]) {
    if (auto b = r.boolean(n["header"], "csv header")) e.csv_header = *b;
  }
}

void read_side(JobReader& r, const YAML::Node& n, JobSide& e, bool is_source, const Topology* topo, bool has_topology) {
  const std::string what = is_source ? "source" : "destination";
  e.pos = r.pos(n);
  if (is_source)
    r.check_keys(n, {"data_source", "table", "query", "columns", "where", "split_key", "csv"}, what);
  else
    r.check_keys(n, {"data_source", "table", "columns", "write_mode", "keys", "batch_size", "pre_sql", "post_sql", "csv"}, what);
  e.data_source_place = r.place(n, "data_source");
  e.table_place = r.place(n, "table");
  e.query_place = r.place(n, "query");
  e.columns_place = r.place(n, "columns");
  e.split_key_place = r.place(n, "split_key");
  e.write_mode_place = r.place(n, "write_mode");
  e.keys_place = r.place(n, "keys");
  e.batch_size_place = r.place(n, "batch_size");
  e.csv_place = r.place(n, "csv");
  const YAML::Node ds = n["data_source"];
  if (!ds) {
    r.error(n, "missing-key", what + " needs a 'data_source' (a name from the topology, or {type: sqlite, path: x.db})");
  } else if (ds.IsScalar()) {
    e.data_source_name = ds.Scalar();
    if (!has_topology)
      r.error(ds, "no-topology",
              "data source '" + e.data_source_name +
                  "' is looked up in a topology, but the job has no 'topology:' key; add one or write the data source inline");
    else if (topo)
      resolve_named_source(e, topo, r.diags());
  } else if (auto d = inline_source(r, ds, e.jsonl)) {
    e.data_source = *d;
  }
  if (n["table"]) {
    if (auto s = r.str(n["table"], "table")) e.table = *s;
  }
  if (is_source && n["query"]) {
    if (auto s = r.str(n["query"], "query")) e.query = *s;
  }
  if (n["columns"]) e.columns = r.str_list(n["columns"], "columns", &e.column_pos);
  if (n["where"]) {
    if (auto s = r.str(n["where"], "where")) e.where = *s;
  }
  if (n["split_key"]) {
    if (auto s = r.str(n["split_key"], "split_key")) e.split_key = *s;
  }
  if (n["write_mode"]) e.write_mode = parse_write_mode(r, n["write_mode"]);
  if (n["keys"]) e.key_columns = r.str_list(n["keys"], "keys", &e.key_pos);
  if (n["batch_size"]) {
    if (auto b = r.num<int>(n["batch_size"], "batch_size")) e.batch_size = *b;
  }
  if (n["pre_sql"]) e.pre_sql = r.str_list(n["pre_sql"], "pre_sql");
  if (n["post_sql"]) e.post_sql = r.str_list(n["post_sql"], "post_sql");
  if (n["csv"]) read_csv_options(r, n["csv"], e);
}

void read_channel(JobReader& r, const YAML::Node& n, Channel& c) {
  c.pos = r.pos(n);
  if (!r.is_map(n, "channel")) return;
  r.check_keys(n, {"concurrency", "slices", "rate_limit_mb_per_s", "records_per_second", "dirty_records_max", "distributed"}, "channel");
  c.concurrency_place = r.place(n, "concurrency");
  c.slices_place = r.place(n, "slices");
  c.rate_place = r.place(n, "rate_limit_mb_per_s");
  c.records_place = r.place(n, "records_per_second");
  c.dirty_place = r.place(n, "dirty_records_max");
  c.distributed_place = r.place(n, "distributed");
  if (n["concurrency"]) {
    if (auto v = r.num<int>(n["concurrency"], "concurrency")) c.concurrency = *v;
  }
  if (n["slices"]) {
    if (auto v = r.num<int>(n["slices"], "slices")) c.slices = *v;
  }
  if (n["rate_limit_mb_per_s"]) {
    if (auto v = r.num<double>(n["rate_limit_mb_per_s"], "rate_limit_mb_per_s")) c.rate_limit_mb_per_s = *v;
  }
  if (n["records_per_second"]) {
    if (auto v = r.num<double>(n["records_per_second"], "records_per_second")) c.records_per_second = *v;
  }
  if (const YAML::Node d = n["dirty_records_max"]) {
    if (!(d.IsNull() || (d.IsScalar() && d.Scalar() == "~"))) {
      if (auto v = r.num<std::int64_t>(d, "dirty_records_max")) c.dirty_records_max = *v;
    }
  }
  if (n["distributed"]) {
    if (auto b = r.boolean(n["distributed"], "distributed")) c.distributed = *b;
  }
}

}  // namespace

JobLoadResult load_job_text(const std::string& text, const std::string& file) {
  JobLoadResult res;
  res.source_text = text;
  JobReader r(file, res.diagnostics);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    res.diagnostics.error({file, e.mark.line + 1, e.mark.column + 1}, "yaml-syntax", e.msg);
    return res;
  }
  if (!root.IsMap()) {
    res.diagnostics.error({file, 1, 1}, "expected-map", "a job file is a mapping with version, source, destination and channel");
    return res;
  }
  Job job;
  job.file = file;
  job.base_dir = fs::path(file).parent_path().string();
  r.check_keys(root, {"version", "topology", "resource_group", "source", "destination", "channel", "dirty_data"}, "the job");
  if (!root["version"]) {
    res.diagnostics.error({file, 1, 1}, "missing-key", "the job needs 'version: 1' at the top");
  } else if (!root["version"].IsScalar() || root["version"].Scalar() != "1") {
    r.error(root["version"], "bad-version", "only version 1 is understood");
  }
  auto resolve = [&](const std::string& p) {
    fs::path path(p);
    return (path.is_relative() && !job.base_dir.empty() ? fs::path(job.base_dir) / path : path).string();
  };
  const std::size_t errors_before_sides = res.diagnostics.error_count();  // the topology and both sides
  const YAML::Node topo_node = root["topology"];
  job.topology_place = r.place(root, "topology");
  if (topo_node) {
    if (auto t = r.str(topo_node, "topology")) {
      job.topology_file = resolve(*t);
      LoadResult lr = load_topology_file(job.topology_file);
      res.diagnostics.append(lr.diagnostics);
      if (lr.ok()) res.topology = std::move(*lr.topology);
      else res.diagnostics.error(r.pos(topo_node), "bad-topology", "the topology " + job.topology_file + " did not load; fix the problems above");
    }
  }
  const Topology* topo = res.topology ? &*res.topology : nullptr;
  for (auto [key, is_source] : {std::pair{"source", true}, std::pair{"destination", false}}) {
    const YAML::Node n = root[key];
    JobSide& e = is_source ? job.source : job.destination;
    e.base_dir = job.base_dir;
    if (!n) res.diagnostics.error({file, 1, 1}, "missing-key", std::string("the job needs a '") + key + "' section");
    else if (r.is_map(n, key)) read_side(r, n, e, is_source, topo, static_cast<bool>(topo_node));
  }
  const std::size_t side_errors = res.diagnostics.error_count() - errors_before_sides;
  job.resource_group_place = r.place(root, "resource_group");
  if (root["resource_group"]) {
    if (auto g = r.str(root["resource_group"], "resource_group")) job.resource_group = *g;
    if (!topo_node) {
      res.diagnostics.error(job.resource_group_place.key, "no-topology", "resource_group needs a 'topology:' that defines it");
    } else if (res.topology && !res.topology->find_group(job.resource_group)) {
      std::vector<std::string> ids;
      for (const auto& g : res.topology->resource_groups) ids.push_back(g.id);
      std::string near = nearest(job.resource_group, ids);
      r.error(root["resource_group"], "unknown-resource-group",
              "no resource group '" + job.resource_group + "' in the topology" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }
  if (root["channel"]) read_channel(r, root["channel"], job.channel);
  if (const YAML::Node dd = root["dirty_data"]) {
    if (r.is_map(dd, "dirty_data")) {
      r.check_keys(dd, {"path"}, "dirty_data");
      if (dd["path"]) {
        if (auto p = r.str(dd["path"], "dirty_data path")) job.dirty_path = resolve(*p);
      }
    }
  }
  // Both sides read cleanly and keep the rules: they can be checked against the databases.
  const bool sides_keep_rules = check_job_rules(job, res.diagnostics);
  res.sides_usable = side_errors == 0 && sides_keep_rules;
  res.source_text = mask_secrets(text, r.secrets());
  res.job = std::move(job);
  return res;
}

JobLoadResult load_job_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    JobLoadResult res;
    res.diagnostics.error({path, 0, 0}, "unreadable-file", "cannot read the job file; check the path");
    return res;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return load_job_text(s.str(), path);
}

}  // namespace syncpath::sync
