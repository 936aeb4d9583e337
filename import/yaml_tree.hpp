// A small YAML tree the import writes and the overlay merges into, and its emitter: block maps
// and lists for items, flow style for small leaves, a comment per item (its source), scalars
// quoted whenever YAML could read them as something else. yaml-cpp's emitter cannot put a
// comment after a flow item, which is where the sources go.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace syncpath::import {

struct YEntry;

struct YNode {
  enum class Kind { scalar, map, seq };
  Kind kind = Kind::scalar;
  std::string text;        // scalar
  bool flow = false;       // map / seq written on one line
  std::string comment;     // written after the node's first line (without the "# ")
  std::vector<YEntry> entries;  // map (a vector of a type complete only below: allowed since C++17)
  std::vector<YNode> items;                            // seq

  static YNode scalar(std::string s);
  static YNode map(bool flow = false);
  static YNode seq(bool flow = false);
  YNode& set(const std::string& key, YNode value);  // replaces or appends
  YNode& set(const std::string& key, std::string value);
  YNode* find(const std::string& key);
  YNode& push(YNode item);
};

struct YEntry {  // a mapping's key and value (named like std::pair's, which needs a complete YNode)
  std::string first;
  YNode second;
};

inline YNode YNode::scalar(std::string s) {
  YNode n;
  n.text = std::move(s);
  return n;
}
inline YNode YNode::map(bool flow) {
  YNode n;
  n.kind = Kind::map;
  n.flow = flow;
  return n;
}
inline YNode YNode::seq(bool flow) {
  YNode n;
  n.kind = Kind::seq;
  n.flow = flow;
  return n;
}

// The document's text: `header` lines (each written as a comment) then the tree.
std::string emit_yaml(const YNode& root, const std::vector<std::string>& header);
// A scalar as YAML must write it: plain when that reads back as the same string, else quoted.
std::string yaml_scalar(const std::string& s);

}  // namespace syncpath::import
