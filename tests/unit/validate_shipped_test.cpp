// Every shipped topology passes `syncpath validate`, run in-process through the CLI.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "app.hpp"

TEST_CASE("every shipped topology validates with exit 0 and no errors") {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(SYNCPATH_SOURCE_DIR) / "topologies";
  std::size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    std::string path = entry.path().string();
    CAPTURE(path);
    std::ostringstream out, err;
    const char* argv[] = {"syncpath", "validate", path.c_str()};
    int rc = syncpath::cli::run(3, argv, out, err);
    CAPTURE(err.str());
    CHECK(rc == 0);
    CHECK(err.str().empty());  // not even a warning
    CHECK(out.str().rfind("ok: ", 0) == 0);
  }
  CHECK(count >= 9);  // one per scenario plus demo.yaml
}

TEST_CASE("a file with many problems gets them all, with exit 2") {
  std::string path = std::string(SYNCPATH_SOURCE_DIR) + "/tests/data/topologies/many-errors.yaml";
  std::ostringstream out, err;
  const char* argv[] = {"syncpath", "validate", path.c_str(), "--no-color", "--max-errors", "0"};
  int rc = syncpath::cli::run(6, argv, out, err);
  CHECK(rc == 2);
  const std::string e = err.str();
  // Each expected problem, as FILE:LINE:COL and code, in the order they appear in the file.
  const std::vector<std::pair<std::string, std::string>> expected{
      {":18:9:", "[vswitch-overlap]"},
      {":19:48:", "[vswitch-outside-vpc]"},
      {":21:44:", "[unknown-link]"},
      {":27:14:", "[unknown-account]"},
      {":33:5:", "[link-address-overlap]"},
      {":34:20:", "[bad-enum]"},
      {":34:47:", "[unknown-network]"},
      {":39:19:", "[attachment-cross-region]"},
      {":39:36:", "[attachment-vswitch-not-in-network]"},
      {":39:50:", "[bad-enum]"},
      {":41:11:", "[custom-group-edition]"},
      {":43:38:", "[address-outside-network]"},
      {":49:20:", "[address-outside-vswitch]"},
      {":49:38:", "[bad-port]"},
      {":50:17:", "[invalid-cidr]"},
      {":51:15:", "[literal-password]"},
      {":51:15:", "[password-at-sign]"},
      {":52:5:", "[duplicate-id]"},
      {":54:5:", "[unknown-key]"},
  };
  // Several diagnostics may share a position: look for the line with both.
  std::size_t from = 0;
  for (const auto& [where, code] : expected) {
    CAPTURE(where);
    CAPTURE(code);
    std::size_t at = from, found = std::string::npos;
    while ((at = e.find(path + where, at)) != std::string::npos) {
      auto eol = e.find('\n', at);
      if (e.substr(at, eol - at).find(code) != std::string::npos) {
        found = at;
        break;
      }
      ++at;
    }
    CHECK(found != std::string::npos);
    if (found != std::string::npos) from = found;  // in file order
  }
  CHECK(e.find("s3cret") == std::string::npos);
}

TEST_CASE("text output stops after --max-errors diagnostics and counts the rest; JSON keeps them all") {
  std::string path = std::string(SYNCPATH_SOURCE_DIR) + "/tests/data/topologies/many-errors.yaml";
  std::ostringstream out, err;
  const char* argv[] = {"syncpath", "validate", path.c_str(), "--no-color", "--max-errors", "2"};
  CHECK(syncpath::cli::run(6, argv, out, err) == 2);
  const std::string e = err.str();
  CHECK(e.find(":18:9:") != std::string::npos);
  CHECK(e.find(":19:48:") != std::string::npos);
  CHECK(e.find(":21:44:") == std::string::npos);  // the third problem is only counted
  CHECK(e.find("more diagnostics not shown") != std::string::npos);
  std::ostringstream jout, jerr;
  const char* jargv[] = {"syncpath", "validate", path.c_str(), "--format", "json", "--max-errors", "2"};
  CHECK(syncpath::cli::run(7, jargv, jout, jerr) == 2);
  CHECK(jout.str().find(":21:44") == std::string::npos);  // JSON has line/column fields, not FILE:L:C
  CHECK(jout.str().find("\"unknown-link\"") != std::string::npos);
}
