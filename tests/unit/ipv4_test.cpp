#include <doctest/doctest.h>

#include "ipv4.hpp"

using syncpath::Cidr;
using syncpath::Ipv4;

TEST_CASE("an IPv4 address parses only as four decimal octets") {
  CHECK(Ipv4::parse("192.0.2.10")->value() == 0xC000020Au);
  CHECK(Ipv4::parse("0.0.0.0")->value() == 0u);
  CHECK(Ipv4::parse("255.255.255.255")->value() == 0xFFFFFFFFu);
  SUBCASE("malformed text is rejected") {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "01.2.3.4", "a.b.c.d",
                            "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/24"}) {
      CAPTURE(bad);
      CHECK_FALSE(Ipv4::parse(bad));
    }
  }
  CHECK(Ipv4::parse("198.51.100.7")->str() == "198.51.100.7");
  // Every octet width and the extremes print back as written (str() formats by hand).
  for (const char* text : {"0.0.0.0", "255.255.255.255", "10.0.9.99", "100.10.1.0", "192.0.2.250"}) {
    CAPTURE(text);
    CHECK(Ipv4::parse(text)->str() == text);
  }
  for (const char* text : {"0.0.0.0/0", "10.0.0.0/8", "203.0.113.7/32", "100.64.0.0/10"}) {
    CAPTURE(text);
    CHECK(Cidr::parse(text)->str() == text);
  }
}

TEST_CASE("a CIDR block parses strictly and prints canonically") {
  auto c = Cidr::parse("172.16.0.0/12");
  REQUIRE(c);
  CHECK(c->prefix() == 12);
  CHECK(c->str() == "172.16.0.0/12");
  CHECK(c->last().str() == "172.31.255.255");
  CHECK(Cidr::parse("10.1.2.3")->prefix() == 32);
  CHECK(Cidr::parse("0.0.0.0/0")->contains(*Ipv4::parse("203.0.113.1")));
  SUBCASE("host bits beyond the prefix are an error only when strict") {
    CHECK_FALSE(Cidr::parse("10.1.2.3/16"));
    CHECK(Cidr::parse("10.1.2.3/16", false)->str() == "10.1.0.0/16");
  }
  SUBCASE("bad prefixes are rejected") {
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/8/8"}) {
      CAPTURE(bad);
      CHECK_FALSE(Cidr::parse(bad));
    }
  }
}

TEST_CASE("containment and overlap follow the prefix lengths") {
  auto big = *Cidr::parse("10.20.0.0/16");
  auto small = *Cidr::parse("10.20.1.0/24");
  auto other = *Cidr::parse("10.21.0.0/16");
  CHECK(big.contains(small));
  CHECK_FALSE(small.contains(big));
  CHECK(big.overlaps(small));
  CHECK(small.overlaps(big));
  CHECK_FALSE(big.overlaps(other));
  CHECK(big.contains(*Ipv4::parse("10.20.255.255")));
  CHECK_FALSE(big.contains(*Ipv4::parse("10.21.0.0")));
}

TEST_CASE("the longest matching prefix wins a route lookup") {
  std::vector<Cidr> table{*Cidr::parse("0.0.0.0/0"), *Cidr::parse("10.0.0.0/8"),
                          *Cidr::parse("10.20.0.0/16"), *Cidr::parse("10.20.1.0/24")};
  CHECK(syncpath::longest_prefix_match(table, *Ipv4::parse("10.20.1.5")) == 3u);
  CHECK(syncpath::longest_prefix_match(table, *Ipv4::parse("10.20.2.5")) == 2u);
  CHECK(syncpath::longest_prefix_match(table, *Ipv4::parse("10.9.9.9")) == 1u);
  CHECK(syncpath::longest_prefix_match(table, *Ipv4::parse("192.0.2.1")) == 0u);
  CHECK(syncpath::longest_prefix_match(table, *Cidr::parse("10.20.0.0/15", false)) == 1u);
  std::vector<Cidr> no_default{*Cidr::parse("10.0.0.0/8")};
  CHECK_FALSE(syncpath::longest_prefix_match(no_default, *Ipv4::parse("192.0.2.1")));
}
