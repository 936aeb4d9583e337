// SQLite: the embedded default. Reads with a prepared statement; writes each slice in one
// IMMEDIATE transaction with a prepared insert, a savepoint per batch so a refused batch is
// undone whole and can be bisected.
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <mutex>

#include <algorithm>
#include "connector.hpp"

namespace syncpath::sync {

namespace {

// Which slices committed, kept in the destination so it commits with the rows (see connector.hpp).
constexpr const char* kCreateMarks = "CREATE TABLE IF NOT EXISTS syncpath_slices (job TEXT NOT NULL, slice INTEGER NOT NULL, PRIMARY KEY (job, slice))";
constexpr int kBusyTimeoutMs = 10 * 60 * 1000;  // other processes' slices may hold the write lock

// One writer per database file at a time in this process: SQLite has a single write lock, and
// waiting on a mutex is cheaper and has no timeout, unlike the busy handler.
std::mutex& file_mutex(const std::string& path) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::mutex>> locks;
  std::lock_guard<std::mutex> g(guard);
  auto& m = locks[path];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) != SQLITE_OK)
      error_ = sqlite3_errmsg(db);
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return st_; }
  bool ok() const { return st_ != nullptr; }
  const std::string& error() const { return error_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::string error_;
};

ColumnType sqlite_type(const char* decl) {
  ColumnType t = parse_sql_type(decl ? decl : "");
  if (t.kind == TypeKind::integer) t.int_bits = 64;  // SQLite integers are all 64-bit
  return t;
}

Cell read_cell(sqlite3_stmt* st, int i, const ColumnType& t) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return Cell::null();
    case SQLITE_INTEGER: return Cell::integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return Cell::real(sqlite3_column_double(st, i));
    case SQLITE_BLOB: {
      const void* p = sqlite3_column_blob(st, i);
      int n = sqlite3_column_bytes(st, i);
      return Cell::of(CellKind::bytes, std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)));
    }
    default: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      int n = sqlite3_column_bytes(st, i);
      std::string s(p ? p : "", static_cast<std::size_t>(n));
      CellKind k = t.kind == TypeKind::decimal ? CellKind::decimal
                   : t.kind == TypeKind::date ? CellKind::date
                   : t.kind == TypeKind::datetime ? CellKind::datetime
                   : t.kind == TypeKind::time ? CellKind::time
                                              : CellKind::text;
      return Cell::of(k, std::move(s));
    }
  }
}

// Codes that mean "this row is refused", as opposed to the database itself failing.
bool is_refusal(int rc) {
  int primary = rc & 0xFF;
  return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG || primary == SQLITE_RANGE;
}

class SqliteReader : public RowReader {
 public:
  SqliteReader(std::shared_ptr<sqlite3> db, const std::string& sql, std::vector<ColumnType> types)
      : db_(std::move(db)), st_(db_.get(), sql), types_(std::move(types)) {
    if (!st_.ok()) throw ConnectorError("sqlite: cannot read: " + st_.error());
  }
  bool next(Row& row, std::string&) override {
    int rc = sqlite3_step(st_.get());
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) throw ConnectorError(std::string("sqlite: read failed: ") + sqlite3_errmsg(db_.get()));
    int n = sqlite3_column_count(st_.get());
    row.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
      row[static_cast<std::size_t>(i)] = read_cell(st_.get(), i, i < static_cast<int>(types_.size()) ? types_[static_cast<std::size_t>(i)] : ColumnType{});
    return true;
  }

 private:
  std::shared_ptr<sqlite3> db_;
  Stmt st_;
  std::vector<ColumnType> types_;
};

class SqliteWriter : public RowWriter {
 public:
  SqliteWriter(std::shared_ptr<sqlite3> db, const std::string& path, const std::string& sql)
      : db_(std::move(db)), lock_(file_mutex(path)) {
    exec("BEGIN IMMEDIATE");
    open_ = true;
    insert_ = std::make_unique<Stmt>(db_.get(), sql);
    if (!insert_->ok()) {
      std::string e = insert_->error();
      rollback();
      throw ConnectorError("sqlite: cannot prepare the insert: " + e);
    }
  }
  ~SqliteWriter() override {
    insert_.reset();
    if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  WriteOutcome write(const std::vector<Row>& rows) override {
    exec("SAVEPOINT syncpath_batch");
    sqlite3_stmt* st = insert_->get();
    for (const Row& row : rows) {
      sqlite3_reset(st);
      for (std::size_t i = 0; i < row.size(); ++i) bind(st, static_cast<int>(i) + 1, row[i]);
      int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE) {
        std::string msg = sqlite3_errmsg(db_.get());
        sqlite3_reset(st);
        if (!is_refusal(rc) && !is_refusal(sqlite3_extended_errcode(db_.get())))
          throw ConnectorError("sqlite: write failed: " + msg);
        exec("ROLLBACK TO syncpath_batch");
        exec("RELEASE syncpath_batch");
        return {false, msg};
      }
    }
    sqlite3_reset(st);
    exec("RELEASE syncpath_batch");
    return {};
  }

  void commit(const std::string& job_id, int slice) override {
    insert_.reset();
    Stmt mark(db_.get(), "INSERT INTO syncpath_slices (job, slice) VALUES (?1, ?2)");
    sqlite3_bind_text(mark.get(), 1, job_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(mark.get(), 2, slice);
    if (sqlite3_step(mark.get()) != SQLITE_DONE) throw ConnectorError(std::string("sqlite: cannot record the slice: ") + sqlite3_errmsg(db_.get()));
    exec("COMMIT");
    open_ = false;
  }
  void rollback() override {
    insert_.reset();
    if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    open_ = false;
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "unknown error";
      sqlite3_free(err);
      throw ConnectorError(std::string("sqlite: ") + sql + " failed: " + m);
    }
  }
  static void bind(sqlite3_stmt* st, int i, const Cell& c) {
    switch (c.kind) {
      case CellKind::null: sqlite3_bind_null(st, i); break;
      case CellKind::integer:
      case CellKind::boolean: sqlite3_bind_int64(st, i, c.i); break;
      case CellKind::real: sqlite3_bind_double(st, i, c.d); break;
      case CellKind::bytes: sqlite3_bind_blob64(st, i, c.s.data(), c.s.size(), SQLITE_TRANSIENT); break;
      default: sqlite3_bind_text64(st, i, c.s.data(), c.s.size(), SQLITE_TRANSIENT, SQLITE_UTF8); break;
    }
  }

  std::shared_ptr<sqlite3> db_;
  std::unique_lock<std::mutex> lock_;
  std::unique_ptr<Stmt> insert_;
  bool open_ = false;
};

class SqliteConnection : public Connection {
 public:
  explicit SqliteConnection(const JobSide& e) : path_(resolve_path(e, e.data_source.path)) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!std::filesystem::exists(path_)) {
      sqlite3_close(raw);
      throw ConnectorError("sqlite: no database file " + path_ + "; check the data source's path");
    }
    if (sqlite3_open_v2(path_.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
      std::string m = raw ? sqlite3_errmsg(raw) : "out of memory";
      sqlite3_close(raw);
      throw ConnectorError("sqlite: cannot open " + path_ + ": " + m);
    }
    db_.reset(raw, [](sqlite3* d) { sqlite3_close(d); });
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  }

  Shape describe_table(const std::string& table) override {
    Shape s;
    {
      Stmt st(db_.get(), "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1");
      sqlite3_bind_text(st.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(st.get()) != SQLITE_ROW) {
        s.error = "no table '" + table + "' in " + path_;
        return s;
      }
    }
    Stmt st(db_.get(), "PRAGMA table_info(" + quote_ident(Dialect::sqlite, table) + ")");
    std::vector<std::pair<int, std::string>> pk;
    while (sqlite3_step(st.get()) == SQLITE_ROW) {
      ColumnInfo c;
      c.name = reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1));
      c.type = sqlite_type(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 2)));
      c.type.nullable = sqlite3_column_int(st.get(), 3) == 0;
      if (int k = sqlite3_column_int(st.get(), 5); k > 0) pk.emplace_back(k, c.name);
      s.columns.push_back(std::move(c));
    }
    std::sort(pk.begin(), pk.end());
    for (auto& [k, n] : pk) s.primary_key.push_back(n);
    s.found = true;
    return s;
  }

  Shape describe_query(const std::string& query) override {
    Shape s;
    Stmt st(db_.get(), query);
    if (!st.ok()) {
      s.error = "the source query does not compile: " + st.error();
      return s;
    }
    for (int i = 0; i < sqlite3_column_count(st.get()); ++i)
      s.columns.push_back({sqlite3_column_name(st.get(), i), sqlite_type(sqlite3_column_decltype(st.get(), i))});
    s.found = true;
    return s;
  }

  KeyBounds key_bounds(const JobSide& src, const std::string& hint) override {
    std::string k = quote_ident(Dialect::sqlite, src.split_key);
    KeyRange whole;
    Stmt st(db_.get(), "SELECT min(" + k + "), max(" + k + ")" + from_where(Dialect::sqlite, src, whole));
    if (!st.ok()) throw ConnectorError("sqlite: cannot find the split_key range: " + st.error());
    KeyBounds b;
    if (sqlite3_step(st.get()) != SQLITE_ROW || sqlite3_column_type(st.get(), 0) == SQLITE_NULL) return b;
    b.empty = false;
    if (sqlite3_column_type(st.get(), 0) == SQLITE_INTEGER && hint != "date") {
      b.lo = sqlite3_column_int64(st.get(), 0), b.hi = sqlite3_column_int64(st.get(), 1);
      return b;
    }
    auto lo = days_from_date(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
    auto hi = days_from_date(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 1)));
    if (!lo || !hi) throw ConnectorError("sqlite: split_key '" + src.split_key + "' is neither an integer nor a date (YYYY-MM-DD)");
    b.is_date = true, b.lo = *lo, b.hi = *hi;
    return b;
  }

  std::unique_ptr<RowReader> read(const JobSide& src, const std::vector<std::string>& columns, const KeyRange& range) override {
    Shape s = src.query.empty() ? describe_table(src.table) : describe_query(src.query);
    std::vector<ColumnType> types;
    for (const auto& c : columns)
      for (const auto& sc : s.columns)
        if (sc.name == c) types.push_back(sc.type);
    return std::make_unique<SqliteReader>(db_, source_sql(Dialect::sqlite, src, columns, range), types);
  }

  std::unique_ptr<RowWriter> write(const JobSide& dst, const std::vector<ColumnInfo>& columns,
                                   const std::vector<std::string>& keys, int, int) override {
    std::string cols, params, updates, conflict;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      std::string q = quote_ident(Dialect::sqlite, columns[i].name);
      cols += (i ? ", " : "") + q;
      params += (i ? ", ?" : "?");
      if (std::find(keys.begin(), keys.end(), columns[i].name) == keys.end())
        updates += (updates.empty() ? "" : ", ") + q + " = excluded." + q;
    }
    for (std::size_t i = 0; i < keys.size(); ++i) conflict += (i ? ", " : "") + quote_ident(Dialect::sqlite, keys[i]);
    std::string verb = dst.write_mode == WriteMode::replace ? "INSERT OR REPLACE INTO " : "INSERT INTO ";
    std::string sql = verb + quote_table(Dialect::sqlite, dst.table) + " (" + cols + ") VALUES (" + params + ")";
    if (dst.write_mode == WriteMode::upsert)
      sql += " ON CONFLICT (" + conflict + ") DO " + (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
    return std::make_unique<SqliteWriter>(db_, path_, sql);
  }

  void prepare_marks() override { execute(kCreateMarks); }  // SQLite's own write lock serialises it

  std::vector<std::string> table_names() override {
    std::vector<std::string> out;
    Stmt st(db_.get(), "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'");
    while (st.ok() && sqlite3_step(st.get()) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
    return out;
  }

  std::optional<std::vector<int>> committed_slices(const std::string& job_id) override {
    std::vector<int> out;
    Stmt st(db_.get(), "SELECT slice FROM syncpath_slices WHERE job = ?1");
    if (!st.ok()) return out;  // no table: nothing was ever committed here
    sqlite3_bind_text(st.get(), 1, job_id.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st.get()) == SQLITE_ROW) out.push_back(sqlite3_column_int(st.get(), 0));
    return out;
  }
  void forget_slices(const std::string& job_id, std::optional<int> slice) override {
    Stmt st(db_.get(), std::string("DELETE FROM syncpath_slices WHERE job = ?1") + (slice ? " AND slice = ?2" : ""));
    if (!st.ok()) return;
    sqlite3_bind_text(st.get(), 1, job_id.c_str(), -1, SQLITE_TRANSIENT);
    if (slice) sqlite3_bind_int(st.get(), 2, *slice);
    if (sqlite3_step(st.get()) != SQLITE_DONE) throw ConnectorError(std::string("sqlite: cannot reset slice marks: ") + sqlite3_errmsg(db_.get()));
  }

  void execute(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : "unknown error";
      sqlite3_free(err);
      throw ConnectorError("sqlite: statement failed: " + m);
    }
  }

  void cancel() override { sqlite3_interrupt(db_.get()); }

  std::optional<std::uint64_t> count(const JobSide& src, const KeyRange& range) override {
    Stmt st(db_.get(), "SELECT count(*)" + from_where(Dialect::sqlite, src, range));
    if (!st.ok() || sqlite3_step(st.get()) != SQLITE_ROW) return std::nullopt;
    return static_cast<std::uint64_t>(sqlite3_column_int64(st.get(), 0));
  }

 private:
  std::string path_;
  std::shared_ptr<sqlite3> db_;
};

}  // namespace

std::unique_ptr<Connection> connect_sqlite(const JobSide& e) { return std::make_unique<SqliteConnection>(e); }

}  // namespace syncpath::sync
