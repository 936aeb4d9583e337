// `plan --format terraform|aliyun`: the handlers per step action, references between what one
// file creates, refs from an import against ids alone, the override stream, and the explicit path
// for a step no handler knows. (The HCL's syntax and the round trip are checked with HashiCorp's
// parser in tests/integration/import_roundtrip.sh.)
#include <doctest/doctest.h>

#include <sstream>

#include "loader.hpp"
#include "render_code.hpp"

using namespace syncpath;

namespace {

const char* kTopology = R"(version: 1
workspace: {name: ws, account: main, region: cn-hangzhou}
networks:
  - id: vpc-a1
    kind: vpc
    account: main
    region: cn-hangzhou
    cidr: 10.1.0.0/16
    vswitches: [{id: vsw-a1, zone: cn-hangzhou-h, cidr: 10.1.1.0/24}]
  - {id: idc-1, kind: data_center, cidr: 192.168.0.0/16}
links:
  - {id: vco-1, kind: vpn_gateway, between: [vpc-a1, idc-1]}
resource_groups:
  - {id: rg-s, kind: serverless, attachments: [{network: vpc-a1, vswitch: vsw-a1}]}
data_sources:
  - name: orders
    type: mysql
    instance: {kind: rds, id: rm-a1orders}
    network: vpc-a1
    vswitch: vsw-a1
    endpoint: {ip: 10.1.1.5, port: 3306}
    whitelist: [10.9.0.0/24]
)";

Topology topology() {
  LoadResult r = load_topology_text(kTopology, "t.yaml");
  REQUIRE(r.ok());
  return *r.topology;
}

PlanStep step(const std::string& action, std::string detail) {
  PlanStep s;
  auto a = parse_step_action(action);
  REQUIRE_MESSAGE(a, "not a step action: " << action);
  s.action = *a;
  s.detail = std::move(detail);
  return s;
}

PairPlan pair_with(std::vector<PlanStep> steps) {
  PairPlan p;
  p.resource_group = "rg-s";
  p.data_source = "orders";
  p.status = PairStatus::needs_changes;
  p.steps = std::move(steps);
  return p;
}

std::string render(const char* format, const Topology& t, const std::vector<PairPlan>& pairs, const CloudRefs* refs = nullptr,
                   std::ostringstream* overrides = nullptr) {
  std::ostringstream out;
  auto r = std::string(format) == "terraform" ? make_terraform_renderer(out, t, refs, overrides) : make_aliyun_renderer(out, t, refs);
  r->begin();
  for (const auto& p : pairs) r->pair(p);
  r->end();
  return out.str();
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a step of an action no handler knows comes out with its detail, never silently") {
  Topology t = topology();
  // (grant_cen_instance has no handler in either renderer yet.)
  auto p = pair_with({step("grant_cen_instance", "in acct-b, authorize the CEN of acct-a to attach vpc-b1")});
  std::string tf = render("terraform", t, {p});
  std::string sh = render("aliyun", t, {p});
  CHECK(has(tf, "# grant_cen_instance: in acct-b, authorize the CEN of acct-a to attach vpc-b1"));
  CHECK(has(tf, "the alicloud provider has no resource for grant_cen_instance"));
  CHECK(has(sh, "no API call is known for this step"));
}

TEST_CASE("what one file creates, later steps refer to: a new VPC and the attachment to it") {
  Topology t = topology();
  PlanStep vpc = step("create_vpc", "create a VPC");
  vpc.network = "vpc-syncpath-cn-hangzhou";
  vpc.vswitch = "vsw-syncpath-cn-hangzhou";
  vpc.cidr = Cidr::parse("10.2.0.0/16");
  vpc.destination = Cidr::parse("10.2.0.0/24");
  PlanStep attach = step("attach_vpc", "associate rg-s with the new VPC");
  attach.network = vpc.network;
  attach.vswitch = vpc.vswitch;
  attach.resource_group = "rg-s";
  auto p = pair_with({vpc, attach});
  std::string tf = render("terraform", t, {p});
  CHECK(has(tf, "resource \"alicloud_vpc\" \"syncpath_vpc_syncpath_cn_hangzhou\""));
  CHECK(has(tf, "vpc_id               = alicloud_vpc.syncpath_vpc_syncpath_cn_hangzhou.id"));
  CHECK(has(tf, "vswitch_id           = alicloud_vswitch.syncpath_vsw_syncpath_cn_hangzhou.id"));
  CHECK(has(tf, "dw_resource_group_id = var.resource_group_rg_s_id"));  // no id known for rg-s: asked for
  std::string sh = render("aliyun", t, {p});
  CHECK(has(sh, "VPC_vpc_syncpath_cn_hangzhou=$(aliyun vpc CreateVpc --RegionId cn-hangzhou --CidrBlock 10.2.0.0/16"));
  CHECK(has(sh, "--VpcId \"$VPC_vpc_syncpath_cn_hangzhou\""));
  CHECK_FALSE(has(sh, ": \"${VPC_vpc_syncpath_cn_hangzhou:?"));  // assigned by the script, not asked
  CHECK(has(sh, ": \"${GROUP_rg_s:?set GROUP_rg_s to the id of resource group rg-s}\""));
}

TEST_CASE("a route entry: by address with an import's refs, by lookup with ids alone") {
  Topology t = topology();
  PlanStep route = step("add_network_route", "add a route 192.168.0.0/16 via vco-1 to vpc-a1's route table");
  route.network = "vpc-a1";
  route.link = "vco-1";
  route.destination = Cidr::parse("192.168.0.0/16");
  auto p = pair_with({route});
  std::string bare = render("terraform", t, {p});
  CHECK(has(bare, "data \"alicloud_vpcs\" \"vpc_a1\""));
  CHECK(has(bare, "route_table_id        = data.alicloud_vpcs.vpc_a1.vpcs.0.route_table_id"));
  CHECK(has(bare, "nexthop_id            = var.vpn_gateway_vco_1_id"));
  CloudRefs refs;
  refs.at(RefKind::network, "vpc-a1").address = "alicloud_vpc.a";
  refs.at(RefKind::link, "vco-1").attrs["vpn_gateway_id"] = "vpn-a1gw";
  std::string with = render("terraform", t, {p}, &refs);
  CHECK(has(with, "route_table_id        = alicloud_vpc.a.route_table_id"));
  CHECK(has(with, "nexthop_id            = \"vpn-a1gw\""));
  CHECK(has(render("aliyun", t, {p}, &refs), "--NextHopType VpnGateway --NextHopId vpn-a1gw"));
  SUBCASE("a route in the data center is work on the user's own router") {
    PlanStep back = route;
    back.network = "idc-1";
    back.destination = Cidr::parse("10.1.1.0/24");
    std::string tf = render("terraform", t, {pair_with({back})});
    CHECK_FALSE(has(tf, "resource \"alicloud_route_entry\""));
    CHECK(has(tf, "on idc-1's own router or VPN customer gateway"));
  }
}

TEST_CASE("whitelist entries of a Terraform-managed RDS instance merge into one override block") {
  Topology t = topology();
  auto wl = [](const char* cidr) {
    PlanStep s = step("add_whitelist", std::string("add ") + cidr + " to the whitelist of orders");
    s.data_source = "orders";
    s.cidr = Cidr::parse(cidr);
    return s;
  };
  std::vector<PairPlan> pairs{pair_with({wl("10.1.1.0/24")}), pair_with({wl("192.168.3.10/32")})};
  CloudRefs refs;
  refs.at(RefKind::source, "orders").address = "module.db.alicloud_db_instance.orders";
  std::ostringstream overrides;
  std::string tf = render("terraform", t, pairs, &refs, &overrides);
  CHECK_FALSE(has(tf, "alicloud_db_instance"));
  CHECK(has(overrides.str(), "# syncpath-address: module.db.alicloud_db_instance.orders"));
  CHECK(has(overrides.str(), "resource \"alicloud_db_instance\" \"orders\" {\n  security_ips = [\"10.9.0.0/24\", \"10.1.1.0/24\", \"192.168.3.10\"]\n}"));
  SUBCASE("without the address, the API call in a comment") {
    std::string bare = render("terraform", t, pairs);
    CHECK(has(bare, "#   aliyun rds ModifySecurityIps --RegionId cn-hangzhou --DBInstanceId rm-a1orders --SecurityIps 10.1.1.0/24,192.168.3.10 --ModifyMode Append"));
  }
}

TEST_CASE("a plan with nothing to do says so") {
  Topology t = topology();
  PairPlan ready;
  ready.resource_group = "rg-s";
  ready.data_source = "orders";
  CHECK(has(render("terraform", t, {ready}), "# Nothing to do."));
  CHECK(has(render("aliyun", t, {ready}), "# Nothing to do."));
}
