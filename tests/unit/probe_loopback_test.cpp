// run_probes against loopback only: real sockets on 127.0.0.1, small servers in threads that
// answer with fixed bytes, and a UDP responder standing in for a DNS server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "app.hpp"
#include "probe.hpp"
#include "wire.hpp"

using namespace std::string_literals;
using namespace syncpath::probes;

namespace {

int bound_socket(int type, int& port) {
  int fd = ::socket(AF_INET, type, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

// Accepts connections on 127.0.0.1 and writes `reply` to each (nothing when empty).
class LoopbackServer {
 public:
  explicit LoopbackServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = bound_socket(SOCK_STREAM, port_);
    REQUIRE(::listen(fd_, 64) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      if (!reply_.empty()) (void)!::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      clients_.push_back(c);  // kept open: the prober decides from the bytes alone
    }
  }
  std::string reply_;
  int fd_ = -1, port_ = 0;
  std::vector<int> clients_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Answers every DNS query on 127.0.0.1 with the given response code and no records.
class FakeDns {
 public:
  explicit FakeDns(int rcode) : rcode_(rcode) {
    fd_ = bound_socket(SOCK_DGRAM, port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDns() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int queries() const { return queries_; }  // queries received so far

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      ++queries_;
      if (n < 12) continue;
      buf[2] = static_cast<char>(0x81);  // QR, RD
      buf[3] = static_cast<char>(0x80 | rcode_);  // RA, rcode
      for (int i = 6; i < 12; ++i) buf[i] = 0;  // no answer, authority, additional records
      ::sendto(fd_, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int rcode_, fd_ = -1, port_ = 0;
  std::atomic<int> queries_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Target loopback(int port, Protocol p = Protocol::tcp) {
  Target t;
  t.name = "t";
  t.host = "127.0.0.1";
  t.port = port;
  t.protocol = p;
  return t;
}

const CheckResult* find_check(const TargetResult& r, const std::string& name) {
  for (const auto& c : r.checks)
    if (c.check == name) return &c;
  return nullptr;
}

Options quick() {
  Options o;
  o.timeout_seconds = 1.0;
  return o;
}

}  // namespace

TEST_CASE("a listening loopback port is reachable over tcp and a closed one is refused") {
  int listen_port = 0, closed_port = 0;
  int listening = bound_socket(SOCK_STREAM, listen_port);
  REQUIRE(::listen(listening, 16) == 0);
  int closed = bound_socket(SOCK_STREAM, closed_port);  // bound, never listening: RST
  auto results = run_probes({loopback(listen_port), loopback(closed_port)}, quick());
  ::close(listening);
  ::close(closed);
  REQUIRE(results.size() == 2);
  CHECK(results[0].verdict == Verdict::reachable);
  CHECK(find_check(results[0], "tcp")->status == CheckStatus::pass);
  CHECK(find_check(results[0], "dns")->status == CheckStatus::skip);
  CHECK(results[0].local_address == "127.0.0.1");
  CHECK(results[1].verdict == Verdict::refused);
  CHECK(find_check(results[1], "tcp")->status == CheckStatus::fail);
  CHECK(find_check(results[1], "handshake")->status == CheckStatus::skip);
  CHECK(results[1].local_address.empty());
}

TEST_CASE("results come back in the order of the targets, one per target") {
  int closed_port = 0;
  int closed = bound_socket(SOCK_STREAM, closed_port);
  std::vector<Target> targets;
  for (int i = 0; i < 50; ++i) {
    targets.push_back(loopback(closed_port));
    targets.back().name = "t" + std::to_string(i);
  }
  Options o = quick();
  o.concurrency = 7;
  auto results = run_probes(targets, o);
  ::close(closed);
  REQUIRE(results.size() == 50);
  for (int i = 0; i < 50; ++i) {
    CHECK(results[i].target.name == "t" + std::to_string(i));
    CHECK(results[i].verdict == Verdict::refused);
  }
}

TEST_CASE("MySQL: a greeting is reachable, the 1130 packet is a whitelist rejection") {
  std::string greeting;
  greeting += '\x0a';
  greeting += "10.11.6-MariaDB"s + '\0' + "\x07\x00\x00\x00"s + "abcdefgh" + '\0' + "\x00\x82"s;  // pre-4.1 style tail
  LoopbackServer good(syncpath::probes::wire::mysql_packet(0, greeting));
  LoopbackServer blocked(syncpath::probes::wire::mysql_packet(
      0, "\xff\x6a\x04"s + "Host '127.0.0.1' is not allowed to connect to this MariaDB server"));
  auto results = run_probes({loopback(good.port(), Protocol::mysql), loopback(blocked.port(), Protocol::mysql)}, quick());
  CHECK(results[0].verdict == Verdict::reachable);
  CHECK(find_check(results[0], "handshake")->detail.find("10.11.6-MariaDB") != std::string::npos);
  CHECK(results[1].verdict == Verdict::rejected_by_whitelist);
  CHECK(find_check(results[1], "handshake")->detail.find("1130") != std::string::npos);
}

TEST_CASE("PostgreSQL: pg_hba rejection and a password request without credentials") {
  std::string body = "SFATAL\0C28000\0Mno pg_hba.conf entry for host \"127.0.0.1\"\0\0"s;
  std::string error = "E"s + "\x00\x00\x00"s + static_cast<char>(body.size() + 4) + body;
  std::string wants_md5 = "R\x00\x00\x00\x0c\x00\x00\x00\x05\x01\x02\x03\x04"s;
  LoopbackServer hba(error), md5(wants_md5);
  auto results = run_probes({loopback(hba.port(), Protocol::postgresql), loopback(md5.port(), Protocol::postgresql)}, quick());
  CHECK(results[0].verdict == Verdict::rejected_by_whitelist);
  CHECK(results[1].verdict == Verdict::reachable);
  CHECK(find_check(results[1], "handshake")->detail.find("md5") != std::string::npos);
}

TEST_CASE("a server that accepts and never speaks is a timeout, after the retries") {
  LoopbackServer silent("");
  Options o;
  o.timeout_seconds = 0.3;
  o.retries = 1;
  auto results = run_probes({loopback(silent.port(), Protocol::postgresql)}, o);
  CHECK(results[0].verdict == Verdict::timeout);
  CHECK(results[0].attempts == 2);
  CHECK(find_check(results[0], "handshake")->detail.find("2 attempts") != std::string::npos);
}

TEST_CASE("a port that does not speak the protocol is not mistaken for a server") {
  LoopbackServer http("HTTP/1.0 400 Bad Request\r\n\r\n");
  auto results = run_probes({loopback(http.port(), Protocol::mysql)}, quick());
  CHECK(results[0].verdict == Verdict::refused);
  CHECK(find_check(results[0], "handshake")->detail.find("does not speak the MySQL protocol") != std::string::npos);
}

TEST_CASE("DNS through --dns-server on loopback: NXDOMAIN and SERVFAIL") {
  FakeDns nx(3), servfail(2);
  Target t = loopback(9);
  t.host = "db.probe.example";
  Options o = quick();
  o.dns_server = "127.0.0.1:" + std::to_string(nx.port());
  auto a = run_probes({t}, o);
  CHECK(a[0].verdict == Verdict::dns_failure);
  CHECK(find_check(a[0], "dns")->detail.find("NXDOMAIN") != std::string::npos);
  CHECK(find_check(a[0], "tcp")->status == CheckStatus::skip);
  o.dns_server = "127.0.0.1:" + std::to_string(servfail.port());
  auto b = run_probes({t}, o);
  CHECK(b[0].verdict == Verdict::dns_failure);
  INFO(find_check(b[0], "dns")->detail);
  CHECK(find_check(b[0], "dns")->detail.find("SERVFAIL") != std::string::npos);
  // Each failure names the server that was asked.
  CHECK(find_check(a[0], "dns")->detail.find("the DNS server 127.0.0.1:" + std::to_string(nx.port()) + " (--dns-server)") !=
        std::string::npos);
  CHECK(find_check(b[0], "dns")->detail.find("the DNS server 127.0.0.1:" + std::to_string(servfail.port())) !=
        std::string::npos);
  CHECK(nx.queries() >= 1);
}

TEST_CASE("an IPv6 literal is never looked up: the prober speaks IPv4") {
  FakeDns dns(3);
  Options o = quick();
  o.dns_server = "127.0.0.1:" + std::to_string(dns.port());
  Target t = loopback(5432);
  for (const char* host : {"::1", "[::1]", "fe80::1"}) {
    CAPTURE(host);
    t.host = host;
    auto r = run_probes({t}, o);
    CHECK(r[0].verdict == Verdict::dns_failure);
    CHECK(find_check(r[0], "dns")->detail.find("IPv6") != std::string::npos);
  }
  // From the command line it is unusable input, in every format, and still no query.
  std::vector<std::string> args{"syncpath", "probe", "--target", "[::1]:5432", "--dns-server",
                                "127.0.0.1:" + std::to_string(dns.port()), "--format", "json"};
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CHECK(syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err) == 2);
  auto doc = nlohmann::json::parse(out.str());
  CHECK(doc["diagnostics"][0]["code"] == "ipv6-target");
  CHECK(doc["diagnostics"][0]["message"].get<std::string>().find("IPv6") != std::string::npos);
  CHECK(dns.queries() == 0);
}

TEST_CASE("a password given for a login never appears in the results") {
  LoopbackServer blocked(syncpath::probes::wire::mysql_packet(0, "\xff\x15\x04#28000Access denied for user 'u'"s));
  Target t = loopback(blocked.port(), Protocol::mysql);
  t.username = "u";
  t.password = "hunter2-very-secret";
  auto results = run_probes({t}, quick());
  CHECK(results[0].target.password.empty());
  for (const auto& c : results[0].checks) CHECK(c.detail.find("hunter2") == std::string::npos);
}

TEST_CASE("probe --format json has the spec's shape and exit codes") {
  int listen_port = 0, closed_port = 0;
  int listening = bound_socket(SOCK_STREAM, listen_port);
  REQUIRE(::listen(listening, 16) == 0);
  int closed = bound_socket(SOCK_STREAM, closed_port);
  auto run_cli = [](std::vector<std::string> args, std::string& out_text) {
    std::vector<const char*> argv{"syncpath"};
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
    out_text = out.str();
    return rc;
  };
  std::string text;
  SUBCASE("reachable: exit 0") {
    CHECK(run_cli({"probe", "--target", "127.0.0.1:" + std::to_string(listen_port), "--format", "json"}, text) == 0);
    auto doc = nlohmann::json::parse(text);
    REQUIRE(doc.contains("host"));
    REQUIRE(doc["results"].size() == 1);
    const auto& r = doc["results"][0];
    CHECK(r["data_source"] == "127.0.0.1:" + std::to_string(listen_port));
    CHECK(r["target"] == "127.0.0.1:" + std::to_string(listen_port));
    CHECK(r["verdict"] == "reachable");
    REQUIRE(r["checks"].size() == 4);
    const char* names[] = {"dns", "tcp", "handshake", "whitelist"};
    for (int i = 0; i < 4; ++i) {
      CHECK(r["checks"][i]["check"] == names[i]);
      CHECK(r["checks"][i]["ms"].is_number());
      CHECK(r["checks"][i]["detail"].is_string());
      CHECK(r["checks"][i]["status"].is_string());
    }
    CHECK(r["checks"][1]["status"] == "pass");
    CHECK(r["remedy"]["action"].is_string());
    CHECK(r["remedy"]["detail"].is_string());
    CHECK(doc["schema_version"] == 1);
    CHECK(doc["summary"]["targets"] == 1);
    CHECK(doc["summary"]["reachable"] == 1);
    CHECK(doc["summary"]["failing"] == 0);
  }
  SUBCASE("refused: exit 1 and a remedy") {
    CHECK(run_cli({"probe", "--target", "127.0.0.1:" + std::to_string(closed_port), "--format", "json"}, text) == 1);
    auto doc = nlohmann::json::parse(text);
    CHECK(doc["results"][0]["verdict"] == "refused");
    CHECK(doc["results"][0]["remedy"]["action"] == "check_endpoint");
  }
  SUBCASE("bad input: exit 2 and no report") {
    CHECK(run_cli({"probe", "--target", "127.0.0.1"}, text) == 2);
    CHECK(text.empty());
    CHECK(run_cli({"probe", "--target", "127.0.0.1:1", "--protocol", "smtp"}, text) == 2);
    CHECK(run_cli({"probe", "--target", "127.0.0.1:1", "--timeout", "0"}, text) == 2);
    CHECK(run_cli({"probe"}, text) == 2);
  }
  ::close(listening);
  ::close(closed);
}

TEST_CASE("a server's message that is not UTF-8 still gives valid JSON (bytes replaced, not a crash)") {
  // A MySQL error packet whose message is Latin-1 (0xe9), as an old server in that charset sends.
  LoopbackServer latin1(syncpath::probes::wire::mysql_packet(0, "\xff\x15\x04#28000Acc\xe8s refus\xe9 pour 'u'"s));
  std::vector<std::string> args{"syncpath", "probe", "--target", "127.0.0.1:" + std::to_string(latin1.port()),
                                "--protocol", "mysql", "--format", "json"};
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int rc = syncpath::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  CAPTURE(err.str());
  CHECK(rc == 1);  // a finding, not an internal error (3)
  auto doc = nlohmann::json::parse(out.str());
  std::string detail = doc["results"][0]["checks"][2]["detail"];
  CHECK(detail.find("Acc\xef\xbf\xbds refus\xef\xbf\xbd") != std::string::npos);  // U+FFFD for each stray byte
}
