// libFuzzer target: the Terraform JSON reader (and the whole import behind it) must turn any bytes
// into diagnostics or a topology that validates, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include "import.hpp"
#include "loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  syncpath::import::ImportResult r = syncpath::import::import_terraform_text(text, "fuzz.json", {});
  for (const auto& d : r.diagnostics.items())
    if (d.code.empty() || d.pos.line < 0 || d.pos.column < 0) __builtin_trap();
  // What the import wrote, it must read back: the same text through the loader is valid.
  if (r.ok && !syncpath::load_topology_text(r.yaml, "again.yaml").ok()) __builtin_trap();
  return 0;
}
