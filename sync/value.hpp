// The value model of the sync core: typed cells as readers produce them, destination column
// types as writers declare them, and the conversions between the two. A conversion that
// cannot keep the value exactly is a failure with a reason (a dirty record), never a silent
// change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncpath::sync {

// What a cell holds. Decimals, dates and times travel as their canonical text so no
// precision is lost between databases.
enum class CellKind { null, integer, real, decimal, text, bytes, date, time, datetime, boolean };

struct Cell {
  CellKind kind = CellKind::null;
  std::int64_t i = 0;  // integer, boolean (0/1)
  double d = 0.0;      // real
  std::string s;       // decimal, text, bytes, date, time, datetime

  static Cell null() { return {}; }
  static Cell integer(std::int64_t v) { Cell c; c.kind = CellKind::integer; c.i = v; return c; }
  static Cell real(double v) { Cell c; c.kind = CellKind::real; c.d = v; return c; }
  static Cell boolean(bool v) { Cell c; c.kind = CellKind::boolean; c.i = v ? 1 : 0; return c; }
  static Cell of(CellKind k, std::string v) { Cell c; c.kind = k; c.s = std::move(v); return c; }
  static Cell text(std::string v) { return of(CellKind::text, std::move(v)); }

  bool is_null() const { return kind == CellKind::null; }
  // The value as text in the form every destination accepts (no quoting, NULL -> "").
  std::string to_text() const;
  // Bytes this cell weighs for throttling and totals.
  std::size_t weight() const;
  bool operator==(const Cell& o) const;
};

using Row = std::vector<Cell>;

// The logical type of a column, as far as conversion needs to know it.
enum class TypeKind { integer, real, decimal, text, bytes, date, time, datetime, boolean, any };

struct ColumnType {
  TypeKind kind = TypeKind::any;
  std::string native;        // as the database names it, for --explain ("varchar(20)")
  int int_bits = 64;         // integer: 8, 16, 24, 32 or 64
  bool is_unsigned = false;  // integer
  int precision = 0;         // decimal: total digits (0: unknown)
  int scale = 0;             // decimal: digits after the point
  long long max_length = 0;  // text/bytes: characters/bytes (0: unlimited)
  bool nullable = true;
};

std::string_view to_string(CellKind k);
std::string_view to_string(TypeKind k);

// Whether values of type `from` can go into a column of type `to`:
// always, per value (checked on each row, failures are dirty records) or never.
enum class Convertibility { always, per_value, never };
Convertibility convertibility(const ColumnType& from, const ColumnType& to);

// Converts `in` for a column of type `to`. On failure returns nullopt and sets `reason`
// (a plain sentence that includes no value: values go to the dirty file, not messages).
std::optional<Cell> convert(const Cell& in, const ColumnType& to, std::string& reason);

// `convert` in place, for the per-row path: on success `c` holds the value for the column;
// when that took more than relabelling the text's kind (text -> date keeps the text), the value
// as read is moved to `was` and `replaced` is set, so a dirty record can still show it. On
// failure `c` is unchanged. The common cases (text that is already valid) copy nothing.
bool convert_in_place(Cell& c, const ColumnType& to, std::string& reason, Cell& was, bool& replaced);

// Helpers shared by the connectors.
bool valid_utf8(std::string_view s);
std::size_t utf8_length(std::string_view s);
std::optional<std::int64_t> parse_int64(std::string_view s);
bool is_decimal_text(std::string_view s);
bool is_date_text(std::string_view s);      // YYYY-MM-DD, a real calendar day
bool is_time_text(std::string_view s);      // HH:MM:SS[.ffffff]
bool is_datetime_text(std::string_view s);  // date, space or T, time
std::string format_double(double v);        // shortest text that reads back as the same double
// Maps a declared SQL type name ("BIGINT UNSIGNED", "varchar(20)", "numeric(12,2)") to a type.
ColumnType parse_sql_type(std::string_view declared);
// Days since 1970-01-01 for a YYYY-MM-DD prefix, and back (for date split keys).
std::optional<std::int64_t> days_from_date(std::string_view s);
std::string date_from_days(std::int64_t days);

}  // namespace syncpath::sync
