// Notes a plan attaches to a pair: facts that are not steps. JSON carries their codes; text and
// markdown say them as sentences. The rule files may only name codes listed here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace syncpath {

const std::vector<std::string>& known_notes();
// The note as a sentence about the pair's data source `source`; the code itself if unknown.
std::string note_sentence(std::string_view code, std::string_view source);

}  // namespace syncpath
