// The import's phases timed one by one, on the state bench/import/run.sh generates: reading the
// JSON into the inventory, assembling the topology model, writing the YAML, and the check that
// loads that YAML back (the same load `syncpath validate` does). Prints seconds per phase.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "assemble.hpp"
#include "loader.hpp"
#include "readers.hpp"
#include "yaml_writer.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: import_phases STATE.json\n");
    return 2;
  }
  using clock = std::chrono::steady_clock;
  auto secs = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  auto t0 = clock::now();
  syncpath::import::Inventory inv;
  syncpath::Diagnostics d;
  syncpath::import::ReadInfo info;
  if (!syncpath::import::read_terraform(text, argv[1], inv, d, info)) return 1;
  auto t1 = clock::now();
  syncpath::import::Settings s;
  s.workspace_region = "cn-hangzhou";
  s.input = argv[1];
  syncpath::import::Assembled a = syncpath::import::assemble(inv, s, d);
  auto t2 = clock::now();
  std::string yaml = syncpath::import::emit_yaml(syncpath::import::write_topology(a), {});
  auto t3 = clock::now();
  syncpath::LoadResult r = syncpath::load_topology_text(yaml, "check.yaml");
  auto t4 = clock::now();
  if (!r.ok()) return 1;
  std::printf("read %.3f assemble %.3f write %.3f check %.3f\n", secs(t0, t1), secs(t1, t2), secs(t2, t3), secs(t3, t4));
  return 0;
}
