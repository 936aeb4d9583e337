// Input problems are data: every loader collects all it finds, each with a position, a stable
// code and a plain message, and the CLI prints them all at once.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace syncpath {

// 1-based line and column; line 0 means "the file as a whole" (no caret is drawn).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Severity { error, warning };

struct Diagnostic {
  SourcePos pos;
  Severity severity = Severity::error;
  std::string code;     // stable, kebab-case, e.g. "unknown-key"
  std::string message;  // plain sentence; never contains a secret
  // Set on an error that follows from another one (a reference to an item whose own
  // definition is broken): where that root cause is. sort() puts it right after its cause.
  std::optional<SourcePos> caused_by;
};

class Diagnostics {
 public:
  void error(SourcePos pos, std::string code, std::string message);
  void warning(SourcePos pos, std::string code, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  // An error caused by the problem reported at `cause` (see Diagnostic::caused_by).
  void consequence(SourcePos pos, SourcePos cause, std::string code, std::string message);
  void append(const Diagnostics& other);

  const std::vector<Diagnostic>& items() const { return items_; }
  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  // Root causes first: sorted by file, line, column (stable for equal positions), each error
  // caused by another placed right after the one that causes it.
  void sort();

 private:
  std::vector<Diagnostic> items_;
};

const char* to_string(Severity s);

// `FILE:LINE:COL: error|warning: MESSAGE [code]`, then the source line and a caret when
// `source_text` (the whole file's text) is given and the line exists.
void render_text(std::ostream& out, const Diagnostic& d, const std::string* source_text,
                 bool color);
// How much of a long list text output shows (README, "validate"): the first `max` diagnostics in
// full (0 = all), the rest only counted by code, so that thousands of errors stay readable.
// One bound can be shared by several render_text calls (one per file) of a run.
constexpr std::size_t kDefaultMaxShown = 20;
struct TextBound {
  std::size_t max = kDefaultMaxShown;
  std::size_t shown = 0;
  std::vector<std::pair<std::string, std::size_t>> hidden;  // (code, count), first seen first
  std::size_t hidden_total() const;
};
// "... and N more not shown (duplicate-id 2990, ...); --max-errors 0 shows all" when any
// diagnostic was held back; nothing otherwise.
void render_hidden(std::ostream& out, const TextBound& bound);

// Every diagnostic of `diags` as above, up to `bound` (nullptr: all); `source_text` is the text of the file they name
// (others get no caret). Finds the lines in one pass, however many diagnostics there are.
void render_text(std::ostream& out, const Diagnostics& diags, const std::string& file,
                 const std::string* source_text, bool color, TextBound* bound = nullptr);
// {"diagnostics":[{"file","line","column","severity","code","message"}]}
void render_json(std::ostream& out, const Diagnostics& diags);
// The list alone, `[{...},...]` compact, for documents that hold diagnostics among other keys.
std::string json_diagnostics(const Diagnostics& diags);

// "did you mean" helper: the candidate nearest to `word` by edit distance, or "" if none is
// close enough to be a plausible typo.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace syncpath
