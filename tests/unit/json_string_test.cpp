// json_string: every byte JSON must escape is escaped wherever it falls in a string (the scan
// takes 16, then 8, then 1 byte at a time, so each position is a different path), and nothing
// else is touched: bytes of 0x80 and above pass through (UTF-8 text stays as it is).
#include <doctest/doctest.h>

#include <string>

#include "render.hpp"

namespace {

// The escaped form, written out independently of the code under test.
std::string expected_escape(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    default: break;
  }
  if (c < 0x20) {
    const char* hex = "0123456789abcdef";
    return std::string("\\u00") + hex[c >> 4] + hex[c & 15];
  }
  return std::string(1, static_cast<char>(c));
}

}  // namespace

TEST_CASE("json_string escapes each special byte at every position of strings up to 40 bytes") {
  const unsigned char specials[] = {'"', '\\', '\n', '\t', '\r', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff, ' ', 'a'};
  int checked = 0;
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (unsigned char c : specials) {
        std::string in(len, 'x');
        in[at] = static_cast<char>(c);
        std::string want = "\"" + std::string(at, 'x') + expected_escape(c) + std::string(len - at - 1, 'x') + "\"";
        std::string got;
        syncpath::json_string(got, in);
        CAPTURE(len);
        CAPTURE(at);
        CAPTURE(static_cast<int>(c));
        CHECK(got == want);
        syncpath::TextBuf buf;  // the plan's renderers take the same path into a TextBuf
        syncpath::json_string(buf, in);
        CHECK(buf.view() == want);
        ++checked;
      }
    }
  }
  CHECK(checked == 820 * 14);
}

TEST_CASE("json_string: empty, all-plain and all-special strings") {
  std::string out;
  syncpath::json_string(out, "");
  CHECK(out == "\"\"");
  out.clear();
  syncpath::json_string(out, std::string(100, 'q'));
  CHECK(out == "\"" + std::string(100, 'q') + "\"");
  out.clear();
  syncpath::json_string(out, std::string(33, '"'));
  std::string want = "\"";
  for (int i = 0; i < 33; ++i) want += "\\\"";
  CHECK(out == want + "\"");
}
