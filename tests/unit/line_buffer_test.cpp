#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <vector>

#include "line_buffer.hpp"

namespace {

// Every write(2) on a SOCK_SEQPACKET socket arrives as one message, so the messages received
// are exactly the writes made.
std::vector<std::string> messages(int fd) {
  std::vector<std::string> got;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) break;
    got.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return got;
}

}  // namespace

TEST_CASE("standard error goes out a whole line per write, so parallel processes never cut each other's lines") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) == 0);
  bool flushed = false;
  {
    syncpath::cli::LineBuffer buffer(fds[0]);
    std::ostream err(&buffer);
    err << "syncpath sync: slice " << 3 << " of " << 8 << " already committed\n";
    CHECK(messages(fds[1]) == std::vector<std::string>{"syncpath sync: slice 3 of 8 already committed\n"});

    err << "first\nsecond " << 2 << '\n' << "partial";
    CHECK(messages(fds[1]) == std::vector<std::string>{"first\n", "second 2\n"});

    SUBCASE("an explicit flush writes a line that has no newline yet (the live progress line)") {
      err << " progress" << std::flush;
      CHECK(messages(fds[1]) == std::vector<std::string>{"partial progress"});
      flushed = true;
    }
    SUBCASE("what is pending at the end is written when the buffer goes") {}
  }
  const auto rest = messages(fds[1]);
  CHECK(rest == (flushed ? std::vector<std::string>{} : std::vector<std::string>{"partial"}));
  ::close(fds[0]);
  ::close(fds[1]);
}
