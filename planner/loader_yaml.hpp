// A compact, read-only YAML tree built from yaml-cpp's parser events, for the topology loader.
//
// Why not YAML::Node: on a 23 MB topology yaml-cpp's node graph takes twice the time of the
// parse itself and over a gigabyte of memory (a shared_ptr web per node). This tree keeps
// every node in one flat array (first child / next sibling indices, scalars in one string
// pool), so it costs a few dozen bytes per node and is freed without recursion. Aliases point
// at their anchored node (shared, never copied). Marks stay 0-based as yaml-cpp gives them;
// the loader makes them 1-based in one place.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncpath::yaml {

struct Mark {
  int pos = -1, line = -1, column = -1;  // 0-based; -1: unknown
  bool is_null() const { return line < 0; }
};

enum class Kind : std::uint8_t { undefined, null, scalar, sequence, map, alias };

class Document;

// A handle to one node of a Document; cheap to copy. A default handle is "undefined".
class Node {
 public:
  Node() = default;
  Node(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}

  bool IsDefined() const;
  bool IsNull() const { return kind() == Kind::null; }
  bool IsScalar() const { return kind() == Kind::scalar; }
  bool IsSequence() const { return kind() == Kind::sequence; }
  bool IsMap() const { return kind() == Kind::map; }
  std::string Scalar() const;  // "" unless a scalar
  Mark GetMark() const;        // the node's own mark (an alias: where the alias is written)
  std::size_t size() const;    // children of a sequence, pairs of a map

  // Children in order: a sequence's items, or a map's keys and values alternating.
  std::vector<Node> children() const;

 private:
  Kind kind() const;
  std::uint32_t target() const;  // follows an alias to its anchored node
  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

struct ParseError {
  Mark mark;
  std::string message;
};

class Document {
 public:
  // Parses `text`. Returns false with `error` set on a YAML syntax error. `documents` is the
  // number of YAML documents in the text (only the first is kept); `second_document` marks
  // where the second starts.
  bool parse(const std::string& text, ParseError& error);
  std::size_t documents() const { return documents_; }
  Mark second_document() const { return second_document_; }
  // The first document's root; undefined if the text holds no document.
  Node root() const { return nodes_.empty() ? Node() : Node(this, 0); }

 private:
  friend class Node;
  friend class Builder;
  struct Data {
    Kind kind = Kind::undefined;
    int line = -1, column = -1, pos = -1;
    std::uint32_t first = 0, next = 0, count = 0;  // 0 means none (node 0 is never a child)
    std::uint32_t text_offset = 0, text_size = 0;   // scalar text in pool_; alias: target index
  };
  std::vector<Data> nodes_;
  std::string pool_;
  std::size_t documents_ = 0;
  Mark second_document_;
};

}  // namespace syncpath::yaml
