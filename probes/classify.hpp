// What a low-level outcome means for the user: the step's status, the verdict it leads to,
// and a plain detail. Pure functions, shared by the event loop and the unit tests.
#pragma once

#include <string>

#include "probe.hpp"
#include "wire.hpp"

namespace syncpath::probes {

struct Outcome {
  CheckStatus status = CheckStatus::pass;
  Verdict verdict = Verdict::reachable;
  std::string detail;
  bool retryable = false;  // a timeout: worth another attempt when --retries allows
};

enum class DnsOutcome { ok, nxdomain, no_address, servfail, timeout, refused, other };
// `server` names the DNS server that was asked ("10.0.0.2:53 (--dns-server)"); `detail` is the
// pass detail (ok) or the resolver's own words (other).
Outcome classify_dns(DnsOutcome what, const std::string& name, const std::string& server, const std::string& detail);

// `err` is the errno of a failed connect (0 with `timed_out` when no answer came in time).
Outcome classify_connect(int err, bool timed_out, double timeout_seconds);

// The error packet a MySQL/MariaDB server sent instead of a greeting or after the login.
Outcome classify_mysql_error(const wire::MysqlError& error);

// An ErrorResponse from PostgreSQL during startup or authentication.
Outcome classify_pg_error(const wire::PgError& error);

enum class HttpOutcome { ok, tls_error, timeout, connect_error, protocol_error };
Outcome classify_http(HttpOutcome what, long status, const std::string& message);

}  // namespace syncpath::probes
