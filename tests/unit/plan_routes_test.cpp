// Route corner cases: longest prefix wins, 0.0.0.0/0, a missing way back, a route via a link that
// does not join the two networks, and a CEN that carries routes itself.
#include "plan_test_util.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

const std::string kHzTo = "      - {destination: 10.20.0.0/16, via: ec-hz-bj}\n";     // vpc-hz toward vpc-bj
const std::string kBjBack = "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n";   // vpc-bj back to vpc-hz

PairPlan exclusive_to_bj(const std::string& text) { return plan(text, "rg-exclusive", "bj_db"); }

}  // namespace

TEST_CASE("the longest matching prefix decides the next hop") {
  SUBCASE("a more specific route via another link overrides the right one") {
    auto p = exclusive_to_bj(edit(matrix_text(), kHzTo, kHzTo + "      - {destination: 10.20.1.0/24, via: vpn-idc}\n"));
    CHECK(p.status == PairStatus::needs_changes);
    const PlanStep* st = find_step(p, "add_network_route", false);
    REQUIRE(st);
    CHECK(st->network == "vpc-hz");
    CHECK(st->link == "ec-hz-bj");
    // The /16 would still lose to the /24: the step routes the source's own address.
    CHECK(st->destination->str() == "10.20.1.5/32");
    CHECK(st->detail.find("10.20.1.0/24 goes via vpn-idc") != std::string::npos);
  }
  SUBCASE("a more specific right route beats a wider wrong one") {
    auto p = exclusive_to_bj(edit(matrix_text(), kHzTo, "      - {destination: 10.0.0.0/8, via: vpn-idc}\n" + kHzTo));
    CHECK(p.status == PairStatus::ready);
  }
  SUBCASE("the most specific route covering the whole egress block is the one checked") {
    auto p = exclusive_to_bj(edit(matrix_text(), kBjBack, "      - {destination: 172.16.0.0/12, via: ec-hz-bj}\n"
                                                          "      - {destination: 172.16.1.0/24, via: ec-hz-bj}\n"));
    CHECK(p.status == PairStatus::ready);  // the /24 covers the group's vSwitch exactly
  }
}

TEST_CASE("a 0.0.0.0/0 route covers everything") {
  SUBCASE("a default route back over the right link is enough") {
    auto p = exclusive_to_bj(edit(matrix_text(), kBjBack, "      - {destination: 0.0.0.0/0, via: ec-hz-bj}\n"));
    CHECK(p.status == PairStatus::ready);
    auto st = find_step(p, "add_network_route", true);
    REQUIRE(st);
  }
  SUBCASE("a default route over the wrong link is not") {
    auto p = exclusive_to_bj(edit(matrix_text(), kHzTo, "      - {destination: 0.0.0.0/0, via: vpn-idc}\n"));
    const PlanStep* st = find_step(p, "add_network_route", false);
    REQUIRE(st);
    CHECK(st->network == "vpc-hz");
    CHECK(st->destination->str() == "10.20.0.0/16");
  }
  SUBCASE("a more specific route still beats the default") {
    auto p = exclusive_to_bj(edit(matrix_text(), kHzTo, "      - {destination: 0.0.0.0/0, via: ec-hz-bj}\n"
                                                        "      - {destination: 10.20.0.0/16, via: vpn-idc}\n"));
    CHECK(find_step(p, "add_network_route", false));
  }
}

TEST_CASE("a missing way back is a step to do even when the way there exists") {
  auto p = exclusive_to_bj(edit(matrix_text(), kBjBack, ""));
  CHECK(actions(p, false) == Strings{"add_network_route"});
  CHECK(find_step(p, "add_network_route", true)->network == "vpc-hz");
  CHECK(find_step(p, "add_network_route", false)->network == "vpc-bj");
  // The way back is checked against the group's egress CIDR: a route for another block of the
  // group's VPC does not do.
  auto q = exclusive_to_bj(edit(matrix_text(), kBjBack, "      - {destination: 172.16.2.0/24, via: ec-hz-bj}\n"));
  CHECK(find_step(q, "add_network_route", false));
}

TEST_CASE("a route via a link that does not join the two networks does not count") {
  // vpn-idc ends at vpc-hz (so the loader accepts it) but leads to idc-sh, not vpc-bj.
  auto p = exclusive_to_bj(edit(matrix_text(), kHzTo, "      - {destination: 10.20.0.0/16, via: vpn-idc}\n"));
  CHECK(p.status == PairStatus::needs_changes);
  const PlanStep* st = find_step(p, "add_network_route", false);
  REQUIRE(st);
  CHECK(st->link == "ec-hz-bj");
  CHECK(st->detail.find("via vpn-idc") != std::string::npos);
}

TEST_CASE("a CEN link carries routes itself: no network route is owed across it") {
  auto t = load(matrix_text());
  auto p = *plan_pair(t, "rg-exclusive", "partner_db");
  CHECK(p.path == Strings{"rg-exclusive", "vpc-hz", "cen-partner", "vpc-partner", "partner_db"});
  CHECK_FALSE(find_step(p, "add_network_route", true));
  CHECK_FALSE(find_step(p, "add_network_route", false));
  CHECK(p.status == PairStatus::ready);
  // The same hop as an express connect link would owe routes both ways.
  auto ec = plan(edit(matrix_text(), "{id: cen-partner, kind: cen,", "{id: cen-partner, kind: express_connect,"),
                 "rg-exclusive", "partner_db");
  CHECK(actions(ec, false) == Strings{"add_network_route", "add_network_route"});
}

TEST_CASE("the path is the fewest hops, and every hop's routes are checked") {
  // A custom host in the data center reaching vpc-bj crosses two links; break the middle hop's
  // way back (vpc-hz toward the host) and only that is reported.
  auto p = plan(edit(matrix_text(), "      - {destination: 192.168.0.0/16, via: vpn-idc}\n", ""), "rg-custom", "bj_db");
  CHECK(p.path == Strings{"rg-custom", "idc-sh", "vpn-idc", "vpc-hz", "ec-hz-bj", "vpc-bj", "bj_db"});
  REQUIRE(actions(p, false) == Strings{"add_network_route"});
  const PlanStep* st = find_step(p, "add_network_route", false);
  CHECK(st->network == "vpc-hz");
  CHECK(st->link == "vpn-idc");
  CHECK(st->destination->str() == "192.168.0.0/16");
}
