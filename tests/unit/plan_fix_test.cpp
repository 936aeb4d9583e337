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
  // Left for people: the classic source's migration, the SNAT EIP a new NAT gateway gets, and
  // the standby source's choice (an exclusive group, or standby off) for each other group.
  std::map<std::string, int> left;
  for (const auto& st : fixed.unfixable) left[std::string(to_string(st.action))]++;
  CHECK(left["migrate_to_vpc"] > 0);
  CHECK(left["add_whitelist"] == 1);
  CHECK(left["use_exclusive_group"] == 2);  // rg-serverless and rg-custom
  CHECK(left.size() == 3);
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

TEST_CASE("the VPC --fix proposes overlaps no network, vSwitch, source or host it must route to") {
  // vpc-hz holds 10.0.0.0/16; a classic source (no CIDR of its own) sits at 10.1.0.5 and a custom
  // host at 10.2.0.9: the first free /16 is 10.3.0.0/16.
  const std::string head = R"(version: 1
workspace: {name: w, account: acct-main, region: cn-shenzhen, edition: professional}
networks:
  - {id: vpc-hz, kind: vpc, account: acct-main, region: cn-hangzhou, cidr: 10.0.0.0/16,
     vswitches: [{id: vsw-hz-a, zone: cn-hangzhou-h, cidr: 10.0.1.0/24}]}
  - {id: classic-hz, kind: classic, account: acct-main, region: cn-hangzhou}
  - {id: idc, kind: data_center, cidr: )";
  auto topology = [&](const std::string& idc_cidr) {
    return head + idc_cidr + R"(}
resource_groups:
  - {id: rg-exclusive, kind: exclusive, eip: 198.51.100.10}
  - {id: rg-custom, kind: custom, hosts: [{name: etl-1, network: idc, ip: 10.2.0.9}]}
data_sources:
  - {name: hz_db, type: mysql, network: vpc-hz, vswitch: vsw-hz-a, endpoint: {ip: 10.0.1.5, port: 3306}, whitelist: any}
  - {name: legacy, type: mysql, network: classic-hz, endpoint: {ip: 10.1.0.5, port: 3306}, whitelist: any}
)";
  };
  auto new_vpc_block = [](const std::string& text) {
    auto p = plan(text, "rg-exclusive", "hz_db");
    const PlanStep* st = find_step(p, "create_vpc", false);
    REQUIRE(st);
    return std::make_pair(st->cidr->str(), st->fixable);
  };
  CHECK(new_vpc_block(topology("10.2.0.0/24")) == std::make_pair(std::string("10.3.0.0/16"), true));
  // Every 10.x.0.0/16 taken: the next private range.
  CHECK(new_vpc_block(topology("10.0.0.0/8")).first == "172.16.0.0/16");
  // And the file --fix writes validates with that VPC in it.
  FixResult fixed = fix_topology(topology("10.2.0.0/24"), "t.yaml");
  REQUIRE(fixed.ok);
  auto t = load(fixed.yaml);
  REQUIRE(t.find_network("vpc-syncpath-cn-shenzhen"));
  CHECK(t.find_network("vpc-syncpath-cn-shenzhen")->cidrs.at(0).str() == "10.3.0.0/16");
}

TEST_CASE("--fix on an invalid topology returns its diagnostics and writes nothing") {
  FixResult r = fix_topology("version: 1\nworkspace: {name: w}\n", "bad.yaml");
  CHECK_FALSE(r.ok);
  CHECK(r.diagnostics.has_errors());
  CHECK(r.yaml.empty());
}
