#include "classify.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace syncpath::probes {

namespace {
Outcome fail(Verdict v, std::string detail, bool retryable = false) {
  return Outcome{CheckStatus::fail, v, std::move(detail), retryable};
}
std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", s);
  return buf;
}
}  // namespace

Outcome classify_dns(DnsOutcome what, const std::string& name, const std::string& server, const std::string& detail) {
  const std::string the_server = "the DNS server " + (server.empty() ? std::string("of this host") : server);
  switch (what) {
    case DnsOutcome::ok: return Outcome{CheckStatus::pass, Verdict::reachable, detail, false};
    case DnsOutcome::nxdomain:
      return fail(Verdict::dns_failure, "NXDOMAIN: " + name + " does not exist for " + the_server);
    case DnsOutcome::no_address:
      return fail(Verdict::dns_failure, "the name " + name + " exists but has no IPv4 (A) record at " + the_server);
    case DnsOutcome::servfail:
      return fail(Verdict::dns_failure, "SERVFAIL: " + the_server + " could not answer for " + name);
    case DnsOutcome::timeout:
      return fail(Verdict::dns_failure, "no answer from " + the_server + " for " + name + " (timed out)", true);
    case DnsOutcome::refused:
      return fail(Verdict::dns_failure, the_server + " refused the query or is not listening");
    case DnsOutcome::other: break;
  }
  return fail(Verdict::dns_failure, "lookup of " + name + " at " + the_server + " failed: " + detail);
}

Outcome classify_connect(int err, bool timed_out, double timeout_seconds) {
  if (timed_out || err == ETIMEDOUT)
    return fail(Verdict::no_route_or_filtered,
                "no answer within " + seconds(timeout_seconds) +
                    ": packets dropped (firewall, security group) or no route on the way",
                true);
  switch (err) {
    case 0: return Outcome{CheckStatus::pass, Verdict::reachable, "connected", false};
    case ECONNREFUSED:
      return fail(Verdict::refused, "connection refused (TCP reset): the host answered but nothing accepts on this port, or a firewall rejects with reset");
    case EHOSTUNREACH:
      return fail(Verdict::no_route_or_filtered, "host unreachable (ICMP from a router or firewall, or no neighbour on the local link)");
    case ENETUNREACH:
      return fail(Verdict::no_route_or_filtered, "network unreachable: no route to this address (on this host or a router on the way)");
    case EACCES:
    case EPERM:
      return fail(Verdict::no_route_or_filtered, "blocked by this host's own firewall (" + std::string(std::strerror(err)) + ")");
    default: break;
  }
  return fail(Verdict::no_route_or_filtered, std::string("connect failed: ") + std::strerror(err));
}

Outcome classify_mysql_error(const wire::MysqlError& error) {
  std::string text = "server error " + std::to_string(error.code) + ": " + error.message;
  switch (error.code) {
    case 1130:  // ER_HOST_NOT_PRIVILEGED
      return fail(Verdict::rejected_by_whitelist, "host not allowed: " + text);
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
      return fail(Verdict::auth_failed, "login refused: " + text);
    default: break;
  }
  return fail(Verdict::refused, "the server refused the session: " + text);
}

Outcome classify_pg_error(const wire::PgError& error) {
  std::string text = error.severity + " " + error.code + ": " + error.message;
  if (error.code == "28000" && error.message.find("pg_hba.conf") != std::string::npos)
    return fail(Verdict::rejected_by_whitelist, "host not allowed by pg_hba.conf: " + text);
  if (error.code == "28P01" || error.code == "28000")
    return fail(Verdict::auth_failed, "login refused: " + text);
  return fail(Verdict::refused, "the server refused the session: " + text);
}

Outcome classify_http(HttpOutcome what, long status, const std::string& message) {
  switch (what) {
    case HttpOutcome::ok:
      return Outcome{CheckStatus::pass, Verdict::reachable, "HTTP status " + std::to_string(status), false};
    case HttpOutcome::tls_error: return fail(Verdict::tls_failure, "TLS failed: " + message);
    case HttpOutcome::timeout: return fail(Verdict::timeout, "no HTTP answer in time: " + message, true);
    case HttpOutcome::connect_error: return fail(Verdict::refused, "connection failed: " + message);
    case HttpOutcome::protocol_error: break;
  }
  return fail(Verdict::refused, "the port does not answer as an HTTP server: " + message);
}

}  // namespace syncpath::probes
