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
  - {name: closed, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: 1}}
  - {name: db_secret, type: ftp, network: idc-local, endpoint: {ip: 127.0.0.1, port: )" + port + R"(}, username: u, password: {env: SYNCPATH_PROBE_TEST_UNSET_VAR}}
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

  // The password variable is unset: the source is still probed, without a login.
  CHECK(result_of(doc, "db_secret")["verdict"] == "reachable");
  CHECK(err.find("SYNCPATH_PROBE_TEST_UNSET_VAR") != std::string::npos);
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
