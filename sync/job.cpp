#include "job.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <algorithm>
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

  Diagnostics& diags() { return diags_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  Diagnostics& diags_;
};

// `jsonl` (a job-file type, see JobSide::jsonl) comes back as csv with `jsonl` set.
std::optional<SourceType> supported_type(JobReader& r, const YAML::Node& n, bool& jsonl) {
  std::string word = n.Scalar();
  jsonl = word == "jsonl";
  if (jsonl) return SourceType::csv;
  auto t = parse_enum<SourceType>(word);
  static const std::vector<std::string> kSupported = {"sqlite", "csv", "mysql", "postgresql", "jsonl"};
  if (!t || (*t != SourceType::sqlite && *t != SourceType::csv && *t != SourceType::mysql &&
             *t != SourceType::postgresql)) {
    std::string near = nearest(word, kSupported);
    r.error(n, "unsupported-type",
            "the sync core has no connector for type '" + word + "'; use sqlite, csv, mysql, postgresql or jsonl (a source only)" +
                (near.empty() ? "" : " (did you mean '" + near + "'?)"));
    return std::nullopt;
  }
  return t;
}

// An inline data source, with the same keys as a topology data source.
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
    }
  } else {
    const YAML::Node ep = n["endpoint"];
    if (!ep) {
      r.error(n, "missing-key", "a " + std::string(to_string(ds.type)) + " data source needs an 'endpoint: {host, port}'");
      ok = false;
    } else if (r.is_map(ep, "endpoint")) {
      r.check_keys(ep, {"host", "ip", "port"}, "endpoint");
      syncpath::Endpoint& out = ds.endpoint.emplace();
      out.pos = r.pos(ep);
      if (ep["host"]) out.host = ep["host"].Scalar();
      if (ep["ip"]) {
        auto ip = Ipv4::parse(ep["ip"].Scalar());
        if (!ip) r.error(ep["ip"], "bad-ip", "'" + ep["ip"].Scalar() + "' is not an IPv4 address");
        else out.ip = *ip;
      }
      if (out.host.empty() && !out.ip) r.error(ep, "missing-key", "endpoint needs a 'host' or an 'ip'");
      if (!ep["port"]) {
        out.port = ds.type == SourceType::mysql ? 3306 : 5432;
      } else if (auto p = r.num<int>(ep["port"], "port")) {
        if (*p < 1 || *p > 65535) r.error(ep["port"], "bad-port", "port must be between 1 and 65535");
        out.port = *p;
      }
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
        r.diags().warning(r.pos(pw), "literal-password",
                          "the password is written in the job file; use {env: NAME} or {file: PATH} instead");
      } else {
        r.error(pw, "bad-password", "password must be {env: NAME} or {file: PATH}");
      }
    }
  }
  if (!ok) return std::nullopt;
  return ds;
}

WriteMode parse_write_mode(JobReader& r, const YAML::Node& n) {
  std::string w = n.Scalar();
  if (w == "insert") return WriteMode::insert;
  if (w == "replace") return WriteMode::replace;
  if (w == "upsert") return WriteMode::upsert;
  std::string near = nearest(w, {"insert", "replace", "upsert"});
  r.error(n, "bad-write-mode",
          "write_mode must be insert, replace or upsert" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
  return WriteMode::insert;
}

void read_csv_options(JobReader& r, const YAML::Node& n, JobSide& e) {
  if (!r.is_map(n, "csv")) return;
  r.check_keys(n, {"delimiter", "null_marker", "header"}, "csv");
  if (n["delimiter"]) {
    std::string d = n["delimiter"].Scalar();
    if (d == "\\t") d = "\t";
    if (d.size() != 1 || d == "\"" || d == "\n" || d == "\r") r.error(n["delimiter"], "bad-delimiter", "csv delimiter must be one character other than a quote or newline");
    else e.csv_delimiter = d[0];
  }
  if (n["null_marker"]) e.csv_null = n["null_marker"].Scalar();
  if (n["header"]) {
    if (auto b = r.boolean(n["header"], "csv header")) e.csv_header = *b;
  }
}

void read_endpoint(JobReader& r, const YAML::Node& n, JobSide& e, bool is_source, const Topology* topo,
                   const YAML::Node& topo_node, bool& needs_topology) {
  const std::string what = is_source ? "source" : "destination";
  e.pos = r.pos(n);
  if (is_source)
    r.check_keys(n, {"data_source", "table", "query", "columns", "where", "split_key", "csv"}, what);
  else
    r.check_keys(n, {"data_source", "table", "columns", "write_mode", "keys", "batch_size", "pre_sql", "post_sql", "csv"}, what);
  const YAML::Node ds = n["data_source"];
  if (!ds) {
    r.error(n, "missing-key", what + " needs a 'data_source' (a name from the topology, or {type: sqlite, path: x.db})");
  } else if (ds.IsScalar()) {
    e.data_source_name = ds.Scalar();
    needs_topology = true;
    if (!topo_node) {
      r.error(ds, "no-topology",
              "data source '" + e.data_source_name + "' is looked up in a topology, but the job has no 'topology:' key; add one or write the data source inline");
    } else if (topo) {
      if (const DataSource* found = topo->find_source(e.data_source_name)) {
        e.data_source = *found;
        e.base_dir = topo->base_dir;
        if (e.data_source.type != SourceType::sqlite && e.data_source.type != SourceType::csv &&
            e.data_source.type != SourceType::mysql && e.data_source.type != SourceType::postgresql)
          r.error(ds, "unsupported-type", "data source '" + e.data_source_name + "' is of type " +
                                              std::string(to_string(e.data_source.type)) +
                                              ", which the sync core cannot read or write (sqlite, csv, mysql, postgresql)");
      } else {
        std::vector<std::string> names;
        for (const auto& d : topo->data_sources) names.push_back(d.name);
        std::string near = nearest(e.data_source_name, names);
        r.error(ds, "unknown-data-source", "no data source named '" + e.data_source_name + "' in the topology" +
                                               (near.empty() ? "" : "; did you mean '" + near + "'?"));
      }
    }
  } else if (auto d = inline_source(r, ds, e.jsonl)) {
    e.data_source = *d;
    if (e.jsonl && !is_source)
      r.error(ds["type"], "jsonl-destination",
              "a jsonl data source is a source only (it re-loads repaired dirty-data files); write to a database or a csv file");
  }
  const std::string kind = e.jsonl ? "jsonl" : "csv";
  if (n["table"]) {
    e.table_pos = r.pos(n["table"]);
    if (auto s = r.str(n["table"], "table")) e.table = *s;
  }
  if (is_source && n["query"]) {
    if (auto s = r.str(n["query"], "query")) e.query = *s;
    if (n["table"]) r.error(n["query"], "table-and-query", "source has both 'table' and 'query'; keep one");
  }
  bool file_based = e.data_source.type == SourceType::csv;
  if (e.table.empty() && e.query.empty() && !file_based)
    r.error(n, "missing-key", what + (is_source ? " needs a 'table' or a 'query'" : " needs a 'table'"));
  if (e.data_source.type == SourceType::csv && !e.query.empty())
    r.error(n["query"], "query-on-csv", "a " + kind + " source cannot run a query; name the file with 'table' or the data source path");
  if (n["columns"]) {
    e.columns_pos = r.pos(n["columns"]);
    e.columns = r.str_list(n["columns"], "columns", &e.column_pos);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < e.columns.size(); ++i)
      if (!seen.insert(e.columns[i]).second)
        r.diags().error(e.column_pos[i], "duplicate-column", "column '" + e.columns[i] + "' is listed twice");
  } else {
    e.columns_pos = e.pos;
  }
  if (n["where"]) {
    if (auto s = r.str(n["where"], "where")) e.where = *s;
  }
  if (n["split_key"]) {
    e.split_key_pos = r.pos(n["split_key"]);
    if (auto s = r.str(n["split_key"], "split_key")) e.split_key = *s;
  }
  if (n["write_mode"]) e.write_mode = parse_write_mode(r, n["write_mode"]);
  if (n["keys"]) e.key_columns = r.str_list(n["keys"], "keys");
  if (n["batch_size"]) {
    if (auto b = r.num<int>(n["batch_size"], "batch_size")) {
      if (*b < 1 || *b > 100000) r.error(n["batch_size"], "bad-batch-size", "batch_size must be between 1 and 100000");
      else e.batch_size = *b;
    }
  }
  if (n["pre_sql"]) e.pre_sql = r.str_list(n["pre_sql"], "pre_sql");
  if (n["post_sql"]) e.post_sql = r.str_list(n["post_sql"], "post_sql");
  if (n["csv"]) {
    if (e.data_source.type != SourceType::csv || e.jsonl) r.error(n["csv"], "csv-options", "'csv' options only apply to a csv data source");
    read_csv_options(r, n["csv"], e);
  }
  if (!is_source && e.write_mode != WriteMode::insert && e.data_source.type == SourceType::csv)
    r.error(n["write_mode"], "bad-write-mode", "a csv destination is written whole; write_mode must be insert");
}

void read_channel(JobReader& r, const YAML::Node& n, Channel& c) {
  c.pos = r.pos(n);
  if (!r.is_map(n, "channel")) return;
  r.check_keys(n, {"concurrency", "slices", "rate_limit_mb_per_s", "records_per_second", "dirty_records_max", "distributed"}, "channel");
  if (n["concurrency"]) {
    c.concurrency_pos = r.pos(n["concurrency"]);
    if (auto v = r.num<int>(n["concurrency"], "concurrency")) {
      if (*v < 1 || *v > 256) r.error(n["concurrency"], "bad-concurrency", "concurrency must be between 1 and 256");
      else c.concurrency = *v;
    }
  }
  if (n["slices"]) {
    if (auto v = r.num<int>(n["slices"], "slices")) {
      if (*v < 1 || *v > 100000) r.error(n["slices"], "bad-slices", "slices must be between 1 and 100000");
      else c.slices = *v;
    }
  }
  if (n["rate_limit_mb_per_s"]) {
    c.rate_pos = r.pos(n["rate_limit_mb_per_s"]);
    if (auto v = r.num<double>(n["rate_limit_mb_per_s"], "rate_limit_mb_per_s")) {
      if (!(*v >= 1.0)) r.error(n["rate_limit_mb_per_s"], "rate-too-low", "rate_limit_mb_per_s must be at least 1 (MB/s); remove the key for no limit");
      else c.rate_limit_mb_per_s = *v;
    }
  }
  if (n["records_per_second"]) {
    c.records_pos = r.pos(n["records_per_second"]);
    if (auto v = r.num<double>(n["records_per_second"], "records_per_second")) {
      if (!(*v >= 1.0)) r.error(n["records_per_second"], "bad-records-rate", "records_per_second must be at least 1");
      else c.records_per_second = *v;
    }
  }
  if (n["dirty_records_max"]) {
    c.dirty_pos = r.pos(n["dirty_records_max"]);
    const YAML::Node d = n["dirty_records_max"];
    if (!(d.IsNull() || (d.IsScalar() && d.Scalar() == "~"))) {
      if (auto v = r.num<std::int64_t>(d, "dirty_records_max")) {
        if (*v < 0) r.error(d, "bad-dirty-max", "dirty_records_max must be 0 or more (remove it for no limit)");
        else c.dirty_records_max = *v;
      }
    }
  }
  if (n["distributed"]) {
    c.distributed_pos = r.pos(n["distributed"]);
    if (auto b = r.boolean(n["distributed"], "distributed")) c.distributed = *b;
  }
  if (c.distributed && c.concurrency < 8)
    r.diags().error(c.distributed_pos, "distributed-needs-concurrency",
                    "distributed: true needs concurrency of at least 8 (it is " + std::to_string(c.concurrency) + ")");
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
  } else if (root["version"].Scalar() != "1") {
    r.error(root["version"], "bad-version", "only version 1 is understood");
  }
  const YAML::Node topo_node = root["topology"];
  auto resolve = [&](const std::string& p) {
    fs::path path(p);
    return (path.is_relative() && !job.base_dir.empty() ? fs::path(job.base_dir) / path : path).string();
  };
  if (topo_node) {
    if (auto t = r.str(topo_node, "topology")) {
      job.topology_file = resolve(*t);
      LoadResult lr = load_topology_file(job.topology_file);
      res.diagnostics.append(lr.diagnostics);
      if (lr.ok()) res.topology = std::move(*lr.topology);
      else res.diagnostics.error(r.pos(topo_node), "bad-topology", "the topology " + job.topology_file + " did not load; fix the problems above");
    }
  }
  if (root["resource_group"]) {
    job.resource_group_pos = r.pos(root["resource_group"]);
    job.resource_group = root["resource_group"].Scalar();
    if (!topo_node) r.error(root["resource_group"], "no-topology", "resource_group needs a 'topology:' that defines it");
    else if (res.topology && !res.topology->find_group(job.resource_group)) {
      std::vector<std::string> ids;
      for (const auto& g : res.topology->resource_groups) ids.push_back(g.id);
      std::string near = nearest(job.resource_group, ids);
      r.error(root["resource_group"], "unknown-resource-group", "no resource group '" + job.resource_group + "' in the topology" +
                                                                    (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
  }
  bool needs_topology = false;
  const Topology* topo = res.topology ? &*res.topology : nullptr;
  for (auto [key, is_source] : {std::pair{"source", true}, std::pair{"destination", false}}) {
    const YAML::Node n = root[key];
    JobSide& e = is_source ? job.source : job.destination;
    e.base_dir = job.base_dir;
    if (!n) res.diagnostics.error({file, 1, 1}, "missing-key", std::string("the job needs a '") + key + "' section");
    else if (r.is_map(n, key)) read_endpoint(r, n, e, is_source, topo, topo_node, needs_topology);
  }
  if (root["channel"]) read_channel(r, root["channel"], job.channel);
  if (const YAML::Node dd = root["dirty_data"]) {
    if (r.is_map(dd, "dirty_data")) {
      r.check_keys(dd, {"path"}, "dirty_data");
      if (dd["path"]) job.dirty_path = resolve(dd["path"].Scalar());
    }
  }
  if (job.dirty_path.empty()) {
    fs::path p(file);
    job.dirty_path = (p.parent_path() / (p.stem().string() + ".dirty.jsonl")).string();
  }
  const JobSide& s = job.source;
  const JobSide& d = job.destination;
  if (!s.columns.empty() && !d.columns.empty() && s.columns.size() != d.columns.size())
    res.diagnostics.error(d.columns_pos, "column-count",
                          "destination lists " + std::to_string(d.columns.size()) + " columns but the source lists " +
                              std::to_string(s.columns.size()) + "; columns map one-to-one by position");
  if (!s.split_key.empty() && s.data_source.type == SourceType::csv)
    res.diagnostics.error(s.split_key_pos, "split-key-on-csv",
                          std::string("a ") + (s.jsonl ? "jsonl" : "csv") + " source is read as one slice; remove split_key");
  if (job.slice_count() > 1 && s.split_key.empty() && s.data_source.type != SourceType::csv)
    res.diagnostics.warning(job.channel.concurrency_pos, "no-split-key",
                            "concurrency > 1 without a source split_key: the table is read as one slice");
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
