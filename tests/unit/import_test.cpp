// `syncpath import`: the Terraform JSON and aliyun OpenAPI readers on the fixtures of
// tests/data/import/ (worlds written from the formats, not copied from real outputs), the
// defaults and their warnings, the overlay, secrets, bad input, and the CLI around them.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app.hpp"
#include "import.hpp"
#include "loader.hpp"
#include "plan.hpp"

namespace fs = std::filesystem;
using namespace syncpath;

namespace {

const std::string kData = std::string(SYNCPATH_SOURCE_DIR) + "/tests/data/import/";

bool has_code(const Diagnostics& d, const std::string& code, Severity sev) {
  for (const auto& x : d.items())
    if (x.code == code && x.severity == sev) return true;
  return false;
}

std::string all_messages(const Diagnostics& d) {
  std::string out;
  for (const auto& x : d.items()) out += x.pos.file + ":" + std::to_string(x.pos.line) + ": " + x.message + " [" + x.code + "]\n";
  return out;
}

const Network& net(const Topology& t, const std::string& id) {
  const Network* n = t.find_network(id);
  REQUIRE_MESSAGE(n, "no network " << id);
  return *n;
}

import::ImportResult tf(const std::string& file, import::ImportOptions o = {}) {
  return import::import_terraform_file(kData + file, o);
}

struct Run {
  int rc;
  std::string out, err;
};

Run syncpath_cli(std::vector<std::string> args) {
  std::vector<const char*> argv{"syncpath"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {rc, out.str(), err.str()};
}

fs::path temp_dir() {
  static int n = 0;
  fs::path d = fs::temp_directory_path() / ("syncpath-import-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("a Terraform state of two regions over CEN imports into a topology that validates") {
  auto r = tf("cen-two-regions.state.json");
  INFO(all_messages(r.diagnostics));
  REQUIRE(r.ok);
  const Topology& t = *r.topology;
  SUBCASE("networks, from the root module and a child module, regions from zone ids") {
    CHECK(net(t, "vpc-hz1example").region == "cn-hangzhou");
    CHECK(net(t, "vpc-bj1example").region == "cn-beijing");
    CHECK(net(t, "vpc-bj1example").find_vswitch("vsw-bj1db") != nullptr);
  }
  SUBCASE("the two CEN attachments become one cen link between the VPCs") {
    REQUIRE(t.links.size() == 1);
    CHECK(t.links[0].kind == LinkKind::cen);
    CHECK(t.links[0].joins("vpc-hz1example", "vpc-bj1example"));
  }
  SUBCASE("the DataWorks group is a serverless group attached to its default VPC and vSwitch") {
    const ResourceGroup* g = t.find_group("Serverless_res_group_1example");
    REQUIRE(g);
    CHECK(g->kind == GroupKind::serverless);
    REQUIRE(g->attachments.size() == 1);
    CHECK(g->attachments[0].network == "vpc-hz1example");
    CHECK(g->attachments[0].vswitch == "vsw-hz1a");
  }
  SUBCASE("the RDS instance keeps its engine, address, port and whitelist") {
    const DataSource* s = t.find_source("rm-bj1orders");
    REQUIRE(s);
    CHECK(s->type == SourceType::mysql);
    CHECK(s->instance_kind == InstanceKind::rds);
    CHECK(s->endpoint->ip->str() == "10.20.1.5");
    CHECK(s->endpoint->port == 3306);
    REQUIRE(s->whitelist);
    CHECK((*s->whitelist)[0].str() == "127.0.0.1/32");
  }
  SUBCASE("every item names its source in a comment") {
    CHECK(r.yaml.find("{id: vsw-hz1a, zone: cn-hangzhou-h, cidr: 172.16.1.0/24}  # alicloud_vswitch.hz_a") != std::string::npos);
    CHECK(r.yaml.find("- id: vpc-bj1example  # module.bj.alicloud_vpc.main") != std::string::npos);
    CHECK(r.yaml.find("- name: rm-bj1orders  # module.bj.alicloud_db_instance.orders") != std::string::npos);
  }
  SUBCASE("an account's password in the state is never written nor printed") {
    CHECK(r.yaml.find("Plain-Secret-7f3a9c") == std::string::npos);
    CHECK(all_messages(r.diagnostics).find("Plain-Secret-7f3a9c") == std::string::npos);
    CHECK(has_code(r.diagnostics, "unsupported-resource", Severity::warning));
    CHECK(all_messages(r.diagnostics).find("module.bj.alicloud_db_account.sync") != std::string::npos);
  }
  SUBCASE("the defaults are warned about") {
    CHECK(t.workspace.region == "cn-hangzhou");  // the DataWorks group's VPC's
    CHECK(t.workspace.account == "main");
    CHECK(all_messages(r.diagnostics).find("that of the DataWorks resource group's VPC") != std::string::npos);
    CHECK(all_messages(r.diagnostics).find("one account, 'main', stands for all of them") != std::string::npos);
  }
  SUBCASE("the refs keep the real resources behind the items") {
    const CloudRef* vpc = r.refs.find(RefKind::network, "vpc-hz1example");
    REQUIRE(vpc);
    CHECK(vpc->address == "alicloud_vpc.hz");
    CHECK(vpc->attr("route_table_id") == "vtb-hz1example");
    const CloudRef* db = r.refs.find(RefKind::source, "rm-bj1orders");
    REQUIRE(db);
    CHECK(db->address == "module.bj.alicloud_db_instance.orders");
  }
}

TEST_CASE("a plan's unknown values are resolved through the configuration's references") {
  auto r = tf("unknowns.plan.json");
  INFO(all_messages(r.diagnostics));
  REQUIRE(r.ok);
  const Topology& t = *r.topology;
  SUBCASE("format_version 0.2 is read") { CHECK(r.summary.format_version == "0.2"); }
  SUBCASE("a resource the plan creates is known by its address, and references to it follow") {
    const Network& bj = net(t, "alicloud_vpc.bj");
    CHECK(bj.region == "cn-beijing");  // the provider alias's region
    CHECK(bj.find_vswitch("alicloud_vswitch.bj_db") != nullptr);
    const DataSource* s = t.find_source("alicloud_db_instance.inventory");
    REQUIRE(s);
    CHECK(s->network == "alicloud_vpc.bj");
    CHECK(s->vswitch == "alicloud_vswitch.bj_db");
  }
  SUBCASE("the provider's assumed role says the account") { CHECK(net(t, "alicloud_vpc.bj").account == "1234567890123456"); }
  SUBCASE("an unknown address gets a placeholder that never resolves, and a warning") {
    CHECK(t.find_source("alicloud_db_instance.inventory")->endpoint->host == "alicloud-db-instance-inventory.pending.invalid");
    CHECK(has_code(r.diagnostics, "unknown-value", Severity::warning));
  }
  SUBCASE("a value unknown with no resource behind it leaves the item out, warned") {
    CHECK(net(t, "alicloud_vpc.bj").vswitches.size() == 1);
    CHECK(all_messages(r.diagnostics).find("alicloud_vswitch.bj_extra: cidr_block is not known until apply") != std::string::npos);
  }
  SUBCASE("duplicated and deposed changes count once; deleted resources are gone") {
    CHECK(has_code(r.diagnostics, "duplicate-change", Severity::warning));
    CHECK(net(t, "vpc-hz2example").find_vswitch("alicloud_vswitch.hz_b") != nullptr);
    CHECK(net(t, "vpc-hz2example").find_vswitch("vsw-hz2bold") == nullptr);
    CHECK(net(t, "vpc-hz2example").find_vswitch("vsw-hz2gone") == nullptr);
    CHECK(r.yaml.find("Plan-Secret-4e1b") == std::string::npos);
  }
  SUBCASE("plan reads it: the cross-account pair over CEN") {
    auto p = plan_pair(t, "Serverless_res_group_6example", "alicloud_db_instance.inventory");
    REQUIRE(p);
    CHECK(p->relation == "vpc_cross_account");
  }
}

TEST_CASE("bad Terraform input is an error naming the reason, never a crash") {
  auto text = [](const std::string& json) { return import::import_terraform_text(json, "in.json", {}); };
  SUBCASE("garbage") {
    auto r = text("{\"format_version\": \"1.0\",\n  \"values\": [}");
    CHECK_FALSE(r.ok);
    REQUIRE(has_code(r.diagnostics, "not-json", Severity::error));
    CHECK(r.diagnostics.items()[0].pos.line == 2);
  }
  SUBCASE("an unknown major version") {
    auto r = text(R"({"format_version": "2.0", "values": {}})");
    CHECK_FALSE(r.ok);
    CHECK(has_code(r.diagnostics, "unsupported-format-version", Severity::error));
  }
  SUBCASE("a raw .tfstate file") {
    auto r = text(R"({"version": 4, "terraform_version": "1.6.0", "resources": []})");
    CHECK(has_code(r.diagnostics, "not-terraform-json", Severity::error));
  }
  SUBCASE("a number no double holds (found by fuzz_aliyun) is an error, not an exception") {
    auto r = text(R"({"format_version": "1.0", "values": {"x": 1e999}})");
    CHECK(has_code(r.diagnostics, "not-json", Severity::error));
    auto a = import::import_aliyun_files({{"DescribeVpcs.json", R"({"Vpcs": {"Vpc": [{"VpcId": "vpc-1", "OwnerId": 9e9999}]}})"}}, {});
    CHECK(has_code(a.diagnostics, "not-json", Severity::error));
  }
  SUBCASE("JSON that is not an object") { CHECK(has_code(text("[1, 2]").diagnostics, "not-terraform-json", Severity::error)); }
  SUBCASE("wrong types where resources should be are skipped, not fatal") {
    auto r = text(R"({"format_version": "1.0", "values": {"root_module": {"resources": [1, {"address": 3}, {"address": "alicloud_vpc.x", "type": "alicloud_vpc", "values": {"cidr_block": 7}}]}}})");
    CHECK(has_code(r.diagnostics, "bad-value", Severity::warning));  // the CIDR 7
    CHECK(has_code(r.diagnostics, "no-region", Severity::error));    // nothing says a region
  }
}

TEST_CASE("a folder of aliyun responses: a data center over VPN, with a custom group from an overlay") {
  import::ImportOptions o;
  o.overlay = kData + "vpn-data-center/overlay.yaml";
  auto r = import::import_aliyun_dir(kData + "vpn-data-center/aliyun", o);
  INFO(all_messages(r.diagnostics));
  REQUIRE(r.ok);
  const Topology& t = *r.topology;
  SUBCASE("the customer gateway is a data center whose ranges are the connection's remote subnets") {
    const Network& dc = net(t, "cgw-sh1idc");
    CHECK(dc.kind == NetworkKind::data_center);
    REQUIRE(dc.cidrs.size() == 2);
    CHECK(dc.cidrs[0].str() == "192.168.0.0/16");
  }
  SUBCASE("routes both ways over the VPN connection") {
    REQUIRE(net(t, "vpc-sh1example").routes.size() == 1);
    CHECK(net(t, "vpc-sh1example").routes[0].via == "vco-sh1idc");
    REQUIRE(net(t, "cgw-sh1idc").routes.size() == 1);
    CHECK(net(t, "cgw-sh1idc").routes[0].destination.str() == "172.20.0.0/16");
  }
  SUBCASE("secondary CIDR, owner id mapped by the overlay") {
    CHECK(net(t, "vpc-sh1example").cidrs.size() == 2);
    CHECK(net(t, "vpc-sh1example").account == "acct-main");
  }
  SUBCASE("the group's routes from ListRoutes, less the one to its own vSwitch") {
    const ResourceGroup* g = t.find_group("Serverless_res_group_2example");
    REQUIRE(g);
    REQUIRE(g->routes.size() == 1);
    CHECK(g->routes[0].destination.str() == "192.168.0.0/16");
  }
  SUBCASE("the RDS instance from three calls: engine, private and public address, every whitelist") {
    const DataSource* s = t.find_source("rm-sh1crm");
    REQUIRE(s);
    CHECK(s->type == SourceType::postgresql);
    CHECK(s->endpoint->ip->str() == "172.20.2.30");
    REQUIRE(s->public_endpoint);
    CHECK(s->whitelist->size() == 3);
    CHECK(s->database == "crm");  // from the overlay
    CHECK(s->password.kind == SecretRef::Kind::env);
  }
  SUBCASE("the overlay's custom group and data center source") {
    const ResourceGroup* g = t.find_group("rg-idc");
    REQUIRE(g);
    CHECK(g->kind == GroupKind::custom);
    CHECK(t.workspace.edition == Edition::professional);
    CHECK(t.find_source("erp_pg") != nullptr);
  }
  SUBCASE("the overlay's literal password is dropped and never echoed") {
    CHECK(has_code(r.diagnostics, "secret-dropped", Severity::warning));
    CHECK(r.yaml.find("hunter2-literal") == std::string::npos);
    CHECK(all_messages(r.diagnostics).find("hunter2-literal") == std::string::npos);
  }
  SUBCASE("a scheduling-only resource group is skipped, warned") {
    CHECK(t.find_group("S_res_group_3example") == nullptr);
    CHECK(all_messages(r.diagnostics).find("ExclusiveScheduler") != std::string::npos);
  }
}

TEST_CASE("aliyun responses: raw bodies and --pager output read the same; pages and errors are reported") {
  const std::string item = R"({"VpcId": "vpc-x1", "RegionId": "cn-hangzhou", "CidrBlock": "10.1.0.0/16"})";
  const std::string raw = R"({"RequestId": "R1", "TotalCount": 1, "PageNumber": 1, "PageSize": 10, "Vpcs": {"Vpc": [)" + item + "]}}";
  const std::string pager = R"({"Vpcs": {"Vpc": [)" + item + "]}}";
  auto raw_r = import::import_aliyun_files({{"DescribeVpcs.json", raw}}, {});
  auto pager_r = import::import_aliyun_files({{"DescribeVpcs.json", pager}}, {});
  REQUIRE(raw_r.ok);
  REQUIRE(pager_r.ok);
  CHECK(raw_r.yaml == pager_r.yaml);
  SUBCASE("one page of several") {
    std::string page = R"({"TotalCount": 120, "PageNumber": 1, "PageSize": 50, "Vpcs": {"Vpc": [)" + item + "]}}";
    auto r = import::import_aliyun_files({{"DescribeVpcs.json", page}}, {});
    CHECK(has_code(r.diagnostics, "incomplete-pages", Severity::warning));
  }
  SUBCASE("an error response") {
    auto r = import::import_aliyun_files({{"DescribeVpcs.json", R"({"Code": "Forbidden.RAM", "Message": "not authorized", "RequestId": "R"})"}}, {});
    CHECK_FALSE(r.ok);
    CHECK(has_code(r.diagnostics, "api-error-response", Severity::error));
  }
  SUBCASE("the wrong shape for its name") {
    auto r = import::import_aliyun_files({{"DescribeVSwitches.json", pager}}, {});
    CHECK(has_code(r.diagnostics, "not-an-api-response", Severity::error));
  }
  SUBCASE("a file named after no known call is skipped, with the nearest name") {
    auto r = import::import_aliyun_files({{"DescribeVpcs.json", pager}, {"DescribeVswitch.json", "{}"}}, {});
    CHECK(has_code(r.diagnostics, "unknown-api-call", Severity::warning));
    CHECK(all_messages(r.diagnostics).find("did you mean DescribeVSwitches") != std::string::npos);
  }
  SUBCASE("a per-instance call without its instance in the file name") {
    auto r = import::import_aliyun_files({{"DescribeDBInstanceNetInfo.json", R"({"DBInstanceNetInfos": {"DBInstanceNetInfo": []}})"}}, {});
    CHECK(has_code(r.diagnostics, "missing-instance-id", Severity::error));
  }
}

TEST_CASE("import defaults: the workspace's region, the account, flags winning over them") {
  const std::string vpcs = R"({"Vpcs": {"Vpc": [
    {"VpcId": "vpc-a1", "RegionId": "cn-hangzhou", "CidrBlock": "10.1.0.0/16"},
    {"VpcId": "vpc-b1", "RegionId": "cn-beijing", "CidrBlock": "10.2.0.0/16"}]}})";
  SUBCASE("several regions and no DataWorks group: the first, warned") {
    auto r = import::import_aliyun_files({{"DescribeVpcs.json", vpcs}}, {});
    REQUIRE(r.ok);
    CHECK(r.topology->workspace.region == "cn-hangzhou");
    CHECK(all_messages(r.diagnostics).find("spans cn-hangzhou, cn-beijing") != std::string::npos);
  }
  SUBCASE("flags") {
    import::ImportOptions o;
    o.workspace_region = "cn-beijing";
    o.workspace_name = "ws-x";
    o.account = "acct-ops";
    o.edition = "enterprise";
    auto r = import::import_aliyun_files({{"DescribeVpcs.json", vpcs}}, o);
    REQUIRE(r.ok);
    CHECK(r.topology->workspace.region == "cn-beijing");
    CHECK(r.topology->workspace.name == "ws-x");
    CHECK(r.topology->workspace.edition == Edition::enterprise);
    CHECK(net(*r.topology, "vpc-a1").account == "acct-ops");  // no OwnerId in the response
  }
  SUBCASE("a bad edition is an error") {
    import::ImportOptions o;
    o.edition = "gold";
    CHECK(has_code(import::import_aliyun_files({{"DescribeVpcs.json", vpcs}}, o).diagnostics, "bad-option", Severity::error));
  }
}

TEST_CASE("a NAT for Internet sources, and a database on an ECS instance the overlay names") {
  import::ImportOptions o;
  o.overlay = kData + "nat-internet.overlay.yaml";
  auto r = tf("nat-internet.state.json", o);
  INFO(all_messages(r.diagnostics));
  REQUIRE(r.ok);
  const Topology& t = *r.topology;
  SUBCASE("the NAT gateway with its SNAT entry's EIP is the VPC's Internet NAT") {
    REQUIRE(net(t, "vpc-app1example").internet_nat);
    CHECK(net(t, "vpc-app1example").internet_nat->snat_eip->str() == "198.51.100.77");
    CHECK_FALSE(net(t, "vpc-legacy1example").internet_nat);
  }
  SUBCASE("the instance gives the source its network, address and security group rules") {
    const DataSource* s = t.find_source("reports_pg");
    REQUIRE(s);
    CHECK(s->network == "vpc-app1example");
    CHECK(s->endpoint->ip->str() == "10.30.2.40");
    CHECK(s->endpoint->port == 5432);
    REQUIRE(s->security_group);
    REQUIRE(s->security_group->size() == 1);
    CHECK(s->security_group->at(0).port == 22);
    CHECK(r.refs.find(RefKind::source, "reports_pg")->attr("security_group_id") == "sg-app1db");
  }
  SUBCASE("the instance's root password is never written") { CHECK(r.yaml.find("Ecs-Root-Pass-91d2") == std::string::npos); }
}

TEST_CASE("every imported world validates as written, with syncpath validate") {
  const fs::path dir = temp_dir();
  struct World {
    std::vector<std::string> args;
  };
  std::vector<World> worlds{
      {{"import", "terraform", kData + "cen-two-regions.state.json"}},
      {{"import", "terraform", kData + "unknowns.plan.json"}},
      {{"import", "terraform", kData + "nat-internet.state.json", "--overlay", kData + "nat-internet.overlay.yaml"}},
      {{"import", "aliyun", kData + "vpn-data-center/aliyun", "--overlay", kData + "vpn-data-center/overlay.yaml"}},
  };
  int i = 0;
  for (auto w : worlds) {
    std::string out = (dir / ("w" + std::to_string(i++) + ".yaml")).string();
    w.args.push_back("--output");
    w.args.push_back(out);
    Run imp = syncpath_cli(w.args);
    INFO(w.args[2] << "\n" << imp.err);
    CHECK(imp.rc == 0);
    Run val = syncpath_cli({"validate", out});
    INFO(val.err);
    CHECK(val.rc == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("the import command: output file, exit codes, --from on validate and plan") {
  const fs::path dir = temp_dir();
  const std::string state = kData + "cen-two-regions.state.json";
  SUBCASE("YAML to standard output, the summary and warnings on standard error") {
    Run r = syncpath_cli({"import", "terraform", state});
    CHECK(r.rc == 0);
    CHECK(r.out.find("version: 1") != std::string::npos);
    CHECK(r.err.find("imported 11 resources") != std::string::npos);
  }
  SUBCASE("bad input: exit 2, nothing written") {
    std::string bad = (dir / "bad.json").string();
    std::ofstream(bad) << "not json";
    std::string out = (dir / "out.yaml").string();
    Run r = syncpath_cli({"import", "terraform", bad, "--output", out});
    CHECK(r.rc == 2);
    CHECK_FALSE(fs::exists(out));
    CHECK(r.err.find("not valid JSON") != std::string::npos);
  }
  SUBCASE("a missing file and a missing folder") {
    CHECK(syncpath_cli({"import", "terraform", (dir / "none.json").string()}).rc == 2);
    CHECK(syncpath_cli({"import", "aliyun", (dir / "none").string()}).rc == 2);
  }
  SUBCASE("--format json needs --output and prints a schema_version") {
    CHECK(syncpath_cli({"import", "terraform", state, "--format", "json"}).rc == 2);
    Run r = syncpath_cli({"import", "terraform", state, "--format", "json", "--output", (dir / "j.yaml").string()});
    CHECK(r.rc == 0);
    CHECK(r.out.find("\"schema_version\": 1") != std::string::npos);
    CHECK(fs::exists(dir / "j.yaml"));
  }
  SUBCASE("validate and plan read the Terraform JSON directly") {
    CHECK(syncpath_cli({"validate", "--from", "terraform", state}).rc == 0);
    Run p = syncpath_cli({"plan", "--from", "terraform", state});
    CHECK(p.rc == 1);  // the pair needs a whitelist entry and a group route
    CHECK(p.out.find("[todo] add_whitelist: add 172.16.1.0/24 to the whitelist of rm-bj1orders") != std::string::npos);
    CHECK(syncpath_cli({"plan", "--from", "terraform", state, "--fix", (dir / "f.yaml").string()}).rc == 2);
  }
  SUBCASE("--from with garbage is exit 2 with the reason") {
    std::string bad = (dir / "bad2.json").string();
    std::ofstream(bad) << "{\"format_version\": \"3.1\"}";
    Run r = syncpath_cli({"validate", "--from", "terraform", bad});
    CHECK(r.rc == 2);
    CHECK(r.err.find("unsupported-format-version") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("aliyun responses: NAT with SNAT and EIP, CEN children, a security group, an instance, a DB attribute") {
  const std::string vpcs = R"({"Vpcs": {"Vpc": [
    {"VpcId": "vpc-n1", "RegionId": "cn-hangzhou", "CidrBlock": "10.60.0.0/16", "OwnerId": 1111222233334444},
    {"VpcId": "vpc-n2", "RegionId": "cn-beijing", "CidrBlock": "10.61.0.0/16", "OwnerId": 5555666677778888}]}})";
  const std::string vsws = R"({"VSwitches": {"VSwitch": [
    {"VSwitchId": "vsw-n1a", "VpcId": "vpc-n1", "ZoneId": "cn-hangzhou-h", "CidrBlock": "10.60.1.0/24"},
    {"VSwitchId": "vsw-n2a", "VpcId": "vpc-n2", "ZoneId": "cn-beijing-c", "CidrBlock": "10.61.1.0/24"}]}})";
  const std::string nats = R"({"NatGateways": {"NatGateway": [
    {"NatGatewayId": "ngw-n1", "VpcId": "vpc-n1", "NetworkType": "internet", "NatType": "Enhanced",
     "NatGatewayPrivateInfo": {"VswitchId": "vsw-n1a"}, "SnatTableIds": {"SnatTableId": ["stb-n1"]},
     "IpLists": {"IpList": [{"IpAddress": "203.0.113.90", "AllocationId": "eip-n1"}]}}]}})";
  const std::string snats = R"({"SnatTableEntries": {"SnatTableEntry": [
    {"SnatTableId": "stb-n1", "SnatEntryId": "snat-1", "SourceVSwitchId": "vsw-n1a", "SnatIp": "203.0.113.91,203.0.113.92"}]}})";
  const std::string eips = R"({"EipAddresses": {"EipAddress": [
    {"AllocationId": "eip-n1", "IpAddress": "203.0.113.90", "InstanceId": "ngw-n1", "InstanceType": "Nat"}]}})";
  const std::string cen = R"({"ChildInstances": {"ChildInstance": [
    {"CenId": "cen-n1", "ChildInstanceId": "vpc-n1", "ChildInstanceType": "VPC", "ChildInstanceRegionId": "cn-hangzhou", "ChildInstanceOwnerId": 1111222233334444},
    {"CenId": "cen-n1", "ChildInstanceId": "vpc-n2", "ChildInstanceType": "VPC", "ChildInstanceRegionId": "cn-beijing", "ChildInstanceOwnerId": 5555666677778888}]}})";
  const std::string sg = R"({"SecurityGroupId": "sg-n2", "VpcId": "vpc-n2", "RegionId": "cn-beijing",
    "Permissions": {"Permission": [
      {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "1/65535", "SourceCidrIp": "10.60.1.0/24", "Policy": "Accept"},
      {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "5432/5432", "SourceCidrIp": "0.0.0.0/0", "Policy": "Drop"},
      {"Direction": "egress", "IpProtocol": "ALL", "PortRange": "-1/-1", "DestCidrIp": "0.0.0.0/0", "Policy": "Accept"}]}})";
  const std::string instances = R"({"Instances": {"Instance": [
    {"InstanceId": "i-n2pg", "RegionId": "cn-beijing", "ZoneId": "cn-beijing-c",
     "VpcAttributes": {"VpcId": "vpc-n2", "VSwitchId": "vsw-n2a", "PrivateIpAddress": {"IpAddress": ["10.61.1.40"]}},
     "SecurityGroupIds": {"SecurityGroupId": ["sg-n2"]}}]}})";
  const std::string db_attr = R"({"Items": {"DBInstanceAttribute": [
    {"DBInstanceId": "rm-n2", "Engine": "MySQL", "VpcId": "vpc-n2", "VSwitchId": "vsw-n2a", "RegionId": "cn-beijing",
     "ConnectionString": "rm-n2.mysql.rds.example", "Port": "3306"}]}})";
  const fs::path dir = temp_dir();
  std::ofstream(dir / "overlay.yaml") << "owners: {\"1111222233334444\": acct-a, \"5555666677778888\": acct-b}\n"
                                         "data_sources:\n  - {name: pg_on_ecs, type: postgresql, instance: {kind: ecs, id: i-n2pg}, endpoint: {port: 5432}}\n";
  import::ImportOptions o;
  o.overlay = (dir / "overlay.yaml").string();
  auto r = import::import_aliyun_files({{"DescribeVpcs.json", vpcs}, {"DescribeVSwitches.json", vsws}, {"DescribeNatGateways.json", nats},
                                        {"DescribeSnatTableEntries.json", snats}, {"DescribeEipAddresses.json", eips},
                                        {"DescribeCenAttachedChildInstances.cen-n1.json", cen},
                                        {"DescribeSecurityGroupAttribute.sg-n2.json", sg}, {"DescribeInstances.json", instances},
                                        {"DescribeDBInstanceAttribute.rm-n2.json", db_attr}},
                                       o);
  INFO(all_messages(r.diagnostics));
  REQUIRE(r.ok);
  const Topology& t = *r.topology;
  SUBCASE("the SNAT entry's first address is the NAT's egress") {
    REQUIRE(net(t, "vpc-n1").internet_nat);
    CHECK(net(t, "vpc-n1").internet_nat->snat_eip->str() == "203.0.113.91");
    CHECK(r.refs.find(RefKind::network, "vpc-n1")->attr("snat_table_id") == "stb-n1");
  }
  SUBCASE("the CEN's children, of two accounts the overlay names") {
    REQUIRE(t.links.size() == 1);
    CHECK(t.links[0].id == "cen-n1");
    CHECK(net(t, "vpc-n2").account == "acct-b");
  }
  SUBCASE("the instance's security group: the accepting ingress range holding the port; drops and egress are not") {
    const DataSource* s = t.find_source("pg_on_ecs");
    REQUIRE(s);
    CHECK(s->endpoint->ip->str() == "10.61.1.40");
    REQUIRE(s->security_group->size() == 1);
    CHECK(s->security_group->at(0).port == 5432);
    CHECK(s->security_group->at(0).source.str() == "10.60.1.0/24");
  }
  SUBCASE("DescribeDBInstanceAttribute alone describes an instance, its whitelist unknown and warned") {
    const DataSource* s = t.find_source("rm-n2");
    REQUIRE(s);
    CHECK(s->endpoint->host == "rm-n2.mysql.rds.example");
    CHECK_FALSE(s->whitelist);
    CHECK(all_messages(r.diagnostics).find("include DescribeDBInstanceIPArrayList.rm-n2.json") != std::string::npos);
  }
  fs::remove_all(dir);
}
