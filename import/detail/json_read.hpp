// Internal to the import's readers (included by their .cpp files only, never by a public header):
// reading nlohmann::json values leniently, and parsing a text into a diagnostic on error.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "diagnostics.hpp"

namespace syncpath::import::detail {

using json = nlohmann::json;

// A JSON scalar as text ("3306" for 3306); nullopt for null, objects, arrays.
inline std::optional<std::string> scalar_text(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return std::to_string(j.get<long long>());
  if (j.is_number_unsigned()) return std::to_string(j.get<unsigned long long>());
  if (j.is_boolean()) return std::string(j.get<bool>() ? "true" : "false");
  return std::nullopt;
}

// The member `key` of an object, nullptr when `j` is no object or has none.
inline const json* member(const json* j, std::string_view key) {
  if (!j || !j->is_object()) return nullptr;
  auto it = j->find(std::string(key));
  return it == j->end() ? nullptr : &*it;
}

SourcePos json_error_pos(const std::string& file, const std::string& text, std::size_t byte);

// `text` parsed, or nullopt with a `not-json` error at the parser's position; `what` says what
// the file should be ("give the output of `terraform show -json`").
inline std::optional<json> parse_json(const std::string& text, const std::string& file, const std::string& what, Diagnostics& d) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    std::string why = e.what();
    if (auto p = why.find("syntax error"); p != std::string::npos) why = why.substr(p);
    d.error(json_error_pos(file, text, e.byte), "not-json", "not valid JSON (" + why + "); " + what);
    return std::nullopt;
  } catch (const json::exception& e) {  // out_of_range: a number no double holds (1e999)
    std::string why = e.what();
    if (auto p = why.find("] "); p != std::string::npos) why = why.substr(p + 2);
    d.error({file, 0, 0}, "not-json", "not usable JSON (" + why + "); " + what);
    return std::nullopt;
  }
}

}  // namespace syncpath::import::detail
