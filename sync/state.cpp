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
    c.committed_at = v.value("committed_at", "");
    s.done[std::stoi(k)] = c;
  }
  return s;
}

json to_json(const JobState& s) {
  json j;
  j["schema_version"] = 1;
  j["fingerprint"] = s.fingerprint;
  j["slices"] = s.slices;
  j["split"] = s.split_kind;
  j["ranges"] = json::array();
  for (const auto& [lo, hi] : s.ranges) j["ranges"].push_back({lo, hi});
  j["empty"] = s.empty;
  j["done"] = json::object();
  for (const auto& [k, c] : s.done)
    j["done"][std::to_string(k)] = {{"read", c.read}, {"written", c.written}, {"dirty", c.dirty}, {"bytes", c.bytes}, {"committed_at", c.committed_at}};
  return j;
}

// An exclusive lock on the folder that holds the state file. Locking the folder rather than a
// lock file beside the state leaves nothing behind when the run ends, and needs none of the
// care a lock file does (a file removed while another process waits on it is a second lock).
class FolderLock {
 public:
  explicit FolderLock(const std::string& state_path) {
    std::string dir = std::filesystem::path(state_path).parent_path().string();
    if (dir.empty()) dir = ".";
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open the folder " + dir + " of the state file: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        int e = errno;
        ::close(fd_);
        throw std::runtime_error("cannot lock " + dir + ": " + std::strerror(e));
      }
    }
  }
  ~FolderLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  int fd() const { return fd_; }

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
  FolderLock lock(path);
  JobState s = read_state(path).value_or(fresh);
  change(s);
  std::string tmp = path + ".tmp";
  {
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
    std::string text = to_json(s).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    int e = errno;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(e));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot replace " + path + ": " + std::strerror(errno));
  ::fsync(lock.fd());  // the rename itself must survive a crash: sync the folder
  return s;
}

}  // namespace syncpath::sync
