#include "probe_result.hpp"
namespace syncpath::probes {
const char* to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::fail: return "fail";
    case CheckStatus::skip: return "skip";
  }
  return "?";
}
}  // namespace syncpath::probes
