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
  CHECK(count >= 8);  // one per scenario plus demo.yaml
}
