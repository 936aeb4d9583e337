// Network outcomes are data: what one live check found.
#pragma once
#include <string>
namespace syncpath::probes {
enum class CheckStatus { pass, fail, skip };
const char* to_string(CheckStatus s);
}  // namespace syncpath::probes
