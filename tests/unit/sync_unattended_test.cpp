// The sync core left running unattended (SQLite and CSV, no servers): a finished job is not
// loaded twice, a wrong --slice touches nothing, dirty records are always said, an
// interruption stops cleanly, progress goes to logs, totals say what the job holds, and every
// JSON document has its schema_version. The same cases on MariaDB and PostgreSQL are in
// tests/integration/sync_servers.sh.
#include <doctest/doctest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>

#include "job.hpp"
#include "mapping.hpp"
#include "run.hpp"
#include "sync_test_util.hpp"

using namespace sync_test;

namespace {

// src.db with t (id 1..rows), dst.db with an empty t without a key (a row loaded twice shows).
void make_tables(const TempDir& d, int rows) {
  sql(d / "src.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);"
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                        std::to_string(rows) + ") INSERT INTO t SELECT i, i FROM n;");
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER, v INTEGER);");
}

const char* kSliced = R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {concurrency: 2, slices: 4}
)";

}  // namespace

TEST_CASE("a job that completed is not loaded again without --start-over") {
  TempDir d;
  make_tables(d, 400);
  write_file(d / "j.yaml", kSliced);
  REQUIRE(run_cli({"sync", d / "j.yaml"}).rc == 0);
  REQUIRE(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);

  auto again = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CHECK(again.rc == 1);
  CHECK(again.err.find("the job already completed into table t in " + (d / "dst.db") + " (all 4 slices committed") != std::string::npos);
  CHECK(again.err.find("nothing was loaded") != std::string::npos);
  CHECK(again.json()["outcome"] == "already_loaded");
  CHECK(again.json()["job"]["records_written"] == 400);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);

  SUBCASE("the destination's marks are enough: the state file may be gone") {
    fs::remove(d / "j.state.json");
    CHECK(run_cli({"sync", d / "j.yaml"}).rc == 1);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  }
  SUBCASE("--resume has nothing left to do and says so with exit 0") {
    auto r = run_cli({"sync", d / "j.yaml", "--resume", "--format", "json"});
    CHECK(r.rc == 0);
    CHECK(r.json()["slices_skipped"] == 4);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  }
  SUBCASE("--start-over loads it again, deliberately") {
    auto r = run_cli({"sync", d / "j.yaml", "--start-over", "--format", "json"});
    CHECK(r.rc == 0);
    CHECK(r.json()["records_written"] == 400);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 800);  // no key and no pre_sql: twice, as asked
    CHECK(run_cli({"sync", d / "j.yaml"}).rc == 1);                // and it is complete again
  }
  SUBCASE("--resume and --start-over together are unusable input") {
    CHECK(run_cli({"sync", d / "j.yaml", "--resume", "--start-over"}).rc == 2);
  }
}

TEST_CASE("a destination made again is loaded again: its marks, not the state file, say what it holds") {
  TempDir d;
  make_tables(d, 400);
  write_file(d / "j.yaml", kSliced);
  REQUIRE(run_cli({"sync", d / "j.yaml"}).rc == 0);
  fs::remove(d / "dst.db");
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER, v INTEGER);");  // as examples/seed/make-data.sh does
  SUBCASE("a plain run loads it") {
    CHECK(run_cli({"sync", d / "j.yaml"}).rc == 0);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  }
  SUBCASE("--resume loads the slices the state file had but the destination has not") {
    auto r = run_cli({"sync", d / "j.yaml", "--resume", "--format", "json"});
    CHECK(r.rc == 0);
    CHECK(r.err.find("4 slice(s) the state file records are not in the destination") != std::string::npos);
    CHECK(r.json()["slices_run"] == 4);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  }
}

TEST_CASE("a job an earlier run left half done is finished with --resume, not loaded again") {
  TempDir d;
  make_tables(d, 400);
  write_file(d / "j.yaml", kSliced);
  REQUIRE(run_cli({"sync", d / "j.yaml", "--slice", "1/4"}).rc == 0);
  auto slice_again = run_cli({"sync", d / "j.yaml", "--slice", "1/4"});
  CHECK(slice_again.rc == 1);
  CHECK(slice_again.err.find("slice 1 of 4 already committed into") != std::string::npos);
  auto whole = run_cli({"sync", d / "j.yaml"});
  CHECK(whole.rc == 1);
  CHECK(whole.err.find("1 of 4 slices of this job are already committed") != std::string::npos);
  CHECK(whole.err.find("--resume") != std::string::npos);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 100);
  auto resumed = run_cli({"sync", d / "j.yaml", "--resume"});
  CHECK(resumed.rc == 0);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  CHECK(scalar(d / "dst.db", "SELECT count(DISTINCT id) FROM t") == 400);
}

TEST_CASE("totals: this run's counts beside the job's, which the dirty limit counts") {
  TempDir d;
  make_tables(d, 400);
  write_file(d / "j.yaml", kSliced);
  auto one = run_cli({"sync", d / "j.yaml", "--slice", "2/4", "--format", "json"});
  REQUIRE(one.rc == 0);
  CHECK(one.json()["slice"] == 2);
  CHECK(one.json()["records_written"] == 100);
  CHECK(one.json()["job"]["records_written"] == 100);
  CHECK(one.json()["job"]["slices_committed"] == 1);
  REQUIRE(run_cli({"sync", d / "j.yaml", "--slice", "0/4"}).rc == 0);
  auto rest = run_cli({"sync", d / "j.yaml", "--resume"});
  REQUIRE(rest.rc == 0);
  // After the resume the summary shows the whole job, not only the two slices this run loaded.
  CHECK(rest.out.find("sync succeeded: 200 read, 200 written, 0 dirty") != std::string::npos);
  CHECK(rest.out.find("slices 2 run, 2 already done of 4") != std::string::npos);
  CHECK(rest.out.find("job: 4 of 4 slices committed; 400 read, 400 written, 0 dirty") != std::string::npos);
}

TEST_CASE("dirty records are always said, also under --quiet; --fail-on-dirty makes any fail the run") {
  TempDir d;
  std::string csv = "id,num\r\n";
  for (int i = 1; i <= 300; ++i) csv += std::to_string(i) + "," + (i % 100 == 0 ? "n/a" : std::to_string(i)) + "\r\n";
  write_file(d / "in.csv", csv);
  sql(d / "dst.db", "CREATE TABLE r (id INTEGER, num INTEGER);");
  write_file(d / "j.yaml", "version: 1\nsource: {data_source: {type: csv, path: in.csv}}\n"
                           "destination: {data_source: {type: sqlite, path: dst.db}, table: r}\n");
  auto quiet = run_cli({"sync", d / "j.yaml", "--quiet"});
  CHECK(quiet.rc == 0);  // no dirty_records_max: the seed's rule, the job goes on
  CHECK(quiet.out.empty());
  CHECK(quiet.err.find("warning: 3 record(s) rejected as dirty and not written; they are in " + (d / "j.dirty.jsonl")) != std::string::npos);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 297);

  auto strict = run_cli({"sync", d / "j.yaml", "--start-over", "--fail-on-dirty", "--format", "json"});
  CHECK(strict.rc == 1);
  CHECK(strict.json()["status"] == "failed");
  CHECK(strict.json()["error"].get<std::string>().find("past the limit of 0 (--fail-on-dirty)") != std::string::npos);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 297);  // the failed run committed nothing

  auto help = run_cli({"sync", "--help"});
  CHECK(help.out.find("Exit status: 0 the job (or slice) finished within its dirty-data limit") != std::string::npos);
  CHECK(help.out.find("--fail-on-dirty") != std::string::npos);
}

TEST_CASE("a --slice that does not match the job is refused before anything is touched") {
  TempDir d;
  make_tables(d, 160);
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {concurrency: 16}
)");
  REQUIRE(run_cli({"sync", d / "j.yaml", "--slice", "3/16"}).rc == 0);
  const std::string state = read_file(d / "j.state.json");
  auto r = run_cli({"sync", d / "j.yaml", "--slice", "1/4", "--format", "json"});
  CHECK(r.rc == 2);
  CHECK(r.json()["schema_version"] == 1);
  CHECK(r.json()["stage"] == "input");
  CHECK(r.json()["diagnostics"][0]["code"] == "slice-mismatch");
  CHECK(r.json()["diagnostics"][0]["line"] == 4);
  CHECK(r.json()["diagnostics"][0]["message"].get<std::string>().find("cut into 16 slices (channel.concurrency)") != std::string::npos);
  CHECK(read_file(d / "j.state.json") == state);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 10);
}

TEST_CASE("an interrupted run rolls back the slices in flight, keeps the committed ones, and --resume finishes it") {
  TempDir d;
  make_tables(d, 4000);
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t, batch_size: 50}
channel: {concurrency: 1, slices: 4, records_per_second: 4000}
)");
  auto loaded = load_job_file(d / "j.yaml");
  REQUIRE(loaded.ok());
  Diagnostics diags;
  auto mapping = check_mapping(*loaded.job, diags);
  REQUIRE(mapping);
  RunOptions opts;
  // Interrupted as soon as the first slice has committed: the second is then in flight.
  opts.interrupted = [&] {
    auto st = nlohmann::json::parse(read_file(d / "j.state.json"), nullptr, false);
    return st.is_object() && st["done"].size() >= 1;
  };
  Totals t = run_job(*loaded.job, *mapping, opts, diags);
  CHECK(t.outcome == Outcome::interrupted);
  CHECK(t.failure == "interrupted: 1 of 4 slices committed; rerun with --resume");
  CHECK(t.slices_committed == 1);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 1000);  // slice 0 whole, nothing of slice 1
  CHECK(nlohmann::json::parse(read_file(d / "j.state.json"))["done"].size() == 1);

  auto resumed = run_cli({"sync", d / "j.yaml", "--resume", "--format", "json"});
  CHECK(resumed.rc == 0);
  CHECK(resumed.json()["slices_run"] == 3);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 4000);
  CHECK(scalar(d / "dst.db", "SELECT count(DISTINCT id) FROM t") == 4000);
}

TEST_CASE("progress without a terminal: a plain line at the interval asked, none with --progress off") {
  TempDir d;
  make_tables(d, 1500);
  // 1500 rows at 3000 rows/s take at least half a second whatever the machine: a progress
  // line every 0.1 s has room for several.
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {concurrency: 1, slices: 3, records_per_second: 3000}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--progress", "0.1"});
  REQUIRE(r.rc == 0);
  CHECK(r.err.find('\r') == std::string::npos);
  CHECK(r.err.find("\033[") == std::string::npos);
  std::regex line(R"(syncpath sync: progress \d+:\d\d:\d\d: \d+ / 1500 rows \(\d+\.\d%\), [0-9.]+ k?B, \d+ rows/s, [0-9.]+ k?B/s, slices [0-3] of 3 done(, ETA \d+:\d\d:\d\d)?)");
  std::istringstream lines(r.err);
  std::string l;
  int progress_lines = 0;
  while (std::getline(lines, l))
    if (l.rfind("syncpath sync: progress", 0) == 0) {
      CAPTURE(l);
      CHECK(std::regex_match(l, line));
      ++progress_lines;
    }
  CHECK(progress_lines >= 2);

  auto off = run_cli({"sync", d / "j.yaml", "--start-over", "--progress", "off"});
  CHECK(off.rc == 0);
  CHECK(off.err.find("progress") == std::string::npos);
  CHECK(run_cli({"sync", d / "j.yaml", "--progress", "soon"}).rc == 2);
}

TEST_CASE("every mistake of a job file in one run: the file's and the mapping's, each at its place") {
  TempDir d;
  sql(d / "src.db", "CREATE TABLE result_table (id INTEGER, education TEXT, num INTEGER);");
  sql(d / "dst.db", "CREATE TABLE odps_result (education TEXT, num INTEGER);");
  write_file(d / "j.yaml", R"(version: 1
source:
  data_source: {type: sqlite, path: src.db}
  table: result_table
  columns: [educaton, num]
destination:
  data_source: {type: sqlite, path: dst.db}
  table: odps_reslt
channel:
  concurrency: 4
  rate_limit_mb_per_s: 0
  distributed: true
)");
  auto r = run_cli({"sync", d / "j.yaml"});
  CAPTURE(r.err);
  CHECK(r.rc == 2);
  CHECK(r.err.find("j.yaml:5:13: error: source has no column 'educaton'; did you mean 'education'? [unknown-column]") != std::string::npos);
  CHECK(r.err.find("j.yaml:8:10: error: destination: no table 'odps_reslt' in " + (d / "dst.db") + "; did you mean 'odps_result'? [unknown-table]") !=
        std::string::npos);
  CHECK(r.err.find("j.yaml:11:24: error: rate_limit_mb_per_s must be at least 1") != std::string::npos);
  CHECK(r.err.find("j.yaml:12:16: error: distributed: true needs concurrency of at least 8 (it is 4 at line 10)") != std::string::npos);
  // In order of place, so the file reads top to bottom.
  CHECK(r.err.find("j.yaml:5:13") < r.err.find("j.yaml:8:10"));
  CHECK(r.err.find("j.yaml:8:10") < r.err.find("j.yaml:11:24"));
}

TEST_CASE("a key that does not belong gets the caret on the key, not on its value") {
  auto r = load_job_text(R"(version: 1
source:
  data_source: {type: sqlite, path: a.db}
  table: t
  query: select 1
  csv: {header: false}
destination: {data_source: {type: csv, path: out.csv}, split_key: x}
)",
                         "j.yaml");
  CHECK_FALSE(r.ok());
  auto at = [&](const std::string& code) {
    for (const auto& d : r.diagnostics.items())
      if (d.code == code) return std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
    return std::string("none");
  };
  CHECK(at("table-and-query") == "5:3");
  CHECK(at("csv-options") == "6:3");
  CHECK(at("unknown-key") == "7:56");  // split_key is no destination key
}

TEST_CASE("concurrency out of range is said with its value, and no distributed message follows from it") {
  auto r = load_job_text("version: 1\nsource: {data_source: {type: sqlite, path: a.db}, table: t}\n"
                         "destination: {data_source: {type: sqlite, path: b.db}, table: t}\n"
                         "channel: {concurrency: 300, distributed: true}\n",
                         "j.yaml");
  CHECK(r.diagnostics.error_count() == 1);
  REQUIRE_FALSE(r.diagnostics.items().empty());
  CHECK(r.diagnostics.items()[0].message == "concurrency must be between 1 and 256 (it is 300)");
  auto unreadable = load_job_text("version: 1\nsource: {data_source: {type: sqlite, path: a.db}, table: t}\n"
                                  "destination: {data_source: {type: sqlite, path: b.db}, table: t}\n"
                                  "channel: {concurrency: many, distributed: true}\n",
                                  "j.yaml");
  CHECK(unreadable.diagnostics.error_count() == 1);  // the number only, not "it is 1"
}

TEST_CASE("a CSV record with the wrong number of fields names its line in the file") {
  TempDir d;
  // Line 3 holds a quoted field over two lines, so record 3 starts on line 5.
  write_file(d / "in.csv", "id,txt\r\n1,a\r\n2,\"two\r\nlines\"\r\n3,c,extra\r\n4,2024-02-30\r\n");
  sql(d / "dst.db", "CREATE TABLE r (id INTEGER, txt DATE);");
  write_file(d / "j.yaml", "version: 1\nsource: {data_source: {type: csv, path: in.csv}}\n"
                           "destination: {data_source: {type: sqlite, path: dst.db}, table: r}\n");
  auto r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CAPTURE(r.err);
  REQUIRE(r.rc == 0);
  std::istringstream dirty(read_file(d / "j.dirty.jsonl"));
  std::string l;
  std::vector<nlohmann::json> recs;
  while (std::getline(dirty, l)) recs.push_back(nlohmann::json::parse(l));
  REQUIRE(recs.size() == 4);  // 'a' and 'two lines' are no dates either
  CHECK(recs[2]["line"] == 5);
  CHECK(recs[2]["reason"] == "line 5 has 3 fields; the header has 2");
  CHECK(recs[3]["line"] == 6);
  CHECK(recs[3]["reason"].get<std::string>().rfind("not a calendar date", 0) == 0);
  CHECK(recs[0]["reason"] == "not a date (YYYY-MM-DD)");
}

TEST_CASE("a run leaves no lock file behind") {
  TempDir d;
  make_tables(d, 100);
  write_file(d / "j.yaml", kSliced);
  REQUIRE(run_cli({"sync", d / "j.yaml"}).rc == 0);
  for (const auto& f : fs::directory_iterator(d.path)) {
    CAPTURE(f.path().string());
    CHECK(f.path().extension() != ".lock");
    CHECK(f.path().extension() != ".tmp");
  }
}

TEST_CASE("--explain --format json carries everything the text shows, with a schema_version") {
  TempDir d;
  sql(d / "src.db", "CREATE TABLE s (id INTEGER, education TEXT, num BIGINT);");
  sql(d / "dst.db", "CREATE TABLE o (id INTEGER PRIMARY KEY, education varchar(255), num int(10));");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: s, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: o, write_mode: upsert}
channel: {concurrency: 3, slices: 6}
)");
  auto text = run_cli({"sync", d / "j.yaml", "--explain"});
  REQUIRE(text.rc == 0);
  CHECK(text.out.find("write_mode: upsert  key: id") != std::string::npos);
  CHECK(text.out.find("slices: 6 on id (integer), concurrency 3") != std::string::npos);
  auto r = run_cli({"sync", d / "j.yaml", "--explain", "--format", "json"});
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["schema_version"] == 1);
  CHECK(j["stage"] == "explain");
  CHECK(j["source"]["table"] == "s");
  CHECK(j["source"]["type"] == "sqlite");
  CHECK(j["destination"]["table"] == "o");
  CHECK(j["mapping"].size() == 3);
  CHECK(j["mapping"][1]["destination_type"] == "varchar(255)");
  CHECK(j["mapping"][1]["conversion"] == "per value");
  CHECK(j["write_mode"] == "upsert");
  CHECK(j["keys"] == nlohmann::json::array({"id"}));
  CHECK(j["slices"] == 6);
  CHECK(j["split_key"] == "id");
  CHECK(j["split_key_kind"] == "integer");
  CHECK(j["concurrency"] == 3);
}

TEST_CASE("one JSON document a run, with its warnings, and the password in no caret line") {
  TempDir d;
  make_tables(d, 10);
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t}
destination:
  data_source: {type: postgresql, endpoint: {host: 127.0.0.1, port: 1}, username: u, password: hunter2-in-the-file}
  table: t
)");
  auto text = run_cli({"sync", d / "j.yaml", "--skip-preflight"});
  CHECK(text.rc == 1);
  CHECK(text.err.find("literal-password") != std::string::npos);
  CHECK(text.err.find("password: ****") != std::string::npos);  // the caret's line, masked
  CHECK(text.err.find("hunter2") == std::string::npos);
  auto j = run_cli({"sync", d / "j.yaml", "--skip-preflight", "--format", "json"});
  CHECK(j.rc == 1);
  auto doc = j.json();  // one document: parse fails on two
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["status"] == "failed");
  bool warned = false;
  for (const auto& x : doc["diagnostics"]) warned = warned || x["code"] == "literal-password";
  CHECK(warned);
  CHECK(j.out.find("hunter2") == std::string::npos);
}

TEST_CASE("slices with nothing to read still commit: a sparse key into a csv destination joins every part") {
  TempDir d;
  sql(d / "src.db", "CREATE TABLE t (id INTEGER, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'z');");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: csv, path: out.csv}}
channel: {concurrency: 2, slices: 8}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CAPTURE(r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.json()["slices_run"] == 8);
  CHECK(read_file(d / "out.csv") == "id,v\r\n1,a\r\n2,b\r\n3,z\r\n");
}
