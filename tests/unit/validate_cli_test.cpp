// `syncpath validate` in-process: exit codes, the text and JSON shapes, --quiet, --output,
// and that a password never reaches any output.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "app.hpp"

namespace fs = std::filesystem;

namespace {

struct Run {
  int rc;
  std::string out, err;
};

Run validate(std::vector<std::string> args) {
  std::vector<const char*> argv{"syncpath", "validate"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {rc, out.str(), err.str()};
}

// A file in a fresh temporary directory, removed with it.
struct TempFile {
  fs::path dir, path;
  explicit TempFile(const std::string& text, const std::string& name = "t.yaml") {
    dir = fs::temp_directory_path() / ("syncpath-validate-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter()++));
    fs::create_directories(dir);
    path = dir / name;
    std::ofstream(path, std::ios::binary) << text;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

const std::string kValid =
    "version: 1\n"
    "workspace: {name: w, account: a1, region: r1}\n"
    "networks:\n"
    "  - {id: d1, kind: data_center, cidr: 192.168.0.0/16}\n";

}  // namespace

TEST_CASE("validate exits 0 on a valid topology and prints a summary") {
  TempFile f(kValid);
  auto r = validate({f.path.string()});
  CHECK(r.rc == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("ok: ") == 0);
  CHECK(r.out.find("1 network, 0 links, 0 resource groups, 0 data sources") != std::string::npos);
  SUBCASE("--quiet prints nothing when all is well") {
    auto q = validate({f.path.string(), "--quiet"});
    CHECK(q.rc == 0);
    CHECK(q.out.empty());
    CHECK(q.err.empty());
  }
}

TEST_CASE("validate exits 0 when there are only warnings, and shows them") {
  TempFile f(kValid + "resource_groups:\n  - {id: g, kind: custom}\n");
  auto r = validate({f.path.string(), "--no-color"});
  CHECK(r.rc == 0);
  CHECK(r.err.find(":6:19: warning: ") != std::string::npos);
  CHECK(r.err.find("[custom-group-edition]") != std::string::npos);
  CHECK(r.out.find("(1 warning)") != std::string::npos);
}

TEST_CASE("validate exits 2 on errors and prints each with its source line and a caret") {
  TempFile f("version: 1\nworkspace: {name: w, account: a1, region: r1}\nnetworks:\n  - {id: v, kind: vpx}\n");
  auto r = validate({f.path.string(), "--no-color"});
  CHECK(r.rc == 2);
  std::string expected_head = f.path.string() + ":4:19: error: ";
  CHECK(r.err.find(expected_head) == 0);
  CHECK(r.err.find("[bad-enum]") != std::string::npos);
  CHECK(r.err.find("expected one of vpc, classic, data_center, other_cloud") != std::string::npos);
  CHECK(r.err.find("\n    - {id: v, kind: vpx}\n") != std::string::npos);
  CHECK(r.err.find("\n" + std::string(2 + 18, ' ') + "^\n") != std::string::npos);  // margin + column - 1
  CHECK(r.err.find("\033[") == std::string::npos);  // no colour when not a terminal
  CHECK(r.out.empty());
}

TEST_CASE("validate exits 2 on a missing file, a directory and bad flags") {
  CHECK(validate({"/nonexistent-syncpath/t.yaml"}).rc == 2);
  CHECK(validate({fs::temp_directory_path().string()}).rc == 2);
  TempFile f(kValid);
  CHECK(validate({f.path.string(), "--format", "xml"}).rc == 2);
  CHECK(validate({}).rc == 2);
}

TEST_CASE("validate --format json has the spec's shape") {
  TempFile f("version: 1\nworkspace: {name: w, account: a1, region: r1}\nnetworks:\n  - {id: v, kind: vpx}\n");
  auto r = validate({f.path.string(), "--format", "json"});
  CHECK(r.rc == 2);
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc.contains("diagnostics"));
  REQUIRE(doc["diagnostics"].is_array());
  REQUIRE(doc["diagnostics"].size() >= 1);
  bool found = false;
  for (const auto& d : doc["diagnostics"]) {
    for (const char* key : {"file", "line", "column", "severity", "code", "message"}) CHECK(d.contains(key));
    if (d["code"] == "bad-enum") {
      found = true;
      CHECK(d["file"] == f.path.string());
      CHECK(d["line"] == 4);
      CHECK(d["column"] == 19);
      CHECK(d["severity"] == "error");
    }
  }
  CHECK(found);
  CHECK(doc["valid"] == false);
  SUBCASE("a valid file gives an empty list") {
    TempFile g(kValid);
    auto v = validate({g.path.string(), "--format", "json"});
    CHECK(v.rc == 0);
    auto vd = nlohmann::json::parse(v.out);
    CHECK(vd["diagnostics"].empty());
    CHECK(vd["valid"] == true);
    CHECK(vd["summary"]["networks"] == 1);
  }
}

TEST_CASE("validate --output writes the report to a file") {
  TempFile f(kValid);
  fs::path target = f.dir / "report.json";
  auto r = validate({f.path.string(), "--format", "json", "--output", target.string()});
  CHECK(r.rc == 0);
  CHECK(r.out.empty());
  std::ifstream in(target);
  std::stringstream s;
  s << in.rdbuf();
  auto doc = nlohmann::json::parse(s.str());
  CHECK(doc["valid"] == true);
  CHECK_FALSE(fs::exists(target.string() + ".partial"));
}

TEST_CASE("a password never appears in any output of validate") {
  const std::string secret = "Zq9-secret@value";
  const std::string other = "Wx7-second-secret";
  SUBCASE("a literal password, also on lines that carry errors") {
    TempFile f("version: 1\nworkspace: {name: w, account: a1, region: r1}\n"
               "data_sources:\n"
               "  - {name: d, type: mysql, network: nowhere, endpoint: {ip: 1.2.3, port: 0}, password: " + secret + "}\n"
               "  - name: e\n    type: csv\n    path: x.csv\n    password: |\n      " + other + "\n    databse: x\n"
               "  - name: f\n    type: csv\n    path: y.csv\n    pasword: " + other + "\n");
    for (const char* format : {"text", "json"}) {
      auto r = validate({f.path.string(), "--format", format});
      CAPTURE(r.err);
      CAPTURE(r.out);
      CHECK(r.rc == 2);
      CHECK(r.err.find(secret) == std::string::npos);
      CHECK(r.out.find(secret) == std::string::npos);
      CHECK(r.err.find(other) == std::string::npos);
      CHECK(r.out.find(other) == std::string::npos);
      CHECK(r.err.find("Zq9") == std::string::npos);
      CHECK((r.err + r.out).find("literal-password") != std::string::npos);  // it was seen and warned about
      CHECK((r.err + r.out).find("password-at-sign") != std::string::npos);
    }
  }
  SUBCASE("a password in a file that is not valid YAML") {
    TempFile f("version: 1\nworkspace: {name: w, account: a1, region: r1}\ndata_sources:\n"
               "  - name: d\n    password: " + secret + ": [\n");
    auto r = validate({f.path.string()});
    CHECK(r.rc == 2);
    CHECK(r.err.find("[yaml-syntax]") != std::string::npos);
    CHECK(r.err.find(secret) == std::string::npos);
    CHECK(r.out.find(secret) == std::string::npos);
  }
  SUBCASE("an unknown key under password, which may be the secret itself") {
    TempFile f("version: 1\nworkspace: {name: w, account: a1, region: r1}\ndata_sources:\n"
               "  - name: d\n    type: csv\n    path: x.csv\n    password: {" + secret + ": x}\n");
    for (const char* format : {"text", "json"}) {
      auto r = validate({f.path.string(), "--format", format});
      CHECK(r.rc == 2);
      CHECK((r.err + r.out).find("unknown-key") != std::string::npos);
      CHECK(r.err.find(secret) == std::string::npos);
      CHECK(r.out.find(secret) == std::string::npos);
    }
  }
}
