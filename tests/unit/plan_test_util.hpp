// Helpers for the planner's tests: load a topology from text, change one thing, plan a pair.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loader.hpp"
#include "plan.hpp"

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "{";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return (out + "}").c_str();
  }
};
}  // namespace doctest

namespace plan_test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string source_path(const std::string& rel) { return std::string(SYNCPATH_SOURCE_DIR) + "/" + rel; }

inline std::string matrix_text() { return read_file(source_path("tests/data/plan/matrix.yaml")); }

// Replaces the one occurrence of `from` (which must be there: a test edit that misses is a
// broken test, not a pass).
inline std::string edit(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "test edit: `" << from << "` is not in the topology");
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "test edit: `" << from << "` is ambiguous");
  return text.replace(at, from.size(), to);
}

inline syncpath::Topology load(const std::string& text) {
  auto r = syncpath::load_topology_text(text, "test.yaml");
  std::string diags;
  for (const auto& d : r.diagnostics.items())
    diags += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.code + " " + d.message + "\n";
  REQUIRE_MESSAGE(r.ok(), "the test topology does not load:\n" << diags);
  return std::move(*r.topology);
}

inline syncpath::PairPlan plan(const std::string& text, const std::string& group, const std::string& source) {
  auto t = load(text);
  auto p = syncpath::plan_pair(t, group, source);
  REQUIRE_MESSAGE(p, "no pair " << group << " / " << source);
  return *p;
}

// The actions of a pair's steps that are (not) done, in order.
inline std::vector<std::string> actions(const syncpath::Judgement& j, bool done) {
  std::vector<std::string> out;
  for (const auto& st : j.steps)
    if (st.done == done) out.emplace_back(syncpath::to_string(st.action));
  return out;
}

inline const syncpath::PlanStep* find_step(const syncpath::Judgement& j, const std::string& action, bool done) {
  for (const auto& st : j.steps)
    if (syncpath::to_string(st.action) == action && st.done == done) return &st;
  return nullptr;
}

inline bool has_note(const syncpath::PairPlan& p, const std::string& note) {
  for (const auto& n : p.notes)
    if (n == note) return true;
  return false;
}

using Strings = std::vector<std::string>;

}  // namespace plan_test
