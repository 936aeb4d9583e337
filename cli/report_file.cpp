#include "report_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

namespace syncpath::cli {

namespace {

// Writes all of [p, p + n) at `offset`; 0, or the errno of the failure.
int pwrite_all(int fd, const char* p, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    p += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::uint64_t>(w);
  }
  return 0;
}

char* aligned_block(std::size_t align, std::size_t size) {
  void* p = std::aligned_alloc(align, size);
  if (!p) throw std::bad_alloc();
  return static_cast<char*>(p);
}

}  // namespace

ReportFile::ReportFile(const std::string& path, bool direct, std::size_t block) : path_(path), block_(block) {
  if (block_ == 0 || block_ % kAlign != 0) throw std::invalid_argument("ReportFile: the block must be a multiple of 4096");
  all_.reserve(kQueue + 1);
  free_.reserve(kQueue + 1);
  fill_ = aligned_block(kAlign, block_);
  all_.push_back(fill_);
  limit_ = block_;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    int e = errno;
    std::free(fill_);  // no destructor runs for a constructor that throws
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(e) +
                             " (check the directory exists and is writable)");
  }
  // A filesystem without direct I/O (tmpfs, many FUSE ones) refuses this open: every block
  // then goes through the page cache.
  if (direct) direct_fd_ = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
}

ReportFile::~ReportFile() {
  close();
  for (char* b : all_) std::free(b);
}

void ReportFile::fail(const std::string& why) {
  if (!failed_) error_ = why;
  failed_ = true;
}

bool ReportFile::write_at(int fd, const char* p, std::size_t n, std::uint64_t offset) {
  if (int e = pwrite_all(fd, p, n, offset)) {
    fail(std::strerror(e));
    return false;
  }
  return true;
}

void ReportFile::disk_loop() {
  std::unique_lock lock(m_);
  for (;;) {
    cv_.wait(lock, [&] { return !jobs_.empty() || quit_; });
    if (jobs_.empty()) return;  // quit, nothing left to write
    Job job = jobs_.front();
    jobs_.pop_front();
    writing_ = true;
    bool direct = !direct_off_;
    lock.unlock();
    int e = direct ? pwrite_all(direct_fd_, job.data, job.size, job.offset) : EINVAL;
    // EINVAL: the filesystem wants another alignment after all; this block and every later
    // one go through the page cache.
    if (e == EINVAL) {
      direct = false;
      e = pwrite_all(fd_, job.data, job.size, job.offset);
    }
    lock.lock();
    if (direct && !e) direct_bytes_ += job.size;
    if (!direct) direct_off_ = true;
    if (e && disk_error_.empty()) disk_error_ = std::strerror(e);
    free_.push_back(job.data);
    writing_ = false;
    cv_.notify_all();
  }
}

void ReportFile::write_block() {
  bool queued = false;
  if (direct_fd_ >= 0 && offset_ % kAlign == 0 && len_ % kAlign == 0 && !failed_) {
    std::lock_guard lock(m_);
    if (!disk_error_.empty()) fail(disk_error_);
    if (!direct_off_ && !failed_ && (!free_.empty() || all_.size() <= kQueue)) {
      // What can throw (the thread, a new block, the queue's memory) comes first and changes
      // nothing when it does: this block and the later ones then go through the page cache.
      try {
        if (!disk_.joinable()) disk_ = std::thread([this] { disk_loop(); });
        if (free_.empty()) {
          all_.push_back(aligned_block(kAlign, block_));  // all_ and free_ have room reserved
          free_.push_back(all_.back());
        }
        jobs_.push_back({fill_, len_, offset_});
        queued = true;
      } catch (const std::exception&) {
        direct_off_ = true;
      }
    }
    if (queued) {
      fill_ = free_.back();  // the job's block is the disk thread's until it comes back
      free_.pop_back();
      cv_.notify_all();
    }
  }
  if (!queued && !failed_) write_at(fd_, fill_, len_, offset_);
  offset_ += len_;
  len_ = 0;
  limit_ = block_ - offset_ % kAlign;  // a short block after a short write: the next is aligned
}

std::streamsize ReportFile::xsputn(const char* s, std::streamsize n) {
  std::streamsize done = 0;
  while (done < n && !failed_) {
    std::size_t k = std::min(static_cast<std::size_t>(n - done), limit_ - len_);
    std::memcpy(fill_ + len_, s + done, k);
    len_ += k;
    done += static_cast<std::streamsize>(k);
    if (len_ == limit_) write_block();
  }
  return failed_ ? 0 : done;
}

ReportFile::int_type ReportFile::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  char ch = traits_type::to_char_type(c);
  return xsputn(&ch, 1) == 1 ? c : traits_type::eof();
}

int ReportFile::sync() {
  if (fd_ < 0) return failed_ ? -1 : 0;
  if (len_ > 0 && !failed_) {
    write_at(fd_, fill_, len_, offset_);
    offset_ += len_;
    len_ = 0;
    limit_ = block_ - offset_ % kAlign;
  }
  std::unique_lock lock(m_);  // the queued blocks are written too when sync returns
  cv_.wait(lock, [&] { return jobs_.empty() && !writing_; });
  if (!disk_error_.empty()) fail(disk_error_);
  return failed_ ? -1 : 0;
}

bool ReportFile::close() {
  if (fd_ < 0) return !failed_;
  sync();
  {
    std::lock_guard lock(m_);
    quit_ = true;
  }
  cv_.notify_all();
  if (disk_.joinable()) disk_.join();
  if (direct_fd_ >= 0) ::close(direct_fd_);
  if (::close(fd_) != 0) fail(std::strerror(errno));
  fd_ = direct_fd_ = -1;
  return !failed_;
}

}  // namespace syncpath::cli
