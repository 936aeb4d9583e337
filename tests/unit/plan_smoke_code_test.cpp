// The planner on a topology built in code (independent of the YAML loader): the spec's example.
#include <doctest/doctest.h>

#include <sstream>

#include "plan.hpp"
#include "render.hpp"

using namespace syncpath;

namespace {

Cidr cidr(const char* s) { return *Cidr::parse(s); }
Ipv4 ip(const char* s) { return *Ipv4::parse(s); }

// The example of ../shared/spec/topology.md, reduced to the exclusive group and orders_rds.
Topology spec_example() {
  Topology t;
  t.workspace = {"ws-demo", "acct-main", "cn-hangzhou", Edition::professional, WorkspaceMode::standard, {}};
  Network hz;
  hz.id = "vpc-hz";
  hz.kind = NetworkKind::vpc;
  hz.account = "acct-main";
  hz.region = "cn-hangzhou";
  hz.cidrs = {cidr("172.16.0.0/16")};
  hz.vswitches = {{"vsw-hz-a", "cn-hangzhou-h", cidr("172.16.1.0/24"), {}}};
  hz.routes = {{cidr("10.20.0.0/16"), "ec-hz-bj", {}}};
  Network bj;
  bj.id = "vpc-bj";
  bj.kind = NetworkKind::vpc;
  bj.account = "acct-main";
  bj.region = "cn-beijing";
  bj.cidrs = {cidr("10.20.0.0/16")};
  bj.vswitches = {{"vsw-bj-a", "cn-beijing-c", cidr("10.20.1.0/24"), {}}};
  bj.routes = {{cidr("172.16.0.0/16"), "ec-hz-bj", {}}};
  t.networks = {hz, bj};
  t.links = {{"ec-hz-bj", LinkKind::express_connect, {"vpc-hz", "vpc-bj"}, {}}};
  ResourceGroup rg;
  rg.id = "rg-exclusive";
  rg.kind = GroupKind::exclusive;
  rg.region = "cn-hangzhou";
  rg.eip = ip("47.96.1.10");
  rg.attachments = {{"vpc-hz", "vsw-hz-a", AttachScope::vswitch, {}}};
  rg.routes = {{cidr("10.20.0.0/16"), "vpc-hz", {}}};
  t.resource_groups = {rg};
  DataSource s;
  s.name = "orders_rds";
  s.type = SourceType::mysql;
  s.instance_kind = InstanceKind::rds;
  s.account = "acct-main";
  s.network = "vpc-bj";
  s.vswitch = "vsw-bj-a";
  s.endpoint = Endpoint{"rm-bp1example.mysql.rds.aliyuncs.com", ip("10.20.1.5"), 3306, {}};
  s.public_endpoint = Endpoint{"rm-bp1example-pub.mysql.rds.aliyuncs.com", std::nullopt, 3306, {}};
  s.whitelist = std::vector<Cidr>{cidr("172.16.1.0/24")};
  t.data_sources = {s};
  t.index();
  return t;
}

}  // namespace

TEST_CASE("the spec's example pair is ready over the express connect link") {
  Topology t = spec_example();
  auto plans = plan_all(t);
  REQUIRE(plans.size() == 1);
  const auto& p = plans[0];
  CHECK(p.relation == "vpc_cross_region");
  CHECK(p.solution == "link_and_route");
  CHECK(p.path == std::vector<std::string>{"rg-exclusive", "vpc-hz", "ec-hz-bj", "vpc-bj", "orders_rds"});
  for (const auto& st : p.steps) {
    CAPTURE(st.action);
    CAPTURE(st.detail);
    CHECK(st.done);
  }
  CHECK(p.status == PairStatus::ready);
  REQUIRE(p.alternatives.size() == 1);
  CHECK(p.alternatives[0].relation == "internet");
  std::ostringstream out;
  auto r = make_plan_renderer("text", out, t);
  r->begin();
  r->pair(p);
  r->end();
  CHECK(out.str().find("rg-exclusive") != std::string::npos);
}

TEST_CASE("removing the way back and the whitelist entry leaves both steps to do") {
  Topology t = spec_example();
  t.networks[1].routes.clear();
  t.data_sources[0].whitelist = std::vector<Cidr>{cidr("192.0.2.0/24")};
  auto p = plan_all(t).at(0);
  CHECK(p.status == PairStatus::needs_changes);
  std::vector<std::string> todo;
  for (const auto& st : p.steps)
    if (!st.done) todo.emplace_back(to_string(st.action));
  CHECK(todo == std::vector<std::string>{"add_network_route", "add_whitelist"});
  std::ostringstream out;
  auto r = make_plan_renderer("markdown", out, t);
  r->begin();
  r->pair(p);
  r->end();
  CHECK(out.str().find("rg-exclusive") != std::string::npos);
}
