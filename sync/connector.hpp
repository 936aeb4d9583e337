// Connectors: one reader and one writer per data source type, behind small interfaces so the
// channel does not know which database it talks to. Connection failures and timeouts are
// `ConnectorError`s (the slice fails); a row the destination refuses is a `WriteOutcome`.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics.hpp"
#include "job.hpp"
#include "value.hpp"

namespace syncpath::sync {

// The environment failing under a slice: lost connection, timeout, unreadable file. Never a
// dirty record. Messages never contain a password.
class ConnectorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ColumnInfo {
  std::string name;
  ColumnType type;
};

// What a table or query looks like, or why it could not be looked at.
struct Shape {
  bool found = false;
  std::string error;               // set when !found: "no table 'x' in database 'y'"
  std::vector<ColumnInfo> columns; // in table order
  std::vector<std::string> primary_key;
  bool free_form = false;          // a CSV destination: takes any columns, as text
};

// One slice's range over the split key: [lo, hi), the last slice [lo, hi]; the first also
// takes the rows whose key is NULL. Bounds are SQL literals already (numbers or quoted dates).
struct KeyRange {
  bool whole = true;  // no split: every row
  bool none = false;  // a slice with nothing to read (it still commits, with its mark)
  std::string lo, hi;
  bool first = false, last = false;
  static KeyRange nothing() {
    KeyRange r;
    r.whole = false, r.none = true;
    return r;
  }
};

class RowReader {
 public:
  virtual ~RowReader() = default;
  // Fills `row` with the next row; false at the end. Throws ConnectorError. A row the reader
  // cannot make whole (a CSV line with too few fields) comes back with `problem` set: dirty.
  virtual bool next(Row& row, std::string& problem) = 0;
  // The line of its file where the last row began (file sources), for dirty records.
  virtual std::optional<std::uint64_t> line() const { return std::nullopt; }
};

// Result of writing a batch inside the slice's transaction.
struct WriteOutcome {
  bool ok = true;
  std::string reason;  // the destination's message when !ok (a row was refused)
};

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  // Writes rows inside the open transaction. When the destination refuses the batch, every row of
  // it is undone (savepoint) and the outcome says why, so the caller can bisect.
  virtual WriteOutcome write(const std::vector<Row>& rows) = 0;
  // Commits everything written since begin, and, in the same transaction, the row of
  // `syncpath_slices` saying slice `slice` of job `job_id` is done (a destination without
  // transactions ignores it). Throws ConnectorError on failure.
  virtual void commit(const std::string& job_id, int slice) = 0;
  // Undoes everything (also called from the destructor if commit was not reached).
  virtual void rollback() = 0;

  // Bulk mode, for writers whose fast path is a stream (PostgreSQL's COPY): one load stays open
  // across many batches and rows go out as they come, so the server works while the next
  // batch is read, instead of waiting on a round trip per batch. `add` sends rows into the open
  // load (opening one under a savepoint if none is) and says when the load is big enough to
  // settle; `settle` ends it and reports for every row added since the last settle at once:
  // all written, or all undone (the caller then writes them again batch by batch with `write`,
  // bisecting, so the dirty semantics stay exact). A writer without a bulk mode says false.
  virtual bool bulk() const { return false; }
  virtual bool add(const std::vector<Row>& /*rows*/) { return false; }
  virtual WriteOutcome settle() { return {}; }
};

// Split-key bounds: integers, or dates as "YYYY-MM-DD" text.
struct KeyBounds {
  bool empty = true;  // no non-NULL key
  bool is_date = false;
  std::int64_t lo = 0, hi = 0;  // integers, or days since 1970-01-01 for dates
};
// Bounds from a server's MIN/MAX of the split key as text: integers unless the hint is
// "date", else "YYYY-MM-DD" dates; anything else is a ConnectorError naming `who` and the key.
KeyBounds key_bounds_from_text(const std::string& lo, const std::string& hi, const std::string& hint,
                               const std::string& who, const std::string& split_key);

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Shape describe_table(const std::string& table) = 0;
  // The columns a query returns (source only).
  virtual Shape describe_query(const std::string& query) = 0;
  virtual KeyBounds key_bounds(const JobSide& src, const std::string& key_type_hint) = 0;
  virtual std::unique_ptr<RowReader> read(const JobSide& src, const std::vector<std::string>& columns,
                                          const KeyRange& range) = 0;
  // Opens the slice's transaction. `slice`/`slices` name CSV part files.
  virtual std::unique_ptr<RowWriter> write(const JobSide& dst, const std::vector<ColumnInfo>& columns,
                                           const std::vector<std::string>& keys, int slice, int slices) = 0;
  virtual void execute(const std::string& sql) = 0;  // pre_sql/post_sql
  // The tables (and views) there are, for "did you mean" (empty when unknown).
  virtual std::vector<std::string> table_names() { return {}; }
  // Creates the `syncpath_slices` table if it is missing, once, before any slice starts and
  // serialised across processes (a lock on the server), so slices never race to create it.
  virtual void prepare_marks() {}
  // The slices of `job_id` whose commit reached the destination, from its `syncpath_slices`
  // table: the truth when the state file missed the last update (a kill between the two), or
  // the destination was emptied or made again since. nullopt: this destination keeps no marks
  // (a CSV file), the state file alone says.
  virtual std::optional<std::vector<int>> committed_slices(const std::string& /*job_id*/) { return std::nullopt; }
  // Forgets them (a fresh run), all or one slice.
  virtual void forget_slices(const std::string& /*job_id*/, std::optional<int> /*slice*/) {}
  // Called once every slice of the job has committed (CSV joins its part files).
  virtual void finish(const JobSide&, const std::vector<ColumnInfo>&, int /*slices*/) {}
  // Rows the source holds for a range (for progress); nullopt when unknown or costly.
  virtual std::optional<std::uint64_t> count(const JobSide& src, const KeyRange& range) = 0;
  // Makes a statement this connection runs on another thread return at once (failed); safe to
  // call from any thread. For a count the run no longer needs.
  virtual void cancel() {}
};

// Opens a connection to the endpoint's data source (password resolved here, never echoed).
std::unique_ptr<Connection> connect(const JobSide& e);

// SQL helpers shared by the database connectors.
enum class Dialect { sqlite, mysql, postgresql };
std::string quote_ident(Dialect d, const std::string& name);
// "a.b" -> quoted "a"."b"
std::string quote_table(Dialect d, const std::string& name);
// The FROM + WHERE of a source read: table or (query) with the job's where and the range.
std::string source_sql(Dialect d, const JobSide& src, const std::vector<std::string>& columns, const KeyRange& range);
std::string where_clause(Dialect d, const JobSide& src, const KeyRange& range);
// " FROM table" or " FROM (query) syncpath_q", then where_clause: what every read, count and
// key-range query of a source selects from.
std::string from_where(Dialect d, const JobSide& src, const KeyRange& range);

// The bulk loads' text formats (PostgreSQL's COPY, MySQL's LOAD DATA): `letters` maps each
// byte to escape (among backslash, tab, newline, carriage return and NUL) to the letter that
// follows the backslash (0: the byte stays). Runs of plain bytes are appended whole: this runs
// once per value.
using EscapeLetters = std::array<char, 256>;

// Tests on eight bytes at once ("bit twiddling hacks"), for the scans that run once per byte of
// data: whether a word holds a byte below `n` (n <= 128), or byte `b`. Exact as to whether there is one.
inline constexpr std::uint64_t kEveryByte = 0x0101010101010101ull, kEveryHighBit = 0x8080808080808080ull;
inline bool has_byte_below(std::uint64_t w, unsigned char n) { return ((w - kEveryByte * n) & ~w & kEveryHighBit) != 0; }
inline bool has_byte(std::uint64_t w, unsigned char b) { return has_byte_below(w ^ (kEveryByte * b), 1); }
void append_escaped(std::string& out, std::string_view s, const EscapeLetters& letters);
void append_integer(std::string& out, std::int64_t v);

// Connector factories, one per file.
std::unique_ptr<Connection> connect_sqlite(const JobSide& e);
std::unique_ptr<Connection> connect_csv(const JobSide& e);
std::unique_ptr<Connection> connect_mysql(const JobSide& e);
std::unique_ptr<Connection> connect_postgresql(const JobSide& e);
std::unique_ptr<Connection> connect_jsonl(const JobSide& e);

// Checks a jsonl source before the run: every non-blank line one JSON object whose row (its
// `row` object, or itself) holds only scalar values, and at least one row. Problems go to
// `diags` at FILE:LINE:COL (the first `max_reported`); true when the file is usable.
bool check_jsonl_file(const std::string& path, Diagnostics& diags, std::size_t max_reported = 20);

// Resolves a data-source path against the endpoint's base directory.
std::string resolve_path(const JobSide& e, const std::string& path);

}  // namespace syncpath::sync
