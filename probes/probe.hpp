// Live checks against endpoints: the contract between the probes library and its users
// (the probe and sync subcommands). The library knows nothing of topologies or plans.
// Draft interface: the probes work may add fields, and should keep these.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probe_result.hpp"

namespace syncpath::probes {

enum class Protocol { tcp, mysql, postgresql, http, https };

enum class Verdict {
  reachable, dns_failure, no_route_or_filtered, refused, rejected_by_whitelist, auth_failed,
  tls_failure, timeout
};

const char* to_string(Protocol p);
const char* to_string(Verdict v);
std::optional<Protocol> parse_protocol(const std::string& word);

struct Target {
  std::string name;                 // data source name or "HOST:PORT"
  std::string host;                 // DNS name or dotted address
  std::optional<std::string> expected_ip;  // what the topology says the name resolves to
  int port = 0;
  Protocol protocol = Protocol::tcp;
  // Credentials for a real login in the handshake; empty username: greeting only.
  std::string database, username, password;
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
  std::vector<CheckResult> checks;
  Verdict verdict = Verdict::reachable;
};

struct Options {
  int concurrency = 64;
  double timeout_seconds = 3.0;
  int retries = 0;
  std::string dns_server;  // "IP:PORT" or "IP"; empty: the system resolver configuration
};

// Runs every target's ladder (DNS, TCP, handshake) through one event loop; returns results in
// the order of `targets`. Network outcomes are results, never exceptions.
std::vector<TargetResult> run_probes(const std::vector<Target>& targets, const Options& options);

}  // namespace syncpath::probes
