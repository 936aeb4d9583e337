// libFuzzer target: the aliyun OpenAPI reader. An input is "CALL\nJSON": the call a file would be
// named after, then the response; any bytes become diagnostics or a topology that validates.
#include <cstddef>
#include <cstdint>
#include <string>

#include "import.hpp"
#include "loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto nl = text.find('\n');
  std::string call = nl == std::string::npos ? "DescribeVpcs" : text.substr(0, nl);
  std::string body = nl == std::string::npos ? text : text.substr(nl + 1);
  syncpath::import::ImportResult r = syncpath::import::import_aliyun_files({{call + ".rm-fuzz.json", body}}, {});
  for (const auto& d : r.diagnostics.items())
    if (d.code.empty() || d.pos.line < 0 || d.pos.column < 0) __builtin_trap();
  if (r.ok && !syncpath::load_topology_text(r.yaml, "again.yaml").ok()) __builtin_trap();
  return 0;
}
