// The plan, diff and whichgroup commands in-process: formats, filters, exit codes, --fix, --rules.
#include <filesystem>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "fix.hpp"
#include "plan_test_util.hpp"

using namespace syncpath;
using namespace plan_test;

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run(std::vector<std::string> args) {
  args.insert(args.begin(), "syncpath");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("syncpath-plancli-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

const std::string kMatrix = source_path("tests/data/plan/matrix.yaml");

}  // namespace

TEST_CASE("plan exits 0 when every selected pair is ready, 1 on findings, 2 on bad input") {
  CHECK(run({"plan", kMatrix, "--rg", "rg-exclusive", "--source", "bj_db"}).code == 0);
  CHECK(run({"plan", kMatrix}).code == 1);  // classic and shared pairs are unsupported
  CHECK(run({"plan", kMatrix, "--rg", "rg-shared"}).code == 1);
  auto unknown = run({"plan", kMatrix, "--rg", "rg-nope"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("--rg rg-nope") != std::string::npos);
  CHECK(run({"plan", "/nonexistent/topology.yaml"}).code == 2);
  CHECK(run({"plan", kMatrix, "--format", "yaml"}).code == 2);
  TempDir dir;
  auto bad = run({"plan", dir.write("bad.yaml", "version: 1\nworkspace: {name: w}\n")});
  CHECK(bad.code == 2);
  CHECK(bad.err.find("bad.yaml:") != std::string::npos);  // diagnostics as validate prints them
}

TEST_CASE("plan --format json has the spec's keys, one object per pair, and parses") {
  auto r = run({"plan", kMatrix, "--format", "json", "--rg", "rg-exclusive"});
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["pairs"].size() == 8);
  const auto& p = doc["pairs"][2];
  CHECK(p["resource_group"] == "rg-exclusive");
  CHECK(p["data_source"] == "bj_db");
  CHECK(p["relation"] == "vpc_cross_region");
  CHECK(p["solution"] == "link_and_route");
  CHECK(p["status"] == "ready");
  CHECK(p["path"] == nlohmann::json::array({"rg-exclusive", "vpc-hz", "ec-hz-bj", "vpc-bj", "bj_db"}));
  CHECK(p["steps"][0]["action"] == "attach_vpc");
  CHECK(p["steps"][0]["done"] == true);
  CHECK(p["steps"][0].contains("detail"));
  CHECK(p["alternatives"].is_array());
  CHECK(p["notes"].is_array());
}

TEST_CASE("plan --format text marks steps done or to do, colours only when asked for a terminal") {
  auto r = run({"plan", kMatrix, "--rg", "rg-exclusive", "--source", "classic_db"});
  CHECK(r.out.find("rg-exclusive -> classic_db: unsupported (classic, unsupported)") != std::string::npos);
  CHECK(r.out.find("[todo] migrate_to_vpc") != std::string::npos);
  CHECK(r.out.find("\033[") == std::string::npos);  // not a terminal: no colour
  auto q = run({"plan", kMatrix, "--quiet", "--rg", "rg-exclusive"});
  CHECK(q.out.find("bj_db") == std::string::npos);  // ready pairs are left out with --quiet
  CHECK(q.out.find("classic_db") != std::string::npos);
}

TEST_CASE("plan --format markdown merges one action that fixes several pairs into one entry") {
  // Remove vpc-bj's way back: every group's path to bj_db needs the same route, listed once.
  TempDir dir;
  auto file = dir.write("t.yaml", edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", ""));
  auto r = run({"plan", file, "--format", "markdown"});
  CHECK(r.code == 1);
  const std::string entry = "Route Tables of `vpc-bj` > Add Route Entry: destination 172.16.0.0/16, next hop `ec-hz-bj`";
  auto at = r.out.find(entry);
  REQUIRE(at != std::string::npos);
  CHECK(r.out.find(entry, at + 1) == std::string::npos);
  auto line_end = r.out.find('\n', r.out.find("unblocks:", at));
  std::string unblocks = r.out.substr(r.out.find("unblocks:", at), line_end - r.out.find("unblocks:", at));
  CHECK(unblocks.find("rg-serverless → bj_db") != std::string::npos);
  CHECK(unblocks.find("rg-exclusive → bj_db") != std::string::npos);
}

TEST_CASE("plan --format dot draws the topology and colours each pair's path") {
  auto r = run({"plan", kMatrix, "--format", "dot", "--rg", "rg-exclusive"});
  CHECK(r.out.rfind("graph syncpath {", 0) == 0);
  CHECK(r.out.find("\"vpc-hz\" -- \"ec-hz-bj\" [color=green4") != std::string::npos);
  CHECK(r.out.find("\"rg-exclusive\" -- \"vpc-hz\" [color=green4") != std::string::npos);
  CHECK(r.out.back() == '\n');
}

TEST_CASE("plan --rules loads another rule folder; a broken one is bad input") {
  TempDir dir;
  dir.write("r.yaml", "version: 1\nsolutions: []\n");
  auto r = run({"plan", kMatrix, "--rules", dir.path.string()});
  CHECK(r.code == 2);
  CHECK(r.err.find("[missing-rule]") != std::string::npos);
  auto ok = run({"plan", kMatrix, "--rules", source_path("rules"), "--rg", "rg-exclusive", "--source", "bj_db"});
  CHECK(ok.code == 0);
}

TEST_CASE("plan --fix writes a topology in which the fixable steps are done") {
  TempDir dir;
  auto broken = edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", "");
  broken = edit(broken, "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
                "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n    whitelist: [192.0.2.0/24]");
  auto in = dir.write("in.yaml", broken);
  auto out = (dir.path / "fixed.yaml").string();
  auto r = run({"plan", in, "--fix", out, "--quiet"});
  CHECK(r.code == 1);  // the report is about the input
  REQUIRE(std::filesystem::exists(out));
  CHECK(run({"validate", out}).code == 0);
  auto after = run({"plan", out, "--format", "json"});
  auto doc = nlohmann::json::parse(after.out);
  for (const auto& p : doc["pairs"]) {
    CAPTURE(p["resource_group"].get<std::string>() + " " + p["data_source"].get<std::string>());
    CHECK(p["status"] != "needs_changes");
  }
}

TEST_CASE("diff lists what a change breaks and exits 1 when a pair got worse") {
  TempDir dir;
  auto old_file = dir.write("old.yaml", matrix_text());
  auto new_file = dir.write("new.yaml", edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", ""));
  auto worse = run({"diff", old_file, new_file});
  CHECK(worse.code == 1);
  CHECK(worse.out.find("rg-exclusive -> bj_db: changed, ready -> needs_changes (worse)") != std::string::npos);
  CHECK(worse.out.find("- [done] add_network_route") != std::string::npos);
  CHECK(worse.out.find("+ [todo] add_network_route") != std::string::npos);
  CHECK(worse.out.find("hz_db") == std::string::npos);  // unchanged pairs are not listed
  auto better = run({"diff", new_file, old_file, "--format", "json"});
  CHECK(better.code == 0);
  auto doc = nlohmann::json::parse(better.out);
  CHECK(doc["worse"] == 0);
  CHECK(doc["better"] == 2);  // serverless and exclusive to bj_db; the custom host returns over 192.168.0.0/16
  CHECK(run({"diff", old_file, old_file}).out.find("0 pairs changed") != std::string::npos);
  SUBCASE("added and removed sources") {
    auto fewer = dir.write("fewer.yaml", edit(matrix_text(), "  - name: results_local\n    type: sqlite\n    path: data/results.db\n", ""));
    auto r = run({"diff", old_file, fewer});
    CHECK(r.code == 0);
    CHECK(r.out.find("results_local: removed") != std::string::npos);
  }
  CHECK(run({"diff", old_file, "/nonexistent.yaml"}).code == 2);
}

TEST_CASE("whichgroup reports each task's group kind in text and json") {
  TempDir dir;
  auto log = dir.write("sync.log", "INFO running in Pipeline[basecommon_group_12_ecs]\nINFO done\n");
  auto r = run({"whichgroup", log});
  CHECK(r.code == 0);
  CHECK(r.out.find(":1: shared resource group (ECS cluster)") != std::string::npos);
  auto j = nlohmann::json::parse(run({"whichgroup", log, "--format", "json"}).out);
  CHECK(j["tasks"][0]["group_kind"] == "shared");
  CHECK(j["tasks"][0]["cluster"] == "ecs");
  CHECK(run({"whichgroup", dir.write("empty.log", "nothing\n")}).code == 1);
  CHECK(run({"whichgroup", "/nonexistent.log"}).code == 2);
}

TEST_CASE("--output to a pipe or device writes in place instead of replacing it with a file") {
  TempDir dir;
  auto fifo = (dir.path / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    received = s.str();
  });
  auto r = run({"plan", kMatrix, "--rg", "rg-exclusive", "--source", "bj_db", "--output", fifo});
  reader.join();
  CHECK(r.code == 0);
  CHECK(received.find("rg-exclusive -> bj_db: ready") != std::string::npos);
  CHECK(std::filesystem::is_fifo(fifo));
  CHECK_FALSE(std::filesystem::exists(fifo + ".partial"));
}

TEST_CASE("SYNCPATH_DIRECT_IO=off writes the same report through the page cache; an unknown value is bad input") {
  TempDir dir;
  auto file = (dir.path / "plan.json").string();
  REQUIRE(run({"plan", kMatrix, "--format", "json", "--output", file}).code == 1);
  const std::string direct = read_file(file);
  ::setenv("SYNCPATH_DIRECT_IO", "off", 1);
  auto cached = run({"plan", kMatrix, "--format", "json", "--output", file});
  ::setenv("SYNCPATH_DIRECT_IO", "maybe", 1);
  auto bad = run({"plan", kMatrix, "--format", "json", "--output", (dir.path / "other.json").string()});
  ::unsetenv("SYNCPATH_DIRECT_IO");
  CHECK(cached.code == 1);
  CHECK(read_file(file) == direct);
  CHECK(nlohmann::json::parse(direct)["pairs"].size() > 0);
  CHECK(bad.code == 2);
  CHECK(bad.err.find("SYNCPATH_DIRECT_IO=maybe") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "other.json"));
}

TEST_CASE("a plan whose report cannot be written fails with the reason and leaves FILE as it was") {
  // 15,000 pairs: about 10 MB of JSON, more than the writer's 4 MB blocks, so blocks are
  // written (and refused) while the pairs are planned, not only at the end.
  std::string yaml =
      "version: 1\n"
      "workspace: {name: ws, account: acct-0, region: cn-hangzhou, edition: enterprise, mode: standard}\n"
      "accounts:\n  - id: acct-0\n"
      "networks:\n"
      "  - id: vpc-0\n    kind: vpc\n    account: acct-0\n    region: cn-hangzhou\n    cidr: 10.0.0.0/8\n"
      "    vswitches:\n      - {id: vsw-a, zone: cn-hangzhou-a, cidr: 10.0.0.0/16}\n"
      "resource_groups:\n"
      "  - id: rg-0\n    kind: exclusive\n    region: cn-hangzhou\n"
      "    attachments: [{network: vpc-0, vswitch: vsw-a, scope: vpc}]\n"
      "data_sources:\n";
  for (int s = 0; s < 15000; ++s)
    yaml += "  - {name: src_" + std::to_string(s) + ", type: mysql, network: vpc-0, vswitch: vsw-a, endpoint: {ip: 10.0." +
            std::to_string(s / 250) + "." + std::to_string(s % 250 + 1) +
            ", port: 3306}, whitelist: [192.0.2.0/24], database: db, username: u, password: {env: SRC_PASSWORD}}\n";
  TempDir dir;
  auto topo = dir.write("many.yaml", yaml);
  auto file = dir.write("plan.json", "the previous report\n");
  // In a child: a file size limit of 1 MB makes the writes past it fail with EFBIG.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{1 << 20, 1 << 20};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto r = run({"plan", topo, "--format", "json", "--output", file});
    int code = r.code != 2                                                  ? 1
               : r.err.find("cannot write " + file + ": File too large") == std::string::npos ? 2
                                                                                              : 0;
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_file(file) == "the previous report\n");
  CHECK_FALSE(std::filesystem::exists(file + ".partial"));
  // Without the limit the same plan is written whole (exit 1: the whitelists leave the group out).
  REQUIRE(run({"plan", topo, "--format", "json", "--output", file}).code == 1);
  CHECK(nlohmann::json::parse(read_file(file))["pairs"].size() == 15000);
}

TEST_CASE("plan --format json is one document with schema_version, the warnings inside, and summary counts") {
  TempDir dir;
  // web_api loses its whitelist: a warning (not modelled), and the plan still runs.
  auto file = dir.write("warned.yaml", edit(matrix_text(), "    whitelist: any\n  - name: hz_db", "  - name: hz_db"));
  auto r = run({"plan", file, "--format", "json"});
  CHECK(r.code == 1);
  CHECK(r.err.empty());  // nothing on stderr: the warning is in the document
  auto doc = nlohmann::json::parse(r.out);  // throws if there were two documents
  CHECK(doc["schema_version"] == 1);
  REQUIRE(doc["diagnostics"].size() == 1);
  CHECK(doc["diagnostics"][0]["code"] == "whitelist-not-modelled");
  CHECK(doc["diagnostics"][0]["severity"] == "warning");
  std::size_t ready = 0, needs = 0, unsupported = 0;
  for (const auto& p : doc["pairs"]) {
    ready += p["status"] == "ready";
    needs += p["status"] == "needs_changes";
    unsupported += p["status"] == "unsupported";
    if (p["status"] == "unsupported") CHECK_FALSE(p["reason"].get<std::string>().empty());
    else CHECK_FALSE(p.contains("reason"));
  }
  CHECK(doc["summary"]["pairs"] == doc["pairs"].size());
  CHECK(doc["summary"]["ready"] == ready);
  CHECK(doc["summary"]["needs_changes"] == needs);
  CHECK(doc["summary"]["unsupported"] == unsupported);
  // Unusable input is one document too: schema_version and the errors, also for a bad --rg.
  auto bad = run({"plan", dir.write("bad.yaml", "version: 1\nworkspace: {name: w}\n"), "--format", "json"});
  CHECK(bad.code == 2);
  auto b = nlohmann::json::parse(bad.out);
  CHECK(b["schema_version"] == 1);
  CHECK(b["diagnostics"][0]["code"] == "missing-key");
  auto rg = run({"plan", kMatrix, "--format", "json", "--rg", "rg-nope"});
  CHECK(rg.code == 2);
  CHECK(nlohmann::json::parse(rg.out)["diagnostics"][0]["code"] == "unknown-resource-group");
}

TEST_CASE("every JSON output of the tool carries a schema_version") {
  TempDir dir;
  CHECK(nlohmann::json::parse(run({"validate", kMatrix, "--format", "json"}).out)["schema_version"] == 1);
  CHECK(nlohmann::json::parse(run({"diff", kMatrix, kMatrix, "--format", "json"}).out)["schema_version"] == 1);
  auto log = dir.write("sync.log", "INFO running in Pipeline[basecommon_group_12_ecs]\n");
  CHECK(nlohmann::json::parse(run({"whichgroup", log, "--format", "json"}).out)["schema_version"] == 1);
  CHECK(nlohmann::json::parse(run({"plan", kMatrix, "--format", "json"}).out)["schema_version"] == 1);
}

TEST_CASE("plan text says notes as sentences, reasons for unsupported pairs, group facts once, and counts in words") {
  auto r = run({"plan", kMatrix, "--no-color"});
  CHECK(r.out.find("note: The path crosses the Internet: Data Integration's Internet traffic is billed.") != std::string::npos);
  CHECK(r.out.find("note: internet_traffic_cost") == std::string::npos);
  CHECK(r.out.find("  reason: the shared resource group reaches only Internet sources; use a serverless or exclusive group "
                   "attached to vpc-hz, or give hz_db a public endpoint") != std::string::npos);
  // The custom group's edition is said once, before its first pair, not under each pair.
  const std::string edition = "[done] upgrade_edition: the workspace's professional edition allows custom resource groups";
  auto at = r.out.find("rg-custom (every pair):\n  " + edition);
  REQUIRE(at != std::string::npos);
  CHECK(r.out.find(edition, at + 30) == std::string::npos);
  CHECK(r.out.find("rg-custom (every pair)") < r.out.find("rg-custom -> web_api"));
  // In JSON the edition is listed once, under resource_groups, and not in the pairs' steps.
  auto doc = nlohmann::json::parse(run({"plan", kMatrix, "--format", "json", "--rg", "rg-custom"}).out);
  REQUIRE(doc["resource_groups"].size() == 1);
  CHECK(doc["resource_groups"][0]["steps"][0]["action"] == "upgrade_edition");
  for (const auto& p : doc["pairs"])
    for (const auto& st : p["steps"]) CHECK(st["action"] != "upgrade_edition");
  // One pair: "1 pair ... 1 needs changes".
  TempDir dir;
  auto one = run({"plan", dir.write("t.yaml", edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", "")),
                  "--rg", "rg-exclusive", "--source", "bj_db"});
  CHECK(one.out.find("1 pair: 0 ready, 1 needs changes, 0 unsupported\n") != std::string::npos);
  CHECK(r.out.find(" pairs: ") != std::string::npos);
  CHECK(r.out.find(" 0 need changes, ") != std::string::npos);  // every pair the spec allows is ready in the matrix
}

TEST_CASE("the markdown checklist names the account, region, instance id and CIDR the console needs") {
  TempDir dir;
  // hz_db (an rds instance) loses its whitelist: its default admits 127.0.0.1 only.
  auto text = edit(matrix_text(), "    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}\n    whitelist: [172.16.1.0/24, 192.168.3.10/32]",
                   "    instance: {kind: rds, id: rm-hz-example}\n    endpoint: {host: hz.rds.example, ip: 172.16.2.5, port: 3306}");
  auto r = run({"plan", dir.write("t.yaml", text), "--format", "markdown", "--rg", "rg-exclusive"});
  CHECK(r.out.find("- [ ] Account `acct-main`, region cn-hangzhou: Add 172.16.1.0/24 to the whitelist of `hz_db` (`rm-hz-example`)") !=
        std::string::npos);
  // A new VPC's CIDR, in the workspace's account and region.
  auto nv = run({"plan", source_path("tests/data/plan/no-vpc.yaml"), "--format", "markdown"});
  CHECK(nv.out.find("- [ ] Account `acct-main`, region cn-shenzhen: VPC console > Create VPC `vpc-syncpath-cn-shenzhen` "
                    "with CIDR 10.1.0.0/16, vSwitch `vsw-syncpath-cn-shenzhen` 10.1.0.0/24") != std::string::npos);
}

TEST_CASE("a route owed in a data center is work on the user's own router, never a VPC console's") {
  // idc-sh loses its route to vpc-bj: the custom host's way there is the data center's own route.
  auto text = edit(matrix_text(), "      - {destination: 10.20.0.0/16, via: vpn-idc}\n", "");
  auto p = plan(text, "rg-custom", "bj_db");
  const PlanStep* st = find_step(p, "add_network_route", false);
  REQUIRE(st);
  CHECK(st->network == "idc-sh");
  CHECK(st->own_router);
  CHECK(st->account.empty());
  CHECK(st->destination->str() == "10.20.0.0/16");
  CHECK(st->detail.find("on idc-sh's own router") != std::string::npos);
  TempDir dir;
  auto md = run({"plan", dir.write("t.yaml", text), "--format", "markdown", "--rg", "rg-custom"}).out;
  CHECK(md.find("- [ ] On the own router or VPN customer gateway of `idc-sh` (not a cloud console): add a route for "
                "10.20.0.0/16 toward `vpn-idc`") != std::string::npos);
  CHECK(md.find("Route Tables of `idc-sh`") == std::string::npos);
  // A VPC's route is the VPC console's, in the VPC's account and region.
  auto vpc = plan(edit(matrix_text(), "      - {destination: 172.16.0.0/16, via: ec-hz-bj}\n", ""), "rg-exclusive", "bj_db");
  const PlanStep* back = find_step(vpc, "add_network_route", false);
  REQUIRE(back);
  CHECK_FALSE(back->own_router);
  CHECK(back->account == "acct-main");
  CHECK(back->region == "cn-beijing");
}

TEST_CASE("cross-account links: a new CEN needs the other account's grant; a peering its acceptance") {
  SUBCASE("grant_cen_instance, in the other account, before the link") {
    // vpc-partner (acct-partner) without its CEN link: a new CEN is proposed.
    auto text = edit(matrix_text(), "  - {id: cen-partner, kind: cen, between: [vpc-hz, vpc-partner]}\n", "");
    auto p = plan(text, "rg-exclusive", "partner_db");
    CHECK(actions(p, false) == Strings{"grant_cen_instance", "create_link"});
    const PlanStep* g = find_step(p, "grant_cen_instance", false);
    REQUIRE(g);
    CHECK(g->account == "acct-partner");
    CHECK(g->network == "vpc-partner");
    CHECK(g->peer == "vpc-hz");
    CHECK(g->link == "link-vpc-hz-vpc-partner");
    CHECK(find_step(p, "create_link", false)->account == "acct-main");
    // Same account: no grant.
    auto same = edit(text, "    account: acct-partner\n    region: cn-hangzhou\n    cidr: 10.40.0.0/16",
                     "    account: acct-main\n    region: cn-hangzhou\n    cidr: 10.40.0.0/16");
    CHECK_FALSE(find_step(plan(same, "rg-exclusive", "partner_db"), "grant_cen_instance", false));
    // --fix writes the link; the grant goes with it.
    FixResult fixed = fix_topology(text, "t.yaml");
    REQUIRE(fixed.ok);
    CHECK(plan(fixed.yaml, "rg-exclusive", "partner_db").status == PairStatus::ready);
  }
  SUBCASE("accept_vpc_peering while a peering waits for the other account") {
    auto text = edit(matrix_text(), "  - {id: cen-partner, kind: cen, between: [vpc-hz, vpc-partner]}\n",
                     "  - {id: peer-partner, kind: vpc_peering, between: [vpc-hz, vpc-partner], accepted: false}\n");
    text = edit(text, "  - id: vpc-partner\n    kind: vpc\n    account: acct-partner\n    region: cn-hangzhou\n    cidr: 10.40.0.0/16\n",
                "  - id: vpc-partner\n    kind: vpc\n    account: acct-partner\n    region: cn-hangzhou\n    cidr: 10.40.0.0/16\n"
                "    routes: [{destination: 172.16.0.0/16, via: peer-partner}]\n");
    text = edit(text, "      - {destination: 10.20.0.0/16, via: ec-hz-bj}\n",
                "      - {destination: 10.20.0.0/16, via: ec-hz-bj}\n      - {destination: 10.40.0.0/16, via: peer-partner}\n");
    auto p = plan(text, "rg-exclusive", "partner_db");
    CHECK(actions(p, false) == Strings{"accept_vpc_peering"});
    const PlanStep* st = find_step(p, "accept_vpc_peering", false);
    REQUIRE(st);
    CHECK(st->account == "acct-partner");
    CHECK(st->link == "peer-partner");
    CHECK(plan(edit(text, ", accepted: false}", "}"), "rg-exclusive", "partner_db").status == PairStatus::ready);
    FixResult fixed = fix_topology(text, "t.yaml");
    REQUIRE(fixed.ok);
    CHECK(plan(fixed.yaml, "rg-exclusive", "partner_db").status == PairStatus::ready);
    // `accepted` is for a peering only.
    auto r = load_topology_text(edit(matrix_text(), "kind: cen, between: [vpc-hz, vpc-partner]}",
                                     "kind: cen, between: [vpc-hz, vpc-partner], accepted: false}"),
                                "t.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics.items()[0].code == "key-not-for-kind");
  }
}

TEST_CASE("tasks: the plan judges each task by its two groups and two sources; --task selects its pairs") {
  TempDir dir;
  auto text = matrix_text() +
              "tasks:\n"
              "  - {name: hz_to_bj, source: hz_db, destination: bj_db, integration_group: rg-exclusive, scheduling_group: rg-serverless}\n"
              "  - {name: web_copy, source: web_api, destination: results_local, integration_group: rg-custom, scheduling_group: rg-shared}\n";
  text = edit(text, "  - id: rg-shared\n    kind: shared\n", "  - id: rg-shared\n    kind: shared\n    purpose: general\n");
  auto file = dir.write("tasks.yaml", text);
  auto r = run({"plan", file, "--task", "hz_to_bj", "--format", "json"});
  CHECK(r.code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["pairs"].size() == 4);  // {rg-exclusive, rg-serverless} x {hz_db, bj_db}
  REQUIRE(doc["tasks"].size() == 1);
  const auto& t = doc["tasks"][0];
  CHECK(t["name"] == "hz_to_bj");
  CHECK(t["status"] == "ready");
  REQUIRE(t["pairs"].size() == 4);
  CHECK(t["pairs"][0]["role"] == "data_integration");
  CHECK(t["pairs"][2]["resource_group"] == "rg-serverless");
  CHECK(t["pairs"][2]["role"] == "scheduling");
  // The whole plan lists every task; the worst pair decides a task.
  auto all = nlohmann::json::parse(run({"plan", file, "--format", "json"}).out);
  REQUIRE(all["tasks"].size() == 2);
  CHECK(all["tasks"][1]["name"] == "web_copy");
  CHECK(all["tasks"][1]["status"] == "ready");
  // Breaking the issuing group's way to bj_db makes the task need changes, in text too.
  auto broken = dir.write("broken.yaml", edit(text, "      - {destination: 10.20.0.0/16, network: vpc-hz}\n      - {destination: 10.40.0.0/16, network: vpc-hz}\n      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-exclusive",
                                              "      - {destination: 10.40.0.0/16, network: vpc-hz}\n      - {destination: 192.168.0.0/16, network: vpc-hz}\n  - id: rg-exclusive"));
  auto txt = run({"plan", broken, "--task", "hz_to_bj", "--no-color"});
  CHECK(txt.code == 1);
  CHECK(txt.out.find("task hz_to_bj: needs_changes (hz_db -> bj_db; run by rg-exclusive, issued by rg-serverless)\n") !=
        std::string::npos);
  CHECK(txt.out.find("  rg-serverless -> bj_db: needs_changes (issues it)\n") != std::string::npos);
  CHECK(run({"plan", broken, "--task", "nope"}).code == 2);
}

TEST_CASE("the step actions are one table, in the enum's order, each with its name, heading and meaning") {
  const auto& table = step_actions();
  for (std::size_t i = 0; i < table.size(); ++i) {
    CAPTURE(table[i].name);
    CHECK(static_cast<std::size_t>(table[i].action) == i);
    CHECK(to_string(table[i].action) == table[i].name);
    CHECK(parse_step_action(table[i].name) == table[i].action);
    CHECK_FALSE(table[i].heading.empty());
    CHECK_FALSE(table[i].meaning.empty());
  }
  CHECK(table.size() == 13);
  for (const auto& s : known_steps()) CHECK(parse_step_action(s));  // every rule step is in the table
}
