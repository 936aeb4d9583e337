// Golden outputs: `plan` over every shipped topology in every format, compared byte for byte to
// tests/golden/ (generated once by tests/golden/update.sh and reviewed by hand against the spec).
#include <filesystem>

#include "app.hpp"
#include "plan_test_util.hpp"

using namespace plan_test;

TEST_CASE("plan output for the shipped topologies matches the reviewed golden files") {
  int compared = 0;
  for (const auto& e : std::filesystem::directory_iterator(source_path("topologies"))) {
    if (e.path().extension() != ".yaml") continue;
    std::string name = e.path().stem().string();
    for (const char* format : {"text", "markdown", "json", "dot"}) {
      std::string ext = std::string(format) == "markdown" ? "md" : format;
      std::string golden = source_path("tests/golden/" + name + "." + ext);
      CAPTURE(golden);
      REQUIRE_MESSAGE(std::filesystem::exists(golden), "no golden file: run tests/golden/update.sh and review it");
      std::string topo = e.path().string();
      const char* argv[] = {"syncpath", "plan", topo.c_str(), "--format", format, "--no-color"};
      std::ostringstream out, err;
      syncpath::cli::run(6, argv, out, err);
      CHECK(out.str() == read_file(golden));
      ++compared;
    }
  }
  CHECK(compared >= 32);  // 8 shipped topologies x 4 formats
}
