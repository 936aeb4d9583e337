// MySQL and MariaDB through libmariadb. Reads stream (mysql_use_result, so memory stays flat);
// writes stream LOAD DATA LOCAL INFILE (insert, replace) or multi-row prepared inserts, inside
// one transaction per slice, strict mode on so the server refuses a bad value instead of
// silently changing it, and any warning it still raises turned into a refused batch (then
// bisected to the row with prepared inserts).
#include <errmsg.h>
#include <mysql.h>

#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <algorithm>
#include "connector.hpp"

namespace syncpath::sync {

namespace {

constexpr int kMaxParams = 65535;  // the protocol's limit on placeholders per statement

bool is_connection_error(unsigned code) {
  // Client-side errors (lost connection, timeouts, out of memory) and server-side lock timeouts
  // and deadlocks fail the slice; they say nothing about the row.
  return (code >= 2000 && code < 3000) || code == 1205 || code == 1213 || code == 1053 || code == 1927;
}

ColumnType type_of_field(const MYSQL_FIELD& f) {
  ColumnType t;
  t.is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
  switch (f.type) {
    case MYSQL_TYPE_TINY: t.kind = TypeKind::integer, t.int_bits = 8, t.native = "tinyint"; break;
    case MYSQL_TYPE_SHORT: t.kind = TypeKind::integer, t.int_bits = 16, t.native = "smallint"; break;
    case MYSQL_TYPE_INT24: t.kind = TypeKind::integer, t.int_bits = 24, t.native = "mediumint"; break;
    case MYSQL_TYPE_LONG: t.kind = TypeKind::integer, t.int_bits = 32, t.native = "int"; break;
    case MYSQL_TYPE_LONGLONG: t.kind = TypeKind::integer, t.int_bits = 64, t.native = "bigint"; break;
    case MYSQL_TYPE_YEAR: t.kind = TypeKind::integer, t.int_bits = 16, t.native = "year"; break;
    case MYSQL_TYPE_FLOAT: t.kind = TypeKind::real, t.native = "float"; break;
    case MYSQL_TYPE_DOUBLE: t.kind = TypeKind::real, t.native = "double"; break;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: t.kind = TypeKind::decimal, t.native = "decimal"; break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: t.kind = TypeKind::date, t.native = "date"; break;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: t.kind = TypeKind::datetime, t.native = "datetime"; break;
    case MYSQL_TYPE_TIME: t.kind = TypeKind::time, t.native = "time"; break;
    case MYSQL_TYPE_BIT: t.kind = TypeKind::bytes, t.native = "bit"; break;
    default:
      t.kind = f.charsetnr == 63 ? TypeKind::bytes : TypeKind::text;  // 63: the binary "charset"
      t.native = t.kind == TypeKind::bytes ? "blob" : "text";
  }
  if (t.is_unsigned) t.native += " unsigned";
  return t;
}

Cell cell_of(const char* v, unsigned long len, const ColumnType& t) {
  if (!v) return Cell::null();
  std::string_view s(v, len);
  switch (t.kind) {
    case TypeKind::integer:
      if (auto i = parse_int64(s)) return Cell::integer(*i);
      return Cell::of(CellKind::decimal, std::string(s));  // a bigint unsigned past 2^63
    case TypeKind::real: {
      double d = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), d);
      if (r.ec == std::errc{}) return Cell::real(d);
      return Cell::text(std::string(s));
    }
    case TypeKind::decimal: return Cell::of(CellKind::decimal, std::string(s));
    case TypeKind::date: return Cell::of(CellKind::date, std::string(s));
    case TypeKind::datetime: return Cell::of(CellKind::datetime, std::string(s));
    case TypeKind::time: return Cell::of(CellKind::time, std::string(s));
    case TypeKind::bytes: return Cell::of(CellKind::bytes, std::string(s));
    default: return Cell::text(std::string(s));
  }
}

// The data of one LOAD DATA LOCAL INFILE, handed from the writer's thread (push) to the thread
// running the statement, where libmariadb's local-infile callback reads it (read). Bounded:
// push waits while kMaxChunks are queued, so memory stays flat when the server is slower.
class LocalStream {
 public:
  // False once the statement has ended (the server refused it before reading everything).
  bool push(std::string&& chunk) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return chunks_.size() < kMaxChunks || ended_; });
    if (ended_) return false;
    chunks_.push_back(std::move(chunk));
    cv_.notify_all();
    return true;
  }
  void close() { set([&] { closed_ = true; }); }    // no more data: the read returns end of file
  void abort() { set([&] { aborted_ = true; }); }   // the read fails: the server ends the statement with an error
  void ended() { set([&] { ended_ = true; }); }     // the statement returned
  // The callback: up to `len` bytes, 0 at the end, -1 when abandoned.
  int read(char* buf, unsigned int len) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return !chunks_.empty() || closed_ || aborted_; });
    if (aborted_) return -1;
    if (chunks_.empty()) return 0;
    std::string& c = chunks_.front();
    std::size_t n = std::min<std::size_t>(len, c.size() - at_);
    std::memcpy(buf, c.data() + at_, n);
    at_ += n;
    if (at_ == c.size()) chunks_.pop_front(), at_ = 0, cv_.notify_all();
    return static_cast<int>(n);
  }

 private:
  static constexpr std::size_t kMaxChunks = 8;
  template <typename F>
  void set(F f) {
    {
      std::lock_guard<std::mutex> g(mu_);
      f();
    }
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  std::size_t at_ = 0;
  bool closed_ = false, aborted_ = false, ended_ = false;
};

// A field for LOAD DATA's default format (tab between fields, newline after the row, backslash
// escapes): \N for NULL; backslash, tab, newline, carriage return and NUL escaped.
void append_load_field(std::string& out, const Cell& c) {
  static constexpr EscapeLetters kEscape = [] {
    EscapeLetters t{};
    t['\\'] = '\\', t['\t'] = 't', t['\n'] = 'n', t['\r'] = 'r', t[0] = '0';
    return t;
  }();
  switch (c.kind) {
    case CellKind::null: out += "\\N"; return;
    case CellKind::integer: append_integer(out, c.i); return;
    case CellKind::boolean: out += c.i ? '1' : '0'; return;
    case CellKind::real: out += format_double(c.d); return;
    case CellKind::decimal:
    case CellKind::date:
    case CellKind::time:
    case CellKind::datetime: out += c.s; return;  // digits and "+-.: T" only: checked by the conversion
    default: append_escaped(out, c.s, kEscape);  // text, and bytes: LOAD DATA takes them raw
  }
}

// Server or client refusing LOAD DATA LOCAL itself (local_infile off): the writer then keeps to
// prepared inserts.
bool is_local_infile_refused(unsigned code) { return code == 1148 || code == 4166 || code == 3948 || code == 2068; }

class Mysql {
 public:
  explicit Mysql(const JobSide& e) {
    const DataSource& ds = e.data_source;
    std::string err;
    auto pw = resolve_secret(ds.password, e.base_dir, err);
    if (!pw) throw ConnectorError("mysql: data source '" + ds.name + "': " + err);
    db_ = mysql_init(nullptr);
    if (!db_) throw ConnectorError("mysql: out of memory");
    unsigned timeout = 10, io_timeout = 3600;
    mysql_options(db_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(db_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(db_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // LOAD DATA LOCAL, with a handler that only ever serves the writer's own stream: a server
    // asking for a file at any other time is refused (the default handler would read it from disk).
    unsigned local_infile = 1;
    mysql_options(db_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
    mysql_set_local_infile_handler(db_, infile_init, infile_read, infile_end, infile_error, this);
    const syncpath::Endpoint& ep = *ds.endpoint;
    host_ = ep.ip ? ep.ip->str() : ep.host;
    label_ = host_ + ":" + std::to_string(ep.port);
    if (!mysql_real_connect(db_, host_.c_str(), ds.username.c_str(), pw->c_str(), ds.database.empty() ? nullptr : ds.database.c_str(),
                            static_cast<unsigned>(ep.port), nullptr, 0)) {
      std::string m = mysql_error(db_);
      mysql_close(db_);
      db_ = nullptr;
      throw ConnectorError("mysql: cannot connect to " + label_ + " as '" + ds.username + "': " + m);
    }
    // Strict: a value that does not fit is refused, never truncated. UTC: timestamps unchanged.
    // Long net_write_timeout: a throttled or waiting slice reads slowly and must not be cut off.
    try {
      exec("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00', "
           "net_write_timeout = 3600, net_read_timeout = 3600");
    } catch (const ConnectorError&) {
      mysql_close(db_);  // a constructor that throws runs no destructor
      throw;
    }
  }
  ~Mysql() {
    if (db_) mysql_close(db_);
  }
  Mysql(const Mysql&) = delete;
  Mysql& operator=(const Mysql&) = delete;

  MYSQL* get() { return db_; }
  const std::string& label() const { return label_; }
  // The stream the next LOAD DATA LOCAL reads (nullptr: none is expected).
  void serve(LocalStream* stream) { local_ = stream; }

  void exec(const std::string& sql) {
    if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail("statement failed");
    if (MYSQL_RES* r = mysql_store_result(db_)) mysql_free_result(r);
  }
  [[noreturn]] void fail(const std::string& what) {
    throw ConnectorError("mysql " + label_ + ": " + what + ": " + mysql_error(db_));
  }
  std::string literal(const std::string& s) {
    std::string out(s.size() * 2 + 1, '\0');
    out.resize(mysql_real_escape_string(db_, out.data(), s.data(), s.size()));
    return "'" + out + "'";
  }

 private:
  static int infile_init(void** ptr, const char*, void* self) {
    *ptr = static_cast<Mysql*>(self)->local_;
    return *ptr ? 0 : 1;
  }
  static int infile_read(void* ptr, char* buf, unsigned int len) { return static_cast<LocalStream*>(ptr)->read(buf, len); }
  static void infile_end(void*) {}
  static int infile_error(void* ptr, char* msg, unsigned int len) {
    std::snprintf(msg, len, "%s", ptr ? "syncpath: the load was abandoned" : "syncpath: the server asked for a local file it was not offered");
    return 2000;  // CR_UNKNOWN_ERROR
  }

  MYSQL* db_ = nullptr;
  std::string host_, label_;
  LocalStream* local_ = nullptr;
};

class MysqlReader : public RowReader {
 public:
  MysqlReader(std::shared_ptr<Mysql> db, const std::string& sql) : db_(std::move(db)) {
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) db_->fail("cannot read");
    res_ = mysql_use_result(db_->get());
    if (!res_) db_->fail("cannot read");
    unsigned n = mysql_num_fields(res_);
    MYSQL_FIELD* f = mysql_fetch_fields(res_);
    for (unsigned i = 0; i < n; ++i) types_.push_back(type_of_field(f[i]));
  }
  ~MysqlReader() override {
    if (res_) mysql_free_result(res_);
  }
  bool next(Row& row, std::string&) override {
    MYSQL_ROW r = mysql_fetch_row(res_);
    if (!r) {
      if (mysql_errno(db_->get())) db_->fail("read interrupted");
      return false;
    }
    unsigned long* len = mysql_fetch_lengths(res_);
    row.resize(types_.size());
    for (std::size_t i = 0; i < types_.size(); ++i) row[i] = cell_of(r[i], len[i], types_[i]);
    return true;
  }

 private:
  std::shared_ptr<Mysql> db_;
  MYSQL_RES* res_ = nullptr;
  std::vector<ColumnType> types_;
};

class MysqlWriter : public RowWriter {
 public:
  // `load_sql`: the LOAD DATA LOCAL statement of the bulk mode; empty: prepared inserts only.
  MysqlWriter(std::shared_ptr<Mysql> db, std::string head, std::string row_params, std::string tail, std::size_t ncols, std::string load_sql,
              bool counts_rows)
      : db_(std::move(db)), head_(std::move(head)), row_params_(std::move(row_params)), tail_(std::move(tail)), ncols_(ncols),
        load_sql_(std::move(load_sql)), counts_rows_(counts_rows), bulk_(!load_sql_.empty()) {
    max_rows_ = std::max<std::size_t>(1, kMaxParams / std::max<std::size_t>(1, ncols_));
    db_->exec("START TRANSACTION");
    open_ = true;
  }
  ~MysqlWriter() override {
    abort_load();
    close_statements();
    if (open_) mysql_real_query(db_->get(), "ROLLBACK", 8);
  }

  // Bulk mode: one LOAD DATA LOCAL INFILE stays open over many batches, the rows streaming to
  // the server as they come (it costs the server a quarter less CPU than prepared inserts of
  // the same rows). With LOCAL the server cannot stop the client's data, so it turns what strict
  // mode would refuse into warnings and skips duplicates: any warning (or a row count that
  // differs) undoes the load to its savepoint and the rows go again as prepared inserts, strict,
  // bisected to the refused row. The dirty-data semantics are the prepared inserts'.
  bool bulk() const override { return bulk_; }
  bool add(const std::vector<Row>& rows) override {
    if (!loading_) begin_load();
    for (const Row& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i) buf_ += '\t';
        append_load_field(buf_, row[i]);
      }
      buf_ += '\n';
      if (buf_.size() >= kSendBytes) send();
    }
    load_rows_ += rows.size();
    return load_bytes_ >= kBulkBytes;
  }
  WriteOutcome settle() override {
    if (!loading_) return {};
    send();
    stream_->close();
    loader_.join();
    loading_ = false;
    db_->serve(nullptr);
    std::string refused;
    if (load_rc_ != 0) {
      if (is_local_infile_refused(load_errno_)) bulk_ = false;  // from now on, prepared inserts
      else if (is_connection_error(load_errno_)) throw ConnectorError("mysql " + db_->label() + ": write failed: " + load_error_);
      refused = load_error_.empty() ? "refused by the server" : load_error_;
    } else if (mysql_warning_count(db_->get()) > 0) {
      refused = warnings();
    }
    if (refused.empty() && counts_rows_ && mysql_affected_rows(db_->get()) != load_rows_) refused = "the server loaded another number of rows";
    return end_savepoint(refused);
  }

  WriteOutcome write(const std::vector<Row>& rows) override {
    db_->exec("SAVEPOINT syncpath_batch");
    std::string refused;
    for (std::size_t at = 0; at < rows.size() && refused.empty(); at += max_rows_) refused = insert(rows, at, std::min(max_rows_, rows.size() - at));
    return end_savepoint(refused);
  }
  void commit(const std::string& job_id, int slice) override {
    if (loading_ && !settle().ok) throw ConnectorError("mysql " + db_->label() + ": rows were left unsettled at commit");
    close_statements();
    db_->exec("INSERT INTO syncpath_slices (job, slice) VALUES (" + db_->literal(job_id) + ", " + std::to_string(slice) + ")");
    if (mysql_commit(db_->get()) != 0) db_->fail("commit failed");
    open_ = false;
  }
  void rollback() override {
    abort_load();
    close_statements();
    if (open_) mysql_rollback(db_->get());
    open_ = false;
  }

 private:
  MYSQL_STMT* statement(std::size_t n) {
    auto it = stmts_.find(n);
    if (it != stmts_.end()) return it->second;
    if (stmts_.size() > 8) close_statements();  // bisection makes many sizes; keep few open
    std::string sql = head_;
    for (std::size_t i = 0; i < n; ++i) sql += (i ? ", " : "") + row_params_;
    sql += tail_;
    MYSQL_STMT* st = mysql_stmt_init(db_->get());
    if (!st || mysql_stmt_prepare(st, sql.data(), sql.size()) != 0) {
      std::string m = st ? mysql_stmt_error(st) : "out of memory";
      if (st) mysql_stmt_close(st);
      throw ConnectorError("mysql " + db_->label() + ": cannot prepare the insert: " + m);
    }
    stmts_[n] = st;
    return st;
  }
  void close_statements() {
    for (auto& [n, st] : stmts_) mysql_stmt_close(st);
    stmts_.clear();
  }

  // "" when written; the server's reason when it refused the rows.
  std::string insert(const std::vector<Row>& rows, std::size_t at, std::size_t n) {
    MYSQL_STMT* st = statement(n);
    binds_.assign(n * ncols_, MYSQL_BIND{});
    nums_.assign(n * ncols_, 0);
    reals_.assign(n * ncols_, 0.0);
    lengths_.assign(n * ncols_, 0);
    for (std::size_t r = 0; r < n; ++r) {
      const Row& row = rows[at + r];
      for (std::size_t c = 0; c < ncols_; ++c) {
        std::size_t k = r * ncols_ + c;
        MYSQL_BIND& b = binds_[k];
        const Cell& cell = row[c];
        switch (cell.kind) {
          case CellKind::null: b.buffer_type = MYSQL_TYPE_NULL; break;
          case CellKind::integer:
          case CellKind::boolean:
            nums_[k] = cell.i;
            b.buffer_type = MYSQL_TYPE_LONGLONG, b.buffer = &nums_[k];
            break;
          case CellKind::real:
            reals_[k] = cell.d;
            b.buffer_type = MYSQL_TYPE_DOUBLE, b.buffer = &reals_[k];
            break;
          default:
            lengths_[k] = cell.s.size();
            b.buffer_type = cell.kind == CellKind::bytes ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
            b.buffer = const_cast<char*>(cell.s.data());
            b.buffer_length = cell.s.size();
            b.length = &lengths_[k];
        }
      }
    }
    if (mysql_stmt_bind_param(st, binds_.data()) != 0 || mysql_stmt_execute(st) != 0) {
      unsigned code = mysql_stmt_errno(st);
      std::string m = mysql_stmt_error(st);
      if (is_connection_error(code)) throw ConnectorError("mysql " + db_->label() + ": write failed: " + m);
      return m.empty() ? "refused by the server" : m;
    }
    if (mysql_warning_count(db_->get()) > 0) return warnings();
    return {};
  }

  // Strict mode turns most problems into errors; anything left as a warning would be a silent
  // change of the value, so it is a refusal too.
  std::string warnings() {
    if (mysql_real_query(db_->get(), "SHOW WARNINGS", 13) != 0) db_->fail("cannot read warnings");
    MYSQL_RES* res = mysql_store_result(db_->get());
    std::string out;
    if (res) {
      while (MYSQL_ROW r = mysql_fetch_row(res)) {
        if (r[0] && std::string(r[0]) == "Note") continue;
        out = r[2] ? r[2] : "warning";
        break;
      }
      mysql_free_result(res);
    }
    return out;
  }

  // A load is settled after this many bytes, as PostgreSQL's (see connector_postgresql.cpp):
  // the rows kept for a replay stay small, the round trips at its ends are lost in the transfer.
  static constexpr std::size_t kBulkBytes = 1u << 20;
  static constexpr std::size_t kSendBytes = 64u << 10;  // handed to the statement's thread in pieces of this size

  // Keeps what the savepoint covers, or undoes it when the server refused some of it.
  WriteOutcome end_savepoint(const std::string& refused) {
    if (!refused.empty()) db_->exec("ROLLBACK TO SAVEPOINT syncpath_batch");
    db_->exec("RELEASE SAVEPOINT syncpath_batch");
    if (!refused.empty()) return {false, refused};
    return {};
  }

  void begin_load() {
    db_->exec("SAVEPOINT syncpath_batch");
    stream_ = std::make_unique<LocalStream>();
    db_->serve(stream_.get());
    load_rows_ = 0, load_bytes_ = 0;
    loading_ = true;
    loader_ = std::thread([this] {
      load_rc_ = mysql_real_query(db_->get(), load_sql_.data(), load_sql_.size());
      load_errno_ = mysql_errno(db_->get());
      load_error_ = load_rc_ ? mysql_error(db_->get()) : "";
      stream_->ended();
    });
  }
  void send() {
    if (buf_.empty()) return;
    load_bytes_ += buf_.size();
    stream_->push(std::move(buf_));  // false: the statement ended early; settle reports why
    buf_.clear();
  }
  // Ends a load in progress with an error (the server rolls the statement back).
  void abort_load() {
    buf_.clear();
    if (!loading_) return;
    stream_->abort();
    loader_.join();
    loading_ = false;
    db_->serve(nullptr);
  }

  std::shared_ptr<Mysql> db_;
  std::string head_, row_params_, tail_;
  std::size_t ncols_, max_rows_;
  std::string load_sql_;
  bool counts_rows_;  // insert: the server's row count must equal the rows sent (replace counts deletions too)
  bool bulk_;
  bool loading_ = false;
  std::unique_ptr<LocalStream> stream_;
  std::thread loader_;
  std::string buf_;
  std::uint64_t load_rows_ = 0;
  std::size_t load_bytes_ = 0;
  int load_rc_ = 0;
  unsigned load_errno_ = 0;
  std::string load_error_;
  std::map<std::size_t, MYSQL_STMT*> stmts_;
  std::vector<MYSQL_BIND> binds_;
  std::vector<long long> nums_;
  std::vector<double> reals_;
  std::vector<unsigned long> lengths_;
  bool open_ = false;
};

class MysqlConnection : public Connection {
 public:
  explicit MysqlConnection(const JobSide& e) : db_(std::make_shared<Mysql>(e)) {}

  Shape describe_table(const std::string& table) override {
    Shape s;
    std::string schema = "DATABASE()", name = table;
    if (auto dot = table.find('.'); dot != std::string::npos) {
      schema = db_->literal(table.substr(0, dot));
      name = table.substr(dot + 1);
    }
    std::string sql = "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                      schema + " AND TABLE_NAME = " + db_->literal(name) + " ORDER BY ORDINAL_POSITION";
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) db_->fail("cannot describe " + table);
    MYSQL_RES* res = mysql_store_result(db_->get());
    if (!res) db_->fail("cannot describe " + table);
    while (MYSQL_ROW r = mysql_fetch_row(res)) {
      ColumnInfo c;
      c.name = r[0];
      c.type = parse_sql_type(r[1]);
      c.type.nullable = std::string(r[2]) == "YES";
      if (std::string(r[3] ? r[3] : "") == "PRI") s.primary_key.push_back(c.name);
      s.columns.push_back(std::move(c));
    }
    mysql_free_result(res);
    s.found = !s.columns.empty();
    if (!s.found) s.error = "no table '" + table + "' in the database (mysql " + db_->label() + ")";
    return s;
  }

  Shape describe_query(const std::string& query) override {
    Shape s;
    std::string sql = "SELECT * FROM (" + query + ") syncpath_q LIMIT 0";
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) {
      s.error = std::string("the source query fails: ") + mysql_error(db_->get());
      return s;
    }
    MYSQL_RES* res = mysql_store_result(db_->get());
    if (res) {
      MYSQL_FIELD* f = mysql_fetch_fields(res);
      for (unsigned i = 0; i < mysql_num_fields(res); ++i) s.columns.push_back({f[i].name, type_of_field(f[i])});
      mysql_free_result(res);
    }
    s.found = true;
    return s;
  }

  KeyBounds key_bounds(const JobSide& src, const std::string& hint) override {
    std::string k = quote_ident(Dialect::mysql, src.split_key);
    std::string sql = "SELECT MIN(" + k + "), MAX(" + k + ")" + from_where(Dialect::mysql, src, KeyRange{});
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) db_->fail("cannot find the split_key range");
    MYSQL_RES* res = mysql_store_result(db_->get());
    KeyBounds b;
    if (!res) return b;
    MYSQL_ROW r = mysql_fetch_row(res);
    std::optional<std::pair<std::string, std::string>> text;
    if (r && r[0] && r[1]) text.emplace(r[0], r[1]);
    mysql_free_result(res);
    if (text) b = key_bounds_from_text(text->first, text->second, hint, "mysql", src.split_key);
    return b;
  }

  std::unique_ptr<RowReader> read(const JobSide& src, const std::vector<std::string>& columns, const KeyRange& range) override {
    return std::make_unique<MysqlReader>(db_, source_sql(Dialect::mysql, src, columns, range));
  }

  std::unique_ptr<RowWriter> write(const JobSide& dst, const std::vector<ColumnInfo>& columns, const std::vector<std::string>& keys, int,
                                   int) override {
    std::string cols, params, updates;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string q = quote_ident(Dialect::mysql, columns[i].name);
      cols += (i ? ", " : "") + q;
      params += (i ? ", ?" : "(?");
      if (std::find(keys.begin(), keys.end(), columns[i].name) == keys.end())
        updates += (updates.empty() ? "" : ", ") + q + " = VALUES(" + q + ")";
    }
    params += ")";
    std::string verb = dst.write_mode == WriteMode::replace ? "REPLACE INTO " : "INSERT INTO ";
    std::string head = verb + quote_table(Dialect::mysql, dst.table) + " (" + cols + ") VALUES ";
    std::string tail;
    if (dst.write_mode == WriteMode::upsert) {
      std::string first = quote_ident(Dialect::mysql, columns.front().name);
      tail = " ON DUPLICATE KEY UPDATE " + (updates.empty() ? first + " = " + first : updates);
    }
    // upsert has no LOAD DATA form (ON DUPLICATE KEY UPDATE): prepared inserts only.
    std::string load;
    if (dst.write_mode != WriteMode::upsert)
      load = "LOAD DATA LOCAL INFILE 'syncpath-stream' " + std::string(dst.write_mode == WriteMode::replace ? "REPLACE " : "") + "INTO TABLE " +
             quote_table(Dialect::mysql, dst.table) + " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" +
             cols + ")";
    return std::make_unique<MysqlWriter>(db_, head, params, tail, columns.size(), load, dst.write_mode == WriteMode::insert);
  }

  // Outside any transaction (MySQL's DDL would commit it) and under a named server lock, so
  // slices of other processes do not create it at the same time.
  void prepare_marks() override {
    db_->exec("SELECT GET_LOCK('syncpath_slices', 600)");
    try {
      db_->exec("CREATE TABLE IF NOT EXISTS syncpath_slices (job VARCHAR(64) NOT NULL, slice INT NOT NULL, PRIMARY KEY (job, slice))");
    } catch (const ConnectorError&) {
      mysql_real_query(db_->get(), "SELECT RELEASE_LOCK('syncpath_slices')", 38);
      if (MYSQL_RES* r = mysql_store_result(db_->get())) mysql_free_result(r);
      throw;
    }
    db_->exec("SELECT RELEASE_LOCK('syncpath_slices')");
  }

  std::vector<std::string> table_names() override {
    std::vector<std::string> out;
    const char* sql = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() LIMIT 10000";
    if (mysql_real_query(db_->get(), sql, std::strlen(sql)) != 0) db_->fail("cannot list the tables");
    if (MYSQL_RES* res = mysql_store_result(db_->get())) {
      while (MYSQL_ROW r = mysql_fetch_row(res))
        if (r[0]) out.emplace_back(r[0]);
      mysql_free_result(res);
    }
    return out;
  }

  std::optional<std::vector<int>> committed_slices(const std::string& job_id) override {
    std::vector<int> out;
    std::string sql = "SELECT slice FROM syncpath_slices WHERE job = " + db_->literal(job_id);
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) {
      if (mysql_errno(db_->get()) == 1146) return out;  // no table: nothing was ever committed here
      db_->fail("cannot read the slice marks");
    }
    if (MYSQL_RES* res = mysql_store_result(db_->get())) {
      while (MYSQL_ROW r = mysql_fetch_row(res)) out.push_back(std::stoi(r[0]));
      mysql_free_result(res);
    }
    return out;
  }
  void forget_slices(const std::string& job_id, std::optional<int> slice) override {
    std::string sql = "DELETE FROM syncpath_slices WHERE job = " + db_->literal(job_id) + (slice ? " AND slice = " + std::to_string(*slice) : "");
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0 && mysql_errno(db_->get()) != 1146) db_->fail("cannot reset slice marks");
  }

  void execute(const std::string& sql) override { db_->exec(sql); }

  void cancel() override { mariadb_cancel(db_->get()); }  // shuts the socket: the statement in flight fails

  std::optional<std::uint64_t> count(const JobSide& src, const KeyRange& range) override {
    std::string sql = "SELECT COUNT(*)" + from_where(Dialect::mysql, src, range);
    if (mysql_real_query(db_->get(), sql.data(), sql.size()) != 0) return std::nullopt;
    MYSQL_RES* res = mysql_store_result(db_->get());
    if (!res) return std::nullopt;
    MYSQL_ROW r = mysql_fetch_row(res);
    std::optional<std::uint64_t> n;
    if (r && r[0]) n = std::stoull(r[0]);
    mysql_free_result(res);
    return n;
  }

 private:
  std::shared_ptr<Mysql> db_;
};

}  // namespace

std::unique_ptr<Connection> connect_mysql(const JobSide& e) { return std::make_unique<MysqlConnection>(e); }

}  // namespace syncpath::sync
