// Standard error written a whole line at a time. Parallel slices of one job, started by a
// scheduler with their stderr on one shared file, interleave at write(2) boundaries: with
// std::cerr's unit buffering every `<<` is a write of its own, so two processes' messages
// came out cut into each other's lines. This buffer holds text until a newline (or an
// explicit flush, as the live progress line does) and writes the complete lines in one call.
#pragma once

#include <streambuf>
#include <string>

namespace syncpath::cli {

class LineBuffer : public std::streambuf {
 public:
  explicit LineBuffer(int fd) : fd_(fd) {}
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() override { write_out(pending_.size()); }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;  // an explicit flush: everything pending goes out

 private:
  void write_complete_lines();
  bool write_out(std::size_t n);  // writes the first n pending bytes; false on an error

  int fd_;
  std::string pending_;
};

// Puts std::cerr on a LineBuffer for standard error (and drops its unit buffering) for the
// life of the process.
void line_buffer_stderr();

}  // namespace syncpath::cli
