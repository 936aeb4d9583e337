// IPv4 addresses and CIDR blocks as small value types: parsed strictly, compared by value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace syncpath {

class Ipv4 {
 public:
  constexpr Ipv4() = default;
  constexpr explicit Ipv4(std::uint32_t value) : value_(value) {}

  // Dotted quad, four decimal octets 0..255, no leading zeros beyond "0", nothing else.
  static std::optional<Ipv4> parse(std::string_view text);

  constexpr std::uint32_t value() const { return value_; }
  std::string str() const;
  void append_to(std::string& out) const;  // str() without a temporary (the planner's hot path)

  friend constexpr auto operator<=>(Ipv4, Ipv4) = default;

 private:
  std::uint32_t value_ = 0;
};

class Cidr {
 public:
  constexpr Cidr() = default;
  // The address is masked to the prefix: 10.1.2.3/16 is kept as 10.1.0.0/16.
  Cidr(Ipv4 address, int prefix);

  // "a.b.c.d/n" with n in 0..32, or a bare address taken as /32. Host bits set beyond the
  // prefix are rejected when `strict` (a topology's CIDR must be a network address).
  static std::optional<Cidr> parse(std::string_view text, bool strict = true);
  static Cidr host(Ipv4 address) { return Cidr(address, 32); }

  constexpr Ipv4 network() const { return network_; }
  constexpr int prefix() const { return prefix_; }
  std::uint32_t mask() const;
  Ipv4 last() const;
  std::string str() const;
  void append_to(std::string& out) const;
  // Writes str() into `buf` (room for kMaxText bytes: "255.255.255.255/32"); returns its length.
  static constexpr std::size_t kMaxText = 18;
  std::size_t write(char* buf) const;

  bool contains(Ipv4 address) const;
  bool contains(const Cidr& other) const;  // other lies wholly inside this block
  bool overlaps(const Cidr& other) const;

  friend constexpr auto operator<=>(const Cidr&, const Cidr&) = default;

 private:
  Ipv4 network_{};
  int prefix_ = 0;
};

// Index of the entry that best matches `address` (longest prefix wins), or nullopt.
std::optional<std::size_t> longest_prefix_match(const std::vector<Cidr>& table, Ipv4 address);
std::optional<std::size_t> longest_prefix_match(const std::vector<Cidr>& table, const Cidr& block);

}  // namespace syncpath
