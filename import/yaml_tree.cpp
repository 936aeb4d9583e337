#include "yaml_tree.hpp"

namespace syncpath::import {

YNode& YNode::set(const std::string& key, YNode value) {
  for (auto& [k, v] : entries)
    if (k == key) return v = std::move(value);
  entries.push_back({key, std::move(value)});
  return entries.back().second;
}

YNode& YNode::set(const std::string& key, std::string value) { return set(key, scalar(std::move(value))); }

YNode& YNode::push(YNode item) {
  items.push_back(std::move(item));
  return items.back();
}

YNode* YNode::find(const std::string& key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

std::string yaml_scalar(const std::string& s) {
  auto plain_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '/' || c == '-' || c == '+' || c == '@';
  };
  bool plain = !s.empty() && s.front() != '-' && s.front() != '@' && s.front() != '.';
  for (char c : s) plain = plain && plain_char(c);
  if (plain) {
    std::string lower;
    for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    static const char* kWords[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"};
    for (const char* w : kWords) plain = plain && lower != w;
  }
  if (plain) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {

void flow(std::string& out, const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::scalar: out += yaml_scalar(n.text); return;
    case YNode::Kind::map:
      out += '{';
      for (std::size_t i = 0; i < n.entries.size(); ++i) {
        if (i) out += ", ";
        out += yaml_scalar(n.entries[i].first) + ": ";
        flow(out, n.entries[i].second);
      }
      out += '}';
      return;
    case YNode::Kind::seq:
      out += '[';
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out += ", ";
        flow(out, n.items[i]);
      }
      out += ']';
      return;
  }
}

bool inline_value(const YNode& n) {
  return n.kind == YNode::Kind::scalar || n.flow || (n.kind == YNode::Kind::map && n.entries.empty()) ||
         (n.kind == YNode::Kind::seq && n.items.empty());
}

void comment(std::string& out, const std::string& c) {
  if (c.empty()) return;
  out += "  # ";
  for (char ch : c) out += ch == '\n' ? ' ' : ch;
}

void block(std::string& out, const YNode& n, int indent);

// One entry of a map, its key at the current position; `item_comment` (a list item's) replaces
// the value's own comment.
void map_entry(std::string& out, const YEntry& e, int indent, const std::string& item_comment) {
  const auto& [k, v] = e;
  out += yaml_scalar(k) + ":";
  if (inline_value(v)) {
    out += ' ';
    flow(out, v);
    comment(out, item_comment.empty() ? v.comment : item_comment);
    out += '\n';
  } else {
    comment(out, item_comment.empty() ? v.comment : item_comment);
    out += '\n';
    block(out, v, indent + 2);
  }
}

// A map's entries at `indent`; the first written on the current line when `first_inline`.
void map_entries(std::string& out, const YNode& n, int indent, bool first_inline, const std::string& item_comment) {
  for (std::size_t i = 0; i < n.entries.size(); ++i) {
    if (i > 0 || !first_inline) out.append(static_cast<std::size_t>(indent), ' ');
    map_entry(out, n.entries[i], indent, i == 0 ? item_comment : "");
  }
}

void block(std::string& out, const YNode& n, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (n.kind == YNode::Kind::map) {
    map_entries(out, n, indent, false, "");
    return;
  }
  if (n.kind != YNode::Kind::seq) return;
  for (const auto& item : n.items) {
    out += pad + "- ";
    if (inline_value(item)) {
      flow(out, item);
      comment(out, item.comment);
      out += '\n';
    } else if (item.kind == YNode::Kind::map) {
      map_entries(out, item, indent + 2, true, item.comment);
    } else {
      comment(out, item.comment);
      out += '\n';
      block(out, item, indent + 2);
    }
  }
}

}  // namespace

std::string emit_yaml(const YNode& root, const std::vector<std::string>& header) {
  std::string out;
  for (const auto& h : header) out += h.empty() ? "#\n" : "# " + h + "\n";
  if (root.kind == YNode::Kind::map) {
    for (const auto& e : root.entries) {
      if (&e != &root.entries.front()) out += '\n';  // a blank line between sections
      map_entry(out, e, 0, "");
    }
  } else {
    block(out, root, 0);
  }
  return out;
}

}  // namespace syncpath::import
