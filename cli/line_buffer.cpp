#include "line_buffer.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>

namespace syncpath::cli {

LineBuffer::int_type LineBuffer::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  pending_.push_back(traits_type::to_char_type(ch));
  if (ch == '\n') write_complete_lines();
  return ch;
}

std::streamsize LineBuffer::xsputn(const char* s, std::streamsize n) {
  pending_.append(s, static_cast<std::size_t>(n));
  write_complete_lines();
  return n;
}

int LineBuffer::sync() { return write_out(pending_.size()) ? 0 : -1; }

void LineBuffer::write_complete_lines() {
  const auto last = pending_.rfind('\n');
  if (last != std::string::npos) write_out(last + 1);
}

bool LineBuffer::write_out(std::size_t n) {
  std::size_t done = 0;
  bool ok = true;
  while (done < n) {
    const ssize_t w = ::write(fd_, pending_.data() + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { ok = false; break; }  // stderr gone: nothing better to do than drop it
    done += static_cast<std::size_t>(w);
  }
  pending_.erase(0, ok ? n : pending_.size());
  return ok;
}

void line_buffer_stderr() {
  // Never destroyed: std::cerr is flushed at exit after static objects may be gone.
  static auto* buffer = new LineBuffer(STDERR_FILENO);
  std::cerr.rdbuf(buffer);
  std::cerr.unsetf(std::ios_base::unitbuf);
}

}  // namespace syncpath::cli
