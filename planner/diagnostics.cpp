#include "diagnostics.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

namespace syncpath {

void Diagnostics::error(SourcePos pos, std::string code, std::string message) {
  items_.push_back({std::move(pos), Severity::error, std::move(code), std::move(message), std::nullopt});
}

void Diagnostics::warning(SourcePos pos, std::string code, std::string message) {
  items_.push_back({std::move(pos), Severity::warning, std::move(code), std::move(message), std::nullopt});
}

void Diagnostics::consequence(SourcePos pos, SourcePos cause, std::string code, std::string message) {
  items_.push_back({std::move(pos), Severity::error, std::move(code), std::move(message), std::move(cause)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(std::count_if(
      items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

std::size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

void Diagnostics::sort() {
  // A consequence sorts by its cause's position, after everything that is at that position
  // itself (the cause among it).
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const SourcePos& pa = a.caused_by ? *a.caused_by : a.pos;
    const SourcePos& pb = b.caused_by ? *b.caused_by : b.pos;
    const bool ca = a.caused_by.has_value(), cb = b.caused_by.has_value();
    return std::tie(pa.file, pa.line, pa.column, ca, a.pos.line, a.pos.column) <
           std::tie(pb.file, pb.line, pb.column, cb, b.pos.line, b.pos.column);
  });
}

const char* to_string(Severity s) { return s == Severity::error ? "error" : "warning"; }

namespace {

constexpr std::size_t kSnippetWidth = 160;  // source bytes shown under a diagnostic at most

// The line of `text` that starts at byte `start`, without its line break.
std::string_view line_at(const std::string& text, std::size_t start) {
  auto end = text.find('\n', start);
  std::string_view result(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

// Where line `line` starts, scanning from line `from_line` at byte `from`; npos past the end.
std::size_t line_start(const std::string& text, int line, int from_line = 1, std::size_t from = 0) {
  std::size_t start = from;
  for (int i = from_line; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return std::string::npos;
    ++start;
  }
  return start;
}

void render_one(std::ostream& out, const Diagnostic& d, const std::string_view* text, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* sev = color ? (d.severity == Severity::error ? "\033[1;31m" : "\033[1;35m") : "";
  const char* reset = color ? "\033[0m" : "";
  out << bold << d.pos.file;
  if (d.pos.line > 0) out << ':' << d.pos.line << ':' << d.pos.column;
  out << ":" << reset << ' ' << sev << to_string(d.severity) << ":" << reset << ' ' << d.message
      << " [" << d.code << "]\n";
  if (!text) return;
  if (text->empty() && d.pos.column > 1) return;
  // A long line (minified or a flow list repeated thousands of times) is cut to a window around
  // the caret, so that one snippet stays one screen line whatever the input.
  std::string_view line = *text;
  std::size_t col = d.pos.column > 0 ? static_cast<std::size_t>(d.pos.column - 1) : 0;
  const bool cut_left = line.size() > kSnippetWidth && col > kSnippetWidth / 2;
  if (cut_left) {
    std::size_t from = std::min(col - kSnippetWidth / 2, line.size());
    line.remove_prefix(from);
    col -= from;
  }
  const bool cut_right = line.size() > kSnippetWidth;
  if (cut_right) line = line.substr(0, kSnippetWidth);
  out << "  " << (cut_left ? "..." : "") << line << (cut_right ? "..." : "") << "\n  " << (cut_left ? "   " : "");
  // Keep tabs so the caret lines up under tab-indented text.
  for (std::size_t i = 0; i < col && i < line.size(); ++i) out << (line[i] == '\t' ? '\t' : ' ');
  out << sev << '^' << reset << '\n';
}

}  // namespace

std::size_t TextBound::hidden_total() const {
  std::size_t n = 0;
  for (const auto& [code, count] : hidden) n += count;
  return n;
}

void render_hidden(std::ostream& out, const TextBound& bound) {
  const std::size_t total = bound.hidden_total();
  if (total == 0) return;
  out << "... and " << total << " more diagnostic" << (total == 1 ? "" : "s") << " not shown (";
  for (std::size_t i = 0; i < bound.hidden.size(); ++i)
    out << (i ? ", " : "") << bound.hidden[i].first << ' ' << bound.hidden[i].second;
  out << "); --max-errors 0 shows all, --format json lists all\n";
}

void render_text(std::ostream& out, const Diagnostics& diags, const std::string& file, const std::string* source_text,
                 bool color, TextBound* bound) {
  // Lines already found, so that many diagnostics on a large file cost one scan of it.
  std::vector<std::pair<int, std::size_t>> known{{1, 0}};  // (line, start), ascending
  for (const auto& d : diags.items()) {
    if (bound && bound->max != 0 && bound->shown >= bound->max) {
      auto it = std::find_if(bound->hidden.begin(), bound->hidden.end(), [&](const auto& h) { return h.first == d.code; });
      if (it == bound->hidden.end()) bound->hidden.emplace_back(d.code, 1);
      else ++it->second;
      continue;
    }
    if (bound) ++bound->shown;
    if (!source_text || d.pos.file != file || d.pos.line <= 0) {
      render_one(out, d, nullptr, color);
      continue;
    }
    auto it = std::upper_bound(known.begin(), known.end(), std::make_pair(d.pos.line, std::string::npos));
    const auto& [from_line, from] = *std::prev(it);
    std::size_t start = line_start(*source_text, d.pos.line, from_line, from);
    if (start == std::string::npos) {
      render_one(out, d, nullptr, color);
      continue;
    }
    if (it == known.end() || it->first != d.pos.line) known.insert(it, {d.pos.line, start});
    std::string_view text = line_at(*source_text, start);
    render_one(out, d, &text, color);
  }
}

void render_text(std::ostream& out, const Diagnostic& d, const std::string* source_text, bool color) {
  if (!source_text || d.pos.line <= 0) {
    render_one(out, d, nullptr, color);
    return;
  }
  std::size_t start = line_start(*source_text, d.pos.line);
  if (start == std::string::npos) {
    render_one(out, d, nullptr, color);
    return;
  }
  std::string_view text = line_at(*source_text, start);
  render_one(out, d, &text, color);
}

namespace {
nlohmann::json diagnostics_list(const Diagnostics& diags) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& d : diags.items()) {
    list.push_back({{"file", d.pos.file},
                    {"line", d.pos.line},
                    {"column", d.pos.column},
                    {"severity", to_string(d.severity)},
                    {"code", d.code},
                    {"message", d.message}});
  }
  return list;
}
}  // namespace

std::string json_diagnostics(const Diagnostics& diags) {
  return diagnostics_list(diags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void render_json(std::ostream& out, const Diagnostics& diags) {
  nlohmann::json list = diagnostics_list(diags);
  // Messages quote the input, which need not be UTF-8: replace bad bytes rather than throw.
  out << nlohmann::json{{"diagnostics", list}}.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  // A typo is at most a third of the word (and at least one edit) away.
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  // Bounded cost: a candidate whose length differs by more than the best distance so far cannot
  // win and is skipped unread, and a row whose minimum already exceeds it ends the comparison;
  // words are compared on at most kMaxWord bytes (no identifier is longer).
  constexpr std::size_t kMaxWord = 64;
  const std::string_view a = std::string_view(word).substr(0, kMaxWord);
  std::size_t best_d = limit + 1;
  const std::string* best = nullptr;
  std::vector<std::size_t> row;
  for (const auto& c : candidates) {
    const std::string_view b = std::string_view(c).substr(0, kMaxWord);
    const std::size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (gap >= best_d) continue;
    row.resize(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    bool over = false;
    for (std::size_t i = 1; i <= a.size() && !over; ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      std::size_t row_min = row[0];
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
        row_min = std::min(row_min, row[j]);
      }
      over = row_min >= best_d;
    }
    if (!over && row[b.size()] < best_d) best_d = row[b.size()], best = &c;
  }
  return best ? *best : std::string{};
}

}  // namespace syncpath
