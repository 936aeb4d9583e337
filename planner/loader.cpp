// Placeholder until the loader lands (issue: foundation).
#include "loader.hpp"

#include <fstream>
#include <sstream>

namespace syncpath {

LoadResult load_topology_text(const std::string& text, const std::string& file) {
  LoadResult r;
  r.source_text = text;
  r.diagnostics.error({file, 0, 0}, "not-implemented", "the topology loader is not built yet");
  return r;
}

LoadResult load_topology_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return load_topology_text(s.str(), path);
}

}  // namespace syncpath
