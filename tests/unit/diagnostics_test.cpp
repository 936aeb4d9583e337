#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "diagnostics.hpp"

TEST_CASE("json diagnostics survive a message that quotes bytes which are not UTF-8") {
  // Found by the fuzzer: an unknown key with a stray byte made render_json throw.
  syncpath::Diagnostics diags;
  diags.error({"t.yaml", 2, 3}, "unknown-key", std::string("unknown key 'ab\x89' in workspace"));
  std::ostringstream out;
  REQUIRE_NOTHROW(syncpath::render_json(out, diags));
  auto doc = nlohmann::json::parse(out.str());
  REQUIRE(doc["diagnostics"].size() == 1);
  CHECK(doc["diagnostics"][0]["line"] == 2);
  CHECK(doc["diagnostics"][0]["message"].get<std::string>().find("unknown key 'ab") == 0);
}
