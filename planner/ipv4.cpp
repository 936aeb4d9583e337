#include "ipv4.hpp"

#include <charconv>

namespace syncpath {

namespace {

std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;  // 010 is ambiguous (octal?)
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int octet = 0; octet < 4; ++octet) {
    auto dot = text.find('.');
    if ((octet < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto part = parse_decimal(text.substr(0, dot), 255);
    if (!part) return std::nullopt;
    value = (value << 8) | *part;
    text = octet < 3 ? text.substr(dot + 1) : std::string_view{};
  }
  return Ipv4(value);
}

namespace {
// Writes v (0..255) at p; returns the end.
char* put_octet(char* p, unsigned v) {
  if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
  if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
  *p++ = static_cast<char>('0' + v % 10);
  return p;
}
char* put_address(char* p, std::uint32_t v) {
  p = put_octet(p, v >> 24);
  *p++ = '.';
  p = put_octet(p, (v >> 16) & 0xff);
  *p++ = '.';
  p = put_octet(p, (v >> 8) & 0xff);
  *p++ = '.';
  return put_octet(p, v & 0xff);
}
}  // namespace

void Ipv4::append_to(std::string& out) const {
  char buf[16];
  out.append(buf, static_cast<std::size_t>(put_address(buf, value_) - buf));
}

std::string Ipv4::str() const {
  std::string out;
  append_to(out);
  return out;
}

Cidr::Cidr(Ipv4 address, int prefix) : prefix_(prefix) {
  network_ = Ipv4(address.value() & mask());
}

std::uint32_t Cidr::mask() const {
  return prefix_ == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_);
}

Ipv4 Cidr::last() const { return Ipv4(network_.value() | ~mask()); }

std::optional<Cidr> Cidr::parse(std::string_view text, bool strict) {
  auto slash = text.find('/');
  auto address = Ipv4::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  int prefix = 32;
  if (slash != std::string_view::npos) {
    auto bits = parse_decimal(text.substr(slash + 1), 32);
    if (!bits) return std::nullopt;
    prefix = static_cast<int>(*bits);
  }
  Cidr block(*address, prefix);
  if (strict && block.network() != *address) return std::nullopt;
  return block;
}

std::size_t Cidr::write(char* buf) const {
  char* p = put_address(buf, network_.value());
  *p++ = '/';
  p = put_octet(p, static_cast<unsigned>(prefix_));
  return static_cast<std::size_t>(p - buf);
}

void Cidr::append_to(std::string& out) const {
  char buf[kMaxText];
  out.append(buf, write(buf));
}

std::string Cidr::str() const {
  std::string out;
  append_to(out);
  return out;
}

bool Cidr::contains(Ipv4 address) const {
  return (address.value() & mask()) == network_.value();
}

bool Cidr::contains(const Cidr& other) const {
  return other.prefix_ >= prefix_ && contains(other.network_);
}

bool Cidr::overlaps(const Cidr& other) const { return contains(other) || other.contains(*this); }

std::optional<std::size_t> longest_prefix_match(const std::vector<Cidr>& table, Ipv4 address) {
  return longest_prefix_match(table, Cidr::host(address));
}

std::optional<std::size_t> longest_prefix_match(const std::vector<Cidr>& table, const Cidr& block) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].contains(block) && (!best || table[i].prefix() > table[*best].prefix())) best = i;
  }
  return best;
}

}  // namespace syncpath
