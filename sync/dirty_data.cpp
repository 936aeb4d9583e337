#include "dirty_data.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "connector.hpp"

namespace syncpath::sync {

namespace {

nlohmann::json cell_json(const Cell& c) {
  switch (c.kind) {
    case CellKind::null: return nullptr;
    case CellKind::integer: return c.i;
    case CellKind::boolean: return c.i != 0;
    case CellKind::real: return std::isfinite(c.d) ? nlohmann::json(c.d) : nlohmann::json(format_double(c.d));
    case CellKind::bytes: {
      static const char* kHex = "0123456789abcdef";
      std::string h = "\\x";
      for (unsigned char b : c.s) h += kHex[b >> 4], h += kHex[b & 15];
      return h;
    }
    default: return c.s;
  }
}

}  // namespace

bool DirtyPolicy::count() {
  std::lock_guard<std::mutex> g(mu_);
  ++count_;
  return !max_ || count_ <= *max_;
}

void DirtyPolicy::uncount(std::int64_t n) {
  std::lock_guard<std::mutex> g(mu_);
  count_ -= n;
}

std::int64_t DirtyPolicy::counted() const {
  std::lock_guard<std::mutex> g(mu_);
  return count_;
}

std::string dirty_line(int slice, const std::vector<std::string>& columns, const Row& row, const std::string& column,
                       const std::string& reason, std::optional<std::uint64_t> line) {
  nlohmann::json r = nlohmann::json::object();
  for (std::size_t i = 0; i < row.size() && i < columns.size(); ++i) r[columns[i]] = cell_json(row[i]);
  nlohmann::json j;
  j["slice"] = slice;
  if (line) j["line"] = *line;
  j["row"] = std::move(r);
  j["column"] = column.empty() ? nlohmann::json(nullptr) : nlohmann::json(column);
  j["reason"] = reason;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string mark_rolled_back(const std::string& lines) {
  std::string marked;
  for (std::size_t a = 0, b; (b = lines.find('\n', a)) != std::string::npos; a = b + 1)
    marked += lines.substr(a, b - a - 1) + ",\"rolled_back\":true}\n";  // each line ends with its object's '}'
  return marked;
}

void DirtyFile::append(const std::string& lines) {
  if (lines.empty()) return;
  std::lock_guard<std::mutex> g(mu_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw ConnectorError("cannot write the dirty-data file " + path_ + ": " + std::strerror(errno));
  ::flock(fd, LOCK_EX);
  bool ok = ::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size());
  ::fsync(fd);
  ::flock(fd, LOCK_UN);
  ::close(fd);
  if (!ok) throw ConnectorError("cannot write the dirty-data file " + path_);
}

void DirtyFile::remove() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace syncpath::sync
