// The sync core end to end on SQLite and CSV (no servers needed), through the CLI in-process.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "connector.hpp"
#include "sync_test_util.hpp"

using namespace syncpath;
using namespace syncpath::sync;

using namespace sync_test;

TEST_CASE("a sliced job moves every row exactly once, rows with a NULL split key included") {
  TempDir d;
  sql(d / "src.db",
      "CREATE TABLE t (id INTEGER, name TEXT, amount INTEGER);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO t SELECT i, 'n' || i, i * 2 FROM n;"
      "INSERT INTO t VALUES (NULL, 'no key', 1), (NULL, NULL, 2), (NULL, 'x', NULL);");
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER, name TEXT, amount INTEGER);");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t, batch_size: 64}
channel: {concurrency: 3, slices: 7}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CAPTURE(r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["status"] == "succeeded");
  CHECK(j["records_read"] == 1003);
  CHECK(j["records_written"] == 1003);
  CHECK(j["dirty_records"] == 0);
  CHECK(j["slices"] == 7);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 1003);
  CHECK(scalar(d / "dst.db", "SELECT count(DISTINCT id) FROM t") == 1000);
  CHECK(scalar(d / "dst.db", "SELECT sum(amount) FROM t") == 1000 * 1001 + 3);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t WHERE id IS NULL") == 3);

  SUBCASE("--resume after a finished run redoes nothing") {
    auto again = run_cli({"sync", d / "j.yaml", "--format", "json", "--resume"});
    REQUIRE(again.rc == 0);
    CHECK(again.json()["slices_skipped"] == 7);
    CHECK(again.json()["records_written"] == 0);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 1003);
  }
}

TEST_CASE("a date split key cuts by day and keeps the last day's datetimes") {
  TempDir d;
  sql(d / "src.db",
      "CREATE TABLE e (d DATETIME, v INTEGER);"
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 90) "
      "INSERT INTO e SELECT date('2024-01-01', '+' || i || ' days'), i FROM n;"
      "INSERT INTO e VALUES ('2024-03-31 23:59:59', 1000);");
  sql(d / "dst.db", "CREATE TABLE e (d DATETIME, v INTEGER);");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: e, split_key: d}
destination: {data_source: {type: sqlite, path: dst.db}, table: e}
channel: {concurrency: 2, slices: 4}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CAPTURE(r.err);
  REQUIRE(r.rc == 0);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM e") == 92);
  CHECK(scalar(d / "dst.db", "SELECT sum(v) FROM e") == 90 * 91 / 2 + 1000);
  auto state = nlohmann::json::parse(read_file(d / "j.state.json"));
  CHECK(state["split"] == "date");
  CHECK(state["ranges"][0][0] == "'2024-01-01'");
  CHECK(state["ranges"][3][1] == "'2024-04-01'");
}

TEST_CASE("the dirty-data policy is exact and the dirty file says what and why") {
  TempDir d;
  std::string csv = "id,num\r\n";
  for (int i = 1; i <= 500; ++i) csv += std::to_string(i) + "," + (i % 100 == 0 ? "n/a" : std::to_string(i)) + "\r\n";
  write_file(d / "in.csv", csv);  // 5 values that are not numbers
  sql(d / "dst.db", "CREATE TABLE r (id INTEGER, num INTEGER);");
  auto job = [&](const std::string& limit) {
    write_file(d / "j.yaml", "version: 1\nsource: {data_source: {type: csv, path: in.csv}}\n"
                             "destination: {data_source: {type: sqlite, path: dst.db}, table: r, pre_sql: ['delete from r']}\n" +
                                 (limit.empty() ? std::string() : "channel: {dirty_records_max: " + limit + "}\n"));
    return run_cli({"sync", d / "j.yaml", "--format", "json"});
  };
  SUBCASE("no limit: the job goes on") {
    auto r = job("");
    REQUIRE(r.rc == 0);
    CHECK(r.json()["dirty_records"] == 5);
    CHECK(r.json()["records_written"] == 495);
    CHECK(lines_in(d / "j.dirty.jsonl") == 5);
    auto first = nlohmann::json::parse(read_file(d / "j.dirty.jsonl").substr(0, read_file(d / "j.dirty.jsonl").find('\n')));
    CHECK(first["column"] == "num");
    CHECK(first["row"]["id"] == "100");
    CHECK(first["row"]["num"] == "n/a");
    CHECK(first["reason"].get<std::string>().find("integer") != std::string::npos);
  }
  SUBCASE("0: the first dirty record fails the job and nothing is committed") {
    auto r = job("0");
    CHECK(r.rc == 1);
    CHECK(r.json()["status"] == "failed");
    CHECK(r.json()["dirty_records"] == 1);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 0);
  }
  SUBCASE("N: fails on the N+1th, passes with exactly N") {
    CHECK(job("4").rc == 1);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 0);
    auto ok = job("5");
    CHECK(ok.rc == 0);
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 495);
  }
}

TEST_CASE("a batch the destination refuses is bisected: no good row lost, none written twice") {
  TempDir d;
  sql(d / "src.db",
      "CREATE TABLE s (id INTEGER PRIMARY KEY, amount INTEGER);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
      "INSERT INTO s SELECT i, CASE WHEN i % 137 = 0 THEN -1 ELSE i END FROM n;");
  sql(d / "dst.db", "CREATE TABLE s (id INTEGER PRIMARY KEY, amount INTEGER CHECK (amount >= 0));");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: s}
destination: {data_source: {type: sqlite, path: dst.db}, table: s, batch_size: 100}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  REQUIRE(r.rc == 0);
  CHECK(r.json()["dirty_records"] == 7);  // 137, 274, ..., 959
  CHECK(r.json()["records_written"] == 993);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM s") == 993);
  CHECK(scalar(d / "dst.db", "SELECT sum(id) FROM s") == 500500 - 137 * (1 + 2 + 3 + 4 + 5 + 6 + 7));
  std::string dirty = read_file(d / "j.dirty.jsonl");
  CHECK(dirty.find("CHECK constraint failed") != std::string::npos);
}

TEST_CASE("CSV out and back keeps NULL apart from the empty string, quotes, separators and newlines") {
  TempDir d;
  sql(d / "a.db",
      "CREATE TABLE t (id INTEGER, s TEXT, n INTEGER);"
      "INSERT INTO t VALUES (1, NULL, NULL), (2, '', 0), (3, 'a,b', 3), (4, 'say \"hi\"', 4), (5, 'two' || char(10) || 'lines', 5),"
      "(6, ' padded ', 6), (7, 'Grüße 🙂', -9223372036854775808);");
  sql(d / "b.db", "CREATE TABLE t (id INTEGER, s TEXT, n INTEGER);");
  write_file(d / "out.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: a.db}, table: t}
destination: {data_source: {type: csv, path: t.csv}}
)");
  write_file(d / "in.yaml", R"(version: 1
source: {data_source: {type: csv, path: t.csv}}
destination: {data_source: {type: sqlite, path: b.db}, table: t}
)");
  REQUIRE(run_cli({"sync", d / "out.yaml"}).rc == 0);
  std::string text = read_file(d / "t.csv");
  CHECK(text.rfind("id,s,n\r\n1,,\r\n2,\"\",0\r\n3,\"a,b\",3\r\n4,\"say \"\"hi\"\"\",4\r\n", 0) == 0);
  REQUIRE(run_cli({"sync", d / "in.yaml"}).rc == 0);
  auto a = rows_of(d / "a.db", "t", {"id", "s", "n"});
  auto b = rows_of(d / "b.db", "t", {"id", "s", "n"});
  REQUIRE(a.size() == 7);
  CHECK(a == b);
}

TEST_CASE("unknown tables and columns are errors at the job file's line, before any row moves") {
  TempDir d;
  sql(d / "src.db", "CREATE TABLE result_table (id INTEGER, education TEXT, num INTEGER, born DATE);");
  sql(d / "dst.db", "CREATE TABLE odps_result (education TEXT, num INTEGER);");
  // (An unknown column with "did you mean": sync_unattended_test.cpp, with every other mistake.)
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: result_table, columns: [education, born]}
destination:
  data_source: {type: sqlite, path: dst.db}
  table: odps_result
  columns: [education, num]
)");
  auto r = run_cli({"sync", d / "j.yaml"});
  CHECK(r.rc == 2);
  CAPTURE(r.err);
  CHECK(r.err.find("j.yaml:6:24: error: source column 'born' (DATE) cannot be converted to destination column 'num'") != std::string::npos);

  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: result_tabel}
destination: {data_source: {type: sqlite, path: dst.db}, table: odps_result}
)");
  r = run_cli({"sync", d / "j.yaml", "--format", "json"});
  CHECK(r.rc == 2);
  CHECK(r.json()["diagnostics"][0]["code"] == "unknown-table");
  CHECK(r.json()["diagnostics"][0]["line"] == 2);
}

TEST_CASE("--explain prints the mapping and moves nothing") {
  TempDir d;
  sql(d / "src.db", "CREATE TABLE s (id INTEGER, education TEXT, num BIGINT); INSERT INTO s VALUES (1, 'x', 2);");
  sql(d / "dst.db", "CREATE TABLE o (education varchar(255), num int(10));");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: s, columns: [education, num]}
destination: {data_source: {type: sqlite, path: dst.db}, table: o}
)");
  auto r = run_cli({"sync", d / "j.yaml", "--explain"});
  CHECK(r.rc == 0);
  CHECK(r.out.find("education       TEXT") != std::string::npos);
  CHECK(r.out.find("varchar(255)") != std::string::npos);
  CHECK(r.out.find("per value") != std::string::npos);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM o") == 0);
}

TEST_CASE("--slice I/N runs one slice; the slices together make the whole") {
  TempDir d;
  sql(d / "src.db",
      "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t SELECT i, i FROM n;");
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {slices: 3}
)");
  auto first = run_cli({"sync", d / "j.yaml", "--slice", "1/3", "--format", "json"});
  REQUIRE(first.rc == 0);
  CHECK(first.json()["records_written"] == 100);
  CHECK(scalar(d / "dst.db", "SELECT min(id) FROM t") == 101);
  REQUIRE(run_cli({"sync", d / "j.yaml", "--slice", "0/3"}).rc == 0);
  REQUIRE(run_cli({"sync", d / "j.yaml", "--slice", "2/3"}).rc == 0);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 300);
  auto state = nlohmann::json::parse(read_file(d / "j.state.json"));
  CHECK(state["done"].size() == 3);
  SUBCASE("bad slice specs are unusable input") {
    CHECK(run_cli({"sync", d / "j.yaml", "--slice", "3/3"}).rc == 2);
    CHECK(run_cli({"sync", d / "j.yaml", "--slice", "x"}).rc == 2);
  }
  SUBCASE("a --slice that does not match the job's slices is unusable input and leaves the state as it was") {
    const std::string before = read_file(d / "j.state.json");
    for (const char* spec : {"1/4", "0/16"}) {
      auto r = run_cli({"sync", d / "j.yaml", "--slice", spec});
      CAPTURE(r.err);
      CHECK(r.rc == 2);
      CHECK(r.err.find("j.yaml:4:19: error: --slice " + std::string(spec) + " does not match the job, which is cut into 3 slices (channel.slices); use --slice I/3") !=
            std::string::npos);
      CHECK(read_file(d / "j.state.json") == before);
    }
    CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 300);
  }
  SUBCASE("a state file of another slicing is refused on --resume") {
    write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {slices: 4}
)");
    auto r = run_cli({"sync", d / "j.yaml", "--slice", "0/4", "--resume"});
    CHECK(r.rc == 2);
    CHECK(r.err.find("state-mismatch") != std::string::npos);
  }
}

TEST_CASE("preflight stops before any row moves, with the remedy") {
  TempDir d;
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER);");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: missing.db}, table: t}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
)");
  auto r = run_cli({"sync", d / "j.yaml"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("preflight: source 'inline': no file") != std::string::npos);
  CHECK(r.err.find("check the data source's path") != std::string::npos);
}

TEST_CASE("a password is used but never printed, even when the login fails") {
  TempDir d;
  write_file(d / "in.csv", "a\r\n1\r\n");
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: csv, path: in.csv}}
destination:
  data_source: {type: mysql, endpoint: {host: 127.0.0.1, port: 1}, database: x, username: u, password: {env: SYNCPATH_UNIT_PW}}
  table: t
)");
  ::setenv("SYNCPATH_UNIT_PW", "hunter2-unit-secret", 1);
  for (const char* flag : {"--skip-preflight", "--quiet"}) {
    auto r = run_cli({"sync", d / "j.yaml", flag, "--format", "json"});
    CHECK(r.rc == 1);
    CHECK(r.out.find("hunter2") == std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);
    CHECK((r.out + r.err).find("127.0.0.1") != std::string::npos);  // it did say where it failed
  }
  ::unsetenv("SYNCPATH_UNIT_PW");
  auto r = run_cli({"sync", d / "j.yaml", "--skip-preflight"});
  CHECK(r.rc == 1);
  CHECK(r.err.find("environment variable SYNCPATH_UNIT_PW is not set") != std::string::npos);
}

TEST_CASE("--resume trusts the destination's record of committed slices over a stale state file") {
  TempDir d;
  sql(d / "src.db",
      "CREATE TABLE t (id INTEGER, v INTEGER);"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) INSERT INTO t SELECT i, i FROM n;");
  sql(d / "dst.db", "CREATE TABLE t (id INTEGER, v INTEGER);");  // no key: a slice written twice would show
  write_file(d / "j.yaml", R"(version: 1
source: {data_source: {type: sqlite, path: src.db}, table: t, split_key: id}
destination: {data_source: {type: sqlite, path: dst.db}, table: t}
channel: {concurrency: 2, slices: 4}
)");
  REQUIRE(run_cli({"sync", d / "j.yaml"}).rc == 0);
  // A kill between slice 2's commit and the state file's update looks like this:
  auto state = nlohmann::json::parse(read_file(d / "j.state.json"));
  state["done"].erase("2");
  write_file(d / "j.state.json", state.dump());
  sql(d / "dst.db", "DELETE FROM t WHERE id > 300; DELETE FROM syncpath_slices WHERE slice = 3;");  // slice 3 never committed
  state["done"].erase("3");
  write_file(d / "j.state.json", state.dump());
  auto r = run_cli({"sync", d / "j.yaml", "--resume", "--format", "json"});
  CAPTURE(r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.err.find("1 slice(s) had committed after the state file's last update") != std::string::npos);
  CHECK(r.json()["slices_run"] == 1);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM t") == 400);
  CHECK(scalar(d / "dst.db", "SELECT count(DISTINCT id) FROM t") == 400);
}

TEST_CASE("a repaired dirty-data file re-loads with type: jsonl: every row exactly once") {
  TempDir d;
  std::string csv = "id,num\r\n";
  for (int i = 1; i <= 500; ++i) csv += std::to_string(i) + "," + (i % 100 == 0 ? "n/a" : i == 250 ? "-5" : std::to_string(i)) + "\r\n";
  write_file(d / "in.csv", csv);  // 5 values that do not convert, 1 the destination refuses (CHECK)
  sql(d / "dst.db", "CREATE TABLE r (id INTEGER PRIMARY KEY, num INTEGER NOT NULL CHECK (num >= 0));");
  write_file(d / "j.yaml", "version: 1\nsource: {data_source: {type: csv, path: in.csv}}\n"
                           "destination: {data_source: {type: sqlite, path: dst.db}, table: r, batch_size: 50}\n");
  auto first = run_cli({"sync", d / "j.yaml", "--format", "json"});
  REQUIRE(first.rc == 0);
  REQUIRE(first.json()["dirty_records"] == 6);
  REQUIRE(scalar(d / "dst.db", "SELECT count(*) FROM r") == 494);

  // The repair: num = id in each record (a string for the 5 read as text, a number for the
  // one the destination refused, as converted); plus a blank line and a rolled-back record.
  std::istringstream dirty(read_file(d / "j.dirty.jsonl"));
  std::string line, fixed;
  int strings = 0, numbers = 0;
  while (std::getline(dirty, line)) {
    auto rec = nlohmann::json::parse(line);
    auto& num = rec["row"]["num"];
    const auto& id = rec["row"]["id"];  // text as read, or an integer as converted
    if (num.is_string()) ++strings, num = id.is_string() ? id.get<std::string>() : id.dump();
    else ++numbers, num = id.is_string() ? std::stoi(id.get<std::string>()) : id.get<int>();
    fixed += rec.dump() + "\n";
  }
  CHECK(strings == 5);
  CHECK(numbers == 1);
  fixed += "\n{\"slice\": 0, \"row\": {\"id\": \"100\", \"num\": \"100\"}, \"column\": \"num\", \"reason\": \"x\", \"rolled_back\": true}\n";
  write_file(d / "fixed.jsonl", fixed);
  write_file(d / "fix.yaml", "version: 1\nsource: {data_source: {type: jsonl, path: fixed.jsonl}}\n"
                             "destination: {data_source: {type: sqlite, path: dst.db}, table: r}\n");
  auto explain = run_cli({"sync", d / "fix.yaml", "--explain"});
  CHECK(explain.rc == 0);
  CHECK(explain.out.find("json value") != std::string::npos);
  CHECK(explain.out.find("(jsonl)") != std::string::npos);
  auto again = run_cli({"sync", d / "fix.yaml", "--format", "json"});
  REQUIRE(again.rc == 0);
  CHECK(again.json()["records_written"] == 6);  // the rolled-back record is not loaded twice
  CHECK(again.json()["dirty_records"] == 0);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 500);
  CHECK(scalar(d / "dst.db", "SELECT count(DISTINCT id) FROM r") == 500);
  CHECK(scalar(d / "dst.db", "SELECT sum(id) FROM r") == 125250);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r WHERE num <> id") == 0);

  SUBCASE("a record still broken, or missing a column, is dirty again, not lost") {
    write_file(d / "fixed.jsonl", "{\"row\": {\"id\": \"601\", \"num\": \"still n/a\"}}\n{\"id\": 602}\n{\"id\": 603, \"num\": 603}\n");
    auto r = run_cli({"sync", d / "fix.yaml", "--format", "json"});
    CHECK(r.rc == 0);
    CHECK(r.json()["records_written"] == 1);
    CHECK(r.json()["dirty_records"] == 2);
    std::string redo = read_file(d / "fix.dirty.jsonl");
    CHECK(redo.find("still n/a") != std::string::npos);
    CHECK(redo.find("has no 'num'") != std::string::npos);
  }
}

TEST_CASE("a jsonl source is checked line by line before any row moves; it is a source only") {
  TempDir d;
  sql(d / "dst.db", "CREATE TABLE r (id INTEGER PRIMARY KEY, num INTEGER);");
  write_file(d / "bad.jsonl",
             "{\"row\": {\"id\": 1, \"num\": 1}}\n"
             "{\"row\": {\"id\": 2, \"num\": [2]}}\n"
             "{\"row\": {\"id\": 3, \"num\": 3}\n"
             "[4, 4]\n"
             "{\"row\": \"5\"}\n");
  write_file(d / "j.yaml", "version: 1\nsource: {data_source: {type: jsonl, path: bad.jsonl}}\n"
                           "destination: {data_source: {type: sqlite, path: dst.db}, table: r}\n");
  auto r = run_cli({"sync", d / "j.yaml"});
  CHECK(r.rc == 2);
  const std::string bad = d / "bad.jsonl";
  CHECK(r.err.find(bad + ":1:") == std::string::npos);
  CHECK(r.err.find(bad + ":2:1: error: the value of 'num' is a JSON array") != std::string::npos);
  CHECK(r.err.find(bad + ":3:") != std::string::npos);
  CHECK(r.err.find(bad + ":4:1: error: a JSON array, not an object") != std::string::npos);
  CHECK(r.err.find(bad + ":5:1: error: 'row' is a JSON string") != std::string::npos);
  CHECK(r.err.find("[bad-jsonl]") != std::string::npos);
  CHECK(scalar(d / "dst.db", "SELECT count(*) FROM r") == 0);

  write_file(d / "empty.jsonl", "\n{\"row\": {\"id\": 1}, \"rolled_back\": true}\n");
  write_file(d / "e.yaml", "version: 1\nsource: {data_source: {type: jsonl, path: empty.jsonl}}\n"
                           "destination: {data_source: {type: sqlite, path: dst.db}, table: r}\n");
  auto e = run_cli({"sync", d / "e.yaml"});
  CHECK(e.rc == 2);
  CHECK(e.err.find("[empty-source]") != std::string::npos);

  write_file(d / "w.yaml", "version: 1\nsource: {data_source: {type: sqlite, path: dst.db}, table: r}\n"
                           "destination: {data_source: {type: jsonl, path: out.jsonl}, table: r}\n");
  auto w = run_cli({"sync", d / "w.yaml"});
  CHECK(w.rc == 2);
  CHECK(w.err.find("w.yaml:3:") != std::string::npos);
  CHECK(w.err.find("[jsonl-destination]") != std::string::npos);
}

TEST_CASE("the CSV reader: a byte-order mark, fields across the 1 MiB buffer's edge, CRLF, LF and a last line without one") {
  TempDir d;
  const std::size_t kBuffer = 1 << 20;
  // Row 1's quoted field runs over the buffer's edge with a doubled quote and a CRLF inside it
  // right there; row 2's unquoted field starts before the edge and ends after it.
  std::string head = "\xEF\xBB\xBFid,txt,n\r\n1,\"";
  std::string big(kBuffer - head.size() - 1, 'a');
  big += "\"\"b\r\nc";  // the doubled quote straddles the edge
  std::string text = head + big + "\",7\r\n";
  std::string edge2(kBuffer * 2 - text.size() - 5, 'z');
  text += "2," + edge2 + "-tail,\n3,,\r\n4,\"\",";  // LF only; an empty unquoted field is NULL; no final newline
  write_file(d / "in.csv", text);
  JobSide e;
  e.data_source.type = SourceType::csv;
  e.data_source.path = d / "in.csv";
  auto c = connect_csv(e);
  Shape s = c->describe_table("");
  REQUIRE(s.columns.size() == 3);
  CHECK(s.columns[0].name == "id");  // not "\xEF\xBB\xBFid"
  auto r = c->read(e, {"id", "txt", "n"}, KeyRange{});
  Row row;
  std::string problem;
  std::vector<Row> rows;
  while (r->next(row, problem)) rows.push_back(row);
  CHECK(problem.empty());
  REQUIRE(rows.size() == 4);
  CHECK(rows[0][1].s == std::string(kBuffer - head.size() - 1, 'a') + "\"b\r\nc");
  CHECK(rows[0][2].s == "7");
  CHECK(rows[1][1].s == edge2 + "-tail");
  CHECK(rows[1][2].is_null());
  CHECK(rows[2][0].s == "3");
  CHECK(rows[2][1].is_null());
  CHECK(rows[3][1].kind == CellKind::text);
  CHECK(rows[3][1].s.empty());
  CHECK(rows[3][2].is_null());
}

TEST_CASE("bulk-load escaping finds every byte to escape, wherever it is in the value") {
  EscapeLetters letters{};
  letters['\\'] = '\\', letters['\t'] = 't', letters['\n'] = 'n', letters['\r'] = 'r', letters[0] = '0';
  auto naive = [&](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (char l = letters[static_cast<unsigned char>(c)]) out += '\\', out += l;
      else out += c;
    }
    return out;
  };
  // Each byte to escape, and near misses (\v, \f, ']' and a high byte), at every position of
  // values from 0 to 40 bytes: inside and across the eight-byte words the scan steps over.
  for (char special : std::string("\\\t\n\r\0\v\f]\xdc", 9))
    for (std::size_t len = 0; len <= 40; ++len)
      for (std::size_t at = 0; at <= len; ++at) {
        std::string s(len, 'a');
        if (at < len) s[at] = special;
        std::string out = "x";
        append_escaped(out, s, letters);
        CAPTURE(len);
        CAPTURE(at);
        CHECK(out == "x" + naive(s));
      }
}
