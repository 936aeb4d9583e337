// Every diagnostic code the topology loader can emit, so tests and docs can check they are all
// covered. Codes are stable: tools may match on them.
#pragma once

#include <string_view>
#include <vector>

namespace syncpath {

const std::vector<std::string_view>& loader_diagnostic_codes();

}  // namespace syncpath
