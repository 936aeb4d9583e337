// plan_pairs_parallel: several threads give byte for byte the output of one, in every format
// that renders pair by pair, and a failure on a worker stops the run instead of hanging it.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "plan_test_util.hpp"
#include "render.hpp"

using namespace plan_test;
using namespace syncpath;

namespace {

// Every topology the tests ship: the examples and the planner's test data.
std::vector<std::string> topology_files() {
  std::vector<std::string> files;
  for (const char* dir : {"topologies", "tests/data/plan"})
    for (const auto& e : std::filesystem::directory_iterator(source_path(dir)))
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string serial(const Topology& t, const std::string& format, RenderOptions ro, StatusCounts& counts) {
  std::ostringstream out;
  auto r = make_plan_renderer(format, out, t, ro);
  r->begin();
  plan_pairs(t, default_rules(), {}, [&](const PairPlan& p) {
    counts.add(p.status);
    r->pair(p);
  });
  r->end();
  return out.str();
}

std::string parallel(const Topology& t, const std::string& format, RenderOptions ro, unsigned threads,
                     std::size_t run_pairs, StatusCounts& counts) {
  std::ostringstream out;
  auto r = make_plan_renderer(format, out, t, ro);
  REQUIRE(r->per_pair());
  r->begin();
  plan_pairs_parallel(
      t, default_rules(), {}, threads, [&](TextBuf& o, const PairPlan& p) { r->render(o, p); },
      [&](std::string_view run, const StatusCounts& c) {
        counts.add(c);
        r->write(run, c);
      },
      run_pairs);
  r->end();
  return out.str();
}

}  // namespace

TEST_CASE("planning on several threads writes exactly what one thread writes") {
  int compared = 0;
  std::size_t pairs = 0;
  for (const auto& file : topology_files()) {
    LoadResult loaded = load_topology_file(file);
    if (!loaded.ok()) continue;  // test data that is bad on purpose
    for (const char* format : {"json", "text"}) {
      for (bool quiet : {false, true}) {
        RenderOptions ro;
        ro.quiet = quiet;
        StatusCounts one;
        std::string expected = serial(*loaded.topology, format, ro, one);
        for (unsigned threads : {1u, 3u}) {
          for (std::size_t run_pairs : {1u, 2u, 512u}) {
            CAPTURE(file);
            CAPTURE(format);
            CAPTURE(threads);
            CAPTURE(run_pairs);
            StatusCounts many;
            CHECK(parallel(*loaded.topology, format, ro, threads, run_pairs, many) == expected);
            CHECK(many.ready == one.ready);
            CHECK(many.needs_changes == one.needs_changes);
            CHECK(many.unsupported == one.unsupported);
            ++compared;
          }
        }
      }
    }
    pairs += loaded.topology->resource_groups.size() * loaded.topology->data_sources.size();
  }
  CHECK(compared >= 8 * 2 * 2 * 6);
  CHECK(pairs > 100);  // enough pairs that one-pair runs really spread over the threads
}

TEST_CASE("a failure on a planning thread stops the run and reaches the caller") {
  LoadResult loaded = load_topology_file(source_path("tests/data/plan/matrix.yaml"));
  REQUIRE(loaded.ok());
  std::atomic<std::size_t> rendered = 0;
  std::size_t written = 0;
  auto render = [&](TextBuf& out, const PairPlan& p) {
    if (++rendered == 7) throw std::runtime_error("disk full");
    out += p.data_source;
  };
  auto sink = [&](std::string_view, const StatusCounts&) { ++written; };
  CHECK_THROWS_WITH(plan_pairs_parallel(*loaded.topology, default_rules(), {}, 3, render, sink, 1), "disk full");
  // Runs are claimed in order, at most one per thread at a time, so the failed run is among the
  // first 7 + 2 and nothing past it was handed on.
  CHECK(written <= 8);
  // A sink that fails (a write error) stops the workers too.
  rendered = 0;
  auto failing_sink = [&](std::string_view, const StatusCounts&) { throw std::runtime_error("broken pipe"); };
  CHECK_THROWS_WITH(plan_pairs_parallel(*loaded.topology, default_rules(), {}, 3,
                                        [](TextBuf& out, const PairPlan& p) { out += p.data_source; }, failing_sink, 1),
                    "broken pipe");
}
