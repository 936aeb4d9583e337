// The writer behind --output FILE: every byte arrives in order whether a block went to the disk
// directly or through the page cache, flushes at any offset keep later blocks aligned, and a
// failed write is reported with its reason.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <iterator>
#include <ostream>
#include <string>

#include "plan_test_util.hpp"
#include "report_file.hpp"

using plan_test::read_file;
using syncpath::cli::ReportFile;

namespace {

constexpr std::size_t kBlock = 64 * 1024;

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("syncpath-reportfile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Bytes that differ from position to position, so that a block written at the wrong offset,
// twice or not at all cannot go unnoticed.
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

// The directory must take O_DIRECT, or the direct path would go untested.
void require_direct_io(const std::filesystem::path& dir) {
  auto probe = dir / "probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0600);
  if (fd < 0)
    FAIL("the temporary directory " << dir << " has no direct I/O, so the direct path cannot be tested: "
                                       "set TMPDIR to a directory on a disk (ext4, xfs)");
  ::close(fd);
  std::filesystem::remove(probe);
}

}  // namespace

TEST_CASE("report file: the bytes arrive whole and in order, direct or through the page cache") {
  TempDir dir;
  require_direct_io(dir.path);
  const std::string data = pattern(3 * 1024 * 1024 + 12345);
  // Pieces around the block and alignment sizes, with flushes now and then at odd offsets.
  const std::size_t sizes[] = {1, 7, 4095, 4096, 4097, 65535, 65536, 65537, 100000, 300000, 13};
  for (bool direct : {true, false}) {
    CAPTURE(direct);
    auto file = dir.path / (direct ? "direct.json" : "cached.json");
    ReportFile buf(file.string(), direct, kBlock);
    std::ostream out(&buf);
    std::size_t at = 0, piece = 0;
    while (at < data.size()) {
      std::size_t n = std::min(sizes[piece % std::size(sizes)], data.size() - at);
      out.write(data.data() + at, static_cast<std::streamsize>(n));
      at += n;
      if (++piece % 5 == 0) out.flush();
    }
    out.put('\n');
    REQUIRE(out.good());
    REQUIRE(buf.close());
    CHECK(read_file(file.string()) == data + "\n");
    if (direct)
      CHECK(buf.direct_bytes() > 0);  // the disk took some blocks itself
    else
      CHECK(buf.direct_bytes() == 0);
  }
}

TEST_CASE("report file: after a flush at an odd offset, one short block brings the next back to alignment") {
  TempDir dir;
  require_direct_io(dir.path);
  auto file = dir.path / "realign.json";
  const std::string data = pattern(1000 + (kBlock - 1000) + kBlock + 10);
  ReportFile buf(file.string(), true, kBlock);
  std::ostream out(&buf);
  out.write(data.data(), 1000);
  out.flush();  // offset 1000: not aligned
  out.write(data.data() + 1000, static_cast<std::streamsize>(kBlock - 1000));  // the short block, cached
  CHECK(buf.direct_bytes() == 0);
  out.write(data.data() + kBlock, static_cast<std::streamsize>(kBlock));  // aligned: the idle disk thread takes it
  out.flush();  // waits for the disk thread
  CHECK(buf.direct_bytes() == kBlock);
  out.write(data.data() + 2 * kBlock, 10);
  REQUIRE(buf.close());
  CHECK(read_file(file.string()) == data);
}

TEST_CASE("report file: a write the system refuses fails the report with its reason") {
  TempDir dir;
  require_direct_io(dir.path);
  // In a child: a file size limit of 256 KB makes every write past it fail with EFBIG. With
  // a flush after each block, every block goes to the idle disk thread (the direct path);
  // without direct I/O, every block is written by the caller (the cached path).
  for (bool direct : {true, false}) {
    CAPTURE(direct);
    auto file = dir.path / (direct ? "direct.json" : "cached.json");
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit limit{256 * 1024, 256 * 1024};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      int code = 3;
      {
        ReportFile buf(file.string(), direct, kBlock);
        std::ostream out(&buf);
        const std::string data = pattern(kBlock);
        for (int i = 0; i < 8 && out; ++i) {
          out.write(data.data(), static_cast<std::streamsize>(data.size()));
          out.flush();
        }
        bool closed = buf.close();
        if (closed) code = 1;  // the failure went unnoticed
        else if (buf.error().find("too large") == std::string::npos) code = 2;  // not "File too large"
        else if (direct != (buf.direct_bytes() == 4 * kBlock)) code = 4;  // the blocks took another path
        else code = 0;
      }
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_CASE("report file: a directory that does not exist is named in the error") {
  try {
    ReportFile buf("/nonexistent-syncpath-dir/plan.json.partial");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("/nonexistent-syncpath-dir/plan.json.partial") != std::string::npos);
    CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
  }
}
