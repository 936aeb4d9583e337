// The stream buffer behind `--output FILE`: a report of gigabytes (`plan --format json` over
// millions of pairs) spends as much CPU in the kernel copying it into the page cache as the
// planner spends making it. Full blocks therefore go straight to the disk (O_DIRECT), written
// by a thread of their own from a short queue, and through the page cache as usual while that
// queue is full: a fast disk takes the report without the copy, a slow one never holds the
// run up. Reports smaller than a block, and filesystems without direct I/O, are written as
// any file is.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

namespace syncpath::cli {

class ReportFile : public std::streambuf {
 public:
  // Creates or truncates `path`; throws std::runtime_error naming it when it cannot. Without
  // `direct`, every block goes through the page cache. `block` (a multiple of 4096; the
  // default 4 MB) is the unit written at once.
  explicit ReportFile(const std::string& path, bool direct = true, std::size_t block = std::size_t{4} << 20);
  ~ReportFile() override;
  ReportFile(const ReportFile&) = delete;
  ReportFile& operator=(const ReportFile&) = delete;

  // Writes what is buffered, waits for the disk thread and closes the file. False when any
  // write failed; error() then says why ("No space left on device").
  bool close();
  const std::string& error() const { return error_; }
  // Bytes that went to the disk directly (the rest went through the page cache); final once
  // close() or a flush has returned.
  std::uint64_t direct_bytes() const { return direct_bytes_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int_type overflow(int_type c) override;
  // Writes what is buffered through the page cache (the next block is shortened so that the
  // blocks after it start aligned again) and waits until the queued blocks are written.
  int sync() override;

 private:
  static constexpr std::size_t kAlign = 4096;  // offsets, lengths and addresses of direct writes
  void write_block();
  bool write_at(int fd, const char* p, std::size_t n, std::uint64_t offset);
  void fail(const std::string& why);
  void disk_loop();

  struct Job {
    char* data;
    std::size_t size;
    std::uint64_t offset;
  };

  std::string path_;
  int fd_ = -1;         // through the page cache
  int direct_fd_ = -1;  // O_DIRECT, or -1 when the filesystem has no direct I/O
  std::size_t block_;
  char* fill_ = nullptr;  // the block being filled (aligned)
  std::size_t len_ = 0, limit_ = 0;
  std::uint64_t offset_ = 0;  // of fill_[0] in the file
  std::string error_;
  bool failed_ = false;

  // Shared with the disk thread, under m_. Blocks written directly wait in `jobs_`; at most
  // kQueue of them, so that a disk slower than the report sends the rest through the page
  // cache instead of holding the run up.
  static constexpr std::size_t kQueue = 6;
  std::mutex m_;
  std::condition_variable cv_;
  std::thread disk_;
  std::deque<Job> jobs_;
  std::vector<char*> free_;  // blocks no job holds
  std::vector<char*> all_;   // every block allocated, fill_ among them
  bool writing_ = false;     // the disk thread holds a job it has taken off jobs_
  bool quit_ = false;
  bool direct_off_ = false;  // a direct write was refused: the page cache from then on
  std::uint64_t direct_bytes_ = 0;
  std::string disk_error_;  // set by the disk thread
};

}  // namespace syncpath::cli
