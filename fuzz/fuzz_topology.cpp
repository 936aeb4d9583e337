// libFuzzer target: the topology loader must turn any bytes into diagnostics, never crash,
// hang or leak. Each run also renders the diagnostics, since carets index into the text.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  syncpath::LoadResult r = syncpath::load_topology_text(text, "fuzz.yaml");
  std::ostringstream sink;
  for (const auto& d : r.diagnostics.items())
    syncpath::render_text(sink, d, r.source_text.empty() ? nullptr : &r.source_text, false);
  syncpath::render_json(sink, r.diagnostics);
  // Invariants a caller relies on: a loaded topology is indexed, and every diagnostic has a code.
  if (r.topology)
    for (const auto& n : r.topology->networks)
      if (r.topology->find_network(n.id) == nullptr) __builtin_trap();
  for (const auto& d : r.diagnostics.items())
    if (d.code.empty() || d.pos.line < 0 || d.pos.column < 0) __builtin_trap();
  return 0;
}
