#include "notes.hpp"

#include <array>
#include <utility>

namespace syncpath {

namespace {
// {code, sentence}; `$` stands for the data source's name.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kNotes{{
    {"internet_traffic_cost", "The path crosses the Internet: Data Integration's Internet traffic is billed."},
    {"security_group_not_modelled",
     "$ is hosted on ECS but the topology gives it no security group, so the plan cannot check that its port is open "
     "to the group."},
    {"whitelist_not_modelled",
     "The topology does not say whether $ has a whitelist: list it under `whitelist:`, or write `whitelist: any` if "
     "it admits every address."},
}};
}  // namespace

const std::vector<std::string>& known_notes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> out;
    for (const auto& [code, sentence] : kNotes) out.emplace_back(code);
    return out;
  }();
  return codes;
}

std::string note_sentence(std::string_view code, std::string_view source) {
  for (const auto& [c, sentence] : kNotes) {
    if (c != code) continue;
    std::string out;
    for (char ch : sentence) {
      if (ch == '$') out += source;
      else out += ch;
    }
    return out;
  }
  return std::string(code);
}

}  // namespace syncpath
