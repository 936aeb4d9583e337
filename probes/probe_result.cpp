#include "probe_result.hpp"

#include <array>
#include <utility>

#include "probe.hpp"

namespace syncpath::probes {

const char* to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::fail: return "fail";
    case CheckStatus::skip: return "skip";
  }
  return "?";
}

namespace {
constexpr std::array<std::pair<Protocol, const char*>, 5> kProtocols{{
    {Protocol::tcp, "tcp"}, {Protocol::mysql, "mysql"}, {Protocol::postgresql, "postgresql"},
    {Protocol::http, "http"}, {Protocol::https, "https"}}};
constexpr std::array<std::pair<Verdict, const char*>, 8> kVerdicts{{
    {Verdict::reachable, "reachable"}, {Verdict::dns_failure, "dns_failure"},
    {Verdict::no_route_or_filtered, "no_route_or_filtered"}, {Verdict::refused, "refused"},
    {Verdict::rejected_by_whitelist, "rejected_by_whitelist"}, {Verdict::auth_failed, "auth_failed"},
    {Verdict::tls_failure, "tls_failure"}, {Verdict::timeout, "timeout"}}};
}  // namespace

const char* to_string(Protocol p) {
  for (const auto& [value, name] : kProtocols)
    if (value == p) return name;
  return "?";
}

const char* to_string(Verdict v) {
  for (const auto& [value, name] : kVerdicts)
    if (value == v) return name;
  return "?";
}

std::optional<Protocol> parse_protocol(const std::string& word) {
  for (const auto& [value, name] : kProtocols)
    if (word == name) return value;
  return std::nullopt;
}

std::optional<Verdict> parse_verdict(const std::string& word) {
  for (const auto& [value, name] : kVerdicts)
    if (word == name) return value;
  return std::nullopt;
}

}  // namespace syncpath::probes
