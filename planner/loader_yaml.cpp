#include "loader_yaml.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <streambuf>
#include <unordered_map>

namespace syncpath::yaml {

bool Node::IsDefined() const { return doc_ != nullptr && kind() != Kind::undefined; }

std::uint32_t Node::target() const {
  // Alias chains are resolved when built, so one hop suffices.
  const auto& d = doc_->nodes_[index_];
  return d.kind == Kind::alias ? d.text_offset : index_;
}

Kind Node::kind() const { return doc_ ? doc_->nodes_[target()].kind : Kind::undefined; }

std::string Node::Scalar() const {
  if (!IsScalar()) return {};
  const auto& d = doc_->nodes_[target()];
  return doc_->pool_.substr(d.text_offset, d.text_size);
}

Mark Node::GetMark() const {
  if (!doc_) return {};
  const auto& d = doc_->nodes_[index_];
  return {d.pos, d.line, d.column};
}

std::size_t Node::size() const {
  if (!doc_) return 0;
  const auto& d = doc_->nodes_[target()];
  return d.kind == Kind::map ? d.count / 2 : d.kind == Kind::sequence ? d.count : 0;
}

std::vector<Node> Node::children() const {
  std::vector<Node> out;
  if (!IsSequence() && !IsMap()) return out;
  const auto& d = doc_->nodes_[target()];
  out.reserve(d.count);
  for (std::uint32_t c = d.first; c != 0; c = doc_->nodes_[c].next) out.emplace_back(doc_, c);
  return out;
}

// A read-only stream buffer over a string the caller keeps alive.
class TextBuf : public std::streambuf {
 public:
  explicit TextBuf(const std::string& text) {
    char* begin = const_cast<char*>(text.data());  // never written: get area only
    setg(begin, begin, begin + text.size());
  }
};

// Builds the first document from parser events; later documents are only counted.
class Builder : public YAML::EventHandler {
 public:
  explicit Builder(Document& doc) : doc_(doc) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 can stop consuming input at stray block-level content (a lone `,`) and
    // then start empty documents at the same place forever: a document that does not start
    // past the previous one is a syntax error here, not a hang.
    if (doc_.documents_ > 0 && mark.pos <= last_start_)
      throw YAML::ParserException(mark, "unexpected content: the YAML parser cannot continue past this point");
    last_start_ = mark.pos;
    ++doc_.documents_;
    if (doc_.documents_ == 2) doc_.second_document_ = {mark.pos, mark.line, mark.column};
    anchors_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { add(Kind::null, mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!building()) return;
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {  // yaml-cpp reports unknown anchors itself; be safe anyway
      add(Kind::null, mark, 0);
      return;
    }
    auto i = add(Kind::alias, mark, 0);
    if (i) doc_.nodes_[*i].text_offset = it->second;
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    auto i = add(Kind::scalar, mark, anchor);
    if (!i) return;
    doc_.nodes_[*i].text_offset = static_cast<std::uint32_t>(doc_.pool_.size());
    doc_.nodes_[*i].text_size = static_cast<std::uint32_t>(value.size());
    doc_.pool_ += value;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Kind::sequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Kind::map, mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    std::uint32_t index, last_child;
  };
  bool building() const { return doc_.documents_ == 1; }

  std::optional<std::uint32_t> add(Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (!building()) return std::nullopt;
    auto index = static_cast<std::uint32_t>(doc_.nodes_.size());
    Document::Data d;
    d.kind = kind;
    d.line = mark.line;
    d.column = mark.column;
    d.pos = mark.pos;
    doc_.nodes_.push_back(d);
    if (!stack_.empty()) {
      auto& parent = stack_.back();
      auto& p = doc_.nodes_[parent.index];
      if (parent.last_child == 0)
        p.first = index;
      else
        doc_.nodes_[parent.last_child].next = index;
      parent.last_child = index;
      ++p.count;
    }
    if (anchor != YAML::NullAnchor) anchors_[anchor] = index;
    return index;
  }
  void open(Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    auto i = add(kind, mark, anchor);
    if (i) stack_.push_back({*i, 0});
  }
  void close() {
    if (building() && !stack_.empty()) stack_.pop_back();
  }

  Document& doc_;
  int last_start_ = -1;
  std::vector<Open> stack_;
  std::unordered_map<YAML::anchor_t, std::uint32_t> anchors_;
};

bool Document::parse(const std::string& text, ParseError& error) {
  nodes_.clear();
  pool_.clear();
  documents_ = 0;
  // Rough sizes for a topology (about one node per 9 bytes, half the text in scalars) save
  // the copies of regrowth on big files.
  nodes_.reserve(text.size() / 9 + 16);
  pool_.reserve(text.size() / 2 + 16);
  try {
    TextBuf buf(text);  // reads the caller's text in place: no second copy of a big file
    std::istream in(&buf);
    YAML::Parser parser(in);
    Builder builder(*this);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::Exception& e) {
    error.mark = {e.mark.pos, e.mark.line, e.mark.column};
    error.message = e.msg;
    return false;
  }
  return true;
}

}  // namespace syncpath::yaml
