// `syncpath probe TOPOLOGY --rg ID` in-process against loopback: the whitelist check, the
// remedy drawn from the plan, and the input errors that exit 2.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "app.hpp"

namespace {

struct Listener {
  int fd = -1, port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
  }
  ~Listener() { ::close(fd); }
};

struct TempTopology {
  std::filesystem::path path;
  explicit TempTopology(const std::string& text) {
    path = std::filesystem::temp_directory_path() / ("probe_topology_" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(path) << text;
  }
  ~TempTopology() { std::filesystem::remove(path); }
};

int run_cli(const std::vector<std::string>& args, std::string& out_text, std::string& err_text) {
  std::vector<const char*> argv{"syncpath"};
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  out_text = out.str();
  err_text = err.str();
  return rc;
}

const nlohmann::json& result_of(const nlohmann::json& doc, const std::string& name) {
  for (const auto& r : doc["results"])
    if (r["data_source"] == name) return r;
  FAIL("no result for " << name);
  static nlohmann::json none;
  return none;
}

std::string topology(int open_port) {
  std::string port = std::to_string(open_port);
  // Port 1 on loopback: nothing listens there, so the kernel answers with a reset.
  return R"(version: 1
workspace: {name: ws, account: acct, region: r1, edition: professional}
accounts: [{id: acct}]
networks:
  - {id: idc-local, kind: data_center, cidr: 127.0.0.0/8}
resource_groups:
  - id: rg-local
    kind: custom
    hosts: [{name: box-1, network: idc-local, ip: 127.0.0.1}, {name: box-2, network: idc-local, ip: 127.0.0.2}]
data_sources:
  - {name: open_listed, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, whitelist: [127.0.0.0/8]}
  - {name: open_unlisted, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, whitelist: [10.9.0.0/16]}
  - {name: closed, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: 1}, whitelist: any}
  - {name: db_secret, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, whitelist: any, username: u, password: {env: SYNCPATH_PROBE_TEST_UNSET_VAR}}
)";
}

}  // namespace

TEST_CASE("topology mode: whitelist check, remedies from the plan, exit 1 on any failure") {
  Listener open;
  TempTopology file(topology(open.port));
  std::string out, err;
  int rc = run_cli({"probe", file.path.string(), "--rg", "rg-local", "--host", "box-1", "--format", "json", "--timeout", "1"}, out, err);
  CHECK(rc == 1);
  auto doc = nlohmann::json::parse(out);
  CHECK(doc["host"] == "box-1");
  CHECK(doc["resource_group"] == "rg-local");
  REQUIRE(doc["results"].size() == 4);

  const auto& listed = result_of(doc, "open_listed");
  CHECK(listed["verdict"] == "reachable");
  CHECK(listed["remedy"]["action"] == "none");
  CHECK(listed["checks"][3]["check"] == "whitelist");
  CHECK(listed["checks"][3]["status"] == "pass");
  CHECK(listed["plan"]["status"] == "ready");

  // Plain TCP cannot show a whitelist: the topology's whitelist predicts the rejection.
  const auto& unlisted = result_of(doc, "open_unlisted");
  CHECK(unlisted["verdict"] == "rejected_by_whitelist");
  CHECK(unlisted["checks"][3]["status"] == "fail");
  CHECK(unlisted["remedy"]["action"] == "add_whitelist");
  CHECK(unlisted["remedy"]["detail"].get<std::string>().rfind("add 127.0.0.1/32 to open_unlisted's whitelist", 0) == 0);

  const auto& closed = result_of(doc, "closed");
  CHECK(closed["verdict"] == "refused");
  CHECK(closed["remedy"]["action"] == "check_endpoint");
  CHECK(closed["checks"][3]["status"] == "skip");
  // The plan calls the pair ready; the probe says otherwise.
  CHECK(closed["notes"].dump().find("the topology file does not match the real network") != std::string::npos);

  // The password variable is unset: the source is still probed, without a login, and says so.
  CHECK(result_of(doc, "db_secret")["verdict"] == "reachable");
  CHECK(result_of(doc, "db_secret")["notes"].dump().find("SYNCPATH_PROBE_TEST_UNSET_VAR is not set; login not tried") !=
        std::string::npos);
  CHECK(err.find("SYNCPATH_PROBE_TEST_UNSET_VAR") != std::string::npos);
  CHECK(doc["schema_version"] == 1);
  CHECK(doc["summary"]["targets"] == 4);
  CHECK(doc["summary"]["reachable"] == 2);
  CHECK(doc["summary"]["failing"] == 2);
  CHECK(doc["summary"]["verdicts"]["refused"] == 1);
  CHECK(doc["summary"]["verdicts"]["rejected_by_whitelist"] == 1);
  CHECK(doc["summary"]["verdicts"]["timeout"] == 0);
}

TEST_CASE("topology mode: the connection leaving from another host's address is called out") {
  Listener open;
  TempTopology file(topology(open.port));
  std::string out, err;
  // This machine claims to be box-2 (127.0.0.2) but connects to 127.0.0.1 from 127.0.0.1.
  REQUIRE(run_cli({"probe", file.path.string(), "--rg", "rg-local", "--host", "box-2", "--source", "open_listed", "--format", "json"}, out, err) == 0);
  auto doc = nlohmann::json::parse(out);
  const auto& r = result_of(doc, "open_listed");
  CHECK(r["local_address"] == "127.0.0.1");
  CHECK(r["notes"].dump().find("not from the expected egress host box-2 address 127.0.0.2: NAT on the way, or this machine is not box-2") != std::string::npos);
}

TEST_CASE("topology mode: unusable input exits 2 with the place and the fix") {
  Listener open;
  TempTopology file(topology(open.port));
  std::string out, err;
  SUBCASE("unknown group, with a suggestion") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-locl"}, out, err) == 2);
    CHECK(err.find("did you mean 'rg-local'") != std::string::npos);
  }
  SUBCASE("several hosts and no --host") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-local"}, out, err) == 2);
    CHECK(err.find("--host") != std::string::npos);
  }
  SUBCASE("unknown host") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-local", "--host", "box-9"}, out, err) == 2);
    CHECK(err.find("box-1, box-2") != std::string::npos);
  }
  SUBCASE("unknown source") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-local", "--host", "box-1", "--source", "closd"}, out, err) == 2);
    CHECK(err.find("did you mean 'closed'") != std::string::npos);
  }
  SUBCASE("missing --rg") {
    CHECK(run_cli({"probe", file.path.string()}, out, err) == 2);
  }
  SUBCASE("topology and --target together") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-local", "--target", "127.0.0.1:1"}, out, err) == 2);
  }
  SUBCASE("a file that does not exist") {
    CHECK(run_cli({"probe", "/nonexistent/topology.yaml", "--rg", "rg-local"}, out, err) == 2);
    CHECK_FALSE(err.empty());
  }
  CHECK(out.empty());
}

TEST_CASE("topology mode: --source before the topology file does not swallow it") {
  Listener open;
  TempTopology file(topology(open.port));
  std::string out, err;
  CHECK(run_cli({"probe", "--source", "open_listed", "--source", "closed", file.path.string(), "--rg", "rg-local", "--host",
                 "box-1", "--format", "json"},
                out, err) == 1);
  auto doc = nlohmann::json::parse(out);
  CHECK(doc["results"].size() == 2);
}

TEST_CASE("probe on unusable input writes its diagnostics in the format asked for, exit 2") {
  Listener open;
  TempTopology file(topology(open.port));
  std::string out, err;
  SUBCASE("json: one document with schema_version and the diagnostics, nothing on stderr") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-locl", "--format", "json"}, out, err) == 2);
    auto doc = nlohmann::json::parse(out);
    CHECK(doc["schema_version"] == 1);
    REQUIRE(doc["diagnostics"].size() == 1);
    CHECK(doc["diagnostics"][0]["code"] == "unknown-resource-group");
    CHECK(doc["diagnostics"][0]["severity"] == "error");
    CHECK(doc["diagnostics"][0]["message"].get<std::string>().find("did you mean 'rg-local'") != std::string::npos);
    CHECK_FALSE(doc.contains("results"));
    CHECK(err.empty());
  }
  SUBCASE("json: an invalid topology's own diagnostics, with their positions") {
    TempTopology broken("version: 1\nworkspace: {name: w, account: a, region: r}\ndata_sources:\n  - {name: d, type: mysql}\n");
    CHECK(run_cli({"probe", broken.path.string(), "--rg", "x", "--format", "json"}, out, err) == 2);
    auto doc = nlohmann::json::parse(out);
    REQUIRE_FALSE(doc["diagnostics"].empty());
    CHECK(doc["diagnostics"][0]["code"] == "missing-key");
    CHECK(doc["diagnostics"][0]["line"] == 4);
  }
  SUBCASE("json: a bad --target") {
    CHECK(run_cli({"probe", "--target", "nohostport", "--format", "json"}, out, err) == 2);
    CHECK(nlohmann::json::parse(out)["diagnostics"][0]["code"] == "bad-target");
  }
  SUBCASE("junit: one <error> per problem") {
    CHECK(run_cli({"probe", file.path.string(), "--rg", "rg-local", "--host", "box-9", "--format", "junit"}, out, err) == 2);
    CHECK(out.find("<testsuites name=\"syncpath probe\" tests=\"1\" failures=\"0\" errors=\"1\">") != std::string::npos);
    CHECK(out.find("<error type=\"unknown-host\"") != std::string::npos);
    CHECK(out.find("box-1, box-2") != std::string::npos);
  }
}

TEST_CASE("probe --task probes the task's two sources as the group that runs it and the group that issues it") {
  Listener open;
  std::string port = std::to_string(open.port);
  TempTopology file(R"(version: 1
workspace: {name: ws, account: acct, region: r1, edition: professional}
networks:
  - {id: idc-local, kind: data_center, cidr: 127.0.0.0/8}
resource_groups:
  - {id: rg-run, kind: custom, hosts: [{name: box-1, network: idc-local, ip: 127.0.0.1}]}
  - {id: rg-issue, kind: custom, purpose: scheduling, hosts: [{name: box-1, network: idc-local, ip: 127.0.0.1}]}
data_sources:
  - {name: src, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, whitelist: [127.0.0.1/32]}
  - {name: dst, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, whitelist: [10.0.0.0/8]}
tasks:
  - {name: copy, source: src, destination: dst, integration_group: rg-run, scheduling_group: rg-issue}
)");
  std::string out, err;
  CHECK(run_cli({"probe", file.path.string(), "--task", "copy", "--format", "json"}, out, err) == 1);
  auto doc = nlohmann::json::parse(out);
  CHECK(doc["task"] == "copy");
  REQUIRE(doc["results"].size() == 4);
  std::vector<std::string> seen;
  for (const auto& r : doc["results"])
    seen.push_back(r["resource_group"].get<std::string>() + "/" + r["role"].get<std::string>() + "/" +
                   r["data_source"].get<std::string>() + "/" + r["verdict"].get<std::string>());
  CHECK(seen == std::vector<std::string>{"rg-run/data_integration/src/reachable",
                                         "rg-run/data_integration/dst/rejected_by_whitelist",
                                         "rg-issue/scheduling/src/reachable", "rg-issue/scheduling/dst/rejected_by_whitelist"});
  // One of the two groups only.
  CHECK(run_cli({"probe", file.path.string(), "--task", "copy", "--rg", "rg-issue", "--source", "src", "--format", "json"},
                out, err) == 0);
  doc = nlohmann::json::parse(out);
  CHECK(doc["resource_group"] == "rg-issue");
  CHECK(doc["results"].size() == 1);
  // A group that is not the task's, or a task that does not exist, is bad input.
  TempTopology other(R"(version: 1
workspace: {name: ws, account: acct, region: r1, edition: professional}
networks: [{id: idc-local, kind: data_center, cidr: 127.0.0.0/8}]
resource_groups:
  - {id: rg-run, kind: custom, purpose: general, hosts: [{name: box-1, network: idc-local, ip: 127.0.0.1}]}
  - {id: rg-else, kind: custom, hosts: [{name: box-1, network: idc-local, ip: 127.0.0.1}]}
data_sources:
  - {name: src, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: 1}, whitelist: any}
tasks:
  - {name: copy, source: src, destination: src, integration_group: rg-run, scheduling_group: rg-run}
)");
  CHECK(run_cli({"probe", other.path.string(), "--task", "copy", "--rg", "rg-else"}, out, err) == 2);
  CHECK(err.find("run by 'rg-run' and issued by 'rg-run'") != std::string::npos);
  CHECK(run_cli({"probe", other.path.string(), "--task", "cpy"}, out, err) == 2);
  CHECK(err.find("did you mean 'copy'") != std::string::npos);
}
