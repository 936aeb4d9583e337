// What each low-level outcome means: status, verdict, detail (no network).
#include <doctest/doctest.h>

#include <cerrno>

#include "classify.hpp"

using namespace syncpath::probes;

TEST_CASE("MySQL error codes map to whitelist, auth and generic refusals") {
  CHECK(classify_mysql_error({1130, "", "Host 'x' is not allowed"}).verdict == Verdict::rejected_by_whitelist);
  CHECK(classify_mysql_error({1045, "28000", "Access denied"}).verdict == Verdict::auth_failed);
  CHECK(classify_mysql_error({1044, "42000", "Access denied to database"}).verdict == Verdict::auth_failed);
  auto too_many = classify_mysql_error({1040, "08004", "Too many connections"});
  CHECK(too_many.verdict == Verdict::refused);
  CHECK(too_many.status == CheckStatus::fail);
  CHECK(too_many.detail.find("1040") != std::string::npos);
}

TEST_CASE("PostgreSQL errors: pg_hba is the whitelist, 28P01 the password") {
  CHECK(classify_pg_error({"FATAL", "28000", "no pg_hba.conf entry for host \"10.0.0.1\""}).verdict ==
        Verdict::rejected_by_whitelist);
  CHECK(classify_pg_error({"FATAL", "28P01", "password authentication failed for user \"u\""}).verdict ==
        Verdict::auth_failed);
  CHECK(classify_pg_error({"FATAL", "28000", "role \"u\" does not exist"}).verdict == Verdict::auth_failed);
  CHECK(classify_pg_error({"FATAL", "53300", "sorry, too many clients already"}).verdict == Verdict::refused);
}

TEST_CASE("connect outcomes: reset, unreachable, dropped") {
  SUBCASE("a reset is refused") { CHECK(classify_connect(ECONNREFUSED, false, 3).verdict == Verdict::refused); }
  SUBCASE("ICMP host and network unreachable are no route or filtered") {
    CHECK(classify_connect(EHOSTUNREACH, false, 3).verdict == Verdict::no_route_or_filtered);
    CHECK(classify_connect(ENETUNREACH, false, 3).verdict == Verdict::no_route_or_filtered);
  }
  SUBCASE("silence until the deadline is dropped, and worth a retry") {
    auto o = classify_connect(0, true, 1.5);
    CHECK(o.verdict == Verdict::no_route_or_filtered);
    CHECK(o.retryable);
    CHECK(o.detail.find("1.5s") != std::string::npos);
  }
  SUBCASE("no error is a pass") { CHECK(classify_connect(0, false, 3).status == CheckStatus::pass); }
}

TEST_CASE("DNS outcomes are dns failures with the reason in the detail, naming the server asked") {
  const std::string server = "192.0.2.53:53 (--dns-server)";
  CHECK(classify_dns(DnsOutcome::nxdomain, "db.example", server, "").detail.find("NXDOMAIN") != std::string::npos);
  CHECK(classify_dns(DnsOutcome::servfail, "db.example", server, "").detail.find("SERVFAIL") != std::string::npos);
  CHECK(classify_dns(DnsOutcome::timeout, "db.example", server, "").retryable);
  CHECK_FALSE(classify_dns(DnsOutcome::nxdomain, "db.example", server, "").retryable);
  CHECK(classify_dns(DnsOutcome::no_address, "db.example", server, "").verdict == Verdict::dns_failure);
  CHECK(classify_dns(DnsOutcome::ok, "db.example", server, "db.example -> 192.0.2.1").status == CheckStatus::pass);
  for (auto what : {DnsOutcome::nxdomain, DnsOutcome::no_address, DnsOutcome::servfail, DnsOutcome::timeout,
                    DnsOutcome::refused, DnsOutcome::other}) {
    CAPTURE(static_cast<int>(what));
    CHECK(classify_dns(what, "db.example", server, "x").detail.find("the DNS server 192.0.2.53:53 (--dns-server)") !=
          std::string::npos);
  }
}

TEST_CASE("HTTP outcomes: TLS errors, timeouts, any status is an answer") {
  CHECK(classify_http(HttpOutcome::tls_error, 0, "certificate").verdict == Verdict::tls_failure);
  CHECK(classify_http(HttpOutcome::timeout, 0, "").verdict == Verdict::timeout);
  auto ok = classify_http(HttpOutcome::ok, 404, "");
  CHECK(ok.verdict == Verdict::reachable);
  CHECK(ok.detail == "HTTP status 404");
}

TEST_CASE("verdict and protocol names round-trip and reject unknown words") {
  for (auto v : {Verdict::reachable, Verdict::dns_failure, Verdict::no_route_or_filtered, Verdict::refused,
                 Verdict::rejected_by_whitelist, Verdict::auth_failed, Verdict::tls_failure, Verdict::timeout})
    CHECK(parse_verdict(to_string(v)) == v);
  CHECK(std::string(to_string(Verdict::no_route_or_filtered)) == "no_route_or_filtered");
  CHECK(parse_protocol("postgresql") == Protocol::postgresql);
  CHECK_FALSE(parse_protocol("gopher"));
  CHECK_FALSE(parse_verdict("fine"));
}

TEST_CASE("unusable options are named with the fix") {
  Options o;
  CHECK(check_options(o).empty());
  o.concurrency = 0;
  CHECK(check_options(o).find("--concurrency") != std::string::npos);
  o = Options{};
  o.timeout_seconds = -1;
  CHECK(check_options(o).find("--timeout") != std::string::npos);
  o = Options{};
  o.dns_server = "10.0.0.2:abc";
  CHECK(check_options(o).find("--dns-server") != std::string::npos);
  o.dns_server = "127.0.0.1:5353";
  CHECK(check_options(o).empty());
}
