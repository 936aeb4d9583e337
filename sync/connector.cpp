#include "connector.hpp"

#include <charconv>
#include <cstring>
#include <filesystem>

namespace syncpath::sync {

std::string resolve_path(const JobSide& e, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative() && !e.base_dir.empty()) p = std::filesystem::path(e.base_dir) / p;
  return p.string();
}

std::unique_ptr<Connection> connect(const JobSide& e) {
  if (e.jsonl) return connect_jsonl(e);
  switch (e.data_source.type) {
    case SourceType::sqlite: return connect_sqlite(e);
    case SourceType::csv: return connect_csv(e);
    case SourceType::mysql: return connect_mysql(e);
    case SourceType::postgresql: return connect_postgresql(e);
    default: throw ConnectorError("the sync core has no connector for " + std::string(to_string(e.data_source.type)));
  }
}

KeyBounds key_bounds_from_text(const std::string& lo, const std::string& hi, const std::string& hint,
                               const std::string& who, const std::string& split_key) {
  KeyBounds b;
  b.empty = false;
  auto li = parse_int64(lo), hi_i = parse_int64(hi);
  if (li && hi_i && hint != "date") {
    b.lo = *li, b.hi = *hi_i;
    return b;
  }
  auto ld = days_from_date(lo), hd = days_from_date(hi);
  if (!ld || !hd) throw ConnectorError(who + ": split_key '" + split_key + "' is neither an integer nor a date");
  b.is_date = true, b.lo = *ld, b.hi = *hd;
  return b;
}

std::string quote_ident(Dialect d, const std::string& name) {
  char q = d == Dialect::mysql ? '`' : '"';
  std::string out(1, q);
  for (char c : name) {
    if (c == q) out += q;  // doubled quote escapes it in all three dialects
    out += c;
  }
  out += q;
  return out;
}

std::string quote_table(Dialect d, const std::string& name) {
  auto dot = name.find('.');
  if (dot == std::string::npos) return quote_ident(d, name);
  return quote_ident(d, name.substr(0, dot)) + "." + quote_ident(d, name.substr(dot + 1));
}

std::string where_clause(Dialect d, const JobSide& src, const KeyRange& range) {
  if (range.none) return " WHERE 1 = 0";
  std::vector<std::string> parts;
  if (!src.where.empty()) parts.push_back("(" + src.where + ")");
  if (!range.whole) {
    std::string k = quote_ident(d, src.split_key);
    std::string cond = "(" + k + " >= " + range.lo + " AND " + k + (range.last ? " <= " : " < ") + range.hi + ")";
    if (range.first) cond = "(" + cond + " OR " + k + " IS NULL)";  // NULL keys belong to the first slice
    parts.push_back(cond);
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " AND " : " WHERE ") + parts[i];
  return out;
}

std::string source_sql(Dialect d, const JobSide& src, const std::vector<std::string>& columns, const KeyRange& range) {
  std::string cols;
  for (std::size_t i = 0; i < columns.size(); ++i) cols += (i ? ", " : "") + quote_ident(d, columns[i]);
  return "SELECT " + cols + from_where(d, src, range);
}

std::string from_where(Dialect d, const JobSide& src, const KeyRange& range) {
  std::string from = src.query.empty() ? quote_table(d, src.table) : "(" + src.query + ") syncpath_q";
  return " FROM " + from + where_clause(d, src, range);
}

void append_escaped(std::string& out, std::string_view s, const EscapeLetters& letters) {
  const char* p = s.data();
  const char* const e = p + s.size();
  const char* run = p;
  for (; p < e; ++p) {
    // Eight bytes at a time while none can be one to escape (NUL, tab, newline and carriage
    // return are below 14, and the backslash): values rarely hold one.
    for (std::uint64_t w; e - p >= 8;) {
      std::memcpy(&w, p, 8);
      if (has_byte_below(w, 14) || has_byte(w, '\\')) break;
      p += 8;
    }
    if (p == e) break;
    const char letter = letters[static_cast<unsigned char>(*p)];
    if (!letter) continue;
    out.append(run, p);
    out += '\\';
    out += letter;
    run = p + 1;
  }
  out.append(run, e);
}

void append_integer(std::string& out, std::int64_t v) {
  char b[24];
  auto r = std::to_chars(b, b + sizeof b, v);
  out.append(b, r.ptr);
}

}  // namespace syncpath::sync
