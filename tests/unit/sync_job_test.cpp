#include <doctest/doctest.h>

#include "job.hpp"

using namespace syncpath;
using namespace syncpath::sync;

namespace {
const Diagnostic* find(const JobLoadResult& r, const std::string& code) {
  for (const auto& d : r.diagnostics.items())
    if (d.code == code) return &d;
  return nullptr;
}
const char* kGood = R"(version: 1
source:
  data_source: {type: sqlite, path: src.db}
  table: result_table
  columns: [education, num]
  split_key: id
destination:
  data_source: {type: mysql, endpoint: {host: db.example, port: 3307}, database: d, username: u, password: {env: PW}}
  table: odps_result
  columns: [education, num]
  write_mode: upsert
  batch_size: 500
channel:
  concurrency: 8
  rate_limit_mb_per_s: 10
  records_per_second: 50000
  dirty_records_max: 3
  distributed: true
dirty_data:
  path: bad.jsonl
)";
}  // namespace

TEST_CASE("a complete job file loads with every key") {
  auto r = load_job_text(kGood, "/jobs/j.yaml");
  REQUIRE(r.ok());
  const Job& j = *r.job;
  CHECK(j.source.data_source.type == SourceType::sqlite);
  CHECK(j.source.data_source.path == "src.db");
  CHECK(j.source.base_dir == "/jobs");
  CHECK(j.source.columns == std::vector<std::string>{"education", "num"});
  CHECK(j.source.split_key == "id");
  CHECK(j.destination.data_source.endpoint->host == "db.example");
  CHECK(j.destination.data_source.endpoint->port == 3307);
  CHECK(j.destination.data_source.password.kind == SecretRef::Kind::env);
  CHECK(j.destination.data_source.password.value == "PW");
  CHECK(j.destination.write_mode == WriteMode::upsert);
  CHECK(j.destination.batch_size == 500);
  CHECK(j.channel.concurrency == 8);
  CHECK(*j.channel.rate_limit_mb_per_s == 10.0);
  CHECK(*j.channel.records_per_second == 50000.0);
  CHECK(*j.channel.dirty_records_max == 3);
  CHECK(j.channel.distributed);
  CHECK(j.dirty_path == "/jobs/bad.jsonl");
  CHECK(j.slice_count() == 8);
}

TEST_CASE("dirty_records_max absent means no limit, 0 means none allowed") {
  std::string text = kGood;
  auto absent = load_job_text(text.replace(text.find("  dirty_records_max: 3\n"), 23, ""), "j.yaml");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent.job->channel.dirty_records_max);
  text = kGood;
  auto zero = load_job_text(text.replace(text.find("max: 3"), 6, "max: 0"), "j.yaml");
  REQUIRE(zero.ok());
  CHECK(*zero.job->channel.dirty_records_max == 0);
}

TEST_CASE("channel values outside the rules are errors at their line and column") {
  SUBCASE("rate below 1 MB/s") {
    std::string text = kGood;
    auto r = load_job_text(text.replace(text.find("mb_per_s: 10"), 12, "mb_per_s: 0.5"), "j.yaml");
    const Diagnostic* d = find(r, "rate-too-low");
    REQUIRE(d);
    CHECK(d->pos.line == 15);
    CHECK(d->pos.column == 24);
    CHECK_FALSE(r.ok());
  }
  SUBCASE("distributed with concurrency under 8") {
    std::string text = kGood;
    auto r = load_job_text(text.replace(text.find("concurrency: 8"), 14, "concurrency: 4"), "j.yaml");
    const Diagnostic* d = find(r, "distributed-needs-concurrency");
    REQUIRE(d);
    CHECK(d->pos.line == 18);
  }
  SUBCASE("a negative dirty limit") {
    std::string text = kGood;
    auto r = load_job_text(text.replace(text.find("max: 3"), 6, "max: -1"), "j.yaml");
    CHECK(find(r, "bad-dirty-max"));
  }
}

TEST_CASE("problems are all reported at once, each at its place") {
  auto r = load_job_text(R"(version: 1
source:
  data_source: {type: oracle, path: x}
  tabl: t
destination:
  data_source: {type: sqlite, path: d.db}
  table: t
  write_mode: upsret
channel: {concurrency: many}
)",
                         "j.yaml");
  CHECK_FALSE(r.ok());
  const Diagnostic* type = find(r, "unsupported-type");
  REQUIRE(type);
  CHECK(type->pos.line == 3);
  const Diagnostic* key = find(r, "unknown-key");
  REQUIRE(key);
  CHECK(key->pos.line == 4);
  CHECK(key->message.find("did you mean 'table'") != std::string::npos);
  const Diagnostic* mode = find(r, "bad-write-mode");
  REQUIRE(mode);
  CHECK(mode->message.find("did you mean 'upsert'") != std::string::npos);
  CHECK(find(r, "expected-number"));
  CHECK(r.diagnostics.error_count() >= 4);
}

TEST_CASE("column lists must have the same length on both sides") {
  auto r = load_job_text(R"(version: 1
source: {data_source: {type: sqlite, path: a.db}, table: a, columns: [x, y]}
destination: {data_source: {type: sqlite, path: b.db}, table: b, columns: [x]}
)",
                         "j.yaml");
  const Diagnostic* d = find(r, "column-count");
  REQUIRE(d);
  CHECK(d->pos.line == 3);
}

TEST_CASE("a data source named without a topology is an error that says what to add") {
  auto r = load_job_text(R"(version: 1
source: {data_source: results_db, table: a}
destination: {data_source: {type: sqlite, path: b.db}, table: b}
)",
                         "j.yaml");
  const Diagnostic* d = find(r, "no-topology");
  REQUIRE(d);
  CHECK(d->pos.line == 2);
  CHECK(d->message.find("topology:") != std::string::npos);
}

TEST_CASE("a literal password is accepted with a warning that never repeats it") {
  auto r = load_job_text(R"(version: 1
source: {data_source: {type: sqlite, path: a.db}, table: a}
destination: {data_source: {type: postgresql, endpoint: {host: 127.0.0.1}, username: u, password: hunter2-secret}, table: b}
)",
                         "j.yaml");
  REQUIRE(r.ok());
  const Diagnostic* d = find(r, "literal-password");
  REQUIRE(d);
  CHECK(d->severity == Severity::warning);
  for (const auto& x : r.diagnostics.items()) CHECK(x.message.find("hunter2") == std::string::npos);
  CHECK(r.job->destination.data_source.endpoint->port == 5432);  // the default port of the type
}

TEST_CASE("YAML syntax errors carry the parser's position, 1-based") {
  auto r = load_job_text("version: 1\nsource: [unclosed\n", "j.yaml");
  REQUIRE(r.diagnostics.has_errors());
  CHECK(r.diagnostics.items()[0].code == "yaml-syntax");
  CHECK(r.diagnostics.items()[0].pos.line >= 2);
}

TEST_CASE("an unreadable job file is a diagnostic, not an exception") {
  auto r = load_job_file("/nonexistent/dir/job.yaml");
  CHECK_FALSE(r.ok());
  CHECK(r.diagnostics.items()[0].code == "unreadable-file");
}

TEST_CASE("type jsonl: a source only, one slice, no csv options; misspelt types suggest it") {
  auto ok = load_job_text("version: 1\nsource: {data_source: {type: jsonl, path: fixed.jsonl}}\n"
                          "destination: {data_source: {type: sqlite, path: d.db}, table: t}\n",
                          "/jobs/fix.yaml");
  REQUIRE(ok.ok());
  CHECK(ok.job->source.jsonl);
  CHECK(ok.job->source.data_source.path == "fixed.jsonl");
  CHECK_FALSE(ok.job->destination.jsonl);

  auto bad = load_job_text("version: 1\n"
                           "source:\n"
                           "  data_source: {type: jsonl, path: fixed.jsonl}\n"
                           "  split_key: id\n"
                           "  csv: {header: false}\n"
                           "destination: {data_source: {type: jsonl, path: out.jsonl}, table: t}\n",
                           "/jobs/bad.yaml");
  CHECK_FALSE(bad.ok());
  const Diagnostic* dst = find(bad, "jsonl-destination");
  REQUIRE(dst);
  CHECK(dst->pos.line == 6);
  const Diagnostic* split = find(bad, "split-key-on-csv");
  REQUIRE(split);
  CHECK(split->pos.line == 4);
  CHECK(split->message.find("a jsonl source") != std::string::npos);
  const Diagnostic* csv = find(bad, "csv-options");
  REQUIRE(csv);
  CHECK(csv->pos.line == 5);

  auto typo = load_job_text("version: 1\nsource: {data_source: {type: jsnl, path: f.jsonl}}\n"
                            "destination: {data_source: {type: sqlite, path: d.db}, table: t}\n",
                            "/jobs/typo.yaml");
  const Diagnostic* t = find(typo, "unsupported-type");
  REQUIRE(t);
  CHECK(t->message.find("did you mean 'jsonl'") != std::string::npos);
}
