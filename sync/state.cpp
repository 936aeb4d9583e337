#include "state.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace syncpath::sync {

namespace {

using nlohmann::json;

JobState from_json(const json& j) {
  JobState s;
  s.fingerprint = j.at("fingerprint").get<std::string>();
  s.slices = j.at("slices").get<int>();
  s.split_kind = j.value("split", "");
  for (const auto& r : j.at("ranges")) s.ranges.emplace_back(r.at(0).get<std::string>(), r.at(1).get<std::string>());
  for (const auto& e : j.at("empty")) s.empty.push_back(e.get<bool>());
  for (const auto& [k, v] : j.at("done").items()) {
    SliceCounts c;
    c.read = v.at("read"), c.written = v.at("written"), c.dirty = v.at("dirty"), c.bytes = v.at("bytes");
    s.done[std::stoi(k)] = c;
  }
  return s;
}

json to_json(const JobState& s) {
  json j;
  j["version"] = 1;
  j["fingerprint"] = s.fingerprint;
  j["slices"] = s.slices;
  j["split"] = s.split_kind;
  j["ranges"] = json::array();
  for (const auto& [lo, hi] : s.ranges) j["ranges"].push_back({lo, hi});
  j["empty"] = s.empty;
  j["done"] = json::object();
  for (const auto& [k, c] : s.done)
    j["done"][std::to_string(k)] = {{"read", c.read}, {"written", c.written}, {"dirty", c.dirty}, {"bytes", c.bytes}};
  return j;
}

class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw std::runtime_error("cannot lock " + path + ": " + std::strerror(errno));
    }
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

std::optional<JobState> read_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  try {
    return from_json(json::parse(s.str()));
  } catch (const json::exception&) {
    throw std::runtime_error("the state file " + path + " is corrupt; delete it and run the job again without --resume");
  }
}

JobState update_state(const std::string& path, const JobState& fresh, const std::function<void(JobState&)>& change) {
  FileLock lock(path + ".lock");
  JobState s = read_state(path).value_or(fresh);
  change(s);
  std::string tmp = path + ".tmp";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    std::string text = to_json(s).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot replace " + path + ": " + std::strerror(errno));
  // The rename itself must survive a crash: sync the directory.
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return s;
}

}  // namespace syncpath::sync
