// Live checks against endpoints: the contract between the probes library and its users
// (the probe and sync subcommands). The library knows nothing of topologies or plans.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probe_result.hpp"

namespace syncpath::probes {

enum class Protocol { tcp, mysql, postgresql, http, https };

// Ordered as the ladder fails: the first failing step decides the verdict.
enum class Verdict {
  reachable, dns_failure, no_route_or_filtered, refused, rejected_by_whitelist, auth_failed,
  tls_failure, timeout
};

const char* to_string(Protocol p);
const char* to_string(Verdict v);
std::optional<Protocol> parse_protocol(const std::string& word);
std::optional<Verdict> parse_verdict(const std::string& word);

struct Target {
  std::string name;                 // data source name or "HOST:PORT"
  std::string host;                 // DNS name or dotted address
  std::optional<std::string> expected_ip;  // what the topology says the name resolves to
  int port = 0;
  Protocol protocol = Protocol::tcp;
  // Credentials for a real login in the handshake; empty username: greeting only.
  // PostgreSQL without a username introduces itself as "syncpath_probe".
  std::string database, username, password;
  std::string http_path = "/";      // http/https: the path requested (HEAD)
};

struct CheckResult {
  std::string check;  // dns | tcp | handshake | whitelist
  CheckStatus status = CheckStatus::skip;
  double ms = 0.0;
  std::string detail;  // never contains the password
};

struct TargetResult {
  Target target;           // password cleared
  std::string address;     // the address actually connected to
  std::string local_address;  // the address the connection left from (for the whitelist check)
  std::vector<CheckResult> checks;  // dns, tcp, handshake in that order (whitelist: the caller's)
  Verdict verdict = Verdict::reachable;
  int attempts = 0;        // connection attempts made (1 + retries used)
};

struct Options {
  int concurrency = 64;       // targets in flight at once
  double timeout_seconds = 3.0;  // per check (DNS, connect, handshake each)
  int retries = 0;            // extra attempts for a check that timed out
  std::string dns_server;     // "IP:PORT" or "IP"; empty: the system resolver configuration
  bool verify_tls = true;     // https: verify the certificate chain and name
};

// Empty when the options are usable, else a message naming the option and the fix.
std::string check_options(const Options& options);

// Runs every target's ladder (DNS, TCP, handshake) through one event loop; returns results in
// the order of `targets`. Network outcomes are results, never exceptions. Call check_options
// first: unusable options are a std::invalid_argument.
std::vector<TargetResult> run_probes(const std::vector<Target>& targets, const Options& options);

}  // namespace syncpath::probes
