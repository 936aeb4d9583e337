// CSV files (RFC 4180): a header line, fields quoted with " when needed ("" inside), CRLF or LF
// line ends, UTF-8. NULL is the job's marker written unquoted (default: an empty unquoted
// field), so a quoted "" stays an empty string. A destination file is written to a staging
// file and renamed into place when the slice commits, so a killed run leaves no half file.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include <algorithm>
#include "connector.hpp"

namespace syncpath::sync {

namespace {

namespace fs = std::filesystem;

std::string table_file(const JobSide& e) {
  std::string base = resolve_path(e, e.data_source.path);
  if (fs::is_directory(base) && !e.table.empty()) {
    fs::path p = fs::path(base) / e.table;
    if (!p.has_extension()) p += ".csv";
    return p.string();
  }
  return base;
}

std::string part_name(const std::string& target, int slice, int slices) {
  if (slices <= 1) return target;
  return target + ".part-" + std::to_string(slice + 1) + "-of-" + std::to_string(slices);
}

// Streams records out of a file: a 1 MiB buffer, one record at a time, so memory stays flat.
// Fields are found by scanning the buffer for the next special byte and copied whole, not a
// byte at a time: the parser runs once per value and is most of a CSV source's cost.
class CsvParser {
 public:
  CsvParser(const std::string& path, char delim, std::string null_marker)
      : delim_(delim), null_(std::move(null_marker)) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) throw ConnectorError("csv: cannot read " + path + ": " + std::strerror(errno));
    buf_.resize(1 << 20);
    stop_[static_cast<unsigned char>(delim_)] = stop_[static_cast<unsigned char>('\n')] = stop_[static_cast<unsigned char>('\r')] = true;
  }
  ~CsvParser() {
    if (f_) std::fclose(f_);
  }
  CsvParser(const CsvParser&) = delete;
  CsvParser& operator=(const CsvParser&) = delete;

  // One record: fields as cells (text or NULL). False at end of file. `bad` says why a
  // record is malformed (an unclosed quote at end of file).
  // The file line where the last record began (quoted fields may span lines).
  std::uint64_t record_line() const { return record_line_; }
  // `fields` is reused: its cells keep their buffers from record to record.
  bool next(std::vector<Cell>& fields, std::string& bad) {
    n_ = 0;
    record_line_ = line_;
    if (peek() == EOF) {
      fields.resize(0);
      return false;
    }
    for (;;) {
      if (peek() == '"') {
        ++pos_;
        field_.clear();
        for (;;) {
          if (pos_ == len_ && !fill()) {
            bad = "unclosed quote at the end of the file (the record begins on line " + std::to_string(record_line_) + ")";
            break;
          }
          const char* b = buf_.data() + pos_;
          const char* e = buf_.data() + len_;
          const auto* q = static_cast<const char*>(std::memchr(b, '"', static_cast<std::size_t>(e - b)));
          if (!q) {
            field_.append(b, e);
            line_ += static_cast<std::uint64_t>(std::count(b, e, '\n'));
            pos_ = len_;
            continue;
          }
          field_.append(b, q);
          line_ += static_cast<std::uint64_t>(std::count(b, q, '\n'));
          pos_ = static_cast<std::size_t>(q - buf_.data()) + 1;
          if (peek() == '"') {  // a doubled quote stands for one
            field_ += '"';
            ++pos_;
            continue;
          }
          break;
        }
        scan_unquoted(field_);  // characters after the closing quote are kept, leniently
        Cell& cell = slot(fields);
        cell.kind = CellKind::text;
        cell.s.assign(field_);
      } else {
        const char* b = buf_.data() + pos_;
        const char* e = buf_.data() + len_;
        const char* p = plain_end(b, e);
        if (p < e) {  // the whole field is in the buffer: no intermediate copy
          pos_ = static_cast<std::size_t>(p - buf_.data());
          push_unquoted(fields, b, p);
        } else {
          field_.assign(b, e);
          pos_ = len_;
          scan_unquoted(field_);
          push_unquoted(fields, field_.data(), field_.data() + field_.size());
        }
      }
      int c = peek();
      if (c == delim_) {
        ++pos_;
        continue;
      }
      if (c == '\r') {
        ++pos_;
        if (peek() == '\n') ++pos_;
        ++line_;
      } else if (c == '\n') {
        ++pos_;
        ++line_;
      }
      if (fields.size() > n_) fields.resize(n_);
      return true;
    }
  }

 private:
  bool fill() {
    len_ = std::fread(buf_.data(), 1, buf_.size(), f_);
    pos_ = 0;
    if (len_ == 0) {
      if (std::ferror(f_)) throw ConnectorError("csv: read error");
      return false;
    }
    if (first_) {  // a UTF-8 byte order mark is not part of the first field
      first_ = false;
      if (len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
      if (pos_ == len_) return fill();
    }
    return true;
  }
  int peek() {
    if (pos_ == len_ && !fill()) return EOF;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  // Appends bytes up to the delimiter, CR, LF or the end of the file.
  void scan_unquoted(std::string& field) {
    for (;;) {
      if (pos_ == len_ && !fill()) return;
      const char* b = buf_.data() + pos_;
      const char* e = buf_.data() + len_;
      const char* p = plain_end(b, e);
      field.append(b, p);
      pos_ = static_cast<std::size_t>(p - buf_.data());
      if (p < e) return;
    }
  }
  // Where an unquoted field's bytes end: at the delimiter, CR, LF or `e`. Eight bytes at a time
  // while none can be one (CR and LF are below 14); then byte by byte.
  const char* plain_end(const char* p, const char* e) const {
    for (std::uint64_t w; e - p >= 8; p += 8) {
      std::memcpy(&w, p, 8);
      if (has_byte_below(w, 14) || has_byte(w, static_cast<unsigned char>(delim_))) break;
    }
    while (p < e && !stop_[static_cast<unsigned char>(*p)]) ++p;
    return p;
  }
  // The next field's cell: one kept from an earlier record when there is one.
  Cell& slot(std::vector<Cell>& fields) {
    if (n_ == fields.size()) fields.emplace_back();
    return fields[n_++];
  }
  void push_unquoted(std::vector<Cell>& fields, const char* b, const char* e) {
    auto n = static_cast<std::size_t>(e - b);
    Cell& cell = slot(fields);
    if (n == null_.size() && std::memcmp(b, null_.data(), n) == 0) {
      cell.kind = CellKind::null;
      cell.s.clear();
      return;
    }
    cell.kind = CellKind::text;
    cell.s.assign(b, e);
  }

  std::FILE* f_ = nullptr;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  char delim_;
  std::string null_;
  std::string field_;
  std::size_t n_ = 0;  // fields of the current record
  std::uint64_t line_ = 1, record_line_ = 1;  // the file line the parser is on; where the last record began
  bool stop_[256] = {};
  bool first_ = true;
};

class CsvReader : public RowReader {
 public:
  CsvReader(const std::string& path, const JobSide& e, std::vector<int> index, std::size_t width)
      : parser_(path, e.csv_delimiter, e.csv_null), index_(std::move(index)), width_(width) {
    std::string bad;
    if (e.csv_header) parser_.next(fields_, bad);  // the header was read by describe
    whole_ = index_.size() == width_;
    for (std::size_t i = 0; i < index_.size(); ++i) whole_ = whole_ && index_[i] == static_cast<int>(i);
  }
  bool next(Row& row, std::string& problem) override {
    // Every column in file order (the common case): parsed straight into the row.
    std::vector<Cell>& fields = whole_ ? row : fields_;
    for (;;) {
      if (!parser_.next(fields, problem)) return false;
      if (fields.size() == 1 && fields[0].is_null() && width_ > 1) continue;  // a blank line
      break;
    }
    if (fields.size() != width_ && problem.empty())
      problem = "line " + std::to_string(parser_.record_line()) + " has " + std::to_string(fields.size()) + " fields; the header has " +
                std::to_string(width_);
    if (whole_) {
      row.resize(width_);  // missing fields are NULL, extra ones dropped (the record is dirty anyway)
      return true;
    }
    row.resize(index_.size());
    for (std::size_t i = 0; i < index_.size(); ++i) {
      auto k = static_cast<std::size_t>(index_[i]);
      // Swapped, not moved: the field's cell gets the row's old buffer back for the next record.
      if (k < fields_.size()) std::swap(row[i], fields_[k]);
      else row[i] = Cell::null();
    }
    return true;
  }
  std::optional<std::uint64_t> line() const override { return parser_.record_line(); }

 private:
  CsvParser parser_;
  std::vector<int> index_;
  std::size_t width_;
  std::vector<Cell> fields_;
  bool whole_ = false;
};

void append_field(std::string& out, const Cell& c, char delim, const std::string& null_marker) {
  if (c.is_null()) {
    out += null_marker;
    return;
  }
  std::string v;
  if (c.kind == CellKind::bytes) {
    static const char* kHex = "0123456789abcdef";
    v = "\\x";
    for (unsigned char b : c.s) v += kHex[b >> 4], v += kHex[b & 15];
  } else {
    v = c.to_text();
  }
  bool quote = v.empty() || v == null_marker || v.find_first_of(std::string("\"\r\n") + delim) != std::string::npos ||
               v.front() == ' ' || v.back() == ' ';
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

class CsvWriter : public RowWriter {
 public:
  CsvWriter(std::string target, const JobSide& e, const std::vector<ColumnInfo>& columns, bool header)
      : target_(std::move(target)), staged_(target_ + ".partial"), delim_(e.csv_delimiter), null_(e.csv_null) {
    f_ = std::fopen(staged_.c_str(), "wb");
    if (!f_) throw ConnectorError("csv: cannot write " + staged_ + ": " + std::strerror(errno));
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
    if (header) {
      std::string line;
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i) line += delim_;
        append_field(line, Cell::text(columns[i].name), delim_, null_);
      }
      line += "\r\n";
      put(line);
    }
  }
  ~CsvWriter() override { rollback(); }

  WriteOutcome write(const std::vector<Row>& rows) override {
    line_.clear();
    for (const Row& r : rows) {
      for (std::size_t i = 0; i < r.size(); ++i) {
        if (i) line_ += delim_;
        append_field(line_, r[i], delim_, null_);
      }
      line_ += "\r\n";
    }
    put(line_);
    return {};
  }
  void write_raw(const std::string& s) { put(s); }
  void commit(const std::string&, int) override { commit(); }
  void commit() {
    if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0) throw ConnectorError("csv: cannot write " + staged_ + ": " + std::strerror(errno));
    std::fclose(f_);
    f_ = nullptr;
    std::error_code ec;
    fs::rename(staged_, target_, ec);
    if (ec) throw ConnectorError("csv: cannot rename " + staged_ + " to " + target_ + ": " + ec.message());
  }
  void rollback() override {
    if (!f_) return;
    std::fclose(f_);
    f_ = nullptr;
    std::error_code ec;
    fs::remove(staged_, ec);
  }

 private:
  void put(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) throw ConnectorError("csv: cannot write " + staged_ + ": " + std::strerror(errno));
    written_ += s.size();
    if (written_ - started_ >= kWritebackBytes) start_writeback();
  }
  // Starts writing the file's pages to disk as it grows (without waiting for it), so the
  // commit's fsync has only the last few megabytes left: a large file no longer spends
  // seconds in its final fsync, and a throttled run's rate is not bent by it at the end.
  void start_writeback() {
    if (std::fflush(f_) != 0) throw ConnectorError("csv: cannot write " + staged_ + ": " + std::strerror(errno));
    ::sync_file_range(fileno(f_), static_cast<off_t>(started_), static_cast<off_t>(written_ - started_), SYNC_FILE_RANGE_WRITE);
    started_ = written_;
  }
  static constexpr std::uint64_t kWritebackBytes = 8u << 20;
  std::string target_, staged_;
  char delim_;
  std::string null_;
  std::FILE* f_ = nullptr;
  std::uint64_t written_ = 0, started_ = 0;  // bytes written; bytes whose writeback has started
  std::string line_;
};

class CsvConnection : public Connection {
 public:
  explicit CsvConnection(const JobSide& e) : endpoint_(e) {}

  Shape describe_table(const std::string&) override {
    Shape s;
    std::string path = table_file(endpoint_);
    if (!fs::exists(path)) {
      // A destination file need not exist; a source must.
      s.found = true;
      s.free_form = true;
      s.error = "no file " + path;
      return s;
    }
    s.found = true;
    CsvParser p(path, endpoint_.csv_delimiter, endpoint_.csv_null);
    std::vector<Cell> header;
    std::string bad;
    p.next(header, bad);
    for (std::size_t i = 0; i < header.size(); ++i) {
      ColumnInfo c;
      c.name = endpoint_.csv_header ? header[i].s : "c" + std::to_string(i + 1);
      c.type.kind = TypeKind::text;
      c.type.native = "csv field";
      s.columns.push_back(std::move(c));
    }
    return s;
  }
  Shape describe_query(const std::string&) override {
    Shape s;
    s.error = "a csv source cannot run a query";
    return s;
  }
  KeyBounds key_bounds(const JobSide&, const std::string&) override { return {}; }

  std::unique_ptr<RowReader> read(const JobSide& src, const std::vector<std::string>& columns, const KeyRange&) override {
    Shape s = describe_table(src.table);
    if (!s.error.empty()) throw ConnectorError("csv: " + s.error);
    std::vector<int> index;
    for (const auto& c : columns) {
      auto it = std::find_if(s.columns.begin(), s.columns.end(), [&](const ColumnInfo& ci) { return ci.name == c; });
      if (it == s.columns.end()) throw ConnectorError("csv: no column '" + c + "' in " + table_file(src));
      index.push_back(static_cast<int>(it - s.columns.begin()));
    }
    return std::make_unique<CsvReader>(table_file(src), src, index, s.columns.size());
  }

  std::unique_ptr<RowWriter> write(const JobSide& dst, const std::vector<ColumnInfo>& columns, const std::vector<std::string>&,
                                   int slice, int slices) override {
    // Part files carry no header; finish() writes it once when joining them.
    return std::make_unique<CsvWriter>(part_name(table_file(dst), slice, slices), dst, columns, slices <= 1 && dst.csv_header);
  }

  void finish(const JobSide& dst, const std::vector<ColumnInfo>& columns, int slices) override {
    if (slices <= 1) return;
    std::string target = table_file(dst);
    CsvWriter out(target, dst, columns, dst.csv_header);
    std::vector<char> buf(1 << 20);
    for (int i = 0; i < slices; ++i) {
      std::string part = part_name(target, i, slices);
      std::FILE* f = std::fopen(part.c_str(), "rb");
      if (!f) throw ConnectorError("csv: part file " + part + " is missing; run again without --resume");
      std::size_t n;
      std::string chunk;
      while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
        chunk.assign(buf.data(), n);
        out_put(out, chunk);
      }
      std::fclose(f);
    }
    out.commit();
    for (int i = 0; i < slices; ++i) {
      std::error_code ec;
      fs::remove(part_name(target, i, slices), ec);
    }
  }

  std::vector<std::string> table_names() override {
    std::vector<std::string> out;
    std::error_code ec;
    std::string base = resolve_path(endpoint_, endpoint_.data_source.path);
    if (fs::is_directory(base, ec))
      for (const auto& f : fs::directory_iterator(base, ec))
        if (f.path().extension() == ".csv") out.push_back(f.path().stem().string());
    return out;
  }

  void execute(const std::string&) override { throw ConnectorError("csv: a csv data source cannot run pre_sql or post_sql"); }
  std::optional<std::uint64_t> count(const JobSide&, const KeyRange&) override { return std::nullopt; }

 private:
  static void out_put(CsvWriter& w, const std::string& raw) { w.write_raw(raw); }
  JobSide endpoint_;
};

}  // namespace

std::unique_ptr<Connection> connect_csv(const JobSide& e) { return std::make_unique<CsvConnection>(e); }

}  // namespace syncpath::sync
