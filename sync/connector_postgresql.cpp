// PostgreSQL through libpq. Reads stream with COPY TO (memory flat); writes with COPY FROM
// STDIN (binary format when the columns allow) inside the slice's transaction, under a savepoint
// so a refused load is undone whole and can be bisected. replace and upsert go through a
// temporary staging table.
#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <cstring>
#include <vector>

#include <algorithm>
#include "connector.hpp"

namespace syncpath::sync {

namespace {

// OIDs of the built-in types (pg_type.dat); stable across versions.
ColumnType type_of_oid(Oid oid) {
  ColumnType t;
  switch (oid) {
    case 16: t.kind = TypeKind::boolean, t.native = "boolean"; break;
    case 20: t.kind = TypeKind::integer, t.int_bits = 64, t.native = "bigint"; break;
    case 21: t.kind = TypeKind::integer, t.int_bits = 16, t.native = "smallint"; break;
    case 23: t.kind = TypeKind::integer, t.int_bits = 32, t.native = "integer"; break;
    case 700: t.kind = TypeKind::real, t.native = "real"; break;
    case 701: t.kind = TypeKind::real, t.native = "double precision"; break;
    case 1700: t.kind = TypeKind::decimal, t.native = "numeric"; break;
    case 1082: t.kind = TypeKind::date, t.native = "date"; break;
    case 1114: t.kind = TypeKind::datetime, t.native = "timestamp"; break;
    case 1184: t.kind = TypeKind::datetime, t.native = "timestamptz"; break;
    case 1083: t.kind = TypeKind::time, t.native = "time"; break;
    case 17: t.kind = TypeKind::bytes, t.native = "bytea"; break;
    default: t.kind = TypeKind::text, t.native = "text";
  }
  return t;
}

bool is_connection_state(const char* sqlstate) {
  // 08 connection, 57 operator intervention (statement timeout, shutdown), 53 resources,
  // 40 transaction rollback (deadlock), 58 system error: the slice fails, the rows are not at fault.
  if (!sqlstate) return true;
  std::string_view s(sqlstate);
  return s.rfind("08", 0) == 0 || s.rfind("57", 0) == 0 || s.rfind("53", 0) == 0 || s.rfind("40", 0) == 0 ||
         s.rfind("58", 0) == 0 || s.rfind("XX", 0) == 0;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

Cell cell_of(const char* v, int len, const ColumnType& t) {
  std::string_view s(v, static_cast<std::size_t>(len));
  switch (t.kind) {
    case TypeKind::boolean: return Cell::boolean(s == "t");
    case TypeKind::integer:
      if (auto i = parse_int64(s)) return Cell::integer(*i);
      return Cell::text(std::string(s));
    case TypeKind::real: {
      double d = 0;
      if (s == "NaN" || s == "Infinity" || s == "-Infinity") return Cell::text(std::string(s));
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      return r.ec == std::errc{} ? Cell::real(d) : Cell::text(std::string(s));
    }
    case TypeKind::decimal: return Cell::of(CellKind::decimal, std::string(s));
    case TypeKind::date: return Cell::of(CellKind::date, std::string(s));
    case TypeKind::datetime: {
      // The session runs in UTC, so a timestamptz ends in "+00": the wall-clock part is the value.
      if (s.size() > 3 && s.substr(s.size() - 3) == "+00") s.remove_suffix(3);
      return Cell::of(CellKind::datetime, std::string(s));
    }
    case TypeKind::time: return Cell::of(CellKind::time, std::string(s));
    case TypeKind::bytes: {
      std::string out;
      if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') {
        out.reserve((s.size() - 2) / 2);
        for (std::size_t i = 2; i + 1 < s.size(); i += 2) out += static_cast<char>(hex_value(s[i]) * 16 + hex_value(s[i + 1]));
      } else {
        out = std::string(s);
      }
      return Cell::of(CellKind::bytes, std::move(out));
    }
    default: return Cell::text(std::string(s));
  }
}

// COPY's text format: \N for NULL; backslash, tab, newline and carriage return escaped.
void append_copy_field(std::string& out, const Cell& c) {
  static constexpr EscapeLetters kEscape = [] {
    EscapeLetters t{};
    t['\\'] = '\\', t['\t'] = 't', t['\n'] = 'n', t['\r'] = 'r';
    return t;
  }();
  switch (c.kind) {
    case CellKind::null: out += "\\N"; return;
    case CellKind::integer: append_integer(out, c.i); return;
    case CellKind::boolean: out += c.i ? 't' : 'f'; return;
    case CellKind::real: out += format_double(c.d); return;
    case CellKind::bytes: {
      static const char* kHex = "0123456789abcdef";
      out += "\\\\x";
      for (unsigned char b : c.s) out += kHex[b >> 4], out += kHex[b & 15];
      return;
    }
    case CellKind::decimal:
    case CellKind::date:
    case CellKind::time:
    case CellKind::datetime: out += c.s; return;  // digits and "+-.: T" only: checked by the conversion
    default: append_escaped(out, c.s, kEscape);
  }
}

// COPY's binary format (the server parses no text: numbers, dates and numerics arrive as they
// are stored, which is a quarter less of its work than the text format): a header, per row the
// field count and per field its length (-1 for NULL) and bytes, then a trailer. A column's
// binary form depends on its exact type, so the format is used only when every column is of a
// type below; else the writer speaks the text format.
namespace binary {

constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";  // signature, flags 0, no extension
constexpr std::size_t kHeaderSize = 19;
constexpr std::int64_t kEpochDays = 10957;  // 2000-01-01, PostgreSQL's epoch, in days since 1970

bool supported(Oid oid) {
  switch (oid) {
    case 16: case 17: case 20: case 21: case 23: case 25: case 700: case 701:
    case 1042: case 1043: case 1082: case 1083: case 1114: case 1184: case 1700: return true;
    default: return false;
  }
}

void put16(std::string& out, std::uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}
void put32(std::string& out, std::uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}
void put64(std::string& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v >> 32));
  put32(out, static_cast<std::uint32_t>(v));
}

int digits_of(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

// "HH:MM:SS[.ffffff]" as microseconds since midnight.
std::int64_t time_usec(std::string_view t) {
  std::int64_t us = (digits_of(t, 0, 2) * 3600LL + digits_of(t, 3, 2) * 60LL + digits_of(t, 6, 2)) * 1000000LL;
  if (t.size() > 9) {
    std::string_view f = t.substr(9, 6);
    std::int64_t frac = digits_of(f, 0, f.size());
    for (std::size_t i = f.size(); i < 6; ++i) frac *= 10;
    us += frac;
  }
  return us;
}

// A decimal's text ([+-]digits[.digits], checked by the conversion) as PostgreSQL's numeric:
// base-10000 digits aligned on the decimal point, the weight of the first, sign, display scale.
void put_numeric(std::string& out, std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const auto dot = s.find('.');
  std::string_view ip = s.substr(0, dot), fp = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  while (!ip.empty() && ip[0] == '0') ip.remove_prefix(1);
  const std::size_t lead = (4 - ip.size() % 4) % 4;  // zeros that align the integer part on a group
  const std::size_t ip_groups = (ip.size() + lead) / 4, fp_groups = (fp.size() + 3) / 4;
  thread_local std::vector<std::int16_t> digits;  // kept from value to value: no allocation per numeric
  digits.assign(ip_groups + fp_groups, 0);
  std::size_t n = 0;
  auto digit_at = [&](std::size_t pos) -> int {  // pos counts from the first aligned digit
    if (pos < lead) return 0;
    pos -= lead;
    if (pos < ip.size()) return ip[pos] - '0';
    pos -= ip.size();
    return pos < fp.size() ? fp[pos] - '0' : 0;
  };
  for (std::size_t g = 0; g < ip_groups + fp_groups; ++g) {
    int v = 0;
    for (std::size_t k = 0; k < 4; ++k) v = v * 10 + digit_at(g * 4 + k);
    digits[n++] = static_cast<std::int16_t>(v);
  }
  int weight = static_cast<int>(ip_groups) - 1;
  std::size_t first = 0;
  while (first < n && digits[first] == 0) ++first, --weight;  // leading zero groups
  while (n > first && digits[n - 1] == 0) --n;                // trailing zero groups
  if (first == n) negative = false, weight = 0;               // zero has no sign
  put16(out, static_cast<std::uint16_t>(n - first));
  put16(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(weight)));
  put16(out, negative ? 0x4000 : 0x0000);
  put16(out, static_cast<std::uint16_t>(fp.size()));
  for (std::size_t i = first; i < n; ++i) put16(out, static_cast<std::uint16_t>(digits[i]));
}

// One field: its length, then its bytes (the length is written once the bytes are).
void put_field(std::string& out, const Cell& c, Oid oid) {
  if (c.is_null()) {
    put32(out, 0xFFFFFFFFu);
    return;
  }
  const std::size_t len_at = out.size();
  put32(out, 0);
  switch (oid) {
    case 16: out += static_cast<char>(c.i != 0); break;
    case 20: put64(out, static_cast<std::uint64_t>(c.i)); break;
    case 21: put16(out, static_cast<std::uint16_t>(c.i)); break;
    case 23: put32(out, static_cast<std::uint32_t>(c.i)); break;
    case 700: {
      float f = static_cast<float>(c.d);
      std::uint32_t bits;
      std::memcpy(&bits, &f, 4);
      put32(out, bits);
      break;
    }
    case 701: {
      std::uint64_t bits;
      std::memcpy(&bits, &c.d, 8);
      put64(out, bits);
      break;
    }
    case 1700: put_numeric(out, c.s); break;
    case 1082: put32(out, static_cast<std::uint32_t>(static_cast<std::int32_t>(*days_from_date(c.s) - kEpochDays))); break;
    case 1083: put64(out, static_cast<std::uint64_t>(time_usec(c.s))); break;
    case 1114:
    case 1184: {
      const std::int64_t days = *days_from_date(c.s) - kEpochDays;
      put64(out, static_cast<std::uint64_t>(days * 86400000000LL + time_usec(std::string_view(c.s).substr(11))));
      break;
    }
    default: out += c.s;  // text, varchar, char, bytea: the bytes themselves
  }
  const auto len = static_cast<std::uint32_t>(out.size() - len_at - 4);
  for (int k = 0; k < 4; ++k) out[len_at + static_cast<std::size_t>(k)] = static_cast<char>(len >> (24 - 8 * k));
}

}  // namespace binary

class Pg {
 public:
  explicit Pg(const JobSide& e) {
    const DataSource& ds = e.data_source;
    std::string err;
    auto pw = resolve_secret(ds.password, e.base_dir, err);
    if (!pw) throw ConnectorError("postgresql: data source '" + ds.name + "': " + err);
    const syncpath::Endpoint& ep = *ds.endpoint;
    std::string host = ep.ip ? ep.ip->str() : ep.host;
    std::string port = std::to_string(ep.port);
    label_ = host + ":" + port;
    const char* keys[] = {ep.ip ? "hostaddr" : "host", "port", "dbname", "user", "password", "connect_timeout",
                          "client_encoding", "application_name", nullptr};
    const char* vals[] = {host.c_str(), port.c_str(), ds.database.c_str(), ds.username.c_str(), pw->c_str(), "10", "UTF8", "syncpath", nullptr};
    conn_ = PQconnectdbParams(keys, vals, 0);
    // A constructor that throws runs no destructor: the connection is closed here then.
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      std::string m = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      while (!m.empty() && m.back() == '\n') m.pop_back();
      throw ConnectorError("postgresql: cannot connect to " + label_ + " as '" + ds.username + "': " + m);
    }
    // Server notices ("relation already exists, skipping") would reach stderr raw, in the
    // middle of the report; nothing in them is needed.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    try {
      exec("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; SET bytea_output = 'hex'");
    } catch (const ConnectorError&) {
      PQfinish(conn_);
      throw;
    }
  }
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  PGconn* get() { return conn_; }
  const std::string& label() const { return label_; }

  void exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string m = PQresultErrorMessage(r);
      PQclear(r);
      throw ConnectorError("postgresql " + label_ + ": " + trim(m));
    }
    PQclear(r);
  }
  // Runs a query with text parameters; throws unless it returns rows.
  PGresult* query(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> p;
    for (const auto& s : params) p.push_back(s.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string m = PQresultErrorMessage(r);
      PQclear(r);
      throw ConnectorError("postgresql " + label_ + ": " + trim(m));
    }
    return r;
  }
  static std::string trim(std::string m) {
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m;
  }

 private:
  PGconn* conn_ = nullptr;
  std::string label_;
};

// Reads with COPY (SELECT ...) TO STDOUT: the rows arrive as COPY's text lines, one message a
// row, streamed (memory flat) and far cheaper to take apart than a result per row (single-row
// mode allocated a whole result for each). The text is what the types' output functions give,
// as a SELECT's would be; the column types come from describing the statement first.
class PgReader : public RowReader {
 public:
  PgReader(std::shared_ptr<Pg> db, const std::string& sql) : db_(std::move(db)) {
    PGconn* c = db_->get();
    PGresult* r = PQprepare(c, "", sql.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "cannot read");
    PQclear(r);
    r = PQdescribePrepared(c, "");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "cannot read");
    for (int i = 0; i < PQnfields(r); ++i) types_.push_back(type_of_oid(PQftype(r, i)));
    PQclear(r);
    r = PQexec(c, ("COPY (" + sql + ") TO STDOUT").c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) fail(r, "cannot read");
    PQclear(r);
  }
  ~PgReader() override {
    if (line_) PQfreemem(line_);
    if (done_) return;
    // Stopped early: cancel the COPY and drain it, so the connection closes cleanly.
    PQrequestCancel(db_->get());
    char* rest = nullptr;
    while (PQgetCopyData(db_->get(), &rest, 0) > 0) PQfreemem(rest);
    while (PGresult* r = PQgetResult(db_->get())) PQclear(r);
  }
  bool next(Row& row, std::string&) override {
    if (done_) return false;
    if (line_) PQfreemem(line_), line_ = nullptr;
    const int n = PQgetCopyData(db_->get(), &line_, 0);
    if (n == -1) {  // the end: the COPY's own result says whether it went well
      done_ = true;
      PGresult* r = PQgetResult(db_->get());
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      std::string m = ok ? "" : PQresultErrorMessage(r);
      PQclear(r);
      while (PGresult* more = PQgetResult(db_->get())) PQclear(more);
      if (!ok) throw ConnectorError("postgresql " + db_->label() + ": read failed: " + Pg::trim(m));
      return false;
    }
    if (n < 0) {
      done_ = true;
      throw ConnectorError("postgresql " + db_->label() + ": read failed: " + Pg::trim(PQerrorMessage(db_->get())));
    }
    row.resize(types_.size());
    std::string_view rest(line_, static_cast<std::size_t>(n));
    if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
    for (std::size_t i = 0; i < types_.size(); ++i) {
      const auto tab = rest.find('\t');
      std::string_view f = rest.substr(0, tab);
      rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
      if (f == "\\N") {
        row[i] = Cell::null();
      } else if (f.find('\\') == std::string_view::npos) {
        row[i] = cell_of(f.data(), static_cast<int>(f.size()), types_[i]);
      } else {
        unescape(f);
        row[i] = cell_of(field_.data(), static_cast<int>(field_.size()), types_[i]);
      }
    }
    return true;
  }

 private:
  [[noreturn]] void fail(PGresult* r, const char* what) {
    std::string m = PQresultErrorMessage(r);
    PQclear(r);
    done_ = true;
    while (PGresult* more = PQgetResult(db_->get())) PQclear(more);
    throw ConnectorError("postgresql " + db_->label() + ": " + what + ": " + Pg::trim(m));
  }
  // The escapes COPY's text output writes: \b \f \n \r \t \v and the backslash itself.
  void unescape(std::string_view f) {
    field_.clear();
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i] != '\\' || i + 1 == f.size()) {
        field_ += f[i];
        continue;
      }
      switch (char e = f[++i]) {
        case 'b': field_ += '\b'; break;
        case 'f': field_ += '\f'; break;
        case 'n': field_ += '\n'; break;
        case 'r': field_ += '\r'; break;
        case 't': field_ += '\t'; break;
        case 'v': field_ += '\v'; break;
        default: field_ += e;
      }
    }
  }

  std::shared_ptr<Pg> db_;
  std::vector<ColumnType> types_;
  char* line_ = nullptr;
  std::string field_;
  bool done_ = false;
};

class PgWriter : public RowWriter {
 public:
  // `binary_types`: each column's type, to write COPY's binary format; empty: the text format.
  PgWriter(std::shared_ptr<Pg> db, std::string copy_sql, std::string stage_setup, std::string merge_sql, std::vector<Oid> binary_types)
      : db_(std::move(db)), copy_sql_(std::move(copy_sql)), merge_sql_(std::move(merge_sql)), binary_(std::move(binary_types)) {
    db_->exec("BEGIN");
    open_ = true;
    if (!stage_setup.empty()) db_->exec(stage_setup);
  }
  ~PgWriter() override {
    abort_copy();
    if (open_) {
      PGresult* r = PQexec(db_->get(), "ROLLBACK");
      PQclear(r);
    }
  }

  WriteOutcome write(const std::vector<Row>& rows) override {
    if (bulk_open_) {  // never mixed by the engine; settle first rather than nest loads
      WriteOutcome o = settle();
      if (!o.ok) return o;
    }
    begin_load();
    send_rows(rows);
    return end_load();
  }

  bool bulk() const override { return true; }
  bool add(const std::vector<Row>& rows) override {
    if (!bulk_open_) {
      begin_load();
      bulk_open_ = true;
      bulk_bytes_ = 0;
    }
    send_rows(rows);
    return bulk_bytes_ >= kBulkBytes;
  }
  WriteOutcome settle() override {
    if (!bulk_open_) return {};
    bulk_open_ = false;
    return end_load();
  }

  void commit(const std::string& job_id, int slice) override {
    if (bulk_open_ && !settle().ok) throw ConnectorError("postgresql " + db_->label() + ": rows were left unsettled at commit");
    PGresult* r = db_->query("INSERT INTO syncpath_slices (job, slice) VALUES ($1, $2) RETURNING slice", {job_id, std::to_string(slice)});
    PQclear(r);
    db_->exec("COMMIT");
    open_ = false;
  }
  void rollback() override {
    abort_copy();
    bulk_open_ = false;
    if (open_) db_->exec("ROLLBACK");
    open_ = false;
  }

 private:
  // A load is settled after this many bytes of COPY data: big enough that its round trips and
  // the drain at its end are lost in the transfer, small enough that the rows kept for a replay
  // (if the server refuses one of them) stay small. Measured on 1,000,000 rows: 1 MB loads ran
  // as fast as 4 MB ones with 25 MB peak memory instead of 40; larger loads were slower (the
  // kept rows' memory costs more than the round trips saved).
  static constexpr std::size_t kBulkBytes = 1u << 20;
  // COPY data goes out in pieces of this size, so the server parses while the rest is encoded.
  static constexpr std::size_t kSendBytes = 64u << 10;

  std::string refusal_or_throw(PGresult* r) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string m = Pg::trim(PQresultErrorMessage(r));
    bool fatal = PQstatus(db_->get()) != CONNECTION_OK || is_connection_state(state);
    PQclear(r);
    if (fatal) throw ConnectorError("postgresql " + db_->label() + ": write failed: " + m);
    // The first line is the reason; the CONTEXT line would quote the row's values.
    return m.substr(0, m.find('\n'));
  }
  std::string run_refusable(const std::string& sql) {
    PGresult* r = PQexec(db_->get(), sql.c_str());
    if (PQresultStatus(r) == PGRES_COMMAND_OK) {
      PQclear(r);
      return {};
    }
    return refusal_or_throw(r);
  }
  // Opens a savepoint and a COPY; a COPY the server refuses at once is remembered for end_load.
  void begin_load() {
    db_->exec("SAVEPOINT syncpath_batch");
    refused_.clear();
    PGresult* r = PQexec(db_->get(), copy_sql_.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      refused_ = refusal_or_throw(r);
      return;
    }
    PQclear(r);
    copying_ = true;
    if (!binary_.empty()) buf_.append(binary::kHeader, binary::kHeaderSize);
  }
  void send_rows(const std::vector<Row>& rows) {
    if (!copying_) return;
    if (!binary_.empty()) {
      for (const Row& row : rows) {
        binary::put16(buf_, static_cast<std::uint16_t>(row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) binary::put_field(buf_, row[i], binary_[i]);
        if (buf_.size() >= kSendBytes) flush();
      }
      return;
    }
    for (const Row& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) buf_ += '\t';
        append_copy_field(buf_, row[i]);
      }
      buf_ += '\n';
      if (buf_.size() >= kSendBytes) flush();
    }
  }
  // Ends the COPY, merges (replace/upsert), and releases the savepoint or rolls back to it.
  WriteOutcome end_load() {
    std::string refused = refused_;
    if (copying_) {
      if (!binary_.empty()) binary::put16(buf_, 0xFFFF);  // the trailer
      flush();
      copying_ = false;
      if (PQputCopyEnd(db_->get(), nullptr) != 1) throw ConnectorError("postgresql " + db_->label() + ": COPY failed: " + Pg::trim(PQerrorMessage(db_->get())));
      while (PGresult* res = PQgetResult(db_->get())) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && refused.empty()) refused = refusal_or_throw(res);
        else PQclear(res);
      }
    }
    if (refused.empty() && !merge_sql_.empty()) refused = run_refusable(merge_sql_);
    if (!refused.empty()) {
      // ROLLBACK TO keeps the savepoint; release it too, or refused batches nest subtransactions
      // until the server runs out of lock slots.
      db_->exec("ROLLBACK TO SAVEPOINT syncpath_batch; RELEASE SAVEPOINT syncpath_batch");
      return {false, refused};
    }
    db_->exec("RELEASE SAVEPOINT syncpath_batch");
    return {};
  }
  void flush() {
    if (buf_.empty()) return;
    if (PQputCopyData(db_->get(), buf_.data(), static_cast<int>(buf_.size())) != 1)
      throw ConnectorError("postgresql " + db_->label() + ": COPY failed: " + Pg::trim(PQerrorMessage(db_->get())));
    bulk_bytes_ += buf_.size();
    buf_.clear();
  }
  // Ends a COPY in progress with an error, so the connection takes commands again.
  void abort_copy() {
    buf_.clear();
    if (!copying_) return;
    copying_ = false;
    if (PQputCopyEnd(db_->get(), "syncpath: slice abandoned") == 1)
      while (PGresult* res = PQgetResult(db_->get())) PQclear(res);
  }

  std::shared_ptr<Pg> db_;
  std::string copy_sql_, merge_sql_;
  std::vector<Oid> binary_;
  std::string buf_, refused_;
  std::size_t bulk_bytes_ = 0;
  bool open_ = false, copying_ = false, bulk_open_ = false;
};

class PgConnection : public Connection {
  static constexpr long long kMarksLock = 0x73796e6370617468;  // "syncpath": the advisory lock key of prepare_marks

 public:
  explicit PgConnection(const JobSide& e) : db_(std::make_shared<Pg>(e)), cancel_(PQgetCancel(db_->get())) {}
  ~PgConnection() override { PQfreeCancel(cancel_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Shape describe_table(const std::string& table) override {
    Shape s;
    std::string reg = quote_table(Dialect::postgresql, table);
    PGresult* r = db_->query(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {reg});
    for (int i = 0; i < PQntuples(r); ++i) {
      ColumnInfo c;
      c.name = PQgetvalue(r, i, 0);
      c.type = parse_sql_type(PQgetvalue(r, i, 1));
      c.type.nullable = std::string(PQgetvalue(r, i, 2)) == "t";
      s.columns.push_back(std::move(c));
    }
    PQclear(r);
    r = db_->query(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass($1) AND i.indisprimary",
        {reg});
    for (int i = 0; i < PQntuples(r); ++i) s.primary_key.push_back(PQgetvalue(r, i, 0));
    PQclear(r);
    s.found = !s.columns.empty();
    if (!s.found) s.error = "no table '" + table + "' in the database (postgresql " + db_->label() + ")";
    return s;
  }

  Shape describe_query(const std::string& query) override {
    Shape s;
    PGresult* r = PQexec(db_->get(), ("SELECT * FROM (" + query + ") syncpath_q LIMIT 0").c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      s.error = "the source query fails: " + Pg::trim(PQresultErrorMessage(r));
      PQclear(r);
      return s;
    }
    for (int i = 0; i < PQnfields(r); ++i) s.columns.push_back({PQfname(r, i), type_of_oid(PQftype(r, i))});
    PQclear(r);
    s.found = true;
    return s;
  }

  KeyBounds key_bounds(const JobSide& src, const std::string& hint) override {
    std::string k = quote_ident(Dialect::postgresql, src.split_key);
    PGresult* r = db_->query("SELECT MIN(" + k + ")::text, MAX(" + k + ")::text" + from_where(Dialect::postgresql, src, KeyRange{}));
    KeyBounds b;
    std::optional<std::pair<std::string, std::string>> text;
    if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) text.emplace(PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    PQclear(r);
    if (text) b = key_bounds_from_text(text->first, text->second, hint, "postgresql", src.split_key);
    return b;
  }

  std::unique_ptr<RowReader> read(const JobSide& src, const std::vector<std::string>& columns, const KeyRange& range) override {
    return std::make_unique<PgReader>(db_, source_sql(Dialect::postgresql, src, columns, range));
  }

  std::unique_ptr<RowWriter> write(const JobSide& dst, const std::vector<ColumnInfo>& columns, const std::vector<std::string>& keys, int,
                                   int) override {
    const Dialect d = Dialect::postgresql;
    std::string cols, updates, key_list, key_match;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string q = quote_ident(d, columns[i].name);
      cols += (i ? ", " : "") + q;
      if (std::find(keys.begin(), keys.end(), columns[i].name) == keys.end())
        updates += (updates.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::string q = quote_ident(d, keys[i]);
      key_list += (i ? ", " : "") + q;
      key_match += (i ? " AND " : "") + std::string("t.") + q + " = s." + q;
    }
    std::string table = quote_table(d, dst.table);
    std::vector<Oid> types = binary_types(table, columns);
    const std::string format = types.empty() ? "" : " (FORMAT binary)";
    if (dst.write_mode == WriteMode::insert)
      return std::make_unique<PgWriter>(db_, "COPY " + table + " (" + cols + ") FROM STDIN" + format, "", "", std::move(types));
    std::string setup = "CREATE TEMP TABLE IF NOT EXISTS syncpath_stage ON COMMIT DROP AS SELECT " + cols + " FROM " + table + " WITH NO DATA";
    std::string merge = "TRUNCATE syncpath_stage"; // emptied after each batch's merge, below
    std::string insert = "INSERT INTO " + table + " (" + cols + ") SELECT " + cols + " FROM syncpath_stage";
    std::string sql;
    if (dst.write_mode == WriteMode::replace) {
      // Like MySQL's REPLACE: the old row goes, so columns the job does not map get their defaults.
      sql = "DELETE FROM " + table + " t USING syncpath_stage s WHERE " + key_match + "; " + insert + "; " + merge;
    } else {
      sql = insert + " ON CONFLICT (" + key_list + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates) + "; " + merge;
    }
    return std::make_unique<PgWriter>(db_, "COPY syncpath_stage (" + cols + ") FROM STDIN" + format, setup, sql, std::move(types));
  }

  // The type of each column written, when every one has a binary form the writer knows.
  std::vector<Oid> binary_types(const std::string& table, const std::vector<ColumnInfo>& columns) {
    PGresult* r = db_->query("SELECT a.attname, a.atttypid FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                             {table});
    std::vector<Oid> out;
    for (const auto& c : columns) {
      Oid oid = 0;
      for (int i = 0; i < PQntuples(r); ++i)
        if (c.name == PQgetvalue(r, i, 0)) oid = static_cast<Oid>(std::stoul(PQgetvalue(r, i, 1)));
      if (!binary::supported(oid)) {
        out.clear();
        break;
      }
      out.push_back(oid);
    }
    PQclear(r);
    return out;
  }

  void execute(const std::string& sql) override { db_->exec(sql); }

  // Two sessions creating the same table at once collide on the catalog ("duplicate key value
  // violates unique constraint pg_type_typname_nsp_index"), IF NOT EXISTS or not: the creation
  // runs under a transaction-scoped advisory lock, so one creates it and the others see it.
  void prepare_marks() override {
    db_->exec("BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kMarksLock) +
              "); CREATE TABLE IF NOT EXISTS syncpath_slices (job varchar(64) NOT NULL, slice integer NOT NULL, PRIMARY KEY (job, slice)); COMMIT");
  }

  std::vector<std::string> table_names() override {
    PGresult* r = db_->query(
        "SELECT CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' LIMIT 10000");
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    PQclear(r);
    return out;
  }

  bool marks_exist() {
    PGresult* t = db_->query("SELECT to_regclass('syncpath_slices') IS NOT NULL");
    bool exists = std::string(PQgetvalue(t, 0, 0)) == "t";
    PQclear(t);
    return exists;
  }

  std::optional<std::vector<int>> committed_slices(const std::string& job_id) override {
    std::vector<int> out;
    if (!marks_exist()) return out;  // nothing was ever committed here
    PGresult* r = db_->query("SELECT slice FROM syncpath_slices WHERE job = $1", {job_id});
    for (int i = 0; i < PQntuples(r); ++i) out.push_back(std::stoi(PQgetvalue(r, i, 0)));
    PQclear(r);
    return out;
  }
  void forget_slices(const std::string& job_id, std::optional<int> slice) override {
    if (!marks_exist()) return;
    PGresult* r = slice ? db_->query("DELETE FROM syncpath_slices WHERE job = $1 AND slice = $2 RETURNING slice", {job_id, std::to_string(*slice)})
                        : db_->query("DELETE FROM syncpath_slices WHERE job = $1 RETURNING slice", {job_id});
    PQclear(r);
  }

  // The cancel object is made when connecting: PQcancel on it is safe from any thread.
  void cancel() override {
    char err[256];
    if (cancel_) PQcancel(cancel_, err, sizeof err);
  }

  std::optional<std::uint64_t> count(const JobSide& src, const KeyRange& range) override {
    PGresult* r = PQexec(db_->get(), ("SELECT COUNT(*)" + from_where(Dialect::postgresql, src, range)).c_str());
    std::optional<std::uint64_t> n;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) n = std::stoull(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
  }

 private:
  std::shared_ptr<Pg> db_;
  PGcancel* cancel_;
};

}  // namespace

std::unique_ptr<Connection> connect_postgresql(const JobSide& e) { return std::make_unique<PgConnection>(e); }

}  // namespace syncpath::sync
