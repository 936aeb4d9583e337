#include "value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <limits>

namespace syncpath::sync {

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// These run once per value of a column: plain loops, no locale, no from_chars set-up.
bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// The value of digits the caller has checked (a date's or a time's fields).
int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Integer range of a destination column, by width and sign.
bool fits(std::int64_t v, const ColumnType& t) {
  if (t.is_unsigned && v < 0) return false;
  if (t.int_bits >= 64) return true;
  if (t.is_unsigned) return v < (std::int64_t{1} << t.int_bits);
  std::int64_t lim = std::int64_t{1} << (t.int_bits - 1);
  return v >= -lim && v < lim;
}

// Checks a decimal text against precision/scale: no digit may be dropped.
bool decimal_fits(std::string_view s, const ColumnType& t, std::string& reason) {
  if (t.precision <= 0) return true;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  auto dot = s.find('.');
  std::string_view ip = s.substr(0, dot), fp = dot == std::string_view::npos ? "" : s.substr(dot + 1);
  while (ip.size() > 1 && ip[0] == '0') ip.remove_prefix(1);
  if (ip == "0") ip = "";
  while (!fp.empty() && fp.back() == '0') fp.remove_suffix(1);
  if (static_cast<int>(fp.size()) > t.scale) {
    reason = "more decimal places than the column's scale " + std::to_string(t.scale) + " (would be rounded)";
    return false;
  }
  if (static_cast<int>(ip.size()) > t.precision - t.scale) {
    reason = "too many digits for " + (t.native.empty() ? std::string("the decimal column") : t.native);
    return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(CellKind k) {
  switch (k) {
    case CellKind::null: return "null";
    case CellKind::integer: return "integer";
    case CellKind::real: return "real";
    case CellKind::decimal: return "decimal";
    case CellKind::text: return "text";
    case CellKind::bytes: return "bytes";
    case CellKind::date: return "date";
    case CellKind::time: return "time";
    case CellKind::datetime: return "datetime";
    case CellKind::boolean: return "boolean";
  }
  return "?";
}

std::string_view to_string(TypeKind k) {
  switch (k) {
    case TypeKind::integer: return "integer";
    case TypeKind::real: return "real";
    case TypeKind::decimal: return "decimal";
    case TypeKind::text: return "text";
    case TypeKind::bytes: return "bytes";
    case TypeKind::date: return "date";
    case TypeKind::time: return "time";
    case TypeKind::datetime: return "datetime";
    case TypeKind::boolean: return "boolean";
    case TypeKind::any: return "any";
  }
  return "?";
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[512];
  // Shortest round-trip digits; plain notation where that stays short, so every destination
  // (decimal and text columns too) reads it.
  double a = std::fabs(v);
  auto r = a == 0 || (a >= 1e-6 && a < 1e17) ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                                              : std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string Cell::to_text() const {
  switch (kind) {
    case CellKind::null: return {};
    case CellKind::integer: return std::to_string(i);
    case CellKind::boolean: return i ? "1" : "0";
    case CellKind::real: return format_double(d);
    default: return s;
  }
}

std::size_t Cell::weight() const {
  switch (kind) {
    case CellKind::null: return 1;
    case CellKind::integer:
    case CellKind::real: return 8;
    case CellKind::boolean: return 1;
    default: return s.size();
  }
}

bool Cell::operator==(const Cell& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case CellKind::null: return true;
    case CellKind::integer:
    case CellKind::boolean: return i == o.i;
    case CellKind::real: return d == o.d || (std::isnan(d) && std::isnan(o.d));
    default: return s == o.s;
  }
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0, n = s.size();
  while (i < n) {
    // ASCII, eight bytes at a time: most text is, and this runs once per value.
    for (std::uint64_t w; i + 8 <= n && (std::memcpy(&w, s.data() + i, 8), (w & 0x8080808080808080ull) == 0);) i += 8;
    if (i == n) break;
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    if (len == 2 && c < 0xC2) return false;  // overlong
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::optional<std::int64_t> parse_int64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;  // "+-5" is no number
  }
  // Up to 18 digits cannot overflow: summed directly. Longer ones go through from_chars,
  // which knows the limits.
  const bool negative = !s.empty() && s[0] == '-';
  std::string_view digits = negative ? s.substr(1) : s;
  if (!digits.empty() && digits.size() <= 18) {
    std::int64_t v = 0;
    for (char c : digits) {
      if (!is_digit(c)) return std::nullopt;
      v = v * 10 + (c - '0');
    }
    return negative ? -v : v;
  }
  std::int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_decimal_text(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool digit = false, dot = false;
  for (char c : s) {
    if (is_digit(c)) digit = true;
    else if (c == '.' && !dot) dot = true;
    else return false;
  }
  return digit;  // "." alone is none
}

bool is_date_text(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!all_digits(s.substr(0, 4)) || !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2))) return false;
  int y = to_int(s.substr(0, 4)), m = to_int(s.substr(5, 2)), d = to_int(s.substr(8, 2));
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool is_time_text(std::string_view s) {
  if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
  if (!all_digits(s.substr(0, 2)) || !all_digits(s.substr(3, 2)) || !all_digits(s.substr(6, 2))) return false;
  if (to_int(s.substr(0, 2)) > 23 || to_int(s.substr(3, 2)) > 59 || to_int(s.substr(6, 2)) > 59) return false;
  if (s.size() == 8) return true;
  return s[8] == '.' && s.size() <= 15 && all_digits(s.substr(9));
}

bool is_datetime_text(std::string_view s) {
  if (s.size() < 19 || (s[10] != ' ' && s[10] != 'T')) return false;
  return is_date_text(s.substr(0, 10)) && is_time_text(s.substr(11));
}

std::optional<std::int64_t> days_from_date(std::string_view s) {
  if (s.size() < 10 || !is_date_text(s.substr(0, 10))) return std::nullopt;
  int y = to_int(s.substr(0, 4)), m = to_int(s.substr(5, 2)), d = to_int(s.substr(8, 2));
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string date_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

ColumnType parse_sql_type(std::string_view declared) {
  ColumnType t;
  t.native = std::string(declared);
  std::string d = lower(declared);
  auto args_at = d.find('(');
  std::string base = d.substr(0, args_at);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  int a1 = 0, a2 = 0;
  if (args_at != std::string::npos) std::sscanf(d.c_str() + args_at, "(%d,%d", &a1, &a2);
  t.is_unsigned = d.find("unsigned") != std::string::npos;
  auto has = [&](std::string_view w) { return base.find(w) != std::string::npos; };
  auto is = [&](std::initializer_list<std::string_view> ws) {
    return std::any_of(ws.begin(), ws.end(), [&](std::string_view w) { return base == w; });
  };
  if (base.empty()) {
    t.kind = TypeKind::any;  // SQLite column without a declared type
  } else if (is({"tinyint", "int1"})) {
    t.kind = a1 == 1 && !t.is_unsigned ? TypeKind::boolean : TypeKind::integer;  // MySQL's BOOL is tinyint(1)
    t.int_bits = 8;
  } else if (is({"smallint", "int2", "smallserial"})) {
    t.kind = TypeKind::integer, t.int_bits = 16;
  } else if (is({"mediumint"})) {
    t.kind = TypeKind::integer, t.int_bits = 24;
  } else if (is({"int", "integer", "int4", "serial"})) {
    // SQLite's INTEGER is 64-bit; MySQL's and PostgreSQL's INT is 32-bit. The caller fixes SQLite.
    t.kind = TypeKind::integer, t.int_bits = 32;
  } else if (is({"bigint", "int8", "bigserial"})) {
    t.kind = TypeKind::integer, t.int_bits = 64;
  } else if (is({"bool", "boolean"})) {
    t.kind = TypeKind::boolean;
  } else if (is({"real", "double", "double precision", "float", "float4", "float8"})) {
    t.kind = TypeKind::real;
  } else if (is({"decimal", "numeric", "dec", "fixed"})) {
    t.kind = TypeKind::decimal, t.precision = a1, t.scale = a2;
  } else if (is({"date"})) {
    t.kind = TypeKind::date;
  } else if (has("timestamp") || is({"datetime"})) {
    t.kind = TypeKind::datetime;
  } else if (base.rfind("time", 0) == 0) {
    t.kind = TypeKind::time;
  } else if (has("blob") || is({"bytea", "binary", "varbinary"})) {
    t.kind = TypeKind::bytes, t.max_length = a1;
  } else if (has("char") || has("text") || has("clob") || is({"json", "jsonb", "uuid", "enum", "set", "xml", "name"})) {
    t.kind = TypeKind::text;
    if (has("char")) t.max_length = a1;
    if (base == "tinytext") t.max_length = 255;
  } else if (has("int")) {
    t.kind = TypeKind::integer, t.int_bits = 64;
  } else {
    t.kind = TypeKind::text;  // unknown names travel as text; the destination decides
  }
  return t;
}

Convertibility convertibility(const ColumnType& from, const ColumnType& to) {
  using C = Convertibility;
  if (to.kind == TypeKind::any || to.kind == TypeKind::text) {
    return to.max_length > 0 || from.kind == TypeKind::bytes ? C::per_value : C::always;
  }
  if (from.kind == TypeKind::any || from.kind == TypeKind::text) return C::per_value;
  switch (to.kind) {
    case TypeKind::integer:
      if (from.kind == TypeKind::integer) {
        bool wider = from.int_bits > to.int_bits || (from.is_unsigned != to.is_unsigned) ||
                     (from.is_unsigned && from.int_bits >= to.int_bits);
        return wider ? C::per_value : C::always;
      }
      if (from.kind == TypeKind::boolean) return C::always;
      if (from.kind == TypeKind::real || from.kind == TypeKind::decimal) return C::per_value;
      return C::never;
    case TypeKind::real:
      return from.kind == TypeKind::integer || from.kind == TypeKind::real || from.kind == TypeKind::boolean
                 ? C::always
                 : from.kind == TypeKind::decimal ? C::per_value : C::never;
    case TypeKind::decimal:
      if (from.kind == TypeKind::integer || from.kind == TypeKind::decimal || from.kind == TypeKind::real ||
          from.kind == TypeKind::boolean)
        return to.precision > 0 ? C::per_value : C::always;
      return C::never;
    case TypeKind::boolean:
      return from.kind == TypeKind::boolean ? C::always : from.kind == TypeKind::integer ? C::per_value : C::never;
    case TypeKind::bytes:
      return to.max_length > 0 ? C::per_value : C::always;
    case TypeKind::date:
      return from.kind == TypeKind::date ? C::always : from.kind == TypeKind::datetime ? C::per_value : C::never;
    case TypeKind::datetime:
      return from.kind == TypeKind::datetime || from.kind == TypeKind::date ? C::always : C::never;
    case TypeKind::time:
      return from.kind == TypeKind::time ? C::always : C::never;
    default: return C::always;
  }
}

namespace {
// YYYY-MM-DD digits at the start, whether or not that day exists: such a value is "not a
// calendar date", told apart from text that is no date at all.
bool has_date_shape(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  return s.size() == 10 || s[10] == ' ' || s[10] == 'T';
}

// Whether text goes into a text column as it is: valid UTF-8, within its length in characters.
bool text_fits(const std::string& s, const ColumnType& to, std::string& reason) {
  if (!valid_utf8(s)) {
    reason = "text is not valid UTF-8";
    return false;
  }
  // A character is at least a byte: no need to count when the bytes fit.
  if (to.max_length > 0 && static_cast<long long>(s.size()) > to.max_length && static_cast<long long>(utf8_length(s)) > to.max_length) {
    reason = "text longer than " + std::to_string(to.max_length) + " characters";
    return false;
  }
  return true;
}
}  // namespace

std::optional<Cell> convert(const Cell& in, const ColumnType& to, std::string& reason) {
  if (in.is_null()) {
    if (!to.nullable) {
      reason = "NULL into a NOT NULL column";
      return std::nullopt;
    }
    return in;
  }
  // Text-like sources (CSV fields, SQLite's untyped values) are parsed by the destination type.
  const bool textual = in.kind == CellKind::text || in.kind == CellKind::decimal || in.kind == CellKind::date ||
                       in.kind == CellKind::time || in.kind == CellKind::datetime;
  switch (to.kind) {
    case TypeKind::any: return in;
    case TypeKind::text: {
      Cell out = in.kind == CellKind::text ? in : Cell::text(in.to_text());
      if (in.kind == CellKind::bytes && !valid_utf8(in.s)) {
        reason = "binary value is not valid UTF-8 text";
        return std::nullopt;
      }
      if (!text_fits(out.s, to, reason)) return std::nullopt;
      return out;
    }
    case TypeKind::bytes: {
      Cell out = Cell::of(CellKind::bytes, in.kind == CellKind::bytes ? in.s : in.to_text());
      if (to.max_length > 0 && static_cast<long long>(out.s.size()) > to.max_length) {
        reason = "value longer than " + std::to_string(to.max_length) + " bytes";
        return std::nullopt;
      }
      return out;
    }
    case TypeKind::integer: {
      std::optional<std::int64_t> v;
      if (in.kind == CellKind::integer || in.kind == CellKind::boolean) {
        v = in.i;
      } else if (in.kind == CellKind::real) {
        if (std::isfinite(in.d) && std::trunc(in.d) == in.d && std::fabs(in.d) < 9.2e18) v = static_cast<std::int64_t>(in.d);
      } else if (textual) {
        v = parse_int64(in.s);
        if (!v && is_decimal_text(in.s)) {  // "12.000" is an integer; "12.5" is not
          auto dot = in.s.find('.');
          std::string_view frac = std::string_view(in.s).substr(dot + 1);
          if (std::all_of(frac.begin(), frac.end(), [](char c) { return c == '0'; })) v = parse_int64(in.s.substr(0, dot));
        }
      }
      if (!v) {
        reason = std::string("cannot convert ") + std::string(to_string(in.kind)) + " to an integer";
        return std::nullopt;
      }
      if (!fits(*v, to)) {
        reason = "integer out of range for " + (to.native.empty() ? std::string("the column") : to.native);
        return std::nullopt;
      }
      return Cell::integer(*v);
    }
    case TypeKind::real: {
      if (in.kind == CellKind::real) return in;
      if (in.kind == CellKind::integer || in.kind == CellKind::boolean) return Cell::real(static_cast<double>(in.i));
      if (textual) {
        double d = 0;
        const char* b = in.s.data();
        const char* e = b + in.s.size();
        if (!in.s.empty() && *b == '+') ++b;
        auto r = std::from_chars(b, e, d);
        if (r.ec == std::errc{} && r.ptr == e && !in.s.empty()) return Cell::real(d);
      }
      reason = std::string("cannot convert ") + std::string(to_string(in.kind)) + " to a floating-point number";
      return std::nullopt;
    }
    case TypeKind::decimal: {
      std::string text;
      if (in.kind == CellKind::integer || in.kind == CellKind::boolean) text = std::to_string(in.i);
      else if (in.kind == CellKind::real && std::isfinite(in.d)) text = format_double(in.d);
      else if (textual && is_decimal_text(in.s)) text = in.s;
      if (text.find_first_of("eE") != std::string::npos) {
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", to.scale > 0 ? to.scale : 17, in.d);
        text = buf;
      }
      if (text.empty()) {
        reason = std::string("cannot convert ") + std::string(to_string(in.kind)) + " to a decimal";
        return std::nullopt;
      }
      if (!decimal_fits(text, to, reason)) return std::nullopt;
      return Cell::of(CellKind::decimal, text);
    }
    case TypeKind::boolean: {
      if (in.kind == CellKind::boolean) return in;
      if (in.kind == CellKind::integer && (in.i == 0 || in.i == 1)) return Cell::boolean(in.i == 1);
      if (textual) {
        std::string l = lower(in.s);
        if (l == "1" || l == "t" || l == "true" || l == "yes" || l == "y") return Cell::boolean(true);
        if (l == "0" || l == "f" || l == "false" || l == "no" || l == "n") return Cell::boolean(false);
      }
      reason = "not a boolean (0/1/true/false)";
      return std::nullopt;
    }
    case TypeKind::date: {
      if (textual && is_date_text(in.s)) return Cell::of(CellKind::date, in.s);
      if (textual && is_datetime_text(in.s)) {
        std::string_view t = std::string_view(in.s).substr(11);
        if (t.find_first_not_of("0:.") == std::string_view::npos) return Cell::of(CellKind::date, in.s.substr(0, 10));
        reason = "datetime has a time of day; a date column would drop it";
        return std::nullopt;
      }
      reason = textual && has_date_shape(in.s) ? "not a calendar date (the month has no such day, or there is no such month)"
                                               : "not a date (YYYY-MM-DD)";
      return std::nullopt;
    }
    case TypeKind::datetime: {
      if (textual && is_datetime_text(in.s)) {
        std::string v = in.s;
        v[10] = ' ';
        return Cell::of(CellKind::datetime, v);
      }
      if (textual && is_date_text(in.s)) return Cell::of(CellKind::datetime, in.s + " 00:00:00");
      reason = textual && has_date_shape(in.s) && !is_date_text(std::string_view(in.s).substr(0, 10))
                   ? "not a calendar date (the month has no such day, or there is no such month)"
                   : "not a date and time (YYYY-MM-DD HH:MM:SS)";
      return std::nullopt;
    }
    case TypeKind::time: {
      if (textual && is_time_text(in.s)) return Cell::of(CellKind::time, in.s);
      reason = "not a time of day (HH:MM:SS)";
      return std::nullopt;
    }
  }
  return in;
}

bool convert_in_place(Cell& c, const ColumnType& to, std::string& reason, Cell& was, bool& replaced) {
  replaced = false;
  const bool textual = c.kind == CellKind::text || c.kind == CellKind::decimal || c.kind == CellKind::date ||
                       c.kind == CellKind::time || c.kind == CellKind::datetime;
  // The cases where the value stays the same text: checked here, without the copy convert makes.
  if (!c.is_null() && textual) {
    switch (to.kind) {
      case TypeKind::any: return true;
      case TypeKind::text:
        if (c.kind != CellKind::text) break;
        return text_fits(c.s, to, reason);
      case TypeKind::decimal:
        if (!is_decimal_text(c.s)) break;  // convert says why
        if (!decimal_fits(c.s, to, reason)) return false;
        c.kind = CellKind::decimal;
        return true;
      case TypeKind::date:
        if (!is_date_text(c.s)) break;
        c.kind = CellKind::date;
        return true;
      default: break;
    }
  }
  auto v = convert(c, to, reason);
  if (!v) return false;
  was = std::move(c);
  c = std::move(*v);
  replaced = true;
  return true;
}

}  // namespace syncpath::sync
