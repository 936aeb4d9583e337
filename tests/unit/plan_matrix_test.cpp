// Every cell of the spec's solution table (topology.md, "Meaning"): the relation and solution
// the planner picks, with a topology that makes the pair ready (tests/data/plan/matrix.yaml)
// and, for each cell that can be ready, one change that leaves a step to do.
#include "plan_test_util.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

struct Cell {
  const char* group;
  const char* source;
  const char* relation;
  const char* solution;
  PairStatus status;  // in the matrix topology as written
};

const Cell kCells[] = {
    // serverless
    {"rg-serverless", "web_api", "internet", "direct", PairStatus::ready},
    {"rg-serverless", "hz_db", "vpc_same_region", "attach_vpc", PairStatus::ready},
    {"rg-serverless", "bj_db", "vpc_cross_region", "link_and_route", PairStatus::ready},
    {"rg-serverless", "partner_db", "vpc_cross_account", "link_and_route", PairStatus::ready},
    {"rg-serverless", "idc_db", "data_center", "link_and_route", PairStatus::ready},
    {"rg-serverless", "classic_db", "classic", "unsupported", PairStatus::unsupported},
    // exclusive
    {"rg-exclusive", "web_api", "internet", "direct", PairStatus::ready},
    {"rg-exclusive", "hz_db", "vpc_same_region", "attach_vpc", PairStatus::ready},
    {"rg-exclusive", "bj_db", "vpc_cross_region", "link_and_route", PairStatus::ready},
    {"rg-exclusive", "partner_db", "vpc_cross_account", "link_and_route", PairStatus::ready},
    {"rg-exclusive", "idc_db", "data_center", "link_and_route", PairStatus::ready},
    {"rg-exclusive", "classic_db", "classic", "unsupported", PairStatus::unsupported},
    // custom (host etl-1 in the data center idc-sh)
    {"rg-custom", "web_api", "internet", "direct", PairStatus::ready},
    {"rg-custom", "hz_db", "vpc_same_region", "link_and_route", PairStatus::ready},
    {"rg-custom", "bj_db", "vpc_cross_region", "link_and_route", PairStatus::ready},
    {"rg-custom", "partner_db", "vpc_cross_account", "link_and_route", PairStatus::ready},
    {"rg-custom", "idc_db", "same_network", "direct", PairStatus::ready},
    {"rg-custom", "classic_db", "classic", "link_and_route", PairStatus::ready},
    // shared
    {"rg-shared", "web_api", "internet", "direct", PairStatus::ready},
    {"rg-shared", "hz_db", "vpc_same_region", "unsupported", PairStatus::unsupported},
    {"rg-shared", "bj_db", "vpc_cross_region", "unsupported", PairStatus::unsupported},
    {"rg-shared", "partner_db", "vpc_cross_account", "unsupported", PairStatus::unsupported},
    {"rg-shared", "idc_db", "data_center", "unsupported", PairStatus::unsupported},
    {"rg-shared", "classic_db", "classic", "unsupported", PairStatus::unsupported},
};

}  // namespace

TEST_CASE("every cell of the solution table gets the spec's relation, solution and status") {
  auto t = load(matrix_text());
  for (const auto& c : kCells) {
    CAPTURE(c.group);
    CAPTURE(c.source);
    auto p = plan_pair(t, c.group, c.source);
    REQUIRE(p);
    CHECK(p->relation == c.relation);
    CHECK(p->solution == c.solution);
    CHECK(p->status == c.status);
    if (c.status == PairStatus::ready) CHECK(actions(*p, false).empty());
  }
}

TEST_CASE("a custom host in the source's own VPC or classic network reaches it directly") {
  SUBCASE("same VPC") {
    auto text = edit(matrix_text(), "{name: etl-1, network: idc-sh, ip: 192.168.3.10",
                     "{name: etl-1, network: vpc-hz, ip: 172.16.2.10");
    auto p = plan(text, "rg-custom", "hz_db");
    CHECK(p.relation == "same_network");
    CHECK(p.solution == "direct");
    CHECK(p.path == Strings{"rg-custom", "vpc-hz", "hz_db"});
    // The whitelist now needs the host's new address: a step to do.
    REQUIRE(actions(p, false) == Strings{"add_whitelist"});
    CHECK(find_step(p, "add_whitelist", false)->cidr->str() == "172.16.2.10/32");
  }
  SUBCASE("same classic network") {
    auto text = edit(matrix_text(), "{name: etl-1, network: idc-sh, ip: 192.168.3.10, public_ip: 203.0.113.7}",
                     "{name: etl-1, network: classic-hz, public_ip: 203.0.113.7}");
    auto p = plan(text, "rg-custom", "classic_db");
    CHECK(p.relation == "same_network");
    CHECK(p.solution == "direct");
    CHECK(p.status == PairStatus::ready);
  }
}

TEST_CASE("the pairs of a file-based source need nothing: it lives on the group's host") {
  auto t = load(matrix_text());
  for (const char* g : {"rg-serverless", "rg-exclusive", "rg-custom", "rg-shared"}) {
    CAPTURE(g);
    auto p = plan_pair(t, g, "results_local");
    REQUIRE(p);
    CHECK(p->relation == "local");
    CHECK(p->status == PairStatus::ready);
  }
}

TEST_CASE("paths are named hop by hop as in the spec's JSON") {
  auto t = load(matrix_text());
  CHECK(plan_pair(t, "rg-exclusive", "bj_db")->path == Strings{"rg-exclusive", "vpc-hz", "ec-hz-bj", "vpc-bj", "bj_db"});
  CHECK(plan_pair(t, "rg-custom", "bj_db")->path ==
        Strings{"rg-custom", "idc-sh", "vpn-idc", "vpc-hz", "ec-hz-bj", "vpc-bj", "bj_db"});
  CHECK(plan_pair(t, "rg-serverless", "web_api")->path == Strings{"rg-serverless", "vpc-hz", "internet", "web_api"});
  CHECK(plan_pair(t, "rg-exclusive", "web_api")->path == Strings{"rg-exclusive", "internet", "web_api"});
  CHECK(plan_pair(t, "rg-serverless", "hz_db")->path == Strings{"rg-serverless", "vpc-hz", "hz_db"});
  CHECK(plan_pair(t, "rg-shared", "hz_db")->path.empty());
}

TEST_CASE("a pair reports every missing step, not only the first") {
  // Break four things on the way from rg-exclusive to bj_db at once.
  auto text = matrix_text();
  text = edit(text, "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", "");             // return route
  text = edit(text, "      - {destination: 10.20.0.0/16, network: vpc-hz}\n      - {destination: 10.40.0.0/16, network: vpc-hz}\n      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-custom",
              "      - {destination: 10.40.0.0/16, network: vpc-hz}\n      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-custom");  // rg route
  text = edit(text, "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
              "    endpoint: {host: bj.rds.example, ip: 10.20.1.5, port: 3306}\n    whitelist: [192.168.3.10/32]\n"
              "    security_group:\n      ingress: [{protocol: tcp, port: 22, source: 0.0.0.0/0}]");
  auto p = plan(text, "rg-exclusive", "bj_db");
  CHECK(p.status == PairStatus::needs_changes);
  CHECK(actions(p, false) == Strings{"add_network_route", "add_rg_route", "add_whitelist", "add_security_group_rule"});
  CHECK(actions(p, true) == Strings{"attach_vpc", "create_link", "add_network_route"});
}
