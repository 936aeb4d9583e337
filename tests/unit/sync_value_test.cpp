#include <doctest/doctest.h>

#include "value.hpp"

using namespace syncpath::sync;

namespace {
ColumnType type(const char* declared) { return parse_sql_type(declared); }
std::optional<Cell> conv(const Cell& c, const ColumnType& t) {
  std::string reason;
  auto r = convert(c, t, reason);
  if (!r) CHECK_FALSE(reason.empty());  // every failure says why
  return r;
}
}  // namespace

TEST_CASE("declared SQL types map to logical types with their limits") {
  CHECK(type("BIGINT").kind == TypeKind::integer);
  CHECK(type("BIGINT").int_bits == 64);
  CHECK(type("int(10)").int_bits == 32);
  CHECK(type("bigint(20) unsigned").is_unsigned);
  CHECK(type("smallint").int_bits == 16);
  CHECK(type("tinyint(1)").kind == TypeKind::boolean);
  CHECK(type("decimal(30,8)").kind == TypeKind::decimal);
  CHECK(type("decimal(30,8)").precision == 30);
  CHECK(type("numeric(12,2)").scale == 2);
  CHECK(type("character varying(50)").kind == TypeKind::text);
  CHECK(type("character varying(50)").max_length == 50);
  CHECK(type("varchar(255)").max_length == 255);
  CHECK(type("timestamp without time zone").kind == TypeKind::datetime);
  CHECK(type("time without time zone").kind == TypeKind::time);
  CHECK(type("DATE").kind == TypeKind::date);
  CHECK(type("double precision").kind == TypeKind::real);
  CHECK(type("bytea").kind == TypeKind::bytes);
  CHECK(type("").kind == TypeKind::any);
}

TEST_CASE("integers convert only when they fit the destination column") {
  auto int32 = type("int");
  CHECK(conv(Cell::integer(2147483647), int32)->i == 2147483647);
  CHECK_FALSE(conv(Cell::integer(2147483648LL), int32));
  CHECK_FALSE(conv(Cell::integer(-1), type("int unsigned")));
  CHECK(conv(Cell::text("-42"), int32)->i == -42);
  CHECK(conv(Cell::text("12.000"), int32)->i == 12);
  CHECK_FALSE(conv(Cell::text("12.5"), int32));
  CHECK_FALSE(conv(Cell::text("abc"), int32));
  CHECK_FALSE(conv(Cell::text(""), int32));
  CHECK(conv(Cell::text("-9223372036854775808"), type("bigint"))->i == INT64_MIN);
  CHECK_FALSE(conv(Cell::text("9223372036854775808"), type("bigint")));
  CHECK_FALSE(conv(Cell::of(CellKind::date, "2024-01-01"), int32));
}

TEST_CASE("decimals keep every digit or are refused") {
  auto d = type("decimal(10,2)");
  CHECK(conv(Cell::text("12345678.90"), d)->s == "12345678.90");
  CHECK(conv(Cell::text("-0.5"), d)->kind == CellKind::decimal);
  CHECK_FALSE(conv(Cell::text("123456789.00"), d));  // 9 integer digits > 10 - 2
  CHECK_FALSE(conv(Cell::text("1.234"), d));         // would be rounded
  CHECK(conv(Cell::text("1.230"), d));               // trailing zeros drop nothing
  CHECK_FALSE(conv(Cell::text("1e5"), d));
  CHECK(conv(Cell::integer(7), d)->s == "7");
  CHECK(conv(Cell::of(CellKind::decimal, "99999999999999999999.12345678"), type("numeric"))->s == "99999999999999999999.12345678");
}

TEST_CASE("text is checked for UTF-8 and counted in characters") {
  auto v3 = type("varchar(3)");
  CHECK(conv(Cell::text("ζζζ"), v3)->s == "ζζζ");
  CHECK_FALSE(conv(Cell::text("ζζζζ"), v3));
  CHECK_FALSE(conv(Cell::text("\xC0\xAF"), type("text")));  // overlong encoding
  CHECK_FALSE(conv(Cell::text("\xED\xA0\x80"), type("text")));  // a surrogate
  CHECK(conv(Cell::integer(-5), type("text"))->s == "-5");
  CHECK(conv(Cell::real(0.1), type("text"))->s == "0.1");
  CHECK(valid_utf8("Grüße 你好 🙂"));
  CHECK(utf8_length("Grüße 你好 🙂") == 10);
}

TEST_CASE("dates, datetimes and times must be real calendar values") {
  CHECK(conv(Cell::text("2024-02-29"), type("date"))->kind == CellKind::date);
  CHECK_FALSE(conv(Cell::text("2023-02-29"), type("date")));
  CHECK_FALSE(conv(Cell::text("2023-13-01"), type("date")));
  CHECK_FALSE(conv(Cell::text("2023-02-30"), type("date")));
  CHECK(conv(Cell::text("2024-01-02T03:04:05"), type("datetime"))->s == "2024-01-02 03:04:05");
  CHECK(conv(Cell::text("2024-01-02"), type("datetime"))->s == "2024-01-02 00:00:00");
  CHECK(conv(Cell::of(CellKind::datetime, "2024-01-02 00:00:00"), type("date"))->s == "2024-01-02");
  CHECK_FALSE(conv(Cell::of(CellKind::datetime, "2024-01-02 10:00:00"), type("date")));  // would drop the time
  CHECK(conv(Cell::text("23:59:59.5"), type("time")));
  CHECK_FALSE(conv(Cell::text("24:00:00"), type("time")));
}

TEST_CASE("NULL goes anywhere nullable and nowhere else") {
  auto t = type("int");
  CHECK(conv(Cell::null(), t)->is_null());
  t.nullable = false;
  CHECK_FALSE(conv(Cell::null(), t));
}

TEST_CASE("booleans accept the usual spellings only") {
  auto b = type("boolean");
  CHECK(conv(Cell::text("true"), b)->i == 1);
  CHECK(conv(Cell::text("0"), b)->i == 0);
  CHECK(conv(Cell::integer(1), b)->i == 1);
  CHECK_FALSE(conv(Cell::integer(2), b));
  CHECK_FALSE(conv(Cell::text("maybe"), b));
}

TEST_CASE("convertibility is decided per type pair before any row moves") {
  CHECK(convertibility(type("int"), type("bigint")) == Convertibility::always);
  CHECK(convertibility(type("bigint"), type("int")) == Convertibility::per_value);
  CHECK(convertibility(type("varchar(10)"), type("int")) == Convertibility::per_value);
  CHECK(convertibility(type("date"), type("int")) == Convertibility::never);
  CHECK(convertibility(type("blob"), type("date")) == Convertibility::never);
  CHECK(convertibility(type("int"), type("text")) == Convertibility::always);
  CHECK(convertibility(type("text"), type("varchar(5)")) == Convertibility::per_value);
}

TEST_CASE("dates map to day numbers and back") {
  CHECK(*days_from_date("1970-01-01") == 0);
  CHECK(*days_from_date("2000-03-01") == 11017);
  CHECK(*days_from_date("1969-12-31") == -1);
  CHECK(*days_from_date("2024-02-29 12:00:00") == *days_from_date("2024-02-29"));
  for (std::int64_t d : {-719162LL, -1LL, 0LL, 11017LL, 2932896LL}) CHECK(*days_from_date(date_from_days(d)) == d);
  CHECK(date_from_days(19782) == "2024-02-29");
  CHECK_FALSE(days_from_date("2024-02-30"));
}

TEST_CASE("doubles print in their shortest exact form") {
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e10) == "10000000000");
  CHECK(format_double(-2.25) == "-2.25");
  double third = 1.0 / 3.0;
  CHECK(std::stod(format_double(third)) == third);
}

TEST_CASE("integers and decimals parse strictly as text, at every length") {
  CHECK(parse_int64("0") == 0);
  CHECK(parse_int64("-0") == 0);
  CHECK(parse_int64("+5") == 5);
  CHECK(parse_int64("00012") == 12);
  CHECK(parse_int64("123456789012345678") == 123456789012345678);     // 18 digits: the direct path
  CHECK(parse_int64("-123456789012345678") == -123456789012345678);
  CHECK(parse_int64("9223372036854775807") == INT64_MAX);             // 19 digits: from_chars
  CHECK(parse_int64("-9223372036854775808") == INT64_MIN);
  for (const char* bad : {"", "-", "+", "+-5", "--5", " 1", "1 ", "1.0", "12a", "9223372036854775808", "-9223372036854775809",
                          "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_int64(bad));
  }
  for (const char* good : {"1", "1.", ".5", "+1.5", "-0.000", "123456789012345678901234567890.123456789"}) {
    CAPTURE(good);
    CHECK(is_decimal_text(good));
  }
  for (const char* bad : {"", ".", "-", "+.", "1.2.3", "1e5", " 1", "--1", "1,5"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_decimal_text(bad));
  }
}
