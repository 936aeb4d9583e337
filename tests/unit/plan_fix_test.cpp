// The proof that the checklist is right: `--fix` over every shipped topology and every planner
// test topology yields a topology that validates, in which every pair is ready except those
// unsupported (or left with only steps no configuration can do), and ready pairs stay ready.
#include <algorithm>
#include <filesystem>
#include <map>

#include "fix.hpp"
#include "plan_test_util.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

std::vector<std::string> topology_files() {
  std::vector<std::string> out;
  for (const char* dir : {"topologies", "tests/data/plan"}) {
    for (const auto& e : std::filesystem::directory_iterator(source_path(dir)))
      if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("plan --fix over every shipped and test topology leaves only unsupported or unfixable pairs") {
  auto files = topology_files();
  REQUIRE(files.size() >= 10);  // 8 shipped + the planner's own
  for (const auto& file : files) {
    CAPTURE(file);
    auto text = read_file(file);
    auto before = plan_all(load(text));
    FixResult fixed = fix_topology(text, file);
    REQUIRE(fixed.ok);
    CHECK(fixed.rounds <= 2);
    auto loaded = load_topology_text(fixed.yaml, file + " (fixed)");
    REQUIRE_MESSAGE(loaded.ok(), "the fixed topology does not validate");
    auto after = plan_all(*loaded.topology);
    REQUIRE(after.size() == before.size());
    std::map<std::string, PairStatus> was;
    for (const auto& p : before) was[p.resource_group + "/" + p.data_source] = p.status;
    std::size_t fixed_pairs = 0;
    for (const auto& p : after) {
      std::string key = p.resource_group + "/" + p.data_source;
      CAPTURE(key);
      PairStatus old = was.at(key);
      if (old == PairStatus::ready) CHECK(p.status == PairStatus::ready);
      if (old == PairStatus::unsupported) CHECK(p.status == PairStatus::unsupported);
      if (p.status == PairStatus::needs_changes) {
        // Only steps that configuration cannot do may remain, and --fix must have said so.
        auto check = [&](const Judgement& j) {
          for (const auto& st : j.steps) {
            if (st.done) continue;
            CAPTURE(st.detail);
            CHECK_FALSE(st.fixable);
          }
        };
        check(p);
        for (const auto& h : p.hosts) check(h);
        CHECK_FALSE(fixed.unfixable.empty());
      }
      if (old == PairStatus::needs_changes && p.status == PairStatus::ready) ++fixed_pairs;
    }
    // Fixing an already fixed topology changes nothing.
    FixResult again = fix_topology(fixed.yaml, file);
    REQUIRE(again.ok);
    CHECK(again.applied.empty());
    bool had_fixable = std::any_of(before.begin(), before.end(), [](const PairPlan& p) {
      return std::any_of(p.steps.begin(), p.steps.end(), [](const PlanStep& st) { return !st.done && st.fixable; });
    });
    if (had_fixable) CHECK(fixed_pairs > 0);
  }
}

TEST_CASE("--fix on the broken topology applies every kind of configuration step") {
  auto text = read_file(source_path("tests/data/plan/broken.yaml"));
  FixResult fixed = fix_topology(text, "broken.yaml");
  REQUIRE(fixed.ok);
  std::map<std::string, int> kinds;
  for (const auto& st : fixed.applied) kinds[std::string(to_string(st.action))]++;
  for (const char* a : {"attach_vpc", "create_link", "add_network_route", "add_rg_route", "add_whitelist",
                        "add_security_group_rule", "add_nat_gateway"}) {
    CAPTURE(a);
    CHECK(kinds[a] > 0);
  }
  // Left for people: the classic source's migration, and the SNAT EIP a new NAT gateway gets.
  std::map<std::string, int> left;
  for (const auto& st : fixed.unfixable) left[std::string(to_string(st.action))]++;
  CHECK(left["migrate_to_vpc"] > 0);
  CHECK(left["add_whitelist"] == 1);
  CHECK(left.size() == 2);
  // The wrong, more specific route in vpc-hz is overridden by a host route, not left to win.
  auto t = load(fixed.yaml);
  CHECK(plan_pair(t, "rg-exclusive", "bj_db")->status == PairStatus::ready);
}

TEST_CASE("--fix creates the VPC a region lacks, with a block that overlaps nothing") {
  auto text = read_file(source_path("tests/data/plan/no-vpc.yaml"));
  FixResult fixed = fix_topology(text, "no-vpc.yaml");
  REQUIRE(fixed.ok);
  auto t = load(fixed.yaml);
  const Network* n = t.find_network("vpc-syncpath-cn-shenzhen");
  REQUIRE(n);
  CHECK(n->region == "cn-shenzhen");
  REQUIRE(n->cidrs.size() == 1);
  CHECK_FALSE(n->cidrs[0].overlaps(t.find_network("vpc-hz")->cidrs[0]));
  for (const auto& p : plan_all(t)) CHECK(p.status == PairStatus::ready);
}

TEST_CASE("--fix on an invalid topology returns its diagnostics and writes nothing") {
  FixResult r = fix_topology("version: 1\nworkspace: {name: w}\n", "bad.yaml");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.has_errors());
  CHECK(r.yaml.empty());
}
